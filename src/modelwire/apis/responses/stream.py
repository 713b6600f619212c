"""OpenAI Responses stream mapping: ``response.*`` and ``error`` events -> the common event stream.

The Responses API already streams in the common shape (it is the seed of it), so most events map
one to one. Three things need state: function and custom tool calls (argument deltas carry the
output item's ``item_id`` and ``output_index`` but not the ``call_id`` the caller must answer
with), the stop reason (the API says ``completed`` even when it stopped to call tools), and whether
a completion event arrived at all.

Every event is read straight from the decoded dict and dispatched on its ``type`` through a table
of bound methods; nothing is validated on this path (``event.native`` does that on demand).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Literal

import orjson

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
    ImagePart,
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
from ...common.usage import Usage
from .errors import error_from_body

API: Final = "responses"
_ITEM_API: Final[Literal["responses"]] = "responses"
FINAL_SCHEMA: Final = "Response"
USAGE_SCHEMA: Final = "ResponseUsage"

Handler = Callable[[dict[str, Any]], list[Event]]
ItemBuilder = Callable[[dict[str, Any], dict[str, Any], int], list[Event]]

# Output item type of a tool the API runs itself -> the tool's common name.
HOSTED_TOOL_NAMES: Final[dict[str, str]] = {
    "web_search_call": "web_search",
    "file_search_call": "file_search",
    "code_interpreter_call": "code_interpreter",
    "mcp_call": "mcp",
    "mcp_list_tools": "mcp_list_tools",
    "image_generation_call": "image_generation",
}

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
    )
)

# Output items that wait for the caller to act (run a function, answer a computer action,
# approve an MCP call): the turn stopped for tool use.
_CALLER_RUN_ITEMS: Final = frozenset(
    ("function_call", "custom_tool_call", "computer_call", "mcp_approval_request")
)

_STOP_BY_INCOMPLETE_REASON: Final[dict[str, StopReason]] = {
    "max_output_tokens": "max_tokens",
    "content_filter": "content_filter",
}


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
        "_handlers",
        "_item_builders",
        "_native_only",
        "_output_refusal",
        "_output_text",
        "_output_tool_call",
    )

    def __init__(self, *, native_only: bool = False) -> None:
        self._native_only = native_only
        self._completed = False
        # Tool calls in flight, by output_index (and item id, for events that lack the index).
        self._calls: dict[int, _PendingCall] = {}
        self._calls_by_item_id: dict[str, int] = {}
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
        self._item_builders = builders

    # ------------------------------------------------------------------ protocol

    def map(self, event_name: str | None, payload: dict[str, Any]) -> list[Event]:
        wire_type = payload.get("type")
        if not isinstance(wire_type, str):
            # Every Responses event names itself; without that it is no event the schema knows.
            return [Unknown(API, payload, event_name or "unknown")]
        handler = self._handlers.get(wire_type)
        if handler is None:
            return [Unknown(API, payload, wire_type)]
        return handler(payload)

    def finish(self) -> list[Event]:
        if not self._completed:
            raise StreamInterruptedError("the responses stream ended before response.completed")
        return []

    # ------------------------------------------------------------------ deltas

    def _text_delta(self, payload: dict[str, Any]) -> list[Event]:
        return [TextDelta(API, payload, payload["delta"], payload["output_index"])]

    def _refusal_delta(self, payload: dict[str, Any]) -> list[Event]:
        return [RefusalDelta(API, payload, payload["delta"], payload["output_index"])]

    def _summary_part_added(self, payload: dict[str, Any]) -> list[Event]:
        return [ReasoningPartAdded(API, payload, payload["output_index"], payload["summary_index"])]

    def _summary_delta(self, payload: dict[str, Any]) -> list[Event]:
        index = payload["output_index"]
        part = payload["summary_index"]
        return [ReasoningDelta(API, payload, payload["delta"], "summary", index, part)]

    def _reasoning_text_delta(self, payload: dict[str, Any]) -> list[Event]:
        index = payload["output_index"]
        part = payload.get("content_index", 0)
        return [ReasoningDelta(API, payload, payload["delta"], "content", index, part)]

    def _arguments_delta(self, payload: dict[str, Any]) -> list[Event]:
        index = payload["output_index"]
        delta = payload["delta"]
        call = self._pending_call(index, payload.get("item_id"))
        if call is None:
            # No output_item.added was seen: the item id is the only name there is.
            return [
                ToolCallArgumentsDelta(API, payload, payload.get("item_id") or "", delta, index)
            ]
        call.fragments.append(delta)
        return [ToolCallArgumentsDelta(API, payload, call.call_id, delta, index)]

    def _pending_call(self, index: int, item_id: str | None) -> _PendingCall | None:
        call = self._calls.get(index)
        if call is None and item_id is not None:
            known_index = self._calls_by_item_id.get(item_id)
            if known_index is not None:
                call = self._calls.get(known_index)
        return call

    def _hosted_status(self, payload: dict[str, Any]) -> list[Event]:
        name, status = HOSTED_STATUS_EVENTS[payload["type"]]
        item_id = payload.get("item_id") or ""
        return [HostedToolCall(API, payload, item_id, name, status, payload["output_index"])]

    def _pass_through(self, payload: dict[str, Any]) -> list[Event]:
        if self._native_only:
            return [NativeOnly(API, payload, payload["type"])]
        return []

    # ------------------------------------------------------------------ output items

    def _item_added(self, payload: dict[str, Any]) -> list[Event]:
        item = payload["item"]
        index = payload["output_index"]
        item_type = item.get("type")
        if item_type in ("function_call", "custom_tool_call"):
            item_id = item.get("id")
            call = _PendingCall(
                item.get("call_id") or item_id or "", item.get("name") or "", item_id
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
            status = item.get("status") or "in_progress"
            return [HostedToolCall(API, payload, item.get("id") or "", tool_name, status, index)]
        return self._pass_through(payload)

    def _item_done(self, payload: dict[str, Any]) -> list[Event]:
        item = payload["item"]
        index = payload["output_index"]
        item_type = item.get("type")
        if item_type in _CALLER_RUN_ITEMS:
            self._output_tool_call = True
        builder = self._item_builders.get(item_type) if isinstance(item_type, str) else None
        if builder is None:
            builder = self._other_item_done
        return builder(payload, item, index)

    def _message_done(
        self, payload: dict[str, Any], item: dict[str, Any], index: int
    ) -> list[Event]:
        content: list[ContentPart] = []
        for part in item.get("content") or ():
            part_type = part.get("type")
            if part_type == "output_text":
                content.append(TextPart(part.get("text", ""), list(part.get("annotations") or ())))
                self._output_text = True
            elif part_type == "refusal":
                content.append(RefusalPart(part.get("refusal", "")))
                self._output_refusal = True
        message = Message(
            role="assistant", content=content, id=item.get("id"), api=_ITEM_API, native=item
        )
        return [ItemDone(API, payload, message, index)]

    def _reasoning_done(
        self, payload: dict[str, Any], item: dict[str, Any], index: int
    ) -> list[Event]:
        reasoning = Reasoning(
            summary=[part.get("text", "") for part in item.get("summary") or ()],
            # Reasoning text parts are paragraphs, joined the way Reasoning.text joins summaries.
            content="\n\n".join(part.get("text", "") for part in item.get("content") or ()),
            encrypted_content=item.get("encrypted_content"),
            id=item.get("id"),
            api=_ITEM_API,
            native=item,
        )
        return [ItemDone(API, payload, reasoning, index)]

    def _function_call_done(
        self, payload: dict[str, Any], item: dict[str, Any], index: int
    ) -> list[Event]:
        pending = self._finish_call(index, item.get("id"))
        raw = item.get("arguments")
        if not isinstance(raw, str):
            raw = pending.fragments.getvalue() if pending else ""
        arguments, problem = parse_tool_arguments(raw)
        call = ToolCall(
            id=item.get("call_id") or (pending.call_id if pending else item.get("id") or ""),
            name=item.get("name") or (pending.name if pending else ""),
            arguments=arguments,
            raw_arguments=raw,
            arguments_error=problem,
            kind="function",
            item_id=item.get("id"),
            api=_ITEM_API,
            native=item,
        )
        return [ToolCallDone(API, payload, call, index), ItemDone(API, payload, call, index)]

    def _custom_tool_call_done(
        self, payload: dict[str, Any], item: dict[str, Any], index: int
    ) -> list[Event]:
        pending = self._finish_call(index, item.get("id"))
        raw = item.get("input")
        if not isinstance(raw, str):
            raw = pending.fragments.getvalue() if pending else ""
        # Custom tools take free text (or text in the tool's grammar), never JSON: nothing to parse.
        call = ToolCall(
            id=item.get("call_id") or (pending.call_id if pending else item.get("id") or ""),
            name=item.get("name") or (pending.name if pending else ""),
            arguments={},
            raw_arguments=raw,
            kind="custom",
            item_id=item.get("id"),
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
        self, payload: dict[str, Any], item: dict[str, Any], index: int
    ) -> list[Event]:
        item_type = item["type"]
        name = HOSTED_TOOL_NAMES[item_type]
        status = item.get("status") or ("failed" if item.get("error") else "completed")
        tool_input, result = _HOSTED_TOOL_IO[item_type](item)
        tool = HostedToolCallItem(
            id=item.get("id") or "",
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

    def _tool_output_done(
        self, payload: dict[str, Any], item: dict[str, Any], index: int
    ) -> list[Event]:
        # Tool results only appear in output when a stored conversation is replayed.
        output = item.get("output")
        result = ToolResult(
            call_id=item.get("call_id") or "",
            output=output if isinstance(output, str) else _input_content(output),
            name=item.get("name"),
        )
        return [ItemDone(API, payload, result, index)]

    def _other_item_done(
        self, payload: dict[str, Any], item: dict[str, Any], index: int
    ) -> list[Event]:
        # computer_call, mcp_approval_request and item types newer than the schema have no common
        # item of their own; kept whole (``native``) they still go back to this API unchanged.
        item_type = item.get("type")
        name = item_type.removesuffix("_call") if isinstance(item_type, str) else "unknown"
        details = {k: v for k, v in item.items() if k not in ("type", "id", "status")}
        other: Item = HostedToolCallItem(
            id=item.get("id") or item.get("call_id") or "",
            name=name,
            status=item.get("status"),
            input=details or None,
            api=_ITEM_API,
            native=item,
        )
        return [ItemDone(API, payload, other, index)]

    # ------------------------------------------------------------------ lifecycle

    def _created(self, payload: dict[str, Any]) -> list[Event]:
        response = payload.get("response") or {}
        return [Created(API, payload, response.get("id"), response.get("model"))]

    def _response_completed(self, payload: dict[str, Any]) -> list[Event]:
        self._completed = True
        response = payload.get("response") or {}
        return [
            Completed(
                API,
                payload,
                response.get("id"),
                _usage(response.get("usage")),
                self._stop_reason(response),
                response.get("status"),
                final=response,
                final_schema=FINAL_SCHEMA,
            )
        ]

    def _response_incomplete(self, payload: dict[str, Any]) -> list[Event]:
        self._completed = True
        response = payload.get("response") or {}
        reason = (response.get("incomplete_details") or {}).get("reason")
        return [
            Completed(
                API,
                payload,
                response.get("id"),
                _usage(response.get("usage")),
                _STOP_BY_INCOMPLETE_REASON.get(reason, "other") if reason else "other",
                reason or response.get("status"),
                final=response,
                final_schema=FINAL_SCHEMA,
            )
        ]

    def _response_failed(self, payload: dict[str, Any]) -> list[Event]:
        response = payload.get("response") or {}
        error = response.get("error")
        if not isinstance(error, dict):
            error = {"message": "the response failed and the API gave no reason", "code": None}
        raise error_from_body(None, error)

    def _error(self, payload: dict[str, Any]) -> list[Event]:
        raise error_from_body(None, payload)

    def _stop_reason(self, response: dict[str, Any]) -> StopReason:
        # The streamed items decide; the final output is consulted too, for servers that send
        # the items only there.
        tool_call, text, refusal = self._output_tool_call, self._output_text, self._output_refusal
        for item in response.get("output") or ():
            item_type = item.get("type")
            if item_type in _CALLER_RUN_ITEMS:
                tool_call = True
            elif item_type == "message":
                for part in item.get("content") or ():
                    text = text or part.get("type") == "output_text"
                    refusal = refusal or part.get("type") == "refusal"
        if tool_call:
            return "tool_use"
        if refusal and not text:
            return "refusal"
        return "end_turn"


# ---------------------------------------------------------------------- helpers


def _usage(raw: object) -> Usage:
    if not isinstance(raw, dict):
        return Usage(api=API)
    input_details = raw.get("input_tokens_details") or {}
    output_details = raw.get("output_tokens_details") or {}
    return Usage(
        input_tokens=raw.get("input_tokens"),
        output_tokens=raw.get("output_tokens"),
        cached_input_tokens=input_details.get("cached_tokens"),
        reasoning_tokens=output_details.get("reasoning_tokens"),
        raw=raw,
        api=API,
        schema=USAGE_SCHEMA,
    )


def _input_content(parts: object) -> list[ContentPart]:
    content: list[ContentPart] = []
    for part in parts if isinstance(parts, list) else ():
        part_type = part.get("type")
        if part_type == "input_text":
            content.append(TextPart(part.get("text", "")))
        elif part_type == "input_image":
            content.append(ImagePart(url=part.get("image_url"), detail=part.get("detail")))
    return content


def _json_or_text(raw: object) -> object:
    """MCP arguments as parsed JSON when they are JSON, else as the text sent."""
    if not isinstance(raw, str) or not raw.strip():
        return raw
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw


HostedToolIO = tuple[dict[str, Any] | None, Any]


def _web_search_io(item: dict[str, Any]) -> HostedToolIO:
    action = item.get("action")
    if not isinstance(action, dict):
        return None, None
    return action, action.get("sources")


def _file_search_io(item: dict[str, Any]) -> HostedToolIO:
    return {"queries": item.get("queries") or []}, item.get("results")


def _code_interpreter_io(item: dict[str, Any]) -> HostedToolIO:
    return {"code": item.get("code"), "container_id": item.get("container_id")}, item.get("outputs")


def _mcp_call_io(item: dict[str, Any]) -> HostedToolIO:
    tool_input = {
        "server_label": item.get("server_label"),
        "name": item.get("name"),
        "arguments": _json_or_text(item.get("arguments")),
    }
    error = item.get("error")
    return tool_input, error if error else item.get("output")


def _mcp_list_tools_io(item: dict[str, Any]) -> HostedToolIO:
    error = item.get("error")
    return {"server_label": item.get("server_label")}, error if error else item.get("tools")


def _image_generation_io(item: dict[str, Any]) -> HostedToolIO:
    revised_prompt = item.get("revised_prompt")
    return ({"revised_prompt": revised_prompt} if revised_prompt else None), item.get("result")


# Hosted tool item type -> (input, result) read from the finished item.
_HOSTED_TOOL_IO: Final[dict[str, Callable[[dict[str, Any]], HostedToolIO]]] = {
    "web_search_call": _web_search_io,
    "file_search_call": _file_search_io,
    "code_interpreter_call": _code_interpreter_io,
    "mcp_call": _mcp_call_io,
    "mcp_list_tools": _mcp_list_tools_io,
    "image_generation_call": _image_generation_io,
}
