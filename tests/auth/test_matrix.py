"""Every valid (wire API, auth mode) pair streams text and a tool round trip through mw.Client over
real HTTP; invalid pairs fail locally, before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest

import modelwire as mw
from modelwire.auth import ChatGPTAuth, ClaudeAuth, save_api_key
from modelwire.auth.store import FileStore
from modelwire.testing import FakeServer

from .helpers import sign_in

OPENAI_KEY = "sk-proj-matrix-0001"
ANTHROPIC_KEY = "sk-ant-api03-matrix-0001"

# (wire API, provider): the provider names the auth mode.
VALID_PAIRS = [
    ("responses", "openai"),
    ("responses", "chatgpt"),
    ("chat", "openai"),
    ("chat", "anthropic"),
    ("messages", "anthropic"),
    ("messages", "claude"),
]
INVALID_PAIRS = [
    ("chat", "chatgpt"),
    ("messages", "chatgpt"),
    ("chat", "claude"),
    ("responses", "claude"),
    ("responses", "anthropic"),
    ("messages", "openai"),
]
ROUTE = {"openai": None, "anthropic": None, "chatgpt": "chatgpt", "claude": "messages"}


def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"sunny in {city}"


def client_for(provider: str, api: str, store: FileStore, *, is_async: bool = False) -> Any:
    """A client for the mode, with credentials where a user would keep them: API keys in the
    environment-free store, sign-ins from a real login."""
    if provider in ("openai", "anthropic"):
        save_api_key(provider, OPENAI_KEY if provider == "openai" else ANTHROPIC_KEY, store)
    else:
        sign_in(provider, store)
    factory = mw.AsyncClient if is_async else mw.Client
    return factory(provider, api=api)  # type: ignore[arg-type]


@pytest.mark.parametrize(("api", "provider"), VALID_PAIRS)
def test_streams_text_and_a_tool_round_trip(
    api: str, provider: str, server: FakeServer, file_store: FileStore
) -> None:
    with client_for(provider, api, file_store) as client:
        with client.stream(input="Say hello", instructions="Be brief.") as stream:
            deltas = [e.text for e in stream if isinstance(e, mw.TextDelta)]
        assert "".join(deltas) == stream.response.text
        assert "hello" in stream.response.text.lower()

        first = client.create(input="use get_weather please", tools=[get_weather])
        assert first.stop_reason == "tool_use"
        [call] = first.tool_calls
        assert call.name == "get_weather"
        history: list[mw.Item] = [
            mw.Message(role="user", content="use get_weather please"),
            *first.items,
            mw.ToolResult(call_id=call.id, output=get_weather(**call.arguments), name=call.name),
        ]
        second = client.create(input=history, tools=[get_weather])
        assert "sunny in" in second.text
        assert second.stop_reason == "end_turn"

    sent = [
        r
        for r in server.requests
        if r.json is not None and r.route in ("responses", "chat", "messages", "chatgpt")
    ]
    assert len(sent) == 3
    for request in sent:
        assert request.status == 200
        if provider == "claude":
            assert request.headers["anthropic-beta"] == "oauth-2025-04-20"
            assert "x-api-key" not in request.headers
            assert "Claude Code" not in str(request.json.get("system"))
        if provider == "chatgpt":
            assert request.route == "chatgpt"
            assert request.json["store"] is False
            assert request.headers["chatgpt-account-id"] == server.identity.chatgpt_account_id


@pytest.mark.parametrize(("api", "provider"), [("responses", "chatgpt"), ("messages", "claude")])
async def test_async_clients_sign_in_too(
    api: str, provider: str, server: FakeServer, file_store: FileStore
) -> None:
    async with client_for(provider, api, file_store, is_async=True) as client:
        response = await client.create(input="Say hello", instructions="Be brief.")
    assert "hello" in response.text.lower()


def test_chatgpt_without_instructions_or_with_refused_fields(
    server: FakeServer, file_store: FileStore
) -> None:
    sign_in("chatgpt", file_store)
    with mw.Client("chatgpt") as client:
        response = client.create(input="Say hello", max_output_tokens=64, temperature=0.5)
    assert "hello" in response.text.lower()
    [request] = server.requests_to("chatgpt")
    assert request.json["instructions"] == ""
    assert "max_output_tokens" not in request.json
    assert "temperature" not in request.json


@pytest.mark.parametrize(("api", "provider"), INVALID_PAIRS)
def test_invalid_pairs_fail_locally(
    api: str, provider: str, server: FakeServer, file_store: FileStore
) -> None:
    with pytest.raises(mw.ConfigurationError, match=f"does not serve the {api} API"):
        client_for(provider, api, file_store)
    calls_before = len(server.requests)
    auth = {"chatgpt": ChatGPTAuth, "claude": ClaudeAuth}.get(provider)
    if auth is not None:
        # The same credentials handed to a provider that does speak the API: refused too.
        other = {"responses": "openai", "chat": "openai", "messages": "anthropic"}[api]
        with pytest.raises(mw.ConfigurationError, match=f"cannot call the {api} API"):
            mw.Client(other, api=api, auth=auth(store=file_store))  # type: ignore[arg-type]
    assert len(server.requests) == calls_before


def test_sign_in_tokens_are_refused_for_another_provider_of_the_same_api(
    server: FakeServer, file_store: FileStore
) -> None:
    sign_in("chatgpt", file_store)
    calls_before = len(server.requests)
    with pytest.raises(mw.ConfigurationError, match="only work with provider='chatgpt'"):
        mw.Client("openai", api="responses", auth=ChatGPTAuth(store=file_store))
    assert len(server.requests) == calls_before
