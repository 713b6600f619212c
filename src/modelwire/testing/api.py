"""The wire API routes: ``/v1/responses``, ``/v1/chat/completions``, ``/v1/messages`` and the
ChatGPT backend's ``/backend-api/codex/responses``.

Every request goes through the same steps, in the order the real services take them:

1. a queued connection reset fires before anything else;
2. authenticate (the route's own 401 shapes);
3. queued status / expired-token faults, or a stall before the headers;
4. parse and validate the body against the generated request model (the API's own 400 naming the
   field), then the route's rules (required headers, subscription rules, replay rules);
5. take the next queued answer (or ask the echo model), render it in the API's wire format and
   deliver it, with any delivery faults.

A request refused at step 2 or 4 uses up no queued answer.
"""

from __future__ import annotations

import asyncio
import importlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from . import echo
from .auth import mask_key
from .delivery import AbortConnection, JSONAnswer, Pacing, StreamAnswer
from .errors import (
    ErrorShape,
    anthropic_error,
    anthropic_validation_message,
    detail_error,
    openai_error,
    openai_validation_error,
    status_body,
)
from .faults import (
    DisconnectEffect,
    DripEffect,
    Effect,
    ExpireTokenEffect,
    Fault,
    InjectEffect,
    StallEffect,
    StatusEffect,
    StreamErrorEffect,
)
from .handlers import Handlers, Refusal, has_reset, headers_delay, is_early_fault, retry_headers
from .headers import service_headers
from .recording import RecordedRequest
from .replay import ReplayError, check_chat, check_messages, check_responses
from .script import Script, WireBody, WireEvents, WireJSON, output_usage
from .state import Answer
from .wire import chat as chat_wire
from .wire import messages as messages_wire
from .wire import responses as responses_wire
from .wire.common import DONE_FRAME, RenderContext, Rendered, dumps, frame_data, frame_event

ApiName: TypeAlias = Literal["responses", "chat", "messages"]
ApiRoute: TypeAlias = Literal["responses", "chat", "messages", "chatgpt"]

_API_OF: dict[ApiRoute, ApiName] = {
    "responses": "responses",
    "chat": "chat",
    "messages": "messages",
    "chatgpt": "responses",
}
_SHAPES: dict[ApiRoute, ErrorShape] = {
    "responses": "openai",
    "chat": "openai",
    "messages": "anthropic",
    "chatgpt": "chatgpt",
}
_VIEWS: dict[ApiName, Callable[[Mapping[str, Any]], echo.RequestView]] = {
    "responses": echo.view_responses,
    "chat": echo.view_chat,
    "messages": echo.view_messages,
}
_RENDERERS: dict[ApiName, Callable[[Mapping[str, Any], Script, RenderContext], Rendered]] = {
    "responses": responses_wire.render,
    "chat": chat_wire.render,
    "messages": messages_wire.render,
}

CLAUDE_CODE_IDENTITY = "You are Claude Code, Anthropic's official CLI for Claude."
OAUTH_BETA = "oauth-2025-04-20"
CLAUDE_ACCESS_TOKEN_PREFIX = "sk-ant-oat"

_NO_OPENAI_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with "
    "blank username) if you're accessing the API from your browser and are prompted for a "
    "username. You can obtain an API key from https://platform.openai.com/account/api-keys."
)
_OPENAI_BAD_JSON = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
    "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not "
    "valid JSON. If you have trouble figuring out how to fix this, please contact us through our "
    "help center at help.openai.com.)"
)
_CLAUDE_EXPIRED = (
    "OAuth token has expired. Please obtain a new token or refresh your existing token."
)
_CHATGPT_EXPIRED = "Provided authentication token is expired. Please try signing in again."


@dataclass(frozen=True)
class Credential:
    kind: Literal["openai-key", "anthropic-key", "chatgpt-oauth", "claude-oauth"]
    secret: str


def _bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization")
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _all_text(value: Any) -> str:
    """Every string inside a JSON value, joined (for the "must mention json" rules)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return " ".join(_all_text(v) for v in value.values())
    if isinstance(value, list):
        return " ".join(_all_text(v) for v in value)
    return ""


class ApiRoutes(Handlers):
    """The handlers of the four model routes."""

    def _headers(self, family: str, request_id: str) -> dict[str, str]:
        requests, tokens = self.state.usage(family)
        return service_headers(
            family,
            request_id=request_id,
            requests=requests,
            tokens=tokens,
            organization_id=self.state.identity.claude_organization_uuid,
        )

    # -- the API routes --------------------------------------------------------------------------

    async def responses(self, request: Request) -> Response:
        return await self._serve(request, "responses")

    async def chat(self, request: Request) -> Response:
        return await self._serve(request, "chat")

    async def messages(self, request: Request) -> Response:
        return await self._serve(request, "messages")

    async def chatgpt(self, request: Request) -> Response:
        return await self._serve(request, "chatgpt")

    async def _serve(self, request: Request, route: ApiRoute) -> Response:
        record = await self.record(request, route)
        api = _API_OF[route]
        ids = self.state.ids
        request_id = ids.anthropic_request() if api == "messages" else ids.openai_request()

        reset = self.state.take(route, has_reset)
        if isinstance(reset, Fault):
            return AbortConnection(self.connections, delay=headers_delay(reset))

        credential = self._authenticate(route, record.headers, request_id)
        family = self._family(route, credential)
        self.state.count_request(family)
        shape: ErrorShape = _SHAPES[route]
        if isinstance(credential, Refusal):
            return self._refuse(record, credential, family, request_id)

        carried: Fault | None = None
        pre = self.state.take(route, is_early_fault)
        if isinstance(pre, Fault):
            for effect in pre.effects:
                if isinstance(effect, ExpireTokenEffect):
                    refusal = self._expire(route, credential, request_id)
                    return self._refuse(record, refusal, family, request_id)
                if isinstance(effect, StatusEffect):
                    return self._status_fault(record, effect, shape, family, request_id)
            await asyncio.sleep(headers_delay(pre))
            carried = pre

        body = record.json
        if record.body and body is None:
            refusal = (
                Refusal(400, anthropic_error("invalid_request_error", "Invalid JSON", request_id))
                if api == "messages"
                else Refusal(400, openai_error(_OPENAI_BAD_JSON))
            )
            return self._refuse(record, refusal, family, request_id)
        refused = self._check_request(route, api, body, record.headers, credential, request_id)
        if refused is not None:
            return self._refuse(record, refused, family, request_id)
        assert isinstance(body, dict)

        answer = carried if carried is not None else self.state.take(route)
        return self._answer(record, route, api, body, answer, family, shape, request_id)

    def _family(self, route: ApiRoute, credential: Credential | Refusal) -> str:
        """Whose rate-limit headers go on the answer."""
        if route == "chatgpt":
            return "chatgpt"
        if route == "messages":
            return "anthropic"
        if isinstance(credential, Credential) and credential.kind == "anthropic-key":
            return "anthropic"  # Anthropic's OpenAI-compatible endpoint
        return "openai"

    def _refuse(
        self, record: RecordedRequest, refusal: Refusal, family: str, request_id: str
    ) -> Response:
        return self.json(record, refusal.status, refusal.body, self._headers(family, request_id))

    def _status_fault(
        self,
        record: RecordedRequest,
        effect: StatusEffect,
        shape: ErrorShape,
        family: str,
        request_id: str,
    ) -> Response:
        headers = {**self._headers(family, request_id), **retry_headers(effect)}
        body = effect.body
        if body is None:
            body = status_body(
                shape,
                effect.status,
                request_id=request_id,
                message=effect.message,
                plan_type=self.state.identity.chatgpt_plan_type,
                now=time.time(),
            )
        return self.json(record, effect.status, body, headers)

    # -- authentication --------------------------------------------------------------------------

    def _authenticate(
        self, route: ApiRoute, headers: Mapping[str, str], request_id: str
    ) -> Credential | Refusal:
        keys = self.state.keys
        if route in ("responses", "chat"):
            token = _bearer(headers)
            if token is None:
                return Refusal(401, openai_error(_NO_OPENAI_KEY))
            if keys.openai(token):
                return Credential("openai-key", token)
            if route == "chat" and keys.anthropic(token):
                return Credential("anthropic-key", token)
            return Refusal(401, self._incorrect_openai_key(token))
        if route == "messages":
            return self._authenticate_anthropic(headers, request_id)
        return self._authenticate_chatgpt(headers)

    @staticmethod
    def _incorrect_openai_key(token: str) -> dict[str, Any]:
        return openai_error(
            f"Incorrect API key provided: {mask_key(token)}. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            code="invalid_api_key",
        )

    def _authenticate_anthropic(
        self, headers: Mapping[str, str], request_id: str
    ) -> Credential | Refusal:
        def refuse(message: str) -> Refusal:
            return Refusal(401, anthropic_error("authentication_error", message, request_id))

        key = headers.get("x-api-key")
        if key is not None:
            if self.state.keys.anthropic(key):
                return Credential("anthropic-key", key)
            return refuse("invalid x-api-key")
        token = _bearer(headers)
        if token is None:
            return refuse("x-api-key header is required")
        if not token.startswith(CLAUDE_ACCESS_TOKEN_PREFIX) and self.state.keys.anthropic(token):
            # An API key sent as a bearer token, as the official SDK now sends it.
            return Credential("anthropic-key", token)
        betas = {beta.strip() for beta in headers.get("anthropic-beta", "").split(",")}
        if OAUTH_BETA not in betas:
            return refuse("OAuth authentication is currently not supported.")
        check = self.state.tokens.check_access("claude", token)
        if check.status == "ok":
            return Credential("claude-oauth", token)
        if check.status == "expired":
            return refuse(_CLAUDE_EXPIRED)
        if check.status == "revoked":
            return refuse("OAuth token has been revoked. Please obtain a new token.")
        return refuse("Invalid bearer token")

    def _authenticate_chatgpt(self, headers: Mapping[str, str]) -> Credential | Refusal:
        token = _bearer(headers)
        if token is None:
            return Refusal(401, detail_error("Unauthorized"))
        check = self.state.tokens.check_access("chatgpt", token)
        if check.status == "expired":
            return Refusal(401, openai_error(_CHATGPT_EXPIRED, type_=None, code="token_expired"))
        if check.status == "revoked":
            return Refusal(
                401,
                openai_error(
                    "Your authentication token has been invalidated. Please try signing in again.",
                    type_=None,
                    code="token_invalidated",
                ),
            )
        if check.status == "unknown":
            return Refusal(
                401,
                openai_error(
                    "Could not parse your authentication token. Please try signing in again.",
                    code="invalid_jwt",
                ),
            )
        account = headers.get("chatgpt-account-id")
        if account != check.account_id:
            return Refusal(
                403,
                detail_error(
                    "The chatgpt-account-id header is missing or does not match the account of "
                    "the access token."
                ),
            )
        return Credential("chatgpt-oauth", token)

    def _expire(self, route: ApiRoute, credential: Credential, request_id: str) -> Refusal:
        """The 401 a service sends for a credential that just expired (OAuth tokens stay dead)."""
        if credential.kind == "chatgpt-oauth":
            self.state.tokens.expire_access_token("chatgpt", credential.secret)
            return Refusal(401, openai_error(_CHATGPT_EXPIRED, type_=None, code="token_expired"))
        if credential.kind == "claude-oauth":
            self.state.tokens.expire_access_token("claude", credential.secret)
            return Refusal(
                401, anthropic_error("authentication_error", _CLAUDE_EXPIRED, request_id)
            )
        if route == "messages":
            return Refusal(
                401, anthropic_error("authentication_error", "invalid x-api-key", request_id)
            )
        return Refusal(401, self._incorrect_openai_key(credential.secret))

    # -- validation and the services' rules ------------------------------------------------------

    def _check_request(
        self,
        route: ApiRoute,
        api: ApiName,
        body: Any,
        headers: Mapping[str, str],
        credential: Credential,
        request_id: str,
    ) -> Refusal | None:
        def anthropic_refusal(message: str) -> Refusal:
            return Refusal(400, anthropic_error("invalid_request_error", message, request_id))

        if api == "messages" and not headers.get("anthropic-version"):
            return anthropic_refusal("anthropic-version: header is required")
        model = _request_model(api)
        try:
            model.model_validate(body)
        except ValidationError as error:
            if api == "messages":
                return anthropic_refusal(anthropic_validation_message(error, body))
            style: Any = "dotted-brackets" if api == "chat" else "brackets"
            return Refusal(400, openai_validation_error(error, body, style))
        assert isinstance(body, dict)

        if route == "chatgpt":
            if body.get("stream") is not True:
                return Refusal(400, detail_error("Stream must be set to true"))
            if body.get("store") is not False:
                return Refusal(400, detail_error("Store must be set to false"))
            # The backend refuses a request without instructions but takes an empty string.
            if not isinstance(body.get("instructions"), str):
                return Refusal(400, detail_error("Instructions are required"))
            for unsupported in ("max_output_tokens", "temperature", "top_p"):
                if unsupported in body:
                    return Refusal(400, detail_error(f"Unsupported parameter: {unsupported}"))
        if api == "responses":
            refusal = self._responses_rules(body)
        elif api == "chat":
            refusal = self._chat_rules(body)
        else:
            refusal = self._messages_rules(body, credential, anthropic_refusal)
        if refusal is not None:
            return refusal
        return self._replay(api, body, request_id)

    def _responses_rules(self, body: Mapping[str, Any]) -> Refusal | None:
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
        if (
            text_format.get("type") == "json_object"
            and "json" not in _all_text([body.get("input"), body.get("instructions")]).lower()
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
            with self.state.lock:
                known = previous in self.state.stored_responses
            if not known:
                return Refusal(
                    404,
                    openai_error(
                        f"Previous response with id '{previous}' not found.",
                        param="previous_response_id",
                        code="previous_response_not_found",
                    ),
                )
        return None

    @staticmethod
    def _chat_rules(body: Mapping[str, Any]) -> Refusal | None:
        if body.get("stream_options") is not None and body.get("stream") is not True:
            return Refusal(
                400,
                openai_error(
                    "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                    param="stream_options",
                ),
            )
        response_format = body.get("response_format") or {}
        if (
            response_format.get("type") == "json_object"
            and "json" not in _all_text(body.get("messages")).lower()
        ):
            return Refusal(
                400,
                openai_error(
                    "'messages' must contain the word 'json' in some form, to use "
                    "'response_format' of type 'json_object'.",
                    param="messages",
                ),
            )
        return None

    @staticmethod
    def _messages_rules(
        body: Mapping[str, Any], credential: Credential, refuse: Callable[[str], Refusal]
    ) -> Refusal | None:
        if not body.get("messages"):
            return refuse("messages: at least one message is required")
        if credential.kind == "claude-oauth":
            system = body.get("system")
            first = system if isinstance(system, str) else ""
            if isinstance(system, list) and system and isinstance(system[0], Mapping):
                first = str(system[0].get("text", ""))
            if not first.startswith(CLAUDE_CODE_IDENTITY):
                return refuse(
                    "This credential is only authorized for use with Claude Code and cannot be "
                    "used for other API requests. The system prompt must begin with "
                    f'"{CLAUDE_CODE_IDENTITY}"'
                )
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
        return None

    def _replay(self, api: ApiName, body: Mapping[str, Any], request_id: str) -> Refusal | None:
        error: ReplayError | None
        if api == "messages":
            error = check_messages(body, self.state.signer)
            if error is not None:
                return Refusal(
                    error.status,
                    anthropic_error("invalid_request_error", error.message, request_id),
                )
            return None
        if api == "chat":
            error = check_chat(body)
        else:
            with self.state.lock:
                context = list(
                    self.state.stored_responses.get(body.get("previous_response_id") or "", [])
                )
                stored = set(self.state.stored_reasoning)
            error = check_responses(body, self.state.signer, context, stored)
        if error is None:
            return None
        return Refusal(
            error.status, openai_error(error.message, param=error.param, code=error.code)
        )

    # -- answering -------------------------------------------------------------------------------

    def _answer(
        self,
        record: RecordedRequest,
        route: ApiRoute,
        api: ApiName,
        body: dict[str, Any],
        answer: Answer | None,
        family: str,
        shape: ErrorShape,
        request_id: str,
    ) -> Response:
        view = _VIEWS[api](body)
        effects: list[Effect] = []
        if isinstance(answer, Script):
            script = answer
        else:
            script = echo.answer(view)
            if isinstance(answer, Fault):
                effects.extend(answer.effects)
        for fault in script.faults:
            effects.extend(fault.effects)
        streaming = body.get("stream") is True
        pacing = _pacing(effects)
        injections = [e for e in effects if isinstance(e, InjectEffect)]
        failure = next((e for e in effects if isinstance(e, StreamErrorEffect)), None)

        exact = script.exact
        if isinstance(exact, WireJSON):
            headers = self._headers(family, request_id)
            headers.update(dict(exact.headers))
            return self.json(record, exact.status, exact.body, headers)
        if isinstance(exact, WireEvents | WireBody):
            frames = _exact_frames(exact, api)
            headers = self._headers(family, request_id)
            return StreamAnswer(
                _inject(frames, injections, api),
                headers=headers,
                pacing=pacing,
                connections=self.connections,
                record=record,
            )

        context = RenderContext(
            ids=self.state.ids,
            signer=self.state.signer,
            created=int(time.time()),
            input_tokens=view.input_tokens,
            request_id=request_id,
        )
        rendered = _RENDERERS[api](body, script, context)
        usage = output_usage(script.parts)
        self.state.add_tokens(family, view.input_tokens + usage.output_tokens)
        if route == "responses" and body.get("store") is not False and failure is None:
            self._store_response(body, rendered.final)
        headers = self._headers(family, request_id)

        if not streaming:
            if failure is not None:
                status = _FAILURE_STATUS[api](failure.kind)
                error_body = status_body(
                    shape, status, request_id=request_id, message=failure.message, now=time.time()
                )
                return self.json(record, status, error_body, headers)
            payload = dumps(rendered.final)
            if injections:
                payload = b"upstream connect error or disconnect/reset before headers"
            return JSONAnswer(
                payload,
                status=200,
                headers=headers,
                connections=self.connections,
                record=record,
                stall=pacing.stall_seconds if pacing.stall_after is not None else 0.0,
                cut_half_way=pacing.disconnect_after is not None,
            )

        events = rendered.events
        closing: list[bytes] = []
        if failure is not None:
            events = events[: failure.after_events]
            closing = [
                _frame(api, payload) for payload in _failure_events(api, rendered, events, failure)
            ]
        elif api == "chat":
            closing = [DONE_FRAME]
        frames = [_frame(api, payload) for payload in events] + closing
        return StreamAnswer(
            _inject(frames, injections, api),
            headers=headers,
            pacing=pacing,
            connections=self.connections,
            record=record,
        )

    def _store_response(self, body: Mapping[str, Any], final: Mapping[str, Any]) -> None:
        raw_input = body.get("input")
        if isinstance(raw_input, str):
            items: list[Mapping[str, Any]] = [
                {"type": "message", "role": "user", "content": raw_input}
            ]
        else:
            items = [i for i in raw_input or [] if isinstance(i, Mapping)]
        output = [i for i in final.get("output") or [] if isinstance(i, Mapping)]
        with self.state.lock:
            previous = self.state.stored_responses.get(body.get("previous_response_id") or "", [])
            self.state.stored_responses[str(final["id"])] = [*previous, *items, *output]
            self.state.stored_reasoning.update(
                str(item["id"]) for item in output if item.get("type") == "reasoning"
            )


_FAILURE_STATUS: dict[ApiName, Callable[[Any], int]] = {
    "responses": responses_wire.status_for_failure,
    "chat": chat_wire.status_for_failure,
    "messages": messages_wire.status_for_failure,
}


def _request_model(api: ApiName) -> type[BaseModel]:
    module = importlib.import_module(f"modelwire.native.{api}")
    model: type[BaseModel] = module.REQUEST_MODEL
    return model


def _frame(api: ApiName, payload: Mapping[str, Any]) -> bytes:
    return frame_data(payload) if api == "chat" else frame_event(payload)


def _failure_events(
    api: ApiName, rendered: Rendered, sent: list[dict[str, Any]], failure: StreamErrorEffect
) -> list[dict[str, Any]]:
    if api == "responses":
        return responses_wire.failure_events(
            rendered, sent, failure.kind, failure.message, failure.responses_event
        )
    if api == "messages":
        return messages_wire.failure_events(rendered, failure.kind, failure.message)
    return chat_wire.failure_events(failure.kind, failure.message)


def _pacing(effects: list[Effect]) -> Pacing:
    drip = sum(e.delay for e in effects if isinstance(e, DripEffect))
    stall = next(
        (e for e in effects if isinstance(e, StallEffect) and e.after_events is not None), None
    )
    disconnect = next((e for e in effects if isinstance(e, DisconnectEffect)), None)
    return Pacing(
        drip=drip,
        stall_after=stall.after_events if stall is not None else None,
        stall_seconds=stall.seconds if stall is not None else 0.0,
        disconnect_after=disconnect.after_events if disconnect is not None else None,
    )


def _exact_frames(exact: WireEvents | WireBody, api: ApiName) -> list[bytes]:
    if isinstance(exact, WireBody):
        return [frame for frame in re.split(rb"(?<=\n\n)", exact.body) if frame]
    frames = [_frame(api, payload) for payload in exact.payloads]
    if api == "chat" and exact.done_marker:
        frames.append(DONE_FRAME)
    return frames


def _inject(frames: list[bytes], injections: list[InjectEffect], api: ApiName) -> list[bytes]:
    """Put malformed / non-JSON frames in at their positions (later positions first)."""
    result = list(frames)
    for injection in sorted(injections, key=lambda e: e.after_events, reverse=True):
        position = min(max(injection.after_events, 0), len(result))
        raw = injection.raw
        if injection.kind == "non_json":
            raw = _NON_JSON_EVENT[api]
        result.insert(position, raw)
    return result


#: An event whose data is cut short (not JSON), named as each API names its text deltas.
_NON_JSON_EVENT: dict[ApiName, bytes] = {
    "chat": b'data: {"type": "truncated", "delta": "unterminated\n\n',
    "responses": b'event: response.output_text.delta\ndata: {"type": "response.output\n\n',
    "messages": b'event: content_block_delta\ndata: {"type": "content_block_delta", "ind\n\n',
}
