"""Clients for each API pointed at the embedded server (API keys)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import modelwire as mw
from modelwire.testing import FakeServer

PROVIDER_FOR = {"responses": "openai", "chat": "openai", "messages": "anthropic"}
KEY_FOR = {"openai": "sk-test-key", "anthropic": "sk-ant-test-key"}
APIS = ("responses", "chat", "messages")


def make_client(server: FakeServer, api: str, **kwargs: Any) -> mw.Client:
    provider = PROVIDER_FOR[api]
    return mw.Client(
        provider,
        api,  # type: ignore[arg-type]
        api_key=KEY_FOR[provider],
        base_url=server.base_url(provider),  # type: ignore[arg-type]
        **kwargs,
    )


def make_async_client(server: FakeServer, api: str, **kwargs: Any) -> mw.AsyncClient:
    provider = PROVIDER_FOR[api]
    return mw.AsyncClient(
        provider,
        api,  # type: ignore[arg-type]
        api_key=KEY_FOR[provider],
        base_url=server.base_url(provider),  # type: ignore[arg-type]
        **kwargs,
    )


@pytest.fixture(params=APIS)
def api(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def client(fake_server: FakeServer, api: str) -> Iterator[mw.Client]:
    with make_client(fake_server, api) as created:
        yield created
