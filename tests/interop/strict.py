"""Strict checks of emulator payloads against the official SDKs' own types.

``strict(model, payload)`` validates a payload with pydantic (required fields, types, enums) and
then walks the result: a field the SDK type does not know (one that lands in ``model_extra``) is
a failure, unless it is listed in ``KNOWN_EXTENSIONS`` with the reason the emulator sends it.
"""

from __future__ import annotations

import functools
from typing import Any, Literal

import pydantic
from anthropic.types import ErrorObject as AnthropicErrorObject
from anthropic.types import ErrorResponse as AnthropicErrorResponse

#: Fields the emulator sends that the official SDK types do not define, each for a reason:
#: - ``reasoning_content``: the OpenAI-compatible reasoning servers' Chat field (DeepSeek, vLLM),
#:   which the emulator's Chat route sends when reasoning is asked for;
#: - ``obfuscation``: the padding OpenAI puts on Responses delta events unless
#:   ``stream_options.include_obfuscation`` is false; the SDK declares it on one event only;
#: - ``name`` of ``response.function_call_arguments.done``: in the API reference (and our schema),
#:   not in the SDK type.
KNOWN_EXTENSIONS = {
    ("ResponseFunctionCallArgumentsDoneEvent", "name"),
    ("ChatCompletionMessage", "reasoning_content"),
    ("ChoiceDelta", "reasoning_content"),
    ("*DeltaEvent", "obfuscation"),
}


def _known(type_name: str, field: str) -> bool:
    return any(
        (type_name.endswith(pattern[1:]) if pattern.startswith("*") else type_name == pattern)
        and field == name
        for pattern, name in KNOWN_EXTENSIONS
    )


def unknown_fields(value: Any, path: str = "$") -> list[str]:
    """Every field below ``value`` that its SDK type does not define, as ``path.field``."""
    found: list[str] = []
    if isinstance(value, pydantic.BaseModel):
        for name in value.model_extra or {}:
            if not _known(type(value).__name__, name):
                found.append(f"{path}.{name} ({type(value).__name__})")
        for name in type(value).model_fields:
            found += unknown_fields(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found += unknown_fields(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            found += unknown_fields(item, f"{path}.{key}")
    return found


@functools.cache
def _adapter(model: Any) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(model)  # building one for a big union costs a lot: once each


def strict(model: Any, payload: Any) -> Any:
    """``payload`` validated as ``model`` (a class or a union type), with no unknown field."""
    adapter = _adapter(model)
    validated = adapter.validate_python(payload)
    unknown = unknown_fields(validated)
    assert not unknown, f"fields unknown to the SDK type: {unknown}"
    return validated


class BackendDetailError(pydantic.BaseModel):
    """The ChatGPT backend's error body, ``{"detail": "..."}``. No official SDK has a type for
    it (the SDKs never talk to that backend), so this one-field model stands in; like the SDKs'
    own models it keeps unknown fields in ``model_extra``, where ``strict`` finds them."""

    model_config = pydantic.ConfigDict(extra="allow", strict=True)

    detail: str


class RequestTooLargeErrorObject(pydantic.BaseModel):
    """Anthropic's 413 error object. The API reference (https://docs.claude.com/en/api/errors)
    lists ``request_too_large`` for a 413, but the anthropic SDK's ``ErrorObject`` union (2.15)
    has no member for it: the SDK still raises its ``ContentTooLargeError`` by status."""

    model_config = pydantic.ConfigDict(extra="allow")

    message: str
    type: Literal["request_too_large"]


class ReferenceErrorResponse(AnthropicErrorResponse):
    """The SDK's ``ErrorResponse``, widened by the one error type above and nothing else."""

    error: AnthropicErrorObject | RequestTooLargeErrorObject  # type: ignore[assignment]
