"""API keys, logout, status and imports of existing Codex / Claude Code sign-ins."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

import modelwire as mw
from modelwire.auth import (
    ChatGPTAuth,
    ClaudeAuth,
    LoginError,
    import_claude_code_login,
    import_codex_login,
    logout,
    save_api_key,
    status,
)
from modelwire.auth.store import FileStore

from .helpers import ACCOUNT_ID, chatgpt_tokens, claude_tokens


def by_provider(store: FileStore) -> dict[str, mw.auth.AuthStatus]:
    return {record.provider: record for record in status(store)}


def test_save_api_key_and_status(file_store: FileStore) -> None:
    record = save_api_key("openai", "  sk-proj-saved-0001\n", file_store)
    assert record.available
    assert record.source == "store"
    assert file_store.api_key("openai") == "sk-proj-saved-0001"
    states = by_provider(file_store)
    assert [s.provider for s in status(file_store)] == ["openai", "anthropic", "chatgpt", "claude"]
    assert states["openai"].available
    assert states["openai"].source == "store"
    assert states["openai"].mode == "openai-api-key"
    assert not states["anthropic"].available
    assert "ANTHROPIC_API_KEY" in (states["anthropic"].detail or "")
    assert not states["chatgpt"].available
    assert "modelwire login chatgpt" in (states["chatgpt"].detail or "")


def test_an_environment_key_shows_as_available(
    file_store: FileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-env-0001")
    save_api_key("anthropic", "sk-ant-saved-0001", file_store)
    anthropic = by_provider(file_store)["anthropic"]
    assert anthropic.available
    assert anthropic.source == "env:ANTHROPIC_API_KEY"
    assert "shadowed" in (anthropic.detail or "")


@pytest.mark.parametrize(
    ("provider", "key", "message"),
    [
        ("chatgpt", "sk-x", "modelwire login chatgpt"),
        ("gemini", "k", "expected one of openai, anthropic"),
        ("openai", "   ", "is empty"),
        ("openai", "sk two parts", "holds a space character"),
    ],
)
def test_save_api_key_refuses_what_is_not_a_key(
    file_store: FileStore, provider: str, key: str, message: str
) -> None:
    with pytest.raises(mw.ConfigurationError, match=message):
        save_api_key(provider, key, file_store)
    assert not file_store.path.exists()


def test_logout_one_provider_or_all(file_store: FileStore) -> None:
    save_api_key("openai", "sk-a", file_store)
    save_api_key("anthropic", "sk-ant-a", file_store)
    file_store.save("claude", claude_tokens().to_record())
    assert logout("openai", file_store) == ["openai"]
    assert logout("openai", file_store) == []
    assert logout(None, file_store) == ["anthropic", "claude"]
    assert file_store.providers() == []
    with pytest.raises(mw.ConfigurationError, match="unknown provider"):
        logout("gemini", file_store)


def test_status_of_sign_ins_shows_account_and_expiry_never_secrets(file_store: FileStore) -> None:
    chatgpt = chatgpt_tokens(expires_in=-10)
    claude = claude_tokens()
    file_store.save("chatgpt", chatgpt.to_record())
    file_store.save("claude", claude.to_record())
    save_api_key("openai", "sk-proj-never-shown-0001", file_store)
    states = by_provider(file_store)
    assert states["chatgpt"].available
    assert states["chatgpt"].account_id == ACCOUNT_ID
    assert states["chatgpt"].plan == "pro"
    assert states["chatgpt"].email == "user@example.com"
    assert states["chatgpt"].expired
    assert "refreshed on the next request" in (states["chatgpt"].detail or "")
    assert states["claude"].available
    assert not states["claude"].expired
    assert states["claude"].expires_at == pytest.approx(claude.expires_at)
    shown = repr(status(file_store)) + json.dumps([s.to_dict() for s in status(file_store)])
    for secret in (
        chatgpt.access_token,
        chatgpt.refresh_token,
        chatgpt.id_token or "",
        claude.access_token,
        claude.refresh_token,
        "sk-proj-never-shown-0001",
    ):
        assert secret not in shown
    assert "secret" not in shown


def codex_auth_json(path: Path) -> dict[str, object]:
    tokens = chatgpt_tokens(refresh_token="rt_from-codex-0001")
    data = {
        "OPENAI_API_KEY": None,
        "tokens": {
            "id_token": tokens.id_token,
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "account_id": ACCOUNT_ID,
        },
        "last_refresh": "2025-11-20T10:00:00.000000Z",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    path.chmod(0o400)
    return data


def test_import_codex_login_copies_and_leaves_the_source_alone(
    file_store: FileStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "user-home" / ".codex" / "auth.json"
    codex_auth_json(source)
    before = (source.read_bytes(), source.stat().st_mtime_ns, stat.S_IMODE(source.stat().st_mode))
    record = import_codex_login(store=file_store)  # the default path under $HOME
    assert record.available
    assert record.account_id == ACCOUNT_ID
    assert record.plan == "pro"
    assert "imported from Codex" in (record.detail or "")
    after = (source.read_bytes(), source.stat().st_mtime_ns, stat.S_IMODE(source.stat().st_mode))
    assert after == before
    auth = ChatGPTAuth(store=file_store)
    assert auth.tokens.refresh_token == "rt_from-codex-0001"
    assert auth.tokens.source == "codex"
    # CODEX_HOME moves the default, as it does for Codex.
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "elsewhere"))
    with pytest.raises(LoginError, match="elsewhere"):
        import_codex_login(store=file_store)


def test_import_codex_login_refuses_an_api_key_login(file_store: FileStore, tmp_path: Path) -> None:
    source = tmp_path / "auth.json"
    source.write_text(json.dumps({"OPENAI_API_KEY": "sk-codex-key", "tokens": None}))
    with pytest.raises(LoginError, match="no ChatGPT sign-in") as caught:
        import_codex_login(source, file_store)
    assert "sk-codex-key" not in str(caught.value)
    assert not file_store.path.exists()


def test_import_claude_code_login(file_store: FileStore, tmp_path: Path) -> None:
    source = tmp_path / ".claude" / ".credentials.json"
    source.parent.mkdir()
    expires_ms = int((time.time() + 7200) * 1000)
    source.write_text(
        json.dumps(
            {
                "claudeAiOauth": {
                    "accessToken": "sk-ant-oat01-from-claude-code",
                    "refreshToken": "sk-ant-ort01-from-claude-code",
                    "expiresAt": expires_ms,
                    "scopes": ["user:inference", "user:profile"],
                    "subscriptionType": "max",
                }
            }
        )
    )
    os.chmod(source, 0o400)
    record = import_claude_code_login(source, file_store)
    assert record.available
    assert record.plan == "max"
    assert record.expires_at == pytest.approx(expires_ms / 1000)
    assert "imported from Claude Code" in (record.detail or "")
    auth = ClaudeAuth(store=file_store)
    assert auth.tokens.refresh_token == "sk-ant-ort01-from-claude-code"
    assert auth.tokens.scopes == ("user:inference", "user:profile")
    assert json.loads(source.read_text())["claudeAiOauth"]["expiresAt"] == expires_ms


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no Claude Code sign-in at"), ("{", "not valid JSON"), ("{}", "no claudeAiOauth")],
)
def test_import_claude_code_login_explains_what_is_missing(
    file_store: FileStore, tmp_path: Path, content: str | None, message: str
) -> None:
    source = tmp_path / ".credentials.json"
    if content is not None:
        source.write_text(content)
    with pytest.raises(LoginError, match=message):
        import_claude_code_login(source, file_store)
