"""Prompt -> OpenAI Responses request body (``POST /responses``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ...common.errors import ConfigurationError
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
from ...common.prompt import Prompt
from ...wire.json import dumps

API = "responses"
PATH = "/responses"
# Fields the API puts on output items that it does not take back as input.
_OUTPUT_ONLY_PART_FIELDS = ("logprobs",)


@dataclass(slots=True, kw_only=True)
class ResponsesOptions:
    """Responses-only request fields. ``hosted_tools`` are tool objects such as
    ``{"type": "web_search"}`` or ``{"type": "file_search", "vector_store_ids": [...]}``.

    ``reasoning_summary`` None: ``"auto"`` whenever reasoning is asked for (reasoning one asked
    for should be seen); ``"none"`` sends no summary request (for organisations the API refuses
    summaries to)."""

    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"] | None = None
    reasoning_summary: Literal["auto", "concise", "detailed", "none"] | None = None
    include_encrypted_reasoning: bool | None = None
    include: list[str] = field(default_factory=list)
    store: bool | None = None
    previous_response_id: str | None = None
    hosted_tools: list[dict[str, Any]] = field(default_factory=list)
    verbosity: Literal["low", "medium", "high"] | None = None
    service_tier: str | None = None
    prompt_cache_key: str | None = None
    metadata: dict[str, str] | None = None
    truncation: Literal["auto", "disabled"] | None = None
    safety_identifier: str | None = None
    user: str | None = None
    top_p: float | None = None
    max_tool_calls: int | None = None


def build_body(prompt: Prompt, options: ResponsesOptions | None, *, stream: bool) -> dict[str, Any]:
    options = options or ResponsesOptions()
    if prompt.stop:
        raise ConfigurationError(
            "the Responses API has no stop sequences; use api='chat' or 'messages' for `stop`"
        )
    body: dict[str, Any] = {"model": prompt.model, "input": input_items(prompt.input)}
    if prompt.instructions is not None:
        body["instructions"] = prompt.instructions
    tools: list[dict[str, Any]] = [
        {
            "type": "function",
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
            **({"strict": tool.strict} if tool.strict is not None else {}),
        }
        for tool in prompt.tools
    ]
    tools.extend(options.hosted_tools)
    if tools:
        body["tools"] = tools
    if prompt.tool_choice is not None:
        body["tool_choice"] = (
            prompt.tool_choice
            if prompt.tool_choice in ("auto", "required", "none")
            else {"type": "function", "name": prompt.tool_choice}
        )
    if prompt.parallel_tool_calls is not None:
        body["parallel_tool_calls"] = prompt.parallel_tool_calls
    if prompt.max_output_tokens is not None:
        body["max_output_tokens"] = prompt.max_output_tokens
    if prompt.temperature is not None:
        body["temperature"] = prompt.temperature
    effort = options.reasoning_effort or prompt.reasoning
    include = list(options.include)
    summary = options.reasoning_summary
    if summary is None and effort not in (None, "none"):
        summary = "auto"
    if effort is not None or summary is not None:
        reasoning: dict[str, Any] = {}
        if effort is not None:
            reasoning["effort"] = effort
        if summary not in (None, "none"):
            reasoning["summary"] = summary
        body["reasoning"] = reasoning
        # Without the encrypted reasoning a stateless (store=false) conversation cannot carry
        # the model's reasoning into the next turn.
        if options.include_encrypted_reasoning is not False:
            include.append("reasoning.encrypted_content")
    elif options.include_encrypted_reasoning:
        include.append("reasoning.encrypted_content")
    if include:
        body["include"] = list(dict.fromkeys(include))
    text: dict[str, Any] = {}
    if prompt.output_schema is not None:
        text["format"] = {
            "type": "json_schema",
            "name": prompt.output_schema_name,
            "schema": prompt.output_schema_strict or prompt.output_schema,
            "strict": prompt.output_schema_strict is not None,
        }
    if options.verbosity is not None:
        text["verbosity"] = options.verbosity
    if text:
        body["text"] = text
    for name in (
        "store",
        "previous_response_id",
        "service_tier",
        "prompt_cache_key",
        "metadata",
        "truncation",
        "safety_identifier",
        "user",
        "top_p",
        "max_tool_calls",
    ):
        value = getattr(options, name)
        if value is not None:
            body[name] = value
    body["stream"] = stream
    return body


def input_items(items: list[Item]) -> list[dict[str, Any]]:
    """History items as Responses input items.

    Rules for items from other APIs: reasoning is dropped (Responses only takes back reasoning it
    issued itself); hosted tool calls are dropped (they ran on the other provider's side; their
    effect is already in the text that followed).
    """
    custom_calls = {
        item.id for item in items if isinstance(item, ToolCall) and item.kind == "custom"
    }
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, Message):
            out.append(_message(item))
        elif isinstance(item, ToolCall):
            out.append(_tool_call(item))
        elif isinstance(item, ToolResult):
            out.append(_tool_result(item, custom=item.call_id in custom_calls))
        elif isinstance(item, Reasoning):
            if item.api == API and item.native is not None:
                out.append(_reasoning(item.native))
        elif isinstance(item, HostedToolCallItem):
            if item.api == API and item.native is not None:
                out.append(dict(item.native))
        else:  # pragma: no cover - the Item union is closed
            raise ConfigurationError(f"cannot send {type(item).__name__} to the Responses API")
    return out


def _message(message: Message) -> dict[str, Any]:
    if message.role == "assistant":
        if message.api == API and message.native is not None:
            native = dict(message.native)
            native["content"] = [
                {k: v for k, v in part.items() if k not in _OUTPUT_ONLY_PART_FIELDS}
                for part in native.get("content", [])
            ]
            return native
        if isinstance(message.content, str):
            return {"role": "assistant", "content": message.content}
        return {
            "type": "message",
            "role": "assistant",
            "content": [_output_part(part) for part in message.content],
        }
    if isinstance(message.content, str):
        return {"role": message.role, "content": message.content}
    return {
        "type": "message",
        "role": message.role,
        "content": [_input_part(part) for part in message.content],
    }


def _input_part(part: ContentPart) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "input_text", "text": part.text}
    if isinstance(part, ImagePart):
        url = part.url or f"data:{part.media_type or 'image/png'};base64,{part.data}"
        image: dict[str, Any] = {"type": "input_image", "image_url": url}
        image["detail"] = part.detail or "auto"
        return image
    return {"type": "input_text", "text": part.refusal}


def _output_part(part: ContentPart) -> dict[str, Any]:
    if isinstance(part, RefusalPart):
        return {"type": "refusal", "refusal": part.refusal}
    if isinstance(part, TextPart):
        return {"type": "output_text", "text": part.text, "annotations": []}
    raise ConfigurationError("an assistant message sent to the Responses API cannot hold images")


def _tool_call(call: ToolCall) -> dict[str, Any]:
    same_api = call.api == API
    if call.kind == "custom":
        item: dict[str, Any] = {
            "type": "custom_tool_call",
            "call_id": call.id,
            "name": call.name,
            "input": call.raw_arguments,
        }
    else:
        arguments = call.raw_arguments or dumps(call.arguments).decode()
        item = {
            "type": "function_call",
            "call_id": call.id,
            "name": call.name,
            "arguments": arguments,
        }
    if same_api and call.item_id:
        item["id"] = call.item_id
    return item


def _tool_result(result: ToolResult, *, custom: bool) -> dict[str, Any]:
    if isinstance(result.output, str):
        output: Any = result.output
    else:
        output = [_input_part(part) for part in result.output]
    kind = "custom_tool_call_output" if custom else "function_call_output"
    return {"type": kind, "call_id": result.call_id, "output": output}


def _reasoning(native: dict[str, Any]) -> dict[str, Any]:
    # Sent back exactly as received (id, summary, content, encrypted_content); only the
    # output-side ``status`` is left out when the API has not set it.
    return {k: v for k, v in native.items() if not (k == "status" and v is None)}
