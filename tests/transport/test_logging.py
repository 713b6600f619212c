"""``MODELWIRE_LOG`` and the client's log records (issue 17, item 6): method, URL, attempt,
status, request id, retry waits and timings, as text for people and as record attributes for
handlers; never a header value or a secret."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

import modelwire as mw
from modelwire.logs import LOG_ENV, LOGGER_NAME, configure_from_env, redacted_url

from .raw_server import CHAT_HELLO, RawServer, http_response, sse_response

SECRET = "sk-log-SECRET-5e7a9c1b3d"
HEADER_SECRET = "hdr-SECRET-0b2d4f6a8c"
RATE_LIMITED = b'{"error": {"message": "slow down", "type": "rate_limit_error"}}'


def answers() -> list[bytes]:
    """A 429 (retry at once), then a stream; both with a request id."""
    limited = http_response(429, RATE_LIMITED, [("retry-after-ms", "10"), ("x-request-id", "r1")])
    return [limited, sse_response(CHAT_HELLO, [("x-request-id", "req_2")])]


SCRIPT = """
import sys
import modelwire as mw
client = mw.Client("openai", api="chat", api_key=sys.argv[2], base_url=sys.argv[1],
                   default_headers={"x-gateway-key": sys.argv[3]})
print(client.create(model="m", input="hi").text)
"""


def run_logged(server: RawServer, level: str | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != LOG_ENV}
    if level is not None:
        env[LOG_ENV] = level
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, server.url + "/v1", SECRET, HEADER_SECRET],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_modelwire_log_debug_shows_requests_attempts_statuses_retries_and_timings() -> None:
    with RawServer(answers()) as server:
        result = run_logged(server, "debug")
        url = f"{server.url}/v1/chat/completions"
    log = result.stderr
    assert result.stdout == "hello\n"
    assert f"POST {url} (attempt 1)" in log
    assert f"POST {url} (attempt 2)" in log
    assert f"POST {url} -> HTTP 429 in " in log
    assert "request id r1" in log
    assert "retrying in 0.01s after HTTP 429 (attempt 2 of 3 next)" in log
    assert f"POST {url} -> HTTP 200 in " in log
    assert "request id req_2" in log
    assert "call done in " in log
    assert "authorization" in log  # the header's name, never its value
    assert "x-gateway-key" in log
    assert SECRET not in log
    assert HEADER_SECRET not in log


def test_modelwire_log_info_leaves_out_the_request_details() -> None:
    with RawServer(answers()) as server:
        log = run_logged(server, "INFO").stderr
    assert "-> HTTP 429" in log
    assert "retrying in" in log
    assert "call done in" in log
    assert "(attempt 1, request id r1)" in log
    assert "request headers" not in log
    assert SECRET not in log


@pytest.mark.parametrize("level", [None, "", "verbose"])
def test_without_a_known_level_nothing_is_logged(level: str | None) -> None:
    with RawServer(answers()) as server:
        assert run_logged(server, level).stderr == ""


@pytest.fixture
def client_records(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
    return caplog


def test_records_carry_their_facts_as_attributes(
    client_records: pytest.LogCaptureFixture,
) -> None:
    with RawServer(answers()) as server:
        client = mw.Client("openai", api="chat", api_key=SECRET, base_url=server.url)
        assert client.create(model="m", input="hi").text == "hello"
    records = client_records.records
    [retry] = [r for r in records if hasattr(r, "retry_delay")]
    assert retry.retry_delay == pytest.approx(0.01)
    assert retry.retry_reason == "HTTP 429"
    assert retry.attempt == 2
    answered = [r for r in records if hasattr(r, "status") and hasattr(r, "request_id")]
    assert [(r.status, r.request_id, r.attempt) for r in answered] == [
        (429, "r1", 1),
        (200, "req_2", 2),
    ]
    assert all(r.elapsed >= 0 for r in answered)
    requests = [r for r in records if getattr(r, "method", None) == "POST"]
    assert [r.attempt for r in requests] == [1, 2]
    assert all(SECRET not in r.getMessage() for r in records)


def test_a_failed_call_is_logged_by_type_and_status_only(
    client_records: pytest.LogCaptureFixture,
) -> None:
    echoed = b'{"error": {"message": "bad key ' + SECRET.encode() + b'"}}'
    with RawServer([http_response(401, echoed)]) as server:
        client = mw.Client("openai", api="chat", api_key=SECRET, base_url=server.url)
        with pytest.raises(mw.AuthenticationError):
            client.create(model="m", input="hi")
    [failed] = [r for r in client_records.records if "call failed" in r.getMessage()]
    assert "AuthenticationError (HTTP 401)" in failed.getMessage()
    assert all(SECRET not in r.getMessage() for r in client_records.records)


def test_urls_are_logged_without_passwords_or_secret_query_values() -> None:
    url = "https://user:pw-SECRET@gw.example/v1/chat?api_key=k-SECRET&version=2&sig=s-SECRET"
    shown = redacted_url(url)
    assert "SECRET" not in shown
    assert shown == (
        "https://<redacted>@gw.example/v1/chat?api_key=<redacted>&version=2&sig=<redacted>"
    )


def test_an_application_configured_logger_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    logger = logging.getLogger(LOGGER_NAME)
    own = logging.NullHandler()
    level = logger.level
    logger.addHandler(own)
    try:
        monkeypatch.setenv(LOG_ENV, "debug")
        configure_from_env()
        assert logger.handlers == [own]
        assert logger.level == level
    finally:
        logger.removeHandler(own)


def test_the_transport_docs_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "transport.md").read_text(encoding="utf-8")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-docs")
    [block] = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    namespace: dict[str, object] = {}
    exec(compile(block, "docs/transport.md", "exec"), namespace)
    client = namespace["client"]
    assert isinstance(client, mw.Client)
    assert client._core.max_event_bytes == 16 * 1024 * 1024
    assert LOG_ENV in text
