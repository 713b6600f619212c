"""When to retry a request and how long to wait (the rules the official SDKs follow)."""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524, 529})
# A server's retry-after beyond this is not waited for: the error is raised with the advice.
MAX_HONOURED_RETRY_AFTER = 60.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter: ``initial * 2**attempt``, capped, minus up to 25%."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0

    def backoff(self, attempt: int) -> float:
        delay: float = min(self.initial_delay * (2**attempt), self.max_delay)
        return delay * (1 - 0.25 * random.random())

    def delay(self, attempt: int, headers: Mapping[str, str]) -> float | None:
        """Seconds to wait before retry number ``attempt + 1``: the server's advice if sane,
        else the backoff. None when the server asks for more than ``MAX_HONOURED_RETRY_AFTER``:
        retrying sooner than asked would only spend the budget, so the error is raised."""
        advised = retry_after(headers)
        if advised is not None and advised > MAX_HONOURED_RETRY_AFTER:
            return None
        if advised is not None and advised >= 0:
            return advised
        return self.backoff(attempt)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The server's retry advice in seconds: ``retry-after-ms``, else ``retry-after`` (seconds or
    an HTTP date)."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        try:
            return float(milliseconds) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def should_retry(status: int, headers: Mapping[str, str]) -> bool:
    """``x-should-retry`` from the server wins; otherwise the retryable statuses."""
    explicit = headers.get("x-should-retry")
    if explicit == "true":
        return True
    if explicit == "false":
        return False
    return status in RETRYABLE_STATUSES
