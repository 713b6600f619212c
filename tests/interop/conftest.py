"""The official ``openai`` and ``anthropic`` SDKs, pointed at the embedded emulator on loopback.

Each test gets a fresh server (the ``fake_server`` fixture) and SDK clients built the way a user
builds them for a compatible server: ``base_url``, ``api_key``, ``max_retries`` and an
``http_client`` (plain HTTP on loopback, so no certificates are loaded).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import anthropic
import httpx2
import openai
import pytest

from modelwire.testing import FakeServer

OPENAI_KEY = "sk-test-interop-0123456789"
ANTHROPIC_KEY = "sk-ant-api03-interop-0123456789"


def http_client() -> httpx2.Client:
    return httpx2.Client(verify=False, timeout=10.0)


@pytest.fixture
def openai_client(fake_server: FakeServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        api_key=OPENAI_KEY,
        base_url=fake_server.base_url("openai"),
        max_retries=0,
        http_client=http_client(),
    ) as client:
        yield client


@pytest.fixture
def anthropic_client(fake_server: FakeServer) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(
        api_key=ANTHROPIC_KEY,
        base_url=fake_server.base_url("anthropic"),
        max_retries=0,
        http_client=http_client(),
    ) as client:
        yield client


@pytest.fixture
async def async_openai_client(fake_server: FakeServer) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(
        api_key=OPENAI_KEY,
        base_url=fake_server.base_url("openai"),
        max_retries=0,
        http_client=httpx2.AsyncClient(verify=False, timeout=10.0),
    ) as client:
        yield client


@pytest.fixture
async def async_anthropic_client(
    fake_server: FakeServer,
) -> AsyncIterator[anthropic.AsyncAnthropic]:
    async with anthropic.AsyncAnthropic(
        api_key=ANTHROPIC_KEY,
        base_url=fake_server.base_url("anthropic"),
        max_retries=0,
        http_client=httpx2.AsyncClient(verify=False, timeout=10.0),
    ) as client:
        yield client
