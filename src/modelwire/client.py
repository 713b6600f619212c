"""Client and AsyncClient: the counterpart of Codex's ModelClient over any wire API.

Both clients build requests the same way (:class:`_Core`) and run each call through the one call
flow (:class:`~modelwire.transport.flow.CallFlow`), which decides retries, refresh, the deadline
and what the caller sees; :class:`Stream` and :class:`AsyncStream` only perform its I/O. A stream
is retried only before its first event is delivered; after that a fault raises a typed error
carrying the partial Response.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import os
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Callable,
    Generator,
    Iterator,
    Mapping,
)
from typing import Any, Generic, Literal, Self, TypedDict, TypeVar, Unpack, cast, overload

import httpx2

from ._version import __version__
from .agent import DEFAULT_MAX_TURNS, AsyncRunStream, RunResult, RunStream, ToolLoop
from .apis import ApiName, WireApi, wire_api
from .apis.base import OutgoingRequest
from .auth.base import Auth
from .bodies import decode_token_count
from .common.errors import ConfigurationError
from .common.event_stream import AsyncEventStream, EventStream
from .common.events import Event
from .common.output import OutputSpec, output_spec
from .common.prompt import Prompt, PromptArgs
from .common.response import ParsedT, Response
from .logs import configure_from_env
from .services import Service, provider, service_names
from .transport.checks import checked_base_url, checked_headers
from .transport.flow import (
    WIRE_FAULTS,
    Answer,
    Blocking,
    CallFlow,
    Deliver,
    ReadBody,
    ReadChunk,
    Send,
    Sleep,
    Steps,
    Timeouts,
)
from .transport.retry import RetryPolicy
from .wire.sse import MAX_EVENT_BYTES

__all__ = [
    "AsyncClient",
    "AsyncStream",
    "CallArgs",
    "Client",
    "ClientOptions",
    "Stream",
    "Timeouts",
    "providers_with_credentials",
]

_Http = TypeVar("_Http", httpx2.Client, httpx2.AsyncClient)
_T = TypeVar("_T")
ProviderName = Literal["openai", "anthropic", "chatgpt", "claude"] | str


class CallArgs(PromptArgs, total=False):
    """The arguments of ``create`` and ``stream`` on both clients (they exist only here).

    Besides the prompt (see :class:`~modelwire.common.prompt.PromptArgs`): ``options`` takes the
    API's own options (ResponsesOptions, ChatOptions, MessagesOptions); ``extra_body`` /
    ``extra_headers`` reach fields the schemas do not have yet. ``timeout`` (a :class:`Timeouts`
    or seconds of read timeout) replaces the client's timeouts for this call.
    """

    options: Any
    extra_body: Mapping[str, Any] | None
    extra_headers: Mapping[str, str] | None
    timeout: Timeouts | float | None


_CALL_ARGS = frozenset(CallArgs.__annotations__)


class ClientOptions(TypedDict, total=False):
    """The keyword arguments of both clients (besides ``provider``, ``api`` and ``http_client``).

    ``api_key`` None: the service's environment variable or the credential store; ``base_url``
    None: the service's (or its environment variable's); ``auth`` replaces the service's Auth;
    ``timeout`` a :class:`Timeouts` or seconds of read timeout; ``default_headers`` go on every
    request; ``max_event_bytes`` caps one server-sent event or line of a stream (default 64 MiB,
    :data:`~modelwire.wire.sse.MAX_EVENT_BYTES`): past it the call raises
    :class:`~modelwire.common.errors.EventTooLargeError`. ``organization`` / ``project``: OpenAI's
    account scoping (default: ``OPENAI_ORG_ID`` / ``OPENAI_PROJECT_ID``), sent as
    ``OpenAI-Organization`` / ``OpenAI-Project``.
    """

    api_key: str | None
    organization: str | None
    project: str | None
    base_url: str | None
    auth: Auth | None
    max_retries: int
    timeout: Timeouts | float | None
    default_headers: Mapping[str, str] | None
    max_event_bytes: int


_CLIENT_OPTIONS = frozenset(ClientOptions.__annotations__)


def _checked(method: str, call: Mapping[str, object], known: frozenset[str] = _CALL_ARGS) -> None:
    """The TypeError Python would raise for a typo, naming the method that was called."""
    unknown = sorted(set(call) - known)
    if unknown:
        raise TypeError(f"{method}() got an unexpected keyword argument {unknown[0]!r}")
    if known is _CALL_ARGS and "input" not in call:
        raise TypeError(f"{method}() missing required keyword argument: 'input'")


class _Core:
    """What both clients share: service, wire API, auth, and request building."""

    def __init__(
        self, client: str, provider_name: str, api: str | None, options: ClientOptions
    ) -> None:
        _checked(client, options, _CLIENT_OPTIONS)
        configure_from_env()
        auth = options.get("auth")
        api_key = options.get("api_key")
        max_retries = options.get("max_retries", 2)
        timeout = options.get("timeout")
        default_headers = options.get("default_headers")
        self.service: Service = provider(provider_name)
        self.api: WireApi = wire_api(self.service.resolve_api(api))
        organization, project = options.get("organization"), options.get("project")
        if auth is not None and (organization is not None or project is not None):
            raise ConfigurationError(
                "organization=/project= go to the auth when auth= is given "
                "(OpenAIKeyAuth(key, organization=..., project=...))"
            )
        self.auth = (
            auth
            if auth is not None
            else self.service.make_auth(api_key, organization=organization, project=project)
        )
        if self.api.name not in self.auth.apis:
            raise ConfigurationError(
                f"{self.auth.mode} credentials cannot call the {self.api.name} API "
                f"(they reach: {', '.join(self.auth.apis)})"
            )
        if self.auth.provider_bound and self.auth.provider != self.service.name:
            raise ConfigurationError(
                f"{self.auth.mode} credentials only work with provider={self.auth.provider!r}, "
                f"not {self.service.name!r}"
            )
        explicit_url = options.get("base_url")
        url_source = (
            "base_url"
            if explicit_url
            else next(
                (name for name in self.service.base_url_env if os.environ.get(name)), "base_url"
            )
        )
        self.base_url = checked_base_url(self.service.base_url(explicit_url), source=url_source)
        self.endpoint = self.base_url + self.service.paths[self.api.name]
        if max_retries < 0:
            raise ConfigurationError(f"max_retries must be >= 0, got {max_retries}")
        self.retry = RetryPolicy(max_retries=max_retries)
        self.timeouts = _timeouts(timeout) or Timeouts()
        # Timeouts the HTTP client was not built with go on each request (see CallFlow).
        self.explicit_timeouts = timeout is not None
        self.max_event_bytes = options.get("max_event_bytes", MAX_EVENT_BYTES)
        if isinstance(self.max_event_bytes, bool) or not isinstance(self.max_event_bytes, int):
            raise ConfigurationError("max_event_bytes must be a whole number of bytes")
        if self.max_event_bytes < 1:
            raise ConfigurationError(f"max_event_bytes must be >= 1, got {self.max_event_bytes}")
        self.default_headers = {
            **self.service.default_headers,
            **checked_headers(default_headers or {}, source="default_headers"),
        }

    def build(self, call: CallArgs, *, stream: bool) -> OutgoingRequest:
        api = self.api
        model = call.get("model") or self.service.default_models.get(api.name)
        if not model:
            raise ConfigurationError("model is required")
        prompt_args: PromptArgs = {k: v for k, v in call.items() if k in _PROMPT_ARGS}  # type: ignore[assignment]
        prompt_args["model"] = model
        prompt = Prompt.build(**prompt_args)
        options = call.get("options")
        if options is not None and not isinstance(options, api.options_type):
            raise ConfigurationError(
                f"options={type(options).__name__}(...) does not fit the {api.name} API; "
                f"use {api.options_type.__name__}"
            )
        body = api.build_body(prompt, options, stream=stream)
        headers = {
            "content-type": "application/json",
            "accept": "text/event-stream" if stream else "application/json",
            "user-agent": f"modelwire/{__version__}",
            **api.headers(options),
            **self.default_headers,
        }
        request = OutgoingRequest(api=api.name, url="", headers=headers, body=body)
        # Auth rules (e.g. the ChatGPT backend's store=false) shape the body before validation,
        # so what is validated is what is sent.
        self.auth.shape(request)
        if not stream and request.body.get("stream") is True:
            # The mode only streams (the ChatGPT backend): the call streams, create() collects it.
            stream = True
            request.headers["accept"] = "text/event-stream"
        # The URL may take fields out of the body (a model that travels in the path).
        request.url = api.url(self.endpoint, request.body, stream)
        if api.validate is not None:
            api.validate(request.body)
        extra_body = call.get("extra_body")
        if extra_body:
            request.body.update(extra_body)
        extra_headers = call.get("extra_headers")
        if extra_headers:
            request.headers.update(checked_headers(extra_headers, source="extra_headers"))
        return request

    def flow(self, call: CallArgs, *, stream: bool = True) -> CallFlow:
        """The flow of a create/stream call; ``stream=False`` asks for one JSON body (an API
        without a body decoder, or a mode that only streams, streams anyway)."""
        stream = stream or self.api.decode_body is None
        request = self.build(call, stream=stream)
        return self._flow(call, request, stream=stream or request.body.get("stream") is True)

    def structured(
        self, method: str, call: CallArgs, output_type: type[_T] | None, *, stream: bool = True
    ) -> tuple[CallFlow, OutputSpec[_T] | None]:
        """The flow of a call whose answer is validated as ``output_type`` (when given), which
        goes out as the call's output schema."""
        _checked(method, call)
        if output_type is None:
            return self.flow(call, stream=stream), None
        if call.get("output_schema") is not None:
            raise ConfigurationError("give output_type or output_schema, not both")
        with_schema: CallArgs = {**call, "output_schema": output_type}
        return self.flow(with_schema, stream=stream), output_spec(output_type)

    def count_flow(self, call: CallArgs) -> CallFlow:
        """The flow of ``count_tokens``: the create request, cut to the counting endpoint's
        fields, sent to it; the flow's ``result`` is the count."""
        counting = self.api.count_tokens
        if counting is None:
            raise ConfigurationError(
                f"the {self.api.name} API has no token-counting endpoint "
                "(count_tokens works on the responses and messages APIs)"
            )
        extra_body = call.get("extra_body")
        create: CallArgs = {k: v for k, v in call.items() if k != "extra_body"}  # type: ignore[assignment]
        request = self.build(create, stream=False)
        request.body = counting.body(request.body)
        if extra_body:
            request.body.update(extra_body)
        request.url += counting.path
        request.headers["accept"] = "application/json"
        name = self.api.name
        return self._flow(
            call, request, stream=False, read_json=lambda body: decode_token_count(name, body)
        )

    def _flow(
        self,
        call: CallArgs,
        request: OutgoingRequest,
        *,
        stream: bool,
        read_json: Callable[[bytes], Any] | None = None,
    ) -> CallFlow:
        timeout = _timeouts(call.get("timeout"))
        return CallFlow(
            self.api,
            self.auth,
            request,
            retry=self.retry,
            timeouts=timeout or self.timeouts,
            stream=stream,
            explicit_timeouts=timeout is not None or self.explicit_timeouts,
            read_json=read_json,
            max_event_bytes=self.max_event_bytes,
        )

    def with_options(
        self,
        *,
        timeout: Timeouts | float | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> _Core:
        """A copy with these options changed (the same service, API, auth and base URL)."""
        core = copy.copy(self)
        if timeout is not None:
            core.timeouts = _timeouts(timeout) or Timeouts()
            core.explicit_timeouts = True
        if max_retries is not None:
            if max_retries < 0:
                raise ConfigurationError(f"max_retries must be >= 0, got {max_retries}")
            core.retry = RetryPolicy(max_retries=max_retries)
        if default_headers:
            core.default_headers = {
                **self.default_headers,
                **checked_headers(default_headers, source="default_headers"),
            }
        return core


def _timeouts(timeout: Timeouts | float | None) -> Timeouts | None:
    """A ``timeout=`` argument as Timeouts: seconds are the read timeout (None: not given)."""
    if timeout is None or isinstance(timeout, Timeouts):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigurationError(
            f"timeout must be seconds (> 0) or a Timeouts, not {timeout!r}"[:200]
        )
    return Timeouts(read=float(timeout), total=None)


_PROMPT_ARGS = frozenset(PromptArgs.__annotations__)


class _Driver(Generic[_Http, ParsedT]):
    """What both stream drivers hold: the flow, the HTTP client, the answer being read and the
    output type its text is validated as at the end."""

    def __init__(
        self, flow: CallFlow, http: _Http, output: OutputSpec[ParsedT] | None = None
    ) -> None:
        self._flow = flow
        self._http: _Http = http
        self._response: httpx2.Response | None = None
        self._output = output
        self._parsed: tuple[ParsedT] | None = None

    @property
    def response(self) -> Response[ParsedT]:
        """The collected Response (partial, ``complete=False``, if read before the end)."""
        response = cast("Response[ParsedT]", self._flow.response)
        if self._parsed is not None:
            response.parsed = self._parsed[0]
        return response

    def _outcome(self) -> Response[ParsedT]:
        return self.response

    def _parse_output(self) -> None:
        """Validate the finished answer as the output type, for ``response.parsed``
        (OutputValidationError when it does not validate)."""
        if self._output is not None:
            self._parsed = (self._output.parse(self._flow.response),)

    def _request(self, send: Send) -> httpx2.Request:
        request: httpx2.Request = self._http.build_request(
            "POST",
            send.request.url,
            headers=send.request.headers,
            content=send.content,
            timeout=send.timeout or httpx2.USE_CLIENT_DEFAULT,
        )
        return request


class Stream(_Driver[httpx2.Client, ParsedT], EventStream[Event, Response[ParsedT]]):
    """A live response stream: iterate for events; ``response`` is the collected Response
    (``until_done()`` reads to the end and returns it).

    Leaving the ``with`` block or calling ``close()`` closes the HTTP connection at once. This is
    the sync driver of the call flow: it performs the flow's I/O and nothing else.
    """

    def __init__(
        self, flow: CallFlow, http: httpx2.Client, output: OutputSpec[ParsedT] | None = None
    ) -> None:
        super().__init__(flow, http, output)
        self._chunks: Iterator[bytes] | None = None
        self._events = self._drive(Steps(flow.run()))

    def _drive(self, steps: Steps) -> Generator[Event, None, None]:
        try:
            while (action := steps.next()) is not None:
                if type(action) is Deliver:
                    yield from action.events
                    continue
                try:
                    steps.answer(self._perform(action))
                except WIRE_FAULTS as error:
                    steps.fail(error)
            self._parse_output()
        finally:
            steps.close()
            self._release()

    def _perform(self, action: object) -> object:
        if type(action) is ReadChunk:
            if self._chunks is None:
                assert self._response is not None
                if action.deadline is not None:
                    _clip_read_timeout(self._response, action.deadline)
                self._chunks = self._response.iter_bytes()
            return next(self._chunks, None)
        if type(action) is Send:
            self._release()
            self._response = response = self._http.send(self._request(action), stream=True)
            return Answer(response.status_code, response.headers)
        if type(action) is ReadBody:
            assert self._response is not None
            if action.deadline is not None:
                _clip_read_timeout(self._response, action.deadline)
            return _read_at_most(self._response.iter_bytes(), action)
        if type(action) is Sleep:
            time.sleep(action.seconds)
            return None
        assert type(action) is Blocking
        return action.work()

    def _release(self) -> None:
        response, self._response, self._chunks = self._response, None, None
        if response is not None:
            response.close()


class AsyncStream(_Driver[httpx2.AsyncClient, ParsedT], AsyncEventStream[Event, Response[ParsedT]]):
    """The async twin of :class:`Stream`: ``async for event in stream``; cancelling the task or
    leaving ``async with`` closes the connection at once. It performs the call flow's I/O with
    asyncio, blocking work (a refresh) in a worker thread."""

    def __init__(
        self, flow: CallFlow, http: httpx2.AsyncClient, output: OutputSpec[ParsedT] | None = None
    ) -> None:
        super().__init__(flow, http, output)
        self._chunks: AsyncIterator[bytes] | None = None
        self._events = self._drive(Steps(flow.run()))

    async def _drive(self, steps: Steps) -> AsyncGenerator[Event, None]:
        try:
            while (action := steps.next()) is not None:
                if type(action) is Deliver:
                    for event in action.events:
                        yield event
                    continue
                try:
                    steps.answer(await self._perform(action))
                except WIRE_FAULTS as error:
                    steps.fail(error)
            self._parse_output()
        finally:
            steps.close()
            await self._release()

    async def _perform(self, action: object) -> object:
        if type(action) is ReadChunk:
            if self._chunks is None:
                assert self._response is not None
                self._chunks = self._response.aiter_bytes()
            if action.deadline is None:  # no total timeout: the read timeout bounds each read
                return await anext(self._chunks, None)
            try:
                async with asyncio.timeout(action.deadline):
                    return await anext(self._chunks, None)
            except TimeoutError:
                raise httpx2.ReadTimeout("no data before the call's deadline") from None
        if type(action) is Send:
            await self._release()
            request = self._request(action)
            try:
                async with asyncio.timeout(action.deadline):
                    self._response = response = await self._http.send(request, stream=True)
            except TimeoutError:
                raise httpx2.ReadTimeout("no answer before the call's deadline") from None
            return Answer(response.status_code, response.headers)
        if type(action) is ReadBody:
            assert self._response is not None
            try:
                async with (
                    asyncio.timeout(action.deadline),
                    contextlib.aclosing(self._response.aiter_bytes()) as chunks,
                ):
                    body = bytearray()
                    async for chunk in chunks:
                        body += chunk
                        if len(body) >= action.limit:
                            break
                    return bytes(body[: action.limit])
            except TimeoutError:
                raise httpx2.ReadTimeout("no error body before the call's deadline") from None
        if type(action) is Sleep:
            await asyncio.sleep(action.seconds)
            return None
        assert type(action) is Blocking
        # A refresh waits on locks and the network: a worker thread keeps the loop free.
        return await asyncio.to_thread(action.work)

    async def _release(self) -> None:
        response, self._response, self._chunks = self._response, None, None
        if response is not None:
            await response.aclose()


def _read_at_most(chunks: Iterator[bytes], read: ReadBody) -> bytes:
    """The first ``read.limit`` bytes of a body, read by ``read.deadline`` (the read timeout
    bounds each wait; this bounds a body that trickles in past the deadline)."""
    end = None if read.deadline is None else time.monotonic() + read.deadline
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if len(body) >= read.limit:
            break
        if end is not None and time.monotonic() > end:
            raise httpx2.ReadTimeout("the error body did not arrive before the call's deadline")
    return bytes(body[: read.limit])


def _clip_read_timeout(response: httpx2.Response, seconds: float) -> None:
    """Make each read of this body wait at most ``seconds`` (what is left of the deadline).

    httpcore reads the read timeout from the request's ``timeout`` extension when the body
    starts to be read, so this is set just before it is.
    """
    timeouts = dict(response.request.extensions.get("timeout") or {})
    read = timeouts.get("read")
    timeouts["read"] = seconds if read is None else min(read, seconds)
    response.request.extensions["timeout"] = timeouts


class _ClientBase(Generic[_Http]):
    """What both clients share: construction over one :class:`_Core`, ``from_env``,
    ``with_options`` and the read-only view of the configuration."""

    #: The HTTP client a client makes for itself when none is given.
    _http_type: type[_Http]

    def __init__(
        self,
        provider: ProviderName = "openai",
        api: ApiName | None = None,
        *,
        http_client: _Http | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        self._core = _Core(type(self).__name__, provider, api, options)
        self._owns_http = http_client is None
        self._owns_auth = True
        self._http: _Http = http_client or self._http_type(timeout=self._core.timeouts.httpx())

    @classmethod
    def from_env(cls, **kwargs: Any) -> Self:
        """A client for whatever the environment or the credential store provides."""
        return cls(kwargs.pop("provider", None) or _from_env_provider(), **kwargs)

    def with_options(
        self,
        *,
        timeout: Timeouts | float | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> Self:
        """A client with these options changed that shares this one's connection pool and
        auth; ``default_headers`` are added to this client's. Closing it closes nothing: the
        pool and the auth belong to this client."""
        derived = copy.copy(self)
        derived._core = self._core.with_options(
            timeout=timeout, max_retries=max_retries, default_headers=default_headers
        )
        derived._owns_http = False
        derived._owns_auth = False
        return derived

    @property
    def api(self) -> str:
        return self._core.api.name

    @property
    def provider(self) -> str:
        return self._core.service.name

    @property
    def base_url(self) -> str:
        return self._core.base_url

    @property
    def auth(self) -> Auth:
        return self._core.auth

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(provider={self.provider!r}, api={self.api!r}, "
            f"base_url={self.base_url!r}, auth={self.auth!r})"
        )


def providers_with_credentials(api: str | None = None) -> list[str]:
    """Providers that have credentials, in the order ``from_env`` prefers them: the API key
    variables first, then the credential store; only those serving ``api`` when it is given."""
    from .auth import available_providers

    found = [
        name
        for name in service_names("api-key")
        if (variable := provider(name).api_key_env) and os.environ.get(variable)
    ]
    found += [name for name in available_providers() if name not in found]
    if api is not None:
        found = [name for name in found if api in provider(name).apis]
    return found


def _from_env_provider() -> str:
    found = providers_with_credentials()
    if not found:
        variables = " or ".join(
            variable
            for name in service_names("api-key")
            if (variable := provider(name).api_key_env)
        )
        raise ConfigurationError(
            f"no credentials found: set {variables}, or run "
            "`modelwire login chatgpt|claude|openai|anthropic`"
        )
    return found[0]


class Client(_ClientBase[httpx2.Client]):
    """A synchronous client for one provider and wire API (the provider's native API by default)."""

    _http_type = httpx2.Client

    @overload
    def stream(self, *, output_type: type[_T], **call: Unpack[CallArgs]) -> Stream[_T]: ...
    @overload
    def stream(self, *, output_type: None = None, **call: Unpack[CallArgs]) -> Stream[None]: ...
    def stream(
        self, *, output_type: type[Any] | None = None, **call: Unpack[CallArgs]
    ) -> Stream[Any]:
        """Start a streamed response (arguments: :class:`CallArgs`). Everything is validated
        before anything is sent. ``output_type``: ``response.parsed`` is the answer validated as
        that type once the stream ends."""
        flow, output = self._core.structured("Client.stream", call, output_type)
        return Stream(flow, self._http, output)

    @overload
    def create(
        self, *, output_type: type[_T], stream: bool = True, **call: Unpack[CallArgs]
    ) -> Response[_T]: ...
    @overload
    def create(
        self, *, output_type: None = None, stream: bool = True, **call: Unpack[CallArgs]
    ) -> Response[None]: ...
    def create(
        self,
        *,
        output_type: type[Any] | None = None,
        stream: bool = True,
        **call: Unpack[CallArgs],
    ) -> Response[Any]:
        """The whole response (arguments: :class:`CallArgs`). ``stream=True`` streams it and
        collects the events; ``stream=False`` asks for one JSON body and decodes it into the
        same Response (a mode that only streams, such as the ChatGPT backend, streams anyway).
        ``output_type`` (a pydantic model, dataclass, TypedDict...): the answer is asked for as
        JSON of its schema and ``.parsed`` is it validated (else OutputValidationError)."""
        flow, output = self._core.structured("Client.create", call, output_type, stream=stream)
        with Stream(flow, self._http, output) as running:
            return running.until_done()

    def count_tokens(self, **call: Unpack[CallArgs]) -> int:
        """The input tokens ``create(**call)`` would use, counted by the API's own endpoint
        (Responses ``/responses/input_tokens``, Messages ``/v1/messages/count_tokens``); the
        Chat API has none: ConfigurationError."""
        _checked("Client.count_tokens", call)
        flow = self._core.count_flow(call)
        with Stream(flow, self._http) as running:
            running.until_done()
        count: int = flow.result
        return count

    @overload
    def run(
        self, *, output_type: type[_T], max_turns: int = ..., **call: Unpack[CallArgs]
    ) -> RunResult[_T]: ...
    @overload
    def run(
        self, *, output_type: None = None, max_turns: int = ..., **call: Unpack[CallArgs]
    ) -> RunResult[None]: ...
    def run(
        self,
        *,
        output_type: type[Any] | None = None,
        max_turns: int = DEFAULT_MAX_TURNS,
        **call: Unpack[CallArgs],
    ) -> RunResult[Any]:
        """The tool loop (:mod:`modelwire.agent`): call the model, run the ``tools`` functions it
        calls, send the results back, until it answers without a tool call. Other arguments are
        ``create``'s; MaxTurnsExceededError (carrying the run so far) after ``max_turns`` calls."""
        _checked("Client.run", call)
        loop = ToolLoop("Client.run", call, max_turns=max_turns, output_type=output_type)
        return RunStream(self, loop).until_done()

    @overload
    def run_stream(
        self, *, output_type: type[_T], max_turns: int = ..., **call: Unpack[CallArgs]
    ) -> RunStream[_T]: ...
    @overload
    def run_stream(
        self, *, output_type: None = None, max_turns: int = ..., **call: Unpack[CallArgs]
    ) -> RunStream[None]: ...
    def run_stream(
        self,
        *,
        output_type: type[Any] | None = None,
        max_turns: int = DEFAULT_MAX_TURNS,
        **call: Unpack[CallArgs],
    ) -> RunStream[Any]:
        """:meth:`run` as a stream of every turn's events (plus TurnStarted, ToolExecuted);
        ``stream.result`` once it ends."""
        _checked("Client.run_stream", call)
        loop = ToolLoop("Client.run_stream", call, max_turns=max_turns, output_type=output_type)
        return RunStream(self, loop)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()
        if self._owns_auth:
            self._core.auth.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncClient(_ClientBase[httpx2.AsyncClient]):
    """The async twin of :class:`Client` (same arguments)."""

    _http_type = httpx2.AsyncClient

    @overload
    def stream(self, *, output_type: type[_T], **call: Unpack[CallArgs]) -> AsyncStream[_T]: ...
    @overload
    def stream(
        self, *, output_type: None = None, **call: Unpack[CallArgs]
    ) -> AsyncStream[None]: ...
    def stream(
        self, *, output_type: type[Any] | None = None, **call: Unpack[CallArgs]
    ) -> AsyncStream[Any]:
        """Start a streamed response (``async with client.stream(...) as s: async for e in s``;
        arguments: :class:`CallArgs`, ``output_type`` as in :meth:`Client.stream`)."""
        flow, output = self._core.structured("AsyncClient.stream", call, output_type)
        return AsyncStream(flow, self._http, output)

    @overload
    async def create(
        self, *, output_type: type[_T], stream: bool = True, **call: Unpack[CallArgs]
    ) -> Response[_T]: ...
    @overload
    async def create(
        self, *, output_type: None = None, stream: bool = True, **call: Unpack[CallArgs]
    ) -> Response[None]: ...
    async def create(
        self,
        *,
        output_type: type[Any] | None = None,
        stream: bool = True,
        **call: Unpack[CallArgs],
    ) -> Response[Any]:
        """The whole response (arguments: :class:`CallArgs`); ``stream=False`` asks for one
        JSON body, ``output_type`` validates the answer (see :meth:`Client.create`)."""
        flow, output = self._core.structured("AsyncClient.create", call, output_type, stream=stream)
        async with AsyncStream(flow, self._http, output) as running:
            return await running.until_done()

    async def count_tokens(self, **call: Unpack[CallArgs]) -> int:
        """The input tokens ``create(**call)`` would use (see :meth:`Client.count_tokens`)."""
        _checked("AsyncClient.count_tokens", call)
        flow = self._core.count_flow(call)
        async with AsyncStream(flow, self._http) as running:
            await running.until_done()
        count: int = flow.result
        return count

    @overload
    async def run(
        self, *, output_type: type[_T], max_turns: int = ..., **call: Unpack[CallArgs]
    ) -> RunResult[_T]: ...
    @overload
    async def run(
        self, *, output_type: None = None, max_turns: int = ..., **call: Unpack[CallArgs]
    ) -> RunResult[None]: ...
    async def run(
        self,
        *,
        output_type: type[Any] | None = None,
        max_turns: int = DEFAULT_MAX_TURNS,
        **call: Unpack[CallArgs],
    ) -> RunResult[Any]:
        """The tool loop of :meth:`Client.run`; async tools are awaited, and the calls of one
        turn run concurrently (sync tools in worker threads)."""
        _checked("AsyncClient.run", call)
        loop = ToolLoop(
            "AsyncClient.run", call, max_turns=max_turns, output_type=output_type, is_async=True
        )
        return await AsyncRunStream(self, loop).until_done()

    @overload
    def run_stream(
        self, *, output_type: type[_T], max_turns: int = ..., **call: Unpack[CallArgs]
    ) -> AsyncRunStream[_T]: ...
    @overload
    def run_stream(
        self, *, output_type: None = None, max_turns: int = ..., **call: Unpack[CallArgs]
    ) -> AsyncRunStream[None]: ...
    def run_stream(
        self,
        *,
        output_type: type[Any] | None = None,
        max_turns: int = DEFAULT_MAX_TURNS,
        **call: Unpack[CallArgs],
    ) -> AsyncRunStream[Any]:
        """:meth:`run` as a stream (``async with client.run_stream(...) as s: async for e in
        s``); ``s.result`` once it ends."""
        _checked("AsyncClient.run_stream", call)
        loop = ToolLoop(
            "AsyncClient.run_stream",
            call,
            max_turns=max_turns,
            output_type=output_type,
            is_async=True,
        )
        return AsyncRunStream(self, loop)

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()
        if self._owns_auth:
            self._core.auth.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
