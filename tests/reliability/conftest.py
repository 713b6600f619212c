"""Fixtures of the reliability suite.

``clean_env`` (used by the modules that talk to servers or stores, not by the decoder fuzzing):
no credentials or endpoints leak in from the machine, ``MODELWIRE_HOME`` is private, the store
is the file store. ``server``: the embedded server with the environment pointing every endpoint
at it, so sign-ins, ``mw.Client("claude")`` and child processes all find it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelwire.auth.store import FileStore
from modelwire.testing import FakeServer

from ..auth.conftest import AUTH_ENV, point_environment_at


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in AUTH_ENV:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "mw-home"
    monkeypatch.setenv("MODELWIRE_HOME", str(home))
    monkeypatch.setenv("MODELWIRE_AUTH_STORE", "file")
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    return home


@pytest.fixture
def server(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    with FakeServer() as fake:
        point_environment_at(fake, monkeypatch)
        yield fake


@pytest.fixture
def file_store(clean_env: Path) -> FileStore:
    return FileStore()
