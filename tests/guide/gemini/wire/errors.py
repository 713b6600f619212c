"""The API's error bodies (``{"error": {"code", "message", "status"}}``) as typed errors."""

from __future__ import annotations

from typing import Any

from modelwire.common.errors import APIError, RateLimitError, class_for_status


def error_from_body(
    status: int | None,
    body: object,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> APIError:
    document = body if isinstance(body, dict) else {}
    error: dict[str, Any] = document.get("error") if isinstance(document.get("error"), dict) else {}
    message = error.get("message") if isinstance(error.get("message"), str) else f"HTTP {status}"
    code = error.get("code")
    error_class = class_for_status(status if status is not None or type(code) is not int else code)
    fields: dict[str, Any] = {
        "status": status,
        "provider": "gemini",
        "error_type": error.get("status") if isinstance(error.get("status"), str) else None,
        "request_id": request_id,
        "native": body,
    }
    if issubclass(error_class, RateLimitError):
        return error_class(message, retry_after=retry_after, **fields)
    return error_class(message, **fields)
