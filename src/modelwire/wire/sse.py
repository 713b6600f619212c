"""An incremental Server-Sent Events decoder over raw bytes.

Bytes may be split anywhere: inside a UTF-8 character, inside ``\\r\\n``, inside a field name.
Lines end with ``\\n``, ``\\r\\n`` or ``\\r``; a frame is dispatched at a blank line. ``data``
values stay bytes (the JSON parser takes bytes), so nothing is decoded twice.

No event and no line may grow past ``max_event_bytes`` (default :data:`MAX_EVENT_BYTES`): the
limit is checked as bytes arrive, so a body that never ends a line fails with
:class:`~modelwire.common.errors.EventTooLargeError` after about that many bytes, instead of
buffering without end.
"""

from __future__ import annotations

import re
from functools import partial
from typing import NamedTuple

from ..common.errors import EventTooLargeError, StreamDecodeError

#: The default cap on one event's data (or one line), in bytes. The largest real events are the
#: Responses API's final ones, which repeat the whole answer: a 128k-token answer is about half a
#: megabyte, a generated image repeated in base64 a few megabytes (a large PNG, 20 MB). 64 MiB is
#: ten times the largest seen, and keeps the worst case (the event, its join and its parse) to
#: a few hundred megabytes of memory.
MAX_EVENT_BYTES = 64 * 1024 * 1024

_BOM = b"\xef\xbb\xbf"
_KNOWN_FIELDS = frozenset((b"data", b"event", b"id", b"retry"))


class SSEFrame(NamedTuple):
    """One dispatched event: its ``event:`` name (or None), its ``data:`` and where it began."""

    event: str | None
    data: bytes
    offset: int


# Built without NamedTuple's Python-level __new__: this runs once per event.
_frame = partial(tuple.__new__, SSEFrame)

# The frame almost every API sends: an optional event line, one data line, a blank line.
_SIMPLE_FRAME = re.compile(rb"(?:event: ?([^\n]*)\n)?(data: ?([^\n]*))\n\n")


class SSEDecoder:
    """Feed chunks with :meth:`feed`, then call :meth:`close` once at the end of the body."""

    __slots__ = (
        "_consumed",
        "_data",
        "_data_size",
        "_event",
        "_frame_offset",
        "_names",
        "_pending",
        "_pending_error",
        "_pending_size",
        "_skip_lf",
        "_started",
        "last_event_id",
        "max_event_bytes",
        "retry",
    )

    def __init__(self, *, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        if max_event_bytes < 1:
            raise ValueError(f"max_event_bytes must be at least 1, not {max_event_bytes}")
        self.max_event_bytes = max_event_bytes
        self._pending: list[bytes] = []  # bytes after the last line end, not yet decoded
        self._pending_size = 0  # their total length
        self._data_size = 0  # total length of ``_data``
        self._consumed = 0  # absolute offset of the first pending byte
        self._started = False  # BOM check done
        self._skip_lf = False  # the previous chunk ended in "\r": a leading "\n" belongs to it
        self._data: list[bytes] = []
        self._event: str | None = None
        self._frame_offset = 0  # absolute offset of the pending frame's first data line
        self._names: dict[bytes, str] = {}  # event names seen, decoded once
        self._pending_error: StreamDecodeError | None = None  # raised on the next call
        self.last_event_id: str | None = None
        self.retry: int | None = None

    def feed(self, chunk: bytes) -> list[SSEFrame]:
        """Decode one chunk of the body; returns the frames it completed (often none or one)."""
        if (
            chunk[-2:] == b"\n\n"
            and self._started
            and not self._pending
            and not self._data
            and self._event is None
            and not self._skip_lf
            and self._pending_error is None
            and len(chunk) <= self.max_event_bytes
            and b"\r" not in chunk
        ):
            # Exactly one simple frame, with nothing before it pending: what a live stream sends
            # in each chunk. The same frame as the block path finds, without its bookkeeping.
            found = _SIMPLE_FRAME.fullmatch(chunk)
            if found is not None:
                raw_name, _, data = found.groups()
                name = None
                if raw_name is not None:
                    name = self._names.get(raw_name)
                    if name is None:
                        name = self._names[raw_name] = raw_name.decode("utf-8", "replace")
                offset = self._consumed
                self._consumed = offset + len(chunk)
                return [_frame((name, data, offset + found.start(2)))]
        self._raise_pending()
        if not self._started:
            chunk = self._strip_bom(chunk)
            if not self._started:
                return []
        if self._skip_lf and chunk:
            self._skip_lf = False
            if chunk[0] == 0x0A:
                chunk = chunk[1:]
                self._consumed += 1
        end = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        if end < 0:
            # No line ends here: keep the piece without copying what came before (a long line
            # arriving in many chunks is joined once, not once per chunk).
            if chunk:
                self._pending.append(chunk)
                self._pending_size += len(chunk)
                if self._pending_size + self._data_size > self.max_event_bytes:
                    raise self._too_large()
            return []
        if self._pending:
            self._pending.append(chunk)
            buffer = b"".join(self._pending)
            self._pending.clear()
            self._pending_size = 0
            end += len(buffer) - len(chunk)
        else:
            buffer = chunk
        block = buffer if end + 1 == len(buffer) else buffer[: end + 1]
        rest = buffer[end + 1 :]
        if rest:
            self._pending.append(rest)
            self._pending_size = len(rest)
        # A final "\r" may be the first half of "\r\n" split across chunks.
        self._skip_lf = buffer[end] == 0x0D and not rest
        offset = self._consumed
        self._consumed += len(block)
        frames: list[SSEFrame] = []
        try:
            self._decode_block(block, offset, frames)
            if len(block) > self.max_event_bytes:
                # Only a block this long can hold an oversized frame or line.
                self._check_sizes(frames)
            if self._pending_size + self._data_size > self.max_event_bytes:
                raise self._too_large()
        except StreamDecodeError as error:
            if not frames:
                raise
            # The frames completed before the bad line are delivered; the error comes next.
            self._pending_error = error
        return frames

    def _too_large(self, offset: int | None = None) -> EventTooLargeError:
        """The error for an event or line past the limit; the buffers are dropped (the stream is
        over, and holding them is what the limit prevents)."""
        if offset is None:
            offset = self._frame_offset if self._data else self._consumed
        self._pending.clear()
        self._data.clear()
        self._pending_size = self._data_size = 0
        return EventTooLargeError(
            f"a server-sent event or line is larger than max_event_bytes "
            f"({self.max_event_bytes} bytes)",
            offset=offset,
            limit=self.max_event_bytes,
        )

    def _check_sizes(self, frames: list[SSEFrame]) -> None:
        limit = self.max_event_bytes
        for index, frame in enumerate(frames):
            if len(frame.data) > limit:
                del frames[index:]  # the frames before it are delivered, then the error
                raise self._too_large(frame.offset)

    def _raise_pending(self) -> None:
        error = self._pending_error
        if error is not None:
            self._pending_error = None
            raise error

    def _decode_block(self, block: bytes, offset: int, frames: list[SSEFrame]) -> list[SSEFrame]:
        """Frames in a block of whole lines: simple frames by one regex match each, anything
        else (comments, ids, multi-line data, "\\r" line ends, a frame begun in an earlier
        block) line by line."""
        if b"\r" in block:
            return self._lines(block, offset, frames)
        position = 0
        if self._data or self._event is not None:
            # The block goes on with a frame begun earlier: finish it line by line.
            if block.startswith(b"\n"):
                position = 1
            else:
                blank = block.find(b"\n\n")
                position = len(block) if blank < 0 else blank + 2
            self._lines(block[:position], offset, frames)
        match = _SIMPLE_FRAME.match
        names = self._names
        end = len(block)
        while position < end:
            found = match(block, position)
            if found is None:
                self._lines(block[position:], offset + position, frames)
                break
            raw_name, _, data = found.groups()
            name = None
            if raw_name is not None:
                name = names.get(raw_name)
                if name is None:
                    name = names[raw_name] = raw_name.decode("utf-8", "replace")
            frames.append(_frame((name, data, offset + found.start(2))))
            position = found.end()
        return frames

    def _strip_bom(self, chunk: bytes) -> bytes:
        head = b"".join(self._pending) + chunk
        self._pending.clear()
        self._pending_size = 0
        if len(head) < len(_BOM) and _BOM.startswith(head):
            if head:
                self._pending.append(head)
                self._pending_size = len(head)
            return b""
        self._started = True
        if head.startswith(_BOM):
            self._consumed += len(_BOM)
            return head[len(_BOM) :]
        return head

    def _lines(self, block: bytes, offset: int, frames: list[SSEFrame]) -> list[SSEFrame]:
        """Parse whole lines into ``frames`` (appended in place, so frames completed before a bad
        line survive the error it raises)."""
        data = self._data
        start = 0  # where the line begins in ``block``
        for raw in block.splitlines(keepends=True):
            line_start = start
            start += len(raw)
            # The line without its ending (\n, \r\n or \r; none only at the end of the body).
            end = len(raw)
            if raw[-1:] == b"\n":
                end -= 2 if raw[-2:-1] == b"\r" else 1
            elif raw[-1:] == b"\r":
                end -= 1
            if not end:
                if data:
                    joined = data[0] if len(data) == 1 else b"\n".join(data)
                    frames.append(_frame((self._event, joined, self._frame_offset)))
                    data.clear()
                    self._data_size = 0
                self._event = None
                continue
            if raw.startswith(b"data:"):
                if not data:
                    self._frame_offset = offset + line_start
                # One slice: long data lines (a whole answer) are copied once.
                data.append(raw[6:end] if raw[5:6] == b" " else raw[5:end])
                self._data_size += end - 4  # the value and the newline joining it
                if self._data_size > self.max_event_bytes:
                    raise self._too_large()
            elif raw.startswith(b"event:"):
                value = raw[6:end]
                self._event = (value[1:] if value.startswith(b" ") else value).decode(
                    "utf-8", "replace"
                )
            elif raw[0] == 0x3A:  # ":" starts a comment (keep-alive)
                continue
            else:
                self._other_field(raw[:end], offset + line_start)
        return frames

    def _other_field(self, line: bytes, offset: int) -> None:
        name, colon, value = line.partition(b":")
        if value.startswith(b" "):
            value = value[1:]
        if name not in _KNOWN_FIELDS:
            shown = line[:60].decode("utf-8", "replace")
            raise StreamDecodeError(f"not a server-sent event line: {shown!r}", offset=offset)
        if name == b"data":  # "data" with no colon: an empty data line
            if not self._data:
                self._frame_offset = offset
            self._data.append(value if colon else b"")
            # Counted with its line end: a frame of empty data lines must not grow without end.
            self._data_size += len(value) + 1
            if self._data_size > self.max_event_bytes:
                raise self._too_large()
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"id":
            if b"\0" not in value:
                self.last_event_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():
            self.retry = int(value)

    def close(self) -> list[SSEFrame]:
        """End of body. A frame left open (no blank line after it) is a truncation."""
        self._raise_pending()
        frames: list[SSEFrame] = []
        if not self._started:
            self._started = True
        if self._pending:
            # A last line without its terminator.
            tail = b"".join(self._pending)
            self._pending.clear()
            self._pending_size = 0
            offset = self._consumed
            self._consumed += len(tail)
            frames = self._lines(tail + b"\n", offset, [])
        if self._data:
            pending = b"\n".join(self._data)
            self._data.clear()
            self._data_size = 0
            if pending.strip() == b"[DONE]":
                # Some OpenAI-compatible servers end with "data: [DONE]" and no blank line.
                frames.append(SSEFrame(self._event, pending, self._frame_offset))
                return frames
            raise StreamDecodeError(
                "stream ended in the middle of an event (no blank line after its data)",
                offset=self._frame_offset,
            )
        return frames

    @property
    def position(self) -> int:
        """Bytes consumed so far."""
        return self._consumed + self._pending_size
