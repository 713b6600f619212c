"""Refresh: proactive before a request, reactive after a 401, transient failures retried or
ridden out, permanent ones reported — and recovered from when another program rotated the tokens.
All over real HTTP against the embedded OAuth servers."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from typing import Any

import httpx2
import pytest

import modelwire as mw
from modelwire.auth import LoginRequiredError, TokenRefreshError
from modelwire.auth.store import FileStore
from modelwire.auth.tokens import TokenSet
from modelwire.testing import FakeServer, Fault

from .helpers import expire_locally, sign_in

PROVIDERS = ["chatgpt", "claude"]
SHORT_LIVED = {"access_token_ttl": 120, "claude_access_token_ttl": 120}


def ask(provider: str) -> str:
    with mw.Client(provider) as client:
        return client.create(input="Say hi", instructions="Be brief.").text


async def aask(provider: str) -> str:
    async with mw.AsyncClient(provider) as client:
        response = await client.create(input="Say hi", instructions="Be brief.")
        return response.text


def api_requests(server: FakeServer, provider: str) -> list[Any]:
    return server.requests_to("chatgpt" if provider == "chatgpt" else "messages")


def bearer(request: Any) -> str:
    value: str = request.headers["authorization"]
    return value.removeprefix("Bearer ")


def refreshes(server: FakeServer, provider: str) -> int:
    return server.token_calls[(provider, "refresh_token")]


def age(store: FileStore, provider: str, seconds: float = 3600) -> None:
    """Pretend the tokens were obtained ``seconds`` ago (so a short remaining life is due)."""
    record = store.load(provider)
    assert record is not None
    record["last_refresh"] = time.time() - seconds
    store.save(provider, record)


# -- proactive -----------------------------------------------------------------------------------


@pytest.mark.parametrize("server", [SHORT_LIVED], indirect=True)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_token_about_to_expire_is_refreshed_before_the_request(
    provider: str, server: FakeServer, file_store: FileStore
) -> None:
    sign_in(provider, file_store)
    old = file_store.load(provider)
    assert old is not None
    age(file_store, provider)  # 120 s left of an hour-old sign-in: within the 5-minute margin
    assert ask(provider)
    assert refreshes(server, provider) == 1
    new = file_store.load(provider)
    assert new is not None
    assert new["refresh_token"] != old["refresh_token"]
    [request] = api_requests(server, provider)
    assert request.status == 200
    assert bearer(request) == new["access_token"]
    # The fresh token is not due again: the next request goes straight out.
    assert ask(provider)
    assert refreshes(server, provider) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_an_expired_token_is_refreshed_before_the_request(
    provider: str, server: FakeServer, file_store: FileStore
) -> None:
    sign_in(provider, file_store)
    expire_locally(file_store, provider)
    server.expire_tokens(provider)
    assert ask(provider)
    assert refreshes(server, provider) == 1
    [request] = api_requests(server, provider)
    assert request.status == 200


def test_without_a_readable_expiry_chatgpt_refreshes_after_eight_days() -> None:
    tokens = TokenSet(provider="chatgpt", access_token="opaque", refresh_token="rt")
    eight_days = 8 * 86400
    assert not tokens.due(margin=300, max_age=eight_days, now=tokens.last_refresh + 86400)
    assert tokens.due(margin=300, max_age=eight_days, now=tokens.last_refresh + eight_days)


# -- reactive ------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_401_refreshes_once_and_retries_once(
    provider: str, server: FakeServer, file_store: FileStore
) -> None:
    sign_in(provider, file_store)
    server.expire_tokens(provider)  # the server says expired; modelwire's clock does not know
    assert ask(provider)
    assert refreshes(server, provider) == 1
    first, second = api_requests(server, provider)
    assert (first.status, second.status) == (401, 200)
    assert bearer(first) != bearer(second)
    record = file_store.load(provider)
    assert record is not None
    assert bearer(second) == record["access_token"]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_401_refreshes_on_the_async_client_too(
    provider: str, server: FakeServer, file_store: FileStore
) -> None:
    sign_in(provider, file_store)
    server.expire_tokens(provider)
    assert await aask(provider)
    assert refreshes(server, provider) == 1
    assert [r.status for r in api_requests(server, provider)] == [401, 200]


def test_a_401_after_a_successful_refresh_is_not_retried_again(
    server: FakeServer, file_store: FileStore
) -> None:
    sign_in("claude", file_store)
    server.expire_tokens("claude")
    server.queue("messages", Fault.expired_token())  # the retried request is refused as well
    with pytest.raises(mw.AuthenticationError):
        ask("claude")
    assert refreshes(server, "claude") == 1
    assert len(api_requests(server, "claude")) == 2


# -- failures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_revoked_sign_in_asks_for_a_new_login(
    provider: str, server: FakeServer, file_store: FileStore
) -> None:
    sign_in(provider, file_store)
    server.revoke_tokens(provider)
    with pytest.raises(LoginRequiredError) as caught:
        ask(provider)
    error = caught.value
    assert isinstance(error, mw.AuthenticationError)
    assert str(error).endswith(f"run `modelwire login {provider}`")
    assert error.status == (401 if provider == "chatgpt" else 400)
    assert refreshes(server, provider) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_spent_refresh_token_asks_for_a_new_login(
    provider: str, server: FakeServer, file_store: FileStore
) -> None:
    sign_in(provider, file_store)
    expire_locally(file_store, provider)
    record = file_store.load(provider)
    assert record is not None
    other_program_spends(server, provider, record["refresh_token"])  # and keeps the result
    with pytest.raises(LoginRequiredError, match=f"run `modelwire login {provider}`$") as caught:
        ask(provider)
    reason = "refresh_token_reused" if provider == "chatgpt" else "invalid_grant"
    assert reason in str(caught.value)


@pytest.mark.parametrize("server", [SHORT_LIVED], indirect=True)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_transient_failure_keeps_a_still_valid_token_in_use(
    provider: str,
    server: FakeServer,
    file_store: FileStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sign_in(provider, file_store)
    age(file_store, provider)
    before = file_store.load(provider)
    server.queue(f"{provider}-token", Fault.status(503))  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="modelwire.auth"):
        assert ask(provider)
    assert "stays in use" in caplog.text
    assert refreshes(server, provider) == 1
    assert file_store.load(provider) == before
    [request] = api_requests(server, provider)
    assert request.status == 200
    assert before is not None
    assert bearer(request) == before["access_token"]
    # Requests right after do not hammer the token endpoint.
    assert ask(provider)
    assert refreshes(server, provider) == 1


# Claude's token endpoint answers 429 to a client it refuses: that is not retried but a
# SubscriptionRefusedError (tests/auth/test_claude_requests.py).
@pytest.mark.parametrize(
    ("provider", "fault"),
    [
        (provider, fault)
        for provider in PROVIDERS
        for fault in (Fault.status(503), Fault.status(429), Fault.reset())
        if not (provider == "claude" and fault == Fault.status(429))
    ],
)
def test_a_transient_failure_is_retried_when_the_token_has_expired(
    provider: str, fault: Fault, server: FakeServer, file_store: FileStore
) -> None:
    sign_in(provider, file_store)
    expire_locally(file_store, provider)
    server.queue(f"{provider}-token", fault)  # type: ignore[arg-type]
    assert ask(provider)
    assert refreshes(server, provider) == 2
    assert [r.status for r in api_requests(server, provider)] == [200]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_lasting_transient_failure_with_an_expired_token_is_a_refresh_error(
    provider: str, server: FakeServer, file_store: FileStore
) -> None:
    sign_in(provider, file_store)
    expire_locally(file_store, provider)
    server.always(f"{provider}-token", Fault.status(502))  # type: ignore[arg-type]
    with pytest.raises(TokenRefreshError, match="HTTP 502") as caught:
        ask(provider)
    assert isinstance(caught.value, mw.AuthenticationError)
    assert refreshes(server, provider) == 3
    assert api_requests(server, provider) == []


# -- another program rotated the tokens ----------------------------------------------------------


def other_program_spends(server: FakeServer, provider: str, refresh_token: str) -> dict[str, Any]:
    """Another program holding the same sign-in refreshes it: a direct call to the token
    endpoint (the refresh token rotates; the one modelwire holds dies)."""
    endpoints = server.oauth(provider)  # type: ignore[arg-type]
    answer = httpx2.post(
        endpoints.token_url,
        json={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": endpoints.client_id,
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    tokens: dict[str, Any] = answer.json()
    return tokens


def write_behind_modelwires_back(store: FileStore, provider: str, tokens: dict[str, Any]) -> None:
    """The other program writes its new tokens into auth.json the way a program that knows
    nothing of modelwire's lock would: read, change, atomically replace."""
    data = json.loads(store.path.read_text())
    record = data["providers"][provider]
    record["access_token"] = tokens["access_token"]
    record["refresh_token"] = tokens["refresh_token"]
    record["expires_at"] = time.time() + tokens["expires_in"]
    record["last_refresh"] = time.time()
    if "id_token" in tokens:
        record["id_token"] = tokens["id_token"]
    fd, temp = tempfile.mkstemp(dir=store.path.parent)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    os.replace(temp, store.path)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_recovers_when_another_program_rotated_the_tokens_meanwhile(
    provider: str, server: FakeServer, file_store: FileStore
) -> None:
    sign_in(provider, file_store)
    expire_locally(file_store, provider)
    record = file_store.load(provider)
    assert record is not None
    # modelwire's refresh request is held at the token endpoint for a moment...
    server.queue(f"{provider}-token", Fault.stall(0.5, after_events=None))  # type: ignore[arg-type]
    outcome: dict[str, Any] = {}

    def request() -> None:
        try:
            outcome["text"] = ask(provider)
        except BaseException as error:
            outcome["error"] = error

    worker = threading.Thread(target=request)
    worker.start()
    assert server.wait_for(lambda: refreshes(server, provider) == 1)
    # ...while another program spends the same refresh token and stores what it got.
    theirs = other_program_spends(server, provider, record["refresh_token"])
    write_behind_modelwires_back(file_store, provider, theirs)
    worker.join(10)

    assert "error" not in outcome, outcome.get("error")
    assert outcome["text"]
    # modelwire's refresh got the reuse error, re-read the store and used the other program's
    # tokens; nobody was asked to log in again.
    assert refreshes(server, provider) == 2
    modelwires, others = [
        r
        for r in server.requests_to(f"{provider}-token")  # type: ignore[arg-type]
        if (r.json or r.form or {}).get("grant_type") == "refresh_token"
    ]
    assert (modelwires.status, others.status) == (401 if provider == "chatgpt" else 400, 200)
    [sent] = api_requests(server, provider)
    assert sent.status == 200
    assert bearer(sent) == theirs["access_token"]
    stored = file_store.load(provider)
    assert stored is not None
    assert stored["refresh_token"] == theirs["refresh_token"]


def test_refresh_through_the_keyring_store(
    server: FakeServer, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelwire.auth.store import KeyringStore, default_store

    monkeypatch.setenv("MODELWIRE_AUTH_STORE", "keyring")
    store = default_store()
    assert isinstance(store, KeyringStore)
    sign_in("claude", store)
    before = store.load("claude")
    server.expire_tokens("claude")
    assert ask("claude")
    after = store.load("claude")
    assert before is not None
    assert after is not None
    assert after["refresh_token"] != before["refresh_token"]
    assert json.loads(memory_keyring.get_password("modelwire", "claude")) == after
    assert refreshes(server, "claude") == 1
