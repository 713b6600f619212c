"""The stream's chunks -> common events. Each chunk may carry text, the finish reason and the
(cumulative) usage; the response is complete once a candidate has a finish reason."""

from __future__ import annotations

from typing import Any

from modelwire.common.errors import StreamInterruptedError
from modelwire.common.events import Completed, Created, Event, ItemDone, TextDelta, Unknown
from modelwire.common.items import Message, TextPart
from modelwire.common.response import StopReason
from modelwire.common.usage import Usage

from .errors import error_from_body

API = "gemini"
CHUNK = "generate_content.chunk"
STOP_REASONS: dict[str, StopReason] = {
    "STOP": "end_turn",
    "MAX_TOKENS": "max_tokens",
    "SAFETY": "content_filter",
}


class Mapper:
    api: str = API

    def __init__(self, *, native_only: bool = False) -> None:
        self._started = False
        self._text: list[str] = []
        self._finish: str | None = None
        self._usage: dict[str, Any] = {}
        self._id: str | None = None
        self._last: dict[str, Any] = {}

    def map(self, event_name: str | None, payload: dict[str, Any]) -> list[Event]:
        if payload.get("object") != CHUNK:
            if isinstance(payload.get("error"), dict):
                raise error_from_body(None, payload)
            return [Unknown(API, payload, str(payload.get("object") or "unknown"))]
        self._last = payload
        out: list[Event] = []
        if not self._started:
            self._started = True
            self._id = payload.get("responseId")
            out.append(Created(API, payload, self._id, payload.get("modelVersion")))
        for candidate in payload.get("candidates") or ():
            for part in (candidate.get("content") or {}).get("parts") or ():
                text = part.get("text")
                if isinstance(text, str) and text:
                    self._text.append(text)
                    out.append(TextDelta(API, payload, text, 0))
            self._finish = candidate.get("finishReason") or self._finish
        if isinstance(payload.get("usageMetadata"), dict):
            self._usage = payload["usageMetadata"]
        return out

    def finish(self, *, done: bool = False) -> list[Event]:
        if self._finish is None:
            raise StreamInterruptedError("the stream ended before the model finished its turn")
        message = Message(role="assistant", content=[TextPart("".join(self._text))])
        usage = Usage(
            input_tokens=self._usage.get("promptTokenCount"),
            output_tokens=self._usage.get("candidatesTokenCount"),
            reasoning_tokens=self._usage.get("thoughtsTokenCount"),
            raw=self._usage,
            api=API,
        )
        stop_reason = STOP_REASONS.get(self._finish, "other")
        return [
            ItemDone(API, self._last, message, 0),
            Completed(API, self._last, self._id, usage, stop_reason, self._finish),
        ]
