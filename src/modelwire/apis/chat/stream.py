"""Chat Completions stream -> common events: the delta-aggregation adapter.

Chat sends one kind of payload, ``chat.completion.chunk``; each carries a ``delta`` of the single
assistant message: text, refusal, reasoning (``reasoning_content`` from vLLM/DeepSeek,
``reasoning`` from OpenRouter and newer vLLM) and tool call fragments keyed by ``index``. Those
become events at once. Nothing on the wire says that an item is finished, so, like Codex's Chat
adapter, ``finish()`` (after ``data: [DONE]`` or at the end of the body) emits the ToolCallDones,
the ItemDones (reasoning, message, tool calls) and Completed with the aggregated
``chat.completion`` object.

Shapes of OpenAI-compatible servers handled here, each on purpose:

- a tool call sent whole in one fragment (Ollama), or with its id repeated on every fragment
  (vLLM): a fragment with the id already known continues that call;
- a second call on an index already taken by a call with another id (Ollama sends every call
  at index 0): it becomes a new call at the next free index, so the two stay apart;
- a call whose fragments never carry an id: it gets the stable id ``call_<index>``;
- a call whose name comes after its first fragment: ToolCallStarted waits for the name, and the
  argument fragments received meanwhile follow it (a call that never names itself starts, with an
  empty name, when the stream ends);
- ``arguments`` sent as a JSON object instead of JSON text: serialized to text;
- the legacy ``function_call`` delta (functions API): a tool call with id ``call_<index>``;
- usage on the usage-only last chunk (``stream_options.include_usage``) or on the last choice
  chunk (DeepSeek and others); the last usage seen wins;
- an error object as a whole payload (``{"error": {...}}``, ``{"object": "error", ...}``, or any
  payload of an ``event: error`` frame): the typed error, raised at once; an error on a chunk that
  also carries choices (OpenRouter): that chunk's deltas are delivered first, then the error;
- reasoning under ``reasoning_content`` (DeepSeek, xAI, vLLM), ``reasoning`` (OpenRouter, newer
  vLLM), ``reasoning_details`` (OpenRouter, beside ``reasoning``), ``thinking_blocks`` (LiteLLM,
  beside ``reasoning_content``) or as ``thinking`` parts of a list-valued ``content`` (Mistral):
  the text of one delta counts once, and the structured forms (details, signed thinking blocks)
  are kept on the Reasoning item, in the shape the server takes back;
- a ``finish_reason`` that changes (``tool_calls`` then ``stop``): the first one that is not
  ``stop`` is kept; ``[DONE]`` with no ``finish_reason`` at all: a complete answer;
- usage only inside Groq's ``x_groq``; chunk ids that change from chunk to chunk (the first id is
  the response's id);
- fields of the wrong JSON type: positions, ids, names and metadata are treated as absent; text
  that is not a string (nor null) makes the chunk malformed (a typed decode error, raised by the
  decoder with the partial Response), never a wrong answer that looks right.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias, cast

from ...common.arguments import parse_tool_arguments
from ...common.errors import ConfigurationError, ErrorAfterEvents, StreamInterruptedError
from ...common.events import (
    Completed,
    Created,
    Event,
    ItemDone,
    NativeOnly,
    ReasoningDelta,
    RefusalDelta,
    TextDelta,
    ToolCallArgumentsDelta,
    ToolCallDone,
    ToolCallStarted,
    Unknown,
)
from ...common.items import ContentPart, Message, Reasoning, RefusalPart, TextPart, ToolCall
from ...common.response import StopReason
from ...common.text import BLOCK, TextBuffer
from ...common.usage import Usage
from ...wire.json import dumps
from ..fields import malformed
from .body import FINAL_SCHEMA, STOP_REASONS, USAGE_SCHEMA
from .errors import error_from_body

CHUNK = "chat.completion.chunk"
#: Wire key of the legacy ``function_call`` delta in the table of calls by wire index.
_LEGACY_FUNCTION_CALL = -1

_DeltaHandler: TypeAlias = Callable[[Any, dict[str, Any], dict[str, Any], list[Event]], None]

#: Delta fields that carry reasoning; one delta may hold the same text under several of them.
_REASONING_FIELDS = ("reasoning_content", "reasoning", "reasoning_details", "thinking_blocks")

#: OpenRouter ``reasoning_details`` entry type -> the field holding its streamed text.
_DETAIL_TEXT_FIELDS = {"reasoning.text": "text", "reasoning.summary": "summary"}


def _text_or_none(value: object, field: str) -> str | None:
    """A text field: a string, or None when absent or null; any other type is malformed."""
    if value is None or type(value) is str:
        return value
    raise malformed(field, value)


class _ThinkingBlock:
    """One of LiteLLM's ``thinking_blocks`` assembled from its streamed pieces."""

    __slots__ = ("block", "signature", "thinking")

    def __init__(self, block: dict[str, Any]) -> None:
        self.block = block  # the first piece, for its type and any other field
        self.thinking = TextBuffer()
        self.signature: str | None = None

    def wire(self) -> dict[str, Any]:
        if self.block.get("type") != "thinking":
            return dict(self.block)
        return {
            **self.block,
            "thinking": self.thinking.getvalue(),
            "signature": self.signature,
        }


class _ReasoningDetail:
    """One of OpenRouter's ``reasoning_details`` entries, merged over the chunks by its index."""

    __slots__ = ("entry", "text", "text_field")

    def __init__(self, entry: dict[str, Any], text_field: str | None) -> None:
        self.entry = entry
        self.text_field = text_field
        self.text = TextBuffer()

    def wire(self) -> dict[str, Any]:
        if self.text_field is None:
            return dict(self.entry)
        return {**self.entry, self.text_field: self.text.getvalue()}


class _ToolCallState:
    """One tool call being assembled from its fragments."""

    __slots__ = ("arguments", "id", "index", "legacy", "name", "pending", "started", "wire_id")

    def __init__(self, index: int, wire_id: str | None, legacy: bool) -> None:
        self.index = index
        self.wire_id = wire_id
        self.id = ""  # fixed when the call starts: the wire id, or call_<index>
        self.name = ""
        self.arguments = TextBuffer()
        #: Argument fragments that arrived before the name, with the chunk that carried each.
        self.pending: list[tuple[str, dict[str, Any]]] = []
        self.started = False
        self.legacy = legacy


class Mapper:
    """Maps ``chat.completion.chunk`` payloads to common events; see the module docstring."""

    api: str = "chat"

    __slots__ = (
        "_annotations",
        "_by_object",
        "_call_for_wire_index",
        "_calls",
        "_delta_handlers",
        "_details",
        "_finish_chunk",
        "_finish_reason",
        "_first",
        "_last",
        "_logprobs",
        "_native_only",
        "_reasoning",
        "_reasoning_delta",
        "_reasoning_field",
        "_refusal",
        "_role",
        "_text",
        "_thinking_blocks",
        "_usage",
    )

    def __init__(self, *, native_only: bool = False) -> None:
        self._native_only = native_only
        self._by_object: dict[object, Callable[[dict[str, Any]], list[Event]]] = {
            CHUNK: self._on_chunk,
            "error": self._on_error,
        }
        self._delta_handlers: dict[str, _DeltaHandler] = {
            "content": self._on_content,
            "refusal": self._on_refusal,
            "tool_calls": self._on_tool_calls,
            "function_call": self._on_function_call,
            "annotations": self._on_annotations,
            "role": self._on_role,
        }
        for field in _REASONING_FIELDS:
            self._delta_handlers[field] = self._on_reasoning
        self._first: dict[str, Any] | None = None  # the chunk that produced Created
        self._last: dict[str, Any] | None = None
        self._finish_chunk: dict[str, Any] | None = None
        self._finish_reason: str | None = None
        self._usage: dict[str, Any] | None = None
        self._role = "assistant"
        self._text = TextBuffer()
        self._refusal = TextBuffer()
        self._reasoning = TextBuffer()
        self._reasoning_field = "reasoning_content"
        self._reasoning_delta: dict[str, Any] | None = None  # the delta whose reasoning was read
        self._thinking_blocks: list[_ThinkingBlock] = []
        self._details: dict[object, _ReasoningDetail] = {}  # by the entry's index
        self._annotations: list[Any] = []
        self._logprobs: dict[str, list[Any]] = {}
        self._calls: dict[int, _ToolCallState] = {}  # by common index
        self._call_for_wire_index: dict[int, _ToolCallState] = {}

    # -- the protocol ------------------------------------------------------------------------

    def map(self, event_name: str | None, payload: dict[str, Any]) -> list[Event]:
        if event_name == "error":
            # Chat frames have no event name; a server that names one "error" sends an error body.
            return self._on_error(payload)
        kind = payload.get("object")
        if kind == CHUNK:  # every chunk of a stream: no table look-up
            return self._on_chunk(payload)
        handler = self._by_object.get(kind) if type(kind) is str else None
        if handler is not None:
            return handler(payload)
        return self._on_other(payload)

    def finish(self, *, done: bool = False) -> list[Event]:
        """The items and Completed, once the body ended; ``done``: it ended with ``[DONE]``."""
        finish_reason = self._finish_reason
        if finish_reason is None and not done:
            raise StreamInterruptedError(
                "chat stream ended before any choice reported a finish_reason"
            )
        raw = self._finish_chunk or self._last or {}
        out: list[Event] = []
        calls = [self._calls[index] for index in sorted(self._calls)]
        tool_calls: list[ToolCall] = []
        for call in calls:
            if not call.started:
                self._start(call, raw, out)
            tool_call = self._tool_call(call)
            tool_calls.append(tool_call)
            out.append(ToolCallDone(self.api, raw, tool_call, call.index))
        text = self._text.getvalue()
        refusal = self._refusal.getvalue()
        reasoning = self._reasoning.getvalue()
        message_native = self._message_native(text, refusal, calls, tool_calls)
        reasoning_native = self._reasoning_native(reasoning)
        if reasoning or reasoning_native:
            out.append(
                ItemDone(self.api, raw, self._reasoning_item(reasoning, reasoning_native), 0)
            )
        if text or refusal:
            parts: list[ContentPart] = []
            if text:
                parts.append(TextPart(text, annotations=list(self._annotations)))
            if refusal:
                parts.append(RefusalPart(refusal))
            message = Message(role="assistant", content=parts, api="chat", native=message_native)
            out.append(ItemDone(self.api, raw, message, 0))
        for call, tool_call in zip(calls, tool_calls, strict=True):
            out.append(ItemDone(self.api, raw, tool_call, call.index))
        if finish_reason is None:
            # [DONE] ended a stream that never gave a reason (some local servers): complete.
            stop_reason = "end_turn"
        else:
            stop_reason = STOP_REASONS.get(finish_reason, "other")
        if stop_reason == "end_turn" and calls:
            # Some servers (Ollama, older vLLM) say "stop" after tool calls; the caller still
            # has to run them, which is what tool_use tells it.
            stop_reason = "tool_use"
        final = self._final(message_native, reasoning, reasoning_native, finish_reason)
        out.append(
            Completed(
                self.api,
                self._last or raw,
                final["id"] or None,
                self._common_usage(),
                cast(StopReason, stop_reason),
                finish_reason,
                final=final,
                final_schema=FINAL_SCHEMA,
            )
        )
        return out

    # -- payloads ----------------------------------------------------------------------------

    def _on_chunk(self, payload: dict[str, Any]) -> list[Event]:
        error = payload.get("error")
        out: list[Event] = []
        if self._first is None:
            response_id, model = payload.get("id"), payload.get("model")
            if (type(response_id) is str and response_id) or (type(model) is str and model):
                self._first = payload
                out.append(
                    Created(
                        self.api,
                        payload,
                        response_id if type(response_id) is str else None,
                        model if type(model) is str else None,
                    )
                )
        self._last = payload
        choices = payload.get("choices")
        if type(choices) is not list:
            if choices is not None:
                raise malformed("choices", choices, "a list")
            choices = ()
        for choice in choices:
            if type(choice) is not dict:
                raise malformed("a choice", choice, "an object")
            choice_index = choice.get("index", 0)
            if choice_index and type(choice_index) is int:
                raise ConfigurationError(
                    f"chat stream has a choice index {choice_index}: n > 1 choices are not "
                    "supported by the common stream; request n=1 (or read the body with the "
                    "native chat models)"
                )
            delta: Any = choice.get("delta")
            one_field = type(delta) is dict and len(delta) == 1
            text = delta.get("content") if one_field else None
            if type(text) is str and text:
                # Most chunks carry one text fragment and nothing else: skip the field loop.
                parts = self._text.parts
                parts.append(text)
                if len(parts) >= BLOCK:
                    self._text.compact()
                out.append(TextDelta(self.api, payload, text, 0))
            elif one_field and text is None and self._one_field_delta(delta, payload, out):
                pass  # one reasoning or argument fragment: no field loop either
            elif delta:
                if type(delta) is not dict:
                    raise malformed("delta", delta, "an object")
                handlers = self._delta_handlers
                for key, value in delta.items():
                    if value:  # servers send unused fields as null or ""
                        handler = handlers.get(key)
                        if handler is not None:
                            handler(value, delta, payload, out)
            finish_reason = choice.get("finish_reason")
            if finish_reason is not None and type(finish_reason) is str:
                self._set_finish_reason(finish_reason, payload)
            logprobs = choice.get("logprobs")
            if logprobs and type(logprobs) is dict:
                self._add_logprobs(logprobs)
        usage = payload.get("usage")
        if usage is None:
            # Groq reports usage only inside its own x_groq object.
            extension = payload.get("x_groq")
            if type(extension) is dict:
                usage = extension.get("usage")
        if type(usage) is dict:
            self._usage = usage
        if error is not None:
            # OpenRouter puts a mid-stream failure on a chunk: what the chunk still carried is
            # delivered, then the error.
            failure = error_from_body(None, payload)
            if out:
                raise ErrorAfterEvents(out, failure)
            raise failure
        if self._native_only and not out:
            # Role-only, finish and usage chunks: their meaning arrives with finish().
            out.append(NativeOnly(self.api, payload, CHUNK))
        return out

    def _one_field_delta(
        self, delta: dict[str, Any], payload: dict[str, Any], out: list[Event]
    ) -> bool:
        """A delta of one reasoning or argument fragment, mapped at once; False for any other
        delta (the field loop reads it)."""
        reasoning = delta.get("reasoning_content")
        if type(reasoning) is str and reasoning:
            if self._reasoning_field != "reasoning_content" and not self._reasoning:
                self._reasoning_field = "reasoning_content"
            parts = self._reasoning.parts
            parts.append(reasoning)
            if len(parts) >= BLOCK:
                self._reasoning.compact()
            out.append(ReasoningDelta(self.api, payload, reasoning, "content", 0))
            return True
        fragments = delta.get("tool_calls")
        if type(fragments) is not list or len(fragments) != 1:
            return False
        fragment = fragments[0]
        if type(fragment) is not dict or fragment.get("id") is not None:
            return False
        wire_index = fragment.get("index")
        function = fragment.get("function")
        if type(wire_index) is not int or type(function) is not dict:
            return False
        arguments = function.get("arguments")
        call = self._call_for_wire_index.get(wire_index)
        if (
            call is None
            or not call.started
            or type(arguments) is not str
            or not arguments
            or function.get("name") is not None
        ):
            return False
        # A continuation fragment of a call already started: its arguments, nothing else.
        parts = call.arguments.parts
        parts.append(arguments)
        if len(parts) >= BLOCK:
            call.arguments.compact()
        out.append(ToolCallArgumentsDelta(self.api, payload, call.id, arguments, call.index))
        return True

    def _set_finish_reason(self, finish_reason: str, payload: dict[str, Any]) -> None:
        # A server that changes its mind (tool_calls, then stop) said the meaningful thing first.
        earlier = self._finish_reason
        if finish_reason == "stop" and earlier is not None and earlier != "stop":
            return
        self._finish_reason = finish_reason
        self._finish_chunk = payload

    def _on_error(self, payload: dict[str, Any]) -> list[Event]:
        raise error_from_body(None, payload)

    def _on_other(self, payload: dict[str, Any]) -> list[Event]:
        if payload.get("error") is not None:  # {"error": {...}}: no "object" at all
            raise error_from_body(None, payload)
        name = payload.get("object")
        return [Unknown(self.api, payload, name if isinstance(name, str) and name else "unknown")]

    # -- delta fields ------------------------------------------------------------------------

    def _on_content(
        self, content: Any, delta: dict[str, Any], payload: dict[str, Any], out: list[Event]
    ) -> None:
        if type(content) is str:
            self._text.append(content)
            out.append(TextDelta(self.api, payload, content, 0))
        elif type(content) is list:
            self._on_content_parts(content, payload, out)
        else:
            raise malformed("content", content, "a string or a list of parts")

    def _on_content_parts(
        self, parts: list[Any], payload: dict[str, Any], out: list[Event]
    ) -> None:
        """Mistral's list-valued content: ``text`` parts are text, ``thinking`` parts reasoning."""
        for part in parts:
            if type(part) is not dict:
                raise malformed("a content part", part, "an object")
            kind = part.get("type")
            if kind == "text":
                text = _text_or_none(part.get("text"), "a text part's text")
                if text:
                    self._text.append(text)
                    out.append(TextDelta(self.api, payload, text, 0))
            elif kind == "thinking":
                pieces = part.get("thinking")
                if type(pieces) is str:
                    pieces = [{"type": "text", "text": pieces}]
                for piece in pieces if type(pieces) is list else ():
                    thought = _text_or_none(
                        piece.get("text") if type(piece) is dict else None,
                        "a thinking part's text",
                    )
                    if thought:
                        self._add_reasoning(thought, "thinking", payload, out)

    def _on_refusal(
        self, text: Any, delta: dict[str, Any], payload: dict[str, Any], out: list[Event]
    ) -> None:
        if type(text) is not str:
            raise malformed("refusal", text)
        self._refusal.append(text)
        out.append(RefusalDelta(self.api, payload, text, 0))

    def _on_reasoning(
        self, value: Any, delta: dict[str, Any], payload: dict[str, Any], out: list[Event]
    ) -> None:
        """Every reasoning field of one delta, read once: the text counts once, whichever names
        carry it (OpenRouter sends ``reasoning`` and ``reasoning_details`` together, LiteLLM
        ``reasoning_content`` and ``thinking_blocks``)."""
        if delta is self._reasoning_delta:
            return
        self._reasoning_delta = delta
        text: str | None = None
        field = "reasoning_content"
        content = _text_or_none(delta.get("reasoning_content"), "reasoning_content")
        if content:
            text = content
        reasoning = delta.get("reasoning")
        if reasoning:
            if (
                type(reasoning) is dict
            ):  # tolerated like Codex does: {"text": ...} / {"content": ...}
                reasoning = reasoning.get("text") or reasoning.get("content")
            reasoning = _text_or_none(reasoning, "reasoning")
            if reasoning and text is None:
                text, field = reasoning, "reasoning"
        details = delta.get("reasoning_details")
        if details:
            if type(details) is not list:
                raise malformed("reasoning_details", details, "a list")
            detail_text = self._add_details(details)
            if detail_text and text is None:
                text, field = detail_text, "reasoning"
        blocks = delta.get("thinking_blocks")
        if blocks:
            if type(blocks) is not list:
                raise malformed("thinking_blocks", blocks, "a list")
            block_text = self._add_thinking_blocks(blocks)
            if block_text and text is None:
                text = block_text
        if text:
            self._add_reasoning(text, field, payload, out)

    def _add_reasoning(
        self, text: str, field: str, payload: dict[str, Any], out: list[Event]
    ) -> None:
        if not self._reasoning:
            self._reasoning_field = field
        self._reasoning.append(text)
        out.append(ReasoningDelta(self.api, payload, text, "content", 0))

    def _add_details(self, details: list[Any]) -> str:
        """Merge OpenRouter ``reasoning_details`` pieces by index; returns their new text."""
        new_text = []
        for entry in details:
            if type(entry) is not dict:
                raise malformed("a reasoning_details entry", entry, "an object")
            kind = entry.get("type")
            text_field = _DETAIL_TEXT_FIELDS.get(kind) if type(kind) is str else None
            key = entry.get("index")
            if type(key) is not int:
                key = ("unindexed", len(self._details))
            detail = self._details.get(key)
            if detail is None or detail.entry.get("type") != kind:
                if detail is not None:
                    key = ("retyped", len(self._details))
                base = {k: v for k, v in entry.items() if k != text_field}
                detail = self._details[key] = _ReasoningDetail(base, text_field)
            else:
                for name, value in entry.items():
                    if name != text_field and value is not None:
                        detail.entry[name] = value  # a signature or id sent with a later piece
            if text_field is not None:
                text = _text_or_none(entry.get(text_field), f"reasoning_details {text_field}")
                if text:
                    detail.text.append(text)
                    new_text.append(text)
        return "".join(new_text)

    def _add_thinking_blocks(self, blocks: list[Any]) -> str:
        """Join LiteLLM's streamed ``thinking_blocks`` pieces: thinking text continues the open
        block until its signature arrives; returns the new thinking text."""
        new_text = []
        for piece in blocks:
            if type(piece) is not dict:
                raise malformed("a thinking block", piece, "an object")
            if piece.get("type", "thinking") != "thinking":
                self._thinking_blocks.append(_ThinkingBlock(piece))  # redacted_thinking: whole
                continue
            thinking = _text_or_none(piece.get("thinking"), "a thinking block's thinking")
            signature = piece.get("signature")
            last = self._thinking_blocks[-1] if self._thinking_blocks else None
            if (
                last is None
                or last.block.get("type", "thinking") != "thinking"
                or last.signature is not None
            ):
                last = _ThinkingBlock({k: v for k, v in piece.items() if k != "thinking"})
                self._thinking_blocks.append(last)
            if thinking:
                last.thinking.append(thinking)
                new_text.append(thinking)
            if type(signature) is str and signature:
                last.signature = signature
        return "".join(new_text)

    def _on_annotations(
        self, annotations: Any, delta: dict[str, Any], payload: dict[str, Any], out: list[Event]
    ) -> None:
        if isinstance(annotations, list):
            self._annotations.extend(annotations)

    def _on_role(
        self, role: Any, delta: dict[str, Any], payload: dict[str, Any], out: list[Event]
    ) -> None:
        if isinstance(role, str):
            self._role = role

    def _on_tool_calls(
        self, fragments: Any, delta: dict[str, Any], payload: dict[str, Any], out: list[Event]
    ) -> None:
        if type(fragments) is not list:
            raise malformed("tool_calls", fragments, "a list")
        for position, fragment in enumerate(fragments):
            if type(fragment) is not dict:
                raise malformed("a tool_calls fragment", fragment, "an object")
            wire_index = fragment.get("index")
            whole = type(wire_index) is not int
            if whole:
                # A server that leaves out ``index`` sends whole calls: their place in the list.
                wire_index = position
            function = fragment.get("function")
            if type(function) is not dict:
                if function is not None:
                    raise malformed("a tool call's function", function, "an object")
                function = {}
            self._add_fragment(
                cast(int, wire_index),
                fragment.get("id"),
                function.get("name"),
                function.get("arguments"),
                payload,
                out,
                legacy=False,
                whole=whole,
            )

    def _on_function_call(
        self, function: Any, delta: dict[str, Any], payload: dict[str, Any], out: list[Event]
    ) -> None:
        if not isinstance(function, dict):
            raise malformed("function_call", function, "an object")
        self._add_fragment(
            _LEGACY_FUNCTION_CALL,
            None,
            function.get("name"),
            function.get("arguments"),
            payload,
            out,
            legacy=True,
        )

    # -- tool calls --------------------------------------------------------------------------

    def _add_fragment(
        self,
        wire_index: int,
        call_id: Any,
        name: Any,
        arguments: Any,
        payload: dict[str, Any],
        out: list[Event],
        *,
        legacy: bool,
        whole: bool = False,
    ) -> None:
        # Ids and names of another type than text are no ids or names (Together sends null on
        # continuation fragments).
        if type(call_id) is not str:
            call_id = None
        if type(name) is not str:
            name = None
        if arguments is not None and type(arguments) is not str:
            if type(arguments) is not dict:
                raise malformed("a tool call's arguments", arguments, "a string or an object")
            arguments = dumps(arguments).decode()
        call = self._call_for_wire_index.get(wire_index)
        if (
            call is None
            or (call_id and call.wire_id and call_id != call.wire_id)
            # Without an index, a fragment that names its function is a call of its own.
            or (whole and name and call.name and not call_id)
        ):
            call = self._new_call(wire_index, call_id or None, legacy)
        elif call_id and call.wire_id is None and not call.started:
            call.wire_id = call_id
        if name and not call.name:
            call.name = name
        if arguments:
            call.arguments.append(arguments)
        if call.started:
            if arguments:
                out.append(
                    ToolCallArgumentsDelta(self.api, payload, call.id, arguments, call.index)
                )
            return
        if arguments:
            call.pending.append((arguments, payload))
        if call.name:
            self._start(call, payload, out)

    def _new_call(self, wire_index: int, wire_id: str | None, legacy: bool) -> _ToolCallState:
        index = wire_index
        if index < 0 or index in self._calls:
            index = max(self._calls) + 1 if self._calls else 0
        call = _ToolCallState(index, wire_id, legacy)
        self._calls[index] = call
        self._call_for_wire_index[wire_index] = call
        return call

    def _start(self, call: _ToolCallState, payload: dict[str, Any], out: list[Event]) -> None:
        call.started = True
        call.id = call.wire_id or f"call_{call.index}"
        out.append(ToolCallStarted(self.api, payload, call.id, call.name, call.index))
        for arguments, carrier in call.pending:
            out.append(ToolCallArgumentsDelta(self.api, carrier, call.id, arguments, call.index))
        call.pending.clear()

    def _tool_call(self, call: _ToolCallState) -> ToolCall:
        raw_arguments = call.arguments.getvalue()
        arguments, error = parse_tool_arguments(raw_arguments)
        native = {
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": raw_arguments},
        }
        return ToolCall(
            id=call.id,
            name=call.name,
            arguments=arguments,
            raw_arguments=raw_arguments,
            arguments_error=error,
            kind="function",
            api="chat",
            native=native,
        )

    # -- the end -----------------------------------------------------------------------------

    def _message_native(
        self, text: str, refusal: str, calls: list[_ToolCallState], tool_calls: list[ToolCall]
    ) -> dict[str, Any]:
        """The assistant message as the API would send it whole, and takes it back in a request."""
        message: dict[str, Any] = {
            "role": self._role,
            "content": text or None,
            "refusal": refusal or None,
        }
        natives = [tc.native for call, tc in zip(calls, tool_calls, strict=True) if not call.legacy]
        if natives:
            message["tool_calls"] = natives
        for call, tool_call in zip(calls, tool_calls, strict=True):
            if call.legacy:
                message["function_call"] = {"name": call.name, "arguments": tool_call.raw_arguments}
        return message

    def _reasoning_native(self, reasoning: str) -> dict[str, Any]:
        """The reasoning as the server sent it, in the shape it takes back on an assistant
        message: the text under its field, plus OpenRouter's details or LiteLLM's blocks."""
        native: dict[str, Any] = {}
        if self._reasoning_field == "thinking":
            # Mistral: a thinking part of the assistant message's content.
            if reasoning:
                native = {"type": "thinking", "thinking": [{"type": "text", "text": reasoning}]}
            return native
        if reasoning:
            native[self._reasoning_field] = reasoning
        if self._details:
            native["reasoning_details"] = [detail.wire() for detail in self._details.values()]
        if self._thinking_blocks:
            native["thinking_blocks"] = [block.wire() for block in self._thinking_blocks]
        return native

    def _reasoning_item(self, reasoning: str, native: dict[str, Any]) -> Reasoning:
        signature = None
        redacted = None
        for block in self._thinking_blocks:
            if block.signature is not None:
                signature = block.signature
            data = block.block.get("data")
            if block.block.get("type") == "redacted_thinking" and type(data) is str:
                redacted = data
        encrypted = None
        for detail in self._details.values():
            data = detail.entry.get("data")
            if detail.entry.get("type") == "reasoning.encrypted" and type(data) is str:
                encrypted = data
        return Reasoning(
            content=reasoning,
            signature=signature,
            encrypted_content=encrypted,
            redacted_data=redacted,
            api="chat",
            native=native,
        )

    def _final(
        self,
        message_native: dict[str, Any],
        reasoning: str,
        reasoning_native: dict[str, Any],
        finish_reason: str | None,
    ) -> dict[str, Any]:
        """The ``chat.completion`` object the same request would have returned unstreamed.

        Fields the stream never sent (``created`` on some servers, a ``finish_reason`` before
        ``[DONE]``) are filled with empty or ordinary values, so the object still validates as
        ChatCompletion.
        """
        message = dict(message_native)
        if self._annotations:
            message["annotations"] = list(self._annotations)
        if self._reasoning_field != "thinking":
            message.update(reasoning_native)
        logprobs = None
        if self._logprobs:
            logprobs = {
                "content": self._logprobs.get("content"),
                "refusal": self._logprobs.get("refusal"),
            }
        first = self._first or {}
        response_id = first.get("id")  # some servers send a new id on every chunk: the first
        return {
            "id": response_id if type(response_id) is str else self._meta("id", str) or "",
            "object": "chat.completion",
            "created": self._meta("created", int) or 0,
            "model": self._meta("model", str) or "",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": finish_reason or "stop",
                    "logprobs": logprobs,
                }
            ],
            "usage": self._usage,
            "system_fingerprint": self._meta("system_fingerprint", str),
            "service_tier": self._meta("service_tier", str),
        }

    def _meta(self, key: str, kind: type) -> Any:
        """A completion-level field: every chunk repeats it; the latest one that has it wins."""
        for chunk in (self._last, self._finish_chunk, self._first):
            if chunk is not None:
                value = chunk.get(key)
                if type(value) is kind:
                    return value
        return None

    def _common_usage(self) -> Usage:
        wire = self._usage
        if wire is None:
            return Usage(api=self.api)
        prompt_details = wire.get("prompt_tokens_details")
        completion_details = wire.get("completion_tokens_details")
        cached = _count(prompt_details, "cached_tokens")
        if cached is None:
            cached = _count(wire, "prompt_cache_hit_tokens")  # DeepSeek's own field
        return Usage(
            input_tokens=_count(wire, "prompt_tokens"),
            output_tokens=_count(wire, "completion_tokens"),
            cached_input_tokens=cached,
            reasoning_tokens=_count(completion_details, "reasoning_tokens"),
            raw=wire,
            api=self.api,
            schema=USAGE_SCHEMA,
        )

    def _add_logprobs(self, logprobs: dict[str, Any]) -> None:
        for key in ("content", "refusal"):
            entries = logprobs.get(key)
            if entries and type(entries) is list:
                self._logprobs.setdefault(key, []).extend(entries)


def _count(wire: object, key: str) -> int | None:
    """A token count, or None when absent or not an integer."""
    value = wire.get(key) if type(wire) is dict else None
    return value if type(value) is int else None
