"""OpenAI Responses non-streaming body -> Response: the ``response`` object a call without
``stream`` returns (the same object ``response.completed`` carries at the end of a stream).

Every output item becomes the item the stream's ``response.output_item.done`` produces for it, so a
body and a stream of the same answer collect to equal Responses. The item builders here read one
finished output item and nothing else; the stream mapper can reuse them as they are.

A body that does not have the documented shape raises ``TypeError``/``ValueError``; the public
entry point (:func:`modelwire.bodies.decode_body`) turns those into a typed error. An error body
(``{"error": {...}}``) and a ``failed`` response raise the typed API error the stream path raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Literal

from ...common.items import (
    ContentPart,
    ImagePart,
    Item,
    Message,
    Reasoning,
    RefusalPart,
    TextPart,
    ToolCall,
    ToolResult,
    unparsed_tool_call,
)
from ...common.items import HostedToolCallItem as HostedToolItem
from ...common.response import Response, StopReason
from ...common.usage import Usage
from ...wire.json import dumps
from ..fields import count, dict_or_empty, dicts, str_or_none, text_field
from .errors import error_from_body
from .tool_items import HOSTED_TOOL_IO, TOOL_ITEM_NAMES, tool_item, waits_for_caller

API: Final = "responses"
#: The API name, typed as items carry it.
ITEM_API: Final[Literal["responses"]] = "responses"
FINAL_SCHEMA: Final = "Response"
USAGE_SCHEMA: Final = "ResponseUsage"

#: Output item type of a tool the API runs itself -> the tool's common name.
HOSTED_TOOL_NAMES: Final[dict[str, str]] = {
    "web_search_call": "web_search",
    "file_search_call": "file_search",
    "code_interpreter_call": "code_interpreter",
    "mcp_call": "mcp",
    "mcp_list_tools": "mcp_list_tools",
    "image_generation_call": "image_generation",
}

#: Output items that wait for the caller to act (run a function, answer a computer action,
#: approve an MCP call): the turn stopped for tool use.
CALLER_RUN_ITEMS: Final = frozenset(
    ("function_call", "custom_tool_call", "computer_call", "mcp_approval_request")
)

#: ``incomplete_details.reason`` -> the common stop reason; anything else is "other".
STOP_BY_INCOMPLETE_REASON: Final[dict[str, StopReason]] = {
    "max_output_tokens": "max_tokens",
    "content_filter": "content_filter",
}

#: Statuses of a response still being produced (background mode): no stop reason yet.
_UNFINISHED_STATUSES: Final = frozenset(("queued", "in_progress"))


def decode(body: dict[str, Any]) -> Response:
    """The Response a Responses ``response`` object (or error body) stands for."""
    output = body.get("output")
    if output is None:
        if _is_error_body(body):
            raise error_from_body(None, body)
        if body.get("object") != "response":
            raise ValueError("the body is neither a response object nor an error")
        output = []
    if type(output) is not list:
        raise TypeError(f"output is {type(output).__name__}, not a list")
    text: list[str] = []
    reasoning: list[str] = []
    refusal: list[str] = []
    tool_calls: list[ToolCall] = []
    items: list[Item] = []
    for item in output:
        if type(item) is not dict:
            raise TypeError(f"an output item is {type(item).__name__}, not an object")
        built = item_from_output(item)
        items.append(built)
        if type(built) is Message:
            _add_message_text(item, text, refusal)
        elif type(built) is Reasoning:
            _add_reasoning_text(item, reasoning)
        elif type(built) is ToolCall:
            tool_calls.append(built)
    status = body.get("status")
    stop_reason, native_stop_reason = _stop(body, status)
    response_id = body.get("id")
    model = body.get("model")
    response = Response(
        id=response_id if isinstance(response_id, str) else None,
        model=model if isinstance(model, str) else None,
        api=API,
        text="".join(text),
        reasoning="".join(reasoning),
        refusal="".join(refusal),
        tool_calls=tool_calls,
        usage=usage_from_wire(body.get("usage")),
        stop_reason=stop_reason,
        native_stop_reason=native_stop_reason,
        items=items,
        complete=status not in _UNFINISHED_STATUSES and status != "failed",
        final=body,
        final_schema=FINAL_SCHEMA,
    )
    if status == "failed":
        error = body.get("error")
        if not isinstance(error, dict):
            error = {"message": "the response failed and the API gave no reason", "code": None}
        raise error_from_body(None, error, partial=response)
    return response


def _is_error_body(body: dict[str, Any]) -> bool:
    # A response object has an ``error`` field too (null unless it failed): only a body that is
    # not a response object is an error body. The ChatGPT backend's errors are {"detail": ...}.
    return body.get("object") != "response" and (
        body.get("error") is not None or body.get("type") == "error" or "detail" in body
    )


# ---------------------------------------------------------------------- text of the Response


def _add_message_text(item: dict[str, Any], text: list[str], refusal: list[str]) -> None:
    for part in item.get("content") or ():
        part_type = part.get("type")
        if part_type == "output_text":
            text.append(_string(part.get("text"), "output_text.text"))
        elif part_type == "refusal":
            refusal.append(_string(part.get("refusal"), "refusal.refusal"))


def _add_reasoning_text(item: dict[str, Any], reasoning: list[str]) -> None:
    # As the stream collects it: each summary part starts a paragraph once there is any text;
    # reasoning text parts follow one another directly.
    for part in item.get("summary") or ():
        if reasoning:
            reasoning.append("\n\n")
        _append_text(reasoning, _string(part.get("text"), "summary_text.text"))
    for part in item.get("content") or ():
        _append_text(reasoning, _string(part.get("text"), "reasoning_text.text"))


def _append_text(parts: list[str], text: str) -> None:
    # Empty text is no text (so an empty first summary part starts no paragraph break).
    if text:
        parts.append(text)


def _string(value: object, where: str) -> str:
    if value is None:
        return ""
    if type(value) is not str:
        raise TypeError(f"{where} is {type(value).__name__}, not a string")
    return value


# ---------------------------------------------------------------------- stop reason


def _stop(body: dict[str, Any], status: object) -> tuple[StopReason | None, str | None]:
    if status in _UNFINISHED_STATUSES:
        return None, status if isinstance(status, str) else None
    if status == "incomplete":
        details = body.get("incomplete_details")
        reason = details.get("reason") if isinstance(details, dict) else None
        if isinstance(reason, str) and reason:
            return STOP_BY_INCOMPLETE_REASON.get(reason, "other"), reason
        return "other", "incomplete"
    if status == "failed":
        return "error", "failed"
    if status == "cancelled":
        return "other", "cancelled"
    native = status if isinstance(status, str) else None
    return stop_reason_of_output(body.get("output") or ()), native


def stop_reason_of_output(output: Any) -> StopReason:
    """A completed response's stop reason, read from its output (the API says ``completed`` even
    when it stopped to call tools)."""
    tool_call = text = refusal = False
    for item in output:
        item_type = item.get("type")
        if item_type in CALLER_RUN_ITEMS or waits_for_caller(item):
            tool_call = True
        elif item_type == "message":
            for part in item.get("content") or ():
                part_type = part.get("type")
                text = text or part_type == "output_text"
                refusal = refusal or part_type == "refusal"
    if tool_call:
        return "tool_use"
    if refusal and not text:
        return "refusal"
    return "end_turn"


# ---------------------------------------------------------------------- output items


def item_from_output(item: dict[str, Any]) -> Item:
    """The common item for one finished output item (what ``output_item.done`` produces)."""
    item_type = item.get("type")
    builder = _ITEM_BUILDERS.get(item_type) if isinstance(item_type, str) else None
    return (builder or other_item)(item)


def message_item(item: dict[str, Any]) -> Message:
    content: list[ContentPart] = []
    for part in item.get("content") or ():
        part_type = part.get("type")
        if part_type == "output_text":
            content.append(TextPart(part.get("text") or "", list(part.get("annotations") or ())))
        elif part_type == "refusal":
            content.append(RefusalPart(part.get("refusal") or ""))
    return Message(role="assistant", content=content, id=item.get("id"), api=ITEM_API, native=item)


def reasoning_item(item: dict[str, Any]) -> Reasoning:
    return Reasoning(
        summary=[part.get("text", "") for part in item.get("summary") or ()],
        # Reasoning text parts are paragraphs, joined the way Reasoning.text joins summaries.
        content="\n\n".join(part.get("text", "") for part in item.get("content") or ()),
        encrypted_content=item.get("encrypted_content"),
        id=item.get("id"),
        api=ITEM_API,
        native=item,
    )


def function_call_item(item: dict[str, Any]) -> ToolCall:
    raw = item.get("arguments")
    if raw is None:
        raw = ""
    elif type(raw) is not str:
        # Some compatible servers send the arguments as a JSON value rather than JSON text.
        raw = dumps(raw).decode()
    return unparsed_tool_call(
        item.get("call_id") or item.get("id") or "",
        item.get("name") or "",
        raw,
        ITEM_API,
        item,
        item_id=item.get("id"),
    )


def custom_tool_call_item(item: dict[str, Any]) -> ToolCall:
    raw = item.get("input")
    # Custom tools take free text (or text in the tool's grammar), never JSON: nothing to parse.
    return ToolCall(
        id=item.get("call_id") or item.get("id") or "",
        name=item.get("name") or "",
        arguments={},
        raw_arguments=raw if isinstance(raw, str) else "",
        kind="custom",
        item_id=item.get("id"),
        api=ITEM_API,
        native=item,
    )


def hosted_tool_item(item: dict[str, Any]) -> HostedToolItem:
    item_type = item["type"]
    status = item.get("status") or ("failed" if item.get("error") else "completed")
    tool_input, result = HOSTED_TOOL_IO[item_type](item)
    return HostedToolItem(
        id=item.get("id") or "",
        name=HOSTED_TOOL_NAMES[item_type],
        status=status,
        input=tool_input,
        result=result,
        api=ITEM_API,
        native=item,
    )


def tool_output_item(item: dict[str, Any]) -> ToolResult:
    # Tool results only appear in output when a stored conversation is replayed.
    output = item.get("output")
    return ToolResult(
        call_id=item.get("call_id") or "",
        output=output if isinstance(output, str) else input_content(output),
        name=item.get("name"),
    )


def other_item(item: dict[str, Any]) -> HostedToolItem:
    """computer_call, mcp_approval_request and item types newer than the schema: no common item
    of their own; kept whole (``native``) they still go back to this API unchanged."""
    item_type = item.get("type")
    name = item_type.removesuffix("_call") if isinstance(item_type, str) else "unknown"
    details = {k: v for k, v in item.items() if k not in ("type", "id", "status")}
    return HostedToolItem(
        id=item.get("id") or item.get("call_id") or "",
        name=name,
        status=item.get("status"),
        input=details or None,
        api=ITEM_API,
        native=item,
    )


_ITEM_BUILDERS: Final[dict[str, Callable[[dict[str, Any]], Item]]] = {
    "message": message_item,
    "reasoning": reasoning_item,
    "function_call": function_call_item,
    "custom_tool_call": custom_tool_call_item,
    "function_call_output": tool_output_item,
    "custom_tool_call_output": tool_output_item,
    **dict.fromkeys(HOSTED_TOOL_NAMES, hosted_tool_item),
    **dict.fromkeys(TOOL_ITEM_NAMES, tool_item),
}


# ---------------------------------------------------------------------- helpers


def usage_from_wire(raw: object) -> Usage:
    """Responses usage -> Usage (an empty Usage when there is none; mistyped counts are None)."""
    if not isinstance(raw, dict):
        return Usage(api=API)
    input_details = dict_or_empty(raw.get("input_tokens_details"))
    output_details = dict_or_empty(raw.get("output_tokens_details"))
    return Usage(
        input_tokens=count(raw.get("input_tokens")),
        output_tokens=count(raw.get("output_tokens")),
        cached_input_tokens=count(input_details.get("cached_tokens")),
        reasoning_tokens=count(output_details.get("reasoning_tokens")),
        raw=raw,
        api=API,
        schema=USAGE_SCHEMA,
    )


def input_content(parts: object) -> list[ContentPart]:
    """The content of a tool output given as input parts (text and images)."""
    content: list[ContentPart] = []
    for part in dicts(parts):
        part_type = part.get("type")
        if part_type == "input_text":
            content.append(TextPart(text_field(part.get("text"), "an input_text part's text")))
        elif part_type == "input_image":
            detail = part.get("detail")
            content.append(
                ImagePart(
                    url=str_or_none(part.get("image_url")),
                    detail=detail if detail in ("auto", "low", "high") else None,
                )
            )
    return content
