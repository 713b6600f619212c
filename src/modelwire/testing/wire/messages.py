"""Anthropic Messages: a script -> the exact events of ``POST /v1/messages`` and its Message.

The stream is ``message_start``, then per content block ``content_block_start``, its deltas and
``content_block_stop`` (a ``ping`` follows the first block start, as the real API sends one), then
``message_delta`` with the stop reason and the output usage, and ``message_stop``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

from ..faults import StreamErrorKind
from ..script import (
    ReasoningPart,
    Script,
    TextPart,
    ToolCallPart,
    WebSearchPart,
    output_usage,
)
from .common import RenderContext, Rendered, copy_json, dumps, split_deltas, split_json

_FAILURE_MESSAGES = {
    "overloaded_error": "Overloaded",
    "api_error": "Internal server error",
    "rate_limit_error": "Rate limited. Please try again later.",
    "invalid_request_error": "Invalid request",
}


def _opaque(*parts: str) -> str:
    """Deterministic opaque base64 (web search ``encrypted_content``/``encrypted_index``)."""
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return base64.b64encode(digest * 2).decode()


def render(request: Mapping[str, Any], script: Script, ctx: RenderContext) -> Rendered:
    message_id = ctx.ids.anthropic_message()
    model = str(request.get("model"))
    thinking = request.get("thinking") or {}
    hidden = thinking.get("display") == "omitted"
    events: list[dict[str, Any]] = []
    blocks: list[dict[str, Any]] = []
    searches = 0

    start_usage = {
        "input_tokens": ctx.input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "output_tokens": 1,
        "service_tier": "standard",
    }
    events.append(
        {
            "type": "message_start",
            "message": {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": start_usage,
            },
        }
    )

    def open_block(block: dict[str, Any]) -> int:
        index = len(blocks)
        blocks.append(block)
        events.append(
            {"type": "content_block_start", "index": index, "content_block": copy_json(block)}
        )
        if index == 0:
            events.append({"type": "ping"})
        return index

    def delta(index: int, body: dict[str, Any]) -> None:
        events.append({"type": "content_block_delta", "index": index, "delta": body})

    def close(index: int) -> None:
        events.append({"type": "content_block_stop", "index": index})

    for part in script.parts:
        if isinstance(part, ReasoningPart) and part.redacted:
            data = ctx.signer.redacted_thinking(f"{message_id}:{len(blocks)}")
            close(open_block({"type": "redacted_thinking", "data": data}))
        elif isinstance(part, ReasoningPart):
            index = open_block({"type": "thinking", "thinking": "", "signature": ""})
            shown = "" if hidden else part.text
            for piece in split_deltas(shown):
                delta(index, {"type": "thinking_delta", "thinking": piece})
            signature = ctx.signer.sign_thinking(part.text, hidden=hidden)
            delta(index, {"type": "signature_delta", "signature": signature})
            close(index)
            blocks[index] = {"type": "thinking", "thinking": shown, "signature": signature}
        elif isinstance(part, TextPart):
            start: dict[str, Any] = {"type": "text", "text": ""}
            if part.citations:
                start["citations"] = []
            index = open_block(start)
            citations = []
            for citation in part.citations:
                located = {
                    "type": "web_search_result_location",
                    "cited_text": citation.cited_text,
                    "url": citation.url,
                    "title": citation.title,
                    "encrypted_index": _opaque("index", citation.url, citation.cited_text),
                }
                delta(index, {"type": "citations_delta", "citation": located})
                citations.append(located)
            for piece in split_deltas(part.text):
                delta(index, {"type": "text_delta", "text": piece})
            close(index)
            blocks[index] = {"type": "text", "text": part.text}
            if citations:
                blocks[index]["citations"] = citations
        elif isinstance(part, ToolCallPart):
            tool_use_id = part.call_id or ctx.ids.anthropic_tool_use()
            index = open_block(
                {"type": "tool_use", "id": tool_use_id, "name": part.name, "input": {}}
            )
            for piece in ["", *split_json(dumps(dict(part.arguments)).decode())]:
                delta(index, {"type": "input_json_delta", "partial_json": piece})
            close(index)
            blocks[index] = {
                "type": "tool_use",
                "id": tool_use_id,
                "name": part.name,
                "input": dict(part.arguments),
            }
        else:
            searches += 1
            use, result = _web_search(part, ctx)
            index = open_block({**use, "input": {}})
            for piece in ["", *split_json(dumps(use["input"]).decode())]:
                delta(index, {"type": "input_json_delta", "partial_json": piece})
            close(index)
            blocks[index] = use
            close(open_block(result))

    usage = output_usage(script.parts)
    stop_reason = script.stop_reason
    delta_usage: dict[str, Any] = {
        "input_tokens": ctx.input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": usage.output_tokens,
    }
    if searches:
        delta_usage["server_tool_use"] = {"web_search_requests": searches}
    events.append(
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            "usage": delta_usage,
        }
    )
    events.append({"type": "message_stop"})

    final_usage = {**start_usage, "output_tokens": usage.output_tokens}
    if searches:
        final_usage["server_tool_use"] = {"web_search_requests": searches}
    final = {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": final_usage,
    }
    return Rendered(events, final, {"request_id": ctx.request_id})


def _web_search(part: WebSearchPart, ctx: RenderContext) -> tuple[dict[str, Any], dict[str, Any]]:
    tool_use_id = ctx.ids.anthropic_server_tool_use()
    use = {
        "type": "server_tool_use",
        "id": tool_use_id,
        "name": "web_search",
        "input": {"query": part.query},
    }
    result = {
        "type": "web_search_tool_result",
        "tool_use_id": tool_use_id,
        "content": [
            {
                "type": "web_search_result",
                "title": found.title,
                "url": found.url,
                "encrypted_content": _opaque("content", found.url),
                "page_age": None,
            }
            for found in part.results
        ],
    }
    return use, result


def failure_events(
    rendered: Rendered, kind: StreamErrorKind, message: str | None
) -> list[dict[str, Any]]:
    """The ``error`` event that ends a failing stream (e.g. ``overloaded_error`` mid-answer)."""
    return [
        {
            "type": "error",
            "error": {"type": kind, "message": message or _FAILURE_MESSAGES[kind]},
            "request_id": rendered.state.get("request_id"),
        }
    ]


def status_for_failure(kind: StreamErrorKind) -> int:
    return {
        "overloaded_error": 529,
        "rate_limit_error": 429,
        "invalid_request_error": 400,
    }.get(kind, 500)
