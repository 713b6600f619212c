"""What every hostile-input test checks besides its own assertion: no secret in any text.

``secrets`` are planted where a careless error or log line would pick them up (the environment,
a call's arguments, the credential store); ``debug_logs`` records every log record at DEBUG,
the HTTP library's included; :func:`assert_no_secret` looks for any of them in a text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

#: Distinct, recognisable secrets (none is a real credential).
ENV_SECRET = "sk-env-SECRET-7f3a9c1e5b"
ARGUMENT_SECRET = "sk-arg-SECRET-2d8e4b6a0c"
STORE_SECRET = "sk-store-SECRET-9a1c3e5f7b"
REFRESH_SECRET = "rt-store-SECRET-4b6d8f0a2c"
SECRETS = (ENV_SECRET, ARGUMENT_SECRET, STORE_SECRET, REFRESH_SECRET)
HTTP_LOGGERS = ("httpx2", "httpcore", "httpx", "modelwire")


def assert_no_secret(texts: Iterable[str]) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"a secret leaked into: {text[:200]!r}"


def error_texts(error: BaseException) -> list[str]:
    """Everything an error shows: str, repr, and the same for its causes and context."""
    texts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current)]
        # What a traceback would show: the cause, else the context unless ``from None``.
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return texts


@pytest.fixture
def planted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Secrets in the environment; a private MODELWIRE_HOME (returned) using the file store."""
    monkeypatch.setenv("OPENAI_API_KEY", ENV_SECRET)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ENV_SECRET)
    home = tmp_path / "mw-home"
    monkeypatch.setenv("MODELWIRE_HOME", str(home))
    monkeypatch.setenv("MODELWIRE_AUTH_STORE", "file")
    return home


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record at DEBUG, from modelwire and the HTTP library alike."""
    levels = {name: logging.getLogger(name).level for name in HTTP_LOGGERS}
    for name in HTTP_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    yield caplog
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def log_texts(caplog: pytest.LogCaptureFixture) -> list[str]:
    texts = []
    for record in caplog.records:
        texts.append(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            texts += error_texts(record.exc_info[1])
    return texts
