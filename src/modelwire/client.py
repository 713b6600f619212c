"""Client and AsyncClient: the counterpart of Codex's ModelClient over any wire API.

Both clients build requests the same way (:class:`_Core`) and run each call through the one call
flow (:class:`~modelwire.transport.flow.CallFlow`), which decides retries, refresh, the deadline
and what the caller sees; :class:`Stream` and :class:`AsyncStream` only perform its I/O. A stream
is retried only before its first event is delivered; after that a fault raises a typed error
carrying the partial Response.
"""

from __future__ import annotations

import asyncio
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
from types import TracebackType
from typing import Any, Generic, Literal, TypedDict, TypeVar, Unpack

import httpx2

from ._version import __version__
from .apis import ApiName, WireApi, wire_api
from .apis.base import OutgoingRequest
from .auth.base import Auth
from .bodies import decode_token_count
from .common.errors import ConfigurationError
from .common.events import Event
from .common.prompt import Prompt, PromptArgs
from .common.response import Response
from .services import Service, provider, service_names
from .transport.flow import (
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
    request. ``organization`` / ``project``: OpenAI's account scoping (default: ``OPENAI_ORG_ID``
    / ``OPENAI_PROJECT_ID``), sent as ``OpenAI-Organization`` / ``OpenAI-Project``.
    """

    api_key: str | None
    organization: str | None
    project: str | None
    base_url: str | None
    auth: Auth | None
    max_retries: int
    timeout: Timeouts | float | None
    default_headers: Mapping[str, str] | None


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
        self.base_url = self.service.base_url(options.get("base_url"))
        self.endpoint = self.base_url + self.service.paths[self.api.name]
        if max_retries < 0:
            raise ConfigurationError(f"max_retries must be >= 0, got {max_retries}")
        self.retry = RetryPolicy(max_retries=max_retries)
        self.timeouts = _timeouts(timeout) or Timeouts()
        # Timeouts the HTTP client was not built with go on each request (see CallFlow).
        self.explicit_timeouts = timeout is not None
        self.default_headers = {
            **self.service.default_headers,
            **{k.lower(): v for k, v in (default_headers or {}).items()},
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
            request.headers.update({k.lower(): v for k, v in extra_headers.items()})
        return request

    def flow(self, call: CallArgs, *, stream: bool = True) -> CallFlow:
        """The flow of a create/stream call; ``stream=False`` asks for one JSON body (an API
        without a body decoder, or a mode that only streams, streams anyway)."""
        stream = stream or self.api.decode_body is None
        request = self.build(call, stream=stream)
        return self._flow(call, request, stream=stream or request.body.get("stream") is True)

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
                **{k.lower(): v for k, v in default_headers.items()},
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


class _Driver(Generic[_Http]):
    """What both stream drivers hold: the flow, the HTTP client and the answer being read."""

    def __init__(self, flow: CallFlow, http: _Http) -> None:
        self._flow = flow
        self._http: _Http = http
        self._response: httpx2.Response | None = None

    @property
    def response(self) -> Response:
        """The collected Response (partial, ``complete=False``, if read before the end)."""
        return self._flow.response

    def _request(self, send: Send) -> httpx2.Request:
        request: httpx2.Request = self._http.build_request(
            "POST",
            send.request.url,
            headers=send.request.headers,
            content=send.content,
            timeout=send.timeout or httpx2.USE_CLIENT_DEFAULT,
        )
        return request


class Stream(_Driver[httpx2.Client]):
    """A live response stream: iterate for events; ``response`` is the collected Response.

    Leaving the ``with`` block or calling ``close()`` closes the HTTP connection at once. This is
    the sync driver of the call flow: it performs the flow's I/O and nothing else.
    """

    def __init__(self, flow: CallFlow, http: httpx2.Client) -> None:
        super().__init__(flow, http)
        self._chunks: Iterator[bytes] | None = None
        self._events = self._drive(Steps(flow.run()))

    def __iter__(self) -> Iterator[Event]:
        return self

    def __next__(self) -> Event:
        return next(self._events)

    def __enter__(self) -> Stream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._events.close()

    def until_done(self) -> Response:
        """Consume the rest of the stream and return the Response."""
        for _ in self:
            pass
        return self.response

    def _drive(self, steps: Steps) -> Generator[Event, None, None]:
        try:
            while (action := steps.next()) is not None:
                if type(action) is Deliver:
                    yield from action.events
                    continue
                try:
                    steps.answer(self._perform(action))
                except httpx2.TransportError as error:
                    steps.fail(error)
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
            return self._response.read()
        if type(action) is Sleep:
            time.sleep(action.seconds)
            return None
        assert type(action) is Blocking
        return action.work()

    def _release(self) -> None:
        response, self._response, self._chunks = self._response, None, None
        if response is not None:
            response.close()


class AsyncStream(_Driver[httpx2.AsyncClient]):
    """The async twin of :class:`Stream`: ``async for event in stream``; cancelling the task or
    leaving ``async with`` closes the connection at once. It performs the call flow's I/O with
    asyncio, blocking work (a refresh) in a worker thread."""

    def __init__(self, flow: CallFlow, http: httpx2.AsyncClient) -> None:
        super().__init__(flow, http)
        self._chunks: AsyncIterator[bytes] | None = None
        self._events = self._drive(Steps(flow.run()))

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        return await self._events.__anext__()

    async def __aenter__(self) -> AsyncStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self._events.aclose()

    async def until_done(self) -> Response:
        async for _ in self:
            pass
        return self.response

    async def _drive(self, steps: Steps) -> AsyncGenerator[Event, None]:
        try:
            while (action := steps.next()) is not None:
                if type(action) is Deliver:
                    for event in action.events:
                        yield event
                    continue
                try:
                    steps.answer(await self._perform(action))
                except httpx2.TransportError as error:
                    steps.fail(error)
        finally:
            steps.close()
            await self._release()

    async def _perform(self, action: object) -> object:
        if type(action) is ReadChunk:
            if self._chunks is None:
                assert self._response is not None
                self._chunks = self._response.aiter_bytes()
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
                async with asyncio.timeout(action.deadline):
                    return await self._response.aread()
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


def _clip_read_timeout(response: httpx2.Response, seconds: float) -> None:
    """Make each read of this body wait at most ``seconds`` (what is left of the deadline).

    httpcore reads the read timeout from the request's ``timeout`` extension when the body
    starts to be read, so this is set just before it is.
    """
    timeouts = dict(response.request.extensions.get("timeout") or {})
    read = timeouts.get("read")
    timeouts["read"] = seconds if read is None else min(read, seconds)
    response.request.extensions["timeout"] = timeouts


class _ClientBase:
    _core: _Core

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


class Client(_ClientBase):
    """A synchronous client for one provider and wire API (the provider's native API by default)."""

    def __init__(
        self,
        provider: ProviderName = "openai",
        api: ApiName | None = None,
        *,
        http_client: httpx2.Client | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        self._core = _Core(type(self).__name__, provider, api, options)
        self._owns_http = http_client is None
        self._owns_auth = True
        self._http = http_client or httpx2.Client(timeout=self._core.timeouts.httpx())

    @classmethod
    def from_env(cls, **kwargs: Any) -> Client:
        """A client for whatever the environment or the credential store provides."""
        return cls(kwargs.pop("provider", None) or _from_env_provider(), **kwargs)

    def stream(self, **call: Unpack[CallArgs]) -> Stream:
        """Start a streamed response (arguments: :class:`CallArgs`). Everything is validated
        before anything is sent."""
        _checked("Client.stream", call)
        return Stream(self._core.flow(call), self._http)

    def create(self, *, stream: bool = True, **call: Unpack[CallArgs]) -> Response:
        """The whole response (arguments: :class:`CallArgs`). ``stream=True`` streams it and
        collects the events; ``stream=False`` asks for one JSON body and decodes it into the
        same Response (a mode that only streams, such as the ChatGPT backend, streams anyway)."""
        _checked("Client.create", call)
        with Stream(self._core.flow(call, stream=stream), self._http) as running:
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

    def with_options(
        self,
        *,
        timeout: Timeouts | float | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> Client:
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

    def close(self) -> None:
        if self._owns_http:
            self._http.close()
        if self._owns_auth:
            self._core.auth.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncClient(_ClientBase):
    """The async twin of :class:`Client` (same arguments)."""

    def __init__(
        self,
        provider: ProviderName = "openai",
        api: ApiName | None = None,
        *,
        http_client: httpx2.AsyncClient | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        self._core = _Core(type(self).__name__, provider, api, options)
        self._owns_http = http_client is None
        self._owns_auth = True
        self._http = http_client or httpx2.AsyncClient(timeout=self._core.timeouts.httpx())

    @classmethod
    def from_env(cls, **kwargs: Any) -> AsyncClient:
        return cls(kwargs.pop("provider", None) or _from_env_provider(), **kwargs)

    def stream(self, **call: Unpack[CallArgs]) -> AsyncStream:
        """Start a streamed response (``async with client.stream(...) as s: async for e in s``;
        arguments: :class:`CallArgs`)."""
        _checked("AsyncClient.stream", call)
        return AsyncStream(self._core.flow(call), self._http)

    async def create(self, *, stream: bool = True, **call: Unpack[CallArgs]) -> Response:
        """The whole response (arguments: :class:`CallArgs`); ``stream=False`` asks for one
        JSON body (see :meth:`Client.create`)."""
        _checked("AsyncClient.create", call)
        async with AsyncStream(self._core.flow(call, stream=stream), self._http) as running:
            return await running.until_done()

    async def count_tokens(self, **call: Unpack[CallArgs]) -> int:
        """The input tokens ``create(**call)`` would use (see :meth:`Client.count_tokens`)."""
        _checked("AsyncClient.count_tokens", call)
        flow = self._core.count_flow(call)
        async with AsyncStream(flow, self._http) as running:
            await running.until_done()
        count: int = flow.result
        return count

    def with_options(
        self,
        *,
        timeout: Timeouts | float | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> AsyncClient:
        """A client with these options changed, sharing this one's connection pool and auth
        (see :meth:`Client.with_options`)."""
        derived = copy.copy(self)
        derived._core = self._core.with_options(
            timeout=timeout, max_retries=max_retries, default_headers=default_headers
        )
        derived._owns_http = False
        derived._owns_auth = False
        return derived

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()
        if self._owns_auth:
            self._core.auth.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
