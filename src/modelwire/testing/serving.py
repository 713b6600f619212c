"""The request pipeline every emulated API runs through (its parts: ``apis/<api>.py``).

A model call takes the steps the real services take, in their order:

1. a queued connection reset fires before anything else;
2. authenticate (the API's own 401 shapes);
3. queued status / expired-token faults, or a stall before the headers;
4. parse and validate the body against the generated request model (the API's own 400 naming the
   field), then the API's rules (required headers, subscription rules, replay rules);
5. take the next queued answer (or ask the echo model), render it in the API's wire format and
   deliver it, with any delivery faults.

A request refused at step 2 or 4 uses up no queued answer. Extra endpoints (retrieve, count
tokens, ...) authenticate and answer; they take no queued answers.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from . import echo
from .apis.base import Call, Credential, EmulatedApi, Endpoint
from .delivery import AbortConnection, ConnectionRegistry, JSONAnswer, Pacing, StreamAnswer
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
from .handlers import (
    BodyTooLarge,
    ClientGone,
    Handlers,
    Refusal,
    has_reset,
    headers_delay,
    is_early_fault,
    retry_headers,
)
from .headers import service_headers
from .recording import RecordedRequest
from .rendering import RenderContext, dumps
from .script import Script, WireBody, WireEvents, WireJSON, output_usage
from .state import Answer, ServerState


class ApiServer(Handlers):
    """Serves one emulated API: its model call and its extra endpoints."""

    def __init__(
        self, state: ServerState, connections: ConnectionRegistry, api: EmulatedApi
    ) -> None:
        super().__init__(state, connections)
        self.api = api

    def _headers(self, family: str, request_id: str) -> dict[str, str]:
        requests, tokens = self.state.usage(family)
        return service_headers(
            family,
            request_id=request_id,
            requests=requests,
            tokens=tokens,
            organization_id=self.state.identity.claude_organization_uuid,
        )

    def _refuse(
        self, record: RecordedRequest, refusal: Refusal, family: str, request_id: str
    ) -> Response:
        return self.json(record, refusal.status, refusal.body, self._headers(family, request_id))

    async def _receive(
        self, request: Request, route: str | None, request_id: str
    ) -> RecordedRequest | Response:
        """The recorded request, or the answer to a body that is too large or never came."""
        try:
            return await self.record(request, route)
        except BodyTooLarge as too_large:
            body = self.api.too_large(too_large.limit, request_id)
            headers = self._headers(self.api.family, request_id)
            return self.json(too_large.record, 413, body, headers)
        except ClientGone:
            return ClientGone.answer()

    # -- the model call --------------------------------------------------------------------------

    async def create(self, request: Request) -> Response:
        api = self.api
        request_id = api.request_id(self.state.ids)
        received = await self._receive(request, api.name, request_id)
        if isinstance(received, Response):
            return received
        record = received

        reset = self.state.take(api.name, has_reset)
        if isinstance(reset, Fault):
            return AbortConnection(self.connections, delay=headers_delay(reset))

        credential = api.authenticate(record.headers, self.state, request_id)
        family = api.rate_limit_family(credential)
        self.state.count_request(family)
        if isinstance(credential, Refusal):
            return self._refuse(record, credential, family, request_id)

        carried: Fault | None = None
        pre = self.state.take(api.name, is_early_fault)
        if isinstance(pre, Fault):
            for effect in pre.effects:
                if isinstance(effect, ExpireTokenEffect):
                    refusal = api.expired(credential, self.state, request_id)
                    return self._refuse(record, refusal, family, request_id)
                if isinstance(effect, StatusEffect):
                    return self._status_fault(record, effect, family, request_id)
            await asyncio.sleep(headers_delay(pre))
            carried = pre

        body = record.json
        if record.body and body is None:
            return self._refuse(record, api.bad_json(request_id), family, request_id)
        checked = self._check_request(body, record, credential, request_id)
        if isinstance(checked, Refusal):
            return self._refuse(record, checked, family, request_id)

        answer = carried if carried is not None else self.state.take(api.name)
        path_params = {key: str(value) for key, value in request.path_params.items()}
        return self._answer(record, checked, answer, family, request_id, path_params)

    def _check_request(
        self, body: Any, record: RecordedRequest, credential: Credential, request_id: str
    ) -> dict[str, Any] | Refusal:
        """The whole request, once it passed every check the service makes; or its refusal."""
        api, headers = self.api, record.headers
        before = api.before_schema(body if isinstance(body, dict) else {}, headers, request_id)
        if before is not None:
            return before
        if isinstance(body, dict):
            expanded = api.expand(body, headers, self.state, request_id)
            if isinstance(expanded, Refusal):
                return expanded
            body = expanded
        refused = api.validate_schema(body, headers, request_id)
        if refused is not None:
            return refused
        assert isinstance(body, dict)
        refused = api.check(body, headers, credential, self.state, request_id)
        return refused if refused is not None else body

    def _status_fault(
        self, record: RecordedRequest, effect: StatusEffect, family: str, request_id: str
    ) -> Response:
        headers = {**self._headers(family, request_id), **retry_headers(effect)}
        body = effect.body
        if body is None:
            body = self.api.status_body(
                effect.status, request_id, effect.message, self.state, time.time()
            )
        return self.json(record, effect.status, body, headers)

    def _answer(
        self,
        record: RecordedRequest,
        body: dict[str, Any],
        answer: Answer | None,
        family: str,
        request_id: str,
        path_params: dict[str, str],
    ) -> Response:
        api = self.api
        view = api.view(body, self.state)
        effects: list[Effect] = []
        if isinstance(answer, Script):
            script = answer
        else:
            script = echo.answer(view)
            if isinstance(answer, Fault):
                effects.extend(answer.effects)
        for fault in script.faults:
            effects.extend(fault.effects)
        pacing = _pacing(effects)
        injections = [e for e in effects if isinstance(e, InjectEffect)]
        failure = next((e for e in effects if isinstance(e, StreamErrorEffect)), None)

        exact = script.exact
        if isinstance(exact, WireJSON):
            headers = self._headers(family, request_id)
            headers.update(dict(exact.headers))
            return self.json(record, exact.status, exact.body, headers)
        if isinstance(exact, WireEvents | WireBody):
            return StreamAnswer(
                self._inject(self._exact_frames(exact), injections),
                headers=self._headers(family, request_id),
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
            path_params=path_params,
        )
        rendered = api.render(body, script, context)
        usage = output_usage(script.parts)
        self.state.add_tokens(family, view.input_tokens + usage.output_tokens)
        if failure is None:
            api.answered(body, rendered, self.state)
        headers = self._headers(family, request_id)

        if not api.streaming(body):
            if failure is not None:
                status = api.failure_status(failure.kind)
                error_body = api.status_body(
                    status, request_id, failure.message, self.state, time.time()
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
        closing: list[bytes]
        if failure is not None:
            events = events[: failure.after_events]
            closing = [api.frame(p) for p in api.failure_events(rendered, events, failure)]
        else:
            closing = api.end_frames()
        frames = [api.frame(payload) for payload in events] + closing
        return StreamAnswer(
            self._inject(frames, injections),
            headers=headers,
            pacing=pacing,
            connections=self.connections,
            record=record,
        )

    def _exact_frames(self, exact: WireEvents | WireBody) -> list[bytes]:
        if isinstance(exact, WireBody):
            return [frame for frame in re.split(rb"(?<=\n\n)", exact.body) if frame]
        frames = [self.api.frame(payload) for payload in exact.payloads]
        if exact.done_marker:
            frames.extend(self.api.end_frames())
        return frames

    def _inject(self, frames: list[bytes], injections: list[InjectEffect]) -> list[bytes]:
        """Put malformed / non-JSON frames in at their positions (later positions first)."""
        result = list(frames)
        for injection in sorted(injections, key=lambda e: e.after_events, reverse=True):
            position = min(max(injection.after_events, 0), len(result))
            raw = self.api.non_json_event if injection.kind == "non_json" else injection.raw
            result.insert(position, raw)
        return result

    # -- extra endpoints -------------------------------------------------------------------------

    def serve(self, endpoint: Endpoint) -> Any:
        """The starlette handler of one extra endpoint."""

        async def handle(request: Request) -> Response:
            api = self.api
            request_id = api.request_id(self.state.ids)
            received = await self._receive(request, None, request_id)
            if isinstance(received, Response):
                return received
            record = received
            credential = api.authenticate(record.headers, self.state, request_id)
            family = api.rate_limit_family(credential)
            if isinstance(credential, Refusal):
                return self._refuse(record, credential, family, request_id)
            call = Call(
                state=self.state,
                record=record,
                credential=credential,
                request_id=request_id,
                path_params={k: str(v) for k, v in request.path_params.items()},
            )
            status, body = endpoint.handle(call)
            return self.json(record, status, body, self._headers(family, request_id))

        return handle


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
