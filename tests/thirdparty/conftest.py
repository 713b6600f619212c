"""Fixtures: third-party OpenAI/Anthropic-compatible mock servers (PyPI packages written by other
people) started as subprocesses on loopback, and modelwire clients pointed at them."""

from __future__ import annotations

import secrets
import shutil
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import modelwire as mw

from .servers import (
    HERE,
    ServerProcess,
    ServerStartError,
    python_module,
    start_announcing,
    start_on_port,
)

#: Which modelwire provider speaks each wire API, and a key of its shape (the mocks take any).
PROVIDER_FOR = {"responses": "openai", "chat": "openai", "messages": "anthropic"}
KEY_FOR = {"openai": "sk-thirdparty-test-key", "anthropic": "sk-ant-thirdparty-test-key"}


def base_url(server: ServerProcess, api: str) -> str:
    """modelwire's base URL for a server root: OpenAI clients append to ``/v1``, Anthropic's to
    the root (``/v1/messages``)."""
    return f"{server.url}/v1" if PROVIDER_FOR[api] == "openai" else server.url


def make_client(server: ServerProcess, api: str, **kwargs: Any) -> mw.Client:
    provider = PROVIDER_FOR[api]
    return mw.Client(
        provider,
        api,  # type: ignore[arg-type]
        api_key=kwargs.pop("api_key", KEY_FOR[provider]),
        base_url=base_url(server, api),
        **kwargs,
    )


def make_async_client(server: ServerProcess, api: str, **kwargs: Any) -> mw.AsyncClient:
    provider = PROVIDER_FOR[api]
    return mw.AsyncClient(
        provider,
        api,  # type: ignore[arg-type]
        api_key=kwargs.pop("api_key", KEY_FOR[provider]),
        base_url=base_url(server, api),
        **kwargs,
    )


@pytest.fixture(scope="session")
def llm_mock_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """llm-mock-api serving Responses, Chat and Messages with the rules of llm_mock_api_server."""
    server = start_announcing(
        "llm-mock-api",
        python_module("tests.thirdparty.llm_mock_api_server"),
        tmp_path_factory.mktemp("llm-mock-api"),
        env={"PYTHONPATH": str(HERE.parent.parent)},
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fakellm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """fakellm serving Chat and Messages with the rules of fakellm.yaml."""
    config = HERE / "fakellm.yaml"
    server = start_on_port(
        "fakellm",
        lambda port: python_module(
            "fakellm.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--config",
            str(config),
        ),
        "/_fakellm/stats",
        tmp_path_factory.mktemp("fakellm"),
    )
    yield server
    server.stop()


@pytest.fixture
def conversation_id() -> str:
    """fakellm tracks conversations across requests; each test gets its own."""
    return f"modelwire-{uuid.uuid4().hex}"


#: What keeps a LiteLLM proxy offline: its bundled model cost map instead of a download, and
#: no hub look-ups for tokenizers.
LITELLM_OFFLINE_ENV = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "LITELLM_TELEMETRY": "False",
}


@dataclass
class LiteLLMProxy:
    server: ServerProcess
    master_key: str


@pytest.fixture(scope="session")
def litellm_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiteLLMProxy]:
    """A LiteLLM proxy (installed by `nox -s stress`) whose models answer from LiteLLM's mocks."""
    executable = shutil.which("litellm", path=str(Path(sys.executable).parent))
    if executable is None:
        raise ServerStartError("the litellm proxy is not installed here: run `nox -s stress`")
    master_key = f"sk-thirdparty-{secrets.token_hex(16)}"
    config = HERE / "litellm_config.yaml"
    server = start_on_port(
        "litellm",
        lambda port: [
            executable,
            "--config",
            str(config),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        "/health/liveliness",
        tmp_path_factory.mktemp("litellm"),
        env={**LITELLM_OFFLINE_ENV, "LITELLM_MASTER_KEY": master_key},
    )
    yield LiteLLMProxy(server, master_key)
    server.stop()
