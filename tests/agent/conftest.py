"""Fixtures of the agent tests: API-key clients of each API at the embedded server, and a
signed-in environment (private MODELWIRE_HOME, every endpoint at the server) for the sign-ins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import modelwire as mw
from modelwire.auth.store import FileStore
from modelwire.testing import FakeServer

from ..auth.conftest import AUTH_ENV, point_environment_at
from ..client.conftest import APIS, make_async_client, make_client

__all__ = ["APIS", "make_async_client", "make_client"]


@pytest.fixture(params=APIS)
def api(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def client(fake_server: FakeServer, api: str) -> Iterator[mw.Client]:
    with make_client(fake_server, api) as created:
        yield created


@pytest.fixture
def signed_in_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeServer]:
    """A server the whole environment points at, with a private credential store."""
    for name in AUTH_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MODELWIRE_HOME", str(tmp_path / "mw-home"))
    monkeypatch.setenv("MODELWIRE_AUTH_STORE", "file")
    with FakeServer() as fake:
        point_environment_at(fake, monkeypatch)
        yield fake


@pytest.fixture
def file_store(signed_in_env: FakeServer) -> FileStore:
    return FileStore()
