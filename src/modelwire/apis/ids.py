"""Tool call ids across APIs: each API accepts a different id alphabet and length.

The mapping is a pure function of the id, so a call and its result, converted separately, still
agree, and the same conversation converts the same way every time.
"""

from __future__ import annotations

import hashlib
import re

_ANTHROPIC_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_NOT_ANTHROPIC = re.compile(r"[^a-zA-Z0-9_-]")
# OpenAI Chat refuses tool call ids longer than 40 characters.
_OPENAI_MAX = 40


def _digest(call_id: str) -> str:
    return hashlib.sha256(call_id.encode()).hexdigest()[:24]


def anthropic_tool_id(call_id: str) -> str:
    """An id that matches Anthropic's ``^[a-zA-Z0-9_-]+$`` (64 characters at most)."""
    if _ANTHROPIC_ID.match(call_id):
        return call_id
    cleaned = _NOT_ANTHROPIC.sub("_", call_id)
    if cleaned and len(cleaned) <= 64 and cleaned != call_id:
        # Two ids differing only in replaced characters must not collide: add a short digest.
        return f"{cleaned[:39]}_{_digest(call_id)}"
    return f"toolu_{_digest(call_id)}"


def openai_tool_id(call_id: str) -> str:
    """An id OpenAI accepts (at most 40 characters)."""
    if 0 < len(call_id) <= _OPENAI_MAX:
        return call_id
    return f"call_{_digest(call_id)}"
