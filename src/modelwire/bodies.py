"""decode_body(): the JSON body of a non-streaming call -> the Response a stream would collect to.

The offline counterpart of :func:`modelwire.decode` for an answer that came whole: a Responses
``response`` object, a Chat ``chat.completion``, a Messages ``message``. An error body raises the
typed API error the stream path raises for the same error; anything that is not such a body
raises :class:`BodyDecodeError`, never a foreign exception.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

from .common.errors import ConfigurationError, ModelwireError
from .common.items import ApiName
from .common.response import Response
from .wire.json import JSONDecodeError, fast_loads

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


def decode_body(api: ApiName, body: Body) -> Response:
    """Decode the JSON body of a non-streaming call (raw bytes or text, or already parsed)."""
    decoder = _DECODERS.get(api) or _load_decoder(api)
    if type(body) is bytes or type(body) is str:
        payload = _parsed(api, body)
    else:
        payload = _payload(api, body)
    try:
        return decoder(payload)
    except ModelwireError:
        raise
    except _MALFORMED as error:
        raise BodyDecodeError(f"malformed {api} body ({type(error).__name__}: {error})") from error


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
