"""A retried sign-in refresh logs each wait with the same facts as the transport's retry records
(``retry_delay``, ``retry_reason``, ``attempt``, plus ``retry_of="refresh"``), and no secret."""

from __future__ import annotations

import logging

import pytest

import modelwire as mw
from modelwire.auth.store import FileStore
from modelwire.testing import FakeServer, Fault

from .helpers import expire_locally, sign_in

PROVIDERS = ["chatgpt", "claude"]


def retry_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "retry_delay", None) is not None]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_retried_refresh_logs_its_wait_as_record_fields(
    provider: str, server: FakeServer, file_store: FileStore, caplog: pytest.LogCaptureFixture
) -> None:
    sign_in(provider, file_store)
    expire_locally(file_store, provider)
    secrets = file_store.load(provider)
    assert secrets is not None
    server.queue(f"{provider}-token", Fault.status(503, retry_after=1))  # type: ignore[arg-type]
    caplog.set_level(logging.INFO, logger="modelwire")

    with mw.Client(provider) as client:
        assert client.create(input="Say hi", instructions="Be brief.").text

    [record] = [r for r in retry_records(caplog) if r.name == "modelwire.auth"]
    assert record.levelno == logging.INFO
    assert record.retry_delay == 1.0  # type: ignore[attr-defined]  # the server's retry-after
    assert record.retry_reason == "HTTP 503"  # type: ignore[attr-defined]
    assert record.attempt == 2  # type: ignore[attr-defined]  # the attempt about to be made
    assert record.retry_of == "refresh"  # type: ignore[attr-defined]
    message = record.getMessage()
    assert "retrying in 1.00s" in message
    for name in ("access_token", "refresh_token", "id_token"):
        value = secrets.get(name)
        if isinstance(value, str) and value:
            assert value not in message


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_refresh_that_succeeds_at_once_logs_no_retry(
    provider: str, server: FakeServer, file_store: FileStore, caplog: pytest.LogCaptureFixture
) -> None:
    sign_in(provider, file_store)
    expire_locally(file_store, provider)
    caplog.set_level(logging.DEBUG, logger="modelwire")

    with mw.Client(provider) as client:
        client.create(input="Say hi", instructions="Be brief.")

    assert retry_records(caplog) == []
