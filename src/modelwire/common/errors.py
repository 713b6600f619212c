"""One typed hierarchy for everything that can go wrong talking to a model API.

Every error that can happen once a stream has started carries ``partial``: the Response collected
from the events delivered before the fault, so nothing already received is lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .response import Response


class ModelwireError(Exception):
    """Base of every error modelwire raises."""


class ConfigurationError(ModelwireError, ValueError):
    """A bad argument or option, found locally before any request is sent."""


class APIError(ModelwireError):
    """The API answered with an error: an HTTP error status or an error event inside a stream."""

    status: int | None
    provider: str | None
    error_type: str | None
    code: str | None
    request_id: str | None
    native: Any
    partial: Response | None

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        provider: str | None = None,
        error_type: str | None = None,
        code: str | None = None,
        request_id: str | None = None,
        native: Any = None,
        partial: Response | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.provider = provider
        self.error_type = error_type
        self.code = code
        self.request_id = request_id
        self.native = native
        self.partial = partial
        super().__init__(message)

    def __str__(self) -> str:
        head = " ".join(
            part
            for part in (
                str(self.status) if self.status is not None else "in-stream",
                self.provider or "",
                self.error_type or self.code or "",
            )
            if part
        )
        tail = f" (request id {self.request_id})" if self.request_id else ""
        return f"{head}: {self.message}{tail}"


class BadRequestError(APIError):
    """400: the API rejected the request."""


class ContextWindowExceededError(BadRequestError):
    """The prompt plus the requested output does not fit the model's context window."""


class AuthenticationError(APIError):
    """401: the credential is missing, wrong, expired or revoked."""


class PermissionDeniedError(APIError):
    """403: the credential is valid but may not do this."""


class NotFoundError(APIError):
    """404: no such model, route or object."""


class ConflictError(APIError):
    """409: the request conflicts with the current state (retried)."""


class RequestTooLargeError(APIError):
    """413: the request body is too large."""


class UnprocessableEntityError(APIError):
    """422: the request was well-formed but could not be processed."""


class RateLimitError(APIError):
    """429: too many requests or tokens; ``retry_after`` is the server's advice in seconds."""

    retry_after: float | None

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class InternalServerError(APIError):
    """5xx, or a server error reported inside a stream."""


class OverloadedError(InternalServerError):
    """The service is overloaded (Anthropic's 529 ``overloaded_error``)."""


class APIConnectionError(ModelwireError):
    """The request never got an answer: refused, reset, DNS, TLS, or a dropped connection."""

    partial: Response | None

    def __init__(self, message: str, *, partial: Response | None = None) -> None:
        super().__init__(message)
        self.partial = partial


class APITimeoutError(APIConnectionError):
    """Connect, read or stream-idle time ran out."""


class StreamInterruptedError(ModelwireError):
    """The stream ended before the API said it was complete; ``partial`` holds what arrived."""

    partial: Response | None

    def __init__(self, message: str, *, partial: Response | None = None) -> None:
        super().__init__(message)
        self.partial = partial


class StreamDecodeError(StreamInterruptedError):
    """The body is not a well-formed stream of this API; ``offset`` is the byte where it broke."""

    offset: int

    def __init__(self, message: str, *, offset: int, partial: Response | None = None) -> None:
        super().__init__(f"{message} (at byte {offset})", partial=partial)
        self.offset = offset


class ErrorAfterEvents(ModelwireError):
    """Raised by a stream mapper when one wire event holds output and then an error (a Chat
    chunk with deltas and an ``error``): the decoder delivers ``events``, then raises ``error``.
    Never reaches a caller of ``decode`` or of a client."""

    def __init__(self, events: list[Any], error: ModelwireError) -> None:
        super().__init__(str(error))
        self.events = events
        self.error = error


def with_partial(error: BaseException, partial: Response) -> None:
    """Attach what was collected to an error raised mid-stream, unless it already has some."""
    if isinstance(error, APIError | APIConnectionError | StreamInterruptedError) and (
        error.partial is None
    ):
        error.partial = partial


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    529: OverloadedError,
}


def class_for_status(status: int | None) -> type[APIError]:
    """The error class for an HTTP status (APIError when the status says nothing more)."""
    if status is None:
        return APIError
    known = _BY_STATUS.get(status)
    if known is not None:
        return known
    return InternalServerError if status >= 500 else APIError
