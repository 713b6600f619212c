"""What the commands show while nothing else moves: a rich status line while waiting for the
first token, counting down a retry's back-off, or waiting for a browser sign-in; and the
``--verbose`` log on stderr.

The client says what it retries through its log (see :mod:`modelwire.logs`), so the countdown
reads those records with a logging handler: a retry record carries ``retry_delay`` (seconds) and
``retry_reason`` ("HTTP 429", or the connection error's name), a request record its ``attempt``;
a sign-in refresh's retry record also ``retry_of="refresh"``.
The message text is for people and is never parsed; a record without these attributes leaves the
indicator as it is.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.status import Status

from ..logs import LOGGER_NAME as CLIENT_LOGGER

_HTTP_STATUS = re.compile(r"HTTP (?P<status>\d{3})")


def retry_reason(cause: str) -> str:
    """A person's words for why a request is retried, from the log's "HTTP 429" or the name of
    the connection error."""
    match = _HTTP_STATUS.search(cause)
    if match is None:
        # An exception's name (ConnectError) means the connection; other words say themselves.
        return f"connection failed ({cause})" if cause.isidentifier() else cause
    status = int(match["status"])
    if status == 429:
        return "rate limited"
    if status in (503, 529):
        return "overloaded"
    if status >= 500:
        return f"server error {status}"
    return f"HTTP {status}"


class _Countdown:
    """A status text rendered afresh on every refresh, so the seconds count down by themselves."""

    def __init__(self, reason: str, until: float) -> None:
        self.reason = reason
        self.until = until

    def __rich__(self) -> str:
        seconds = max(0.0, self.until - time.monotonic())
        shown = f"{seconds:.0f} s" if seconds >= 1 else f"{seconds:.1f} s"
        return f"{self.reason}, retrying in {shown}"


class Indicator:
    """A transient status line on ``console`` (nothing at all when it is not a terminal)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.enabled = console.is_terminal and not console.is_dumb_terminal
        self._status: Status | None = None

    @property
    def active(self) -> bool:
        return self._status is not None

    def show(self, text: str) -> None:
        """Show ``text`` (start the status line if it is not up)."""
        self._set(text)

    def retrying(self, reason: str, delay: float) -> None:
        """Count ``delay`` seconds down, saying why (``reason``, a person's words)."""
        self._set(_Countdown(reason, time.monotonic() + delay))

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def _set(self, text: str | _Countdown) -> None:
        if not self.enabled:
            return
        if self._status is None:
            self._status = self.console.status(text, spinner="dots")
            self._status.start()
        else:
            self._status.update(text)


class RetryWatcher(logging.Handler):
    """Turns the client's retry log records into the indicator's countdown."""

    def __init__(self, indicator: Indicator, waiting_text: str) -> None:
        super().__init__(logging.DEBUG)
        self.indicator = indicator
        self.waiting_text = waiting_text

    def emit(self, record: logging.LogRecord) -> None:
        if not self.indicator.active:
            return  # between answers, or already streaming: nothing is being waited for
        delay = getattr(record, "retry_delay", None)
        if isinstance(delay, int | float) and not isinstance(delay, bool):
            cause = getattr(record, "retry_reason", None)
            reason = retry_reason(str(cause or "failed"))
            if getattr(record, "retry_of", None) == "refresh":
                reason = f"refreshing the sign-in: {reason}"
            self.indicator.retrying(reason, float(delay))
            return
        attempt = getattr(record, "attempt", None)
        if getattr(record, "method", None) and isinstance(attempt, int) and attempt > 1:
            self.indicator.show(f"{self.waiting_text} (attempt {attempt})")


@contextmanager
def watching_retries(indicator: Indicator, waiting_text: str) -> Iterator[None]:
    """Feed the client's retry log records to ``indicator`` while the block runs."""
    if not indicator.enabled:
        yield
        return
    logger = logging.getLogger(CLIENT_LOGGER)
    watcher = RetryWatcher(indicator, waiting_text)
    level = logger.level
    if logger.getEffectiveLevel() > logging.DEBUG:
        logger.setLevel(logging.DEBUG)  # the request records (attempt n) are debug records
    logger.addHandler(watcher)
    try:
        yield
    finally:
        logger.removeHandler(watcher)
        logger.setLevel(level)


@contextmanager
def verbose_log() -> Iterator[None]:
    """``--verbose``: the client's and the auth layer's log (requests, attempts, retry waits,
    refreshes; never a secret) on stderr while the command runs. Undone when it ends, so a
    process that runs many commands (tests, an application embedding the CLI) keeps no handler
    writing into a stderr that has since been replaced."""
    import sys

    logger = logging.getLogger(CLIENT_LOGGER)
    level = logger.level
    handler = _VerboseHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


class _VerboseHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The ``--verbose`` handler (a class of its own, to be found again)."""
