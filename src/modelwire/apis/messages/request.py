"""Prompt -> Anthropic Messages request body (``POST /v1/messages``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ...common.arguments import parse_tool_arguments
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
from ..ids import anthropic_tool_id

API = "messages"
PATH = "/v1/messages"
ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
# Thinking budgets for the provider-neutral ``reasoning`` effort.
THINKING_BUDGETS = {"minimal": 1024, "low": 2048, "medium": 8192, "high": 24576}


@dataclass(slots=True, kw_only=True)
class MessagesOptions:
    """Messages-only request fields.

    ``thinking_budget`` turns on extended thinking (at least 1024 tokens); ``thinking_display``
    ``"omitted"`` asks for signature-only thinking blocks. ``cache`` marks the system prompt, the
    tool list and the last user turn with ``cache_control`` (``"5m"`` or ``"1h"``). ``betas`` are
    merged into the ``anthropic-beta`` header. ``server_tools`` are tool objects such as
    ``{"type": "web_search_20250305", "name": "web_search", "max_uses": 3}``.
    """

    thinking_budget: int | None = None
    thinking_display: Literal["summarized", "omitted"] | None = None
    cache: Literal["5m", "1h"] | None = None
    betas: list[str] = field(default_factory=list)
    server_tools: list[dict[str, Any]] = field(default_factory=list)
    top_k: int | None = None
    top_p: float | None = None
    user_id: str | None = None
    service_tier: Literal["auto", "standard_only"] | None = None


def build_body(prompt: Prompt, options: MessagesOptions | None, *, stream: bool) -> dict[str, Any]:
    options = options or MessagesOptions()
    system_parts, messages = split_system(prompt.input)
    if prompt.instructions is not None:
        system_parts.insert(0, prompt.instructions)
    budget = options.thinking_budget
    if budget is None and prompt.reasoning is not None:
        budget = THINKING_BUDGETS[prompt.reasoning]
    max_tokens = prompt.max_output_tokens
    if max_tokens is None:
        max_tokens = DEFAULT_MAX_TOKENS + (budget or 0)
    if budget is not None and budget >= max_tokens:
        raise ConfigurationError(
            f"thinking budget ({budget}) must be below max_output_tokens ({max_tokens})"
        )
    body: dict[str, Any] = {
        "model": prompt.model,
        "max_tokens": max_tokens,
        "messages": anthropic_messages(messages),
    }
    cache = {"type": "ephemeral", **({"ttl": options.cache} if options.cache == "1h" else {})}
    if system_parts:
        if options.cache:
            body["system"] = [{"type": "text", "text": text} for text in system_parts]
            body["system"][-1]["cache_control"] = cache
        else:
            body["system"] = "\n\n".join(system_parts)
    tools: list[dict[str, Any]] = [
        {"name": tool.name, "description": tool.description, "input_schema": tool.parameters}
        for tool in prompt.tools
    ]
    tools.extend(options.server_tools)
    if tools:
        if options.cache:
            tools[-1] = {**tools[-1], "cache_control": cache}
        body["tools"] = tools
    choice = _tool_choice(prompt)
    if choice is not None:
        body["tool_choice"] = choice
    if options.cache and body["messages"]:
        _mark_last_user_turn(body["messages"], cache)
    if budget is not None:
        thinking: dict[str, Any] = {"type": "enabled", "budget_tokens": budget}
        if options.thinking_display is not None:
            thinking["display"] = options.thinking_display
        body["thinking"] = thinking
    if prompt.temperature is not None:
        body["temperature"] = prompt.temperature
    if prompt.stop:
        body["stop_sequences"] = prompt.stop
    if options.top_k is not None:
        body["top_k"] = options.top_k
    if options.top_p is not None:
        body["top_p"] = options.top_p
    if options.user_id is not None:
        body["metadata"] = {"user_id": options.user_id}
    if options.service_tier is not None:
        body["service_tier"] = options.service_tier
    if prompt.output_schema is not None:
        schema = prompt.output_schema_messages or prompt.output_schema
        body["output_config"] = {"format": {"type": "json_schema", "schema": schema}}
    body["stream"] = stream
    return body


def headers(options: MessagesOptions | None) -> dict[str, str]:
    """Headers every Messages request carries (auth adds its own and merges betas)."""
    result = {"anthropic-version": ANTHROPIC_VERSION}
    if options is not None and options.betas:
        result["anthropic-beta"] = ",".join(options.betas)
    return result


def _tool_choice(prompt: Prompt) -> dict[str, Any] | None:
    disable_parallel = prompt.parallel_tool_calls is False
    if prompt.tool_choice is None:
        return {"type": "auto", "disable_parallel_tool_use": True} if disable_parallel else None
    if prompt.tool_choice == "none":
        return {"type": "none"}
    choice: dict[str, Any]
    if prompt.tool_choice == "auto":
        choice = {"type": "auto"}
    elif prompt.tool_choice == "required":
        choice = {"type": "any"}
    else:
        choice = {"type": "tool", "name": prompt.tool_choice}
    if disable_parallel:
        choice["disable_parallel_tool_use"] = True
    return choice


def split_system(items: list[Item]) -> tuple[list[str], list[Item]]:
    """System and developer messages go to the top-level ``system``; the rest stay in order."""
    system: list[str] = []
    rest: list[Item] = []
    for item in items:
        if isinstance(item, Message) and item.role in ("system", "developer"):
            system.append(item.text)
        else:
            rest.append(item)
    return system, rest


def anthropic_messages(items: list[Item]) -> list[dict[str, Any]]:
    """History items as alternating user/assistant messages of content blocks.

    Assistant-side items in a row (thinking, text, tool_use, server tool blocks) form one assistant
    turn in their original order; tool results and user text in a row form one user turn, results
    first as the API requires. Thinking from this API is replayed exactly when signed and dropped
    when unsigned (a stream cut mid-block); reasoning and hosted tool calls from other APIs are
    dropped, since the API cannot verify them.
    """
    turns: list[dict[str, Any]] = []

    def add(role: str, block: dict[str, Any]) -> None:
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].append(block)
        else:
            turns.append({"role": role, "content": [block]})

    for item in items:
        if isinstance(item, Message):
            if item.role == "assistant":
                for text_block in _assistant_blocks(item):
                    add("assistant", text_block)
            else:
                for user_block in _user_blocks(item.content):
                    add("user", user_block)
        elif isinstance(item, Reasoning):
            if item.api == API and item.native is not None and item.is_signed:
                add("assistant", dict(item.native))
        elif isinstance(item, ToolCall):
            if item.api == API and item.native is not None:
                add("assistant", dict(item.native))
            else:
                add(
                    "assistant",
                    {
                        "type": "tool_use",
                        "id": anthropic_tool_id(item.id),
                        "name": item.name,
                        "input": item.arguments or parse_tool_arguments(item.raw_arguments)[0],
                    },
                )
        elif isinstance(item, HostedToolCallItem):
            if item.api == API and item.native is not None:
                add("assistant", dict(item.native))
        elif isinstance(item, ToolResult):
            block: dict[str, Any] = {
                "type": "tool_result",
                "tool_use_id": anthropic_tool_id(item.call_id),
                "content": item.output
                if isinstance(item.output, str)
                else [_user_part(p) for p in item.output],
            }
            if item.is_error:
                block["is_error"] = True
            if turns and turns[-1]["role"] == "user":
                # Tool results must come before any other block of the user turn.
                content = turns[-1]["content"]
                position = sum(1 for b in content if b.get("type") == "tool_result")
                content.insert(position, block)
            else:
                add("user", block)
        else:  # pragma: no cover - the Item union is closed
            raise ConfigurationError(f"cannot send {type(item).__name__} to the Messages API")
    return turns


def _assistant_blocks(message: Message) -> list[dict[str, Any]]:
    if message.api == API and message.native is not None:
        return [dict(message.native)]
    if isinstance(message.content, str):
        return [{"type": "text", "text": message.content}] if message.content else []
    blocks = []
    for part in message.content:
        if isinstance(part, TextPart) and part.text:
            blocks.append({"type": "text", "text": part.text})
        elif isinstance(part, RefusalPart):
            blocks.append({"type": "text", "text": part.refusal})
    return blocks


def _user_blocks(content: str | list[ContentPart]) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [_user_part(part) for part in content]


def _user_part(part: ContentPart) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text}
    if isinstance(part, ImagePart):
        if part.data is not None:
            source: dict[str, Any] = {
                "type": "base64",
                "media_type": part.media_type or "image/png",
                "data": part.data,
            }
        elif part.url is not None and part.url.startswith("data:"):
            header, _, data = part.url.partition(",")
            source = {
                "type": "base64",
                "media_type": header[5:].split(";")[0] or "image/png",
                "data": data,
            }
        else:
            source = {"type": "url", "url": part.url}
        return {"type": "image", "source": source}
    return {"type": "text", "text": part.refusal}


def _mark_last_user_turn(messages: list[dict[str, Any]], cache: dict[str, Any]) -> None:
    for turn in reversed(messages):
        if turn["role"] == "user" and turn["content"]:
            turn["content"][-1] = {**turn["content"][-1], "cache_control": cache}
            return
