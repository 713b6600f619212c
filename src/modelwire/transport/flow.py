"""One call as a state machine without I/O, in the spirit of h11 and httpx's ``auth_flow``.

:meth:`CallFlow.run` is a generator. It yields what to do next (:class:`Send` a request,
:class:`ReadBody` of an error answer, :class:`ReadChunk` of a stream, :class:`Sleep` before a
retry, run :class:`Blocking` work such as a token refresh, :class:`Deliver` events to the caller)
and receives the outcome (an :class:`Answer`, bytes, None at the end of the body) or, thrown in,
the transport error. Every decision lives here, once: retries and their backoff, the refresh after
a 401, the total deadline, and whether anything was delivered yet. A sync and an async driver
(``modelwire.client``) only perform the I/O.

Two rules the flow keeps:

- nothing reaches the caller before the attempt is committed: the RateLimits read from the
  headers are held back until the first event of the body, so a retry before it never shows the
  caller a second RateLimits (or anything twice);
- ``Timeouts.total`` is a real deadline: every wait it asks for (connect, headers, each read,
  the sleep before a retry) is clipped to what remains of it, so a silent server cannot hold a
  call past it.

And what each transport edge becomes (docs/transport.md has the table): a 3xx is a
RedirectError, never followed; an error answer's body is read up to ``MAX_ERROR_BODY_BYTES``,
and if it breaks off, stalls or does not decode, the status still decides (its error, retried
where the status is); a stream whose content-encoding does not decode is a ContentDecodingError,
not retried.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Final, TypeAlias
from urllib.parse import urlsplit

import httpx2

from ..apis.base import OutgoingRequest, WireApi
from ..auth.base import Auth
from ..auth.errors import SubscriptionRefusedError
from ..bodies import MAX_BODY_BYTES, BodyTooLargeError, body_events, decode_answer
from ..common.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ContentDecodingError,
    ModelwireError,
    RedirectError,
    StreamInterruptedError,
    shortened,
)
from ..common.events import Event
from ..common.response import Response
from ..decoding import StreamDecoder
from ..logs import LOGGER_NAME, header_names, redacted_url
from ..wire.json import dumps, loads
from ..wire.sse import MAX_EVENT_BYTES
from .retry import RetryPolicy, retry_after, should_retry

log = logging.getLogger(LOGGER_NAME)

#: A timeout that fires this close to the deadline is the deadline's (the waits are clipped to it).
_DEADLINE_SLACK = 0.05

#: The most of an error answer's body that is read (decoded bytes): a message and its details
#: fit in far less, and a hostile or runaway body must not cost more memory than this.
MAX_ERROR_BODY_BYTES = 1024 * 1024

#: What a driver reports with :meth:`Steps.fail`: the transport broke, or the body's
#: content-encoding (gzip, deflate...) does not decode.
WireFault: TypeAlias = httpx2.TransportError | httpx2.DecodingError
WIRE_FAULTS = (httpx2.TransportError, httpx2.DecodingError)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds. ``read`` is also the stream idle timeout: the longest silence between bytes.
    ``total`` bounds a whole call, retries included (None: no bound); it holds against a server
    that goes silent, before the headers or mid-stream."""

    connect: float = 10.0
    read: float = 600.0
    write: float = 60.0
    pool: float = 30.0
    total: float | None = None

    def httpx(self, remaining: float | None = None) -> httpx2.Timeout:
        """These timeouts for httpx2, each clipped to ``remaining`` seconds when given."""

        def clip(value: float) -> float:
            return value if remaining is None else max(0.0, min(value, remaining))

        return httpx2.Timeout(
            connect=clip(self.connect),
            read=clip(self.read),
            write=clip(self.write),
            pool=clip(self.pool),
        )


# -- what the flow asks a driver to do ------------------------------------------------------------


@dataclass(slots=True)
class Send:
    """Send ``request`` (body ``content``) and answer with an :class:`Answer` once the headers are
    in. ``deadline`` (seconds, None: none) bounds the wait; ``timeout`` are the timeouts clipped
    to it (None: the HTTP client's own)."""

    request: OutgoingRequest
    content: bytes
    timeout: httpx2.Timeout | None
    deadline: float | None


@dataclass(slots=True)
class ReadBody:
    """Read the body of the current answer (an error answer), at most ``limit`` bytes of it
    (decoded), within ``deadline`` seconds (None: only the read timeout applies); answer with the
    bytes."""

    deadline: float | None
    limit: int = MAX_ERROR_BODY_BYTES


@dataclass(slots=True)
class ReadChunk:
    """Read the next chunk of the current answer's body; answer with bytes, or None at its end.
    ``deadline``: seconds the read may take at most (None: only the read timeout applies)."""

    deadline: float | None


#: The read of a call without a total timeout, the same every chunk (a stream reads thousands).
_READ_UNTIMED: Final = ReadChunk(None)


@dataclass(slots=True)
class Sleep:
    """Wait before the next attempt."""

    seconds: float


@dataclass(slots=True)
class Blocking:
    """Run ``work`` (it may block: a token refresh) and answer with what it returns; an async
    driver runs it in a worker thread so the event loop never blocks."""

    work: Callable[[], Any]


@dataclass(slots=True)
class Deliver:
    """Give these events to the caller, in order; answer with None."""

    events: list[Event]


Action: TypeAlias = Send | ReadBody | ReadChunk | Sleep | Blocking | Deliver


@dataclass(frozen=True, slots=True)
class Answer:
    """What the driver answers a :class:`Send` with: the status line and the headers."""

    status: int
    headers: Mapping[str, str]


Flow: TypeAlias = Generator[Action, Any, None]


class Steps:
    """Walks a flow for a driver: ``next()`` is the next action (None when the call is over),
    after which the driver reports the outcome with ``answer`` or the transport error with
    ``fail``. Errors the flow raises (typed modelwire errors) propagate out of ``next()``."""

    __slots__ = ("_failure", "_flow", "_outcome", "_started")

    def __init__(self, flow: Flow) -> None:
        self._flow = flow
        self._started = time.monotonic()
        self._outcome: Any = None
        self._failure: WireFault | None = None

    def next(self) -> Action | None:
        failure, self._failure = self._failure, None
        outcome, self._outcome = self._outcome, None
        try:
            if failure is not None:
                return self._flow.throw(failure)
            return self._flow.send(outcome)
        except StopIteration:
            return None
        except ModelwireError as error:
            # The type and status only: a message may quote the server's words.
            status = getattr(error, "status", None)
            elapsed = time.monotonic() - self._started
            log.info(
                "call failed after %.2fs: %s%s",
                elapsed,
                type(error).__name__,
                f" (HTTP {status})" if status is not None else "",
                extra={"status": status, "elapsed": elapsed},
            )
            raise

    def answer(self, outcome: Any) -> None:
        self._outcome = outcome

    def fail(self, error: WireFault) -> None:
        self._failure = error

    def close(self) -> None:
        self._flow.close()


class CallFlow:
    """One call: ``run()`` is the flow; ``response`` what its current attempt collected.

    ``api`` speaks the wire format, ``auth`` supplies credentials and refresh, ``retry`` and
    ``timeouts`` bound the effort, ``max_event_bytes`` one event of the stream. ``clock`` is the
    monotonic clock (tests may pass their own).

    A 200 answer is read as the server labels it, whatever was asked: ``text/event-stream`` as a
    stream, ``application/json`` as one whole body (at most ``max_body_bytes``) decoded with the
    API's body decoder, whose Response is delivered as :func:`~modelwire.bodies.body_events`. An
    answer with neither label is read as what the request asked for (``stream``). ``read_json``
    replaces the body decoder for an endpoint whose answer is not a Response (token counting); what
    it returns is ``result``. ``explicit_timeouts`` sends ``timeouts`` with every request (they
    differ from the HTTP client's own: set per call or with ``with_options``).
    """

    __slots__ = (
        "_api",
        "_auth",
        "_clock",
        "_deadline",
        "_decoder",
        "_explicit_timeouts",
        "_max_body_bytes",
        "_max_event_bytes",
        "_read_json",
        "_request",
        "_retry",
        "_started",
        "_stream",
        "_timeouts",
        "_whole",
        "result",
    )

    def __init__(
        self,
        api: WireApi,
        auth: Auth,
        request: OutgoingRequest,
        *,
        retry: RetryPolicy,
        timeouts: Timeouts,
        clock: Callable[[], float] = time.monotonic,
        stream: bool = True,
        explicit_timeouts: bool = False,
        max_body_bytes: int = MAX_BODY_BYTES,
        read_json: Callable[[bytes], Any] | None = None,
        max_event_bytes: int = MAX_EVENT_BYTES,
    ) -> None:
        self._api = api
        self._max_event_bytes = max_event_bytes
        self._auth = auth
        self._request = request
        self._retry = retry
        self._clock = clock
        self._timeouts = timeouts
        self._started = clock()
        self._deadline = None if timeouts.total is None else self._started + timeouts.total
        self._decoder: StreamDecoder | None = None
        self._stream = stream
        self._explicit_timeouts = explicit_timeouts
        self._max_body_bytes = max_body_bytes
        self._read_json = read_json
        self._whole: Response | None = None
        #: What ``read_json`` made of the answer (None before it, and without one).
        self.result: Any = None

    @property
    def response(self) -> Response:
        """The collected Response (partial, ``complete=False``, before the end)."""
        if self._whole is not None:
            return self._whole
        if self._decoder is None:
            return Response(api=self._api.name)
        return self._decoder.response

    def run(self) -> Flow:
        auth, request = self._auth, self._request
        attempt = 0
        refreshed = False
        content = _encode(request)
        while True:
            if auth.refresh_due():
                yield Blocking(partial(auth.prepare, request))
            else:
                auth.prepare(request)
            self._log_request(request, content, attempt)
            sent_at = self._clock()
            remaining = self._remaining()
            try:
                clipped = (
                    self._timeouts.httpx(remaining)
                    if remaining is not None or self._explicit_timeouts
                    else None
                )
                answer: Answer = yield Send(request, content, clipped, remaining)
            except httpx2.LocalProtocolError:
                # A header h11 refuses: the same request would be refused again. Its message
                # quotes the header's value (it may be a credential): neither kept nor chained.
                raise APIConnectionError(
                    "the request could not be sent: a header name or value is not valid HTTP "
                    "(LocalProtocolError)"
                ) from None
            except httpx2.TransportError as error:
                self._raise_if_past_deadline(error)
                delay = self._delay(attempt, None)
                if delay is None:
                    raise _connection_error(error, request.url, partial=None) from error
                self._log_retry(delay, attempt, type(error).__name__)
                attempt += 1
                yield Sleep(delay)
                continue
            self._log_answer(request, answer, attempt, self._clock() - sent_at)
            if 300 <= answer.status < 400:
                raise _redirect_error(answer)
            if answer.status >= 400:
                try:
                    body: bytes = yield ReadBody(self._remaining())
                except WIRE_FAULTS as error:
                    # The status is known; only its details are lost: the status decides.
                    self._raise_if_past_deadline(error)
                    broken = self._broken_error_body(answer, error)
                    delay = (
                        self._delay(attempt, answer.headers)
                        if should_retry(answer.status, answer.headers)
                        else None
                    )
                    if delay is None:
                        raise broken from error
                    self._log_retry(delay, attempt, f"HTTP {answer.status}")
                    attempt += 1
                    yield Sleep(delay)
                    continue
                if answer.status == 401 and not refreshed:
                    refreshed = True
                    if (yield Blocking(partial(auth.handle_unauthorized, request))):
                        continue
                error_answer = auth.explain(self._error_for(answer.status, answer.headers, body))
                retryable = should_retry(answer.status, answer.headers) and not isinstance(
                    error_answer, SubscriptionRefusedError
                )
                delay = self._delay(attempt, answer.headers) if retryable else None
                if delay is None:
                    raise error_answer
                self._log_retry(delay, attempt, f"HTTP {answer.status}")
                attempt += 1
                yield Sleep(delay)
                continue
            if self._answers_json(answer.headers):
                try:
                    whole = yield from self._read_whole()
                except httpx2.TransportError as error:
                    # Nothing was delivered yet: a broken body is retried like a failed send.
                    self._raise_if_past_deadline(error)
                    delay = self._delay(attempt, None)
                    if delay is None:
                        raise _connection_error(error, request.url, partial=None) from error
                    self._log_retry(delay, attempt, type(error).__name__)
                    attempt += 1
                    yield Sleep(delay)
                    continue
                except httpx2.DecodingError as error:
                    # Corrupt compressed bytes come back the same on a retry: not retried.
                    raise ContentDecodingError(
                        f"the body's content-encoding "
                        f"({answer.headers.get('content-encoding', 'none')}) does not decode: "
                        f"{error}",
                        offset=0,
                    ) from error
                yield from self._deliver_whole(whole, answer.headers)
                log.info(
                    "call done in %.2fs: %d body bytes (attempt %d)",
                    self._clock() - self._started,
                    len(whole),
                    attempt + 1,
                    extra={"attempt": attempt + 1, "elapsed": self._clock() - self._started},
                )
                return
            decoder = self._decoder = StreamDecoder(
                self._api.name, max_event_bytes=self._max_event_bytes
            )
            # Held back until the body's first event commits this attempt (see the module doc).
            held: list[Event] = []
            limits = self._api.rate_limits(self._api.name, answer.headers)
            if limits is not None:
                decoder.collector.add(limits)
                held.append(limits)
            delivered = False
            received = 0  # decoded body bytes, where a content-encoding fault is reported
            timed = self._deadline is not None
            feed = decoder.feed
            try:
                while True:
                    chunk: bytes | None = yield (
                        ReadChunk(self._remaining()) if timed else _READ_UNTIMED
                    )
                    if chunk is None:
                        break
                    received += len(chunk)
                    events = feed(chunk)
                    if events:
                        if held:
                            events = held + events
                            held = []
                        delivered = True
                        yield Deliver(events)
                    if decoder.done:
                        break
                    if timed:
                        self._raise_if_past_deadline(None)
                yield Deliver(held + decoder.finish())
                log.info(
                    "call done in %.2fs: %d body bytes (attempt %d)",
                    self._clock() - self._started,
                    received,
                    attempt + 1,
                    extra={"attempt": attempt + 1, "elapsed": self._clock() - self._started},
                )
                return
            except httpx2.TransportError as error:
                partial_response = decoder.response if delivered else None
                self._raise_if_past_deadline(error, partial_response)
                if not delivered:
                    delay = self._delay(attempt, None)
                    if delay is not None:
                        self._log_retry(delay, attempt, type(error).__name__)
                        attempt += 1
                        yield Sleep(delay)
                        continue
                raise _connection_error(error, request.url, partial=partial_response) from error
            except httpx2.DecodingError as error:
                # Corrupt compressed bytes come back the same on a retry: not retried.
                raise ContentDecodingError(
                    f"the body's content-encoding "
                    f"({answer.headers.get('content-encoding', 'none')}) does not decode: {error}",
                    offset=received,
                    partial=decoder.response,
                ) from error

    # -- the log (see modelwire.logs: what is logged, never a header value) ----------------------

    def _log_request(self, request: OutgoingRequest, content: bytes, attempt: int) -> None:
        if not log.isEnabledFor(logging.DEBUG):
            return
        extra = {"attempt": attempt + 1, "method": "POST", "url": redacted_url(request.url)}
        log.debug("POST %s (attempt %d)", extra["url"], attempt + 1, extra=extra)
        log.debug(
            "request headers (values not logged): %s; body %d bytes",
            header_names(request.headers),
            len(content),
            extra={"attempt": attempt + 1},
        )

    def _log_answer(
        self, request: OutgoingRequest, answer: Answer, attempt: int, elapsed: float
    ) -> None:
        request_id = _request_id(answer.headers)
        log.info(
            "POST %s -> HTTP %d in %.2fs (attempt %d%s)",
            redacted_url(request.url),
            answer.status,
            elapsed,
            attempt + 1,
            f", request id {request_id}" if request_id else "",
            extra={
                "attempt": attempt + 1,
                "status": answer.status,
                "request_id": request_id,
                "elapsed": elapsed,
            },
        )

    def _log_retry(self, delay: float, attempt: int, reason: str) -> None:
        """``attempt`` is the attempt that failed (from 0); the record names the next one."""
        log.info(
            "retrying in %.2fs after %s (attempt %d of %d next)",
            delay,
            reason,
            attempt + 2,
            self._retry.max_retries + 1,
            extra={"retry_delay": delay, "retry_reason": reason, "attempt": attempt + 2},
        )

    # -- a whole (JSON) answer ---------------------------------------------------------------------

    def _answers_json(self, headers: Mapping[str, str]) -> bool:
        if self._read_json is not None:
            return True  # an endpoint that only answers JSON: whatever else comes is not JSON
        media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
        if media_type == "text/event-stream":
            return False
        if media_type == "application/json" or media_type.endswith("+json"):
            return True
        return not self._stream

    def _read_whole(self) -> Generator[Action, Any, bytes]:
        """The whole body, read chunk by chunk within the deadline and ``max_body_bytes``."""
        chunks: list[bytes] = []
        size = 0
        limit = self._max_body_bytes
        while True:
            chunk: bytes | None = yield ReadChunk(self._remaining())
            if chunk is None:
                return b"".join(chunks)
            size += len(chunk)
            if size > limit:
                raise BodyTooLargeError(
                    f"the {self._api.name} JSON body is larger than {limit} bytes", limit=limit
                )
            chunks.append(chunk)
            self._raise_if_past_deadline(None)

    def _deliver_whole(self, body: bytes, headers: Mapping[str, str]) -> Flow:
        if self._read_json is not None:
            self.result = self._read_json(body)
            return
        response = decode_answer(self._api, body)
        self._whole = response
        limits = self._api.rate_limits(self._api.name, headers)
        events = body_events(response)
        yield Deliver([limits, *events] if limits is not None else events)

    # -- decisions -------------------------------------------------------------------------------

    def _remaining(self) -> float | None:
        if self._deadline is None:
            return None
        return max(0.0, self._deadline - self._clock())

    def _delay(self, attempt: int, headers: Mapping[str, str] | None) -> float | None:
        """Seconds to wait before retry number ``attempt + 1``, or None when the budget is spent,
        the server asks for a longer wait than a call makes, or the wait would pass the deadline."""
        if attempt >= self._retry.max_retries:
            return None
        delay = (
            self._retry.delay(attempt, headers)
            if headers is not None
            else self._retry.backoff(attempt)
        )
        if delay is None:
            return None
        remaining = self._remaining()
        if remaining is not None and delay > remaining:
            return None
        return delay

    def _raise_if_past_deadline(
        self, error: BaseException | None, partial: Response | None = None
    ) -> None:
        remaining = self._remaining()
        if remaining is None or remaining > (_DEADLINE_SLACK if error is not None else 0.0):
            return
        if partial is None and error is None and self._decoder is not None:
            partial = self._decoder.response
        raise APITimeoutError(
            f"the call took longer than the total timeout ({self._timeouts.total}s)",
            partial=partial,
        ) from error

    def _error_for(self, status: int, headers: Mapping[str, str], body: bytes) -> APIError:
        payload: Any
        try:
            payload = loads(body) if body else None
        except ValueError:
            payload = body.decode("utf-8", "replace")
        request_id = _request_id(headers)
        return self._api.error_from_body(
            status, payload, request_id=request_id, retry_after=retry_after(headers)
        )

    def _broken_error_body(self, answer: Answer, error: WireFault) -> APIError:
        """The error for an error answer whose body broke off, stalled or does not decode: the
        status's class, the fault in the message."""
        broken = self._error_for(answer.status, answer.headers, b"")
        broken.message = f"{broken.message} (its body could not be read: {_fault_text(error)})"
        broken.args = (broken.message,)
        return broken


def _request_id(headers: Mapping[str, str]) -> str | None:
    return headers.get("x-request-id") or headers.get("request-id")


def _fault_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _redirect_error(answer: Answer) -> RedirectError:
    location = answer.headers.get("location")
    where = f" to {shortened(location, 300)}" if location else ""
    return RedirectError(
        f"the server redirected the request{where}; modelwire does not follow redirects "
        "(check base_url)",
        status=answer.status,
        location=location,
        request_id=_request_id(answer.headers),
    )


def _encode(request: OutgoingRequest) -> bytes:
    return dumps(request.body)


def _connection_error(
    error: httpx2.TransportError, url: str, *, partial: Response | None
) -> ModelwireError:
    host = _host(url)
    if isinstance(error, httpx2.TimeoutException):
        kind = "stream idle" if isinstance(error, httpx2.ReadTimeout) else "connection"
        return APITimeoutError(
            f"{kind} timeout talking to {host}: {error or type(error).__name__}", partial=partial
        )
    if partial is not None:
        return StreamInterruptedError(
            f"the connection to {host} broke mid-stream ({type(error).__name__}: {error})",
            partial=partial,
        )
    return APIConnectionError(f"could not reach {host} ({type(error).__name__}: {error})")


def _host(url: str) -> str:
    """Where a request went, as an error names it: host and port, no credentials."""
    parts = urlsplit(url)
    host = parts.hostname or "the server"
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    try:
        port = parts.port
    except ValueError:
        port = None
    return host if port is None else f"{host}:{port}"
