"""The guide's example API in the emulator: what ``src/modelwire/testing/apis/gemini.py`` would
hold. Routes ``POST /v1beta/models/{model}:streamGenerateContent``, takes an ``x-goog-api-key``
(any key the server accepts as real), and streams the echo model's answer as chunks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from modelwire.native import gemini as native
from pydantic import ValidationError

from modelwire.testing.apis.base import Credential, EmulatedApi
from modelwire.testing.echo import RequestView, count_input_tokens
from modelwire.testing.faults import StreamErrorEffect, StreamErrorKind
from modelwire.testing.handlers import Refusal
from modelwire.testing.rendering import RenderContext, Rendered, frame_data, split_deltas
from modelwire.testing.script import Script, TextPart, output_usage

if TYPE_CHECKING:
    from modelwire.testing.state import ServerState

CHUNK = "generate_content.chunk"


def error(code: int, message: str, status: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


def _texts(content: Any) -> str:
    parts = content.get("parts") if isinstance(content, Mapping) else None
    return " ".join(p.get("text", "") for p in parts or () if isinstance(p, Mapping))


class GeminiApi(EmulatedApi):
    name = "gemini"
    path = "/v1beta/models/{model}:streamGenerateContent"
    request_model = native.REQUEST_MODEL
    error_shape = "openai"

    def authenticate(
        self, headers: Mapping[str, str], state: ServerState, request_id: str
    ) -> Credential | Refusal:
        key = headers.get("x-goog-api-key")
        if key is not None and state.keys.openai(key):
            return Credential("gemini-key", key)
        return Refusal(401, error(401, "API key not valid.", "UNAUTHENTICATED"))

    def expired(self, credential: Credential, state: ServerState, request_id: str) -> Refusal:
        return Refusal(401, error(401, "API key expired.", "UNAUTHENTICATED"))

    def bad_json(self, request_id: str) -> Refusal:
        return Refusal(400, error(400, "Invalid JSON payload received.", "INVALID_ARGUMENT"))

    def schema_refusal(self, error_: ValidationError, body: Any, request_id: str) -> Refusal:
        where = ".".join(str(part) for part in error_.errors()[0]["loc"])
        return Refusal(400, error(400, f"Invalid value at '{where}'", "INVALID_ARGUMENT"))

    def view(self, body: Mapping[str, Any], state: ServerState) -> RequestView:
        contents = [c for c in body.get("contents") or () if isinstance(c, Mapping)]
        users = [_texts(c) for c in contents if c.get("role") == "user"]
        return RequestView(
            last_user_text=users[-1] if users else "",
            input_tokens=count_input_tokens(*(_texts(c) for c in contents)),
        )

    def render(self, body: Mapping[str, Any], script: Script, ctx: RenderContext) -> Rendered:
        response_id = ctx.ids.hex("", 16)
        text = "".join(part.text for part in script.parts if isinstance(part, TextPart))
        events: list[dict[str, Any]] = [
            {
                "object": CHUNK,
                "responseId": response_id,
                "modelVersion": ctx.path_params["model"],
                "candidates": [{"content": {"role": "model", "parts": [{"text": d}]}, "index": 0}],
            }
            for d in split_deltas(text)
        ]
        final: dict[str, Any] = {
            "object": CHUNK,
            "responseId": response_id,
            "modelVersion": "gemini-emulated",
            "candidates": [{"content": {"role": "model", "parts": []}, "finishReason": "STOP"}],
            "usageMetadata": {
                "promptTokenCount": ctx.input_tokens,
                "candidatesTokenCount": output_usage(script.parts).output_tokens,
            },
        }
        return Rendered(events=[*events, final], final=final)

    def streaming(self, body: Mapping[str, Any]) -> bool:
        return True  # only streamGenerateContent is emulated

    def frame(self, payload: Mapping[str, Any]) -> bytes:
        return frame_data(payload)

    def failure_events(
        self, rendered: Rendered, sent: list[dict[str, Any]], failure: StreamErrorEffect
    ) -> list[dict[str, Any]]:
        return [error(503, failure.message or "The model is overloaded.", "UNAVAILABLE")]

    def failure_status(self, kind: StreamErrorKind) -> int:
        return 503

    def not_found(self, method: str, path: str, request_id: str) -> Any:
        return error(404, f"{method} {path} is not found.", "NOT_FOUND")

    def too_large(self, limit: int, request_id: str) -> Any:
        return error(413, f"The request is above {limit} bytes.", "INVALID_ARGUMENT")


API = GeminiApi()
