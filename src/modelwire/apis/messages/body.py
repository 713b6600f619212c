"""Anthropic Messages non-streaming body -> Response: the ``message`` object a call without
``stream`` returns (the object a stream's events assemble into).

Every content block becomes the item the stream produces when that block closes, so a body and a
stream of the same answer collect to equal Responses. The block readers here (``text_item``,
``thinking_item``, ``tool_use_item``, ...) take one finished block; the stream mapper can reuse
them for the blocks it closes.

A block type the schema does not know stays in the message (``native``) and makes no item, as on
the stream path. A body that does not have the documented shape raises ``TypeError``/
``ValueError``; the public entry point (:func:`modelwire.bodies.decode_body`) turns those into a
typed error. An error body (``{"type": "error", "error": {...}}``) raises the typed API error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeAlias

from ...common.arguments import parse_tool_arguments
from ...common.items import HostedToolCallItem as HostedToolItem
from ...common.items import Item, Message, Reasoning, TextPart, ToolCall
from ...common.response import Response, StopReason
from ...common.usage import Usage
from ...wire.json import dumps
from ..fields import count
from .beta_blocks import BETA_ITEM_BLOCKS, BETA_RESULT_BLOCKS
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
    *BETA_RESULT_BLOCKS,
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
    text: list[str] = []
    reasoning: list[str] = []
    tool_calls: list[ToolCall] = []
    items: list[Item] = []
    hosted_names: dict[str, str] = {}
    for block in content:
        if type(block) is not dict:
            raise TypeError(f"a content block is {type(block).__name__}, not an object")
        kind = block.get("type")
        # The common blocks first, inline; the rest through the table.
        if kind == "text":
            message = text_item(block)
            text.append(message.content[0].text)  # type: ignore[union-attr]
            items.append(message)
        elif kind == "tool_use":
            call = tool_use_item(block)
            tool_calls.append(call)
            items.append(call)
        elif kind == "thinking":
            thought = thinking_item(block)
            reasoning.append(thought.content)
            items.append(thought)
        else:
            reader = _READERS.get(kind) if type(kind) is str else None
            if reader is not None:  # else: no common meaning, kept in the message (native)
                items.append(reader(block, kind, hosted_names))  # type: ignore[arg-type]
    native_reason = body.get("stop_reason")
    if native_reason is not None and type(native_reason) is not str:
        raise TypeError(f"stop_reason is {type(native_reason).__name__}, not a string")
    usage = body.get("usage")
    response_id = body.get("id")
    model = body.get("model")
    return Response(
        id=response_id if type(response_id) is str else None,
        model=model if type(model) is str else None,
        api=API,
        text="".join(text),
        reasoning="".join(reasoning),
        tool_calls=tool_calls,
        usage=usage_from_wire(usage if type(usage) is dict else {}),
        stop_reason=STOP_REASONS.get(native_reason, "other") if native_reason else "other",
        native_stop_reason=native_reason or None,
        items=items,
        complete=True,
        final=body,
        final_schema=FINAL_SCHEMA,
    )


def _string(value: object, where: str) -> str:
    if type(value) is str:
        return value
    if value is None:
        return ""
    raise TypeError(f"{where} is {type(value).__name__}, not a string")


# ---------------------------------------------------------------------- blocks -> items
#
# Each reader takes one finished block. ``hosted_names`` maps each hosted tool call's id to its
# tool name, for its result block (which names only the call's id): filled in block order.


def text_item(block: Block) -> Message:
    citations = block.get("citations")
    part = TextPart(
        _string(block.get("text"), "text.text"),
        annotations=list(citations) if type(citations) is list else [],
    )
    return Message(role="assistant", content=[part], api=API, native=block)


def thinking_item(block: Block) -> Reasoning:
    signature = block.get("signature")
    if type(signature) is not str:
        # The stream path always sends back a signature field (empty when none came).
        block = {**block, "signature": ""}
        signature = None
    return Reasoning(
        content=_string(block.get("thinking"), "thinking.thinking"),
        signature=signature or None,
        api=API,
        native=block,
    )


def redacted_thinking_item(block: Block, kind: str, hosted_names: dict[str, str]) -> Reasoning:
    return Reasoning(redacted_data=block.get("data"), api=API, native=block)


def tool_use_item(block: Block) -> ToolCall:
    given = block.get("input")
    arguments, raw_arguments, error = tool_input(given)
    if given is not arguments:
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


def hosted_call_item(block: Block, kind: str, hosted_names: dict[str, str]) -> HostedToolItem:
    given = block.get("input")
    tool_input_value, _, _ = tool_input(given)
    if given is not tool_input_value:
        block = {**block, "input": tool_input_value}
    call_id: str = block.get("id", "")
    name: str = block.get("name", "")
    hosted_names[call_id] = name
    return HostedToolItem(
        id=call_id,
        name=name,
        # The call is made; its result is the next block (or, after pause_turn, a later turn).
        status="in_progress",
        input=tool_input_value,
        api=API,
        native=block,
    )


def hosted_result_item(block: Block, kind: str, hosted_names: dict[str, str]) -> HostedToolItem:
    call_id: str = block.get("tool_use_id", "")
    # The call block named the tool; without it, the block type does (web_search_tool_result).
    name = hosted_names.get(call_id) or kind.removesuffix("_tool_result")
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


_Reader: TypeAlias = Callable[[Block, str, dict[str, str]], Item]

#: Block type -> its reader, for the blocks ``decode`` does not read inline. Blocks not listed
#: (``container_upload``, types the schema does not know) make no item.
_READERS: Final[dict[str, _Reader]] = {
    "text": lambda block, kind, names: text_item(block),
    "thinking": lambda block, kind, names: thinking_item(block),
    "tool_use": lambda block, kind, names: tool_use_item(block),
    "redacted_thinking": redacted_thinking_item,
    **dict.fromkeys(HOSTED_CALL_BLOCKS, hosted_call_item),
    **dict.fromkeys(HOSTED_RESULT_BLOCKS, hosted_result_item),
    **{
        kind: (lambda block, kind, names: BETA_ITEM_BLOCKS[kind](block))
        for kind in BETA_ITEM_BLOCKS
    },
}


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
        parsed, error = parse_tool_arguments(value)
        return parsed, value, error
    raw = dumps(value).decode()
    return {}, raw, f"tool call arguments are JSON but not an object ({type(value).__name__})"


def usage_from_wire(wire: dict[str, Any]) -> Usage:
    """Messages usage -> Usage. The API counts cache reads and writes apart from
    ``input_tokens``; the common ``input_tokens`` is every prompt token, so all three are added.
    A count of another JSON type is absent."""
    uncached = wire.get("input_tokens")
    written = wire.get("cache_creation_input_tokens")
    read = wire.get("cache_read_input_tokens")
    counts = [n for n in (uncached, written, read) if type(n) is int]
    details = wire.get("output_tokens_details")
    return Usage(
        input_tokens=sum(counts) if counts else None,
        output_tokens=count(wire.get("output_tokens")),
        cached_input_tokens=count(read),
        reasoning_tokens=count(details.get("thinking_tokens")) if type(details) is dict else None,
        raw=wire,
        api=API,
        schema=USAGE_SCHEMA,
    )
