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


#: Longest provider text kept in an error's ``message``, on every API (an HTML error page or a
#: hostile body can be megabytes; the whole body stays in ``native``).
MAX_MESSAGE_CHARS = 1000


def shortened(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis saying it was cut."""
    return text if len(text) <= limit else text[:limit] + "…"


class InvalidJSONError(ModelwireError, ValueError):
    """A payload is not JSON under modelwire's one parsing policy (see :mod:`modelwire.wire.json`):
    malformed, nested too deep, or using NaN/Infinity. The message gives the reason and position,
    never the payload's text (it may hold secrets)."""


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


class EventTooLargeError(StreamDecodeError):
    """One server-sent event (or one line of the body) grew past ``limit`` bytes before it ended.

    Raised as soon as the limit is crossed, so a body that never ends a line costs at most about
    ``limit`` bytes of memory. ``offset`` is where the oversized event began.
    """

    limit: int

    def __init__(self, message: str, *, offset: int, limit: int) -> None:
        super().__init__(message, offset=offset)
        self.limit = limit


class NativeValidationError(ModelwireError):
    """A wire payload does not fit its generated native model (``event.native``,
    ``response.native``, ``usage.native``).

    ``model`` names the model; :meth:`errors` gives pydantic's details. The message lists the
    failing fields and pydantic's reasons, never the values (they may hold secrets).
    """

    model: str
    #: The pydantic ``ValidationError`` itself, for callers who want all of it.
    validation_error: Any

    def __init__(self, model: str, validation_error: Any) -> None:
        self.model = model
        self.validation_error = validation_error
        details = validation_error.errors(include_url=False, include_input=False)
        count = len(details)
        problems = [
            f"{'.'.join(str(part) for part in d['loc']) or '<root>'}: {d['msg']}"
            for d in details[:8]
        ]
        if count > len(problems):
            problems.append(f"... and {count - len(problems)} more")
        super().__init__(
            f"the payload does not fit the native model {model} ({count} problem"
            f"{'' if count == 1 else 's'}):\n  " + "\n  ".join(problems)
        )

    def errors(self) -> list[Any]:
        """pydantic's details (``type``, ``loc``, ``msg``, ``input``, ...), one per problem."""
        details: list[Any] = self.validation_error.errors()
        return details


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
