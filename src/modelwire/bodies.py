"""decode_body(): the JSON body of a non-streaming call -> the Response a stream would collect to.

The offline counterpart of :func:`modelwire.decode` for an answer that came whole: a Responses
``response`` object, a Chat ``chat.completion``, a Messages ``message``. An error body raises the
typed API error the stream path raises for the same error; anything that is not such a body
raises :class:`BodyDecodeError`, never a foreign exception.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

from .common.errors import ConfigurationError, ModelwireError
from .common.events import (
    Completed,
    Created,
    Event,
    ItemDone,
    ReasoningDelta,
    RefusalDelta,
    TextDelta,
    ToolCallDone,
)
from .common.items import ApiName, Message, Reasoning, ToolCall
from .common.response import Response
from .wire.json import JSONDecodeError, fast_loads
from .wire.sse import MAX_EVENT_BYTES

if TYPE_CHECKING:
    from .apis.base import WireApi

#: The largest JSON body a live call reads: a whole answer is what a stream's largest event holds
#: (the final object), so it gets the same bound.
MAX_BODY_BYTES = MAX_EVENT_BYTES

# What a decoder raises reading a body whose fields are missing or of the wrong type, and what the
# JSON parsers raise on text nested deeper than they go.
_MALFORMED = (KeyError, TypeError, AttributeError, ValueError, IndexError, RecursionError)

Body: TypeAlias = bytes | bytearray | memoryview | str | Mapping[str, Any]


class BodyDecodeError(ModelwireError):
    """The body is not a JSON body of this API: not JSON, not an object, or not the documented
    shape. ``offset`` is the byte (character, for text) where the JSON broke, when it did."""

    offset: int | None

    def __init__(self, message: str, *, offset: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset


class BodyTooLargeError(BodyDecodeError):
    """A live call's JSON body grew past ``limit`` bytes; reading stopped there."""

    limit: int

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


def decode_body(api: ApiName, body: Body) -> Response:
    """Decode the JSON body of a non-streaming call (raw bytes or text, or already parsed)."""
    decoder = _DECODERS.get(api) or _load_decoder(api)
    if type(body) is bytes or type(body) is str:
        payload = _parsed(api, body)
    else:
        payload = _payload(api, body)
    return _decoded(api, decoder, payload)


def decode_answer(api: WireApi, body: bytes) -> Response:
    """A live call's JSON answer decoded with ``api``'s own decoder (the call flow's entry)."""
    decoder = api.decode_body
    if decoder is None:
        raise ConfigurationError(f"the {api.name} API has no non-streaming body decoder")
    return _decoded(api.name, decoder, _parsed(api.name, body))


def _decoded(api: str, decoder: Decoder, payload: dict[str, Any]) -> Response:
    try:
        return decoder(payload)
    except ModelwireError:
        raise
    except _MALFORMED as error:
        raise BodyDecodeError(f"malformed {api} body ({type(error).__name__}: {error})") from error


def body_events(response: Response) -> list[Event]:
    """The events a stream consumer sees for an answer that came whole (a JSON body): the text,
    reasoning and refusal each in one delta, every tool call and item finished, then Completed.
    Collected, they give back ``response``'s fields. ``raw`` of each is the body itself."""
    api = response.api or ""
    raw = response.final if response.final is not None else {}
    items = response.items
    events: list[Event] = [Created(api, raw, response.id, response.model)]
    first_message = next((i for i, item in enumerate(items) if type(item) is Message), 0)
    if response.reasoning:
        summarized = any(type(item) is Reasoning and item.summary for item in items)
        kind: Any = "summary" if summarized else "content"
        first_reasoning = next((i for i, item in enumerate(items) if type(item) is Reasoning), 0)
        events.append(ReasoningDelta(api, raw, response.reasoning, kind, first_reasoning))
    if response.text:
        events.append(TextDelta(api, raw, response.text, first_message))
    if response.refusal:
        events.append(RefusalDelta(api, raw, response.refusal, first_message))
    calls = {id(call) for call in response.tool_calls}
    for index, item in enumerate(items):
        if type(item) is ToolCall and id(item) in calls:
            events.append(ToolCallDone(api, raw, item, index))
    # Tool calls that are not items (an API listing them apart) still reach the caller.
    listed = {id(item) for item in items}
    for call in response.tool_calls:
        if id(call) not in listed:
            events.append(ToolCallDone(api, raw, call, len(items)))
    events.extend(ItemDone(api, raw, item, index) for index, item in enumerate(items))
    events.append(
        Completed(
            api,
            raw,
            response.id,
            response.usage,
            response.stop_reason or "other",
            response.native_stop_reason,
            final=response.final,
            final_schema=response.final_schema,
        )
    )
    return events


Decoder: TypeAlias = Callable[[dict[str, Any]], Response]

#: Each API's body decoder, imported on first use.
_DECODERS: dict[str, Decoder] = {}


def _load_decoder(api: str) -> Decoder:
    from .apis import wire_api

    found = wire_api(api).decode_body
    if found is None:
        raise ConfigurationError(f"the {api} API has no non-streaming body decoder")
    decoder: Decoder = found
    _DECODERS[api] = decoder
    return decoder


def _payload(api: str, body: object) -> dict[str, Any]:
    if isinstance(body, dict):
        return body
    if isinstance(body, Mapping):
        return dict(body)
    if isinstance(body, bytearray | memoryview):
        return _parsed(api, bytes(body))
    if isinstance(body, bytes | str):
        return _parsed(api, body)
    raise ConfigurationError(
        f"a {api} body is JSON text (bytes or str) or a mapping, not {type(body).__name__}"
    )


def _parsed(api: str, text: bytes | str) -> dict[str, Any]:
    try:
        # orjson at every size: a body is parsed once and whole, so its speed matters more than
        # the brief memory peak the stream path avoids for its rare large events.
        parsed = fast_loads(text)
    except JSONDecodeError as error:
        raise BodyDecodeError(
            f"the {api} body is not JSON ({error})", offset=getattr(error, "pos", None)
        ) from None
    if type(parsed) is not dict:
        raise BodyDecodeError(f"the {api} body is JSON but not an object ({type(parsed).__name__})")
    return parsed


def decode_token_count(api: str, body: bytes | str) -> int:
    """The ``input_tokens`` of a token-counting answer (``{"input_tokens": N, ...}``)."""
    tokens = _parsed(api, body).get("input_tokens")
    if type(tokens) is not int or tokens < 0:
        raise BodyDecodeError(f"the {api} token count is not a count of tokens: {tokens!r}"[:200])
    return tokens
