"""OpenAI Responses (``POST /v1/responses``): its rendering, request reading, rules and replay.

Rendering: a script -> the exact event sequence and the final Response object. The stream is
``response.created``, ``response.in_progress``, then per output item
``output_item.added`` .. its own events .. ``output_item.done``, then ``response.completed``
(``response.incomplete`` when the output was cut at ``max_output_tokens``). Every event carries a
``sequence_number`` counting from 0.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

import modelwire.native.responses as native

from ..echo import RequestView, ToolSpec, count_input_tokens, text_of
from ..errors import ErrorShape, openai_error, openai_validation_error
from ..faults import StreamErrorEffect, StreamErrorKind
from ..handlers import Refusal
from ..rendering import (
    RenderContext,
    Rendered,
    copy_json,
    dumps,
    obfuscation,
    split_deltas,
    split_json,
)
from ..script import (
    ReasoningPart,
    Script,
    TextPart,
    ToolCallPart,
    WebSearchPart,
    output_usage,
)
from ..services import authenticate_openai, incorrect_openai_key
from ..signing import Signer
from ..strict_schema import strict_schema_problem
from .base import Call, Credential, EmulatedApi, Endpoint, ReplayError, Reply, text_of_all

if TYPE_CHECKING:
    from ..state import ServerState

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
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
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


# -- reading a request for the echo model ----------------------------------------------------------


def view_request(body: Mapping[str, Any]) -> RequestView:
    view = RequestView()
    raw_input = body.get("input")
    items: list[Any] = [raw_input] if isinstance(raw_input, str) else list(raw_input or [])
    names: dict[str, str] = {}
    trailing_outputs: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, str):
            view.last_user_text, trailing_outputs = item, []
            continue
        if not isinstance(item, Mapping):
            continue
        kind = item.get("type", "message")
        if kind == "message" and item.get("role") == "user":
            view.last_user_text = text_of(item.get("content"), ("input_text",))
            trailing_outputs = []
        elif kind in ("function_call", "custom_tool_call"):
            names[str(item.get("call_id"))] = str(item.get("name"))
        elif kind in ("function_call_output", "custom_tool_call_output"):
            output = item.get("output")
            text = output if isinstance(output, str) else text_of(output, ("input_text",))
            trailing_outputs.append((names.get(str(item.get("call_id")), "tool"), text))
    last = items[-1] if items else None
    if isinstance(last, Mapping) and last.get("type") in (
        "function_call_output",
        "custom_tool_call_output",
    ):
        view.tool_results = trailing_outputs
    for tool in body.get("tools") or []:
        kind = tool.get("type")
        if kind == "function":
            view.tools.append(ToolSpec(str(tool["name"]), tool.get("parameters") or {}))
        elif isinstance(kind, str) and kind.startswith("web_search"):
            view.web_search = True
    choice = body.get("tool_choice")
    if choice == "none":
        view.tool_choice_none = True
    elif choice == "required":
        view.tool_required = True
    elif isinstance(choice, Mapping):
        if choice.get("type") == "function":
            view.forced_tool = str(choice.get("name"))
        elif choice.get("type") == "allowed_tools":
            view.allowed_tools = {str(t.get("name")) for t in choice.get("tools") or []}
            view.tool_required = choice.get("mode") == "required"
    view.parallel_tool_calls = body.get("parallel_tool_calls") is not False
    reasoning = body.get("reasoning")
    view.reasoning = isinstance(reasoning, Mapping) and reasoning.get("effort") != "none"
    text_format = (body.get("text") or {}).get("format") or {}
    if text_format.get("type") == "json_schema":
        view.output_schema = text_format.get("schema") or {}
    view.json_mode = text_format.get("type") == "json_object"
    view.input_tokens = count_input_tokens(body.get("instructions"), raw_input, body.get("tools"))
    view.max_output_tokens = body.get("max_output_tokens")
    return view


# -- replay rules ----------------------------------------------------------------------------------


def check_replay(
    body: Mapping[str, Any],
    signer: Signer,
    context: Sequence[Mapping[str, Any]],
    stored_reasoning: set[str],
) -> ReplayError | None:
    """``context``: items of the ``previous_response_id`` chain; ``stored_reasoning``: the ids of
    reasoning items kept by stored responses (the only ones that may come back without
    ``encrypted_content``)."""
    raw_input = body.get("input")
    items = [i for i in raw_input if isinstance(i, Mapping)] if isinstance(raw_input, list) else []
    calls = {
        str(item.get("call_id"))
        for item in context
        if item.get("type") in ("function_call", "custom_tool_call")
    }
    for index, item in enumerate(items):
        kind = item.get("type")
        if kind == "reasoning":
            encrypted = item.get("encrypted_content")
            if isinstance(encrypted, str):
                if not signer.verify_encrypted_reasoning(encrypted):
                    return ReplayError(
                        f"The encrypted content for item {item.get('id')} could not be verified.",
                        param=f"input[{index}].encrypted_content",
                        code="invalid_encrypted_content",
                    )
            elif str(item.get("id")) not in stored_reasoning:
                return ReplayError(
                    f"Item with id '{item.get('id')}' not found. Items are not persisted when "
                    "`store` is set to false. Try again with `store` set to true, or remove this "
                    "item from your input.",
                    status=404,
                    param="input",
                )
        elif kind in ("function_call", "custom_tool_call"):
            calls.add(str(item.get("call_id")))
        elif kind in ("function_call_output", "custom_tool_call_output"):
            call_id = str(item.get("call_id"))
            if call_id not in calls:
                return ReplayError(
                    f"No tool call found for function call output with call_id {call_id}.",
                    param="input",
                )
    return None


# -- the service's rules ---------------------------------------------------------------------------

_OPENAI_BAD_JSON = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
    "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not "
    "valid JSON. If you have trouble figuring out how to fix this, please contact us through our "
    "help center at help.openai.com.)"
)


def openai_bad_json() -> Refusal:
    return Refusal(400, openai_error(_OPENAI_BAD_JSON))


def openai_too_large(limit: int) -> dict[str, Any]:
    return openai_error(
        f"Request too large: the body is above the limit of {limit} bytes.",
        code="request_too_large",
    )


def openai_not_found(method: str, path: str) -> dict[str, Any]:
    return openai_error(f"Invalid URL ({method} {path})")


def replay_refusal(error: ReplayError) -> Refusal:
    return Refusal(error.status, openai_error(error.message, param=error.param, code=error.code))


def check_rules(body: Mapping[str, Any], state: ServerState) -> Refusal | None:
    """Responses' rules beyond the schema: a model, "json" for json_object, a known previous id."""
    if not body.get("model") and not body.get("prompt"):
        return Refusal(
            400,
            openai_error(
                "Missing required parameter: 'model'.",
                param="model",
                code="missing_required_parameter",
            ),
        )
    text_format = (body.get("text") or {}).get("format") or {}
    if text_format.get("type") == "json_schema" and text_format.get("strict") is True:
        problem = strict_schema_problem(str(text_format.get("name")), text_format.get("schema"))
        if problem is not None:
            return Refusal(
                400, openai_error(problem, param="text.format.schema", code="invalid_json_schema")
            )
    if (
        text_format.get("type") == "json_object"
        and "json" not in text_of_all([body.get("input"), body.get("instructions")]).lower()
    ):
        return Refusal(
            400,
            openai_error(
                "Response input messages must contain the word 'json' in some form to use "
                "'text.format' of type 'json_object'.",
                param="input",
            ),
        )
    previous = body.get("previous_response_id")
    if previous is not None:
        with state.lock:
            known = previous in state.stored_responses
        if not known:
            return Refusal(
                404,
                openai_error(
                    f"Previous response with id '{previous}' not found.",
                    param="previous_response_id",
                    code="previous_response_not_found",
                ),
            )
    with state.lock:
        context = list(state.stored_responses.get(body.get("previous_response_id") or "", []))
        stored = set(state.stored_reasoning)
    error = check_replay(body, state.signer, context, stored)
    return replay_refusal(error) if error is not None else None


class ResponsesApi(EmulatedApi):
    """OpenAI's Responses API with an API key."""

    def endpoints(self) -> Sequence[Endpoint]:
        return ENDPOINTS

    name = "responses"
    path = "/v1/responses"
    request_model = native.REQUEST_MODEL
    error_shape: ErrorShape = "openai"
    non_json_event = b'event: response.output_text.delta\ndata: {"type": "response.output\n\n'

    def authenticate(
        self, headers: Mapping[str, str], state: ServerState, request_id: str
    ) -> Credential | Refusal:
        return authenticate_openai(headers, state)

    def expired(self, credential: Credential, state: ServerState, request_id: str) -> Refusal:
        return Refusal(401, incorrect_openai_key(credential.secret))

    def bad_json(self, request_id: str) -> Refusal:
        return openai_bad_json()

    def schema_refusal(self, error: ValidationError, body: Any, request_id: str) -> Refusal:
        return Refusal(400, openai_validation_error(error, body, "brackets"))

    def check(
        self,
        body: Mapping[str, Any],
        headers: Mapping[str, str],
        credential: Credential,
        state: ServerState,
        request_id: str,
    ) -> Refusal | None:
        return check_rules(body, state)

    def view(self, body: Mapping[str, Any], state: ServerState) -> RequestView:
        previous = body.get("previous_response_id")
        if not isinstance(previous, str):
            return view_request(body)
        # The conversation so far is the stored chain, then this request's input.
        with state.lock:
            chain = list(state.stored_responses.get(previous, []))
        raw_input = body.get("input")
        items = (
            [{"role": "user", "content": raw_input}] if isinstance(raw_input, str) else raw_input
        )
        view = view_request({**body, "input": [*chain, *(items or [])]})
        view.input_tokens = view_request(body).input_tokens  # tokens of this request as sent
        return view

    def render(self, body: Mapping[str, Any], script: Script, ctx: RenderContext) -> Rendered:
        return render(body, script, ctx)

    def answered(self, body: Mapping[str, Any], rendered: Rendered, state: ServerState) -> None:
        if body.get("store") is not False:
            store_response(body, rendered.final, state)

    def failure_events(
        self, rendered: Rendered, sent: list[dict[str, Any]], failure: StreamErrorEffect
    ) -> list[dict[str, Any]]:
        return failure_events(
            rendered, sent, failure.kind, failure.message, failure.responses_event
        )

    def failure_status(self, kind: StreamErrorKind) -> int:
        return status_for_failure(kind)

    def not_found(self, method: str, path: str, request_id: str) -> Any:
        return openai_not_found(method, path)

    def too_large(self, limit: int, request_id: str) -> Any:
        return openai_too_large(limit)


def store_response(body: Mapping[str, Any], final: Mapping[str, Any], state: ServerState) -> None:
    """Keep a response (and the conversation up to it) for ``previous_response_id``."""
    raw_input = body.get("input")
    if isinstance(raw_input, str):
        items: list[Mapping[str, Any]] = [{"type": "message", "role": "user", "content": raw_input}]
    else:
        items = [i for i in raw_input or [] if isinstance(i, Mapping)]
    output = [i for i in final.get("output") or [] if isinstance(i, Mapping)]
    response_id = str(final["id"])
    inputs = [_as_stored_item(item, f"{response_id}:{index}") for index, item in enumerate(items)]
    with state.lock:
        previous = state.stored_responses.get(body.get("previous_response_id") or "", [])
        state.stored_responses[response_id] = [*previous, *items, *output]
        state.stored_reasoning.update(
            str(item["id"]) for item in output if item.get("type") == "reasoning"
        )
        state.response_objects[response_id] = dict(final)
        state.response_inputs[response_id] = inputs


#: Id prefixes of stored input items that came without an id, by item type.
_STORED_ID_PREFIXES = {"message": "msg_", "function_call_output": "fco_"}


def _as_stored_item(item: Mapping[str, Any], seed: str) -> dict[str, Any]:
    """An input item as ``input_items`` lists it: with an id and a status, its text as parts."""
    stored = dict(item)
    kind = str(stored.setdefault("type", "message"))
    if "id" not in stored:
        digest = hashlib.sha256(seed.encode()).hexdigest()[:48]
        stored["id"] = _STORED_ID_PREFIXES.get(kind, "item_") + digest
    if kind == "message":
        content = stored.get("content")
        if isinstance(content, str):
            if stored.get("role") == "assistant":
                stored["content"] = [{"type": "output_text", "text": content, "annotations": []}]
            else:
                stored["content"] = [{"type": "input_text", "text": content}]
    if kind in ("message", "function_call_output"):
        stored.setdefault("status", "completed")
    return stored


# -- the endpoints beside the model call -----------------------------------------------------------


def _response_not_found(response_id: str) -> Reply:
    message = f"Response with id '{response_id}' not found."
    return 404, openai_error(message, param="response_id")


def retrieve(call: Call) -> Reply:
    """``GET /v1/responses/{response_id}``: a stored response as it ended."""
    response_id = call.path_params["response_id"]
    with call.state.lock:
        found = call.state.response_objects.get(response_id)
    return (200, found) if found is not None else _response_not_found(response_id)


def delete(call: Call) -> Reply:
    """``DELETE /v1/responses/{response_id}``: forget a stored response."""
    response_id = call.path_params["response_id"]
    state = call.state
    with state.lock:
        found = state.response_objects.pop(response_id, None)
        state.response_inputs.pop(response_id, None)
        state.stored_responses.pop(response_id, None)
    if found is None:
        return _response_not_found(response_id)
    return 200, {"id": response_id, "object": "response.deleted", "deleted": True}


def cancel(call: Call) -> Reply:
    """``POST /v1/responses/{response_id}/cancel``: only a background response can be cancelled;
    the emulator's answers are complete at once, so one comes back as it ended."""
    response_id = call.path_params["response_id"]
    with call.state.lock:
        found = call.state.response_objects.get(response_id)
    if found is None:
        return _response_not_found(response_id)
    if not found.get("background"):
        message = "Only responses created with background=true can be cancelled."
        return 400, openai_error(message, param="response_id")
    return 200, found


def input_items(call: Call) -> Reply:
    """``GET /v1/responses/{response_id}/input_items``: the input of a stored response, a page
    at a time (``limit``, ``after``, ``order``: ``desc`` by default, as the service lists them)."""
    response_id = call.path_params["response_id"]
    with call.state.lock:
        items = call.state.response_inputs.get(response_id)
    if items is None:
        return _response_not_found(response_id)
    query = call.record.query
    ordered = list(items) if query.get("order") == "asc" else list(reversed(items))
    after = query.get("after")
    if after is not None:
        ids = [item["id"] for item in ordered]
        ordered = ordered[ids.index(after) + 1 :] if after in ids else []
    limit = int(query["limit"]) if query.get("limit", "").isdigit() else 20
    page = ordered[: max(min(limit, 100), 1)]
    return 200, {
        "object": "list",
        "data": page,
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
        "has_more": len(ordered) > len(page),
    }


def count_tokens(call: Call) -> Reply:
    """``POST /v1/responses/input_tokens``: the input tokens a request would use (words)."""
    body = call.record.json
    if call.record.body and body is None:
        return 400, openai_bad_json().body
    if not isinstance(body, Mapping):
        body = {}
    tokens = count_input_tokens(body.get("instructions"), body.get("input"), body.get("tools"))
    return 200, {"object": "response.input_tokens", "input_tokens": tokens}


ENDPOINTS = (
    Endpoint("/v1/responses/input_tokens", "POST", count_tokens),
    Endpoint("/v1/responses/{response_id}", "GET", retrieve),
    Endpoint("/v1/responses/{response_id}", "DELETE", delete),
    Endpoint("/v1/responses/{response_id}/cancel", "POST", cancel),
    Endpoint("/v1/responses/{response_id}/input_items", "GET", input_items),
)


API = ResponsesApi()
