"""Helpers of the emulator tests: credentials, headers, and schema checks of what it sends."""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import secrets
from typing import Any

import httpx2

from modelwire.testing.auth import b64url
from modelwire.wire.sse import SSEDecoder, SSEFrame

OPENAI_KEY = "sk-test-0123456789abcdefxyz"
ANTHROPIC_KEY = "sk-ant-api03-test-0123456789abcdef"
ANTHROPIC_VERSION = "2023-06-01"

WEATHER_TOOL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "days": {"type": "integer"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "verbose": {"type": "boolean"},
    },
    "required": ["city", "days", "unit"],
}
TIME_TOOL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"zone": {"type": "string"}},
    "required": ["zone"],
}


def new_client(**options: Any) -> httpx2.Client:
    """A client for the loopback server. It speaks plain HTTP, so no certificates are loaded
    (loading them costs more than a whole emulator test)."""
    options.setdefault("timeout", 5.0)
    return httpx2.Client(verify=False, **options)


def openai_headers(key: str = OPENAI_KEY) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


def anthropic_headers(key: str = ANTHROPIC_KEY) -> dict[str, str]:
    return {"x-api-key": key, "anthropic-version": ANTHROPIC_VERSION}


def claude_oauth_headers(access_token: str) -> dict[str, str]:
    return {
        "authorization": f"Bearer {access_token}",
        "anthropic-version": ANTHROPIC_VERSION,
        "anthropic-beta": "claude-code-20250219,oauth-2025-04-20",
    }


def chatgpt_headers(tokens: dict[str, Any]) -> dict[str, str]:
    claims = decode_jwt(tokens["id_token"])
    account = claims["https://api.openai.com/auth"]["chatgpt_account_id"]
    return {"authorization": f"Bearer {tokens['access_token']}", "chatgpt-account-id": account}


def decode_jwt(token: str) -> dict[str, Any]:
    """The claims of a JWT (no signature check: the client side only reads them)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


def native(api: str) -> Any:
    return importlib.import_module(f"modelwire.native.{api}")


def frames_of(body: bytes) -> list[SSEFrame]:
    decoder = SSEDecoder()
    return decoder.feed(body) + decoder.close()


def stream_payloads(api: str, body: bytes) -> list[dict[str, Any]]:
    """Every event of a streamed body, each validated against the generated event models.

    Responses and Messages frames must name their event (``event:`` equals the payload's
    ``type``); a Chat stream must end with ``data: [DONE]`` unless it ended in an error chunk.
    """
    module = native(api)
    payloads: list[dict[str, Any]] = []
    frames = frames_of(body)
    for position, frame in enumerate(frames):
        if api == "chat" and frame.data == b"[DONE]":
            assert position == len(frames) - 1, "[DONE] must be the last frame"
            continue
        payload = json.loads(frame.data)
        if api == "chat":
            assert frame.event is None
            if "error" in payload:
                module.ChatStreamError.model_validate(payload)
            else:
                module.EVENT_TYPES[payload["object"]].model_validate(payload)
        else:
            assert frame.event == payload["type"], (frame.event, payload["type"])
            module.EVENT_TYPES[payload["type"]].model_validate(payload)
        payloads.append(payload)
    return payloads


def check_final(api: str, body: Any) -> Any:
    """A non-streaming body, validated against the generated response model."""
    return native(api).RESPONSE_MODEL.model_validate(body)


def check_error(api: str, body: Any) -> Any:
    return native(api).ERROR_MODEL.model_validate(body)


def types_of(payloads: list[dict[str, Any]]) -> list[str]:
    return [p.get("type") or p.get("object", "?") for p in payloads]
