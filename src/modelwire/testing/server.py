"""FakeServer: the emulator on a real loopback socket, served by uvicorn in a background thread.

    with FakeServer() as server:
        client = mw.Client(provider="openai", api_key="sk-test", base_url=server.base_url("openai"))
        server.queue("responses", Fault.status(429, retry_after_ms=50), Script.text("hi"))
        ...
        assert server.requests[-1].json["model"] == "gpt-5"

The server binds 127.0.0.1 (or another loopback address) only; the port is ephemeral unless given.
Stopping it closes the listening socket and every connection, and joins the thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, TextIO, TypeAlias

import uvicorn
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from . import apis
from .app import create_app
from .auth import (
    CHATGPT_CLIENT_ID,
    CHATGPT_REDIRECT_URI,
    CHATGPT_SCOPE,
    CLAUDE_CLIENT_ID,
    CLAUDE_REDIRECT_URI,
    CLAUDE_SCOPE,
    Identity,
    OAuthProvider,
)
from .delivery import ConnectionRegistry
from .faults import Fault
from .recording import RecordedRequest
from .script import Script
from .state import DEFAULT_MAX_REQUEST_BYTES, TOKEN_ROUTES, Answer, Route, ServerState

Provider: TypeAlias = Literal["openai", "anthropic", "chatgpt", "claude"]


@dataclass(frozen=True)
class OAuthEndpoints:
    """Where a login flow goes on this server, and the defaults the real clients use."""

    authorize_url: str
    token_url: str
    client_id: str
    redirect_uri: str
    scope: str


def _tracking_protocol(connections: ConnectionRegistry) -> type[H11Protocol]:
    """uvicorn's h11 protocol, registering each connection's transport so the app can drop it
    (reset before headers, disconnect mid-stream) and the server can count open connections."""

    class TrackingH11Protocol(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if self.client is not None:
                connections.add(self.client, transport)

        def connection_lost(self, exc: Exception | None) -> None:
            if self.client is not None:
                connections.remove(self.client)
            super().connection_lost(exc)

    return TrackingH11Protocol


class _Uvicorn(uvicorn.Server):
    """uvicorn's server, stopped by an event instead of polling, and shut down at once: a test
    server has no in-flight work worth waiting for."""

    def __init__(self, config: uvicorn.Config, connections: ConnectionRegistry) -> None:
        super().__init__(config)
        self._connections = connections
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            await super().startup(sockets=sockets)
        finally:
            self.ready.set()

    async def main_loop(self) -> None:
        assert self._stop is not None
        await self.on_tick(0)  # sets the Date header
        while not self.should_exit:
            try:
                await asyncio.wait_for(self._stop.wait(), 1.0)
            except TimeoutError:
                await self.on_tick(0)

    def request_stop(self) -> None:
        """Thread-safe: ask the server loop to finish."""
        self.should_exit = True
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)

    def handle_exit(self, sig: int, frame: Any) -> None:
        super().handle_exit(sig, frame)
        self.request_stop()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # idle keep-alive connections close now
        self._connections.abort_all()  # busy ones (a stalled stream) are cut
        tasks = list(self.server_state.tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for server in self.servers:
            await server.wait_closed()


class FakeServer:
    """The embedded emulator. Use it as a context manager, or call :meth:`start` / :meth:`stop`.

    ``api_keys``: the API keys accepted (default: any key that looks real). ``identity``: the user
    both OAuth servers sign in. ``access_token_ttl`` / ``claude_access_token_ttl``: lifetimes of
    the access tokens issued (seconds). ``max_request_bytes``: the largest request body taken
    (larger ones get the API's 413; default 32 MiB). ``refuse_claude_subscription``: refuse
    every Claude sign-in token on the Messages API with Anthropic's 400 "This credential is only
    authorized for use with Claude Code…", as the real service may refuse a client that is not
    Claude Code (default: accepted).
    """

    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        api_keys: Collection[str] | None = None,
        identity: Identity | None = None,
        chatgpt_client_id: str = CHATGPT_CLIENT_ID,
        claude_client_id: str = CLAUDE_CLIENT_ID,
        access_token_ttl: float = 3600.0,
        claude_access_token_ttl: float = 28800.0,
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
        refuse_claude_subscription: bool = False,
    ) -> None:
        if not _is_loopback(host):
            raise ValueError(f"FakeServer binds loopback addresses only, not {host!r}")
        if max_request_bytes < 1:
            raise ValueError(f"max_request_bytes must be positive, not {max_request_bytes!r}")
        self.host = host
        self._requested_port = port
        self.port = port
        self._state = ServerState(
            api_keys=api_keys,
            identity=identity or Identity(),
            chatgpt_client_id=chatgpt_client_id,
            claude_client_id=claude_client_id,
            chatgpt_access_ttl=access_token_ttl,
            claude_access_ttl=claude_access_token_ttl,
            routes=[*(api.name for api in apis.EMULATED_APIS), *TOKEN_ROUTES],
            max_request_bytes=max_request_bytes,
            refuse_claude_subscription=refuse_claude_subscription,
        )
        self._connections = ConnectionRegistry()
        self._server: _Uvicorn | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._failure: BaseException | None = None
        self._stopping = threading.Event()

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeServer:
        if self._thread is not None:
            raise RuntimeError("FakeServer is already running")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._requested_port))
        except OSError:
            sock.close()
            raise
        self._socket = sock
        self._failure = None
        self.port = int(sock.getsockname()[1])
        app = create_app(self._state, self._connections)
        stopping = self._stopping = threading.Event()

        async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
            try:
                await app(scope, receive, send)
            except asyncio.CancelledError:
                # stop() tears down handlers still running (a stall); their clients are already
                # disconnected, so there is nothing to report.
                if not stopping.is_set():
                    raise

        config = uvicorn.Config(
            asgi,
            http=_tracking_protocol(self._connections),
            ws="none",
            lifespan="off",
            log_config=None,  # leave the host application's logging configuration alone
            log_level="warning",
            access_log=False,
            server_header=False,  # no "server: uvicorn": the real services do not say so either
            timeout_keep_alive=5,
        )
        server = _Uvicorn(config, self._connections)
        self._server = server
        self._thread = threading.Thread(
            target=self._run, name=f"modelwire-fake-server:{self.port}", daemon=True
        )
        self._thread.start()
        server.ready.wait(10.0)
        if self._failure is not None or not server.started:
            self.stop()
            raise RuntimeError(f"FakeServer failed to start: {self._failure!r}")
        return self

    def _run(self) -> None:
        assert self._server is not None
        assert self._socket is not None
        try:
            asyncio.run(self._server.serve(sockets=[self._socket]))
        except BaseException as error:  # reported to start(); a thread has nowhere else to raise
            self._failure = error
            self._server.ready.set()

    def stop(self) -> None:
        """Stop serving: close the socket and every connection, join the thread."""
        server, thread = self._server, self._thread
        self._stopping.set()
        if server is not None:
            server.request_stop()
        if thread is not None:
            thread.join(10.0)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- addresses -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The root URL, ``http://127.0.0.1:PORT``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def base_url(self, provider: Provider) -> str:
        """What to pass as ``mw.Client(base_url=...)`` for each provider."""
        paths = {"openai": "/v1", "anthropic": "", "chatgpt": "/backend-api/codex", "claude": ""}
        if provider not in paths:
            raise ValueError(f"unknown provider {provider!r}: expected one of {', '.join(paths)}")
        return self.url + paths[provider]

    def oauth(self, provider: OAuthProvider) -> OAuthEndpoints:
        """The login endpoints of ``"chatgpt"`` or ``"claude"`` on this server, with defaults."""
        if provider == "chatgpt":
            return OAuthEndpoints(
                authorize_url=f"{self.url}/oauth/authorize",
                token_url=f"{self.url}/oauth/token",
                client_id=self._state.chatgpt_client_id,
                redirect_uri=CHATGPT_REDIRECT_URI,
                scope=CHATGPT_SCOPE,
            )
        if provider == "claude":
            return OAuthEndpoints(
                authorize_url=f"{self.url}/claude/oauth/authorize",
                token_url=f"{self.url}/v1/oauth/token",
                client_id=self._state.claude_client_id,
                redirect_uri=CLAUDE_REDIRECT_URI,
                scope=CLAUDE_SCOPE,
            )
        raise ValueError(f"unknown OAuth provider {provider!r}: expected 'chatgpt' or 'claude'")

    # -- scripting -------------------------------------------------------------------------------

    @property
    def routes(self) -> tuple[str, ...]:
        """Where answers can be queued: every emulated API's route, then the token endpoints."""
        return self._state.routes

    def queue(self, route: Route, *answers: Answer) -> None:
        """Queue answers for the next requests of ``route``, one each, in order.

        ``route``: ``"responses"``, ``"chat"``, ``"messages"``, ``"chatgpt"``, ``"chatgpt-token"``
        or ``"claude-token"`` (:attr:`routes`). An answer is a :class:`Script` or a :class:`Fault`.
        """
        self._state.queue(route, answers)

    def always(self, route: Route, answer: Answer | None) -> None:
        """Answer every request of ``route`` this way once the queue is empty (None: stop)."""
        self._state.always(route, answer)

    def pending(self, route: Route) -> int:
        """How many queued answers of ``route`` have not been used yet."""
        return self._state.pending(route)

    def reset(self) -> None:
        """Back to a fresh state: no queued answers, recordings, stored responses or tokens."""
        self._state.reset()

    # -- credentials -----------------------------------------------------------------------------

    def issue_tokens(self, provider: OAuthProvider) -> dict[str, Any]:
        """A token set as the provider's token endpoint returns it, without a login flow."""
        return self._state.tokens.issue(
            provider,
            client_id=self._state.chatgpt_client_id
            if provider == "chatgpt"
            else self._state.claude_client_id,
        )

    def expire_tokens(self, provider: OAuthProvider | None = None) -> None:
        """Expire every access token issued so far (refresh tokens keep working)."""
        self._state.tokens.expire_access_tokens(provider)

    def revoke_tokens(self, provider: OAuthProvider | None = None) -> None:
        """Revoke every access and refresh token issued so far (a sign-out elsewhere)."""
        self._state.tokens.revoke(provider)

    def revoke_api_key(self, key: str) -> None:
        self._state.keys.revoke(key)

    @property
    def identity(self) -> Identity:
        return self._state.identity

    # -- observations ----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (a snapshot), oldest first."""
        with self._state.lock:
            return list(self._state.requests)

    def requests_to(self, route: Route) -> list[RecordedRequest]:
        return [request for request in self.requests if request.route == route]

    @property
    def open_connections(self) -> int:
        """Client connections open right now (idle keep-alive ones included)."""
        return len(self._connections)

    @property
    def token_calls(self) -> Counter[tuple[str, str]]:
        """Token endpoint calls by ``(provider, grant_type)``: ``("claude", "refresh_token")``."""
        with self._state.lock:
            return Counter(self._state.token_calls)

    def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Poll ``condition`` until it holds (True) or ``timeout`` passes (False)."""
        deadline = time.monotonic() + timeout
        while True:
            if condition():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"FakeServer({self.url if self.port else 'unbound'}, {state})"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve_forever(
    port: int,
    host: str = "127.0.0.1",
    *,
    out: TextIO | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run the emulator in the foreground, printing its base URLs, until Ctrl-C (or ``stop``)."""
    stream = out if out is not None else sys.stdout
    stop = stop or threading.Event()
    with FakeServer(port, host=host) as server:
        chatgpt, claude = server.oauth("chatgpt"), server.oauth("claude")
        lines = [
            f"modelwire fake server listening on {server.url}",
            f"  openai      {server.base_url('openai')}",
            f"  anthropic   {server.base_url('anthropic')}",
            f"  chatgpt     {server.base_url('chatgpt')}",
            f"  claude      {server.base_url('claude')}",
            f"  chatgpt oauth  authorize {chatgpt.authorize_url}  token {chatgpt.token_url}",
            f"  claude oauth   authorize {claude.authorize_url}  token {claude.token_url}",
        ]
        print("\n".join(lines), file=stream, flush=True)
        # Wake up now and then, so Ctrl-C is delivered promptly on every platform.
        with contextlib.suppress(KeyboardInterrupt):
            while not stop.wait(0.5):
                pass


__all__ = ["FakeServer", "Fault", "OAuthEndpoints", "Script", "serve_forever"]
