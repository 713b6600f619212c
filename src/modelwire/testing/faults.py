"""Fault injection: what can go wrong between a client and a real API, on demand.

A :class:`Fault` is a tuple of effects; ``a + b`` combines them (``Fault.drip(0.01) +
Fault.disconnect_after(3)``). Queue it for a route (``server.queue("messages", Fault.status(529))``)
or attach it to a scripted answer (``Script.text("hi").with_faults(Fault.drip(0.01))``).

Effects that happen *instead of* an answer (status, reset, expired token, a stall before the
headers) apply as soon as the request arrives; effects on the answer's delivery (drip, stall,
disconnect, malformed or non-JSON lines, an in-stream error) apply once the request has passed
authentication and validation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, get_args

#: The in-stream error kinds, named as Anthropic names them; each API renders its own shape.
StreamErrorKind: TypeAlias = Literal[
    "overloaded_error", "api_error", "rate_limit_error", "invalid_request_error"
]


@dataclass(frozen=True)
class StatusEffect:
    status: int
    retry_after: float | None = None
    retry_after_ms: int | None = None
    should_retry: bool | None = None
    body: Any = None  # None: the route's own error body for ``status``
    message: str | None = None


@dataclass(frozen=True)
class ResetEffect:
    """Abort the TCP connection (RST) before any response byte."""


@dataclass(frozen=True)
class ExpireTokenEffect:
    """Answer 401 as for an expired credential; an OAuth access token really expires."""


@dataclass(frozen=True)
class StallEffect:
    seconds: float
    after_events: int | None  # None: before the response headers


@dataclass(frozen=True)
class DripEffect:
    delay: float


@dataclass(frozen=True)
class DisconnectEffect:
    after_events: int


@dataclass(frozen=True)
class InjectEffect:
    """Raw bytes put in the stream after ``after_events`` events (a malformed or non-JSON line)."""

    after_events: int
    raw: bytes
    kind: Literal["malformed", "non_json"]


@dataclass(frozen=True)
class StreamErrorEffect:
    kind: StreamErrorKind
    after_events: int
    message: str | None
    responses_event: Literal["response.failed", "error"]


Effect: TypeAlias = (
    StatusEffect
    | ResetEffect
    | ExpireTokenEffect
    | StallEffect
    | DripEffect
    | DisconnectEffect
    | InjectEffect
    | StreamErrorEffect
)

MALFORMED_LINE = b'data{"type": "truncated by a proxy"\n\n'
STREAM_ERROR_KINDS: tuple[str, ...] = get_args(StreamErrorKind)
RESPONSES_FAILURE_EVENTS = ("response.failed", "error")


def _non_negative(name: str, value: float) -> None:
    if not value >= 0:  # also refuses NaN
        raise ValueError(f"{name} must be zero or more, not {value!r}")


def replaces_answer(effect: Effect) -> bool:
    """Whether an effect happens instead of an answer (or before its headers), so it cannot ride
    on a script: status, reset, expired token, a stall before the headers."""
    return isinstance(effect, StatusEffect | ResetEffect | ExpireTokenEffect) or (
        isinstance(effect, StallEffect) and effect.after_events is None
    )


@dataclass(frozen=True)
class Fault:
    effects: tuple[Effect, ...]

    # -- instead of an answer --------------------------------------------------------------------

    @classmethod
    def status(
        cls,
        status: int,
        *,
        retry_after: float | None = None,
        retry_after_ms: int | None = None,
        should_retry: bool | None = None,
        body: Any = None,
        message: str | None = None,
    ) -> Fault:
        """An HTTP error (429, 500, 503, 529, ...) with the route's own error body.

        ``retry_after`` sets ``retry-after`` (seconds), ``retry_after_ms`` sets ``retry-after-ms``,
        ``should_retry`` sets ``x-should-retry``. ``body`` replaces the error body outright.
        """
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError(f"Fault.status takes an HTTP error status (400-599), not {status!r}")
        if retry_after is not None:
            _non_negative("retry_after", retry_after)
        if retry_after_ms is not None:
            _non_negative("retry_after_ms", retry_after_ms)
        return cls(
            (StatusEffect(status, retry_after, retry_after_ms, should_retry, body, message),)
        )

    @classmethod
    def reset(cls) -> Fault:
        """Reset the connection before the response headers (the client sees a connection error)."""
        return cls((ResetEffect(),))

    @classmethod
    def expired_token(cls) -> Fault:
        """401 with the API's expired-credential body; a presented OAuth token stays expired."""
        return cls((ExpireTokenEffect(),))

    # -- on the delivery of an answer ------------------------------------------------------------

    @classmethod
    def stall(cls, seconds: float, *, after_events: int | None = 0) -> Fault:
        """No bytes for ``seconds``: after ``after_events`` events, or before the headers (None)."""
        _non_negative("seconds", seconds)
        if after_events is not None:
            _non_negative("after_events", after_events)
        return cls((StallEffect(seconds, after_events),))

    @classmethod
    def drip(cls, delay: float) -> Fault:
        """Wait ``delay`` seconds between stream events."""
        _non_negative("delay", delay)
        return cls((DripEffect(delay),))

    @classmethod
    def disconnect_after(cls, events: int) -> Fault:
        """Send ``events`` events, then drop the connection (no clean end of the body).

        For a non-streaming answer the connection drops half-way through the JSON body.
        """
        _non_negative("events", events)
        return cls((DisconnectEffect(events),))

    @classmethod
    def malformed_line(cls, *, after_events: int = 1, line: bytes = MALFORMED_LINE) -> Fault:
        """Put a line that is not server-sent-event syntax into the stream."""
        return cls((InjectEffect(after_events, line, "malformed"),))

    @classmethod
    def non_json(cls, *, after_events: int = 1) -> Fault:
        """Put an event whose ``data:`` is not JSON into the stream (non-streaming: the body)."""
        return cls((InjectEffect(after_events, b"", "non_json"),))

    @classmethod
    def stream_error(
        cls,
        kind: StreamErrorKind = "overloaded_error",
        *,
        after_events: int = 2,
        message: str | None = None,
        responses_event: Literal["response.failed", "error"] = "response.failed",
    ) -> Fault:
        """End the stream with the API's in-stream error after ``after_events`` events.

        Messages: an ``error`` event; Responses: ``response.failed`` (or a bare ``error`` event);
        Chat: a ``data: {"error": ...}`` chunk. A non-streaming request gets the matching HTTP
        error instead (529 for overloaded on Messages, 500/503/429 elsewhere).
        """
        if kind not in STREAM_ERROR_KINDS:
            raise ValueError(
                f"unknown stream error kind {kind!r}: expected one of "
                + ", ".join(STREAM_ERROR_KINDS)
            )
        if responses_event not in RESPONSES_FAILURE_EVENTS:
            raise ValueError(
                f"responses_event must be 'response.failed' or 'error', not {responses_event!r}"
            )
        _non_negative("after_events", after_events)
        return cls((StreamErrorEffect(kind, after_events, message, responses_event),))

    def __add__(self, other: Fault) -> Fault:
        return Fault(self.effects + other.effects)
