"""Identifiers in each API's own format, deterministic for one server's sequence of requests."""

from __future__ import annotations

import hashlib
import itertools
import threading

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class IdFactory:
    """Issues ids like the real services do (``resp_<hex>``, ``msg_01<base62>``, ``call_<alnum>``).

    Each id hashes a running counter with the seed, so two servers with the same seed that see
    the same requests issue the same ids.
    """

    def __init__(self, seed: str = "modelwire") -> None:
        self._seed = seed
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def _digest(self, prefix: str) -> bytes:
        with self._lock:
            number = next(self._counter)
        return hashlib.sha256(f"{self._seed}:{prefix}:{number}".encode()).digest()

    def hex(self, prefix: str, length: int = 48) -> str:
        return prefix + self._digest(prefix).hex()[:length]

    def base62(self, prefix: str, length: int = 22) -> str:
        value = int.from_bytes(self._digest(prefix), "big")
        chars = []
        for _ in range(length):
            value, index = divmod(value, 62)
            chars.append(_BASE62[index])
        return prefix + "".join(chars)

    # The formats of the three APIs, in one place.

    def response(self) -> str:
        return self.hex("resp_")

    def output_item(self, prefix: str) -> str:
        """Responses output item ids: ``msg_``, ``fc_``, ``rs_``, ``ws_`` + 48 hex digits."""
        return self.hex(prefix)

    def openai_call(self) -> str:
        return self.base62("call_", 24)

    def chat_completion(self) -> str:
        return self.base62("chatcmpl-", 29)

    def anthropic_message(self) -> str:
        return self.base62("msg_01")

    def anthropic_tool_use(self) -> str:
        return self.base62("toolu_01")

    def anthropic_server_tool_use(self) -> str:
        return self.base62("srvtoolu_01")

    def openai_request(self) -> str:
        return self.hex("req_", 32)

    def anthropic_request(self) -> str:
        return self.base62("req_011C", 20)
