"""OpenAI Responses: a script -> the exact event sequence of ``POST /v1/responses`` and its object.

The stream is ``response.created``, ``response.in_progress``, then per output item
``output_item.added`` .. its own events .. ``output_item.done``, then ``response.completed``
(``response.incomplete`` when the output was cut at ``max_output_tokens``). Every event carries a
``sequence_number`` counting from 0.
"""

from __future__ import annotations

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
from .common import (
    RenderContext,
    Rendered,
    copy_json,
    dumps,
    obfuscation,
    split_deltas,
    split_json,
)

DEFAULT_MODEL = "gpt-5"

_FAILURE_CODES: dict[str, tuple[str, str]] = {
    "overloaded_error": ("server_error", "The server is overloaded. Please try again later."),
    "api_error": ("server_error", "An error occurred while processing your request."),
    "rate_limit_error": ("rate_limit_exceeded", "Rate limit reached. Please try again later."),
    "invalid_request_error": ("invalid_prompt", "Invalid prompt."),
}


class _Stream:
    def __init__(self, options: Mapping[str, Any]) -> None:
        self.events: list[dict[str, Any]] = []
        self.obfuscate = options.get("include_obfuscation", True) is not False

    def emit(self, type_: str, **fields: Any) -> None:
        self.events.append({"type": type_, "sequence_number": len(self.events), **fields})

    def delta(self, type_: str, delta: str, **fields: Any) -> None:
        if self.obfuscate:
            fields["obfuscation"] = obfuscation(delta)
        self.emit(type_, delta=delta, **fields)


def _base_response(
    request: Mapping[str, Any], ctx: RenderContext, response_id: str
) -> dict[str, Any]:
    reasoning = request.get("reasoning")
    text_config = dict(request.get("text") or {})
    text_config.setdefault("format", {"type": "text"})
    text_config.setdefault("verbosity", "medium")
    return {
        "id": response_id,
        "object": "response",
        "created_at": ctx.created,
        "status": "in_progress",
        "background": bool(request.get("background") or False),
        "error": None,
        "incomplete_details": None,
        "instructions": request.get("instructions"),
        "max_output_tokens": request.get("max_output_tokens"),
        "max_tool_calls": request.get("max_tool_calls"),
        "model": request.get("model") or DEFAULT_MODEL,
        "output": [],
        "parallel_tool_calls": request.get("parallel_tool_calls") is not False,
        "previous_response_id": request.get("previous_response_id"),
        "prompt_cache_key": request.get("prompt_cache_key"),
        "reasoning": (
            {
                "effort": reasoning.get("effort"),
                "summary": reasoning.get("summary", reasoning.get("generate_summary")),
            }
            if isinstance(reasoning, Mapping)
            else {"effort": None, "summary": None}
        ),
        "safety_identifier": request.get("safety_identifier"),
        "service_tier": request.get("service_tier") or "auto",
        "store": request.get("store") is not False,
        "temperature": request.get("temperature", 1.0),
        "text": text_config,
        "tool_choice": request.get("tool_choice") or "auto",
        "tools": list(request.get("tools") or []),
        "top_logprobs": request.get("top_logprobs") or 0,
        "top_p": request.get("top_p", 1.0),
        "truncation": request.get("truncation") or "disabled",
        "usage": None,
        "user": request.get("user"),
        "metadata": dict(request.get("metadata") or {}),
    }


def render(request: Mapping[str, Any], script: Script, ctx: RenderContext) -> Rendered:
    response_id = ctx.ids.response()
    base = _base_response(request, ctx, response_id)
    stream = _Stream(request.get("stream_options") or {})
    stream.emit("response.created", response=copy_json(base))
    stream.emit("response.in_progress", response=copy_json(base))

    reasoning = request.get("reasoning")
    wants_summary = isinstance(reasoning, Mapping) and (
        reasoning.get("summary") is not None or reasoning.get("generate_summary") is not None
    )
    include = set(request.get("include") or [])
    refusal = script.stop_reason == "refusal"
    output: list[dict[str, Any]] = []

    for part in script.parts:
        index = len(output)
        if isinstance(part, ReasoningPart):
            if part.redacted:
                continue  # Responses has no redacted reasoning block to show
            item = _reasoning_item(part, index, stream, ctx, wants_summary, include)
        elif isinstance(part, TextPart):
            item = _message_item(part, index, stream, ctx, refusal)
        elif isinstance(part, ToolCallPart):
            item = _function_call_item(part, index, stream, ctx)
        else:
            item = _web_search_item(part, index, stream, ctx, include)
        output.append(item)
        stream.emit("response.output_item.done", output_index=index, item=item)

    usage = output_usage(script.parts)
    final = copy_json(base)
    final["output"] = output
    final["usage"] = {
        "input_tokens": ctx.input_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
        "total_tokens": ctx.input_tokens + usage.output_tokens,
    }
    final["completed_at"] = ctx.created
    if script.stop_reason == "max_tokens":
        final["status"] = "incomplete"
        final["incomplete_details"] = {"reason": "max_output_tokens"}
        stream.emit("response.incomplete", response=final)
    else:
        final["status"] = "completed"
        if final["service_tier"] == "auto":
            final["service_tier"] = "default"
        stream.emit("response.completed", response=final)
    return Rendered(stream.events, final, {"base": base})


def _reasoning_item(
    part: ReasoningPart,
    index: int,
    stream: _Stream,
    ctx: RenderContext,
    wants_summary: bool,
    include: set[str],
) -> dict[str, Any]:
    item_id = ctx.ids.output_item("rs_")
    stream.emit(
        "response.output_item.added",
        output_index=index,
        item={"id": item_id, "type": "reasoning", "summary": []},
    )
    summary: list[dict[str, str]] = []
    if wants_summary:
        for summary_index, paragraph in enumerate(part.summary):
            where = {"item_id": item_id, "output_index": index, "summary_index": summary_index}
            stream.emit(
                "response.reasoning_summary_part.added",
                **where,
                part={"type": "summary_text", "text": ""},
            )
            for delta in split_deltas(paragraph):
                stream.delta("response.reasoning_summary_text.delta", delta, **where)
            stream.emit("response.reasoning_summary_text.done", **where, text=paragraph)
            done_part = {"type": "summary_text", "text": paragraph}
            stream.emit("response.reasoning_summary_part.done", **where, part=done_part)
            summary.append(done_part)
    item: dict[str, Any] = {"id": item_id, "type": "reasoning", "summary": summary}
    if "reasoning.encrypted_content" in include:
        item["encrypted_content"] = ctx.signer.encrypt_reasoning(item_id, part.text)
    return item


def _message_item(
    part: TextPart, index: int, stream: _Stream, ctx: RenderContext, refusal: bool
) -> dict[str, Any]:
    item_id = ctx.ids.output_item("msg_")
    stream.emit(
        "response.output_item.added",
        output_index=index,
        item={
            "id": item_id,
            "type": "message",
            "status": "in_progress",
            "content": [],
            "role": "assistant",
        },
    )
    where = {"item_id": item_id, "output_index": index, "content_index": 0}
    content: dict[str, Any]
    if refusal:
        stream.emit("response.content_part.added", **where, part={"type": "refusal", "refusal": ""})
        for delta in split_deltas(part.text):
            stream.delta("response.refusal.delta", delta, **where)
        stream.emit("response.refusal.done", **where, refusal=part.text)
        content = {"type": "refusal", "refusal": part.text}
    else:
        empty = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
        stream.emit("response.content_part.added", **where, part=empty)
        for delta in split_deltas(part.text):
            stream.delta("response.output_text.delta", delta, **where, logprobs=[])
        annotations = []
        for annotation_index, citation in enumerate(part.citations):
            start = max(part.text.find(citation.cited_text), 0)
            annotation = {
                "type": "url_citation",
                "start_index": start,
                "end_index": start + len(citation.cited_text),
                "title": citation.title,
                "url": citation.url,
            }
            stream.emit(
                "response.output_text.annotation.added",
                **where,
                annotation_index=annotation_index,
                annotation=annotation,
            )
            annotations.append(annotation)
        stream.emit("response.output_text.done", **where, text=part.text, logprobs=[])
        content = {
            "type": "output_text",
            "annotations": annotations,
            "logprobs": [],
            "text": part.text,
        }
    stream.emit("response.content_part.done", **where, part=content)
    return {
        "id": item_id,
        "type": "message",
        "status": "completed",
        "content": [content],
        "role": "assistant",
    }


def _function_call_item(
    part: ToolCallPart, index: int, stream: _Stream, ctx: RenderContext
) -> dict[str, Any]:
    item_id = ctx.ids.output_item("fc_")
    call_id = part.call_id or ctx.ids.openai_call()
    arguments = dumps(dict(part.arguments)).decode()
    stream.emit(
        "response.output_item.added",
        output_index=index,
        item={
            "id": item_id,
            "type": "function_call",
            "status": "in_progress",
            "arguments": "",
            "call_id": call_id,
            "name": part.name,
        },
    )
    for delta in split_json(arguments):
        stream.delta(
            "response.function_call_arguments.delta", delta, item_id=item_id, output_index=index
        )
    stream.emit(
        "response.function_call_arguments.done",
        item_id=item_id,
        output_index=index,
        name=part.name,
        arguments=arguments,
    )
    return {
        "id": item_id,
        "type": "function_call",
        "status": "completed",
        "arguments": arguments,
        "call_id": call_id,
        "name": part.name,
    }


def _web_search_item(
    part: WebSearchPart, index: int, stream: _Stream, ctx: RenderContext, include: set[str]
) -> dict[str, Any]:
    item_id = ctx.ids.output_item("ws_")
    stream.emit(
        "response.output_item.added",
        output_index=index,
        item={
            "id": item_id,
            "type": "web_search_call",
            "status": "in_progress",
            "action": {"type": "search", "query": part.query},
        },
    )
    for phase in ("in_progress", "searching", "completed"):
        stream.emit(f"response.web_search_call.{phase}", item_id=item_id, output_index=index)
    action: dict[str, Any] = {"type": "search", "query": part.query}
    if "web_search_call.action.sources" in include:
        action["sources"] = [{"type": "url", "url": result.url} for result in part.results]
    return {"id": item_id, "type": "web_search_call", "status": "completed", "action": action}


def failure_events(
    rendered: Rendered,
    sent: list[dict[str, Any]],
    kind: StreamErrorKind,
    message: str | None,
    event: str,
) -> list[dict[str, Any]]:
    """What ends a stream that fails after ``sent``: ``response.failed`` or a bare ``error``."""
    code, default_message = _FAILURE_CODES[kind]
    sequence = len(sent)
    if event == "error":
        return [
            {
                "type": "error",
                "code": code,
                "message": message or default_message,
                "param": None,
                "sequence_number": sequence,
            }
        ]
    response = copy_json(rendered.state["base"])
    response["status"] = "failed"
    response["error"] = {"code": code, "message": message or default_message}
    response["output"] = [e["item"] for e in sent if e["type"] == "response.output_item.done"]
    return [{"type": "response.failed", "sequence_number": sequence, "response": response}]


def status_for_failure(kind: StreamErrorKind) -> int:
    """The HTTP status a non-streaming request gets instead of an in-stream failure."""
    return {"overloaded_error": 503, "rate_limit_error": 429, "invalid_request_error": 400}.get(
        kind, 500
    )
