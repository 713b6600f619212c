"""JSON decoding: one policy for every payload modelwire parses, whatever its size.

The policy is orjson's, with one limit of our own:

* strict RFC 8259: no NaN, Infinity, comments, trailing commas, byte order mark, invalid UTF-8 or
  lone surrogate escapes; a number too large for a double is refused; an integer outside the 64-bit
  range becomes a float;
* at most ``MAX_DEPTH`` levels of nesting. Real payloads nest a few dozen levels; the limit leaves
  room under orjson's serializer limit (254 levels), so whatever was parsed can be sent again
  inside a request, and under Python's recursion limit for any recursive consumer.

Anything else raises :class:`~modelwire.common.errors.InvalidJSONError` (a ``ValueError``), never
``RecursionError``.

Two parsers implement it. orjson parses the small payloads of stream events several times faster
than the standard library, but reserves about thirteen times the size of a document while parsing;
the few large payloads of a stream (Responses repeats the whole answer in its final events) go to
the standard library, which needs about twice, with hooks that give it orjson's rules for
constants and numbers. A large document the standard library could read differently (a ``\\u``
escape of a surrogate) goes to orjson. ``BIG_PAYLOAD`` is where one gives way to the other.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any, NoReturn

import orjson

from ..common.errors import InvalidJSONError

BIG_PAYLOAD = 64 * 1024
MAX_DEPTH = 200
#: Shorter documents cannot nest deeper than ``MAX_DEPTH`` (each level costs two bytes), so orjson
#: alone applies the whole policy to them.
SHALLOW_PAYLOAD = 2 * (MAX_DEPTH + 1)

#: What the parsers raise on input outside the policy (InvalidJSONError and orjson's errors are
#: both ValueErrors).
JSONDecodeError = ValueError

#: orjson itself: the policy for documents shorter than ``SHALLOW_PAYLOAD`` (the hot path calls it
#: directly; it raises ``orjson.JSONDecodeError``, a ValueError).
fast_loads = orjson.loads

_I64_MIN = -(2**63)
_U64_MAX = 2**64 - 1
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
# A JSON string, escapes included (unrolled loop, possessive: linear, no backtracking).
_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)
_STRING_TEXT = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)
# Brackets to +1 / -1 (as signed bytes), everything else deleted.
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[{]}")


class _Refused(ValueError):
    pass


def _refuse_constant(name: str) -> NoReturn:
    raise _Refused(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Refused(f"the number {text[:40]} is too large for a double")
    return value


def _bounded_int(text: str) -> int | float:
    # Like orjson: integers outside the 64-bit range become floats (the length test also keeps
    # int() away from the standard library's 4300-digit limit).
    if len(text) <= 20:
        value = int(text)
        if _I64_MIN <= value <= _U64_MAX:
            return value
    return _finite_float(text)


_STDLIB = json.JSONDecoder(
    parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_bounded_int
)


def depth(data: bytes | str) -> int:
    """How deep the document nests (``[]`` is 1), counting brackets outside strings only."""
    if isinstance(data, str):
        skeleton = _STRING_TEXT.sub("", data).encode("utf-8", "surrogatepass")
    else:
        skeleton = _STRING.sub(b"", data)
    steps = skeleton.translate(_STEPS, _NOT_BRACKETS)
    return max(accumulate(memoryview(steps).cast("b")), default=0)


def _too_deep(data: bytes | str) -> bool:
    if len(data) < SHALLOW_PAYLOAD:
        return False
    if isinstance(data, str):
        openers = data.count("[") + data.count("{")
    else:
        openers = data.count(b"[") + data.count(b"{")
    return openers > MAX_DEPTH and depth(data) > MAX_DEPTH


def loads(data: bytes | str) -> Any:
    """Parse ``data`` under the policy; :class:`InvalidJSONError` when it falls outside."""
    if len(data) < SHALLOW_PAYLOAD:
        # Too short to nest too deep, and orjson's: the common case (tool arguments) in one call.
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise InvalidJSONError(f"not valid JSON: {error}") from None
    if _too_deep(data):
        raise InvalidJSONError(f"JSON nested deeper than {MAX_DEPTH} levels")
    if len(data) < BIG_PAYLOAD:
        return _orjson(data)
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidJSONError("not valid JSON: a lone surrogate in the text") from None
    if _needs_orjson(data):
        return _orjson(data)
    try:
        return _STDLIB.decode(data.decode("utf-8"))
    except RecursionError:
        # Only with a caller already deep in its own stack: orjson does not recurse in Python.
        return _orjson(data)
    except ValueError as error:  # json.JSONDecodeError, UnicodeDecodeError, _Refused
        raise InvalidJSONError(f"not valid JSON: {_reason(error)}") from None


#: The policy for any size, raising InvalidJSONError (the hot path's name for large payloads).
frugal_loads = loads


def _needs_orjson(data: bytes) -> bool:
    """The standard library would accept what orjson refuses: a lone surrogate escape (``\\ud800``)
    or a byte order mark. Large documents with any surrogate escape are rare; orjson decides
    them exactly."""
    return data.startswith(b"\xef\xbb\xbf") or _SURROGATE_ESCAPE.search(data) is not None


def _orjson(data: bytes | str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise InvalidJSONError(f"not valid JSON: {error}") from None


def _reason(error: ValueError) -> str:
    if isinstance(error, UnicodeDecodeError):
        # Its str() quotes nothing but the offending byte; say it plainly.
        return f"invalid UTF-8 at byte {error.start}"
    return str(error)


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)
