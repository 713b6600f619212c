"""Anthropic Messages error bodies -> the typed error hierarchy.

The same shape arrives two ways: as an HTTP error body
(``{"type": "error", "error": {"type", "message"}, "request_id"}``) and as the ``error`` event of a
stream that already started (same body, no status). Both go through :func:`error_from_body`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...common.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ContextWindowExceededError,
    InternalServerError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    class_for_status,
    shortened,
)
from ...wire.json import JSONDecodeError, loads

if TYPE_CHECKING:
    from ...common.response import Response

PROVIDER = "anthropic"

#: ``error.type`` -> class. ``billing_error`` (402) has no class of its own: it stays an APIError
#: whose ``error_type`` tells it apart.
ERROR_TYPES: dict[str, type[APIError]] = {
    "invalid_request_error": BadRequestError,
    "authentication_error": AuthenticationError,
    "permission_error": PermissionDeniedError,
    "not_found_error": NotFoundError,
    "conflict_error": ConflictError,
    "request_too_large": RequestTooLargeError,
    "rate_limit_error": RateLimitError,
    "api_error": InternalServerError,
    "timeout_error": InternalServerError,
    "overloaded_error": OverloadedError,
}

# The API reports an oversized prompt as a plain invalid_request_error; only the wording tells it
# apart ("prompt is too long: 210000 tokens > 200000 maximum", "input length and `max_tokens`
# exceed context limit: ...").
_CONTEXT_WINDOW_WORDING = ("prompt is too long", "exceed context limit", "context window")


def error_from_body(
    status: int | None,
    body: object,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
    partial: Response | None = None,
) -> APIError:
    """The typed error for an error body (a dict, or the raw bytes/text of an HTTP response).

    ``status`` is None for an in-stream ``error`` event. The class follows the error type when the
    API names one it knows, else the status; ``message`` is the API's own message.
    """
    document = _as_document(body)
    error = document.get("error")
    if not isinstance(error, dict):
        error = {}
    error_type = _string(error.get("type"))
    message = _string(error.get("message")) or _string(document.get("message"))
    # The one cap on provider text in a message (``native`` keeps the whole body).
    message = _fallback_message(status, body) if message is None else shortened(message)
    details = error.get("details")
    code = _string(details.get("error_code")) if isinstance(details, dict) else None
    error_class = _classify(status, error_type, message)
    fields: dict[str, Any] = {
        "status": status,
        "provider": PROVIDER,
        "error_type": error_type,
        "code": code,
        "request_id": request_id or _string(document.get("request_id")),
        "native": document or body,
        "partial": partial,
    }
    if issubclass(error_class, RateLimitError):
        return error_class(message, retry_after=retry_after, **fields)
    return error_class(message, **fields)


def _classify(status: int | None, error_type: str | None, message: str) -> type[APIError]:
    by_status = class_for_status(status)
    by_type = ERROR_TYPES.get(error_type) if error_type else None
    if by_type is None or issubclass(by_status, by_type):
        # Unknown type, or the status is the more specific of the two (529 over api_error).
        error_class = by_status
    else:
        error_class = by_type
    if issubclass(error_class, BadRequestError) and _says_context_window(message):
        return ContextWindowExceededError
    return error_class


def _says_context_window(message: str) -> bool:
    lowered = message.lower()
    return any(wording in lowered for wording in _CONTEXT_WINDOW_WORDING)


def _as_document(body: object) -> dict[str, Any]:
    """The body as a JSON object ({} when it is not one)."""
    if isinstance(body, dict):
        return body
    if isinstance(body, bytes | bytearray | memoryview | str):
        raw = bytes(body) if isinstance(body, bytearray | memoryview) else body
        try:
            parsed = loads(raw)
        except JSONDecodeError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _fallback_message(status: int | None, body: object) -> str:
    if isinstance(body, bytes | bytearray | memoryview):
        body = bytes(body).decode("utf-8", errors="replace")
    if isinstance(body, str) and body.strip():
        return shortened(body.strip())
    return f"HTTP {status} with no error message" if status is not None else "unknown error"


def _string(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
