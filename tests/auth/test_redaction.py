"""Secrets — API keys, access, refresh and id tokens — never appear in logs (DEBUG included),
reprs, exception messages or status output, whatever happens."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import modelwire as mw
from modelwire.auth import (
    ChatGPTAuth,
    ClaudeAuth,
    CredentialStoreError,
    LoginRequiredError,
    TokenRefreshError,
    save_api_key,
    status,
)
from modelwire.auth.store import FileStore
from modelwire.auth.tokens import TokenSet
from modelwire.testing import FakeServer, Fault

from .helpers import expire_locally, sign_in

OPENAI_KEY = "sk-proj-redaction-canary-0001"
ANTHROPIC_KEY = "sk-ant-api03-redaction-canary-0001"


class Secrets:
    """Every secret seen during the test: the keys, and every token the store ever held or a
    request ever carried."""

    def __init__(self, store: FileStore, server: FakeServer) -> None:
        self.store = store
        self.server = server
        self.values: set[str] = {OPENAI_KEY, ANTHROPIC_KEY}

    def snapshot(self) -> None:
        for provider in ("chatgpt", "claude"):
            record = self.store.load(provider) or {}
            for field in ("access_token", "refresh_token", "id_token"):
                if record.get(field):
                    self.values.add(record[field])
        for request in self.server.requests:
            value = request.headers.get("authorization", "")
            if value.startswith("Bearer "):
                self.values.add(value.removeprefix("Bearer "))
            body = request.json if isinstance(request.json, dict) else request.form or {}
            if body.get("refresh_token"):
                self.values.add(str(body["refresh_token"]))

    def leaked_into(self, text: str) -> list[str]:
        return [secret[:12] + "..." for secret in self.values if secret in text]


@pytest.fixture
def secrets(server: FakeServer, file_store: FileStore) -> Secrets:
    return Secrets(file_store, server)


def shown(*things: Any) -> str:
    """What a user could see of these objects: repr and str."""
    return "\n".join(f"{thing!r}\n{thing!s}" for thing in things)


def test_nothing_secret_is_logged_shown_or_raised(
    server: FakeServer,
    file_store: FileStore,
    secrets: Secrets,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    save_api_key("openai", OPENAI_KEY, file_store)
    save_api_key("anthropic", ANTHROPIC_KEY, file_store)
    for provider, api in (("openai", "responses"), ("anthropic", "messages")):
        with mw.Client(provider, api=api) as client:  # type: ignore[arg-type]
            client.create(input="Say hi")
            seen.append(shown(client, client.auth))
    server.revoke_api_key("sk-proj-revoked-canary-0001")
    with mw.Client("openai", api_key="sk-proj-revoked-canary-0001") as client:
        secrets.values.add("sk-proj-revoked-canary-0001")
        with pytest.raises(mw.AuthenticationError) as bad_key:
            client.create(input="Say hi")
    # The API's own message masks the key (as OpenAI's does); modelwire adds nothing to it.
    seen.append(shown(bad_key.value))

    for provider in ("chatgpt", "claude"):
        seen.append(shown(sign_in(provider, file_store)))
        secrets.snapshot()
        # proactive refresh, then a 401 and a reactive refresh
        expire_locally(file_store, provider)
        secrets.snapshot()
        with mw.Client(provider) as client:
            client.create(input="Say hi", instructions="Be brief.")
            server.expire_tokens(provider)
            client.create(input="Say hi", instructions="Be brief.")
            seen.append(shown(client, client.auth, client.auth.tokens))  # type: ignore[attr-defined]
        secrets.snapshot()
        # a lasting transient failure, then a revoked sign-in
        expire_locally(file_store, provider)
        secrets.snapshot()
        server.always(f"{provider}-token", Fault.status(503))  # type: ignore[arg-type]
        with mw.Client(provider) as client, pytest.raises(TokenRefreshError) as transient:
            client.create(input="Say hi", instructions="Be brief.")
        server.always(f"{provider}-token", None)  # type: ignore[arg-type]
        server.revoke_tokens(provider)
        with mw.Client(provider) as client, pytest.raises(LoginRequiredError) as permanent:
            client.create(input="Say hi", instructions="Be brief.")
        seen.append(shown(transient.value, permanent.value, permanent.value.__cause__))
        secrets.snapshot()

    auths = [ChatGPTAuth(store=file_store), ClaudeAuth(store=file_store)]
    seen.append(shown(*auths, *(a.tokens for a in auths), file_store))
    seen.append(shown(*status(file_store), *(s.to_dict() for s in status(file_store))))
    seen.append(shown(TokenSet.from_record("claude", file_store.load("claude") or {})))

    secrets.snapshot()
    # A corrupt store: the error names the file, never its content.
    text = file_store.path.read_text()
    file_store.path.write_text(text[: len(text) // 2])
    with pytest.raises(CredentialStoreError) as corrupt:
        status(file_store)
    seen.append(shown(corrupt.value))

    assert len(secrets.values) > 10  # the test saw plenty of secrets to leak...
    assert secrets.leaked_into(caplog.text) == []  # ...and none reached the logs
    assert secrets.leaked_into("\n".join(seen)) == []
    assert "POST" in caplog.text  # DEBUG logging was really on
