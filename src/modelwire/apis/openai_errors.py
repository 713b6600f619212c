"""OpenAI-family error bodies -> the typed error hierarchy (the Responses and Chat APIs share it).

One function serves HTTP error bodies and errors sent inside a stream. OpenAI sends
``{"error": {"message", "type", "param", "code"}}``; the Responses stream's ``error`` event is flat
(``{"type": "error", "code", "message", "param"}``, or nested under ``error`` as some deployments
send it) and ``response.failed`` carries ``{"code", "message"}``. OpenAI-compatible servers and the
ChatGPT backend vary the shape, and each variant seen in the wild is read here:

- vLLM: the same object with an integer ``code`` (the HTTP status), sometimes bare at the top level
  as ``{"object": "error", "message", "type", "param", "code"}``;
- OpenRouter: ``{"error": {"code": 502, "message", "metadata"}}``, also on a stream chunk;
- Ollama: ``{"error": "text"}``;
- the ChatGPT backend and FastAPI-based servers: ``{"detail": "text"}`` or a validation list
  ``{"detail": [{"loc", "msg"}]}``;
- proxies and gateways: plain text or HTML.

The HTTP status decides the family (``class_for_status``); the body may only narrow it into a
subclass — by its code, then its wording, then its type (a 400 that says the context window is
exceeded is a ContextWindowExceededError; a 404 stays a NotFoundError whatever its ``type``).
Without a status (in-stream errors) the body decides alone; an integer code in the HTTP range
stands in for the missing status.
"""

from __future__ import annotations

import re
from typing import Any

from ..common.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    InternalServerError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    RateLimitError,
    class_for_status,
    shortened,
)
from ..common.response import Response
from ..wire.json import JSONDecodeError, loads

PROVIDER = "openai"

#: Error codes and types (OpenAI's, and the type names vLLM uses) that name one error class.
_BY_CODE_OR_TYPE: dict[str, type[APIError]] = {
    "context_length_exceeded": ContextWindowExceededError,
    "string_above_max_length": BadRequestError,
    "invalid_api_key": AuthenticationError,
    "invalid_authentication": AuthenticationError,
    "invalid_organization": AuthenticationError,
    "token_expired": AuthenticationError,
    "authentication_error": AuthenticationError,
    "permission_error": PermissionDeniedError,
    "permission_denied": PermissionDeniedError,
    "unsupported_country_region_territory": PermissionDeniedError,
    "model_not_found": NotFoundError,
    "not_found_error": NotFoundError,
    "NotFoundError": NotFoundError,
    "rate_limit_exceeded": RateLimitError,
    "rate_limit_error": RateLimitError,
    "insufficient_quota": RateLimitError,
    "tokens": RateLimitError,
    "requests": RateLimitError,
    "overloaded_error": OverloadedError,
    "server_is_overloaded": OverloadedError,
    "engine_overloaded": OverloadedError,
    "server_error": InternalServerError,
    "api_error": InternalServerError,
    "vector_store_timeout": InternalServerError,
    "InternalServerError": InternalServerError,
    "invalid_request_error": BadRequestError,
    "BadRequestError": BadRequestError,
    # response.error codes that blame the request rather than the server.
    "invalid_prompt": BadRequestError,
    "bio_policy": BadRequestError,
    "data_residency_mismatch": BadRequestError,
}

# When the code is missing or unknown, the message still tells: (pattern, class), first match wins.
_BY_WORDING: tuple[tuple[re.Pattern[str], type[APIError]], ...] = (
    (
        re.compile(
            r"maximum context length|context length exceeded|context[_ ]length[_ ]exceeded"
            r"|context window|longer than the model's context length|prompt is too long"
            r"|too many tokens in (the )?input",
            re.IGNORECASE,
        ),
        ContextWindowExceededError,
    ),
    (re.compile(r"\boverloaded\b", re.IGNORECASE), OverloadedError),
    (re.compile(r"rate limit|exceeded your current quota", re.IGNORECASE), RateLimitError),
    (
        re.compile(r"incorrect api key|invalid api key|invalid authentication", re.IGNORECASE),
        AuthenticationError,
    ),
    (
        re.compile(r"error occurred while processing your request", re.IGNORECASE),
        InternalServerError,
    ),
)

# "Please try again in 1.5s." / "in 20ms." / "in 7m12s." in OpenAI's rate-limit messages.
_TRY_AGAIN = re.compile(r"try again in ((?:\d+(?:\.\d+)?(?:ms|h|m|s))+)", re.IGNORECASE)
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_SECONDS_PER_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def error_from_body(
    status: int | None,
    body: object,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
    partial: Response | None = None,
) -> APIError:
    """The typed error for an HTTP error body (``status`` set) or an in-stream error (``None``).

    ``body`` is the parsed JSON, or the raw bytes/text of the body (parsed here when it is JSON).
    ``native`` on the error is the body as parsed (the text when it is not JSON).
    """
    native = _parsed(body)
    message, error_type, code = _details(native)
    effective_status = status
    if effective_status is None and type(code) is int and 400 <= code <= 599:
        effective_status = code
    if not message:
        message = _fallback_message(status, error_type, code)
    error_class = _classify(effective_status, message, error_type, code)
    fields: dict[str, Any] = {
        "status": status,
        "provider": PROVIDER,
        "error_type": error_type,
        "code": None if code is None else str(code),
        "request_id": request_id,
        "native": native,
        "partial": partial,
    }
    if issubclass(error_class, RateLimitError):
        if retry_after is None:
            retry_after = _retry_after_from_message(message)
        return error_class(message, retry_after=retry_after, **fields)
    return error_class(message, **fields)


def _parsed(body: object) -> object:
    """JSON bodies as Python values; anything else as text."""
    if isinstance(body, bytes | bytearray):
        body = bytes(body).decode("utf-8", errors="replace")
    if isinstance(body, str):
        if body.lstrip().startswith(("{", "[")):
            try:
                parsed: object = loads(body)
            except JSONDecodeError:
                return body
            return parsed
        return body
    return body


def _details(body: object) -> tuple[str, str | None, Any]:
    """``(message, type, code)`` from any of the body shapes this API family uses."""
    if isinstance(body, str):
        return _shortened(body.strip()), None, None
    if not isinstance(body, dict):
        return "", None, None
    error = body.get("error")
    if isinstance(error, dict):
        return _text(error.get("message")), _str_or_none(error.get("type")), error.get("code")
    if isinstance(error, str):
        return _shortened(error), _str_or_none(body.get("type")), body.get("code")
    detail = body.get("detail")
    if isinstance(detail, str):
        return _shortened(detail), None, None
    if isinstance(detail, list):
        return _shortened("; ".join(_validation_problem(item) for item in detail)), None, None
    error_type = _str_or_none(body.get("type"))
    if error_type == "error":
        # A flat stream ``error`` event: its ``type`` is the event's name, not a category.
        error_type = None
    return _text(body.get("message")), error_type, body.get("code")


def _validation_problem(item: object) -> str:
    """One entry of a FastAPI validation list as ``body.messages: Field required``."""
    if not isinstance(item, dict):
        return str(item)
    location = ".".join(str(part) for part in item.get("loc") or ())
    problem = str(item.get("msg") or item.get("type") or "invalid")
    return f"{location}: {problem}" if location else problem


def _classify(
    status: int | None, message: str, error_type: str | None, code: Any
) -> type[APIError]:
    hint = _hint(message, error_type, code, status)
    if status is None or status < 400:
        return hint or APIError
    by_status = class_for_status(status)
    # The status decides the family; the body may only narrow it (or name one for an odd status).
    if hint is not None and (by_status is APIError or issubclass(hint, by_status)):
        return hint
    return by_status


def _hint(
    message: str, error_type: str | None, code: Any, status: int | None
) -> type[APIError] | None:
    """What the body itself says: its code, sharpened by its wording, then its type."""
    by_code = _BY_CODE_OR_TYPE.get(code) if isinstance(code, str) else None
    if (
        by_code is None
        and isinstance(code, str)
        and (code.startswith("invalid_") or "image" in code)
    ):
        by_code = BadRequestError  # response.error's invalid_image*, image_too_large, ...
    worded = next((cls for pattern, cls in _BY_WORDING if pattern.search(message)), None)
    if worded is not None and (by_code is None or issubclass(worded, by_code)):
        return worded
    if by_code is not None:
        return by_code
    if error_type is not None:
        return _BY_CODE_OR_TYPE.get(error_type)
    return None


def _retry_after_from_message(message: str) -> float | None:
    match = _TRY_AGAIN.search(message)
    if match is None:
        return None
    return sum(
        float(amount) * _SECONDS_PER_UNIT[unit]
        for amount, unit in _DURATION_PART.findall(match.group(1))
    )


def _fallback_message(status: int | None, error_type: str | None, code: Any) -> str:
    named = error_type or (None if code is None else str(code))
    where = f"HTTP {status}" if status is not None else "an in-stream error"
    if named:
        return f"{where} ({named}) without a message"
    return f"{where} without a message"


def _text(value: object) -> str:
    return _shortened(value) if isinstance(value, str) else ""


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


_shortened = shortened  # the one cap on provider text in a message, shared with Messages
