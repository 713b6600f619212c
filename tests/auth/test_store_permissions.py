"""A credentials folder or file others can use is reported and tightened (or refused when
world-writable); a keyring store without a usable keyring fails at construction (issue 15
item 11)."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

import modelwire as mw
from modelwire.auth import CredentialStoreError, save_api_key
from modelwire.auth.store import FileStore

KEY = "sk-proj-permissions-0001"


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def saved(file_store: FileStore) -> FileStore:
    save_api_key("openai", KEY, file_store)
    assert mode_of(file_store.path) == 0o600
    assert mode_of(file_store.path.parent) == 0o700
    return file_store


@pytest.mark.parametrize(
    ("which", "loose", "private"),
    [("file", 0o644, 0o600), ("file", 0o660, 0o600), ("folder", 0o755, 0o700)],
)
def test_a_store_others_can_read_is_reported_and_tightened(
    saved: FileStore, which: str, loose: int, private: int, caplog: pytest.LogCaptureFixture
) -> None:
    path = saved.path if which == "file" else saved.path.parent
    os.chmod(path, loose)
    with caplog.at_level(logging.WARNING, logger="modelwire.auth"):
        assert saved.api_key("openai") == KEY
    assert mode_of(path) == private
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert str(path) in warning.getMessage()
    assert f"{loose:04o}" in warning.getMessage()
    assert KEY not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="modelwire.auth"):
        saved.api_key("openai")
    assert caplog.records == []  # once tightened, nothing more to say


@pytest.mark.parametrize(("which", "loose"), [("file", 0o646), ("folder", 0o777)])
def test_a_world_writable_store_is_refused(saved: FileStore, which: str, loose: int) -> None:
    path = saved.path if which == "file" else saved.path.parent
    os.chmod(path, loose)
    try:
        with pytest.raises(CredentialStoreError, match="writable by every user") as caught:
            saved.load("openai")
        assert str(path) in str(caught.value)
        with pytest.raises(CredentialStoreError):
            save_api_key("openai", KEY, saved)
        with pytest.raises(CredentialStoreError):
            mw.Client("openai")  # the key would come from the store
        assert mode_of(path) == loose  # left as found: someone has to look at it
    finally:
        os.chmod(path, 0o700 if which == "folder" else 0o600)


@pytest.fixture
def failing_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.mark.usefixtures("failing_keyring")
@pytest.mark.parametrize("provider", ["claude", "openai"])
def test_a_keyring_store_without_a_usable_keyring_fails_at_construction(
    provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELWIRE_AUTH_STORE", "keyring")
    with pytest.raises(CredentialStoreError, match="no usable keyring backend") as caught:
        mw.Client(provider)
    assert "MODELWIRE_AUTH_STORE=file" in str(caught.value)
    assert "keyring.backends.fail" in str(caught.value)
