"""OpenAI Chat Completions: a script -> the chunks of ``POST /v1/chat/completions`` and its object.

Per choice the stream is a role chunk, ``reasoning_content`` chunks (as OpenAI-compatible
reasoning servers send them), content (or refusal) chunks, tool-call chunks (the first of each
call carries id and name, later ones argument fragments), then a finish chunk. With
``stream_options.include_usage`` every chunk has ``usage: null`` and one last chunk with empty
``choices`` carries the usage. The body ends with ``data: [DONE]`` (added by the route).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..faults import StreamErrorKind
from ..script import ReasoningPart, Script, TextPart, ToolCallPart, output_usage
from .common import RenderContext, Rendered, dumps, obfuscation, split_deltas, split_json

_FINISH = {"end_turn": "stop", "tool_use": "tool_calls", "max_tokens": "length", "refusal": "stop"}

_FAILURES: dict[str, tuple[str, str | None, str]] = {
    "overloaded_error": ("server_error", None, "The server is overloaded. Please try again later."),
    "api_error": ("server_error", None, "The server had an error while processing your request."),
    "rate_limit_error": ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    "invalid_request_error": ("invalid_request_error", None, "Invalid request."),
}


def render(request: Mapping[str, Any], script: Script, ctx: RenderContext) -> Rendered:
    completion_id = ctx.ids.chat_completion()
    model = str(request.get("model"))
    fingerprint = "fp_" + ctx.ids.hex("", 10)
    options = request.get("stream_options") or {}
    include_usage = bool(options.get("include_usage"))
    obfuscate = options.get("include_obfuscation", True) is not False
    choices = max(int(request.get("n") or 1), 1)
    refusal = script.stop_reason == "refusal"

    reasoning = "".join(
        p.text for p in script.parts if isinstance(p, ReasoningPart) and not p.redacted
    )
    text = "".join(p.text for p in script.parts if isinstance(p, TextPart))
    calls = [
        (part, part.call_id or ctx.ids.openai_call(), dumps(dict(part.arguments)).decode())
        for part in script.parts
        if isinstance(part, ToolCallPart)
    ]
    finish = _FINISH[script.stop_reason]

    def chunk(choice_list: list[dict[str, Any]]) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": ctx.created,
            "model": model,
            "service_tier": "default",
            "system_fingerprint": fingerprint,
            "choices": choice_list,
        }
        if include_usage:
            payload["usage"] = None
        return payload

    def delta_chunk(index: int, delta: dict[str, Any], finish_reason: str | None = None) -> None:
        payload = chunk(
            [{"index": index, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]
        )
        if obfuscate:
            payload["obfuscation"] = obfuscation(dumps(delta).decode())
        events.append(payload)

    events: list[dict[str, Any]] = []
    for index in range(choices):
        first_content = "" if text or reasoning or not calls else None
        delta_chunk(index, {"role": "assistant", "content": first_content, "refusal": None})
        for piece in split_deltas(reasoning):
            delta_chunk(index, {"reasoning_content": piece})
        for piece in split_deltas(text):
            delta_chunk(index, {"refusal": piece} if refusal else {"content": piece})
        for call_index, (part, call_id, arguments) in enumerate(calls):
            start = {
                "index": call_index,
                "id": call_id,
                "type": "function",
                "function": {"name": part.name, "arguments": ""},
            }
            delta_chunk(index, {"tool_calls": [start]})
            for piece in split_json(arguments):
                fragment = {"index": call_index, "function": {"arguments": piece}}
                delta_chunk(index, {"tool_calls": [fragment]})
        delta_chunk(index, {}, finish)

    usage = output_usage(script.parts)
    completion_tokens = usage.output_tokens * choices
    usage_body = {
        "prompt_tokens": ctx.input_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": ctx.input_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": usage.reasoning_tokens * choices,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }
    if include_usage:
        final_chunk = chunk([])
        final_chunk["usage"] = usage_body
        if obfuscate:
            final_chunk["obfuscation"] = obfuscation("usage")
        events.append(final_chunk)

    message: dict[str, Any] = {
        "role": "assistant",
        "content": None if refusal or not text else text,
        "refusal": text if refusal else None,
        "annotations": [],
    }
    if reasoning:
        message["reasoning_content"] = reasoning
    if calls:
        message["tool_calls"] = [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": part.name, "arguments": arguments},
            }
            for part, call_id, arguments in calls
        ]
    final = {
        "id": completion_id,
        "object": "chat.completion",
        "created": ctx.created,
        "model": model,
        "choices": [
            {"index": index, "message": message, "logprobs": None, "finish_reason": finish}
            for index in range(choices)
        ],
        "usage": usage_body,
        "service_tier": "default",
        "system_fingerprint": fingerprint,
    }
    return Rendered(events, final)


def failure_events(kind: StreamErrorKind, message: str | None) -> list[dict[str, Any]]:
    """The error chunk OpenAI-compatible servers put on a ``data:`` line when a stream fails."""
    type_, code, default_message = _FAILURES[kind]
    return [
        {
            "error": {
                "message": message or default_message,
                "type": type_,
                "param": None,
                "code": code,
            }
        }
    ]


def status_for_failure(kind: StreamErrorKind) -> int:
    return {"overloaded_error": 503, "rate_limit_error": 429, "invalid_request_error": 400}.get(
        kind, 500
    )
