"""``client.run``: the tool loop, sync, async and streamed, on every API (issue 17 item 3)."""

from __future__ import annotations

import asyncio
from typing import Any

import pydantic
import pytest

import modelwire as mw
from modelwire.testing import FakeServer, Script

from .conftest import make_async_client, make_client


def get_weather(city: str) -> str:
    """Current weather for a city.

    Args:
        city: The city name.
    """
    return f"14 C in {city}"


def get_time(city: str) -> str:
    """Local time in a city."""
    return f"09:00 in {city}"


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def explode(city: str) -> str:
    """A tool that always fails."""
    raise ValueError(f"no station near {city}")


class Forecast(pydantic.BaseModel):
    city: str
    degrees: int


def requests_of(server: FakeServer, api: str) -> list[dict[str, Any]]:
    bodies = [request.json for request in server.requests_to(api)]
    return [body for body in bodies if body is not None]


def test_the_loop_runs_the_tool_and_returns_the_final_answer(
    fake_server: FakeServer, api: str
) -> None:
    with make_client(fake_server, api) as client:
        result = client.run(model="m", input="use get_weather", tools=[get_weather])
    assert result.turns == 2
    assert result.text == "The tool get_weather returned: 14 C in sample city"
    assert result.response.stop_reason == "end_turn"
    assert len(result.responses) == 2
    kinds = [type(item).__name__ for item in result.transcript]
    assert kinds[0] == "Message"
    assert "ToolCall" in kinds
    assert kinds[-2:] == ["ToolResult", "Message"]
    [tool_result] = [item for item in result.transcript if isinstance(item, mw.ToolResult)]
    assert tool_result.output == "14 C in sample city"
    assert not tool_result.is_error


def test_the_transcript_is_the_next_calls_input(fake_server: FakeServer, api: str) -> None:
    with make_client(fake_server, api) as client:
        result = client.run(model="m", input="use get_weather", tools=[get_weather])
        follow_up = mw.Message(role="user", content="thanks")
        again = client.create(model="m", input=[*result.transcript, follow_up], tools=[get_weather])
    assert again.text == "You said: thanks"


def test_the_tool_schema_sent_carries_the_docstring_descriptions(fake_server: FakeServer) -> None:
    with make_client(fake_server, "messages") as client:
        client.run(model="m", input="use get_weather", tools=[get_weather])
    [tool] = requests_of(fake_server, "messages")[0]["tools"]
    assert tool["description"] == "Current weather for a city."
    assert tool["input_schema"]["properties"]["city"]["description"] == "The city name."


def test_parallel_calls_run_in_the_models_order(fake_server: FakeServer, api: str) -> None:
    ran: list[str] = []

    def weather(city: str) -> str:
        ran.append("weather")
        return get_weather(city)

    def time(city: str) -> str:
        ran.append("time")
        return get_time(city)

    weather.__name__, time.__name__ = "get_weather", "get_time"
    with make_client(fake_server, api) as client:
        result = client.run(model="m", input="use get_weather and get_time", tools=[weather, time])
    assert ran == ["weather", "time"]
    results = [item for item in result.transcript if isinstance(item, mw.ToolResult)]
    assert [r.output for r in results] == ["14 C in sample city", "09:00 in sample city"]


def test_arguments_are_validated_and_coerced(fake_server: FakeServer, api: str) -> None:
    fake_server.queue(api, Script.tool_call("add", {"a": "2", "b": 3.0}))
    with make_client(fake_server, api) as client:
        result = client.run(model="m", input="add them", tools=[add])
    [tool_result] = [item for item in result.transcript if isinstance(item, mw.ToolResult)]
    assert tool_result.output == "5"
    assert result.text == "The tool add returned: 5"


def test_invalid_arguments_go_back_to_the_model_as_an_error(
    fake_server: FakeServer, api: str
) -> None:
    fake_server.queue(api, Script.tool_call("add", {"a": "two"}))
    with (
        make_client(fake_server, api) as client,
        client.run_stream(model="m", input="add them", tools=[add]) as stream,
    ):
        executed = [event for event in stream if isinstance(event, mw.ToolExecuted)]
    [event] = executed
    assert event.result.is_error
    assert event.error is None
    assert '"loc": ["a"]' in str(event.result.output)
    assert '"loc": ["b"]' in str(event.result.output)
    assert "call the tool again" in str(event.result.output)
    assert stream.result.turns == 2
    assert stream.result.text.startswith("The tool add returned: invalid arguments for add")


def test_a_tool_exception_goes_back_to_the_model_as_an_error(
    fake_server: FakeServer, api: str
) -> None:
    with (
        make_client(fake_server, api) as client,
        client.run_stream(model="m", input="use explode", tools=[explode]) as stream,
    ):
        [event] = [event for event in stream if isinstance(event, mw.ToolExecuted)]
    assert isinstance(event.error, ValueError)
    assert event.result.is_error
    assert event.result.output == "the tool raised ValueError: no station near sample city"
    last_request = requests_of(fake_server, api)[-1]
    if api == "messages":
        tool_result = last_request["messages"][-1]["content"][0]
        assert tool_result["type"] == "tool_result"
        assert tool_result["is_error"] is True
    assert stream.result.turns == 2


def test_a_call_of_an_unknown_tool_is_answered_with_an_error(fake_server: FakeServer) -> None:
    fake_server.queue("responses", Script.tool_call("get_time", {"city": "Oslo"}))
    with make_client(fake_server, "responses") as client:
        result = client.run(model="m", input="what time", tools=[get_weather])
    [tool_result] = [item for item in result.transcript if isinstance(item, mw.ToolResult)]
    assert tool_result.is_error
    assert tool_result.output == "there is no tool named 'get_time' (tools: get_weather)"


def test_max_turns_raises_with_the_run_so_far(fake_server: FakeServer, api: str) -> None:
    fake_server.always(api, Script.tool_call("get_weather", {"city": "Rome"}))
    with make_client(fake_server, api) as client, pytest.raises(mw.MaxTurnsExceededError) as info:
        client.run(model="m", input="loop", tools=[get_weather], max_turns=3)
    result = info.value.result
    assert info.value.max_turns == 3
    assert result.turns == 3
    assert len(requests_of(fake_server, api)) == 3
    assert isinstance(result.transcript[-1], mw.ToolResult)
    assert result.transcript[-1].output == "14 C in Rome"


def test_output_type_parses_the_final_answer(fake_server: FakeServer, api: str) -> None:
    fake_server.queue(
        api,
        Script.tool_call("get_weather", {"city": "Oslo"}),
        Script.text('{"city": "Oslo", "degrees": "14"}'),
    )
    with make_client(fake_server, api) as client:
        result = client.run(model="m", input="forecast", tools=[get_weather], output_type=Forecast)
    assert result.parsed == Forecast(city="Oslo", degrees=14)
    assert result.response.parsed == result.parsed
    assert all("tools" in body for body in requests_of(fake_server, api))


def test_the_stream_yields_every_turns_events_in_order(fake_server: FakeServer) -> None:
    with (
        make_client(fake_server, "chat") as client,
        client.run_stream(model="m", input="use get_weather", tools=[get_weather]) as stream,
    ):
        events = list(stream)
    kinds = [type(event).__name__ for event in events]
    assert kinds[0] == "TurnStarted"
    executed = kinds.index("ToolExecuted")
    assert kinds.index("ToolCallDone") < executed < kinds.index("TurnStarted", 1)
    assert [e.turn for e in events if isinstance(e, mw.TurnStarted)] == [1, 2]
    assert kinds.count("Completed") == 2
    text = "".join(e.text for e in events if isinstance(e, mw.TextDelta))
    assert text == stream.result.text


def test_the_result_before_the_end_is_an_error(fake_server: FakeServer) -> None:
    with make_client(fake_server, "chat") as client:
        stream = client.run_stream(model="m", input="hi", tools=[get_weather])
        with pytest.raises(mw.ModelwireError):
            _ = stream.result
        stream.close()


def test_a_forced_tool_choice_holds_for_the_first_turn_only(
    fake_server: FakeServer, api: str
) -> None:
    with make_client(fake_server, api) as client:
        result = client.run(
            model="m", input="weather?", tools=[get_weather], tool_choice="required"
        )
    assert result.turns == 2
    first, second = requests_of(fake_server, api)
    assert "tool_choice" in first
    assert "tool_choice" not in second


def test_the_sync_client_refuses_async_tools_before_sending(fake_server: FakeServer) -> None:
    async def slow(city: str) -> str:
        return city

    with make_client(fake_server, "chat") as client, pytest.raises(mw.ConfigurationError):
        client.run(model="m", input="use slow", tools=[slow])
    assert fake_server.requests == []


def test_run_takes_functions_only(fake_server: FakeServer) -> None:
    with make_client(fake_server, "chat") as client, pytest.raises(mw.ConfigurationError):
        client.run(model="m", input="x", tools=[{"name": "t"}])
    with make_client(fake_server, "chat") as client, pytest.raises(mw.ConfigurationError):
        client.run(model="m", input="x", tools=[get_weather], max_turns=0)


def test_a_typo_names_run() -> None:
    unexpected = r"run\(\) got an unexpected keyword argument 'tool'"
    with (
        mw.Client("openai", api_key="sk-x", base_url="http://127.0.0.1:9") as client,
        pytest.raises(TypeError, match=unexpected),
    ):
        client.run(input="x", tool=[get_weather])  # type: ignore[call-overload]


async def test_the_async_loop_runs_parallel_calls_concurrently(
    fake_server: FakeServer, api: str
) -> None:
    weather_started, time_started = asyncio.Event(), asyncio.Event()

    async def get_weather(city: str) -> str:
        """Weather."""
        weather_started.set()
        await time_started.wait()  # only returns if get_time runs at the same time
        return f"rain in {city}"

    async def get_time(city: str) -> str:
        """Time."""
        time_started.set()
        await weather_started.wait()
        return f"noon in {city}"

    async with make_async_client(fake_server, api) as client:
        async with asyncio.timeout(60):  # a safety net: sequential calls would wait forever
            result = await client.run(
                model="m", input="use get_weather and get_time", tools=[get_weather, get_time]
            )
    outputs = [i.output for i in result.transcript if isinstance(i, mw.ToolResult)]
    assert outputs == ["rain in sample city", "noon in sample city"]
    assert result.turns == 2


async def test_the_async_loop_runs_sync_tools_and_streams(fake_server: FakeServer) -> None:
    async with (
        make_async_client(fake_server, "messages") as client,
        client.run_stream(model="m", input="use get_weather", tools=[get_weather]) as stream,
    ):
        events = [event async for event in stream]
    assert sum(isinstance(e, mw.TurnStarted) for e in events) == 2
    assert stream.result.text == "The tool get_weather returned: 14 C in sample city"


async def test_the_async_loop_reports_an_async_tools_exception(fake_server: FakeServer) -> None:
    async def get_weather(city: str) -> str:
        """Weather."""
        raise RuntimeError("station offline")

    async with make_async_client(fake_server, "responses") as client:
        result = await client.run(model="m", input="use get_weather", tools=[get_weather])
    [tool_result] = [i for i in result.transcript if isinstance(i, mw.ToolResult)]
    assert tool_result.is_error
    assert tool_result.output == "the tool raised RuntimeError: station offline"
