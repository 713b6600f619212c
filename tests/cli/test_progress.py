"""How the indicator reads the client's retry log records (the countdown's only source)."""

from __future__ import annotations

import io
import logging

import pytest
from rich.console import Console

from modelwire.cli.progress import Indicator, RetryWatcher, retry_reason


@pytest.mark.parametrize(
    ("cause", "reason"),
    [
        ("HTTP 429", "rate limited"),
        ("HTTP 529", "overloaded"),
        ("HTTP 500", "server error 500"),
        ("ConnectError", "connection failed (ConnectError)"),
    ],
)
def test_retry_reasons_in_a_persons_words(cause: str, reason: str) -> None:
    assert retry_reason(cause) == reason


class Recorder(Indicator):
    def __init__(self) -> None:
        super().__init__(Console(file=io.StringIO(), force_terminal=True))
        self.shown: list[tuple[str, float | None]] = []

    @property
    def active(self) -> bool:
        return True

    def show(self, text: str) -> None:
        self.shown.append((text, None))

    def retrying(self, reason: str, delay: float) -> None:
        self.shown.append((reason, delay))


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("modelwire", logging.DEBUG, __file__, 1, message, args, None)
    made.__dict__.update(extra)
    return made


def test_the_clients_retry_message_becomes_a_countdown() -> None:
    indicator = Recorder()
    watcher = RetryWatcher(indicator, "waiting")

    watcher.emit(record("retrying in %.2fs after HTTP %d", 3.0, 429))
    watcher.emit(record("POST %s (attempt %d)", "http://h/v1/responses", 2))

    assert indicator.shown == [("rate limited", 3.0), ("waiting (attempt 2)", None)]


def test_structured_retry_attributes_win_over_the_message() -> None:
    indicator = Recorder()

    RetryWatcher(indicator, "waiting").emit(
        record("backing off", retry_delay=1.5, retry_reason="overloaded")
    )

    assert indicator.shown == [("overloaded", 1.5)]


def test_other_records_leave_the_indicator_alone() -> None:
    indicator = Recorder()

    RetryWatcher(indicator, "waiting").emit(record("refreshed the claude sign-in"))

    assert indicator.shown == []
