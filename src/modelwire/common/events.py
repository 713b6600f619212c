"""The common event stream: one vocabulary that all three wire APIs are mapped into.

Events are small slotted objects built on the hot path without validation. Each keeps the wire
payload it came from; ``.native`` validates that payload into the generated model on first access
and caches it, so the typed provider event is always one attribute away.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, cast

from .items import Item, ToolCall
from .native import validate_event
from .response import StopReason
from .usage import Usage

if TYPE_CHECKING:
    from pydantic import BaseModel


class Event:
    """Base of every common event.

    Subclasses set the base fields themselves instead of calling ``super().__init__``: events are
    built once per wire event, and the extra call was a measurable share of decoding. The
    ``_native`` slot stays unset until ``native`` is first read (one store less per event).
    """

    __slots__ = ("_native", "api", "raw")

    api: str
    #: The wire payload. A Mapping to the type checker, so the mappers' TypedDict views of the
    #: wire JSON (modelwire.native.<api>.wire) pass as they are; every decoder hands a dict.
    raw: Mapping[str, Any]
    _native: BaseModel | dict[str, Any]

    def __init__(self, api: str, raw: Mapping[str, Any]) -> None:
        self.api = api
        self.raw = raw

    @property
    def wire_type(self) -> str:
        """The wire name of the producing event (``chat.completion.chunk`` for Chat)."""
        name = self.raw.get("type") or self.raw.get("object")
        return name if isinstance(name, str) else "unknown"

    @property
    def native(self) -> BaseModel | dict[str, Any]:
        """The producing wire event as its generated model (validated once, on first access)."""
        try:
            result: BaseModel | dict[str, Any] = self._native
        except AttributeError:  # first access
            payload = cast("dict[str, Any]", self.raw)
            result = self._native = validate_event(self.api, self.wire_type, payload)
        return result

    def fields(self) -> dict[str, Any]:
        """The event's own fields (not the wire payload), for display, comparison and JSON."""
        names = [n for cls in type(self).__mro__ for n in getattr(cls, "__slots__", ())]
        hidden = ("api", "raw", "final", "final_schema")
        return {n: getattr(self, n) for n in names if not n.startswith("_") and n not in hidden}

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.fields().items())
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and isinstance(other, Event)
            and self.fields() == other.fields()
            and self.api == other.api
        )

    __hash__ = None  # type: ignore[assignment]


class Created(Event):
    """The API accepted the request and started answering."""

    __slots__ = ("model", "response_id")

    def __init__(
        self, api: str, raw: Mapping[str, Any], response_id: str | None, model: str | None
    ) -> None:
        self.api = api
        self.raw = raw
        self.response_id = response_id
        self.model = model


class TextDelta(Event):
    """A fragment of assistant output text; ``index`` is its output item / content block."""

    __slots__ = ("index", "text")

    def __init__(self, api: str, raw: Mapping[str, Any], text: str, index: int) -> None:
        self.api = api
        self.raw = raw
        self.text = text
        self.index = index


class RefusalDelta(Event):
    """A fragment of a refusal: the model declined and explains why."""

    __slots__ = ("index", "text")

    def __init__(self, api: str, raw: Mapping[str, Any], text: str, index: int) -> None:
        self.api = api
        self.raw = raw
        self.text = text
        self.index = index


class ReasoningDelta(Event):
    """A fragment of reasoning: ``reasoning_kind="summary"`` (Responses summaries) or
    ``"content"`` (raw reasoning text, Messages thinking, Chat ``reasoning_content``). ``part``:
    the summary part."""

    __slots__ = ("index", "part", "reasoning_kind", "text")

    def __init__(
        self,
        api: str,
        raw: Mapping[str, Any],
        text: str,
        reasoning_kind: Literal["summary", "content"],
        index: int,
        part: int = 0,
    ) -> None:
        self.api = api
        self.raw = raw
        self.text = text
        self.reasoning_kind = reasoning_kind
        self.index = index
        self.part = part


class ReasoningPartAdded(Event):
    """A new reasoning summary part begins (Responses)."""

    __slots__ = ("index", "part")

    def __init__(self, api: str, raw: Mapping[str, Any], index: int, part: int) -> None:
        self.api = api
        self.raw = raw
        self.index = index
        self.part = part


class ToolCallStarted(Event):
    """The model began a call to one of the caller's tools."""

    __slots__ = ("call_kind", "id", "index", "name")

    def __init__(
        self,
        api: str,
        raw: Mapping[str, Any],
        id: str,
        name: str,
        index: int,
        call_kind: Literal["function", "custom"] = "function",
    ) -> None:
        self.api = api
        self.raw = raw
        self.id = id
        self.name = name
        self.index = index
        self.call_kind = call_kind


class ToolCallArgumentsDelta(Event):
    """A fragment of a tool call's arguments (JSON text; free text for custom tools)."""

    __slots__ = ("delta", "id", "index")

    def __init__(self, api: str, raw: Mapping[str, Any], id: str, delta: str, index: int) -> None:
        self.api = api
        self.raw = raw
        self.id = id
        self.delta = delta
        self.index = index


class ToolCallDone(Event):
    """A tool call is complete; ``call`` has the parsed arguments."""

    __slots__ = ("call", "index")

    def __init__(self, api: str, raw: Mapping[str, Any], call: ToolCall, index: int) -> None:
        self.api = api
        self.raw = raw
        self.call = call
        self.index = index

    @property
    def id(self) -> str:
        return self.call.id

    @property
    def name(self) -> str:
        return self.call.name

    @property
    def arguments(self) -> dict[str, Any]:
        return self.call.arguments


class HostedToolCall(Event):
    """A tool the API runs itself changed status (``in_progress``, ``searching``, ...); the
    finished call arrives as a :class:`~modelwire.common.items.HostedToolCallItem` in ItemDone."""

    __slots__ = ("id", "index", "name", "status")

    def __init__(
        self, api: str, raw: Mapping[str, Any], id: str, name: str, status: str, index: int
    ) -> None:
        self.api = api
        self.raw = raw
        self.id = id
        self.name = name
        self.status = status
        self.index = index


class ItemDone(Event):
    """An output item is finished: exactly what goes back into the next request."""

    __slots__ = ("index", "item")

    def __init__(self, api: str, raw: Mapping[str, Any], item: Item, index: int) -> None:
        self.api = api
        self.raw = raw
        self.item = item
        self.index = index


class RateLimits(Event):
    """Rate-limit state read from the response headers (``raw`` holds the headers used)."""

    __slots__ = (
        "limit_requests",
        "limit_tokens",
        "remaining_requests",
        "remaining_tokens",
        "reset_requests",
        "reset_tokens",
    )

    def __init__(
        self,
        api: str,
        raw: Mapping[str, Any],
        *,
        limit_requests: int | None = None,
        remaining_requests: int | None = None,
        reset_requests: str | None = None,
        limit_tokens: int | None = None,
        remaining_tokens: int | None = None,
        reset_tokens: str | None = None,
    ) -> None:
        self.api = api
        self.raw = raw
        self.limit_requests = limit_requests
        self.remaining_requests = remaining_requests
        self.reset_requests = reset_requests
        self.limit_tokens = limit_tokens
        self.remaining_tokens = remaining_tokens
        self.reset_tokens = reset_tokens

    @property
    def native(self) -> dict[str, Any]:
        return cast("dict[str, Any]", self.raw)  # a dict: see Event.raw


class Completed(Event):
    """The API finished the response."""

    __slots__ = (
        "final",
        "final_schema",
        "native_stop_reason",
        "response_id",
        "stop_reason",
        "usage",
    )

    def __init__(
        self,
        api: str,
        raw: Mapping[str, Any],
        response_id: str | None,
        usage: Usage,
        stop_reason: StopReason,
        native_stop_reason: str | None,
        final: dict[str, Any] | None = None,
        final_schema: str | None = None,
    ) -> None:
        self.api = api
        self.raw = raw
        self.response_id = response_id
        self.usage = usage
        self.stop_reason = stop_reason
        self.native_stop_reason = native_stop_reason
        #: The API's final object as wire JSON (Responses ``response``, Messages ``message``
        #: assembled from the stream, Chat's aggregated completion) and its schema name.
        self.final = final
        self.final_schema = final_schema


class UsageUpdate(Event):
    """Token usage reported before the end (Messages ``message_start`` / ``message_delta``)."""

    __slots__ = ("usage",)

    def __init__(self, api: str, raw: Mapping[str, Any], usage: Usage) -> None:
        self.api = api
        self.raw = raw
        self.usage = usage


class NativeOnly(Event):
    """A known wire event with no common meaning (``ping``, ``response.in_progress``...).

    Emitted only when decoding with ``native_only=True``; ``type`` is its wire name."""

    __slots__ = ("type",)

    def __init__(self, api: str, raw: Mapping[str, Any], type: str) -> None:
        self.api = api
        self.raw = raw
        self.type = type


class Unknown(Event):
    """A wire event the schemas do not know. ``native`` is its raw JSON; the stream goes on."""

    __slots__ = ("type",)

    def __init__(self, api: str, raw: Mapping[str, Any], type: str) -> None:
        self.api = api
        self.raw = raw
        self.type = type

    @property
    def native(self) -> dict[str, Any]:
        return cast("dict[str, Any]", self.raw)  # a dict: see Event.raw
