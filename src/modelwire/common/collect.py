"""collect(): the accumulator that turns any sequence of common events into a Response."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from weakref import WeakKeyDictionary

from .events import (
    Completed,
    Created,
    Event,
    ItemDone,
    ReasoningDelta,
    ReasoningPartAdded,
    RefusalDelta,
    TextDelta,
    ToolCallArgumentsDelta,
    ToolCallDone,
    UsageUpdate,
)
from .items import Item, ToolCall
from .response import Response, StopReason
from .text import TextBuffer
from .usage import Usage


class Collector:
    """Accumulates events one at a time; ``response()`` is a snapshot at any point.

    Live streams feed every event through one of these, so an error mid-stream can carry what was
    collected so far.
    """

    __slots__ = (
        "_completed",
        "_reasoning",
        "_refusal",
        "_text",
        "api",
        "id",
        "items",
        "model",
        "tool_calls",
        "usage",
    )

    def __init__(self) -> None:
        self.api: str | None = None
        self.id: str | None = None
        self.model: str | None = None
        self._text = TextBuffer()
        self._reasoning = TextBuffer()
        self._refusal = TextBuffer()
        self.tool_calls: list[ToolCall] = []
        self.items: list[Item] = []
        self.usage: Usage | None = None
        self._completed: Completed | None = None

    def add(self, event: Event) -> None:
        # Ordered by how often each event arrives; ``type(event) is`` narrows for the type
        # checker without a runtime ``cast`` call.
        if type(event) is TextDelta:
            self._text.append(event.text)
        elif type(event) is ReasoningDelta:
            self._reasoning.append(event.text)
        elif type(event) is ToolCallArgumentsDelta:
            pass
        elif type(event) is ReasoningPartAdded:
            if self._reasoning:
                self._reasoning.append("\n\n")
        elif type(event) is ItemDone:
            self.items.append(event.item)
        elif type(event) is ToolCallDone:
            self.tool_calls.append(event.call)
        elif type(event) is RefusalDelta:
            self._refusal.append(event.text)
        elif type(event) is UsageUpdate:
            self.usage = event.usage
        elif type(event) is Created:
            self.api = event.api
            self.id = event.response_id or self.id
            self.model = event.model or self.model
        elif type(event) is Completed:
            self._completed = event
            self.api = event.api
            self.id = event.response_id or self.id
            self.usage = event.usage
        if self.api is None:
            self.api = event.api

    @property
    def text_buffer(self) -> TextBuffer:
        """The answer text so far; the stream decoder appends TextDelta text here itself."""
        return self._text

    @property
    def reasoning_buffer(self) -> TextBuffer:
        """The reasoning so far; the stream decoder appends ReasoningDelta text here itself."""
        return self._reasoning

    def response(self) -> Response:
        completed = self._completed
        stop_reason: StopReason | None = completed.stop_reason if completed else None
        return Response(
            id=self.id,
            model=self.model,
            api=self.api,
            text=self._text.getvalue(),
            reasoning=self._reasoning.getvalue(),
            refusal=self._refusal.getvalue(),
            tool_calls=list(self.tool_calls),
            usage=self.usage if self.usage is not None else Usage(),
            stop_reason=stop_reason,
            native_stop_reason=completed.native_stop_reason if completed else None,
            items=list(self.items),
            complete=completed is not None,
            final=completed.final if completed else None,
            final_schema=completed.final_schema if completed else None,
        )


#: Event iterators that already feed every event they yield through a Collector (``decode``'s):
#: ``collect`` drains them and asks that collector, instead of adding each event a second time.
_SELF_COLLECTING: WeakKeyDictionary[Iterator[Event], Collector] = WeakKeyDictionary()


def self_collecting(events: Iterator[Event], collector: Collector) -> Iterator[Event]:
    """Mark ``events`` as an iterator that adds each event it yields to ``collector`` (and to
    nothing else) before yielding it; returns ``events``."""
    _SELF_COLLECTING[events] = collector
    return events


def collect(events: Iterable[Event]) -> Response:
    """Accumulate a whole event sequence into a Response."""
    try:
        known: Collector | None = _SELF_COLLECTING.pop(events, None)  # type: ignore[call-overload]
    except TypeError:  # not weakly referenceable, or unhashable: an ordinary iterable
        known = None
    if known is not None and not _started(events):
        for _ in events:
            pass
        return known.response()
    collector = Collector()
    add = collector.add
    for event in events:
        add(event)
    return collector.response()


def _started(events: object) -> bool:
    """Whether a generator has yielded already (its earlier events are in its collector, but not
    in what ``collect`` was given)."""
    return bool(getattr(events, "gi_suspended", True) or getattr(events, "gi_running", True))
