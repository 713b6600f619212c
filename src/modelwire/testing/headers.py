"""The headers each service puts on its answers: request ids and rate-limit (or usage) figures.

The figures are deterministic: limits are fixed, ``remaining`` counts down with the requests and
tokens an API family has used on this server.
"""

from __future__ import annotations

import time

OPENAI_REQUEST_LIMIT = 10_000
OPENAI_TOKEN_LIMIT = 30_000_000
ANTHROPIC_LIMITS = {
    "requests": 4_000,
    "tokens": 2_000_000,
    "input-tokens": 1_600_000,
    "output-tokens": 400_000,
}


def _rfc3339(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def service_headers(
    family: str, *, request_id: str, requests: int, tokens: int, organization_id: str
) -> dict[str, str]:
    """``family``: ``"openai"``, ``"anthropic"`` or ``"chatgpt"``."""
    now = time.time()
    if family == "anthropic":
        headers = {"request-id": request_id, "anthropic-organization-id": organization_id}
        used = {"requests": requests, "tokens": tokens, "input-tokens": tokens}
        for name, limit in ANTHROPIC_LIMITS.items():
            prefix = f"anthropic-ratelimit-{name}"
            headers[f"{prefix}-limit"] = str(limit)
            headers[f"{prefix}-remaining"] = str(max(limit - used.get(name, 0), 0))
            headers[f"{prefix}-reset"] = _rfc3339(now + 60)
        return headers
    headers = {"x-request-id": request_id, "openai-version": "2020-10-01"}
    if family == "chatgpt":
        # The subscription backend reports plan usage windows (5 hours, 1 week) for Codex.
        headers.update(
            {
                "x-codex-primary-used-percent": f"{min(requests, 100):.1f}",
                "x-codex-primary-window-minutes": "300",
                "x-codex-primary-reset-after-seconds": "18000",
                "x-codex-primary-reset-at": str(int(now) + 18_000),
                "x-codex-secondary-used-percent": f"{min(requests / 10, 100):.1f}",
                "x-codex-secondary-window-minutes": "10080",
                "x-codex-secondary-reset-after-seconds": "604800",
                "x-codex-secondary-reset-at": str(int(now) + 604_800),
            }
        )
        return headers
    headers.update(
        {
            "openai-processing-ms": "12",
            "x-ratelimit-limit-requests": str(OPENAI_REQUEST_LIMIT),
            "x-ratelimit-remaining-requests": str(max(OPENAI_REQUEST_LIMIT - requests, 0)),
            "x-ratelimit-reset-requests": "6ms",
            "x-ratelimit-limit-tokens": str(OPENAI_TOKEN_LIMIT),
            "x-ratelimit-remaining-tokens": str(max(OPENAI_TOKEN_LIMIT - tokens, 0)),
            "x-ratelimit-reset-tokens": "0s",
        }
    )
    return headers
