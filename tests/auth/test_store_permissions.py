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


@pytest.fixture
def another_users(saved: FileStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything on disk seems to belong to someone else once the store is saved: the store
    compares a path's owner with ``os.getuid()``, so a different answer from it stands in for a
    chown (no root needed)."""
    someone_else = os.getuid() + 1
    monkeypatch.setattr(os, "getuid", lambda: someone_else)


@pytest.mark.usefixtures("another_users")
@pytest.mark.parametrize(
    ("which", "mode"),
    [("file", 0o640), ("folder", 0o750), ("file", 0o600), ("folder", 0o700)],
    ids=["loose file", "loose folder", "private file", "private folder"],
)
def test_a_store_of_another_user_is_reported_once_and_left_alone(
    saved: FileStore, which: str, mode: int, caplog: pytest.LogCaptureFixture
) -> None:
    path = saved.path if which == "file" else saved.path.parent
    os.chmod(path, mode)
    with caplog.at_level(logging.DEBUG, logger="modelwire"):
        assert saved.api_key("openai") == KEY
        saved.api_key("openai")
    assert mode_of(path) == mode  # not ours to change
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    # Both the folder and the file belong to "another user": one warning each, said once.
    [warning] = [r for r in warnings if f"{which} {path} " in r.getMessage()]
    assert len(warnings) == 2
    text = warning.getMessage()
    assert "belongs to another user" in text
    assert f"uid {os.stat(path).st_uid}" in text
    assert f"{mode:04o}" in text
    assert warning.exc_info is None
    assert KEY not in caplog.text


@pytest.mark.usefixtures("another_users")
def test_a_world_writable_store_of_another_user_is_refused(saved: FileStore) -> None:
    os.chmod(saved.path.parent, 0o777)
    try:
        with pytest.raises(CredentialStoreError, match="writable by every user") as caught:
            saved.load("openai")
        assert str(saved.path.parent) in str(caught.value)
        assert KEY not in str(caught.value)
    finally:
        os.chmod(saved.path.parent, 0o700)


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
