"""What every API's renderer shares: the render context, the result, delta splitting, framing."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from .ids import IdFactory
from .signing import Signer

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

#: Chat's end-of-stream marker (not an event: it carries no JSON).
DONE_FRAME = b"data: [DONE]\n\n"


@dataclass(frozen=True)
class RenderContext:
    """Per-request facts a renderer needs besides the request body and the script."""

    ids: IdFactory
    signer: Signer
    created: int
    input_tokens: int
    request_id: str
    #: Parameters of the request's path (an API that names the model in its URL reads it here).
    path_params: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Rendered:
    """One answer in an API's terms: the stream payloads in order and the final object.

    ``final`` is also the non-streaming JSON body. ``state`` keeps what a renderer needs to build
    a failure later in the stream (the in-progress object, ids).
    """

    events: list[dict[str, Any]]
    final: dict[str, Any]
    state: dict[str, Any] = field(default_factory=dict)


def split_deltas(text: str, words_per_delta: int = 2) -> list[str]:
    """Cut text into deltas of a few words each, whitespace kept with the word before it."""
    if not text:
        return []
    pieces = re.findall(r"\s*\S+\s*", text) or [text]
    return [
        "".join(pieces[start : start + words_per_delta])
        for start in range(0, len(pieces), words_per_delta)
    ]


def split_json(text: str, size: int = 12) -> list[str]:
    """Cut JSON text (tool arguments) into fixed-size fragments, as servers stream them."""
    return [text[start : start + size] for start in range(0, len(text), size)] or [""]


def obfuscation(delta: str) -> str:
    """Deterministic padding that evens out delta sizes, like OpenAI's ``obfuscation`` field."""
    # surrogatepass: a delta is never refused here, whatever text reached the renderer.
    encoded = delta.encode("utf-8", "surrogatepass")
    length = 16 - len(encoded) % 16
    digest = hashlib.sha256(encoded).digest()
    return "".join(_BASE62[byte % 62] for byte in digest[:length])


def dumps(payload: Any) -> bytes:
    return orjson.dumps(payload)


def frame_event(payload: Mapping[str, Any]) -> bytes:
    """Responses / Messages framing: ``event: <type>`` then ``data: <json>``."""
    return b"event: " + str(payload["type"]).encode() + b"\ndata: " + dumps(payload) + b"\n\n"


def frame_data(payload: Any) -> bytes:
    """Chat framing: ``data: <json>`` only."""
    return b"data: " + dumps(payload) + b"\n\n"


def copy_json(value: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a JSON object, so later events never alias earlier ones."""
    copied: dict[str, Any] = orjson.loads(orjson.dumps(value))
    return copied
