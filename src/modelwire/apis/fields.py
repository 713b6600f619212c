"""Readers of wire JSON values, tolerant in one way for every API: a field of the wrong JSON type
is absent when the answer can do without it (ids, names, counts) and malformed when it cannot
(text). The stream mappers and the body decoders of every API read their payloads with these."""

from __future__ import annotations

from typing import Any


def malformed(field: str, value: object, expected: str = "a string") -> ValueError:
    """The error for a field of the wrong JSON type; the decoder reports it as a typed
    StreamDecodeError naming the event and the byte offset."""
    return ValueError(f"{field} is {type(value).__name__}, not {expected}")


def text_field(value: object, field: str) -> str:
    """A text field: the string, or "" when absent or null; any other type is malformed."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    raise malformed(field, value)


def str_or_empty(value: object) -> str:
    """An id or a name: the string, or "" when absent or of another type."""
    return value if type(value) is str else ""


def str_or_none(value: object) -> str | None:
    """An optional id, name or status: the string, or None when absent or of another type."""
    return value if type(value) is str else None


def count(value: object) -> int | None:
    """A token count: the integer, or None when absent or of another type."""
    return value if type(value) is int else None


def dict_or_empty(value: object) -> dict[str, Any]:
    """An optional nested object: the object, or {} when absent or of another type."""
    return value if type(value) is dict else {}


def dicts(value: object) -> list[dict[str, Any]]:
    """The objects of a list field (parts, summaries, output); other entries are skipped."""
    return [entry for entry in value if type(entry) is dict] if type(value) is list else []
