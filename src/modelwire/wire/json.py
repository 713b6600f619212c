"""JSON decoding for the hot path.

orjson parses the small payloads of stream events several times faster than the standard library,
but briefly needs about thirteen times the size of a document in memory; the few large payloads of a
stream (Responses repeats the whole answer in its final events) go to the standard library, which
needs about twice. ``BIG_PAYLOAD`` is where one gives way to the other.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

BIG_PAYLOAD = 64 * 1024

#: The errors either parser raises on malformed input (orjson's is a ValueError subclass).
JSONDecodeError = ValueError

fast_loads = orjson.loads
frugal_loads = json.loads


def loads(data: bytes | str) -> Any:
    if len(data) < BIG_PAYLOAD:
        return fast_loads(data)
    return frugal_loads(data)


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)
