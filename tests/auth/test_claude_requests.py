"""What a Claude sign-in sends over HTTP (headers, betas, scopes, endpoints), and how a refusal of
the subscription for this client is reported (issue 15 items 6 and 7)."""

from __future__ import annotations

import json
import logging
import time

import pytest

import modelwire as mw
from modelwire.apis.messages.request import MessagesOptions
from modelwire.auth import SubscriptionRefusedError
from modelwire.auth.config import ClaudeOAuthConfig
from modelwire.auth.store import FileStore
from modelwire.testing import FakeServer
from modelwire.testing.faults import Fault

from .helpers import expire_locally, sign_in_claude

# The scopes Claude's sign-in grants today (badlogic/pi-mono packages/ai/src/utils/oauth/
# anthropic.ts @ 0aa7b6dc, SCOPES).
CLAUDE_SCOPES = (
    "org:create_api_key user:profile user:inference user:sessions:claude_code user:mcp_servers "
    "user:file_upload"
)
ONLY_CLAUDE_CODE = (
    "This credential is only authorized for use with Claude Code and cannot be used for other "
    "API requests."
)


def messages_sent(server: FakeServer) -> list[mw.testing.RecordedRequest]:
    return [r for r in server.requests if r.route == "messages" and r.json is not None]


def test_the_defaults_are_the_endpoints_and_scopes_in_use_today() -> None:
    config = ClaudeOAuthConfig()
    assert config.token_url == "https://platform.claude.com/v1/oauth/token"
    assert config.authorize_url == "https://claude.ai/oauth/authorize"
    assert config.scope == CLAUDE_SCOPES
    assert config.betas == ("oauth-2025-04-20",)


def test_the_sign_in_asks_for_todays_scopes(server: FakeServer, file_store: FileStore) -> None:
    sign_in_claude(file_store)
    [authorize] = [r for r in server.requests if r.path == "/claude/oauth/authorize"]
    assert authorize.query["scope"] == CLAUDE_SCOPES
    assert set(file_store.load("claude")["scopes"]) == set(CLAUDE_SCOPES.split())


def test_the_oauth_beta_is_merged_with_the_callers_betas_once_each(
    server: FakeServer, file_store: FileStore
) -> None:
    sign_in_claude(file_store)
    with mw.Client("claude") as client:
        client.create(
            input="hi",
            options=MessagesOptions(betas=["context-1m-2025-08-07", "oauth-2025-04-20"]),
        )
        client.create(
            input="hi",
            extra_headers={"anthropic-beta": "oauth-2025-04-20, fine-grained-2025-05-14, "
                           "fine-grained-2025-05-14"},
        )  # fmt: skip
    first, second = messages_sent(server)
    assert first.headers["anthropic-beta"] == "context-1m-2025-08-07,oauth-2025-04-20"
    assert second.headers["anthropic-beta"] == "oauth-2025-04-20,fine-grained-2025-05-14"
    for request in (first, second):
        assert request.headers["authorization"].startswith("Bearer sk-ant-oat01-")
        assert "x-api-key" not in request.headers
        assert request.headers["user-agent"].startswith("modelwire/")


def test_the_body_goes_as_built_without_a_borrowed_identity(
    server: FakeServer, file_store: FileStore
) -> None:
    sign_in_claude(file_store)
    with mw.Client("claude") as client:
        client.create(input="hi")
        client.create(input="hi", instructions="Be terse.")
    bare, instructed = messages_sent(server)
    assert "system" not in bare.json
    assert instructed.json["system"] in ("Be terse.", [{"type": "text", "text": "Be terse."}])
    for request in (bare, instructed):
        assert "Claude Code" not in json.dumps(request.json)


def test_betas_and_headers_come_from_the_environment_and_the_constructor(
    server: FakeServer, file_store: FileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in_claude(file_store)
    monkeypatch.setenv("MODELWIRE_CLAUDE_BETAS", "oauth-2025-04-20, extra-2026-01-01")
    monkeypatch.setenv("MODELWIRE_CLAUDE_HEADERS", '{"X-Team": "research"}')
    with mw.Client("claude") as client:
        client.create(input="hi")
    config = ClaudeOAuthConfig.from_env(headers={"x-team": "ops", "x-more": "1"})
    with mw.Client("claude", auth=mw.auth.ClaudeAuth(config=config)) as client:
        client.create(input="hi")
    from_env, from_constructor = messages_sent(server)
    assert from_env.headers["anthropic-beta"] == "oauth-2025-04-20,extra-2026-01-01"
    assert from_env.headers["x-team"] == "research"
    assert from_constructor.headers["anthropic-beta"] == "oauth-2025-04-20,extra-2026-01-01"
    assert from_constructor.headers["x-team"] == "ops"
    assert from_constructor.headers["x-more"] == "1"


def test_a_malformed_headers_variable_is_a_configuration_error_without_its_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MODELWIRE_CLAUDE_HEADERS", '{"x-secret": 7, "v": "hunter2-secret"}')
    with pytest.raises(mw.ConfigurationError, match="MODELWIRE_CLAUDE_HEADERS") as caught:
        ClaudeOAuthConfig.from_env()
    assert "hunter2" not in str(caught.value)


# -- refusals of the subscription for this client (item 7) --------------------------------------


@pytest.mark.parametrize("server", [{"refuse_claude_subscription": True}], indirect=True)
def test_a_refused_subscription_is_a_typed_error_pointing_to_the_docs(
    server: FakeServer, file_store: FileStore
) -> None:
    sign_in_claude(file_store)
    with (
        mw.Client("claude", max_retries=3) as client,
        pytest.raises(SubscriptionRefusedError) as caught,
    ):
        client.create(input="hi")
    error = caught.value
    assert isinstance(error, mw.APIError)
    assert error.status == 400
    assert error.provider == "claude"
    assert "only authorized for use with Claude Code" in str(error)
    assert "docs/auth.md" in str(error)
    assert "provider='anthropic'" in str(error)
    assert len(messages_sent(server)) == 1  # never retried


async def test_a_403_refusal_is_the_same_error_on_the_async_client(
    server: FakeServer, file_store: FileStore
) -> None:
    sign_in_claude(file_store)
    # Even a server asking for a retry gets none: the refusal is a decision.
    server.queue(
        "messages",
        Fault.status(403, message=ONLY_CLAUDE_CODE, should_retry=True),
    )
    async with mw.AsyncClient("claude", max_retries=3) as client:
        with pytest.raises(SubscriptionRefusedError) as caught:
            await client.create(input="hi")
    assert caught.value.status == 403
    assert len(messages_sent(server)) == 1


def test_a_429_from_the_token_endpoint_is_a_refusal_not_a_retry(
    server: FakeServer, file_store: FileStore
) -> None:
    sign_in_claude(file_store)
    expire_locally(file_store, "claude")
    server.always("claude-token", Fault.status(429, retry_after_ms=10))
    with (
        mw.Client("claude") as client,
        pytest.raises(SubscriptionRefusedError, match="429") as caught,
    ):
        client.create(input="hi")
    assert "docs/auth.md" in str(caught.value)
    refreshes = [r for r in server.requests if r.route == "claude-token"]
    assert len(refreshes) == 2  # the login's exchange and one refresh: no retries
    assert messages_sent(server) == []


def test_a_429_while_the_token_is_still_valid_keeps_the_token_in_use(
    server: FakeServer, file_store: FileStore, caplog: pytest.LogCaptureFixture
) -> None:
    sign_in_claude(file_store)
    record = file_store.load("claude")
    assert record is not None
    # Due for a proactive refresh (within the margin of a long-lived token), not yet expired.
    record["expires_at"], record["last_refresh"] = time.time() + 60, time.time() - 3600
    file_store.save("claude", record)
    server.always("claude-token", Fault.status(429))
    with caplog.at_level(logging.WARNING, "modelwire.auth"), mw.Client("claude") as client:
        assert client.create(input="hi").text
    assert "refused to refresh" in caplog.text
    assert len(messages_sent(server)) == 1


def test_an_ordinary_400_stays_a_bad_request(server: FakeServer, file_store: FileStore) -> None:
    sign_in_claude(file_store)
    server.queue("messages", Fault.status(400, message="messages: text content blocks"))
    with mw.Client("claude") as client, pytest.raises(mw.BadRequestError) as caught:
        client.create(input="hi")
    assert not isinstance(caught.value, SubscriptionRefusedError)
