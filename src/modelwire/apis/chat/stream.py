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
  payload of an ``event: error`` frame) or on a chunk (OpenRouter): the typed error, raised at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from ...common.arguments import parse_tool_arguments
from ...common.errors import ConfigurationError, StreamInterruptedError
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
from ...common.text import TextBuffer
from ...common.usage import Usage
from ...wire.json import dumps
from .errors import error_from_body

CHUNK = "chat.completion.chunk"
#: Schema names in schemas/chat.yaml.
FINAL_SCHEMA = "ChatCompletion"
USAGE_SCHEMA = "CompletionUsage"

#: finish_reason -> the common stop reason; anything else is "other". ``error`` is what
#: OpenRouter reports when generation failed upstream.
STOP_REASONS: dict[str, StopReason] = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "content_filter",
    "error": "error",
}

#: Wire key of the legacy ``function_call`` delta in the table of calls by wire index.
_LEGACY_FUNCTION_CALL = -1

_DeltaHandler: TypeAlias = Callable[[Any, dict[str, Any], dict[str, Any], list[Event]], None]


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
        "_finish_chunk",
        "_finish_reason",
        "_first",
        "_last",
        "_logprobs",
        "_native_only",
        "_reasoning",
        "_reasoning_field",
        "_refusal",
        "_role",
        "_text",
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
            "reasoning_content": self._on_reasoning_content,
            "reasoning": self._on_reasoning,
            "tool_calls": self._on_tool_calls,
            "function_call": self._on_function_call,
            "annotations": self._on_annotations,
            "role": self._on_role,
        }
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
        self._annotations: list[Any] = []
        self._logprobs: dict[str, list[Any]] = {}
        self._calls: dict[int, _ToolCallState] = {}  # by common index
        self._call_for_wire_index: dict[int, _ToolCallState] = {}

    # -- the protocol ------------------------------------------------------------------------

    def map(self, event_name: str | None, payload: dict[str, Any]) -> list[Event]:
        if event_name == "error":
            # Chat frames have no event name; a server that names one "error" sends an error body.
            return self._on_error(payload)
        handler = self._by_object.get(payload.get("object"))
        if handler is not None:
            return handler(payload)
        return self._on_other(payload)

    def finish(self) -> list[Event]:
        finish_reason = self._finish_reason
        if finish_reason is None:
            raise StreamInterruptedError(
                "chat stream ended before any choice reported a finish_reason"
            )
        raw = self._finish_chunk or {}
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
        if reasoning:
            item = Reasoning(
                content=reasoning, api="chat", native={self._reasoning_field: reasoning}
            )
            out.append(ItemDone(self.api, raw, item, 0))
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
        stop_reason = STOP_REASONS.get(finish_reason, "other")
        if stop_reason == "end_turn" and calls:
            # Some servers (Ollama, older vLLM) say "stop" after tool calls; the caller still
            # has to run them, which is what tool_use tells it.
            stop_reason = "tool_use"
        final = self._final(message_native, reasoning, finish_reason)
        out.append(
            Completed(
                self.api,
                self._last or raw,
                final["id"] or None,
                self._common_usage(),
                stop_reason,
                finish_reason,
                final=final,
                final_schema=FINAL_SCHEMA,
            )
        )
        return out

    # -- payloads ----------------------------------------------------------------------------

    def _on_chunk(self, payload: dict[str, Any]) -> list[Event]:
        if payload.get("error") is not None:  # OpenRouter puts a mid-stream failure on a chunk
            raise error_from_body(None, payload)
        out: list[Event] = []
        if self._first is None and (payload.get("id") or payload.get("model")):
            self._first = payload
            out.append(Created(self.api, payload, payload.get("id"), payload.get("model")))
        self._last = payload
        for choice in payload.get("choices") or ():
            choice_index = choice.get("index", 0)
            if choice_index:
                raise ConfigurationError(
                    f"chat stream has a choice index {choice_index}: n > 1 choices are not "
                    "supported by the common stream; request n=1 (or read the body with the "
                    "native chat models)"
                )
            delta = choice.get("delta")
            text = delta.get("content") if type(delta) is dict and len(delta) == 1 else None
            if type(text) is str and text:
                # Most chunks carry one text fragment and nothing else: skip the field loop.
                self._text.append(text)
                out.append(TextDelta(self.api, payload, text, 0))
            elif delta:
                handlers = self._delta_handlers
                for key, value in delta.items():
                    if value:  # servers send unused fields as null or ""
                        handler = handlers.get(key)
                        if handler is not None:
                            handler(value, delta, payload, out)
            finish_reason = choice.get("finish_reason")
            if finish_reason is not None:
                self._finish_reason = finish_reason
                self._finish_chunk = payload
            logprobs = choice.get("logprobs")
            if logprobs:
                self._add_logprobs(logprobs)
        usage = payload.get("usage")
        if isinstance(usage, dict):
            self._usage = usage
        if self._native_only and not out:
            # Role-only, finish and usage chunks: their meaning arrives with finish().
            out.append(NativeOnly(self.api, payload, CHUNK))
        return out

    def _on_error(self, payload: dict[str, Any]) -> list[Event]:
        raise error_from_body(None, payload)

    def _on_other(self, payload: dict[str, Any]) -> list[Event]:
        if payload.get("error") is not None:  # {"error": {...}}: no "object" at all
            raise error_from_body(None, payload)
        name = payload.get("object")
        return [Unknown(self.api, payload, name if isinstance(name, str) and name else "unknown")]

    # -- delta fields ------------------------------------------------------------------------

    def _on_content(
        self, text: Any, delta: dict[str, Any], payload: dict[str, Any], out: list[Event]
    ) -> None:
        if type(text) is str:
            self._text.append(text)
            out.append(TextDelta(self.api, payload, text, 0))

    def _on_refusal(
        self, text: Any, delta: dict[str, Any], payload: dict[str, Any], out: list[Event]
    ) -> None:
        if type(text) is str:
            self._refusal.append(text)
            out.append(RefusalDelta(self.api, payload, text, 0))

    def _on_reasoning_content(
        self, text: Any, delta: dict[str, Any], payload: dict[str, Any], out: list[Event]
    ) -> None:
        if type(text) is str:
            self._add_reasoning(text, "reasoning_content", payload, out)

    def _on_reasoning(
        self, value: Any, delta: dict[str, Any], payload: dict[str, Any], out: list[Event]
    ) -> None:
        if value == delta.get("reasoning_content"):
            return  # the same text under both names (vLLM while renaming the field)
        text = value
        if isinstance(value, dict):  # tolerated like Codex does: {"text": ...} / {"content": ...}
            text = value.get("text") or value.get("content")
        if isinstance(text, str) and text:
            self._add_reasoning(text, "reasoning", payload, out)

    def _add_reasoning(
        self, text: str, field: str, payload: dict[str, Any], out: list[Event]
    ) -> None:
        if not self._reasoning:
            self._reasoning_field = field
        self._reasoning.append(text)
        out.append(ReasoningDelta(self.api, payload, text, "content", 0))

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
            return
        for position, fragment in enumerate(fragments):
            wire_index = fragment.get("index")
            if type(wire_index) is not int:
                # A server that leaves out ``index`` sends whole calls: their place in the list.
                wire_index = position
            function = fragment.get("function") or {}
            self._add_fragment(
                wire_index,
                fragment.get("id"),
                function.get("name"),
                function.get("arguments"),
                payload,
                out,
                legacy=False,
            )

    def _on_function_call(
        self, function: Any, delta: dict[str, Any], payload: dict[str, Any], out: list[Event]
    ) -> None:
        if not isinstance(function, dict):
            return
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
    ) -> None:
        call = self._call_for_wire_index.get(wire_index)
        if call is None or (call_id and call.wire_id and call_id != call.wire_id):
            call = self._new_call(wire_index, call_id or None, legacy)
        elif call_id and call.wire_id is None and not call.started:
            call.wire_id = call_id
        if name and not call.name:
            call.name = name
        if arguments and type(arguments) is not str:
            arguments = dumps(arguments).decode()
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

    def _final(
        self, message_native: dict[str, Any], reasoning: str, finish_reason: str
    ) -> dict[str, Any]:
        """The ``chat.completion`` object the same request would have returned unstreamed.

        Fields the stream never sent (``created`` on some servers) are filled with empty values,
        so the object still validates as ChatCompletion.
        """
        message = dict(message_native)
        if self._annotations:
            message["annotations"] = list(self._annotations)
        if reasoning:
            message[self._reasoning_field] = reasoning
        logprobs = None
        if self._logprobs:
            logprobs = {
                "content": self._logprobs.get("content"),
                "refusal": self._logprobs.get("refusal"),
            }
        return {
            "id": self._meta("id") or "",
            "object": "chat.completion",
            "created": self._meta("created") or 0,
            "model": self._meta("model") or "",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": finish_reason,
                    "logprobs": logprobs,
                }
            ],
            "usage": self._usage,
            "system_fingerprint": self._meta("system_fingerprint"),
            "service_tier": self._meta("service_tier"),
        }

    def _meta(self, key: str) -> Any:
        """A completion-level field: every chunk repeats it; the latest one that has it wins."""
        for chunk in (self._last, self._finish_chunk, self._first):
            if chunk is not None:
                value = chunk.get(key)
                if value is not None:
                    return value
        return None

    def _common_usage(self) -> Usage:
        wire = self._usage
        if wire is None:
            return Usage(api=self.api)
        prompt_details = wire.get("prompt_tokens_details") or {}
        completion_details = wire.get("completion_tokens_details") or {}
        cached = prompt_details.get("cached_tokens")
        if cached is None:
            cached = wire.get("prompt_cache_hit_tokens")  # DeepSeek's own field
        return Usage(
            input_tokens=wire.get("prompt_tokens"),
            output_tokens=wire.get("completion_tokens"),
            cached_input_tokens=cached,
            reasoning_tokens=completion_details.get("reasoning_tokens"),
            raw=wire,
            api=self.api,
            schema=USAGE_SCHEMA,
        )

    def _add_logprobs(self, logprobs: Any) -> None:
        for key in ("content", "refusal"):
            entries = logprobs.get(key)
            if entries:
                self._logprobs.setdefault(key, []).extend(entries)
