"""Anthropic Messages stream -> common events.

A Messages stream is a state machine over content blocks. ``message_start`` opens the message;
each block is opened (``content_block_start``), filled (``content_block_delta``) and closed
(``content_block_stop``) under its index; ``message_delta`` carries the stop reason and the
cumulative usage; ``message_stop`` ends the message. All block state is keyed by index, so blocks
may interleave. Only closed blocks become items: a thinking block cut off before its signature
never reaches the history, where the API would reject it.

The final ``Message`` object is assembled as the official SDK accumulates a stream: the message of
``message_start``, the closed blocks in index order, then ``message_delta``'s changes and usage.
A block type the schema does not know is reported as ``Unknown`` and kept, as it started, in the
final message; its deltas are reported as ``Unknown`` too and not applied.

Compatible servers leave out what the API always sends: a block event without an integer
``index`` belongs to the block being streamed (a start without one opens the next block), a delta
without a ``type`` is known by its field (``text``, ``thinking``, ``partial_json``...). Ids and
names that are not strings are absent; text that is not a string (nor null) makes the event
malformed: a typed decode error with the partial Response.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

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
    TextDelta,
    ToolCallArgumentsDelta,
    ToolCallDone,
    ToolCallStarted,
    Unknown,
    UsageUpdate,
)
from ...common.items import HostedToolCallItem, Message, Reasoning, TextPart, ToolCall
from ...common.text import BLOCK, TextBuffer
from ...wire.json import dumps
from ..fields import str_or_empty as _str
from ..fields import text_field as _text
from .beta_blocks import BETA_ITEM_BLOCKS, BETA_OPAQUE_BLOCKS
from .body import (
    API,
    FINAL_SCHEMA,
    HOSTED_CALL_BLOCKS,
    HOSTED_RESULT_BLOCKS,
    STOP_REASONS,
    usage_from_wire,
)
from .errors import error_from_body

if TYPE_CHECKING:
    # The wire JSON as TypedDicts, for the type checker only (never loaded at run time).
    from ...native.messages import wire

Payload: TypeAlias = dict[str, Any]

#: Known blocks with no common meaning: kept in the final message, no item.
OPAQUE_BLOCKS = ("container_upload", *BETA_OPAQUE_BLOCKS)

_TOOL_INPUT_BLOCKS = frozenset(("tool_use", *HOSTED_CALL_BLOCKS))

#: A delta's field -> its type, for deltas sent without ``type``.
_DELTA_TYPE_BY_FIELD = (
    ("text", "text_delta"),
    ("thinking", "thinking_delta"),
    ("partial_json", "input_json_delta"),
    ("signature", "signature_delta"),
    ("citation", "citations_delta"),
)


class _OpenBlock:
    """A content block between its start and its stop: the block as started plus its deltas."""

    __slots__ = ("block", "citations", "fragments", "kind", "signature")

    def __init__(self, block: Payload, kind: str) -> None:
        self.block = block
        self.kind = kind
        self.fragments = TextBuffer()  # text, thinking or input JSON, in arrival order
        self.citations: list[Payload] = []
        self.signature: str | None = None


# Each handler takes its wire event as that event's TypedDict view (hence ``Any`` in the tables).
_EventHandler: TypeAlias = Callable[[Any], list[Event]]
_BlockHandler: TypeAlias = Callable[[Any, int, _OpenBlock], list[Event]]
_DeltaHandler: TypeAlias = Callable[[Any, int, Payload, _OpenBlock], list[Event]]


def parse_tool_input(raw: str, started_with: object) -> tuple[dict[str, Any], str, str | None]:
    """A tool block's input: ``(arguments, raw_arguments, arguments_error)``. Never raises.

    No fragment at all means the input came whole in ``content_block_start`` (or is empty)."""
    if not raw:
        if isinstance(started_with, dict) and started_with:
            return started_with, dumps(started_with).decode(), None
        return {}, "", None
    arguments, error = parse_tool_arguments(raw)
    return arguments, raw, error


class Mapper:
    """Maps one Messages stream; make a new one per stream."""

    api: str = API

    def __init__(self, *, native_only: bool = False) -> None:
        self._native_only = native_only
        self._message: Payload | None = None  # message_start's message
        self._message_changes: Payload = {}  # message_delta's delta (+ context_management)
        self._usage_wire: Payload = {}  # cumulative usage, merged
        self._open: dict[int, _OpenBlock] = {}
        self._closed: dict[int, Payload] = {}  # finished blocks as wire JSON, by index
        self._hosted_names: dict[str, str] = {}  # hosted call id -> tool name, for its result
        self._stopped = False
        self._next_index = 0  # the index a block start without one gets
        self._last_started: int | None = None  # for block events without an index
        self._handlers: dict[str, _EventHandler] = {
            "content_block_delta": self._block_delta,
            "content_block_start": self._block_start,
            "content_block_stop": self._block_stop,
            "message_start": self._message_start,
            "message_delta": self._message_delta,
            "message_stop": self._message_stop,
            "ping": self._pass_through,
            "error": self._error,
        }
        self._starters: dict[str, _BlockHandler] = {
            "text": self._start_text,
            "thinking": self._start_thinking,
            "redacted_thinking": self._start_silently,
            "tool_use": self._start_tool_use,
        }
        self._finishers: dict[str, _BlockHandler] = {
            "text": self._finish_text,
            "thinking": self._finish_thinking,
            "redacted_thinking": self._finish_redacted_thinking,
            "tool_use": self._finish_tool_use,
        }
        for kind in HOSTED_CALL_BLOCKS:
            self._starters[kind] = self._start_hosted_call
            self._finishers[kind] = self._finish_hosted_call
        for kind in HOSTED_RESULT_BLOCKS:
            self._starters[kind] = self._start_hosted_result
            self._finishers[kind] = self._finish_hosted_result
        for kind in OPAQUE_BLOCKS:
            self._starters[kind] = self._start_silently
            self._finishers[kind] = self._finish_opaque
        for kind in BETA_ITEM_BLOCKS:
            self._starters[kind] = self._start_silently
            self._finishers[kind] = self._finish_beta_block
        # Each delta type applies to some block kinds only; elsewhere it is not understood.
        # text_delta and thinking_delta are handled inline in _block_delta (the hot path); a
        # malformed one falls through to Unknown.
        self._deltas: dict[str, tuple[_DeltaHandler, frozenset[str]]] = {
            "text_delta": (self._text_delta_field, frozenset(("text",))),
            "thinking_delta": (self._thinking_delta_field, frozenset(("thinking",))),
            "citations_delta": (self._citations_delta, frozenset(("text",))),
            "signature_delta": (self._signature_delta, frozenset(("thinking",))),
            "input_json_delta": (self._input_json_delta, _TOOL_INPUT_BLOCKS),
            "compaction_delta": (self._compaction_delta, frozenset(("compaction",))),
        }

    # --- the StreamMapper protocol -----------------------------------------------------------

    def map(self, event_name: str | None, payload: Payload) -> list[Event]:
        wire_type = payload.get("type") or event_name
        if wire_type == "content_block_delta":  # the bulk of any stream: no table look-up
            index = payload.get("index")
            delta = payload.get("delta")
            if type(index) is int and type(delta) is dict:
                # Text, thinking and tool input fragments of an open block, with no further call.
                opened = self._open.get(index)
                if opened is not None:
                    kind = delta.get("type")
                    if kind == "text_delta" and opened.kind == "text":
                        text = delta.get("text")
                        if type(text) is str:
                            parts = opened.fragments.parts
                            parts.append(text)
                            if len(parts) >= BLOCK:
                                opened.fragments.compact()
                            return [TextDelta(API, payload, text, index)]
                    elif kind == "thinking_delta" and opened.kind == "thinking":
                        thinking = delta.get("thinking")
                        if type(thinking) is str:
                            parts = opened.fragments.parts
                            parts.append(thinking)
                            if len(parts) >= BLOCK:
                                opened.fragments.compact()
                            return [ReasoningDelta(API, payload, thinking, "content", index)]
                    elif kind == "input_json_delta" and opened.kind == "tool_use":
                        fragment = delta.get("partial_json")
                        if type(fragment) is str:
                            parts = opened.fragments.parts
                            parts.append(fragment)
                            if len(parts) >= BLOCK:
                                opened.fragments.compact()
                            call_id = opened.block.get("id")
                            call_id = call_id if type(call_id) is str else ""
                            return [ToolCallArgumentsDelta(API, payload, call_id, fragment, index)]
            return self._block_delta(payload)  # type: ignore[arg-type]  # its type says so
        handler = self._handlers.get(wire_type) if isinstance(wire_type, str) else None
        if handler is None:
            return [Unknown(API, payload, wire_type if isinstance(wire_type, str) else "unknown")]
        return handler(payload)

    def finish(self, *, done: bool = False) -> list[Event]:
        # ``done`` (Chat's [DONE]) means nothing here: only the API's own end event completes.
        if not self._stopped:
            raise StreamInterruptedError("messages stream ended before message_stop")
        return []

    # --- message-level events ----------------------------------------------------------------

    def _message_start(self, payload: wire.MessageStartEvent) -> list[Event]:
        message: object = payload.get("message")  # read as any JSON: checked here
        if not isinstance(message, dict):
            return [Unknown(API, payload, "message_start")]
        self._message = message
        usage = message.get("usage")
        self._usage_wire = usage if isinstance(usage, dict) else {}
        message_id, model = message.get("id"), message.get("model")
        return [
            Created(
                API,
                payload,
                message_id if type(message_id) is str else None,
                model if type(model) is str else None,
            ),
            UsageUpdate(API, payload, usage_from_wire(self._usage_wire)),
        ]

    def _message_delta(self, payload: wire.MessageDeltaEvent) -> list[Event]:
        delta = payload.get("delta")
        if isinstance(delta, dict):
            self._message_changes.update(delta)
        context_management = payload.get("context_management")
        if context_management is not None:
            self._message_changes["context_management"] = context_management
        usage = payload.get("usage")
        if not isinstance(usage, dict):
            return self._pass_through(payload)
        # Every count in message_delta is cumulative: it replaces, never adds. A field it leaves
        # out (or null) keeps message_start's value. A new dict: the earlier Usage keeps its raw.
        reported = {key: value for key, value in usage.items() if value is not None}
        self._usage_wire = {**self._usage_wire, **reported}
        return [UsageUpdate(API, payload, usage_from_wire(self._usage_wire))]

    def _message_stop(self, payload: wire.MessageStopEvent) -> list[Event]:
        self._stopped = True
        message = self._message or {}
        native_reason = self._message_changes.get("stop_reason") or message.get("stop_reason")
        if type(native_reason) is not str:
            native_reason = None
        stop_reason = STOP_REASONS.get(native_reason, "other") if native_reason else "other"
        final = self._final_message()
        return [
            Completed(
                API,
                payload,
                message.get("id") if type(message.get("id")) is str else None,
                usage_from_wire(self._usage_wire),
                stop_reason,
                native_reason,
                final=final,
                final_schema=FINAL_SCHEMA if final is not None else None,
            )
        ]

    def _final_message(self) -> Payload | None:
        if self._message is None:
            return None
        return {
            **self._message,
            "content": [self._closed[index] for index in sorted(self._closed)],
            **self._message_changes,
            "usage": self._usage_wire,
        }

    def _error(self, payload: wire.ErrorEvent) -> list[Event]:
        request_id = payload.get("request_id")
        raise error_from_body(
            None, payload, request_id=request_id if isinstance(request_id, str) else None
        )

    def _pass_through(self, payload: wire.MessageStreamEvent) -> list[Event]:
        if self._native_only:
            return [NativeOnly(API, payload, payload.get("type") or "unknown")]
        return []

    # --- content blocks: dispatch -----------------------------------------------------------

    def _block_start(self, payload: wire.ContentBlockStartEvent) -> list[Event]:
        index = payload.get("index")
        block: object = payload.get("content_block")
        if not isinstance(block, dict):
            return [Unknown(API, payload, "content_block_start")]
        if type(index) is not int:
            index = self._next_index  # left out: the block after the last one started
        self._next_index = max(self._next_index, index + 1)
        self._last_started = index
        kind = block.get("type")
        if not isinstance(kind, str):
            # Left out: a text or thinking block is known by its field.
            kind = "text" if "text" in block else "thinking" if "thinking" in block else "unknown"
        opened = _OpenBlock(block, kind)
        self._open[index] = opened
        starter = self._starters.get(kind)
        if starter is None:
            return [Unknown(API, payload, kind)]
        return starter(payload, index, opened)

    def _block_delta(self, payload: wire.ContentBlockDeltaEvent) -> list[Event]:
        index = payload.get("index")
        delta: object = payload.get("delta")
        if type(delta) is dict and type(index) is int:
            # The bulk of any stream (text, thinking and tool input fragments), handled inline.
            opened = self._open.get(index)
            kind = delta.get("type")
            if opened is not None:
                if kind == "text_delta" and opened.kind == "text":
                    text = delta.get("text")
                    if type(text) is str:
                        opened.fragments.append(text)
                        return [TextDelta(API, payload, text, index)]
                    return self._text_delta(payload, index, _text(text, "text"), opened)
                elif kind == "thinking_delta" and opened.kind == "thinking":
                    thinking = delta.get("thinking")
                    if type(thinking) is str:
                        opened.fragments.append(thinking)
                        return [ReasoningDelta(API, payload, thinking, "content", index)]
                    return self._thinking_delta(payload, index, _text(thinking, "thinking"), opened)
                elif kind == "input_json_delta" and opened.kind in _TOOL_INPUT_BLOCKS:
                    fragment = delta.get("partial_json")
                    if type(fragment) is str and opened.kind == "tool_use":
                        opened.fragments.append(fragment)
                        call_id = opened.block.get("id")
                        call_id = call_id if type(call_id) is str else ""
                        return [ToolCallArgumentsDelta(API, payload, call_id, fragment, index)]
                    return self._input_json_delta(payload, index, delta, opened)
        if not isinstance(delta, dict):
            return [Unknown(API, payload, "content_block_delta")]
        if type(index) is not int:
            index = self._last_started  # left out: the block being streamed
            if index is None:
                return [Unknown(API, payload, "content_block_delta")]
        delta_type = delta.get("type")
        if not isinstance(delta_type, str):
            # Left out: the delta is known by its field.
            delta_type = next(
                (name for field, name in _DELTA_TYPE_BY_FIELD if field in delta), "unknown"
            )
        opened = self._open.get(index)
        known = self._deltas.get(delta_type)
        if opened is None or known is None or opened.kind not in known[1]:
            # An unknown delta, a delta for an unknown block, or one for a block never started.
            return [Unknown(API, payload, delta_type)]
        return known[0](payload, index, delta, opened)

    def _block_stop(self, payload: wire.ContentBlockStopEvent) -> list[Event]:
        index = payload.get("index")
        if type(index) is not int:
            index = self._last_started  # left out: the block being streamed
        opened = self._open.pop(index, None) if type(index) is int else None
        if opened is None or type(index) is not int:
            return [Unknown(API, payload, "content_block_stop")]
        finisher = self._finishers.get(opened.kind)
        if finisher is None:
            # A block the schema does not know: already reported at its start; kept as started.
            self._closed[index] = opened.block
            return self._pass_through(payload)
        return finisher(payload, index, opened)

    # --- content blocks: starts ---------------------------------------------------------------

    def _start_silently(
        self, payload: wire.ContentBlockStartEvent, index: int, opened: _OpenBlock
    ) -> list[Event]:
        return self._pass_through(payload)

    def _start_text(
        self, payload: wire.ContentBlockStartEvent, index: int, opened: _OpenBlock
    ) -> list[Event]:
        text = _text(opened.block.get("text"), "content_block.text")
        if text:
            opened.fragments.append(text)
            return [TextDelta(API, payload, text, index)]
        return self._pass_through(payload)

    def _start_thinking(
        self, payload: wire.ContentBlockStartEvent, index: int, opened: _OpenBlock
    ) -> list[Event]:
        signature = opened.block.get("signature")
        if isinstance(signature, str) and signature:
            opened.signature = signature
        thinking = _text(opened.block.get("thinking"), "content_block.thinking")
        if thinking:
            opened.fragments.append(thinking)
            return [ReasoningDelta(API, payload, thinking, "content", index)]
        return self._pass_through(payload)

    def _start_tool_use(
        self, payload: wire.ContentBlockStartEvent, index: int, opened: _OpenBlock
    ) -> list[Event]:
        block = opened.block
        return [
            ToolCallStarted(API, payload, _str(block.get("id")), _str(block.get("name")), index)
        ]

    def _start_hosted_call(
        self, payload: wire.ContentBlockStartEvent, index: int, opened: _OpenBlock
    ) -> list[Event]:
        call_id = _str(opened.block.get("id"))
        name = _str(opened.block.get("name"))
        self._hosted_names[call_id] = name
        return [HostedToolCall(API, payload, call_id, name, "in_progress", index)]

    def _start_hosted_result(
        self, payload: wire.ContentBlockStartEvent, index: int, opened: _OpenBlock
    ) -> list[Event]:
        call_id, name, status = self._describe_result(opened)
        return [HostedToolCall(API, payload, call_id, name, status, index)]

    # --- content blocks: deltas ----------------------------------------------------------------

    def _text_delta(
        self, payload: wire.ContentBlockDeltaEvent, index: int, text: str, opened: _OpenBlock
    ) -> list[Event]:
        if not text:
            return self._pass_through(payload)
        opened.fragments.append(text)
        return [TextDelta(API, payload, text, index)]

    def _thinking_delta(
        self, payload: wire.ContentBlockDeltaEvent, index: int, thinking: str, opened: _OpenBlock
    ) -> list[Event]:
        if not thinking:
            return self._pass_through(payload)
        opened.fragments.append(thinking)
        return [ReasoningDelta(API, payload, thinking, "content", index)]

    def _text_delta_field(
        self, payload: wire.ContentBlockDeltaEvent, index: int, delta: Payload, opened: _OpenBlock
    ) -> list[Event]:
        return self._text_delta(payload, index, _text(delta.get("text"), "text"), opened)

    def _thinking_delta_field(
        self, payload: wire.ContentBlockDeltaEvent, index: int, delta: Payload, opened: _OpenBlock
    ) -> list[Event]:
        thinking = _text(delta.get("thinking"), "thinking")
        return self._thinking_delta(payload, index, thinking, opened)

    def _citations_delta(
        self, payload: wire.ContentBlockDeltaEvent, index: int, delta: Payload, opened: _OpenBlock
    ) -> list[Event]:
        citation = delta.get("citation")
        if isinstance(citation, dict):
            opened.citations.append(citation)
        return self._pass_through(payload)

    def _signature_delta(
        self, payload: wire.ContentBlockDeltaEvent, index: int, delta: Payload, opened: _OpenBlock
    ) -> list[Event]:
        signature = delta.get("signature")
        if isinstance(signature, str):
            opened.signature = signature
        return self._pass_through(payload)

    def _input_json_delta(
        self, payload: wire.ContentBlockDeltaEvent, index: int, delta: Payload, opened: _OpenBlock
    ) -> list[Event]:
        fragment = _text(delta.get("partial_json"), "partial_json")
        opened.fragments.append(fragment)
        if opened.kind != "tool_use":
            return self._pass_through(payload)  # a hosted call's input: no tool call events
        call_id = _str(opened.block.get("id"))
        return [ToolCallArgumentsDelta(API, payload, call_id, fragment, index)]

    def _compaction_delta(
        self, payload: wire.ContentBlockDeltaEvent, index: int, delta: Payload, opened: _OpenBlock
    ) -> list[Event]:
        # The summary streams as text fragments; the encrypted form (when sent) comes whole.
        opened.fragments.append(_text(delta.get("content"), "content"))
        encrypted = delta.get("encrypted_content")
        if type(encrypted) is str:
            opened.block = {**opened.block, "encrypted_content": encrypted}
        return self._pass_through(payload)

    # --- content blocks: stops ------------------------------------------------------------------

    def _finish_beta_block(
        self, payload: wire.ContentBlockStopEvent, index: int, opened: _OpenBlock
    ) -> list[Event]:
        # compaction, mcp_tool_listing: one item each, the block as the API takes it back.
        block = opened.block
        if opened.kind == "compaction" and opened.fragments:
            block = {**block, "content": opened.fragments.getvalue()}
        self._closed[index] = block
        item = BETA_ITEM_BLOCKS[opened.kind](block)
        return [ItemDone(API, payload, item, index)]

    def _finish_text(
        self, payload: wire.ContentBlockStopEvent, index: int, opened: _OpenBlock
    ) -> list[Event]:
        text = opened.fragments.getvalue()
        block = {**opened.block, "text": text}
        if opened.citations:
            earlier = block.get("citations")
            block["citations"] = [
                *(earlier if isinstance(earlier, list) else ()),
                *opened.citations,
            ]
        self._closed[index] = block
        citations = block.get("citations")
        part = TextPart(text, annotations=list(citations) if isinstance(citations, list) else [])
        item = Message(role="assistant", content=[part], api=API, native=block)
        return [ItemDone(API, payload, item, index)]

    def _finish_thinking(
        self, payload: wire.ContentBlockStopEvent, index: int, opened: _OpenBlock
    ) -> list[Event]:
        thinking = opened.fragments.getvalue()
        block = {**opened.block, "thinking": thinking, "signature": opened.signature or ""}
        self._closed[index] = block
        item = Reasoning(content=thinking, signature=opened.signature, api=API, native=block)
        return [ItemDone(API, payload, item, index)]

    def _finish_redacted_thinking(
        self, payload: wire.ContentBlockStopEvent, index: int, opened: _OpenBlock
    ) -> list[Event]:
        block = opened.block
        self._closed[index] = block
        data = block.get("data")
        item = Reasoning(redacted_data=data if type(data) is str else None, api=API, native=block)
        return [ItemDone(API, payload, item, index)]

    def _finish_tool_use(
        self, payload: wire.ContentBlockStopEvent, index: int, opened: _OpenBlock
    ) -> list[Event]:
        started = opened.block
        arguments, raw_arguments, error = parse_tool_input(
            opened.fragments.getvalue(), started.get("input")
        )
        block = {**started, "input": arguments}
        self._closed[index] = block
        call = ToolCall(
            id=_str(started.get("id")),
            name=_str(started.get("name")),
            arguments=arguments,
            raw_arguments=raw_arguments,
            arguments_error=error,
            api=API,
            native=block,
        )
        return [ToolCallDone(API, payload, call, index), ItemDone(API, payload, call, index)]

    def _finish_hosted_call(
        self, payload: wire.ContentBlockStopEvent, index: int, opened: _OpenBlock
    ) -> list[Event]:
        started = opened.block
        tool_input, _, _ = parse_tool_input(opened.fragments.getvalue(), started.get("input"))
        block = {**started, "input": tool_input}
        self._closed[index] = block
        item = HostedToolCallItem(
            id=_str(started.get("id")),
            name=_str(started.get("name")),
            # The call is made; its result is the next block (or, after pause_turn, a later turn).
            status="in_progress",
            input=tool_input,
            api=API,
            native=block,
        )
        return [ItemDone(API, payload, item, index)]

    def _finish_hosted_result(
        self, payload: wire.ContentBlockStopEvent, index: int, opened: _OpenBlock
    ) -> list[Event]:
        block = opened.block
        self._closed[index] = block
        call_id, name, status = self._describe_result(opened)
        item = HostedToolCallItem(
            id=call_id, name=name, status=status, result=block.get("content"), api=API, native=block
        )
        return [ItemDone(API, payload, item, index)]

    def _finish_opaque(
        self, payload: wire.ContentBlockStopEvent, index: int, opened: _OpenBlock
    ) -> list[Event]:
        self._closed[index] = opened.block
        return self._pass_through(payload)

    def _describe_result(self, opened: _OpenBlock) -> tuple[str, str, str]:
        """``(call id, tool name, status)`` of a hosted tool result block."""
        block = opened.block
        call_id = _str(block.get("tool_use_id"))
        # The call block named the tool; without it, the block type does (web_search_tool_result).
        name = self._hosted_names.get(call_id) or opened.kind.removesuffix("_tool_result")
        content = block.get("content")
        failed = block.get("is_error") is True or (
            isinstance(content, dict) and str(content.get("type", "")).endswith("_error")
        )
        return call_id, name, "failed" if failed else "completed"
