"""Replay rules: what the server issued must come back unmodified, as the real services demand.

The server signs what the client has to send back verbatim (Messages thinking signatures and
redacted thinking, Responses encrypted reasoning) with an HMAC under a per-server secret, so it
can recognise its own output later without remembering it. The conversation checks below refuse
what the real services refuse, with their messages: a tool result that answers no tool call, a
tool call left unanswered, a continued tool turn that dropped its thinking, a tampered signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_THINKING = b"T"  # signature over shown thinking text
_HIDDEN = b"H"  # signature of thinking whose text was omitted from the stream
_REDACTED = b"R"
_ENCRYPTED_PREFIX = "gAAAAA"  # encrypted reasoning looks like a Fernet token, as the real one does


class Signer:
    """Signs and verifies the opaque values the server hands out."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)

    def _mac(self, *chunks: bytes) -> bytes:
        return hmac.new(self._secret, b"\x00".join(chunks), hashlib.sha256).digest()

    # Messages thinking: signature = base64(kind + sha256(text) + HMAC(kind + sha256(text))).

    def sign_thinking(self, text: str, *, hidden: bool = False) -> str:
        kind = _HIDDEN if hidden else _THINKING
        digest = hashlib.sha256(text.encode()).digest()
        return base64.b64encode(kind + digest + self._mac(kind, digest)).decode()

    def verify_thinking(self, text: str, signature: str) -> bool:
        """The thinking text is the one signed; omitted thinking comes back as empty text."""
        raw = _b64decode(signature)
        if raw is None or len(raw) != 65:
            return False
        kind, digest, mac = raw[:1], raw[1:33], raw[33:]
        if kind not in (_THINKING, _HIDDEN) or not hmac.compare_digest(
            mac, self._mac(kind, digest)
        ):
            return False
        if kind == _HIDDEN and text == "":
            return True
        return hmac.compare_digest(digest, hashlib.sha256(text.encode()).digest())

    def redacted_thinking(self, seed: str) -> str:
        nonce = hashlib.sha256(seed.encode()).digest()[:24]
        return base64.b64encode(_REDACTED + nonce + self._mac(_REDACTED, nonce)).decode()

    def verify_redacted_thinking(self, data: str) -> bool:
        raw = _b64decode(data)
        if raw is None or len(raw) != 57 or raw[:1] != _REDACTED:
            return False
        return hmac.compare_digest(raw[25:], self._mac(_REDACTED, raw[1:25]))

    # Responses encrypted reasoning: the reasoning itself, sealed (readable, but tamper-evident).

    def encrypt_reasoning(self, item_id: str, text: str) -> str:
        payload = json.dumps({"id": item_id, "text": text}, separators=(",", ":")).encode()
        sealed = self._mac(b"reasoning", payload) + payload
        return _ENCRYPTED_PREFIX + base64.urlsafe_b64encode(sealed).decode()

    def verify_encrypted_reasoning(self, blob: str) -> bool:
        if not blob.startswith(_ENCRYPTED_PREFIX):
            return False
        try:
            sealed = base64.urlsafe_b64decode(blob[len(_ENCRYPTED_PREFIX) :].encode())
        except (binascii.Error, ValueError):
            return False
        mac, payload = sealed[:32], sealed[32:]
        return len(sealed) > 32 and hmac.compare_digest(mac, self._mac(b"reasoning", payload))


def _b64decode(value: str) -> bytes | None:
    try:
        return base64.b64decode(value.encode(), validate=True)
    except (binascii.Error, ValueError):
        return None


@dataclass(frozen=True)
class ReplayError:
    """A refused conversation: the HTTP status, the message, and (OpenAI) the param and code."""

    message: str
    status: int = 400
    param: str | None = None
    code: str | None = None


# -- Messages -------------------------------------------------------------------------------------

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


def check_messages(body: Mapping[str, Any], signer: Signer) -> ReplayError | None:
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


# -- Responses ------------------------------------------------------------------------------------


def check_responses(
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


# -- Chat -----------------------------------------------------------------------------------------


def check_chat(body: Mapping[str, Any]) -> ReplayError | None:
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
