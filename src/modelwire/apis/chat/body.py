"""Chat Completions non-streaming body -> Response: the ``chat.completion`` object a call without
``stream`` returns.

The Response is the one a stream of the same answer collects to: the same items (reasoning, the
assistant message, the tool calls), with the same normalized ``native`` the stream path builds for
sending them back, the same ids for calls that have none, and the same stop reason.

Shapes of OpenAI-compatible servers read here, each on purpose:

- reasoning as ``reasoning_content`` (DeepSeek, xAI, vLLM) or ``reasoning`` (OpenRouter, newer
  vLLM; a string or ``{"text"|"content": ...}``); the same text under both names counts once, and
  OpenRouter's ``reasoning_details`` beside ``reasoning`` is not counted again;
- ``content`` as a list of parts (Mistral): ``text`` parts are the text, ``thinking`` parts (whose
  ``thinking`` is text or a list of text parts) the reasoning;
- tool calls without ``type`` (Mistral), without ``id`` (they get ``call_<index>``, as streamed),
  with ``arguments`` as a JSON value instead of JSON text (serialized);
- the legacy ``function_call`` (functions API);
- usage only inside ``x_groq`` (Groq);
- an error object as the whole body (``{"error": ...}``, vLLM's ``{"object": "error", ...}``) or
  beside the choices (OpenRouter): the typed error.

A body that does not have the documented shape raises ``TypeError``/``ValueError``; the public
entry point (:func:`modelwire.bodies.decode_body`) turns those into a typed error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ...common.errors import ConfigurationError
from ...common.items import (
    ContentPart,
    Item,
    Message,
    Reasoning,
    RefusalPart,
    TextPart,
    ToolCall,
    unparsed_tool_call,
)
from ...common.response import Response, StopReason
from ...common.usage import Usage
from ...wire.json import dumps
from .errors import error_from_body

API: Final = "chat"
FINAL_SCHEMA: Final = "ChatCompletion"
USAGE_SCHEMA: Final = "CompletionUsage"

#: finish_reason -> the common stop reason; anything else is "other". ``error`` is what
#: OpenRouter reports when generation failed upstream.
STOP_REASONS: Final[dict[str, StopReason]] = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "content_filter",
    "error": "error",
}

#: Where the reasoning came from when nothing names a field (Mistral's thinking parts).
_DEFAULT_REASONING_FIELD: Final = "reasoning_content"


def decode(body: dict[str, Any]) -> Response:
    """The Response a ``chat.completion`` object (or error body) stands for."""
    if body.get("error") is not None or body.get("object") == "error":
        raise error_from_body(None, body)
    choices = body.get("choices")
    if type(choices) is not list:
        raise TypeError(f"choices is {type(choices).__name__}, not a list")
    if not choices:
        raise ValueError("the completion has no choices")
    for choice in choices:
        if type(choice) is not dict:
            raise TypeError(f"a choice is {type(choice).__name__}, not an object")
        choice_index = choice.get("index", 0)
        if choice_index:
            raise ConfigurationError(
                f"chat completion has a choice index {choice_index}: n > 1 choices are not "
                "supported by the common Response; request n=1 (or read the body with the "
                "native chat models)"
            )
    choice = choices[0]
    message = choice.get("message")
    if message is None and choice.get("finish_reason") == "content_filter":
        message = {}  # Azure leaves the message out of a choice its content filter stopped
    if type(message) is not dict:
        raise TypeError(f"choices[0].message is {type(message).__name__}, not an object")
    content = message.get("content")
    part_reasoning = ""
    if type(content) is str:
        text = content
    elif content is None:
        text = ""
    else:
        text, part_reasoning = _content_parts(content)
    if "reasoning_content" in message or "reasoning" in message:
        reasoning, reasoning_field = reasoning_of(message)
        if part_reasoning:
            reasoning, reasoning_field = part_reasoning + reasoning, _DEFAULT_REASONING_FIELD
    else:
        reasoning, reasoning_field = part_reasoning, _DEFAULT_REASONING_FIELD
    refusal = _string(message.get("refusal"), "message.refusal")
    tool_calls, legacy, calls_conform = tool_calls_of(message)
    role = message.get("role")
    message_native = message_to_wire(
        role if type(role) is str and role else "assistant", text, refusal, tool_calls, legacy
    )
    items: list[Item] = []
    if reasoning:
        items.append(_reasoning_item(message, reasoning, reasoning_field))
    if text or refusal:
        parts: list[ContentPart] = []
        if text:
            annotations = message.get("annotations")
            parts.append(
                TextPart(text, annotations=list(annotations) if type(annotations) is list else [])
            )
        if refusal:
            parts.append(RefusalPart(refusal))
        items.append(Message(role="assistant", content=parts, api=API, native=message_native))
    items.extend(tool_calls)
    finish_reason = choice.get("finish_reason")
    if finish_reason is not None and type(finish_reason) is not str:
        raise TypeError(f"finish_reason is {type(finish_reason).__name__}, not a string")
    response_id = body.get("id")
    model = body.get("model")
    if not (calls_conform and _conforms(body, choice, message)):
        body = _conformed(body, choice, message, text, reasoning, reasoning_field, message_native)
    return Response(
        id=response_id if type(response_id) is str and response_id else None,
        model=model if type(model) is str and model else None,
        api=API,
        text=text,
        reasoning=reasoning,
        refusal=refusal,
        tool_calls=tool_calls,
        usage=usage_from_wire(_wire_usage(body)),
        stop_reason=stop_reason(finish_reason, bool(tool_calls)),
        native_stop_reason=finish_reason,
        items=items,
        complete=True,
        final=body,
        final_schema=FINAL_SCHEMA,
    )


def stop_reason(finish_reason: str | None, has_tool_calls: bool) -> StopReason:
    """The common stop reason of a choice.

    Some servers (Ollama, older vLLM) say ``stop`` after tool calls; the caller still has to run
    them, which is what ``tool_use`` tells it. A body without a finish_reason is still a whole
    answer: it ended the turn (or stopped for the calls it holds).
    """
    if finish_reason is None:
        return "tool_use" if has_tool_calls else "end_turn"
    reason = STOP_REASONS.get(finish_reason, "other")
    if reason == "end_turn" and has_tool_calls:
        return "tool_use"
    return reason


# ---------------------------------------------------------------------- the native completion


def _conforms(body: dict[str, Any], choice: dict[str, Any], message: dict[str, Any]) -> bool:
    """Whether the body already has the shape of ChatCompletion (so ``native`` validates); its
    tool calls are checked as they are read."""
    content = message.get("content")
    reasoning = message.get("reasoning")
    usage = body.get("usage")
    legacy = message.get("function_call")
    return (
        type(body.get("id")) is str
        and body.get("object") == "chat.completion"
        and type(body.get("created")) is int
        and type(body.get("model")) is str
        and type(choice.get("index")) is int
        and type(message.get("role")) is str
        and (content is None or type(content) is str)
        and (reasoning is None or type(reasoning) is str)
        and (usage is None or type(usage) is dict)
        and (legacy is None or type(legacy.get("arguments")) is str)
    )


def _conformed(
    body: dict[str, Any],
    choice: dict[str, Any],
    message: dict[str, Any],
    text: str,
    reasoning: str,
    reasoning_field: str,
    message_native: dict[str, Any],
) -> dict[str, Any]:
    """The body in the shape of ChatCompletion, as the stream path builds its final object.

    What a compatible server sent differently is put the API's way (content parts joined, tool
    calls with their ids and types, reasoning as text); fields it left out get empty values.
    Everything else is kept as sent.
    """
    fixed = {**message, **message_native, "refusal": message.get("refusal")}
    if reasoning and not isinstance(message.get(reasoning_field), str):
        fixed[reasoning_field] = reasoning
    if isinstance(message.get("reasoning"), dict):
        fixed["reasoning"] = reasoning if reasoning_field == "reasoning" else None
    usage = body.get("usage")
    return {
        **body,
        "id": body.get("id") or "",
        "object": "chat.completion",
        "created": body.get("created") or 0,
        "model": body.get("model") or "",
        "choices": [{**choice, "index": 0, "message": fixed}],
        "usage": usage if type(usage) is dict else None,
    }


# ---------------------------------------------------------------------- message fields


def _content_parts(content: object) -> tuple[str, str]:
    """``(text, reasoning)`` of ``content`` given as a list of parts (Mistral)."""
    if type(content) is not list:
        raise TypeError(f"message.content is {type(content).__name__}, not a string or a list")
    text: list[str] = []
    reasoning: list[str] = []
    for part in content:
        if type(part) is str:
            text.append(part)
            continue
        if type(part) is not dict:
            raise TypeError(f"a content part is {type(part).__name__}, not an object")
        part_type = part.get("type")
        if part_type == "text":
            text.append(_string(part.get("text"), "text part"))
        elif part_type == "thinking":
            reasoning.append(_thinking_text(part.get("thinking")))
        # Other parts (references, images a model returned) have no common text: skipped.
    return "".join(text), "".join(reasoning)


def _thinking_text(thinking: object) -> str:
    if thinking is None or type(thinking) is str:
        return thinking or ""
    if type(thinking) is not list:
        raise TypeError(f"a thinking part is {type(thinking).__name__}, not a string or a list")
    texts: list[str] = []
    for part in thinking:
        if type(part) is str:
            texts.append(part)
        elif type(part) is dict and part.get("type", "text") == "text":
            texts.append(_string(part.get("text"), "thinking text part"))
    return "".join(texts)


def reasoning_of(message: dict[str, Any]) -> tuple[str, str]:
    """``(reasoning text, the field it came from)`` of a message's reasoning fields."""
    found: list[str] = []
    field = _DEFAULT_REASONING_FIELD
    content = message.get("reasoning_content")
    if content:
        found.append(_string(content, "message.reasoning_content"))
        field = "reasoning_content"
    value = message.get("reasoning")
    if value and value != content:  # the same text under both names (vLLM renaming the field)
        text = value
        if isinstance(value, dict):  # tolerated like Codex does: {"text": ...} / {"content": ...}
            text = value.get("text") or value.get("content")
        if isinstance(text, str) and text:
            if not found:
                field = "reasoning"
            found.append(text)
    return "".join(found), field


def tool_calls_of(message: dict[str, Any]) -> tuple[list[ToolCall], bool, bool]:
    """``(calls, whether the last is a legacy function_call, whether all have the API's shape)``.

    Calls come in index order. A call's index is its ``index`` when the server sends one, else its
    place in the list; an index already taken moves to the next free one (as the stream path
    keeps such calls apart). A legacy ``function_call`` comes last.
    """
    wire_calls = message.get("tool_calls")
    legacy = message.get("function_call")
    if not wire_calls and not legacy:
        return [], False, True
    if wire_calls is not None and type(wire_calls) is not list:
        raise TypeError(f"message.tool_calls is {type(wire_calls).__name__}, not a list")
    if legacy is None and wire_calls:
        plain = _plain_calls(wire_calls)
        if plain is not None:
            return plain, False, True
    by_index: dict[int, ToolCall] = {}
    conform = True
    in_order = True
    last = -1
    for position, wire in enumerate(wire_calls or ()):
        if type(wire) is not dict:
            raise TypeError(f"a tool call is {type(wire).__name__}, not an object")
        index = wire.get("index")
        if type(index) is not int:
            index = position
        if index < 0 or index in by_index:
            index = max(by_index) + 1 if by_index else 0
        if index < last:
            in_order = False
        last = index
        call_id = wire.get("id")
        if wire.get("type") == "custom":
            custom = wire.get("custom") or {}
            if type(custom) is not dict:
                raise TypeError(f"a custom tool call is {type(custom).__name__}, not an object")
            by_index[index] = custom_tool_call(index, call_id, custom)
            conform = conform and type(call_id) is str
            continue
        function = wire.get("function") or {}
        if type(function) is not dict:
            raise TypeError(f"a tool call's function is {type(function).__name__}, not an object")
        name = function.get("name")
        arguments = function.get("arguments")
        by_index[index] = tool_call(index, call_id, name, arguments)
        conform = (
            conform
            and type(call_id) is str
            and wire.get("type") == "function"
            and type(name) is str
            and type(arguments) is str
        )
    calls = list(by_index.values()) if in_order else [by_index[i] for i in sorted(by_index)]
    if legacy:
        if type(legacy) is not dict:
            raise TypeError(f"message.function_call is {type(legacy).__name__}, not an object")
        index = max(by_index) + 1 if by_index else 0
        calls.append(tool_call(index, None, legacy.get("name"), legacy.get("arguments")))
    return calls, bool(legacy), conform


def _plain_calls(wire_calls: list[Any]) -> list[ToolCall] | None:
    """The calls when every one has exactly the API's shape (``id``, ``type: function``,
    ``function: {name, arguments}``, no ``index``: so in place order), else None.

    The wire object is then the call's native as it is, and the arguments are parsed on first
    read: the body's hot loop.
    """
    calls: list[ToolCall] = []
    append = calls.append
    call = unparsed_tool_call
    try:
        for wire in wire_calls:
            if type(wire) is not dict or len(wire) != 3 or wire["type"] != "function":
                return None
            call_id = wire["id"]
            function = wire["function"]
            if (
                type(call_id) is not str
                or not call_id
                or type(function) is not dict
                or len(function) != 2
            ):
                return None
            name = function["name"]
            arguments = function["arguments"]
            if type(name) is not str or type(arguments) is not str:
                return None
            append(call(call_id, name, arguments, API, wire))
    except KeyError:
        return None
    return calls


def tool_call(index: int, call_id: object, name: object, arguments: object) -> ToolCall:
    """One finished tool call, with the normalized ``native`` the stream path sends back."""
    identifier = call_id if type(call_id) is str and call_id else f"call_{index}"
    call_name = name if type(name) is str else ""
    if type(arguments) is str:
        raw_arguments = arguments
    elif arguments is None:
        raw_arguments = ""
    else:
        raw_arguments = dumps(arguments).decode()
    native = {
        "id": identifier,
        "type": "function",
        "function": {"name": call_name, "arguments": raw_arguments},
    }
    return unparsed_tool_call(identifier, call_name, raw_arguments, API, native)


def custom_tool_call(index: int, call_id: object, custom: dict[str, Any]) -> ToolCall:
    """A call of a custom tool: free text input (or text in the tool's grammar), never parsed."""
    identifier = call_id if isinstance(call_id, str) and call_id else f"call_{index}"
    name = custom.get("name")
    call_name = name if isinstance(name, str) else ""
    raw_input = _string(custom.get("input"), "custom tool call input")
    return ToolCall(
        id=identifier,
        name=call_name,
        raw_arguments=raw_input,
        kind="custom",
        api=API,
        native={
            "id": identifier,
            "type": "custom",
            "custom": {"name": call_name, "input": raw_input},
        },
    )


def message_to_wire(
    role: str, text: str, refusal: str, calls: list[ToolCall], legacy: bool = False
) -> dict[str, Any]:
    """The assistant message as the API takes it back in a request (``legacy``: the last call is
    a legacy function_call)."""
    message: dict[str, Any] = {"role": role, "content": text or None, "refusal": refusal or None}
    if legacy:
        *calls, function_call = calls
        message["function_call"] = {
            "name": function_call.name,
            "arguments": function_call.raw_arguments,
        }
    if calls:
        message["tool_calls"] = [call.native for call in calls]
    return message


def _string(value: object, where: str) -> str:
    if type(value) is str:
        return value
    if value is None:
        return ""
    raise TypeError(f"{where} is {type(value).__name__}, not a string")


# ---------------------------------------------------------------------- usage


def _wire_usage(body: dict[str, Any]) -> dict[str, Any] | None:
    usage = body.get("usage")
    if isinstance(usage, dict):
        return usage
    groq = body.get("x_groq")
    usage = groq.get("usage") if isinstance(groq, dict) else None
    return usage if isinstance(usage, dict) else None


def usage_from_wire(wire: dict[str, Any] | None) -> Usage:
    """Chat usage -> Usage (an empty Usage when the body has none)."""
    if wire is None:
        return Usage(api=API)
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
        api=API,
        schema=USAGE_SCHEMA,
    )


def _reasoning_item(message: Mapping[str, Any], reasoning: str, field: str) -> Reasoning:
    """The reasoning item as the stream keeps it: OpenRouter's ``reasoning_details`` and LiteLLM's
    ``thinking_blocks`` ride along, and their signature, encrypted or redacted data sign it."""
    native: dict[str, Any] = {field: reasoning}
    signature = encrypted = redacted = None
    details = message.get("reasoning_details")
    if type(details) is list and details:
        native["reasoning_details"] = details
        for detail in details:
            if type(detail) is dict and detail.get("type") == "reasoning.encrypted":
                data = detail.get("data")
                encrypted = data if type(data) is str else encrypted
    blocks = message.get("thinking_blocks")
    if type(blocks) is list and blocks:
        native["thinking_blocks"] = blocks
        for block in blocks:
            if type(block) is not dict:
                continue
            if type(block.get("signature")) is str:
                signature = block["signature"]
            if block.get("type") == "redacted_thinking" and type(block.get("data")) is str:
                redacted = block["data"]
    return Reasoning(
        content=reasoning,
        signature=signature,
        encrypted_content=encrypted,
        redacted_data=redacted,
        api=API,
        native=native,
    )
