"""OpenAI Responses errors -> the typed hierarchy.

Three shapes arrive here: the HTTP error body ``{"error": {"message", "type", "param", "code"}}``,
the stream's ``error`` event (flat ``{"type": "error", "code", "message", "param"}``, or with the
details nested under ``error`` as some deployments send it), and the ``error`` object of a
``response.failed`` event (``{"code", "message"}``). The ChatGPT backend answers some failures with
``{"detail": "..."}``; that is understood too.

The HTTP status decides the class; the error code (then the wording) may only refine it into a
subclass (a 400 with ``context_length_exceeded`` is a ContextWindowExceededError, a 404 stays a
NotFoundError whatever its ``type``). In-stream errors have no status, so the code, the type and
the wording decide alone.
"""

from __future__ import annotations

import re
from typing import Any

from ...common.errors import (
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
)
from ...common.response import Response
from ...wire.json import JSONDecodeError, loads

PROVIDER = "openai"

# Error codes that name the fault precisely (HTTP bodies and response.error share them).
_BY_CODE: dict[str, type[APIError]] = {
    "context_length_exceeded": ContextWindowExceededError,
    "string_above_max_length": BadRequestError,
    "rate_limit_exceeded": RateLimitError,
    "insufficient_quota": RateLimitError,
    "invalid_api_key": AuthenticationError,
    "invalid_organization": AuthenticationError,
    "token_expired": AuthenticationError,
    "unsupported_country_region_territory": PermissionDeniedError,
    "model_not_found": NotFoundError,
    "server_error": InternalServerError,
    "server_is_overloaded": OverloadedError,
    "engine_overloaded": OverloadedError,
    "vector_store_timeout": InternalServerError,
    # response.error codes that blame the request rather than the server.
    "invalid_prompt": BadRequestError,
    "bio_policy": BadRequestError,
    "data_residency_mismatch": BadRequestError,
}

# Error ``type`` values; used only when there is no HTTP status (the status says more: OpenAI
# sends ``invalid_request_error`` with 404 and 413 as well as with 400).
_BY_TYPE: dict[str, type[APIError]] = {
    "invalid_request_error": BadRequestError,
    "authentication_error": AuthenticationError,
    "permission_error": PermissionDeniedError,
    "not_found_error": NotFoundError,
    "insufficient_quota": RateLimitError,
    "rate_limit_error": RateLimitError,
    "tokens": RateLimitError,
    "requests": RateLimitError,
    "server_error": InternalServerError,
}

# When the code is missing or unknown, the message still tells: (pattern, class), first match wins.
_BY_WORDING: tuple[tuple[re.Pattern[str], type[APIError]], ...] = (
    (
        re.compile(
            r"context (window|length)|maximum context|too many tokens in (the )?input", re.I
        ),
        ContextWindowExceededError,
    ),
    (re.compile(r"overloaded", re.I), OverloadedError),
    (re.compile(r"rate limit|exceeded your current quota", re.I), RateLimitError),
    (
        re.compile(r"incorrect api key|invalid api key|invalid authentication", re.I),
        AuthenticationError,
    ),
    (re.compile(r"error occurred while processing your request", re.I), InternalServerError),
)

# "Please try again in 1.5s." / "in 20ms." / "in 7m12s." in OpenAI's rate-limit messages.
_TRY_AGAIN = re.compile(r"try again in ((?:\d+(?:\.\d+)?(?:ms|h|m|s))+)", re.I)
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_SECONDS_PER_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_MESSAGE_LIMIT = 500


def error_from_body(
    status: int | None,
    body: object,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
    partial: Response | None = None,
) -> APIError:
    """The typed error for an HTTP error body (``status`` set) or an in-stream error (``None``)."""
    native = _parsed(body)
    details = _details(native)
    message = _text(details.get("message")) or _text(details.get("detail"))
    if not message:
        message = f"HTTP {status} with no error message" if status else "the API reported an error"
    code = _text(details.get("code"))
    error_type = _text(details.get("type"))
    if details is native and error_type == "error":
        # A flat stream ``error`` event: its ``type`` is the event's name, not a category.
        error_type = None
    cls = _classify(status, code, error_type, message)
    common: dict[str, Any] = {
        "status": status,
        "provider": PROVIDER,
        "error_type": error_type,
        "code": code,
        "request_id": request_id,
        "native": native,
        "partial": partial,
    }
    if issubclass(cls, RateLimitError):
        if retry_after is None:
            retry_after = _retry_after_from_message(message)
        return cls(message, retry_after=retry_after, **common)
    return cls(message, **common)


def _parsed(body: object) -> object:
    """The body as JSON when it is JSON text; otherwise as given."""
    if isinstance(body, bytes | bytearray | str):
        try:
            return loads(bytes(body) if isinstance(body, bytearray) else body)
        except JSONDecodeError:
            text = body.decode("utf-8", "replace") if isinstance(body, bytes | bytearray) else body
            return text.strip()[:_MESSAGE_LIMIT]
    return body


def _details(native: object) -> dict[str, Any]:
    """The dict that holds message/type/code: ``body["error"]`` when nested, else the body."""
    if isinstance(native, dict):
        inner = native.get("error")
        if isinstance(inner, dict):
            return inner
        if isinstance(inner, str):
            return {"message": inner}
        return native
    if isinstance(native, str) and native:
        return {"message": native}
    return {}


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def _classify(
    status: int | None, code: str | None, error_type: str | None, message: str
) -> type[APIError]:
    by_status = class_for_status(status)
    refined = _BY_CODE.get(code) if code else None
    if refined is None and code and (code.startswith("invalid_") or "image" in code):
        refined = BadRequestError  # response.error's invalid_image*, image_too_large, ...
    if refined is None and status is None and error_type:
        refined = _BY_TYPE.get(error_type)
    # The wording may fill a gap or sharpen the class (a bad request that is a context window).
    worded = next((cls for pattern, cls in _BY_WORDING if pattern.search(message)), None)
    if worded is not None and (refined is None or issubclass(worded, refined)):
        refined = worded
    if refined is None:
        return by_status
    if status is None or by_status is APIError or issubclass(refined, by_status):
        return refined
    return by_status


def _retry_after_from_message(message: str) -> float | None:
    match = _TRY_AGAIN.search(message)
    if match is None:
        return None
    return sum(
        float(amount) * _SECONDS_PER_UNIT[unit]
        for amount, unit in _DURATION_PART.findall(match.group(1))
    )
