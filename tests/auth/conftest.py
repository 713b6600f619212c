"""Fixtures of the auth tests: a private MODELWIRE_HOME, a clean environment, a real in-memory
keyring backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from modelwire.auth.store import FileStore
from modelwire.testing import FakeServer

AUTH_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "ANTHROPIC_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
    "MODELWIRE_AUTH_STORE",
    "MODELWIRE_HOME",
    "MODELWIRE_CHATGPT_BASE_URL",
    "MODELWIRE_CLAUDE_BASE_URL",
    "MODELWIRE_CHATGPT_AUTHORIZE_URL",
    "MODELWIRE_CHATGPT_TOKEN_URL",
    "MODELWIRE_CHATGPT_CLIENT_ID",
    "MODELWIRE_CLAUDE_AUTHORIZE_URL",
    "MODELWIRE_CLAUDE_TOKEN_URL",
    "MODELWIRE_CLAUDE_CLIENT_ID",
    "MODELWIRE_CLAUDE_REDIRECT_URI",
    "MODELWIRE_CLAUDE_SCOPE",
    "MODELWIRE_CLAUDE_BETAS",
    "MODELWIRE_CLAUDE_HEADERS",
    "PYTHON_KEYRING_BACKEND",
    "CODEX_HOME",
    "CLAUDE_CONFIG_DIR",
)


class MemoryKeyring(KeyringBackend):
    """A complete keyring backend that keeps its secrets in a dict (a real backend class, used
    through the keyring API exactly as an OS keyring is)."""

    priority = 0.1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No credentials or endpoints leak in from the machine; MODELWIRE_HOME is private; the
    store is the file store unless a test says otherwise."""
    for name in AUTH_ENV:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "mw-home"
    monkeypatch.setenv("MODELWIRE_HOME", str(home))
    monkeypatch.setenv("MODELWIRE_AUTH_STORE", "file")
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    return home


@pytest.fixture
def home(clean_env: Path) -> Path:
    return clean_env


@pytest.fixture
def file_store(home: Path) -> FileStore:
    return FileStore()


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """A MemoryKeyring installed as the process's keyring (restored afterwards)."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[FakeServer]:
    """The embedded server, with the environment pointing every endpoint at it (so
    ``mw.Client("claude")``, the logins and child processes all find it). Parametrize it
    indirectly with FakeServer arguments, e.g. ``{"access_token_ttl": 60}``."""
    with FakeServer(**getattr(request, "param", {})) as fake:
        yield fake


@pytest.fixture(autouse=True)
def _point_at_server(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, clean_env: Path
) -> None:
    if "server" not in request.fixturenames:
        return
    fake: FakeServer = request.getfixturevalue("server")
    point_environment_at(fake, monkeypatch)


def point_environment_at(fake: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    chatgpt, claude = fake.oauth("chatgpt"), fake.oauth("claude")
    env = {
        "MODELWIRE_CHATGPT_AUTHORIZE_URL": chatgpt.authorize_url,
        "MODELWIRE_CHATGPT_TOKEN_URL": chatgpt.token_url,
        "MODELWIRE_CHATGPT_CLIENT_ID": chatgpt.client_id,
        "MODELWIRE_CLAUDE_AUTHORIZE_URL": claude.authorize_url,
        "MODELWIRE_CLAUDE_TOKEN_URL": claude.token_url,
        "MODELWIRE_CLAUDE_CLIENT_ID": claude.client_id,
        "OPENAI_BASE_URL": fake.base_url("openai"),
        "ANTHROPIC_BASE_URL": fake.base_url("anthropic"),
        "MODELWIRE_CHATGPT_BASE_URL": fake.base_url("chatgpt"),
        "MODELWIRE_CLAUDE_BASE_URL": fake.base_url("claude"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
