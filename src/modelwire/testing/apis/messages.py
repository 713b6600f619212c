"""Anthropic Messages (``POST /v1/messages``): rendering, request reading, rules and replay.

Rendering: a script -> the exact events and the final Message. The stream is ``message_start``, then
per content block ``content_block_start``, its deltas and ``content_block_stop`` (a ``ping`` follows
the first block start, as the real API sends one), then ``message_delta`` with the stop reason and
the output usage, and ``message_stop``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

import modelwire.native.messages as native

from ..echo import RequestView, ToolSpec, count_input_tokens, text_of
from ..errors import anthropic_error, anthropic_validation_message
from ..faults import StreamErrorEffect, StreamErrorKind
from ..handlers import Refusal
from ..rendering import RenderContext, Rendered, copy_json, dumps, split_deltas, split_json
from ..script import (
    ReasoningPart,
    Script,
    TextPart,
    ToolCallPart,
    WebSearchPart,
    output_usage,
)
from ..services import CLAUDE_EXPIRED, authenticate_anthropic, betas
from ..signing import Signer
from .base import Call, Credential, EmulatedApi, Endpoint, ReplayError, Reply

if TYPE_CHECKING:
    from ..ids import IdFactory
    from ..state import ServerState

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
        delta_usage["server_tool_use"] = {"web_search_requests": searches, "web_fetch_requests": 0}
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
        final_usage["server_tool_use"] = {"web_search_requests": searches, "web_fetch_requests": 0}
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


# -- reading a request for the echo model ----------------------------------------------------------


def view_request(body: Mapping[str, Any]) -> RequestView:
    view = RequestView()
    messages = [m for m in body.get("messages") or [] if isinstance(m, Mapping)]
    names: dict[str, str] = {}
    for message in messages:
        content = message.get("content")
        blocks = content if isinstance(content, list) else []
        if message.get("role") == "assistant":
            for block in blocks:
                if isinstance(block, Mapping) and block.get("type") == "tool_use":
                    names[str(block.get("id"))] = str(block.get("name"))
            continue
        if message.get("role") != "user":
            continue
        results = [b for b in blocks if isinstance(b, Mapping) and b.get("type") == "tool_result"]
        view.tool_results = [
            (
                names.get(str(block.get("tool_use_id")), "tool"),
                text_of(block.get("content"), ("text",)),
            )
            for block in results
        ]
        text = text_of(content, ("text",))
        if text or not results:
            view.last_user_text = text
    for tool in body.get("tools") or []:
        kind = tool.get("type")
        if kind in (None, "custom"):
            view.tools.append(ToolSpec(str(tool.get("name")), tool.get("input_schema") or {}))
        elif isinstance(kind, str) and kind.startswith("web_search"):
            view.web_search = True
    choice = body.get("tool_choice") or {}
    view.tool_choice_none = choice.get("type") == "none"
    view.tool_required = choice.get("type") == "any"
    if choice.get("type") == "tool":
        view.forced_tool = str(choice.get("name"))
    view.parallel_tool_calls = not choice.get("disable_parallel_tool_use", False)
    thinking = body.get("thinking") or {}
    view.reasoning = thinking.get("type") in ("enabled", "adaptive")
    output_format = (body.get("output_config") or {}).get("format") or body.get("output_format")
    if isinstance(output_format, Mapping) and output_format.get("type") == "json_schema":
        view.output_schema = output_format.get("schema") or {}
    view.input_tokens = count_input_tokens(body.get("system"), messages, body.get("tools"))
    view.max_output_tokens = body.get("max_tokens")
    return view


# -- replay rules ----------------------------------------------------------------------------------

_THINKING_REQUIRED = (
    "messages.{index}.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
    "`{found}`. When `thinking` is enabled, a final `assistant` message must start with a thinking "
    "block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you "
    "include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. "
    "Please consult our documentation at "
    "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
)


def _blocks(message: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    content = message.get("content")
    if not isinstance(content, list):
        return []
    return [block for block in content if isinstance(block, Mapping)]


def check_replay(body: Mapping[str, Any], signer: Signer) -> ReplayError | None:
    messages = [m for m in body.get("messages") or [] if isinstance(m, Mapping)]
    for index, message in enumerate(messages):
        for position, block in enumerate(_blocks(message)):
            kind = block.get("type")
            where = f"messages.{index}.content.{position}"
            if kind == "thinking" and not signer.verify_thinking(
                str(block.get("thinking", "")), str(block.get("signature", ""))
            ):
                return ReplayError(f"{where}: Invalid `signature` in `thinking` block")
            if kind == "redacted_thinking" and not signer.verify_redacted_thinking(
                str(block.get("data", ""))
            ):
                return ReplayError(f"{where}: Invalid `data` in `redacted_thinking` block")

    for index, message in enumerate(messages):
        if message.get("role") != "user":
            continue
        results = [
            (position, block)
            for position, block in enumerate(_blocks(message))
            if block.get("type") == "tool_result"
        ]
        if not results:
            continue
        previous = messages[index - 1] if index > 0 else {}
        issued = (
            {str(b.get("id")) for b in _blocks(previous) if b.get("type") == "tool_use"}
            if previous.get("role") == "assistant"
            else set()
        )
        unknown = [str(block.get("tool_use_id")) for _, block in results]
        unknown = [tool_use_id for tool_use_id in unknown if tool_use_id not in issued]
        if unknown:
            return ReplayError(
                f"messages.{index}.content.{results[0][0]}: unexpected `tool_use_id` found in "
                f"`tool_result` blocks: {', '.join(unknown)}. Each `tool_result` block must have "
                "a corresponding `tool_use` block in the previous message."
            )

    for index, message in enumerate(messages[:-1]):
        if message.get("role") != "assistant":
            continue
        calls = [str(b.get("id")) for b in _blocks(message) if b.get("type") == "tool_use"]
        answered = {
            str(b.get("tool_use_id"))
            for b in _blocks(messages[index + 1])
            if b.get("type") == "tool_result"
        }
        missing = [call for call in calls if call not in answered]
        if missing:
            return ReplayError(
                f"messages.{index + 1}: `tool_use` ids were found without `tool_result` blocks "
                f"immediately after: {', '.join(missing)}. Each `tool_use` block must have a "
                "corresponding `tool_result` block in the next message."
            )

    thinking = body.get("thinking") or {}
    if thinking.get("type") in ("enabled", "adaptive") and len(messages) >= 2:
        last, previous = messages[-1], messages[-2]
        continuing_tools = (
            last.get("role") == "user"
            and any(b.get("type") == "tool_result" for b in _blocks(last))
            and previous.get("role") == "assistant"
            and any(b.get("type") == "tool_use" for b in _blocks(previous))
        )
        if continuing_tools:
            blocks = _blocks(previous)
            first = blocks[0].get("type") if blocks else "text"
            if first not in ("thinking", "redacted_thinking"):
                return ReplayError(_THINKING_REQUIRED.format(index=len(messages) - 2, found=first))
    return None


# -- the service's rules ---------------------------------------------------------------------------


def check_rules(
    body: Mapping[str, Any], credential: Credential, signer: Signer, request_id: str
) -> Refusal | None:
    def refuse(message: str) -> Refusal:
        return Refusal(400, anthropic_error("invalid_request_error", message, request_id))

    if not body.get("messages"):
        return refuse("messages: at least one message is required")
    thinking = body.get("thinking") or {}
    budget = int(thinking.get("budget_tokens", 0))
    if thinking.get("type") == "enabled" and budget >= int(body.get("max_tokens", 0)):
        return refuse(
            "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult "
            "our documentation at https://docs.claude.com/en/docs/build-with-claude/"
            "extended-thinking#max-tokens-and-context-window-size"
        )
    if thinking.get("type") in ("enabled", "adaptive") and body.get("temperature") not in (
        None,
        1,
        1.0,
    ):
        return refuse(
            "`temperature` may only be set to 1 when thinking is enabled or in interleaved "
            "thinking mode. Please consult our documentation at "
            "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
            "#feature-compatibility"
        )
    error = check_replay(body, signer)
    if error is not None:
        return Refusal(
            error.status, anthropic_error("invalid_request_error", error.message, request_id)
        )
    return None


#: Request fields a beta adds, by the beta's name in ``anthropic-beta``: a request naming the beta
#: may send them (the anthropic SDK's beta request params; its tool runner sends ``thread``).
BETA_FIELDS: dict[str, tuple[str, ...]] = {
    "message-threads-2026-08-12": ("thread",),
    "compact-2026-01-12": ("compaction",),
    "compact-2026-09-04": ("compaction",),
    "server-side-fallback-2026-06-01": ("fallbacks",),
    "server-side-fallback-2026-07-01": ("fallbacks",),
    "fallback-credit-2026-06-01": ("fallback_credit_token",),
    "fallback-credit-2026-07-01": ("fallback_credit_token",),
    "user-profiles-billing-2026-10-01": ("billing_policy",),
}
ALL_BETA_FIELDS = frozenset(field for fields in BETA_FIELDS.values() for field in fields)
#: Fields a thread holds from its first request: a ``continue`` takes them from the thread.
THREAD_FIELDS = ("system", "tools")


def beta_fields(headers: Mapping[str, str]) -> set[str]:
    """The request fields the betas named in the request's ``anthropic-beta`` header add."""
    return {field for beta in betas(headers) for field in BETA_FIELDS.get(beta, ())}


def without_beta_fields(body: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
    allowed = beta_fields(headers)
    return {key: value for key, value in body.items() if key not in allowed}


def _invalid(message: str, request_id: str, **details: str) -> Refusal:
    body = anthropic_error("invalid_request_error", message, request_id)
    if details:
        body["error"]["details"] = details
    return Refusal(400, body)


def expand_thread(
    body: dict[str, Any], headers: Mapping[str, str], state: ServerState, request_id: str
) -> dict[str, Any] | Refusal:
    """A ``thread: {"type": "continue", ...}`` request as the whole conversation it continues."""
    thread = body.get("thread")
    if "thread" not in beta_fields(headers) or not isinstance(thread, Mapping):
        return body
    if thread.get("type") == "create" and set(thread) == {"type"}:
        return body
    previous = thread.get("previous_message_id")
    if thread.get("type") != "continue" or not isinstance(previous, str) or len(thread) != 2:
        return _invalid(
            'thread: Input should be {"type": "create"} or {"type": "continue", '
            '"previous_message_id": "..."}',
            request_id,
        )
    repeated = [field for field in THREAD_FIELDS if field in body]
    if repeated:
        return _invalid(
            f"{repeated[0]}: cannot be set when continuing a thread; the thread keeps the "
            "value of its first request",
            request_id,
        )
    with state.lock:
        held = state.message_threads.get(previous)
        if held is not None and held["continued"]:
            held = None
            code = "thread_already_continued"
        else:
            code = "thread_not_found"
        if held is not None:
            held["continued"] = True
    if held is None:
        message = f"thread: no thread ends with the message {previous!r}"
        refusal = _invalid(message, request_id, error_code=code)
        return Refusal(404 if code == "thread_not_found" else 409, refusal.body)
    expanded = {key: value for key, value in body.items() if key != "messages"}
    expanded["messages"] = [*held["messages"], *(body.get("messages") or [])]
    for field in THREAD_FIELDS:
        if held[field] is not None:
            expanded[field] = held[field]
    return expanded


def keep_thread(body: Mapping[str, Any], final: Mapping[str, Any], state: ServerState) -> None:
    """Hold a threaded conversation under the id of its latest reply."""
    thread = body.get("thread")
    if not isinstance(thread, Mapping):
        return
    reply = {"role": "assistant", "content": final.get("content") or []}
    with state.lock:
        state.message_threads[str(final["id"])] = {
            "messages": [*(body.get("messages") or []), reply],
            "system": body.get("system"),
            "tools": body.get("tools"),
            "continued": False,
        }


def count_tokens(call: Call) -> Reply:
    """``POST /v1/messages/count_tokens``: the input tokens of a Messages request (words); the
    body is a create request without ``max_tokens``."""
    record, request_id = call.record, call.request_id
    headers = record.headers
    if not headers.get("anthropic-version"):
        refusal = _invalid("anthropic-version: header is required", request_id)
        return refusal.status, refusal.body
    body = record.json
    if not isinstance(body, Mapping):
        return 400, anthropic_error("invalid_request_error", "Invalid JSON", request_id)
    if "max_tokens" in body:
        message = "max_tokens: Extra inputs are not permitted"
        return 400, anthropic_error("invalid_request_error", message, request_id)
    checked = without_beta_fields(body, headers)
    try:
        native.REQUEST_MODEL.model_validate({**checked, "max_tokens": 1})
    except ValidationError as error:
        message = anthropic_validation_message(error, checked)
        return 400, anthropic_error("invalid_request_error", message, request_id)
    tokens = count_input_tokens(body.get("system"), body.get("messages"), body.get("tools"))
    return 200, {"input_tokens": tokens}


ENDPOINTS = (Endpoint("/v1/messages/count_tokens", "POST", count_tokens),)


class MessagesApi(EmulatedApi):
    """Anthropic's Messages API: an API key, or a Claude sign-in token."""

    name = "messages"
    path = "/v1/messages"
    request_model = native.REQUEST_MODEL
    error_shape = "anthropic"
    family = "anthropic"
    non_json_event = b'event: content_block_delta\ndata: {"type": "content_block_delta", "ind\n\n'

    def claims(self, path: str, headers: Mapping[str, str]) -> bool:
        # Any path asked for with Anthropic's headers gets Anthropic's 404.
        return path.startswith(self.path) or "anthropic-version" in headers

    def request_id(self, ids: IdFactory) -> str:
        return ids.anthropic_request()

    def authenticate(
        self, headers: Mapping[str, str], state: ServerState, request_id: str
    ) -> Credential | Refusal:
        return authenticate_anthropic(headers, state, request_id)

    def expired(self, credential: Credential, state: ServerState, request_id: str) -> Refusal:
        if credential.kind == "claude-oauth":
            state.tokens.expire_access_token("claude", credential.secret)
            message = CLAUDE_EXPIRED
        else:
            message = "invalid x-api-key"
        return Refusal(401, anthropic_error("authentication_error", message, request_id))

    def bad_json(self, request_id: str) -> Refusal:
        return Refusal(400, anthropic_error("invalid_request_error", "Invalid JSON", request_id))

    def before_schema(
        self, body: Mapping[str, Any], headers: Mapping[str, str], request_id: str
    ) -> Refusal | None:
        if not headers.get("anthropic-version"):
            message = "anthropic-version: header is required"
            return Refusal(400, anthropic_error("invalid_request_error", message, request_id))
        return None

    def endpoints(self) -> Sequence[Endpoint]:
        return ENDPOINTS

    def expand(
        self,
        body: dict[str, Any],
        headers: Mapping[str, str],
        state: ServerState,
        request_id: str,
    ) -> dict[str, Any] | Refusal:
        return expand_thread(body, headers, state, request_id)

    def validate_schema(
        self, body: Any, headers: Mapping[str, str], request_id: str
    ) -> Refusal | None:
        if isinstance(body, Mapping):
            # The schema knows the beta fields (it is derived from the SDK's beta types), but the
            # service takes one only from a request that names its beta.
            allowed = beta_fields(headers)
            for field in sorted(ALL_BETA_FIELDS - allowed):
                if field in body:
                    message = f"{field}: Extra inputs are not permitted"
                    return Refusal(
                        400, anthropic_error("invalid_request_error", message, request_id)
                    )
            body = without_beta_fields(body, headers)
        return super().validate_schema(body, headers, request_id)

    def answered(self, body: Mapping[str, Any], rendered: Rendered, state: ServerState) -> None:
        keep_thread(body, rendered.final, state)

    def schema_refusal(self, error: ValidationError, body: Any, request_id: str) -> Refusal:
        message = anthropic_validation_message(error, body)
        return Refusal(400, anthropic_error("invalid_request_error", message, request_id))

    def check(
        self,
        body: Mapping[str, Any],
        headers: Mapping[str, str],
        credential: Credential,
        state: ServerState,
        request_id: str,
    ) -> Refusal | None:
        return check_rules(body, credential, state.signer, request_id)

    def view(self, body: Mapping[str, Any], state: ServerState) -> RequestView:
        return view_request(body)

    def render(self, body: Mapping[str, Any], script: Script, ctx: RenderContext) -> Rendered:
        return render(body, script, ctx)

    def failure_events(
        self, rendered: Rendered, sent: list[dict[str, Any]], failure: StreamErrorEffect
    ) -> list[dict[str, Any]]:
        return failure_events(rendered, failure.kind, failure.message)

    def failure_status(self, kind: StreamErrorKind) -> int:
        return status_for_failure(kind)

    def not_found(self, method: str, path: str, request_id: str) -> Any:
        return anthropic_error("not_found_error", "Not Found", request_id)

    def too_large(self, limit: int, request_id: str) -> Any:
        message = "Request exceeds the maximum allowed number of bytes."
        return anthropic_error("request_too_large", message, request_id)


API = MessagesApi()
