"""modelwire's client against llm-mock-api (PyPI): Responses, Chat and Messages, streamed and
whole (``create(stream=False)``: one JSON body).

llm-mock-api is a Python port of llm-mock-server by other authors; its answers come from the rules
in llm_mock_api_server.py. It sends reasoning on Responses (a summary) and Messages (an unsigned
thinking block), not on Chat.
"""

from __future__ import annotations

import importlib

import pytest

import modelwire as mw

from . import llm_mock_api_server as rules
from .conftest import make_async_client, make_client
from .servers import ServerProcess

APIS = ("responses", "chat", "messages")
#: The APIs on which llm-mock-api sends reasoning.
REASONING_APIS = ("responses", "messages")


def get_weather(city: str, unit: str) -> str:
    """Current weather for a city."""
    return f"sunny in {city}"


def get_time(zone: str) -> str:
    """Current time in a zone."""
    return f"noon in {zone}"


def response_model(api: str) -> type:
    """The generated model of the API's final object (Response, ChatCompletion, Message)."""
    model: type = importlib.import_module(f"modelwire.native.{api}").RESPONSE_MODEL
    return model


def streamed(client: mw.Client, **call: object) -> tuple[list[mw.Event], mw.Response]:
    with client.stream(model="mock-model", **call) as stream:  # type: ignore[arg-type]
        events = list(stream)
        return events, stream.response


@pytest.mark.parametrize("api", APIS)
def test_text_arrives_in_deltas_and_collects(llm_mock_api: ServerProcess, api: str) -> None:
    with make_client(llm_mock_api, api) as client:
        events, response = streamed(client, input="hello there")
    deltas = [e.text for e in events if isinstance(e, mw.TextDelta)]
    assert len(deltas) > 1
    assert "".join(deltas) == response.text == rules.ECHO_PREFIX + "hello there"
    assert isinstance(events[0], mw.Created)
    assert isinstance(events[-1], mw.Completed)
    assert response.stop_reason == "end_turn"
    assert response.usage.input_tokens == 10
    assert response.usage.output_tokens == 5
    assert response.id
    assert response.native is not None
    [message] = [item for item in response.items if isinstance(item, mw.Message)]
    assert message.text == response.text


@pytest.mark.parametrize("api", REASONING_APIS)
def test_reasoning_comes_before_the_text(llm_mock_api: ServerProcess, api: str) -> None:
    with make_client(llm_mock_api, api) as client:
        events, response = streamed(client, input="tell me a joke")
    assert response.reasoning == rules.REASONING
    assert response.text == rules.JOKE
    reasoning_deltas = [e for e in events if isinstance(e, mw.ReasoningDelta)]
    first_text = next(i for i, e in enumerate(events) if isinstance(e, mw.TextDelta))
    assert reasoning_deltas
    assert events.index(reasoning_deltas[-1]) < first_text
    [reasoning] = [item for item in response.items if isinstance(item, mw.Reasoning)]
    assert reasoning.text == rules.REASONING


def test_chat_answer_has_no_reasoning(llm_mock_api: ServerProcess) -> None:
    """The same rule on Chat: llm-mock-api drops the reasoning there, and so nothing is made up."""
    with make_client(llm_mock_api, "chat") as client:
        events, response = streamed(client, input="tell me a joke")
    assert response.text == rules.JOKE
    assert response.reasoning == ""
    assert not [e for e in events if isinstance(e, mw.ReasoningDelta)]


@pytest.mark.parametrize("api", APIS)
def test_tool_round_trip(llm_mock_api: ServerProcess, api: str) -> None:
    prompt = "please use get_weather"
    with make_client(llm_mock_api, api) as client:
        events, first = streamed(client, input=prompt, tools=[get_weather])
        [call] = first.tool_calls
        assert call.name == "get_weather"
        assert call.arguments == rules.WEATHER_ARGUMENTS
        assert first.text == rules.WEATHER_PREFACE
        assert first.stop_reason == "tool_use"
        assert [e.id for e in events if isinstance(e, mw.ToolCallStarted)] == [call.id]
        [done] = [e for e in events if isinstance(e, mw.ToolCallDone)]
        assert done.arguments == rules.WEATHER_ARGUMENTS
        history: list[mw.Item] = [
            mw.Message(role="user", content=prompt),
            *first.items,
            mw.ToolResult(call_id=call.id, output=get_weather(**call.arguments)),
        ]
        _, second = streamed(client, input=history, tools=[get_weather])
    assert second.text == rules.TOOL_RESULT_PREFIX + "sunny in Paris"
    assert second.stop_reason == "end_turn"


@pytest.mark.parametrize("api", APIS)
def test_parallel_tool_calls_are_kept_apart(llm_mock_api: ServerProcess, api: str) -> None:
    prompt = "use get_weather and get_time"
    with make_client(llm_mock_api, api) as client:
        _, first = streamed(client, input=prompt, tools=[get_weather, get_time])
        assert [(c.name, c.arguments) for c in first.tool_calls] == [
            ("get_weather", rules.WEATHER_ARGUMENTS),
            ("get_time", rules.TIME_ARGUMENTS),
        ]
        assert len({c.id for c in first.tool_calls}) == 2
        results = [
            mw.ToolResult(call_id=call.id, output=f"{call.name} done") for call in first.tool_calls
        ]
        history: list[mw.Item] = [mw.Message(role="user", content=prompt), *first.items, *results]
        _, second = streamed(client, input=history, tools=[get_weather, get_time])
    # The package echoes the last result it parsed (Messages: all results of the turn, joined).
    assert second.text.startswith(rules.TOOL_RESULT_PREFIX)
    assert second.text.endswith("get_time done")


@pytest.mark.parametrize("api", APIS)
async def test_async_client_streams_the_same(llm_mock_api: ServerProcess, api: str) -> None:
    async with (
        make_async_client(llm_mock_api, api) as client,
        client.stream(model="mock-model", input="hello async") as stream,
    ):
        texts = [e.text async for e in stream if isinstance(e, mw.TextDelta)]
        response = stream.response
    assert "".join(texts) == response.text == rules.ECHO_PREFIX + "hello async"


@pytest.mark.parametrize("api", APIS)
def test_rate_limit_answer_is_a_rate_limit_error(llm_mock_api: ServerProcess, api: str) -> None:
    with (
        make_client(llm_mock_api, api, max_retries=0) as client,
        pytest.raises(mw.RateLimitError) as caught,
    ):
        client.create(model="mock-model", input=rules.RATE_LIMIT_PROMPT)
    assert caught.value.status == 429


@pytest.mark.parametrize("api", APIS)
def test_server_error_answer_is_an_internal_server_error(
    llm_mock_api: ServerProcess, api: str
) -> None:
    with (
        make_client(llm_mock_api, api, max_retries=0) as client,
        pytest.raises(mw.InternalServerError) as caught,
    ):
        client.create(model="mock-model", input=rules.SERVER_ERROR_PROMPT)
    assert caught.value.status == 500


# Whole answers: create(stream=False) sends a request without `stream` and decodes the JSON body.


@pytest.mark.parametrize("api", APIS)
def test_whole_text_decodes_into_the_same_response(llm_mock_api: ServerProcess, api: str) -> None:
    with make_client(llm_mock_api, api) as client:
        whole = client.create(model="mock-model", input="hello whole", stream=False)
        _, streamed_answer = streamed(client, input="hello whole")
    assert whole.text == streamed_answer.text == rules.ECHO_PREFIX + "hello whole"
    assert whole.stop_reason == streamed_answer.stop_reason == "end_turn"
    assert whole.usage.input_tokens == streamed_answer.usage.input_tokens == 10
    assert whole.usage.output_tokens == streamed_answer.usage.output_tokens == 5
    assert isinstance(whole.native, response_model(api))
    assert isinstance(streamed_answer.native, response_model(api))
    assert whole.id
    assert [type(item) for item in whole.items] == [mw.Message]


@pytest.mark.parametrize("api", REASONING_APIS)
def test_whole_reasoning(llm_mock_api: ServerProcess, api: str) -> None:
    with make_client(llm_mock_api, api) as client:
        response = client.create(model="mock-model", input="tell me a joke", stream=False)
    assert response.reasoning == rules.REASONING
    assert response.text == rules.JOKE
    assert [type(item) for item in response.items] == [mw.Reasoning, mw.Message]


@pytest.mark.parametrize("api", APIS)
def test_whole_tool_round_trip(llm_mock_api: ServerProcess, api: str) -> None:
    prompt = "please use get_weather"
    with make_client(llm_mock_api, api) as client:
        first = client.create(model="mock-model", input=prompt, tools=[get_weather], stream=False)
        [call] = first.tool_calls
        assert (call.name, call.arguments) == ("get_weather", rules.WEATHER_ARGUMENTS)
        assert call.raw_arguments
        assert first.text == rules.WEATHER_PREFACE
        assert first.stop_reason == "tool_use"
        history: list[mw.Item] = [
            mw.Message(role="user", content=prompt),
            *first.items,
            mw.ToolResult(call_id=call.id, output=get_weather(**call.arguments)),
        ]
        second = client.create(model="mock-model", input=history, tools=[get_weather], stream=False)
    assert second.text == rules.TOOL_RESULT_PREFIX + "sunny in Paris"


@pytest.mark.parametrize("api", APIS)
def test_whole_parallel_tool_calls(llm_mock_api: ServerProcess, api: str) -> None:
    with make_client(llm_mock_api, api) as client:
        response = client.create(
            model="mock-model",
            input="use get_weather and get_time",
            tools=[get_weather, get_time],
            stream=False,
        )
    assert [(c.name, c.arguments) for c in response.tool_calls] == [
        ("get_weather", rules.WEATHER_ARGUMENTS),
        ("get_time", rules.TIME_ARGUMENTS),
    ]


@pytest.mark.parametrize("api", APIS)
async def test_whole_answer_with_the_async_client(llm_mock_api: ServerProcess, api: str) -> None:
    async with make_async_client(llm_mock_api, api) as client:
        response = await client.create(model="mock-model", input="hello async", stream=False)
    assert response.text == rules.ECHO_PREFIX + "hello async"
    assert isinstance(response.native, response_model(api))


@pytest.mark.parametrize("api", APIS)
def test_whole_rate_limit_answer_is_a_rate_limit_error(
    llm_mock_api: ServerProcess, api: str
) -> None:
    with (
        make_client(llm_mock_api, api, max_retries=0) as client,
        pytest.raises(mw.RateLimitError) as caught,
    ):
        client.create(model="mock-model", input=rules.RATE_LIMIT_PROMPT, stream=False)
    assert caught.value.status == 429


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "whole"])
@pytest.mark.parametrize("api", REASONING_APIS)
def test_reasoning_then_tool_call_round_trip(
    llm_mock_api: ServerProcess, api: str, stream: bool
) -> None:
    """Reasoning the server did not sign (no signature, no encrypted_content) before a tool call:
    collected, and the history with it is accepted in the next turn."""
    prompt = "think, then use get_weather"
    with make_client(llm_mock_api, api) as client:
        first = client.create(model="mock-model", input=prompt, tools=[get_weather], stream=stream)
        assert first.reasoning == rules.REASONING_BEFORE_TOOL
        assert isinstance(first.items[0], mw.Reasoning)
        [call] = first.tool_calls
        assert first.stop_reason == "tool_use"
        history: list[mw.Item] = [
            mw.Message(role="user", content=prompt),
            *first.items,
            mw.ToolResult(call_id=call.id, output=get_weather(**call.arguments)),
        ]
        second = client.create(
            model="mock-model", input=history, tools=[get_weather], stream=stream
        )
    assert second.text == rules.TOOL_RESULT_PREFIX + "sunny in Paris"
