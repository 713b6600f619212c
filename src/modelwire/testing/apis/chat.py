"""OpenAI Chat Completions (``POST /v1/chat/completions``): rendering, request reading, rules and
replay. Also Anthropic's OpenAI-compatible endpoint (an Anthropic key is accepted here).

Rendering: a script -> the chunks and the completion object. Per choice the stream is a role chunk,
``reasoning_content`` chunks (as OpenAI-compatible reasoning servers send them), content (or
refusal) chunks, tool-call chunks (the first of each call carries id and name, later ones argument
fragments), then a finish chunk. With ``stream_options.include_usage`` every chunk has ``usage:
null`` and one last chunk with empty ``choices`` carries the usage. The body ends with ``data:
[DONE]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

import modelwire.native.chat as native

from ..echo import RequestView, ToolSpec, count_input_tokens, text_of
from ..errors import openai_error, openai_validation_error
from ..faults import StreamErrorEffect, StreamErrorKind
from ..handlers import Refusal
from ..rendering import (
    DONE_FRAME,
    RenderContext,
    Rendered,
    dumps,
    frame_data,
    obfuscation,
    split_deltas,
    split_json,
)
from ..script import ReasoningPart, Script, TextPart, ToolCallPart, output_usage
from ..services import authenticate_openai, incorrect_openai_key
from ..strict_schema import strict_schema_problem
from .base import Credential, EmulatedApi, ReplayError, text_of_all
from .responses import openai_bad_json, openai_not_found, openai_too_large, replay_refusal

if TYPE_CHECKING:
    from ..state import ServerState

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
        "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0, "audio_tokens": 0},
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


# -- reading a request for the echo model ----------------------------------------------------------


def view_request(body: Mapping[str, Any]) -> RequestView:
    view = RequestView()
    messages = [m for m in body.get("messages") or [] if isinstance(m, Mapping)]
    names: dict[str, str] = {}
    trailing: list[tuple[str, str]] = []
    for message in messages:
        role = message.get("role")
        if role == "user":
            view.last_user_text = text_of(message.get("content"), ("text",))
            trailing = []
        elif role == "assistant":
            trailing = []
            for call in message.get("tool_calls") or []:
                function = call.get("function") or call.get("custom") or {}
                names[str(call.get("id"))] = str(function.get("name"))
        elif role == "tool":
            text = text_of(message.get("content"), ("text",))
            trailing.append((names.get(str(message.get("tool_call_id")), "tool"), text))
    if messages and messages[-1].get("role") == "tool":
        view.tool_results = trailing
    for tool in body.get("tools") or []:
        if tool.get("type") == "function":
            function = tool.get("function") or {}
            view.tools.append(ToolSpec(str(function.get("name")), function.get("parameters") or {}))
    choice = body.get("tool_choice")
    if choice == "none":
        view.tool_choice_none = True
    elif choice == "required":
        view.tool_required = True
    elif isinstance(choice, Mapping):
        if choice.get("type") == "function":
            view.forced_tool = str((choice.get("function") or {}).get("name"))
        elif choice.get("type") == "allowed_tools":
            allowed = choice.get("allowed_tools") or {}
            view.allowed_tools = {
                str((t.get("function") or {}).get("name")) for t in allowed.get("tools") or []
            }
            view.tool_required = allowed.get("mode") == "required"
    view.parallel_tool_calls = body.get("parallel_tool_calls") is not False
    effort = body.get("reasoning_effort")
    view.reasoning = effort is not None and effort != "none"
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        view.output_schema = (response_format.get("json_schema") or {}).get("schema") or {}
    view.json_mode = response_format.get("type") == "json_object"
    view.input_tokens = count_input_tokens(messages, body.get("tools"))
    limit = body.get("max_completion_tokens")
    view.max_output_tokens = limit if limit is not None else body.get("max_tokens")
    return view


# -- replay rules ----------------------------------------------------------------------------------


def check_replay(body: Mapping[str, Any]) -> ReplayError | None:
    messages = [m for m in body.get("messages") or [] if isinstance(m, Mapping)]
    pending: list[str] = []  # tool_call ids of the last assistant turn not yet answered
    open_turn: int | None = None  # index of that assistant message
    for index, message in enumerate(messages):
        role = message.get("role")
        if role == "tool":
            call_id = str(message.get("tool_call_id"))
            if open_turn is None or call_id not in pending:
                return ReplayError(
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'.",
                    param=f"messages.[{index}].role",
                )
            pending.remove(call_id)
            continue
        if pending and open_turn is not None:
            return _unanswered(open_turn, pending)
        open_turn, pending = None, []
        if role == "assistant" and message.get("tool_calls"):
            open_turn = index
            pending = [str(call.get("id")) for call in message["tool_calls"]]
    if pending and open_turn is not None:
        return _unanswered(open_turn, pending)
    return None


def _unanswered(index: int, pending: list[str]) -> ReplayError:
    return ReplayError(
        "An assistant message with 'tool_calls' must be followed by tool messages responding to "
        "each 'tool_call_id'. The following tool_call_ids did not have response messages: "
        + ", ".join(pending),
        param=f"messages.[{index}].role",
    )


# -- the service's rules ---------------------------------------------------------------------------

#: Fields of the assistant message the service sends that a client sends back as they came (the
#: official SDKs' tool loop appends ``completion.choices[0].message`` to the history), though the
#: request reference lists them not (``audio``: only as the reference ``{"id"}``). The service
#: takes them back, so the emulator does: each is checked against the response message model.
ECHOED_MESSAGE_FIELDS = ("annotations", "audio", "reasoning_content", "reasoning")
#: Fields the openai SDK's parse and stream helpers add to the message they build and send back
#: with it (``ParsedChatCompletionMessage.parsed``, the stream chunk's tool call ``index``,
#: ``ParsedFunction.parsed_arguments``): client-side copies of what the message already says, so
#: they are set aside unread.
SDK_HELPER_FIELDS = ("parsed",)
SDK_HELPER_TOOL_CALL_FIELDS = ("index",)
SDK_HELPER_FUNCTION_FIELDS = ("parsed_arguments",)


def _without_helper_fields(message: Mapping[str, Any]) -> dict[str, Any]:
    kept = {key: value for key, value in message.items() if key not in SDK_HELPER_FIELDS}
    calls = kept.get("tool_calls")
    if isinstance(calls, list):
        kept["tool_calls"] = [
            {
                **{k: v for k, v in call.items() if k not in SDK_HELPER_TOOL_CALL_FIELDS},
                "function": {
                    key: value
                    for key, value in call["function"].items()
                    if key not in SDK_HELPER_FUNCTION_FIELDS
                },
            }
            if isinstance(call, Mapping) and isinstance(call.get("function"), Mapping)
            else call
            for call in calls
        ]
    return kept


def without_echoes(body: Mapping[str, Any]) -> Any:
    """The body as the request model reads it: in every assistant message, the SDK helpers' own
    fields dropped and the fields only the response defines set aside once they validate as the
    response message's (``audio`` is kept as its id). A field that does not validate stays, for
    the request model to refuse."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return body
    read: list[Any] = []
    for sent in messages:
        if not isinstance(sent, Mapping) or sent.get("role") != "assistant":
            read.append(sent)
            continue
        message = _without_helper_fields(sent)
        echoed = {key: message[key] for key in ECHOED_MESSAGE_FIELDS if key in message}
        try:
            native.ChatCompletionMessage.model_validate({"role": "assistant", **echoed})
        except ValidationError:
            echoed = {}
        kept = {key: value for key, value in message.items() if key not in echoed}
        audio = echoed.get("audio")
        if isinstance(audio, Mapping):
            kept["audio"] = {"id": audio["id"]}
        read.append(kept)
    return {**body, "messages": read}


def check_rules(body: Mapping[str, Any]) -> Refusal | None:
    if body.get("stream_options") is not None and body.get("stream") is not True:
        return Refusal(
            400,
            openai_error(
                "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                param="stream_options",
            ),
        )
    response_format = body.get("response_format") or {}
    json_schema = response_format.get("json_schema") or {}
    if response_format.get("type") == "json_schema" and json_schema.get("strict") is True:
        problem = strict_schema_problem(str(json_schema.get("name")), json_schema.get("schema"))
        if problem is not None:
            return Refusal(
                400, openai_error(problem, param="response_format", code="invalid_json_schema")
            )
    if (
        response_format.get("type") == "json_object"
        and "json" not in text_of_all(body.get("messages")).lower()
    ):
        return Refusal(
            400,
            openai_error(
                "'messages' must contain the word 'json' in some form, to use "
                "'response_format' of type 'json_object'.",
                param="messages",
            ),
        )
    error = check_replay(body)
    return replay_refusal(error) if error is not None else None


class ChatApi(EmulatedApi):
    """OpenAI's Chat Completions (and Anthropic's OpenAI-compatible endpoint, by key)."""

    name = "chat"
    path = "/v1/chat/completions"
    request_model = native.REQUEST_MODEL
    error_shape = "openai"
    non_json_event = b'data: {"type": "truncated", "delta": "unterminated\n\n'

    def authenticate(
        self, headers: Mapping[str, str], state: ServerState, request_id: str
    ) -> Credential | Refusal:
        return authenticate_openai(headers, state, anthropic_keys=True)

    def rate_limit_family(self, credential: Credential | Refusal) -> str:
        if isinstance(credential, Credential) and credential.kind == "anthropic-key":
            return "anthropic"  # Anthropic's OpenAI-compatible endpoint
        return "openai"

    def expired(self, credential: Credential, state: ServerState, request_id: str) -> Refusal:
        return Refusal(401, incorrect_openai_key(credential.secret))

    def bad_json(self, request_id: str) -> Refusal:
        return openai_bad_json()

    def validate_schema(
        self, body: Any, headers: Mapping[str, str], request_id: str
    ) -> Refusal | None:
        if isinstance(body, Mapping):
            body = without_echoes(body)
        return super().validate_schema(body, headers, request_id)

    def schema_refusal(self, error: ValidationError, body: Any, request_id: str) -> Refusal:
        return Refusal(400, openai_validation_error(error, body, "dotted-brackets"))

    def check(
        self,
        body: Mapping[str, Any],
        headers: Mapping[str, str],
        credential: Credential,
        state: ServerState,
        request_id: str,
    ) -> Refusal | None:
        return check_rules(body)

    def view(self, body: Mapping[str, Any], state: ServerState) -> RequestView:
        return view_request(body)

    def render(self, body: Mapping[str, Any], script: Script, ctx: RenderContext) -> Rendered:
        return render(body, script, ctx)

    def frame(self, payload: Mapping[str, Any]) -> bytes:
        return frame_data(payload)

    def end_frames(self) -> list[bytes]:
        return [DONE_FRAME]

    def failure_events(
        self, rendered: Rendered, sent: list[dict[str, Any]], failure: StreamErrorEffect
    ) -> list[dict[str, Any]]:
        return failure_events(failure.kind, failure.message)

    def failure_status(self, kind: StreamErrorKind) -> int:
        return status_for_failure(kind)

    def not_found(self, method: str, path: str, request_id: str) -> Any:
        return openai_not_found(method, path)

    def too_large(self, limit: int, request_id: str) -> Any:
        return openai_too_large(limit)


API = ChatApi()
