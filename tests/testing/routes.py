"""Every route of the emulator that reads a JSON request body, with the headers it needs and the
shape of its error answers (shared by the request-body tests and the hostile suite)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from modelwire.testing import FakeServer

from .helpers import anthropic_headers, chatgpt_headers, openai_headers

ErrorShape = Literal["openai", "anthropic", "chatgpt", "oauth"]


@dataclass(frozen=True)
class BodyRoute:
    path: str
    shape: ErrorShape
    credential: Literal["openai", "anthropic", "chatgpt", "none"]
    #: A valid body, as JSON text with ``TEXT`` where a JSON value (the user's text) goes and
    #: ``STREAM`` where ``true``/``false`` goes for the model calls.
    template: bytes
    #: The model call: its body may ask for a stream.
    streams: bool = False

    def body(self, text: bytes, stream: bool = False) -> bytes:
        """The valid body with ``text`` (raw JSON) in place of the user's text."""
        return self.template.replace(b"TEXT", text).replace(
            b"STREAM", b"true" if stream else b"false"
        )

    def headers(self, server: FakeServer) -> dict[str, str]:
        headers = {"content-type": "application/json"}
        if self.credential == "openai":
            headers.update(openai_headers())
        elif self.credential == "anthropic":
            headers.update(anthropic_headers())
        elif self.credential == "chatgpt":
            headers.update(chatgpt_headers(server.issue_tokens("chatgpt")))
        return headers


_RESPONSES = b'{"model":"gpt-5","input":TEXT,"stream":STREAM}'
_CHAT = b'{"model":"gpt-5","messages":[{"role":"user","content":TEXT}],"stream":STREAM}'
_MESSAGES = (
    b'{"model":"claude-sonnet-4-5","max_tokens":100,'
    b'"messages":[{"role":"user","content":TEXT}],"stream":STREAM}'
)
_CHATGPT = (
    b'{"model":"gpt-5","instructions":"Be brief.","store":false,"stream":true,'
    b'"input":[{"role":"user","content":[{"type":"input_text","text":TEXT}]}]}'
)
_TOKEN = b'{"grant_type":"refresh_token","refresh_token":TEXT,"client_id":"app"}'

BODY_ROUTES = (
    BodyRoute("/v1/responses", "openai", "openai", _RESPONSES, streams=True),
    BodyRoute("/v1/chat/completions", "openai", "openai", _CHAT, streams=True),
    BodyRoute("/v1/messages", "anthropic", "anthropic", _MESSAGES, streams=True),
    BodyRoute("/backend-api/codex/responses", "chatgpt", "chatgpt", _CHATGPT),
    BodyRoute(
        "/v1/responses/input_tokens",
        "openai",
        "openai",
        _RESPONSES.replace(b',"stream":STREAM', b""),
    ),
    BodyRoute(
        "/v1/messages/count_tokens",
        "anthropic",
        "anthropic",
        _MESSAGES.replace(b',"stream":STREAM', b"").replace(b'"max_tokens":100,', b""),
    ),
    BodyRoute("/oauth/token", "oauth", "none", _TOKEN),
    BodyRoute("/v1/oauth/token", "oauth", "none", _TOKEN),
)


def is_error_of_shape(body: Any, shape: ErrorShape) -> bool:
    """Whether ``body`` is an error answer in the API's own shape."""
    if not isinstance(body, dict):
        return False
    error = body.get("error")
    if shape == "chatgpt" and isinstance(body.get("detail"), str):
        return True  # the backend's own refusals; its model errors are OpenAI's
    if shape in ("openai", "chatgpt"):
        return isinstance(error, dict) and isinstance(error.get("message"), str)
    if shape == "anthropic":
        return (
            body.get("type") == "error"
            and isinstance(error, dict)
            and isinstance(error.get("type"), str)
            and isinstance(error.get("message"), str)
        )
    # OAuth's {"error": "<code>"}; OpenAI's token endpoint answers some refusals in its API shape.
    return isinstance(error, str) or (
        isinstance(error, dict) and isinstance(error.get("message"), str)
    )
