"""Credential stores: the file store's permissions, atomicity and corruption handling, the keyring
store over real keyring backends, and how MODELWIRE_AUTH_STORE picks one."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import keyring
import pytest
from keyring.backends import chainer, fail
from keyrings.alt.file import PlaintextKeyring

from modelwire.auth import CredentialStoreError, stored_api_key
from modelwire.auth.store import (
    FileStore,
    KeyringStore,
    MemoryStore,
    default_store,
    store_for_mode,
    usable_keyring,
)

from .conftest import MemoryKeyring

KEY_RECORD = {"type": "api_key", "api_key": "sk-test-store-0001"}


def test_file_store_creates_a_0600_file_in_a_0700_folder(file_store: FileStore) -> None:
    file_store.save("openai", KEY_RECORD)
    assert stat.S_IMODE(file_store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(file_store.path.parent.stat().st_mode) == 0o700


def test_file_store_keeps_0600_under_a_permissive_umask(file_store: FileStore) -> None:
    previous = os.umask(0)
    try:
        file_store.save("openai", KEY_RECORD)
        file_store.save("anthropic", {"type": "api_key", "api_key": "sk-ant-test-0001"})
    finally:
        os.umask(previous)
    assert stat.S_IMODE(file_store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(file_store.path.parent.stat().st_mode) == 0o700


def test_file_store_round_trips_records_per_provider(file_store: FileStore) -> None:
    file_store.save("openai", KEY_RECORD)
    file_store.save("claude", {"type": "oauth", "access_token": "a", "refresh_token": "r"})
    assert file_store.load("openai") == KEY_RECORD
    assert file_store.providers() == ["openai", "claude"]
    assert file_store.available_providers() == ["openai", "claude"]
    assert file_store.api_key("openai") == "sk-test-store-0001"
    assert file_store.api_key("claude") is None
    assert file_store.delete("openai") is True
    assert file_store.delete("openai") is False
    assert file_store.load("openai") is None
    data = json.loads(file_store.path.read_text())
    assert data == {"version": 1, "providers": {"claude": file_store.load("claude")}}


def test_default_store_is_the_file_under_modelwire_home(home: Path) -> None:
    store = default_store()
    assert isinstance(store, FileStore)
    assert store.path == home / "auth.json"
    store.save("anthropic", {"type": "api_key", "api_key": "sk-ant-test-0002"})
    assert stored_api_key("anthropic") == "sk-ant-test-0002"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "empty"),
        (b"[1, 2]", "expected"),
        (b'{"version": 7, "providers": {}}', "format version 7"),
        (b'{"version": 1, "providers": {"openai": "sk-x"}}', "'openai' is not an object"),
    ],
)
def test_a_corrupt_file_is_reported_and_never_overwritten(
    file_store: FileStore, content: bytes, reason: str
) -> None:
    file_store.path.parent.mkdir(mode=0o700, parents=True)
    file_store.path.write_bytes(content)
    with pytest.raises(CredentialStoreError) as caught:
        file_store.save("openai", KEY_RECORD)
    message = str(caught.value)
    assert str(file_store.path) in message
    assert reason in message
    assert "move it aside" in message
    assert caught.value.location == str(file_store.path)
    assert file_store.path.read_bytes() == content
    with pytest.raises(CredentialStoreError):
        file_store.load("openai")


def test_the_corruption_message_never_quotes_the_file(file_store: FileStore) -> None:
    file_store.path.parent.mkdir(mode=0o700, parents=True)
    file_store.path.write_text('{"providers": {"openai": {"api_key": "sk-secret-in-broken-file"')
    with pytest.raises(CredentialStoreError) as caught:
        file_store.load("openai")
    assert "sk-secret" not in str(caught.value)


def test_an_unreadable_file_is_a_store_error(file_store: FileStore) -> None:
    if os.geteuid() == 0:
        # root reads anything; a directory in the file's place is unreadable for everyone.
        file_store.path.mkdir(parents=True)
    else:
        file_store.save("openai", KEY_RECORD)
        file_store.path.chmod(0)
    with pytest.raises(CredentialStoreError, match=str(file_store.path)):
        file_store.load("openai")


_WRITER = """
import sys
from modelwire.auth.store import FileStore
store = FileStore(sys.argv[1])
store.save("openai", {"type": "api_key", "api_key": "sk-new", "padding": "x" * int(sys.argv[2])})
"""


def test_a_writer_killed_mid_write_leaves_the_old_file_intact(file_store: FileStore) -> None:
    file_store.save("openai", {"type": "api_key", "api_key": "sk-old"})
    folder = file_store.path.parent
    size = 60_000_000
    for _ in range(5):
        writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(file_store.path), str(size)])
        caught_mid_write = False
        try:
            deadline = time.monotonic() + 30
            while writer.poll() is None and time.monotonic() < deadline:
                if any(folder.glob(".auth.json.*.tmp")):
                    os.kill(writer.pid, signal.SIGKILL)
                    caught_mid_write = True
                    break
        finally:
            writer.kill()
            writer.wait()
        if caught_mid_write and writer.returncode == -signal.SIGKILL:
            break
        # The write finished before the kill landed: start over from the old content.
        file_store.save("openai", {"type": "api_key", "api_key": "sk-old"})
        size *= 2
    else:
        pytest.fail("never managed to kill the writer mid-write")
    assert file_store.api_key("openai") == "sk-old"
    assert json.loads(file_store.path.read_text())["providers"]["openai"]["api_key"] == "sk-old"
    # The next writer cleans up the dead writer's temp file.
    file_store.save("anthropic", {"type": "api_key", "api_key": "sk-ant-next"})
    assert not list(folder.glob(".auth.json.*.tmp"))
    assert file_store.api_key("openai") == "sk-old"


def test_keyring_store_over_a_keyring_backend(home: Path) -> None:
    backend = MemoryKeyring()
    store = KeyringStore(backend)
    store.save("claude", {"type": "oauth", "access_token": "at", "refresh_token": "rt"})
    store.save("openai", KEY_RECORD)
    assert json.loads(backend.entries[("modelwire", "claude")])["refresh_token"] == "rt"
    assert store.load("claude") == {"type": "oauth", "access_token": "at", "refresh_token": "rt"}
    assert store.providers() == ["openai", "claude"]
    assert store.api_key("openai") == "sk-test-store-0001"
    assert store.delete("claude") is True
    assert store.delete("claude") is False
    assert ("modelwire", "claude") not in backend.entries
    assert not (home / "auth.json").exists()


def test_keyring_store_over_the_keyrings_alt_file_backend(tmp_path: Path) -> None:
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring_pass.cfg")
    store = KeyringStore(backend)
    store.save("anthropic", {"type": "api_key", "api_key": "sk-ant-alt-0001"})
    assert KeyringStore(backend).api_key("anthropic") == "sk-ant-alt-0001"
    assert store.delete("anthropic") is True
    assert store.load("anthropic") is None


def test_a_foreign_keyring_entry_is_reported_not_overwritten(home: Path) -> None:
    backend = MemoryKeyring()
    backend.set_password("modelwire", "openai", "not json at all")
    store = KeyringStore(backend)
    with pytest.raises(CredentialStoreError, match="not a modelwire record") as caught:
        store.save("openai", KEY_RECORD)
    assert "not json at all" not in str(caught.value)
    assert backend.get_password("modelwire", "openai") == "not json at all"


def test_a_failing_keyring_is_a_store_error(home: Path) -> None:
    store = KeyringStore(fail.Keyring())
    with pytest.raises(CredentialStoreError, match="MODELWIRE_AUTH_STORE=file"):
        store.load("openai")


def test_auto_uses_a_real_keyring(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELWIRE_AUTH_STORE", "auto")
    store = default_store()
    assert isinstance(store, KeyringStore)
    assert store.backend is memory_keyring
    store.save("openai", KEY_RECORD)
    assert memory_keyring.get_password("modelwire", "openai") is not None
    assert stored_api_key("openai") == "sk-test-store-0001"


@pytest.mark.parametrize(
    "backend", [fail.Keyring(), PlaintextKeyring()], ids=["fail", "keyrings-alt-plaintext"]
)
def test_auto_falls_back_to_the_file_without_a_real_keyring(
    backend: keyring.backend.KeyringBackend, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        assert usable_keyring() is None
        store = store_for_mode("auto")
    finally:
        keyring.set_keyring(previous)
    assert isinstance(store, FileStore)
    assert store.path == home / "auth.json"


class EmptyChainer(chainer.ChainerBackend):
    """keyring's chainer as it is when no backend is installed."""

    viable = False  # never picked by keyring's own discovery
    backends: list[keyring.backend.KeyringBackend] = []


def test_auto_ignores_a_chainer_without_backends(home: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(EmptyChainer())
    try:
        assert usable_keyring() is None
        assert isinstance(store_for_mode("auto"), FileStore)
    finally:
        keyring.set_keyring(previous)


def test_auto_uses_a_chainer_with_a_real_backend(home: Path) -> None:
    class OneChainer(EmptyChainer):
        backends = [MemoryKeyring()]

    previous = keyring.get_keyring()
    keyring.set_keyring(OneChainer())
    try:
        assert isinstance(store_for_mode("auto"), KeyringStore)
    finally:
        keyring.set_keyring(previous)


def test_memory_mode_is_one_store_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELWIRE_AUTH_STORE", "memory")
    store = default_store()
    assert isinstance(store, MemoryStore)
    store.save("openai", KEY_RECORD)
    try:
        assert stored_api_key("openai") == "sk-test-store-0001"
    finally:
        store.delete("openai")


def test_an_unknown_store_mode_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELWIRE_AUTH_STORE", "vault")
    with pytest.raises(CredentialStoreError, match="file, keyring, auto, memory"):
        default_store()


def test_memory_store_hands_out_copies() -> None:
    store = MemoryStore()
    record = {"type": "api_key", "api_key": "sk-a"}
    store.save("openai", record)
    record["api_key"] = "changed"
    loaded = store.load("openai")
    assert loaded == {"type": "api_key", "api_key": "sk-a"}
    loaded["api_key"] = "changed"
    assert store.api_key("openai") == "sk-a"


def test_unknown_providers_are_refused(file_store: FileStore) -> None:
    with pytest.raises(ValueError, match="unknown provider"):
        file_store.save("gemini", KEY_RECORD)
