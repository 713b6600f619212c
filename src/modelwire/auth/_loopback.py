"""A one-shot loopback HTTP listener for OAuth redirects (``http://localhost:PORT/<path>``).

It binds 127.0.0.1, serves until one redirect to ``path`` arrives (other paths, such as a
browser's ``/favicon.ico``, get a 404 and the wait goes on), hands the query to a callback that
finishes the login, shows the outcome as a small page, and closes.

Given the login's ``state``, it checks it before anything else, as Codex's login server does: a
redirect with another state (or none) gets 400 "State mismatch" and the wait goes on, so a request
forged by any local process cannot end the login. With the right state, an ``error`` ends it.
"""

from __future__ import annotations

import errno
import html
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

from .errors import LoginError, LoginTimeoutError

SUCCESS_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>modelwire: signed in</title></head>
<body style="font-family: system-ui, sans-serif; margin: 4em auto; max-width: 32em">
<h1>Signed in to {provider}</h1>
<p>modelwire has your sign-in. You can close this tab and return to the terminal.</p>
</body></html>
"""

FAILURE_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>modelwire: sign-in failed</title></head>
<body style="font-family: system-ui, sans-serif; margin: 4em auto; max-width: 32em">
<h1>Sign-in to {provider} failed</h1>
<p>{reason}</p>
<p>Return to the terminal and try again.</p>
</body></html>
"""


class CallbackPortTaken(LoginError):
    """The callback port is in use (another login, or another program, listens there)."""

    def __init__(self, message: str, *, port: int) -> None:
        super().__init__(message)
        self.port = port


STATE_MISMATCH = "State mismatch"


@dataclass
class _Outcome:
    result: object = None
    error: BaseException | None = None
    done: bool = False


class LoopbackListener:
    """Bound on construction (so the redirect URI can name the real port); call :meth:`wait`.

    ``finish`` receives the redirect's query parameters (one value each) and returns the login's
    result, or raises :class:`LoginError` with a reason fit to show in the browser.
    """

    def __init__(self, provider: str, port: int, path: str, *, host: str = "127.0.0.1") -> None:
        self.provider = provider
        self.path = path
        try:
            self._server = _Server((host, port), _Handler)
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                raise CallbackPortTaken(
                    f"cannot listen on {host}:{port} for the {provider} sign-in redirect: the "
                    f"port is taken (is another `modelwire login` or Codex login running? finish "
                    f"or stop it and try again)",
                    port=port,
                ) from None
            raise LoginError(f"cannot listen on {host}:{port}: {error.strerror}") from None
        self._server.listener = self
        self.port: int = self._server.server_address[1]
        self._outcome = _Outcome()
        self._finish: Callable[[dict[str, str]], object] | None = None
        self._state: str | None = None

    def wait(
        self,
        finish: Callable[[dict[str, str]], object],
        *,
        timeout: float,
        state: str | None = None,
    ) -> object:
        """Serve until the redirect came and ``finish`` ran (its result), or the timeout.

        With ``state``, only a redirect carrying it is taken (see the module's docstring); an
        ``error`` or a missing ``code`` on it then ends the wait with :class:`LoginError`.
        """
        self._finish = finish
        self._state = state
        deadline = time.monotonic() + timeout
        try:
            while not self._outcome.done:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise LoginTimeoutError(
                        f"the {self.provider} sign-in did not complete within {timeout:.0f}s; "
                        f"run the login again"
                    )
                self._server.timeout = min(remaining, 0.5)
                self._server.handle_request()
        finally:
            self._server.server_close()
        if self._outcome.error is not None:
            raise self._outcome.error
        return self._outcome.result

    def close(self) -> None:
        self._server.server_close()

    def _handle(self, handler: _Handler) -> None:
        url = urlsplit(handler.path)
        if url.path != self.path or self._outcome.done or self._finish is None:
            handler.respond(404, "<!doctype html><title>Not found</title><p>Not found.</p>")
            return
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        if self._state is not None and not secrets.compare_digest(
            query.get("state", "").encode(), self._state.encode()
        ):
            # Not this login's redirect: refuse it and keep waiting for the real one.
            handler.respond(400, STATE_MISMATCH, content_type="text/plain; charset=utf-8")
            return
        try:
            if self._state is not None:
                _check_redirect(self.provider, query)
            self._outcome.result = self._finish(query)
        except LoginError as error:
            self._outcome.error = error
            page = FAILURE_PAGE.format(
                provider=html.escape(self.provider), reason=html.escape(str(error))
            )
            handler.respond(400, page)
        except BaseException as error:  # reported to the caller of wait(), not swallowed
            self._outcome.error = error
            page = FAILURE_PAGE.format(
                provider=html.escape(self.provider), reason="An unexpected error occurred."
            )
            handler.respond(500, page)
        else:
            handler.respond(200, SUCCESS_PAGE.format(provider=html.escape(self.provider)))
        self._outcome.done = True


def _check_redirect(provider: str, query: dict[str, str]) -> None:
    """A redirect with the right state that still cannot finish the login."""
    if query.get("error"):
        code = query["error"] if query["error"].replace("_", "").isalnum() else "error"
        raise LoginError(f"the {provider} sign-in was not completed ({code})")
    if not query.get("code"):
        raise LoginError(f"the {provider} sign-in redirect carried no authorization code")


class _Server(HTTPServer):
    listener: LoopbackListener
    allow_reuse_address = False  # a second listener on the same port must fail, not share it

    def server_bind(self) -> None:
        # SO_REUSEADDR would let two listeners bind the same port on some systems.
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)
        super().server_bind()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10.0  # a client that connects and sends nothing cannot hold the login forever

    def do_GET(self) -> None:
        self.server.listener._handle(self)

    def respond(
        self, status: int, page: str, *, content_type: str = "text/html; charset=utf-8"
    ) -> None:
        body = page.encode()
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.send_header("cache-control", "no-store")
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        # The default logs every request line to stderr, and the callback's holds the code.
        return
