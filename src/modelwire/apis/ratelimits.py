"""Rate-limit response headers -> a RateLimits event."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..common.events import RateLimits

_OPENAI = "x-ratelimit-"
_ANTHROPIC = "anthropic-ratelimit-"
_CODEX = "x-codex-"


# A count as the APIs send it: ASCII digits, perhaps with a fraction ("100", "99.0"). Anything
# else ("1e999", "inf", "nan", "-1", fullwidth digits, a 5000-digit number) is not a count: the
# field stays None and the header stays in ``raw``.
_COUNT = re.compile(r"([0-9]{1,18})(?:\.[0-9]{1,18})?", re.ASCII)


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    match = _COUNT.fullmatch(value.strip())
    return int(match.group(1)) if match is not None else None


def rate_limits(api: str, headers: Mapping[str, str]) -> RateLimits | None:
    """The rate-limit state the headers report, or None when they report none.

    OpenAI: ``x-ratelimit-{limit,remaining,reset}-{requests,tokens}``; Anthropic:
    ``anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}`` (plus the input/output token
    buckets, kept in ``raw``); the ChatGPT backend's ``x-codex-*`` usage headers stay in ``raw``.
    """
    raw = {
        name.lower(): value
        for name, value in headers.items()
        if name.lower().startswith((_OPENAI, _ANTHROPIC, _CODEX))
    }
    if not raw:
        return None
    if any(name.startswith(_ANTHROPIC) for name in raw):
        return RateLimits(
            api,
            raw,
            limit_requests=_int(raw.get("anthropic-ratelimit-requests-limit")),
            remaining_requests=_int(raw.get("anthropic-ratelimit-requests-remaining")),
            reset_requests=raw.get("anthropic-ratelimit-requests-reset"),
            limit_tokens=_int(raw.get("anthropic-ratelimit-tokens-limit")),
            remaining_tokens=_int(raw.get("anthropic-ratelimit-tokens-remaining")),
            reset_tokens=raw.get("anthropic-ratelimit-tokens-reset"),
        )
    return RateLimits(
        api,
        raw,
        limit_requests=_int(raw.get("x-ratelimit-limit-requests")),
        remaining_requests=_int(raw.get("x-ratelimit-remaining-requests")),
        reset_requests=raw.get("x-ratelimit-reset-requests"),
        limit_tokens=_int(raw.get("x-ratelimit-limit-tokens")),
        remaining_tokens=_int(raw.get("x-ratelimit-remaining-tokens")),
        reset_tokens=raw.get("x-ratelimit-reset-tokens"),
    )
