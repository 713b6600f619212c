"""How the indicator reads the client's retry log records (the countdown's only source)."""

from __future__ import annotations

import io
import logging

import pytest
from rich.console import Console

from modelwire.cli.progress import Indicator, RetryWatcher, retry_reason
from modelwire.testing import FakeServer


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


def test_the_clients_retry_record_becomes_a_countdown() -> None:
    indicator = Recorder()
    watcher = RetryWatcher(indicator, "waiting")

    watcher.emit(
        record("retrying in %.2fs after %s", 3.0, "HTTP 429", retry_delay=3.0,
               retry_reason="HTTP 429", attempt=2)
    )  # fmt: skip
    watcher.emit(record("POST %s (attempt %d)", "http://h/v1", 2, method="POST", attempt=2))

    assert indicator.shown == [("rate limited", 3.0), ("waiting (attempt 2)", None)]


def test_a_connection_error_retry_names_the_error() -> None:
    indicator = Recorder()

    RetryWatcher(indicator, "waiting").emit(
        record("backing off", retry_delay=1.5, retry_reason="ConnectError")
    )

    assert indicator.shown == [("connection failed (ConnectError)", 1.5)]


def test_the_message_text_alone_is_never_parsed() -> None:
    indicator = Recorder()
    watcher = RetryWatcher(indicator, "waiting")

    watcher.emit(record("retrying in %.2fs after HTTP %d", 3.0, 429))
    watcher.emit(record("POST %s (attempt %d)", "http://h/v1/responses", 2))

    assert indicator.shown == []


def test_the_first_attempt_leaves_the_waiting_text_alone() -> None:
    indicator = Recorder()

    RetryWatcher(indicator, "waiting").emit(record("POST x", method="POST", attempt=1))

    assert indicator.shown == []


def test_other_records_leave_the_indicator_alone() -> None:
    indicator = Recorder()

    RetryWatcher(indicator, "waiting").emit(record("refreshed the claude sign-in"))

    assert indicator.shown == []


def test_verbose_logging_ends_with_the_command(
    fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A process that runs commands one after another (an application, these tests) keeps no
    handler of ``--verbose`` writing into a stderr that has since been replaced, nor its level:
    a leftover handler holds every later record's text in memory."""
    from modelwire.cli import run

    monkeypatch.setenv("OPENAI_API_KEY", "sk-verbose")
    monkeypatch.setattr("sys.stdin", None)  # no piped context: the prompt is the argument
    logger = logging.getLogger("modelwire")
    handlers, level = list(logger.handlers), logger.level

    code = run(
        ["chat", "--api", "chat", "--verbose", "--base-url", fake_server.base_url("openai"), "hi"]
    )

    assert code == 0
    assert "POST " in capsys.readouterr().err
    assert logger.handlers == handlers
    assert logger.level == level


def test_a_refresh_retry_record_says_it_is_the_sign_in() -> None:
    indicator = Recorder()
    watcher = RetryWatcher(indicator, "waiting")

    watcher.emit(
        record("refreshing failed; retrying in %.2fs", 2.0, retry_delay=2.0,
               retry_reason="HTTP 503", attempt=2, retry_of="refresh")
    )  # fmt: skip
    watcher.emit(
        record("refreshing failed; retrying in %.2fs", 0.5, retry_delay=0.5,
               retry_reason="ConnectError", attempt=3, retry_of="refresh")
    )  # fmt: skip

    assert indicator.shown == [
        ("refreshing the sign-in: overloaded", 2.0),
        ("refreshing the sign-in: connection failed (ConnectError)", 0.5),
    ]


def test_a_reason_in_words_is_shown_as_it_is() -> None:
    assert retry_reason("no access token in the answer") == "no access token in the answer"
