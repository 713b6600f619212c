"""Anthropic Messages non-streaming body -> Response: the ``message`` object a call without
``stream`` returns (the object a stream's events assemble into).

Every content block becomes the item the stream produces when that block closes, so a body and a
stream of the same answer collect to equal Responses. The block readers here take one finished
block and nothing else; the stream mapper can reuse them for the blocks it closes.

A block type the schema does not know stays in the message (``native``) and makes no item, as on
the stream path. A body that does not have the documented shape raises ``TypeError``/
``ValueError``; the public entry point (:func:`modelwire.bodies.decode_body`) turns those into a
typed error. An error body (``{"type": "error", "error": {...}}``) raises the typed API error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeAlias

from ...common.items import HostedToolCall as HostedToolItem
from ...common.items import Item, Message, Reasoning, TextPart, ToolCall
from ...common.response import Response, StopReason
from ...common.usage import Usage
from ...wire.json import JSONDecodeError, dumps, loads
from .errors import error_from_body

API: Final = "messages"
FINAL_SCHEMA: Final = "Message"
USAGE_SCHEMA: Final = "Usage"

Block: TypeAlias = dict[str, Any]

#: Wire stop reasons -> common ones; anything else is "other".
STOP_REASONS: Final[dict[str, StopReason]] = {
    "end_turn": "end_turn",
    "stop_sequence": "end_turn",
    "max_tokens": "max_tokens",
    "model_context_window_exceeded": "max_tokens",
    "tool_use": "tool_use",
    "pause_turn": "pause",
    "refusal": "refusal",
}

#: Blocks in which the API calls a tool it runs itself; the result follows in its own block.
HOSTED_CALL_BLOCKS: Final = ("server_tool_use", "mcp_tool_use")

#: Blocks holding a hosted tool's result (``tool_use_id`` names the call).
HOSTED_RESULT_BLOCKS: Final = (
    "web_search_tool_result",
    "web_fetch_tool_result",
    "code_execution_tool_result",
    "bash_code_execution_tool_result",
    "text_editor_code_execution_tool_result",
    "tool_search_tool_result",
    "mcp_tool_result",
)


def decode(body: dict[str, Any]) -> Response:
    """The Response a Messages ``message`` object (or error body) stands for."""
    content = body.get("content")
    if content is None:
        if body.get("type") == "error" or body.get("error") is not None:
            request_id = body.get("request_id")
            raise error_from_body(
                None, body, request_id=request_id if isinstance(request_id, str) else None
            )
        if body.get("type") != "message":
            raise ValueError("the body is neither a message object nor an error")
        content = []
    if type(content) is not list:
        raise TypeError(f"content is {type(content).__name__}, not a list")
    reader = BlockReader()
    text: list[str] = []
    reasoning: list[str] = []
    tool_calls: list[ToolCall] = []
    items: list[Item] = []
    for block in content:
        if type(block) is not dict:
            raise TypeError(f"a content block is {type(block).__name__}, not an object")
        item = reader.item(block)
        if item is None:
            continue
        items.append(item)
        kind = type(item)
        if kind is Message:
            text.append(_string(block.get("text"), "text.text"))
        elif kind is Reasoning:
            reasoning.append(_string(block.get("thinking"), "thinking.thinking"))
        elif kind is ToolCall:
            tool_calls.append(item)  # type: ignore[arg-type]
    native_reason = body.get("stop_reason")
    if native_reason is not None and type(native_reason) is not str:
        raise TypeError(f"stop_reason is {type(native_reason).__name__}, not a string")
    usage = body.get("usage")
    response_id = body.get("id")
    model = body.get("model")
    return Response(
        id=response_id if isinstance(response_id, str) else None,
        model=model if isinstance(model, str) else None,
        api=API,
        text="".join(text),
        reasoning="".join(reasoning),
        tool_calls=tool_calls,
        usage=usage_from_wire(usage if isinstance(usage, dict) else {}),
        stop_reason=STOP_REASONS.get(native_reason, "other") if native_reason else "other",
        native_stop_reason=native_reason or None,
        items=items,
        complete=True,
        final=body,
        final_schema=FINAL_SCHEMA,
    )


def _string(value: object, where: str) -> str:
    if value is None:
        return ""
    if type(value) is not str:
        raise TypeError(f"{where} is {type(value).__name__}, not a string")
    return value


class BlockReader:
    """Turns the finished content blocks of one message, in order, into items.

    It keeps one piece of state: the name of each hosted tool call, which its result block (that
    names only the call's id) is reported under.
    """

    __slots__ = ("_hosted_names", "_readers")

    def __init__(self) -> None:
        self._hosted_names: dict[str, str] = {}
        readers: dict[str, Callable[[Block, str], Item | None]] = {
            "text": self._text,
            "thinking": self._thinking,
            "redacted_thinking": self._redacted_thinking,
            "tool_use": self._tool_use,
        }
        for kind in HOSTED_CALL_BLOCKS:
            readers[kind] = self._hosted_call
        for kind in HOSTED_RESULT_BLOCKS:
            readers[kind] = self._hosted_result
        self._readers = readers

    def item(self, block: Block) -> Item | None:
        """The item of one finished block; None for a block with no common meaning
        (``container_upload``, or a type the schema does not know)."""
        kind = block.get("type")
        reader = self._readers.get(kind) if isinstance(kind, str) else None
        return None if reader is None else reader(block, kind)  # type: ignore[arg-type]

    def _text(self, block: Block, kind: str) -> Message:
        citations = block.get("citations")
        part = TextPart(
            _string(block.get("text"), "text.text"),
            annotations=list(citations) if isinstance(citations, list) else [],
        )
        return Message(role="assistant", content=[part], api=API, native=block)

    def _thinking(self, block: Block, kind: str) -> Reasoning:
        signature = block.get("signature")
        if not isinstance(signature, str):
            # The stream path always sends back a signature field (empty when none came).
            block = {**block, "signature": ""}
            signature = None
        return Reasoning(
            content=_string(block.get("thinking"), "thinking.thinking"),
            signature=signature or None,
            api=API,
            native=block,
        )

    def _redacted_thinking(self, block: Block, kind: str) -> Reasoning:
        return Reasoning(redacted_data=block.get("data"), api=API, native=block)

    def _tool_use(self, block: Block, kind: str) -> ToolCall:
        arguments, raw_arguments, error = tool_input(block.get("input"))
        if block.get("input") is not arguments:
            block = {**block, "input": arguments}
        return ToolCall(
            id=block.get("id", ""),
            name=block.get("name", ""),
            arguments=arguments,
            raw_arguments=raw_arguments,
            arguments_error=error,
            api=API,
            native=block,
        )

    def _hosted_call(self, block: Block, kind: str) -> HostedToolItem:
        tool_input_value, _, _ = tool_input(block.get("input"))
        if block.get("input") is not tool_input_value:
            block = {**block, "input": tool_input_value}
        call_id: str = block.get("id", "")
        name: str = block.get("name", "")
        self._hosted_names[call_id] = name
        return HostedToolItem(
            id=call_id,
            name=name,
            # The call is made; its result is the next block (or, after pause_turn, a later turn).
            status="in_progress",
            input=tool_input_value,
            api=API,
            native=block,
        )

    def _hosted_result(self, block: Block, kind: str) -> HostedToolItem:
        call_id: str = block.get("tool_use_id", "")
        # The call block named the tool; without it, the block type does (web_search_tool_result).
        name = self._hosted_names.get(call_id) or kind.removesuffix("_tool_result")
        content = block.get("content")
        failed = block.get("is_error") is True or (
            isinstance(content, dict) and str(content.get("type", "")).endswith("_error")
        )
        return HostedToolItem(
            id=call_id,
            name=name,
            status="failed" if failed else "completed",
            result=content,
            api=API,
            native=block,
        )


def tool_input(value: object) -> tuple[dict[str, Any], str, str | None]:
    """A tool block's finished input: ``(arguments, raw_arguments, arguments_error)``.

    The API sends an object. A compatible server that sends JSON text instead gets the stream
    path's treatment of the text its fragments add up to (invalid JSON is ``{}`` plus the reason).
    """
    if isinstance(value, dict):
        return value, dumps(value).decode() if value else "", None
    if value is None:
        return {}, "", None
    if isinstance(value, str):
        if not value:
            return {}, "", None
        try:
            parsed = loads(value)
        except JSONDecodeError as error:
            return {}, value, f"tool input is not valid JSON ({error})"
        if not isinstance(parsed, dict):
            return {}, value, f"tool input is JSON but not an object: {type(parsed).__name__}"
        return parsed, value, None
    raw = dumps(value).decode()
    return {}, raw, f"tool input is JSON but not an object: {type(value).__name__}"


def usage_from_wire(wire: dict[str, Any]) -> Usage:
    """Messages usage -> Usage. The API counts cache reads and writes apart from
    ``input_tokens``; the common ``input_tokens`` is every prompt token, so all three are added."""
    uncached = wire.get("input_tokens")
    written = wire.get("cache_creation_input_tokens")
    read = wire.get("cache_read_input_tokens")
    counts = [n for n in (uncached, written, read) if isinstance(n, int)]
    details = wire.get("output_tokens_details")
    return Usage(
        input_tokens=sum(counts) if counts else None,
        output_tokens=wire.get("output_tokens"),
        cached_input_tokens=read,
        reasoning_tokens=details.get("thinking_tokens") if isinstance(details, dict) else None,
        raw=wire,
        api=API,
        schema=USAGE_SCHEMA,
    )
