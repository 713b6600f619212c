"""What every route handler shares: reading and recording the request (within the body limit),
answering JSON, queued early faults."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ..wire.json import JSONDecodeError, loads
from .delivery import ConnectionRegistry, JSONAnswer
from .faults import Fault, ResetEffect, StallEffect, StatusEffect, replaces_answer
from .recording import RecordedHeaders, RecordedRequest
from .rendering import dumps
from .state import Answer, ServerState


@dataclass(frozen=True)
class Refusal:
    """A request turned away: the status and the service's own body."""

    status: int
    body: Any


class BodyTooLarge(Exception):
    """The request body is above the server's limit; ``record`` is the request, body dropped."""

    def __init__(self, record: RecordedRequest, limit: int) -> None:
        super().__init__(f"request body above {limit} bytes")
        self.record = record
        self.limit = limit


class ClientGone(Exception):
    """The client hung up before its request body was complete."""

    @staticmethod
    def answer() -> Response:
        return _NoAnswer()


class _NoAnswer(Response):
    """Nothing to send: the client has already left."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        return None


def has_reset(answer: Answer) -> bool:
    return isinstance(answer, Fault) and any(isinstance(e, ResetEffect) for e in answer.effects)


def is_early_fault(answer: Answer) -> bool:
    """A fault that replaces the answer (status, expired token) or delays the headers."""
    return isinstance(answer, Fault) and any(
        replaces_answer(e) and not isinstance(e, ResetEffect) for e in answer.effects
    )


def headers_delay(fault: Fault) -> float:
    """Seconds to wait before the response headers."""
    return sum(
        e.seconds for e in fault.effects if isinstance(e, StallEffect) and e.after_events is None
    )


def retry_headers(effect: StatusEffect) -> dict[str, str]:
    headers: dict[str, str] = {}
    if effect.retry_after is not None:
        headers["retry-after"] = f"{effect.retry_after:g}"
    if effect.retry_after_ms is not None:
        headers["retry-after-ms"] = str(effect.retry_after_ms)
    if effect.should_retry is not None:
        headers["x-should-retry"] = "true" if effect.should_retry else "false"
    return headers


class Handlers:
    """Base of the route groups: the server's state and its open connections."""

    def __init__(self, state: ServerState, connections: ConnectionRegistry) -> None:
        self.state = state
        self.connections = connections

    async def _read_body(self, request: Request, route: str | None) -> bytes:
        """The whole body, or :class:`BodyTooLarge` / :class:`ClientGone`: a body is never kept
        past the limit (a declared length above it is refused before a byte is read)."""
        limit = self.state.max_request_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise BodyTooLarge(self._recorded(request, route, b""), limit)
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise BodyTooLarge(self._recorded(request, route, b""), limit)
                chunks.append(chunk)
        except ClientDisconnect:
            raise ClientGone from None
        return b"".join(chunks)

    async def record(self, request: Request, route: str | None) -> RecordedRequest:
        """Read the request and record it (raises :class:`BodyTooLarge`, :class:`ClientGone`)."""
        return self._recorded(request, route, await self._read_body(request, route))

    def _recorded(self, request: Request, route: str | None, body: bytes) -> RecordedRequest:
        parsed: Any = None
        form: dict[str, str] | None = None
        if body:
            # modelwire's own JSON policy, which is the services': no NaN or Infinity, no lone
            # surrogate escape, no invalid UTF-8, bounded depth. What it refuses is recorded as
            # no JSON, and each route answers that with its API's "could not parse" 400.
            try:
                parsed = loads(body)
            except JSONDecodeError:
                parsed = None
            if "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
                form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        headers = RecordedHeaders(
            [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]]
        )
        record = RecordedRequest(
            method=request.method,
            path=request.url.path,
            query=dict(request.query_params),
            headers=headers,
            body=body,
            json=parsed,
            form=form,
            time=time.time(),
            route=route,
        )
        self.state.record(record)
        return record

    def json(
        self,
        record: RecordedRequest,
        status: int,
        body: Any,
        headers: Mapping[str, str] | None = None,
        **options: Any,
    ) -> JSONAnswer:
        return JSONAnswer(
            dumps(body),
            status=status,
            headers=dict(headers or {}),
            connections=self.connections,
            record=record,
            **options,
        )
