"""The offline demo: modelwire end to end against the embedded server, no account, no network.

For each valid (wire API, auth mode) pair, :func:`run_demo`

1. gets the credential for real: API keys are saved to a throwaway store and read back; the two
   sign-ins run the actual login flows against the embedded OAuth servers (ChatGPT: PKCE and the
   loopback callback, with an HTTP client standing in for the browser; Claude: the paste flow,
   reading ``code#state`` from the hosted page as JSON);
2. streams a turn in which the model reasons (where the API streams reasoning) and calls a tool;
3. runs the tool — a real Python function called with the model's arguments — and streams a
   second turn with its result;
4. hands the whole conversation (the items of both Responses, tool results included) to the next
   pair as its history, so one conversation crosses all three wire APIs and four auth modes.

Nothing touches the user's credentials or environment: the store is a fresh
:class:`~modelwire.auth.MemoryStore`, every OAuth endpoint and base URL is passed explicitly, and
the HTTP clients ignore proxy variables. ``modelwire demo`` presents this; an :class:`Observer`
sees every step as it happens.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .common.events import Event
from .common.items import Item, Message, ToolCall, ToolResult
from .common.response import Response
from .common.usage import Usage

if TYPE_CHECKING:
    import httpx2

    from .auth import AuthStatus
    from .auth.base import Auth
    from .auth.config import ChatGPTOAuthConfig, ClaudeOAuthConfig
    from .auth.store import MemoryStore
    from .client import Client
    from .testing import FakeServer

# Keys of the shape the embedded server accepts; they are worth nothing anywhere else.
DEMO_OPENAI_KEY = "sk-modelwire-demo"
DEMO_ANTHROPIC_KEY = "sk-ant-modelwire-demo"
INSTRUCTIONS = "You are a concise weather assistant. Use get_weather for current conditions."
LOGIN_TIMEOUT = 10.0


API_TITLES = {"responses": "Responses", "chat": "Chat", "messages": "Messages"}
AUTH_TITLES = {
    "openai-api-key": "OpenAI API key",
    "chatgpt-oauth": "ChatGPT sign-in",
    "anthropic-api-key": "Anthropic API key",
    "claude-oauth": "Claude sign-in",
}


@dataclass(frozen=True, slots=True)
class Pair:
    """One (wire API, auth mode) combination the demo exercises.

    ``reasoning`` says whether this API streams reasoning the demo can show (OpenAI's Chat
    Completions API does not). ``city`` is what the user asks about in this pair's turn.
    """

    api: str
    auth: str
    provider: str
    city: str
    reasoning: bool

    @property
    def title(self) -> str:
        """The API and the auth mode, as the demo names the pair."""
        api, auth = API_TITLES.get(self.api, self.api), AUTH_TITLES.get(self.auth, self.auth)
        return f"{api} \N{MULTIPLICATION SIGN} {auth}"

    @property
    def route(self) -> str:
        """The embedded server's route this pair talks to (the ChatGPT backend has its own)."""
        return "chatgpt" if self.provider == "chatgpt" else self.api


PAIRS: tuple[Pair, ...] = (
    Pair("responses", "openai-api-key", "openai", "Paris", reasoning=True),
    Pair("responses", "chatgpt-oauth", "chatgpt", "Tokyo", reasoning=True),
    Pair("chat", "openai-api-key", "openai", "Lisbon", reasoning=False),
    Pair("messages", "anthropic-api-key", "anthropic", "Nairobi", reasoning=True),
    Pair("messages", "claude-oauth", "claude", "Reykjavík", reasoning=True),
)

WEATHER = {
    "Paris": "14 °C and light rain",
    "Tokyo": "22 °C and clear",
    "Lisbon": "19 °C with a sea breeze",
    "Nairobi": "24 °C and sunny",
    "Reykjavík": "3 °C and snowing",
}


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"{WEATHER.get(city, '20 °C and cloudy')} in {city}"


TOOLS: dict[str, Callable[..., str]] = {"get_weather": get_weather}


@dataclass(frozen=True, slots=True)
class ToolRun:
    """A tool call the model made and what the Python function returned for it."""

    call: ToolCall
    output: str
    is_error: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.call.id,
            "name": self.call.name,
            "arguments": self.call.arguments,
            "output": self.output,
            "is_error": self.is_error,
        }


@dataclass(slots=True)
class PairResult:
    """What one pair did. ``handed_over``: history items it received from the pairs before it."""

    pair: Pair
    ok: bool = False
    text: str = ""
    reasoning: str = ""
    tool_runs: list[ToolRun] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    events: int = 0
    handed_over: int = 0
    account: str | None = None
    error: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The ``modelwire demo --json`` line of this pair."""
        return {
            "api": self.pair.api,
            "auth": self.pair.auth,
            "provider": self.pair.provider,
            "ok": self.ok,
            "text": self.text,
            "reasoning": self.reasoning,
            "tool_calls": [run.to_dict() for run in self.tool_runs],
            "usage": {
                "input_tokens": self.usage.input_tokens,
                "output_tokens": self.usage.output_tokens,
                "cached_input_tokens": self.usage.cached_input_tokens,
                "reasoning_tokens": self.usage.reasoning_tokens,
                "total_tokens": self.usage.total_tokens,
            },
            "events": self.events,
            "handed_over": self.handed_over,
            "error": self.error,
            "seconds": round(self.seconds, 3),
        }


class Observer:
    """Sees the demo as it runs; every method does nothing unless overridden."""

    def server_started(self, url: str, pairs: Sequence[Pair]) -> None: ...

    def pair_started(self, pair: Pair, index: int, handed_over: int) -> None: ...

    def credential_ready(self, pair: Pair, status: AuthStatus) -> None: ...

    def user_message(self, pair: Pair, text: str) -> None: ...

    def event(self, pair: Pair, event: Event) -> None: ...

    def tool_ran(self, pair: Pair, run: ToolRun) -> None: ...

    def pair_finished(self, result: PairResult) -> None: ...


def run_demo(
    observer: Observer | None = None, *, pace: float = 0.0, pairs: Sequence[Pair] = PAIRS
) -> list[PairResult]:
    """Run every pair against a fresh embedded server; one result per pair, in order.

    ``pace`` spaces the server's stream events (seconds), so a person can watch them arrive. A
    failing pair is reported in its result and the next pair carries on with the history so far.
    Raises ImportError when the ``server`` extra (starlette, uvicorn) is not installed.
    """
    import httpx2

    from .testing import FakeServer

    watcher = observer if observer is not None else Observer()
    results: list[PairResult] = []
    # trust_env=False: a proxy configured in the user's environment must not see loopback calls.
    with (
        FakeServer() as server,
        httpx2.Client(timeout=LOGIN_TIMEOUT, trust_env=False) as http,
    ):
        watcher.server_started(server.url, pairs)
        accounts = _Accounts(server, http)
        history: list[Item] = []
        for index, pair in enumerate(pairs):
            watcher.pair_started(pair, index, len(history))
            result = PairResult(pair=pair, handed_over=len(history))
            started = time.perf_counter()
            try:
                history = _run_pair(pair, server, accounts, http, history, result, watcher, pace)
                result.ok = True
            except Exception as error:  # a demo reports every failure in its table and goes on
                result.error = f"{type(error).__name__}: {error}"
            finally:
                result.seconds = time.perf_counter() - started
            results.append(result)
            watcher.pair_finished(result)
    return results


def _run_pair(
    pair: Pair,
    server: FakeServer,
    accounts: _Accounts,
    http: httpx2.Client,
    history: list[Item],
    result: PairResult,
    watcher: Observer,
    pace: float,
) -> list[Item]:
    """One pair's two turns; returns the conversation to hand to the next pair."""
    from .client import Client
    from .testing import Fault, Script

    auth, status = accounts.credential(pair)
    result.account = status.email or status.account_id
    watcher.credential_ready(pair, status)

    # The first turn is scripted so that each pair asks about its own city with realistic
    # arguments; the second is the server's echo model answering from the tool result it
    # received, which proves the result made the round trip.
    reasoning_text = (
        f"The user asks about the weather in {pair.city}. get_weather reports current "
        f"conditions, so I will call it with city={pair.city!r}."
    )
    first_answer = Script.tool_call("get_weather", {"city": pair.city})
    if pair.reasoning:
        first_answer = Script.reasoning(reasoning_text) + first_answer
    if pace > 0:
        server.queue(pair.route, first_answer.with_faults(Fault.drip(pace)))
        server.queue(pair.route, Fault.drip(pace))
    else:
        server.queue(pair.route, first_answer)

    question = f"What's the weather in {pair.city} right now?"
    watcher.user_message(pair, question)
    conversation: list[Item] = [*history, Message(role="user", content=question)]
    with Client(
        pair.provider,
        pair.api,  # type: ignore[arg-type]
        auth=auth,
        base_url=server.base_url(pair.provider),  # type: ignore[arg-type]
        http_client=http,
        max_retries=0,
    ) as client:
        first = _stream_turn(client, pair, conversation, result, watcher)
        if not first.tool_calls:
            raise ValueError("the model did not call the tool")
        runs = [_run_tool(call) for call in first.tool_calls]
        for run in runs:
            result.tool_runs.append(run)
            watcher.tool_ran(pair, run)
        conversation += [
            *first.items,
            *(
                ToolResult(
                    call_id=r.call.id, output=r.output, is_error=r.is_error, name=r.call.name
                )
                for r in runs
            ),
        ]
        second = _stream_turn(client, pair, conversation, result, watcher)
    if not second.text:
        raise ValueError("the model answered the tool result without text")
    result.text = second.text
    result.reasoning = "\n\n".join(r for r in (first.reasoning, second.reasoning) if r)
    return [*conversation, *second.items]


def _stream_turn(
    client: Client, pair: Pair, conversation: list[Item], result: PairResult, watcher: Observer
) -> Response:
    from .apis.responses.request import ResponsesOptions

    # Encrypted reasoning and store=false make the Responses items self-contained, so they can
    # travel to the ChatGPT backend (which stores nothing) and to the other APIs.
    options = (
        ResponsesOptions(reasoning_summary="auto", include_encrypted_reasoning=True, store=False)
        if pair.api == "responses"
        else None
    )
    with client.stream(
        input=conversation,
        instructions=INSTRUCTIONS,
        tools=[get_weather],
        reasoning="low" if pair.reasoning else None,
        options=options,
    ) as stream:
        for event in stream:
            result.events += 1
            watcher.event(pair, event)
        response: Response = stream.response
    result.usage = _add_usage(result.usage, response.usage)
    return response


def _run_tool(call: ToolCall) -> ToolRun:
    """Call the Python function the model asked for, with its arguments; errors go back to the
    model as an error result, as an application would send them."""
    function = TOOLS.get(call.name)
    if function is None:
        return ToolRun(call, f"unknown tool {call.name!r}", is_error=True)
    if call.arguments_error is not None:
        return ToolRun(call, f"invalid arguments: {call.arguments_error}", is_error=True)
    try:
        return ToolRun(call, function(**call.arguments))
    except TypeError as error:
        return ToolRun(call, f"bad arguments: {error}", is_error=True)


def _add_usage(total: Usage, more: Usage) -> Usage:
    def add(a: int | None, b: int | None) -> int | None:
        return None if a is None and b is None else (a or 0) + (b or 0)

    return Usage(
        input_tokens=add(total.input_tokens, more.input_tokens),
        output_tokens=add(total.output_tokens, more.output_tokens),
        cached_input_tokens=add(total.cached_input_tokens, more.cached_input_tokens),
        reasoning_tokens=add(total.reasoning_tokens, more.reasoning_tokens),
    )


class _Accounts:
    """The demo's credentials: a store of its own, and OAuth configs naming the embedded server's
    endpoints (never the environment's)."""

    def __init__(self, server: FakeServer, http: httpx2.Client) -> None:
        from .auth.config import ChatGPTOAuthConfig, ClaudeOAuthConfig
        from .auth.store import MemoryStore

        self.server = server
        self.http = http
        self.store: MemoryStore = MemoryStore()
        chatgpt, claude = server.oauth("chatgpt"), server.oauth("claude")
        self.chatgpt_config: ChatGPTOAuthConfig = ChatGPTOAuthConfig(
            authorize_url=chatgpt.authorize_url,
            token_url=chatgpt.token_url,
            client_id=chatgpt.client_id,
        )
        self.claude_config: ClaudeOAuthConfig = ClaudeOAuthConfig(
            authorize_url=claude.authorize_url,
            token_url=claude.token_url,
            client_id=claude.client_id,
            redirect_uri=claude.redirect_uri,
        )

    def credential(self, pair: Pair) -> tuple[Auth, AuthStatus]:
        """Store the pair's credential (a key, or a real sign-in) and build its Auth from the
        store, as ``mw.Client`` would from a user's own store."""
        from .auth.base import AnthropicKeyAuth, OpenAIKeyAuth
        from .auth.login import save_api_key
        from .auth.oauth import ChatGPTAuth, ClaudeAuth

        if pair.auth == "openai-api-key":
            status = save_api_key("openai", DEMO_OPENAI_KEY, store=self.store)
            return OpenAIKeyAuth(self._stored_key("openai")), status
        if pair.auth == "anthropic-api-key":
            status = save_api_key("anthropic", DEMO_ANTHROPIC_KEY, store=self.store)
            return AnthropicKeyAuth(self._stored_key("anthropic")), status
        if pair.auth == "chatgpt-oauth":
            status = self._sign_in_chatgpt()
            auth: Auth = ChatGPTAuth(
                store=self.store, config=self.chatgpt_config, http_client=self.http
            )
            return auth, status
        if pair.auth == "claude-oauth":
            status = self._sign_in_claude()
            auth = ClaudeAuth(store=self.store, config=self.claude_config, http_client=self.http)
            return auth, status
        raise ValueError(f"the demo has no credential for {pair.auth!r}")

    def _stored_key(self, provider: str) -> str:
        key = self.store.api_key(provider)
        if key is None:
            raise ValueError(f"the {provider} key was not saved")
        return key

    def _sign_in_chatgpt(self) -> AuthStatus:
        """Codex's browser flow: the authorize URL is 'opened' by a stand-in browser that follows
        the server's redirect to the loopback listener, which completes the login."""
        from .auth.login import login_chatgpt

        browser = _Browser(self.http)
        try:
            return login_chatgpt(
                store=self.store,
                config=self.chatgpt_config,
                open_browser=False,
                on_url=browser.open,
                port=0,  # any free port: the embedded server accepts any loopback redirect
                timeout=LOGIN_TIMEOUT,
                http_client=self.http,
            )
        finally:
            browser.join()

    def _sign_in_claude(self) -> AuthStatus:
        """Claude Code's paste flow: the hosted page shows ``code#state``; asked for JSON, the
        embedded server hands it over, and it is 'pasted' back."""
        from .auth.login import login_claude

        shown: list[str] = []

        def paste_code() -> str:
            page = self.http.get(shown[-1], headers={"accept": "application/json"})
            page.raise_for_status()
            code: str = page.json()["code"]
            return code

        return login_claude(
            store=self.store,
            config=self.claude_config,
            open_browser=False,
            on_url=shown.append,
            read_code=paste_code,
            loopback=False,
            timeout=LOGIN_TIMEOUT,
            http_client=self.http,
        )


class _Browser:
    """Follows an authorize URL on a thread, as the user's browser does while the login waits on
    its loopback listener."""

    def __init__(self, http: httpx2.Client) -> None:
        self.http = http
        self.threads: list[threading.Thread] = []

    def open(self, url: str) -> None:
        thread = threading.Thread(target=self._visit, args=(url,), daemon=True)
        self.threads.append(thread)
        thread.start()

    def _visit(self, url: str) -> None:
        import httpx2

        # A failed visit leaves the login to time out, and the login reports it.
        try:
            response = self.http.get(url)
            while response.is_redirect:
                response = self.http.get(response.headers["location"])
        except httpx2.HTTPError:
            return

    def join(self) -> None:
        for thread in self.threads:
            thread.join(LOGIN_TIMEOUT)


__all__ = [
    "PAIRS",
    "Observer",
    "Pair",
    "PairResult",
    "ToolRun",
    "get_weather",
    "run_demo",
]
