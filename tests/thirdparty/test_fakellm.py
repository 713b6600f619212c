"""modelwire's client against fakellm (PyPI): Chat and Messages, streamed and whole
(``create(stream=False)``).

fakellm is a mock server by other authors, driven by the rules in fakellm.yaml. It streams text a
word per delta and tool arguments in several fragments; it has no reasoning and no Responses API.
Each test sends its own ``X-Fakellm-Conversation-Id``, so fakellm's memory of earlier tool results
in a conversation cannot carry over from one test to another.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest

import modelwire as mw

from .conftest import make_async_client, make_client
from .servers import ServerProcess

APIS = ("chat", "messages")
GREETING = "Hi there! This is a mock response from fakellm."
WEATHER_ARGUMENTS = {"city": "Paris", "unit": "celsius"}
TIME_ARGUMENTS = {"zone": "Europe/Paris"}


def get_weather(city: str, unit: str) -> str:
    """Current weather for a city."""
    return f"sunny in {city}"


def get_time(zone: str) -> str:
    """Current time in a zone."""
    return f"noon in {zone}"


def client_for(server: ServerProcess, api: str, conversation_id: str, **kwargs: Any) -> mw.Client:
    return make_client(
        server, api, default_headers={"X-Fakellm-Conversation-Id": conversation_id}, **kwargs
    )


def streamed(client: mw.Client, **call: object) -> tuple[list[mw.Event], mw.Response]:
    with client.stream(model="mock-model", **call) as stream:  # type: ignore[arg-type]
        events = list(stream)
        return events, stream.response


@pytest.mark.parametrize("api", APIS)
def test_text_arrives_word_by_word(fakellm: ServerProcess, api: str, conversation_id: str) -> None:
    with client_for(fakellm, api, conversation_id) as client:
        events, response = streamed(client, input="hello fakellm")
    deltas = [e.text for e in events if isinstance(e, mw.TextDelta)]
    assert len(deltas) == len(GREETING.split(" "))
    assert "".join(deltas) == response.text == GREETING
    assert response.stop_reason == "end_turn"
    assert isinstance(events[-1], mw.Completed)
    assert response.id


def test_messages_usage_comes_from_the_stream(fakellm: ServerProcess, conversation_id: str) -> None:
    with client_for(fakellm, "messages", conversation_id) as client:
        _, response = streamed(client, input="hello fakellm")
    # fakellm's message_start says 1 input token; message_delta counts len(text) // 4 output.
    assert response.usage.input_tokens == 1
    assert response.usage.output_tokens == len(GREETING) // 4


def test_chat_stream_without_usage_leaves_usage_unknown(
    fakellm: ServerProcess, conversation_id: str
) -> None:
    """fakellm's Chat stream has no usage chunk: the counts stay None rather than a made-up 0."""
    with client_for(fakellm, "chat", conversation_id) as client:
        _, response = streamed(client, input="hello fakellm")
    assert response.usage.input_tokens is None
    assert response.usage.output_tokens is None


@pytest.mark.parametrize("api", APIS)
def test_deterministic_echo_for_an_unmatched_prompt(
    fakellm: ServerProcess, api: str, conversation_id: str
) -> None:
    with client_for(fakellm, api, conversation_id) as client:
        _, first = streamed(client, input="no rule matches this")
        _, again = streamed(client, input="no rule matches this")
    assert first.text
    assert first.text == again.text


@pytest.mark.parametrize("api", APIS)
def test_tool_round_trip(fakellm: ServerProcess, api: str, conversation_id: str) -> None:
    prompt = "use get_weather"
    with client_for(fakellm, api, conversation_id) as client:
        events, first = streamed(client, input=prompt, tools=[get_weather])
        [call] = first.tool_calls
        assert (call.name, call.arguments) == ("get_weather", WEATHER_ARGUMENTS)
        assert first.stop_reason == "tool_use"
        fragments = [e for e in events if isinstance(e, mw.ToolCallArgumentsDelta)]
        assert len(fragments) > 1  # fakellm splits the arguments JSON
        history: list[mw.Item] = [
            mw.Message(role="user", content=prompt),
            *first.items,
            mw.ToolResult(call_id=call.id, output=get_weather(**call.arguments)),
        ]
        _, second = streamed(client, input=history, tools=[get_weather])
    assert second.text == "The weather tool says: sunny in Paris."
    assert second.stop_reason == "end_turn"


@pytest.mark.parametrize("api", APIS)
def test_parallel_tool_calls_are_kept_apart(
    fakellm: ServerProcess, api: str, conversation_id: str
) -> None:
    with client_for(fakellm, api, conversation_id) as client:
        events, response = streamed(
            client, input="use get_weather and get_time", tools=[get_weather, get_time]
        )
    assert [(c.name, c.arguments) for c in response.tool_calls] == [
        ("get_weather", WEATHER_ARGUMENTS),
        ("get_time", TIME_ARGUMENTS),
    ]
    assert len({c.id for c in response.tool_calls}) == 2
    done = [e for e in events if isinstance(e, mw.ToolCallDone)]
    assert [e.id for e in done] == [c.id for c in response.tool_calls]


@pytest.mark.parametrize("api", APIS)
async def test_async_client_streams_the_same(
    fakellm: ServerProcess, api: str, conversation_id: str
) -> None:
    async with (
        make_async_client(
            fakellm, api, default_headers={"X-Fakellm-Conversation-Id": conversation_id}
        ) as client,
        client.stream(model="mock-model", input="hello async") as stream,
    ):
        texts = [e.text async for e in stream if isinstance(e, mw.TextDelta)]
        response = stream.response
    assert "".join(texts) == response.text == GREETING


# Whole answers: create(stream=False). fakellm counts tokens itself on these (an approximation).


@pytest.mark.parametrize("api", APIS)
def test_whole_text(fakellm: ServerProcess, api: str, conversation_id: str) -> None:
    with client_for(fakellm, api, conversation_id) as client:
        response = client.create(model="mock-model", input="hello whole", stream=False)
    assert response.text == GREETING
    assert response.stop_reason == "end_turn"
    assert response.usage.input_tokens is not None
    assert response.usage.input_tokens > 0
    assert response.usage.output_tokens is not None
    assert response.usage.output_tokens > 0
    model = importlib.import_module(f"modelwire.native.{api}").RESPONSE_MODEL
    assert isinstance(response.native, model)


@pytest.mark.parametrize("api", APIS)
def test_whole_tool_round_trip(fakellm: ServerProcess, api: str, conversation_id: str) -> None:
    prompt = "use get_weather"
    with client_for(fakellm, api, conversation_id) as client:
        first = client.create(model="mock-model", input=prompt, tools=[get_weather], stream=False)
        [call] = first.tool_calls
        assert (call.name, call.arguments) == ("get_weather", WEATHER_ARGUMENTS)
        assert first.stop_reason == "tool_use"
        history: list[mw.Item] = [
            mw.Message(role="user", content=prompt),
            *first.items,
            mw.ToolResult(call_id=call.id, output=get_weather(**call.arguments)),
        ]
        second = client.create(model="mock-model", input=history, tools=[get_weather], stream=False)
    assert second.text == "The weather tool says: sunny in Paris."


@pytest.mark.parametrize("api", APIS)
def test_whole_parallel_tool_calls(fakellm: ServerProcess, api: str, conversation_id: str) -> None:
    with client_for(fakellm, api, conversation_id) as client:
        response = client.create(
            model="mock-model",
            input="use get_weather and get_time",
            tools=[get_weather, get_time],
            stream=False,
        )
    assert [(c.name, c.arguments) for c in response.tool_calls] == [
        ("get_weather", WEATHER_ARGUMENTS),
        ("get_time", TIME_ARGUMENTS),
    ]


@pytest.mark.parametrize(
    ("prompt", "error", "status"),
    [
        ("please rate limit me", mw.RateLimitError, 429),
        ("please fail", mw.InternalServerError, 500),
    ],
)
@pytest.mark.parametrize("api", APIS)
def test_whole_error_statuses_map_to_typed_errors(
    fakellm: ServerProcess,
    api: str,
    conversation_id: str,
    prompt: str,
    error: type[mw.APIError],
    status: int,
) -> None:
    """fakellm sends its error statuses only on non-streaming requests."""
    with (
        client_for(fakellm, api, conversation_id, max_retries=0) as client,
        pytest.raises(error) as caught,
    ):
        client.create(model="mock-model", input=prompt, stream=False)
    assert caught.value.status == status
    assert "(mock)" in str(caught.value)


@pytest.mark.parametrize("api", APIS)
async def test_whole_answer_with_the_async_client(
    fakellm: ServerProcess, api: str, conversation_id: str
) -> None:
    async with make_async_client(
        fakellm, api, default_headers={"X-Fakellm-Conversation-Id": conversation_id}
    ) as client:
        response = await client.create(model="mock-model", input="hello async", stream=False)
    assert response.text == GREETING
