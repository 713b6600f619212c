"""Signing what the client must send back verbatim, so the server can check a replay.

The server signs Messages thinking signatures and redacted thinking, and seals Responses encrypted
reasoning, with an HMAC under a per-server secret, so it recognises its own output later without
remembering it. Each API's module holds its replay rules (``check_replay``), which use this.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets

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
