"""OpenAI Responses stream mapping: ``response.*`` and ``error`` events -> the common event stream.

The Responses API already streams in the common shape (it is the seed of it), so most events map
one to one. Three things need state: function and custom tool calls (argument deltas carry the
output item's ``item_id`` and ``output_index`` but not the ``call_id`` the caller must answer
with), the stop reason (the API says ``completed`` even when it stopped to call tools), and whether
a completion event arrived at all.

Every event is read straight from the decoded dict and dispatched on its ``type`` through a table
of bound methods; nothing is validated on this path (``event.native`` does that on demand) beyond
the JSON types the mapping relies on. Compatible servers (LiteLLM, proxies) leave out fields the
API always sends: a missing or mistyped ``output_index`` is the index of the item named by
``item_id``, else of the item being streamed; a missing ``summary_index`` is the summary part
being streamed; ids and names that are not strings are absent. Text that is not a string (nor
null) makes the event malformed: a typed decode error with the partial Response, never a wrong
answer that looks right.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal

from ...common.arguments import parse_tool_arguments
from ...common.errors import StreamInterruptedError
from ...common.events import (
    Completed,
    Created,
    Event,
    HostedToolCall,
    ItemDone,
    NativeOnly,
    ReasoningDelta,
    ReasoningPartAdded,
    RefusalDelta,
    TextDelta,
    ToolCallArgumentsDelta,
    ToolCallDone,
    ToolCallStarted,
    Unknown,
)
from ...common.items import (
    ContentPart,
    HostedToolCallItem,
    Item,
    Message,
    Reasoning,
    RefusalPart,
    TextPart,
    ToolCall,
    ToolResult,
)
from ...common.response import StopReason
from ...common.text import TextBuffer
from ..fields import dict_or_empty as _dict_or_empty
from ..fields import dicts as _dicts
from ..fields import malformed
from ..fields import str_or_none as _str_or_none
from ..fields import text_field as _text
from .body import API, FINAL_SCHEMA, HOSTED_TOOL_NAMES, STOP_BY_INCOMPLETE_REASON
from .body import CALLER_RUN_ITEMS as _CALLER_RUN_ITEMS
from .body import ITEM_API as _ITEM_API
from .body import input_content as _input_content
from .body import usage_from_wire as _usage
from .errors import error_from_body
from .tool_items import HOSTED_TOOL_IO, TOOL_ITEM_NAMES, tool_item, waits_for_caller

if TYPE_CHECKING:
    # The wire JSON as TypedDicts, for the type checker only (never loaded at run time).
    from ...native.responses import wire

    ArgumentsDeltaPayload = (
        wire.ResponseFunctionCallArgumentsDeltaEvent | wire.ResponseCustomToolCallInputDeltaEvent
    )

#: A handler takes the wire event as its own TypedDict view (hence ``Any`` in the table).
Handler = Callable[[Any], list[Event]]
ItemBuilder = Callable[[Any, dict[str, Any], int], list[Event]]

# The status events each hosted tool streams: ``response.<item type>.<status>``.
_HOSTED_TOOL_STATUSES: Final[dict[str, tuple[str, ...]]] = {
    "web_search_call": ("in_progress", "searching", "completed"),
    "file_search_call": ("in_progress", "searching", "completed"),
    "code_interpreter_call": ("in_progress", "interpreting", "completed"),
    "mcp_call": ("in_progress", "completed", "failed"),
    "mcp_list_tools": ("in_progress", "completed", "failed"),
    "image_generation_call": ("in_progress", "generating", "completed"),
}

# Wire event -> (tool name, status) for every hosted tool status event.
HOSTED_STATUS_EVENTS: Final[dict[str, tuple[str, str]]] = {
    f"response.{item_type}.{status}": (HOSTED_TOOL_NAMES[item_type], status)
    for item_type, statuses in _HOSTED_TOOL_STATUSES.items()
    for status in statuses
}

# Known events whose content reaches the caller another way (the finished item carries the full
# text, annotations, code and arguments), so they have no common event of their own.
PASS_THROUGH_EVENTS: Final = frozenset(
    (
        "response.queued",
        "response.in_progress",
        "response.content_part.added",
        "response.content_part.done",
        "response.output_text.done",
        "response.output_text.annotation.added",
        "response.refusal.done",
        "response.function_call_arguments.done",
        "response.custom_tool_call_input.done",
        "response.reasoning_summary_part.done",
        "response.reasoning_summary_text.done",
        "response.reasoning_text.done",
        "response.code_interpreter_call_code.delta",
        "response.code_interpreter_call_code.done",
        "response.mcp_call_arguments.delta",
        "response.mcp_call_arguments.done",
        "response.image_generation_call.partial_image",
        # Known to the schema since openai 3.57; native-only until the mapper maps them.
        "response.audio.delta",
        "response.audio.done",
        "response.audio.transcript.delta",
        "response.audio.transcript.done",
        "response.compaction.compacting",
        "response.shell_call_command.added",
        "response.shell_call_command.delta",
        "response.shell_call_command.done",
        "response.shell_call_output_content.delta",
        "response.shell_call_output_content.done",
        # Sent by the API, unknown to openai 3.57 (schemas/overlay/responses.yaml).
        "response.apply_patch_call_operation_diff.delta",
        "response.apply_patch_call_operation_diff.done",
    )
)


def _object(value: object, field: str) -> dict[str, Any]:
    """A nested object the event exists to carry (``item``): anything else is malformed."""
    if type(value) is not dict:
        raise malformed(field, value, "an object")
    return value


class _PendingCall:
    """A function or custom tool call between ``output_item.added`` and ``output_item.done``."""

    __slots__ = ("call_id", "fragments", "item_id", "name")

    def __init__(self, call_id: str, name: str, item_id: str | None) -> None:
        self.call_id = call_id
        self.name = name
        self.item_id = item_id
        self.fragments = TextBuffer()


class Mapper:
    """Maps one Responses stream; make a new one per stream."""

    api: str = API

    __slots__ = (
        "_calls",
        "_calls_by_item_id",
        "_completed",
        "_current_index",
        "_handlers",
        "_index_by_item_id",
        "_item_builders",
        "_native_only",
        "_next_index",
        "_output_refusal",
        "_output_text",
        "_output_tool_call",
        "_summary_parts",
    )

    def __init__(self, *, native_only: bool = False) -> None:
        self._native_only = native_only
        self._completed = False
        # Tool calls in flight, by output_index (and item id, for events that lack the index).
        self._calls: dict[int, _PendingCall] = {}
        self._calls_by_item_id: dict[str, int] = {}
        # For events that leave out output_index / summary_index: the items and parts seen.
        self._index_by_item_id: dict[str, int] = {}
        self._current_index = 0
        self._next_index = 0
        self._summary_parts: dict[int, int] = {}  # output index -> summary part being streamed
        # What the finished output held, for the stop reason.
        self._output_text = False
        self._output_refusal = False
        self._output_tool_call = False
        handlers: dict[str, Handler] = {
            "response.output_text.delta": self._text_delta,
            "response.function_call_arguments.delta": self._arguments_delta,
            "response.custom_tool_call_input.delta": self._arguments_delta,
            "response.reasoning_summary_text.delta": self._summary_delta,
            "response.reasoning_text.delta": self._reasoning_text_delta,
            "response.refusal.delta": self._refusal_delta,
            "response.reasoning_summary_part.added": self._summary_part_added,
            "response.output_item.added": self._item_added,
            "response.output_item.done": self._item_done,
            "response.created": self._created,
            "response.completed": self._response_completed,
            "response.incomplete": self._response_incomplete,
            "response.failed": self._response_failed,
            "error": self._error,
        }
        for wire_type in HOSTED_STATUS_EVENTS:
            handlers[wire_type] = self._hosted_status
        for wire_type in PASS_THROUGH_EVENTS:
            handlers[wire_type] = self._pass_through
        self._handlers = handlers
        builders: dict[str, ItemBuilder] = {
            "message": self._message_done,
            "reasoning": self._reasoning_done,
            "function_call": self._function_call_done,
            "custom_tool_call": self._custom_tool_call_done,
            "function_call_output": self._tool_output_done,
            "custom_tool_call_output": self._tool_output_done,
        }
        for item_type in HOSTED_TOOL_NAMES:
            builders[item_type] = self._hosted_tool_done
        for item_type in TOOL_ITEM_NAMES:
            builders[item_type] = self._tool_item_done
        self._item_builders = builders

    # ------------------------------------------------------------------ protocol

    def map(self, event_name: str | None, payload: dict[str, Any]) -> list[Event]:
        wire_type = payload.get("type")
        if not isinstance(wire_type, str):
            # Every Responses event names itself; without that it is no event the schema knows.
            return [Unknown(API, payload, event_name or "unknown")]
        if wire_type == "response.output_text.delta":  # the bulk of a text stream: no look-up
            delta = payload.get("delta")
            index = payload.get("output_index")
            if type(delta) is str and type(index) is int:
                return [TextDelta(API, payload, delta, index)]
        elif wire_type == "response.function_call_arguments.delta":
            delta = payload.get("delta")
            index = payload.get("output_index")
            if type(delta) is str and type(index) is int:
                call = self._calls.get(index)
                if call is not None:
                    call.fragments.append(delta)
                    return [ToolCallArgumentsDelta(API, payload, call.call_id, delta, index)]
        elif wire_type == "response.reasoning_summary_text.delta":
            delta = payload.get("delta")
            index = payload.get("output_index")
            part = payload.get("summary_index")
            if type(delta) is str and delta and type(index) is int and type(part) is int:
                return [ReasoningDelta(API, payload, delta, "summary", index, part)]
        handler = self._handlers.get(wire_type)
        if handler is None:
            return [Unknown(API, payload, wire_type)]
        return handler(payload)

    def finish(self, *, done: bool = False) -> list[Event]:
        # ``done`` (Chat's [DONE]) means nothing here: only the API's own end event completes.
        if not self._completed:
            raise StreamInterruptedError("the responses stream ended before response.completed")
        return []

    # ------------------------------------------------------------------ deltas

    def _index(self, payload: Mapping[str, object]) -> int:
        """The event's output index; when left out, that of the item it names, else of the item
        being streamed."""
        index = payload.get("output_index")
        if type(index) is int:
            return index
        item_id = payload.get("item_id")
        if type(item_id) is str:
            known = self._index_by_item_id.get(item_id)
            if known is not None:
                return known
        return self._current_index

    def _text_delta(self, payload: wire.ResponseOutputTextDeltaEvent) -> list[Event]:
        delta = payload.get("delta")
        index = payload.get("output_index")
        if type(delta) is str and type(index) is int:
            return [TextDelta(API, payload, delta, index)]  # the bulk of a stream: no detour
        delta = _text(delta, "delta")
        return [TextDelta(API, payload, delta, self._index(payload))] if delta else []

    def _refusal_delta(self, payload: wire.ResponseRefusalDeltaEvent) -> list[Event]:
        delta = _text(payload.get("delta"), "delta")
        return [RefusalDelta(API, payload, delta, self._index(payload))] if delta else []

    def _summary_part_added(
        self, payload: wire.ResponseReasoningSummaryPartAddedEvent
    ) -> list[Event]:
        index = self._index(payload)
        part = payload.get("summary_index")
        if type(part) is not int:
            earlier = self._summary_parts.get(index)
            part = 0 if earlier is None else earlier + 1
        self._summary_parts[index] = part
        return [ReasoningPartAdded(API, payload, index, part)]

    def _summary_delta(self, payload: wire.ResponseReasoningSummaryTextDeltaEvent) -> list[Event]:
        delta = payload.get("delta")
        index = payload.get("output_index")
        part = payload.get("summary_index")
        if type(delta) is str and delta and type(index) is int and type(part) is int:
            return [ReasoningDelta(API, payload, delta, "summary", index, part)]  # the bulk
        delta = _text(delta, "delta")
        index = self._index(payload)
        if type(part) is not int:
            # LiteLLM leaves it out: the part being streamed (the first, when none was announced).
            part = self._summary_parts.get(index, 0)
        return [ReasoningDelta(API, payload, delta, "summary", index, part)] if delta else []

    def _reasoning_text_delta(self, payload: wire.ResponseReasoningTextDeltaEvent) -> list[Event]:
        delta = payload.get("delta")
        index = payload.get("output_index")
        part = payload.get("content_index")
        if type(delta) is str and delta and type(index) is int and type(part) is int:
            return [ReasoningDelta(API, payload, delta, "content", index, part)]  # the bulk
        delta = _text(delta, "delta")
        if type(part) is not int:
            part = 0
        index = self._index(payload)
        return [ReasoningDelta(API, payload, delta, "content", index, part)] if delta else []

    def _arguments_delta(self, payload: ArgumentsDeltaPayload) -> list[Event]:
        delta = payload.get("delta")
        index = payload.get("output_index")
        if type(delta) is str and type(index) is int:
            # The bulk of a tool-call stream: the call is known by its output index.
            call = self._calls.get(index)
            if call is not None:
                call.fragments.append(delta)
                return [ToolCallArgumentsDelta(API, payload, call.call_id, delta, index)]
        index = self._index(payload)
        delta = _text(delta, "delta")
        item_id = _str_or_none(payload.get("item_id"))
        call = self._pending_call(index, item_id)
        if call is None:
            # No output_item.added was seen: the item id is the only name there is.
            return [ToolCallArgumentsDelta(API, payload, item_id or "", delta, index)]
        call.fragments.append(delta)
        return [ToolCallArgumentsDelta(API, payload, call.call_id, delta, index)]

    def _pending_call(self, index: int, item_id: str | None) -> _PendingCall | None:
        call = self._calls.get(index)
        if call is None and item_id is not None:
            known_index = self._calls_by_item_id.get(item_id)
            if known_index is not None:
                call = self._calls.get(known_index)
        return call

    def _hosted_status(self, payload: wire.ResponseStreamEvent) -> list[Event]:
        name, status = HOSTED_STATUS_EVENTS[payload["type"]]
        item_id = _str_or_none(payload.get("item_id")) or ""
        return [HostedToolCall(API, payload, item_id, name, status, self._index(payload))]

    def _pass_through(self, payload: wire.ResponseStreamEvent) -> list[Event]:
        if self._native_only:
            return [NativeOnly(API, payload, payload["type"])]
        return []

    # ------------------------------------------------------------------ output items

    def _item_added(self, payload: wire.ResponseOutputItemAddedEvent) -> list[Event]:
        item = _object(payload.get("item"), "item")
        item_id = _str_or_none(item.get("id"))
        index = payload.get("output_index")
        if type(index) is not int:
            index = self._next_index  # left out: the item after the last one seen
        self._current_index = index
        self._next_index = max(self._next_index, index + 1)
        if item_id:
            self._index_by_item_id[item_id] = index
        item_type = item.get("type")
        if item_type in ("function_call", "custom_tool_call"):
            call = _PendingCall(
                _str_or_none(item.get("call_id")) or item_id or "",
                _str_or_none(item.get("name")) or "",
                item_id,
            )
            self._calls[index] = call
            if item_id:
                self._calls_by_item_id[item_id] = index
            kind: Literal["function", "custom"] = (
                "function" if item_type == "function_call" else "custom"
            )
            return [ToolCallStarted(API, payload, call.call_id, call.name, index, kind)]
        tool_name = HOSTED_TOOL_NAMES.get(item_type) if isinstance(item_type, str) else None
        if tool_name is not None:
            status = _str_or_none(item.get("status")) or "in_progress"
            return [HostedToolCall(API, payload, item_id or "", tool_name, status, index)]
        if item_type in TOOL_ITEM_NAMES:
            return self._tool_item_added(payload, item, index)
        return self._pass_through(payload)

    def _item_done(self, payload: wire.ResponseOutputItemDoneEvent) -> list[Event]:
        item = _object(payload.get("item"), "item")
        index = payload.get("output_index")
        if type(index) is not int:
            item_id = item.get("id")
            known = self._index_by_item_id.get(item_id) if type(item_id) is str else None
            index = self._current_index if known is None else known
        item_type = item.get("type")
        if type(item_type) is not str:
            item_type = None
        elif item_type in _CALLER_RUN_ITEMS:
            self._output_tool_call = True
        builder = self._item_builders.get(item_type) if item_type is not None else None
        if builder is None:
            builder = self._other_item_done
        return builder(payload, item, index)

    def _message_done(
        self, payload: wire.ResponseOutputItemDoneEvent, item: dict[str, Any], index: int
    ) -> list[Event]:
        content: list[ContentPart] = []
        for part in _dicts(item.get("content")):
            part_type = part.get("type")
            if part_type == "output_text":
                annotations = part.get("annotations")
                content.append(
                    TextPart(
                        _text(part.get("text"), "an output_text part's text"),
                        list(annotations) if type(annotations) is list else [],
                    )
                )
                self._output_text = True
            elif part_type == "refusal":
                content.append(RefusalPart(_text(part.get("refusal"), "a refusal part's refusal")))
                self._output_refusal = True
        message = Message(
            role="assistant",
            content=content,
            id=_str_or_none(item.get("id")),
            api=_ITEM_API,
            native=item,
        )
        return [ItemDone(API, payload, message, index)]

    def _reasoning_done(
        self, payload: wire.ResponseOutputItemDoneEvent, item: dict[str, Any], index: int
    ) -> list[Event]:
        reasoning = Reasoning(
            summary=[
                _text(part.get("text"), "a summary's text") for part in _dicts(item.get("summary"))
            ],
            # Reasoning text parts are paragraphs, joined the way Reasoning.text joins summaries.
            content="\n\n".join(
                _text(part.get("text"), "a reasoning part's text")
                for part in _dicts(item.get("content"))
            ),
            encrypted_content=_str_or_none(item.get("encrypted_content")),
            id=_str_or_none(item.get("id")),
            api=_ITEM_API,
            native=item,
        )
        return [ItemDone(API, payload, reasoning, index)]

    def _function_call_done(
        self, payload: wire.ResponseOutputItemDoneEvent, item: dict[str, Any], index: int
    ) -> list[Event]:
        item_id = _str_or_none(item.get("id"))
        pending = self._finish_call(index, item_id)
        raw = item.get("arguments")
        if not isinstance(raw, str):
            raw = pending.fragments.getvalue() if pending else ""
        arguments, problem = parse_tool_arguments(raw)
        call = ToolCall(
            id=_str_or_none(item.get("call_id")) or (pending.call_id if pending else item_id or ""),
            name=_str_or_none(item.get("name")) or (pending.name if pending else ""),
            arguments=arguments,
            raw_arguments=raw,
            arguments_error=problem,
            kind="function",
            item_id=item_id,
            api=_ITEM_API,
            native=item,
        )
        return [ToolCallDone(API, payload, call, index), ItemDone(API, payload, call, index)]

    def _custom_tool_call_done(
        self, payload: wire.ResponseOutputItemDoneEvent, item: dict[str, Any], index: int
    ) -> list[Event]:
        item_id = _str_or_none(item.get("id"))
        pending = self._finish_call(index, item_id)
        raw = item.get("input")
        if not isinstance(raw, str):
            raw = pending.fragments.getvalue() if pending else ""
        # Custom tools take free text (or text in the tool's grammar), never JSON: nothing to parse.
        call = ToolCall(
            id=_str_or_none(item.get("call_id")) or (pending.call_id if pending else item_id or ""),
            name=_str_or_none(item.get("name")) or (pending.name if pending else ""),
            arguments={},
            raw_arguments=raw,
            kind="custom",
            item_id=item_id,
            api=_ITEM_API,
            native=item,
        )
        return [ToolCallDone(API, payload, call, index), ItemDone(API, payload, call, index)]

    def _finish_call(self, index: int, item_id: str | None) -> _PendingCall | None:
        call = self._calls.pop(index, None)
        if call is None and item_id is not None:
            known_index = self._calls_by_item_id.get(item_id)
            if known_index is not None:
                call = self._calls.pop(known_index, None)
        if call is not None and call.item_id:
            self._calls_by_item_id.pop(call.item_id, None)
        return call

    def _hosted_tool_done(
        self, payload: wire.ResponseOutputItemDoneEvent, item: dict[str, Any], index: int
    ) -> list[Event]:
        item_type = item["type"]
        name = HOSTED_TOOL_NAMES[item_type]
        status = _str_or_none(item.get("status")) or (
            "failed" if item.get("error") else "completed"
        )
        tool_input, result = HOSTED_TOOL_IO[item_type](item)
        tool = HostedToolCallItem(
            id=_str_or_none(item.get("id")) or "",
            name=name,
            status=status,
            input=tool_input,
            result=result,
            api=_ITEM_API,
            native=item,
        )
        return [
            HostedToolCall(API, payload, tool.id, name, status, index),
            ItemDone(API, payload, tool, index),
        ]

    def _tool_item_added(
        self, payload: wire.ResponseOutputItemAddedEvent, item: dict[str, Any], index: int
    ) -> list[Event]:
        # Shell, local shell, apply_patch, tool search, program: announced like a hosted tool.
        tool = tool_item(item)
        status = _str_or_none(item.get("status")) or "in_progress"
        return [HostedToolCall(API, payload, tool.id, tool.name, status, index)]

    def _tool_item_done(
        self, payload: wire.ResponseOutputItemDoneEvent, item: dict[str, Any], index: int
    ) -> list[Event]:
        tool = tool_item(item)
        if waits_for_caller(item):
            self._output_tool_call = True
        return [
            HostedToolCall(API, payload, tool.id, tool.name, tool.status or "completed", index),
            ItemDone(API, payload, tool, index),
        ]

    def _tool_output_done(
        self, payload: wire.ResponseOutputItemDoneEvent, item: dict[str, Any], index: int
    ) -> list[Event]:
        # Tool results only appear in output when a stored conversation is replayed.
        output = item.get("output")
        result = ToolResult(
            call_id=_str_or_none(item.get("call_id")) or "",
            output=output if isinstance(output, str) else _input_content(output),
            name=_str_or_none(item.get("name")),
        )
        return [ItemDone(API, payload, result, index)]

    def _other_item_done(
        self, payload: wire.ResponseOutputItemDoneEvent, item: dict[str, Any], index: int
    ) -> list[Event]:
        # computer_call, mcp_approval_request and item types newer than the schema have no common
        # item of their own; kept whole (``native``) they still go back to this API unchanged.
        item_type = item.get("type")
        name = item_type.removesuffix("_call") if isinstance(item_type, str) else "unknown"
        details = {k: v for k, v in item.items() if k not in ("type", "id", "status")}
        other: Item = HostedToolCallItem(
            id=_str_or_none(item.get("id")) or _str_or_none(item.get("call_id")) or "",
            name=name,
            status=_str_or_none(item.get("status")),
            input=details or None,
            api=_ITEM_API,
            native=item,
        )
        return [ItemDone(API, payload, other, index)]

    # ------------------------------------------------------------------ lifecycle

    def _created(self, payload: wire.ResponseCreatedEvent) -> list[Event]:
        response = _dict_or_empty(payload.get("response"))
        return [
            Created(
                API,
                payload,
                _str_or_none(response.get("id")),
                _str_or_none(response.get("model")),
            )
        ]

    def _response_completed(self, payload: wire.ResponseCompletedEvent) -> list[Event]:
        self._completed = True
        response = _dict_or_empty(payload.get("response"))
        return [
            Completed(
                API,
                payload,
                _str_or_none(response.get("id")),
                _usage(response.get("usage")),
                self._stop_reason(response),
                _str_or_none(response.get("status")),
                final=response,
                final_schema=FINAL_SCHEMA,
            )
        ]

    def _response_incomplete(self, payload: wire.ResponseIncompleteEvent) -> list[Event]:
        self._completed = True
        response = _dict_or_empty(payload.get("response"))
        reason = _str_or_none(_dict_or_empty(response.get("incomplete_details")).get("reason"))
        return [
            Completed(
                API,
                payload,
                _str_or_none(response.get("id")),
                _usage(response.get("usage")),
                STOP_BY_INCOMPLETE_REASON.get(reason, "other") if reason else "other",
                reason or _str_or_none(response.get("status")),
                final=response,
                final_schema=FINAL_SCHEMA,
            )
        ]

    def _response_failed(self, payload: wire.ResponseFailedEvent) -> list[Event]:
        response = _dict_or_empty(payload.get("response"))
        error = response.get("error")
        if not isinstance(error, dict):
            error = {"message": "the response failed and the API gave no reason", "code": None}
        raise error_from_body(None, error)

    def _error(self, payload: wire.ResponseErrorEvent) -> list[Event]:
        raise error_from_body(None, payload)

    def _stop_reason(self, response: dict[str, Any]) -> StopReason:
        # The streamed items decide; the final output is consulted too, for servers that send
        # the items only there.
        tool_call, text, refusal = self._output_tool_call, self._output_text, self._output_refusal
        for item in _dicts(response.get("output")):
            item_type = item.get("type")
            if type(item_type) is not str:
                continue
            if item_type in _CALLER_RUN_ITEMS or waits_for_caller(item):
                tool_call = True
            elif item_type == "message":
                for part in _dicts(item.get("content")):
                    text = text or part.get("type") == "output_text"
                    refusal = refusal or part.get("type") == "refusal"
        if tool_call:
            return "tool_use"
        if refusal and not text:
            return "refusal"
        return "end_turn"
