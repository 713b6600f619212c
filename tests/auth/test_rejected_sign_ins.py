"""A sign-in the token server refuses is marked in the store (when, why, no secret), so
``status()`` reports it as rejected until a new login replaces it (issue 17 item 13)."""

from __future__ import annotations

import json

import pytest

import modelwire as mw
from modelwire.auth import LoginRequiredError, available_providers, logout, status
from modelwire.auth.store import FileStore

from .helpers import expire_locally, sign_in

PROVIDERS = ["chatgpt", "claude"]


def ask(provider: str) -> str:
    with mw.Client(provider) as client:  # type: ignore[arg-type]
        return client.create(input="hi").text


def status_of(provider: str) -> mw.auth.AuthStatus:
    [record] = [r for r in status() if r.provider == provider]
    return record


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("when", ["after a 401", "before the request"])
def test_a_refused_refresh_marks_the_sign_in_rejected(
    provider: str, when: str, server: mw.testing.FakeServer, file_store: FileStore
) -> None:
    sign_in(provider, file_store)
    if when == "before the request":
        expire_locally(file_store, provider)
    server.revoke_tokens(provider)  # type: ignore[arg-type]
    before = file_store.load(provider)
    assert before is not None
    assert status_of(provider).available

    with pytest.raises(LoginRequiredError, match="rejected by the token server"):
        ask(provider)

    record = status_of(provider)
    assert record.available is False
    assert record.rejected_at is not None
    assert record.rejected_reason is not None
    assert "rejected by the token server" in record.rejected_reason
    assert f"run `modelwire login {provider}`" in (record.detail or "")
    assert provider not in available_providers()
    stored = file_store.load(provider)
    assert stored is not None
    mark = {k: stored[k] for k in ("rejected_at", "rejected_reason")}
    for secret in (before["access_token"], before["refresh_token"]):
        assert secret not in json.dumps(mark)
        assert secret not in json.dumps(record.to_dict())

    sign_in(provider, file_store)  # a new sign-in is not the rejected one
    again = status_of(provider)
    assert again.available
    assert again.rejected_at is None
    assert ask(provider)


def test_a_401_whose_refresh_works_leaves_no_mark(
    server: mw.testing.FakeServer, file_store: FileStore
) -> None:
    sign_in("claude", file_store)
    server.expire_tokens("claude")  # the access token dies, the refresh token lives
    assert ask("claude")
    assert status_of("claude").rejected_at is None


def test_logout_removes_the_mark_with_the_sign_in(
    server: mw.testing.FakeServer, file_store: FileStore
) -> None:
    sign_in("claude", file_store)
    server.revoke_tokens("claude")
    with pytest.raises(LoginRequiredError):
        ask("claude")
    assert logout("claude", file_store) == ["claude"]
    record = status_of("claude")
    assert record.rejected_at is None
    assert record.detail is not None
    assert "not signed in" in record.detail
