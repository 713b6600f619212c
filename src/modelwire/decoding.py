"""decode() / adecode(): raw body bytes of any wire API -> common events."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING

from .common.collect import Collector, self_collecting
from .common.errors import (
    ConfigurationError,
    ErrorAfterEvents,
    ModelwireError,
    StreamDecodeError,
    with_partial,
)
from .common.events import Event, ReasoningDelta, TextDelta, ToolCallArgumentsDelta
from .common.items import ApiName
from .common.response import Response
from .common.text import BLOCK
from .wire.json import SHALLOW_PAYLOAD, JSONDecodeError, fast_loads, frugal_loads
from .wire.sse import MAX_EVENT_BYTES, SSEDecoder

if TYPE_CHECKING:
    from .apis import StreamMapper

_DONE = b"[DONE]"
# What a mapper raises reading a known event whose fields are missing or of the wrong type.
_MALFORMED = (KeyError, TypeError, AttributeError, ValueError, IndexError)


def stream_mapper(api: str, *, native_only: bool = False) -> StreamMapper:
    """A fresh stream mapper for ``api`` (a name in :data:`modelwire.apis.WIRE_APIS`)."""
    # The table loads the wire API packages; on first use, so ``import modelwire`` stays cheap.
    from .apis import wire_api

    return wire_api(api).new_mapper(native_only=native_only)


class StreamDecoder:
    """Incremental: ``feed`` body chunks as they arrive, then ``finish`` once.

    Every event passes through a Collector, so ``response`` is available at any point and any
    error raised carries the partial Response. ``max_event_bytes`` caps one server-sent event (or
    line): past it, :class:`~modelwire.common.errors.EventTooLargeError`.
    """

    __slots__ = ("_done", "_mapper", "_pending_error", "_sse", "collector")

    def __init__(
        self, api: str, *, native_only: bool = False, max_event_bytes: int = MAX_EVENT_BYTES
    ) -> None:
        if max_event_bytes < 1:
            raise ConfigurationError(f"max_event_bytes must be at least 1, not {max_event_bytes}")
        self._mapper = stream_mapper(api, native_only=native_only)
        self._sse = SSEDecoder(max_event_bytes=max_event_bytes)
        self._done = False
        # An error found after some events of the same chunk: those events are delivered first,
        # the error is raised on the next call.
        self._pending_error: ModelwireError | None = None
        self.collector = Collector()

    @property
    def api(self) -> str:
        return self._mapper.api

    @property
    def response(self) -> Response:
        return self.collector.response()

    @property
    def done(self) -> bool:
        """The stream has ended (``finish`` ran, or Chat's ``[DONE]`` arrived)."""
        return self._done

    def feed(self, chunk: bytes) -> list[Event]:
        if self._pending_error is not None:
            self._raise_pending()
        if self._done:
            return []
        out: list[Event] = []
        try:
            self._map_frames(self._sse.feed(chunk), out)
        except ModelwireError as error:
            return self._fail(error, out)
        return out

    def finish(self) -> list[Event]:
        self._raise_pending()
        if self._done:
            return []
        out: list[Event] = []
        try:
            self._map_frames(self._sse.close(), out)
            if not self._done:
                out.extend(self._end())
        except ModelwireError as error:
            return self._fail(error, out)
        return out

    def _fail(self, error: ModelwireError, delivered: list[Event]) -> list[Event]:
        with_partial(error, self.collector.response())
        self._done = True
        if delivered:
            self._pending_error = error
            return delivered
        raise error

    def _raise_pending(self) -> None:
        error = self._pending_error
        if error is not None:
            self._pending_error = None
            raise error

    def _end(self, *, done: bool = False) -> list[Event]:
        self._done = True
        try:
            # ``done``: Chat's [DONE] ended the body, which completes a stream without a reason.
            events = self._mapper.finish(done=done)
        except ModelwireError:
            raise
        except _MALFORMED as error:
            raise StreamDecodeError(
                f"malformed stream: what arrived cannot be finished ({type(error).__name__}: "
                f"{error})",
                offset=self._sse.position,
            ) from error
        for event in events:
            self.collector.add(event)
        return events

    def _map_frames(
        self, frames: Iterable[tuple[str | None, bytes, int]], out: list[Event]
    ) -> None:
        mapper_map = self._mapper.map
        collector = self.collector
        add = collector.add
        # The deltas, nearly every event, go to the collector's buffers here: Collector.add and
        # TextBuffer.append would be two Python calls per event.
        text_buffer = collector.text_buffer
        reasoning_buffer = collector.reasoning_buffer
        text_parts = text_buffer.parts
        reasoning_parts = reasoning_buffer.parts
        for name, data, offset in frames:
            if data == _DONE:
                out.extend(self._end(done=True))
                break
            try:
                payload = fast_loads(data) if len(data) < SHALLOW_PAYLOAD else frugal_loads(data)
            except JSONDecodeError as error:
                raise StreamDecodeError(f"data is not JSON ({error})", offset=offset) from None
            if type(payload) is not dict:
                raise StreamDecodeError(
                    f"data is JSON but not an object: {data[:60]!r}", offset=offset
                )
            try:
                events = mapper_map(name, payload)
            except ErrorAfterEvents as signal:
                # The event's own output first, then its error (raised with them in the partial).
                for event in signal.events:
                    add(event)
                    out.append(event)
                raise signal.error from None
            except ModelwireError:
                raise
            except _MALFORMED as error:
                # A known event with a field missing or of the wrong type: the stream is not what
                # the API documents; say where, typed, instead of leaking a Python error.
                wire_type = payload.get("type") or payload.get("object") or name
                raise StreamDecodeError(
                    f"malformed {wire_type!r} event ({type(error).__name__}: {error})",
                    offset=offset,
                ) from error
            for event in events:
                if type(event) is TextDelta:
                    text_parts.append(event.text)
                    if len(text_parts) >= BLOCK:
                        text_buffer.compact()
                elif type(event) is ToolCallArgumentsDelta:
                    pass  # the collector keeps finished calls only
                elif type(event) is ReasoningDelta:
                    reasoning_parts.append(event.text)
                    if len(reasoning_parts) >= BLOCK:
                        reasoning_buffer.compact()
                else:
                    add(event)
                    continue
                if collector.api is None:
                    collector.api = event.api
            out += events


def decode(
    api: ApiName,
    chunks: Iterable[bytes],
    *,
    native_only: bool = False,
    max_event_bytes: int = MAX_EVENT_BYTES,
) -> Iterator[Event]:
    """Decode a whole body, given as chunks split anywhere, into common events.

    ``collect(decode(...))`` makes one pass: the decoder's own collector is the one asked."""
    collector = Collector()
    events = _decoded(api, chunks, native_only, max_event_bytes, collector)
    return self_collecting(events, collector)


def _decoded(
    api: ApiName,
    chunks: Iterable[bytes],
    native_only: bool,
    max_event_bytes: int,
    collector: Collector,
) -> Iterator[Event]:
    # Built on the first next(), as before: a bad argument is raised where events are read.
    decoder = StreamDecoder(api, native_only=native_only, max_event_bytes=max_event_bytes)
    decoder.collector = collector
    feed = decoder.feed
    for chunk in chunks:
        yield from feed(chunk)
        if decoder.done:
            break
    yield from decoder.finish()


async def adecode(
    api: ApiName,
    chunks: AsyncIterable[bytes],
    *,
    native_only: bool = False,
    max_event_bytes: int = MAX_EVENT_BYTES,
) -> AsyncIterator[Event]:
    """The async twin of :func:`decode`."""
    decoder = StreamDecoder(api, native_only=native_only, max_event_bytes=max_event_bytes)
    feed = decoder.feed
    async for chunk in chunks:
        for event in feed(chunk):
            yield event
        if decoder.done:
            break
    for event in decoder.finish():
        yield event
