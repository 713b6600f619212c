"""Prompt -> OpenAI Chat Completions request body (``POST /chat/completions``)."""

from __future__ import annotations

from dataclasses import dataclass
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
from ..ids import openai_tool_id

API = "chat"
PATH = "/chat/completions"


@dataclass(slots=True, kw_only=True)
class ChatOptions:
    """Chat-only request fields. ``instructions_role`` picks how instructions are sent:
    ``system`` (every OpenAI-compatible server knows it) or ``developer`` (newer OpenAI models)."""

    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"] | None = None
    response_format: dict[str, Any] | None = None
    include_usage: bool = True
    instructions_role: Literal["system", "developer"] = "system"
    seed: int | None = None
    top_p: float | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    service_tier: str | None = None
    metadata: dict[str, str] | None = None
    store: bool | None = None
    user: str | None = None
    safety_identifier: str | None = None
    prompt_cache_key: str | None = None
    verbosity: Literal["low", "medium", "high"] | None = None


def build_body(prompt: Prompt, options: ChatOptions | None, *, stream: bool) -> dict[str, Any]:
    options = options or ChatOptions()
    messages: list[dict[str, Any]] = []
    if prompt.instructions is not None:
        messages.append({"role": options.instructions_role, "content": prompt.instructions})
    messages.extend(chat_messages(prompt.input))
    body: dict[str, Any] = {"model": prompt.model, "messages": messages}
    if prompt.tools:
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": tool.parameters,
                    **({"strict": tool.strict} if tool.strict is not None else {}),
                },
            }
            for tool in prompt.tools
        ]
    if prompt.tool_choice is not None:
        body["tool_choice"] = (
            prompt.tool_choice
            if prompt.tool_choice in ("auto", "required", "none")
            else {"type": "function", "function": {"name": prompt.tool_choice}}
        )
    if prompt.parallel_tool_calls is not None and prompt.tools:
        body["parallel_tool_calls"] = prompt.parallel_tool_calls
    if prompt.max_output_tokens is not None:
        body["max_completion_tokens"] = prompt.max_output_tokens
    if prompt.temperature is not None:
        body["temperature"] = prompt.temperature
    if prompt.stop:
        body["stop"] = prompt.stop
    effort = options.reasoning_effort or prompt.reasoning
    if effort is not None:
        body["reasoning_effort"] = effort
    if options.response_format is not None:
        body["response_format"] = options.response_format
    elif prompt.output_schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {
                "name": prompt.output_schema_name,
                "schema": prompt.output_schema_strict or prompt.output_schema,
                "strict": prompt.output_schema_strict is not None,
            },
        }
    for name in (
        "seed",
        "top_p",
        "presence_penalty",
        "frequency_penalty",
        "logprobs",
        "top_logprobs",
        "service_tier",
        "metadata",
        "store",
        "user",
        "safety_identifier",
        "prompt_cache_key",
        "verbosity",
    ):
        value = getattr(options, name)
        if value is not None:
            body[name] = value
    body["stream"] = stream
    if stream and options.include_usage:
        body["stream_options"] = {"include_usage": True}
    return body


def chat_messages(items: list[Item]) -> list[dict[str, Any]]:
    """History items as Chat messages.

    Consecutive assistant-side items (text, tool calls) become one assistant message with
    ``tool_calls``. Reasoning is dropped (Chat takes no reasoning input), except the structured
    reasoning a Chat server sent itself and takes back on the assistant message: LiteLLM's signed
    ``thinking_blocks`` (Claude behind the proxy needs them on the turn that called a tool) and
    OpenRouter's ``reasoning_details``. Hosted tool calls are dropped: they ran on another
    provider's side and their effect is in the text that followed.
    """
    out: list[dict[str, Any]] = []
    assistant: dict[str, Any] | None = None

    def flush() -> None:
        nonlocal assistant
        if assistant is not None:
            out.append(assistant)
            assistant = None

    for item in items:
        if isinstance(item, Message) and item.role == "assistant":
            assistant = assistant or {"role": "assistant", "content": None}
            text = item.text
            refusal = "".join(p.refusal for p in _parts(item.content) if isinstance(p, RefusalPart))
            if text:
                assistant["content"] = (assistant["content"] or "") + text
            if refusal:
                assistant["refusal"] = refusal
        elif isinstance(item, ToolCall):
            assistant = assistant or {"role": "assistant", "content": None}
            assistant.setdefault("tool_calls", []).append(_tool_call(item))
        elif isinstance(item, Reasoning):
            returned = _returned_reasoning(item)
            if returned:
                assistant = assistant or {"role": "assistant", "content": None}
                for field, value in returned.items():
                    assistant[field] = [*assistant.get(field, ()), *value]
        elif isinstance(item, HostedToolCallItem):
            continue
        elif isinstance(item, ToolResult):
            flush()
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": openai_tool_id(item.call_id),
                    "content": item.output
                    if isinstance(item.output, str)
                    else [_content_part(p) for p in item.output if isinstance(p, TextPart)],
                }
            )
        elif isinstance(item, Message):
            flush()
            out.append(_message(item))
        else:  # pragma: no cover - the Item union is closed
            raise ConfigurationError(f"cannot send {type(item).__name__} to the Chat API")
    flush()
    return out


def _tool_call(call: ToolCall) -> dict[str, Any]:
    """A tool call as the assistant message carries it: a custom tool's free-text input goes back
    as a custom call (sent as a function call, the API would refuse the tool's name)."""
    if call.kind == "custom":
        custom = {"name": call.name, "input": call.raw_arguments}
        return {"id": openai_tool_id(call.id), "type": "custom", "custom": custom}
    arguments = call.raw_arguments or dumps(call.arguments).decode()
    return {
        "id": openai_tool_id(call.id),
        "type": "function",
        "function": {"name": call.name, "arguments": arguments},
    }


#: Reasoning fields a Chat server sends on the assistant message and takes back there.
_RETURNED_REASONING_FIELDS = ("thinking_blocks", "reasoning_details")


def _returned_reasoning(item: Reasoning) -> dict[str, list[Any]]:
    """The structured reasoning of a Chat answer that goes back with the assistant message."""
    if item.api != API or not item.native:
        return {}
    return {
        field: value
        for field in _RETURNED_REASONING_FIELDS
        if isinstance(value := item.native.get(field), list) and value
    }


def _parts(content: str | list[ContentPart]) -> list[ContentPart]:
    return [] if isinstance(content, str) else content


def _message(message: Message) -> dict[str, Any]:
    if isinstance(message.content, str):
        return {"role": message.role, "content": message.content}
    if message.role != "user":
        return {"role": message.role, "content": message.text}
    return {"role": "user", "content": [_content_part(part) for part in message.content]}


def _content_part(part: ContentPart) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text}
    if isinstance(part, ImagePart):
        url = part.url or f"data:{part.media_type or 'image/png'};base64,{part.data}"
        image: dict[str, Any] = {"url": url}
        if part.detail is not None:
            image["detail"] = part.detail
        return {"type": "image_url", "image_url": image}
    return {"type": "text", "text": part.refusal}
