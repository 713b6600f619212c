"""mw.Client and mw.AsyncClient over real HTTP against the embedded server, one API at a time."""

from __future__ import annotations

import asyncio
import json

import pytest

import modelwire as mw
from modelwire.testing import FakeServer

from .conftest import make_async_client, make_client

MODEL = {"responses": "gpt-5.1", "chat": "gpt-5.1", "messages": "claude-sonnet-4-5"}


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"sunny in {city}"


def get_time(zone: str) -> str:
    """Current time in a time zone."""
    return f"noon in {zone}"


def test_text_streams_live_and_collects(client: mw.Client, api: str) -> None:
    with client.stream(model=MODEL[api], input="hello there friend") as stream:
        events = list(stream)
    response = stream.response
    assert response.complete
    assert response.text == "You said: hello there friend"
    assert "".join(e.text for e in events if isinstance(e, mw.TextDelta)) == response.text
    assert sum(isinstance(e, mw.TextDelta) for e in events) > 1
    assert isinstance(events[0], mw.RateLimits)
    assert isinstance(events[-1], mw.Completed)
    assert response.stop_reason == "end_turn"
    assert response.usage.input_tokens
    assert response.usage.output_tokens
    assert response.native is not None


def test_reasoning_arrives_as_reasoning_events(client: mw.Client, api: str) -> None:
    options = {
        "responses": mw.ResponsesOptions(reasoning_summary="auto"),
        "chat": None,
        "messages": None,
    }[api]
    response = client.create(
        model=MODEL[api], input="think about it", reasoning="low", options=options
    )
    assert response.reasoning
    assert response.text.startswith("You said:")
    if api != "chat":
        [reasoning] = [i for i in response.items if isinstance(i, mw.Reasoning)]
        assert reasoning.is_signed


def test_tool_round_trip(client: mw.Client, api: str) -> None:
    first = client.create(model=MODEL[api], input="please use get_weather", tools=[get_weather])
    assert first.stop_reason == "tool_use"
    [call] = first.tool_calls
    assert call.name == "get_weather"
    assert call.arguments == {"city": "sample city"}
    history = [
        mw.Message(role="user", content="please use get_weather"),
        *first.items,
        mw.ToolResult(call_id=call.id, output=get_weather(**call.arguments)),
    ]
    second = client.create(model=MODEL[api], input=history, tools=[get_weather])
    assert second.text == "The tool get_weather returned: sunny in sample city"
    assert second.stop_reason == "end_turn"


def test_parallel_tool_calls_are_kept_apart(client: mw.Client, api: str) -> None:
    with client.stream(
        model=MODEL[api], input="use get_weather and get_time", tools=[get_weather, get_time]
    ) as stream:
        events = list(stream)
    calls = stream.response.tool_calls
    assert [c.name for c in calls] == ["get_weather", "get_time"]
    assert calls[0].id != calls[1].id
    started = [e for e in events if isinstance(e, mw.ToolCallStarted)]
    assert [e.id for e in started] == [c.id for c in calls]
    for call in calls:
        fragments = [
            e.delta for e in events if isinstance(e, mw.ToolCallArgumentsDelta) and e.id == call.id
        ]
        assert json.loads("".join(fragments) or "{}") == call.arguments


def test_structured_output_follows_the_schema(client: mw.Client, api: str) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["city", "days"],
    }
    response = client.create(model=MODEL[api], input="plan a trip", output_schema=schema)
    assert set(json.loads(response.text)) == {"city", "days"}


def test_async_client_streams_the_same(fake_server: FakeServer, api: str) -> None:
    async def run() -> tuple[list[mw.Event], mw.Response]:
        async with make_async_client(fake_server, api) as client:
            async with client.stream(model=MODEL[api], input="async hello") as stream:
                events = [event async for event in stream]
            return events, stream.response

    events, response = asyncio.run(run())
    assert response.text == "You said: async hello"
    assert response.complete
    assert isinstance(events[-1], mw.Completed)


def test_async_tool_round_trip(fake_server: FakeServer, api: str) -> None:
    async def run() -> mw.Response:
        async with make_async_client(fake_server, api) as client:
            first = await client.create(
                model=MODEL[api], input="use get_weather", tools=[get_weather]
            )
            [call] = first.tool_calls
            history = [
                mw.Message(role="user", content="use get_weather"),
                *first.items,
                mw.ToolResult(call_id=call.id, output="rainy"),
            ]
            return await client.create(model=MODEL[api], input=history, tools=[get_weather])

    assert asyncio.run(run()).text == "The tool get_weather returned: rainy"


def test_a_bad_option_fails_before_any_request(fake_server: FakeServer, api: str) -> None:
    with make_client(fake_server, api) as client:
        with pytest.raises(mw.ConfigurationError):
            client.stream(model=MODEL[api], input="x", temperature=-3.0)
        with pytest.raises(mw.ConfigurationError, match="tool_choice"):
            client.stream(model=MODEL[api], input="x", tool_choice="nothing")
    assert fake_server.requests == []


def test_options_of_another_api_are_refused_locally(fake_server: FakeServer) -> None:
    with (
        make_client(fake_server, "chat") as client,
        pytest.raises(mw.ConfigurationError, match="ChatOptions"),
    ):
        client.stream(model="m", input="x", options=mw.MessagesOptions(thinking_budget=2048))
    assert fake_server.requests == []


def test_extra_body_and_headers_reach_the_server(fake_server: FakeServer) -> None:
    with make_client(fake_server, "responses") as client:
        client.create(
            model="gpt-5.1",
            input="hi",
            extra_body={"metadata": {"trace": "abc"}},
            extra_headers={"X-Trace": "abc"},
        )
    [request] = fake_server.requests
    assert request.json is not None
    assert request.json["metadata"] == {"trace": "abc"}
    assert request.headers["x-trace"] == "abc"


def test_rate_limit_headers_become_the_first_event(fake_server: FakeServer) -> None:
    client = make_client(fake_server, "messages")
    with client, client.stream(model="claude-sonnet-4-5", input="hi") as stream:
        first = next(iter(stream))
        assert isinstance(first, mw.RateLimits)
        assert first.remaining_requests is not None
        stream.until_done()
