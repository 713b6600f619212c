"""The shape every wire API has: one :class:`WireApi` object per API, and the parts it is made of.

A wire API is an HTTP interface (OpenAI Responses, Chat Completions, Anthropic Messages, ...);
a service (``modelwire.services``) is who serves it, where, and with which credential. Each
``apis/<api>/`` package builds one WireApi from the same parts, so a reader finds any API's
request mapping, stream mapping and error mapping in the same places.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..common.events import Event, RateLimits
from ..common.items import ApiName

if TYPE_CHECKING:
    from ..common.errors import APIError
    from ..common.prompt import Prompt
    from ..common.response import Response

__all__ = [
    "ApiName",
    "BodyBuilder",
    "BodyDecoder",
    "ErrorMapper",
    "OutgoingRequest",
    "RateLimitParser",
    "StreamMapper",
    "TokenCounting",
    "WireApi",
]

#: A wire event as decoded JSON: what a stream mapper reads. The mappers read it without
#: validation on the hot path; ``Event.native`` validates it into the generated model on demand.
Payload = dict[str, Any]


@dataclass(slots=True)
class OutgoingRequest:
    """A request about to be sent; the service's Auth adds credentials and its own rules."""

    api: str
    url: str
    headers: dict[str, str]
    body: dict[str, Any]


class StreamMapper(Protocol):
    """Turns one API's decoded stream payloads into common events.

    ``map`` gets each JSON payload (a dict) with its SSE ``event:`` name; ``finish`` is called
    once when the body ends (after Chat's ``[DONE]``) and raises StreamInterruptedError when the
    API never said the response was complete. Both return the events in order (usually 0 or 1).
    In-stream errors raise the typed APIError subclass; the decoder attaches the partial Response.
    """

    api: str

    def map(self, event_name: str | None, payload: Payload) -> list[Event]: ...

    def finish(self, *, done: bool = False) -> list[Event]: ...


class MapperFactory(Protocol):
    """Makes a fresh stream mapper (one per stream)."""

    def __call__(self, *, native_only: bool = False) -> StreamMapper: ...


class BodyBuilder(Protocol):
    """The native request body for a prompt and the API's own options (None: defaults)."""

    def __call__(self, prompt: Prompt, options: Any, *, stream: bool) -> dict[str, Any]: ...


class ErrorMapper(Protocol):
    """The typed error for an error body: an HTTP answer (``status`` set) or an in-stream error
    (``status`` None). ``body`` is parsed JSON, or the raw text when it is not JSON."""

    def __call__(
        self,
        status: int | None,
        body: object,
        *,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> APIError: ...


#: Rate-limit response headers -> a RateLimits event (None when they report none).
RateLimitParser = Callable[[str, Mapping[str, str]], RateLimits | None]
#: A whole JSON (non-streaming) response body -> the collected Response.
BodyDecoder = Callable[[dict[str, Any]], "Response"]


def no_headers(options: Any) -> dict[str, str]:
    """For APIs that need no headers of their own."""
    return {}


def url_as_configured(endpoint: str, body: dict[str, Any], stream: bool) -> str:
    """For APIs whose URL does not depend on the request: the service's endpoint as it is."""
    return endpoint


@dataclass(frozen=True, slots=True)
class TokenCounting:
    """An API's own endpoint that counts a request's input tokens without running it.

    ``path`` follows the service's endpoint for the API (``/v1/messages`` +
    ``/count_tokens``); ``fields`` are the create-request fields the endpoint takes (the others,
    such as ``max_tokens`` or ``stream``, it refuses). The answer is ``{"input_tokens": N}``.
    """

    path: str
    fields: frozenset[str]

    def body(self, create_body: dict[str, Any]) -> dict[str, Any]:
        """The counting request for a create request's body."""
        return {name: value for name, value in create_body.items() if name in self.fields}


@dataclass(frozen=True, slots=True, kw_only=True)
class WireApi:
    """One wire API: everything the client and the decoder need to speak it.

    ``name`` is the API's name (``responses``, ``chat``, ``messages``). ``options_type`` is the
    dataclass of its own request fields (``ResponsesOptions``...). ``build_body`` shapes a Prompt
    into the native request body; ``headers`` are the headers the API itself requires for given
    options (credentials are the service's business). ``url`` makes the URL from the service's
    endpoint (base URL + the service's path for this API) and the body, so an API may put the
    model in the path (Gemini's ``models/{model}:streamGenerateContent``); it may take fields out
    of the body that travel in the URL instead. ``validate`` checks the body against the generated
    request model before anything is sent (None: no generated model). ``new_mapper`` makes a
    stream mapper; ``error_from_body`` maps error bodies; ``rate_limits`` reads the rate-limit
    headers. ``decode_body`` decodes a whole JSON (non-streaming) answer, when the API has one;
    ``count_tokens`` is its token-counting endpoint, when it has one.
    """

    name: str
    options_type: type
    build_body: BodyBuilder
    new_mapper: MapperFactory
    error_from_body: ErrorMapper
    rate_limits: RateLimitParser
    headers: Callable[[Any], dict[str, str]] = no_headers
    url: Callable[[str, dict[str, Any], bool], str] = url_as_configured
    validate: Callable[[dict[str, Any]], None] | None = None
    decode_body: BodyDecoder | None = None
    count_tokens: TokenCounting | None = None
