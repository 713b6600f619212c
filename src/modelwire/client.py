"""Client and AsyncClient: the counterpart of Codex's ModelClient over three wire APIs.

Both twins share one core (request building, error mapping, retry rules) and differ only at the
I/O edge. A stream is retried only before its first event is delivered; after that a fault raises
a typed error carrying the partial Response.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

import httpx2

from ._version import __version__
from .apis.validation import validate_request
from .auth.base import Auth, OutgoingRequest
from .common.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ConfigurationError,
    ModelwireError,
    StreamInterruptedError,
)
from .common.events import Event
from .common.items import Item
from .common.prompt import Effort, Prompt, ToolChoice
from .common.response import Response
from .common.tools import ToolLike
from .decoding import StreamDecoder
from .services import ProviderSpec, provider
from .transport.ratelimits import rate_limits
from .transport.retry import RetryPolicy, retry_after, should_retry
from .wire.json import dumps, loads

log = logging.getLogger("modelwire")

ProviderName = Literal["openai", "anthropic", "chatgpt", "claude"] | str
ApiName = Literal["responses", "chat", "messages"]


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds. ``read`` is also the stream idle timeout: the longest silence between bytes.
    ``total`` bounds a whole call, retries included (None: no bound)."""

    connect: float = 10.0
    read: float = 600.0
    write: float = 60.0
    pool: float = 30.0
    total: float | None = None

    def httpx(self) -> httpx2.Timeout:
        return httpx2.Timeout(
            connect=self.connect, read=self.read, write=self.write, pool=self.pool
        )


def _options_type(api: str) -> type:
    module = importlib.import_module(f"modelwire.apis.{api}.request")
    name = {"responses": "ResponsesOptions", "chat": "ChatOptions", "messages": "MessagesOptions"}
    options_type: type = getattr(module, name[api])
    return options_type


class _Core:
    """What both clients share: provider, auth, request building, error mapping, retry rules."""

    def __init__(
        self,
        provider_name: str,
        api: str | None,
        api_key: str | None,
        base_url: str | None,
        auth: Auth | None,
        max_retries: int,
        timeout: Timeouts | float | None,
        default_headers: Mapping[str, str] | None,
    ) -> None:
        self.spec: ProviderSpec = provider(provider_name)
        self.api = self.spec.resolve_api(api)
        self.auth = auth if auth is not None else self.spec.make_auth(api_key)
        if self.api not in self.auth.apis:
            raise ConfigurationError(
                f"{self.auth.mode} credentials cannot call the {self.api} API "
                f"(they reach: {', '.join(self.auth.apis)})"
            )
        if self.auth.provider_bound and self.auth.provider != self.spec.name:
            raise ConfigurationError(
                f"{self.auth.mode} credentials only work with provider={self.auth.provider!r}, "
                f"not {self.spec.name!r}"
            )
        self.base_url = self.spec.base_url(base_url)
        self.url = self.base_url + self.spec.paths[self.api]
        if max_retries < 0:
            raise ConfigurationError(f"max_retries must be >= 0, got {max_retries}")
        self.retry = RetryPolicy(max_retries=max_retries)
        if isinstance(timeout, int | float):
            timeout = Timeouts(read=float(timeout), total=None)
        self.timeouts = timeout or Timeouts()
        self.default_headers = dict(default_headers or {})
        self.request_module = importlib.import_module(f"modelwire.apis.{self.api}.request")
        self.errors_module = importlib.import_module(f"modelwire.apis.{self.api}.errors")

    def build(
        self,
        *,
        model: str | None,
        input: str | Item | list[Item],
        instructions: str | None,
        tools: list[ToolLike] | None,
        tool_choice: ToolChoice | None,
        parallel_tool_calls: bool | None,
        max_output_tokens: int | None,
        temperature: float | None,
        stop: str | list[str] | None,
        reasoning: Effort | None,
        output_schema: dict[str, Any] | type | None,
        options: Any,
        extra_body: Mapping[str, Any] | None,
        extra_headers: Mapping[str, str] | None,
        stream: bool,
    ) -> OutgoingRequest:
        chosen_model = model or self.spec.default_models.get(self.api)
        if not chosen_model:
            raise ConfigurationError("model is required")
        prompt = Prompt.build(
            model=chosen_model,
            input=input,
            instructions=instructions,
            tools=tools,
            tool_choice=tool_choice,
            parallel_tool_calls=parallel_tool_calls,
            max_output_tokens=max_output_tokens,
            temperature=temperature,
            stop=stop,
            reasoning=reasoning,
            output_schema=output_schema,
        )
        if options is not None and not isinstance(options, _options_type(self.api)):
            raise ConfigurationError(
                f"options={type(options).__name__}(...) does not fit the {self.api} API; "
                f"use {_options_type(self.api).__name__}"
            )
        body: dict[str, Any] = self.request_module.build_body(prompt, options, stream=stream)
        headers = {
            "content-type": "application/json",
            "accept": "text/event-stream" if stream else "application/json",
            "user-agent": f"modelwire/{__version__}",
        }
        provider_headers = getattr(self.request_module, "headers", None)
        if provider_headers is not None:
            headers.update(provider_headers(options))
        headers.update(self.default_headers)
        request = OutgoingRequest(api=self.api, url=self.url, headers=headers, body=body)
        # Auth rules (e.g. the ChatGPT backend's store=false) shape the body before validation,
        # so what is validated is what is sent.
        self.auth.shape(request)
        validate_request(self.api, request.body)
        if extra_body:
            request.body.update(extra_body)
        if extra_headers:
            request.headers.update({k.lower(): v for k, v in extra_headers.items()})
        return request

    def error_for(self, status: int, headers: httpx2.Headers, body: bytes) -> APIError:
        payload: Any
        try:
            payload = loads(body) if body else None
        except ValueError:
            payload = body.decode("utf-8", "replace")
        request_id = headers.get("x-request-id") or headers.get("request-id")
        error: APIError = self.errors_module.error_from_body(
            status, payload, request_id=request_id, retry_after=retry_after(headers)
        )
        return error

    def encode(self, request: OutgoingRequest) -> bytes:
        return dumps(request.body)


class _Attempts:
    """Retry bookkeeping for one call: attempt count and the total-time deadline."""

    __slots__ = ("attempt", "core", "deadline", "refreshed")

    def __init__(self, core: _Core) -> None:
        self.core = core
        self.attempt = 0
        self.refreshed = False
        total = core.timeouts.total
        self.deadline = None if total is None else time.monotonic() + total

    def next_delay(self, headers: Mapping[str, str] | None = None) -> float | None:
        """Seconds to wait before retrying, or None when the budget is spent (or the server
        asks for a longer wait than a call makes)."""
        if self.attempt >= self.core.retry.max_retries:
            return None
        delay = (
            self.core.retry.delay(self.attempt, headers)
            if headers is not None
            else self.core.retry.backoff(self.attempt)
        )
        if delay is None:  # the server asked for longer than a call waits
            return None
        if self.deadline is not None and time.monotonic() + delay > self.deadline:
            return None
        self.attempt += 1
        return delay

    def delay_after_status(self, status: int, headers: httpx2.Headers, body: bytes) -> float:
        """Seconds to wait before retrying an error answer; raises its typed error when it is
        not to be retried."""
        error = self.core.error_for(status, headers, body)
        delay = self.next_delay(headers) if should_retry(status, headers) else None
        if delay is None:
            raise error
        log.debug("retrying in %.2fs after HTTP %d", delay, status)
        return delay

    def delay_after_connection_error(self, error: httpx2.TransportError) -> float:
        """Seconds to wait before retrying a request that got no answer; raises when spent."""
        delay = self.next_delay()
        if delay is None:
            raise _connection_error(error, partial=None) from error
        log.debug("retrying in %.2fs after %s", delay, type(error).__name__)
        return delay

    def check_deadline(self, decoder: StreamDecoder | None) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            partial = decoder.response if decoder is not None else None
            raise APITimeoutError(
                f"the call took longer than the total timeout ({self.core.timeouts.total}s)",
                partial=partial,
            )


def _connection_error(error: httpx2.TransportError, *, partial: Response | None) -> ModelwireError:
    if isinstance(error, httpx2.TimeoutException):
        kind = "stream idle" if isinstance(error, httpx2.ReadTimeout) else "connection"
        return APITimeoutError(f"{kind} timeout: {error or type(error).__name__}", partial=partial)
    if partial is not None:
        return StreamInterruptedError(
            f"the connection broke mid-stream ({type(error).__name__}: {error})", partial=partial
        )
    return APIConnectionError(f"{type(error).__name__}: {error}")


class _StreamBase:
    """What both stream twins hold: the request, and the decoder of the current attempt."""

    def __init__(self, api: str, request: OutgoingRequest) -> None:
        self._api = api
        self._request = request
        self._decoder: StreamDecoder | None = None

    @property
    def response(self) -> Response:
        """The collected Response (partial, ``complete=False``, if read before the end)."""
        if self._decoder is None:
            return Response(api=self._api)
        return self._decoder.response


class Stream(_StreamBase):
    """A live response stream: iterate for events; ``response`` is the collected Response.

    Leaving the ``with`` block or calling ``close()`` closes the HTTP connection at once.
    """

    def __init__(self, client: Client, request: OutgoingRequest) -> None:
        super().__init__(client.api, request)
        self._client = client
        self._events = self._run()

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

    def _run(self) -> Generator[Event, None, None]:
        core = self._client._core
        http = self._client._http
        request = self._request
        attempts = _Attempts(core)
        while True:
            core.auth.prepare(request)
            log.debug("POST %s (attempt %d)", request.url, attempts.attempt + 1)
            try:
                response = http.send(
                    http.build_request(
                        "POST", request.url, headers=request.headers, content=core.encode(request)
                    ),
                    stream=True,
                )
            except httpx2.TransportError as error:
                time.sleep(attempts.delay_after_connection_error(error))
                continue
            delivered = False
            try:
                status = response.status_code
                if status >= 400:
                    body = response.read()
                    if status == 401 and not attempts.refreshed:
                        attempts.refreshed = True
                        if core.auth.handle_unauthorized(request):
                            continue
                    time.sleep(attempts.delay_after_status(status, response.headers, body))
                    continue
                decoder = self._decoder = StreamDecoder(core.api)
                limits = rate_limits(core.api, response.headers)
                if limits is not None:
                    decoder.collector.add(limits)
                    yield limits
                try:
                    for chunk in response.iter_bytes():
                        for event in decoder.feed(chunk):
                            delivered = True
                            yield event
                        if decoder.done:
                            break
                        attempts.check_deadline(decoder)
                    yield from decoder.finish()
                    return
                except httpx2.TransportError as error:
                    if not delivered:
                        delay = attempts.next_delay()
                        if delay is not None:
                            time.sleep(delay)
                            continue
                    raise _connection_error(
                        error, partial=decoder.response if delivered else None
                    ) from error
            finally:
                response.close()


class AsyncStream(_StreamBase):
    """The async twin of :class:`Stream`: ``async for event in stream``; cancelling the task or
    leaving ``async with`` closes the connection at once."""

    def __init__(self, client: AsyncClient, request: OutgoingRequest) -> None:
        super().__init__(client.api, request)
        self._client = client
        self._events = self._run()

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

    async def _run(self) -> AsyncGenerator[Event, None]:
        core = self._client._core
        http = self._client._http
        request = self._request
        attempts = _Attempts(core)
        while True:
            await core.auth.aprepare(request)
            log.debug("POST %s (attempt %d)", request.url, attempts.attempt + 1)
            try:
                response = await http.send(
                    http.build_request(
                        "POST", request.url, headers=request.headers, content=core.encode(request)
                    ),
                    stream=True,
                )
            except httpx2.TransportError as error:
                await asyncio.sleep(attempts.delay_after_connection_error(error))
                continue
            delivered = False
            try:
                status = response.status_code
                if status >= 400:
                    body = await response.aread()
                    if status == 401 and not attempts.refreshed:
                        attempts.refreshed = True
                        if await core.auth.ahandle_unauthorized(request):
                            continue
                    await asyncio.sleep(attempts.delay_after_status(status, response.headers, body))
                    continue
                decoder = self._decoder = StreamDecoder(core.api)
                limits = rate_limits(core.api, response.headers)
                if limits is not None:
                    decoder.collector.add(limits)
                    yield limits
                try:
                    async for chunk in response.aiter_bytes():
                        for event in decoder.feed(chunk):
                            delivered = True
                            yield event
                        if decoder.done:
                            break
                        attempts.check_deadline(decoder)
                    for event in decoder.finish():
                        yield event
                    return
                except httpx2.TransportError as error:
                    if not delivered:
                        delay = attempts.next_delay()
                        if delay is not None:
                            await asyncio.sleep(delay)
                            continue
                    raise _connection_error(
                        error, partial=decoder.response if delivered else None
                    ) from error
            finally:
                await response.aclose()


class _ClientBase:
    _core: _Core

    @property
    def api(self) -> str:
        return self._core.api

    @property
    def provider(self) -> str:
        return self._core.spec.name

    @property
    def base_url(self) -> str:
        return self._core.base_url

    @property
    def auth(self) -> Auth:
        return self._core.auth

    def _build(self, stream: bool, **call: Any) -> OutgoingRequest:
        return self._core.build(stream=stream, **call)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(provider={self.provider!r}, api={self.api!r}, "
            f"base_url={self.base_url!r}, auth={self.auth!r})"
        )


_KEY_VARIABLES = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


def providers_with_credentials(api: str | None = None) -> list[str]:
    """Providers that have credentials, in the order ``from_env`` prefers them: the API key
    variables first, then the credential store; only those serving ``api`` when it is given."""
    import os

    from .auth import available_providers

    found = [name for name, variable in _KEY_VARIABLES.items() if os.environ.get(variable)]
    found += [name for name in available_providers() if name not in found]
    if api is not None:
        found = [name for name in found if api in provider(name).apis]
    return found


def _from_env_provider() -> str:
    found = providers_with_credentials()
    if not found:
        raise ConfigurationError(
            "no credentials found: set OPENAI_API_KEY or ANTHROPIC_API_KEY, or run "
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
        api_key: str | None = None,
        base_url: str | None = None,
        auth: Auth | None = None,
        max_retries: int = 2,
        timeout: Timeouts | float | None = None,
        http_client: httpx2.Client | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        self._core = _Core(
            provider, api, api_key, base_url, auth, max_retries, timeout, default_headers
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx2.Client(timeout=self._core.timeouts.httpx())

    @classmethod
    def from_env(cls, **kwargs: Any) -> Client:
        """A client for whatever the environment or the credential store provides."""
        return cls(kwargs.pop("provider", None) or _from_env_provider(), **kwargs)

    def stream(
        self,
        *,
        model: str | None = None,
        input: str | Item | list[Item],
        instructions: str | None = None,
        tools: list[ToolLike] | None = None,
        tool_choice: ToolChoice | None = None,
        parallel_tool_calls: bool | None = None,
        max_output_tokens: int | None = None,
        temperature: float | None = None,
        stop: str | list[str] | None = None,
        reasoning: Effort | None = None,
        output_schema: dict[str, Any] | type | None = None,
        options: Any = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Stream:
        """Start a streamed response. Everything is validated before anything is sent.

        ``input`` is a string (one user message) or a list of items (history: messages, tool calls
        and results, reasoning from earlier turns — the ``items`` of a previous Response, from any
        API). ``tools`` are Tool objects, ``{"name", "description", "parameters"}`` dicts, pydantic
        models or typed functions. ``options`` takes the API's own options (ResponsesOptions,
        ChatOptions, MessagesOptions); ``extra_body`` / ``extra_headers`` reach fields the schemas
        do not have yet.
        """
        request = self._build(
            True,
            model=model,
            input=input,
            instructions=instructions,
            tools=tools,
            tool_choice=tool_choice,
            parallel_tool_calls=parallel_tool_calls,
            max_output_tokens=max_output_tokens,
            temperature=temperature,
            stop=stop,
            reasoning=reasoning,
            output_schema=output_schema,
            options=options,
            extra_body=extra_body,
            extra_headers=extra_headers,
        )
        return Stream(self, request)

    def create(self, **call: Any) -> Response:
        """Stream a response to its end and return it collected (same arguments as ``stream``)."""
        with self.stream(**call) as stream:
            return stream.until_done()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()
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
        api_key: str | None = None,
        base_url: str | None = None,
        auth: Auth | None = None,
        max_retries: int = 2,
        timeout: Timeouts | float | None = None,
        http_client: httpx2.AsyncClient | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        self._core = _Core(
            provider, api, api_key, base_url, auth, max_retries, timeout, default_headers
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx2.AsyncClient(timeout=self._core.timeouts.httpx())

    @classmethod
    def from_env(cls, **kwargs: Any) -> AsyncClient:
        return cls(kwargs.pop("provider", None) or _from_env_provider(), **kwargs)

    def stream(
        self,
        *,
        model: str | None = None,
        input: str | Item | list[Item],
        instructions: str | None = None,
        tools: list[ToolLike] | None = None,
        tool_choice: ToolChoice | None = None,
        parallel_tool_calls: bool | None = None,
        max_output_tokens: int | None = None,
        temperature: float | None = None,
        stop: str | list[str] | None = None,
        reasoning: Effort | None = None,
        output_schema: dict[str, Any] | type | None = None,
        options: Any = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncStream:
        """Start a streamed response (``async with client.stream(...) as s: async for e in s``)."""
        request = self._build(
            True,
            model=model,
            input=input,
            instructions=instructions,
            tools=tools,
            tool_choice=tool_choice,
            parallel_tool_calls=parallel_tool_calls,
            max_output_tokens=max_output_tokens,
            temperature=temperature,
            stop=stop,
            reasoning=reasoning,
            output_schema=output_schema,
            options=options,
            extra_body=extra_body,
            extra_headers=extra_headers,
        )
        return AsyncStream(self, request)

    async def create(self, **call: Any) -> Response:
        async with self.stream(**call) as stream:
            return await stream.until_done()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()
        self._core.auth.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
