"""modelwire's client against a LiteLLM proxy (PyPI `litellm`) answering from its own mocks.

Run by `nox -s stress` (marker ``stress``), which installs the proxy: it is large and takes tens of
seconds to start. What LiteLLM's mocks serve, and so what is tested:

- Chat: text streamed and whole; a mock tool call (whole only: LiteLLM's mock stream drops
  ``mock_tool_calls``) answered with a ToolResult; ``reasoning_content`` (whole only: its mock
  stream of a full mock completion fails inside the proxy).
- Messages: text, whole and streamed: LiteLLM answers a stream request with one
  ``application/json`` Message, which modelwire reads as the whole answer; a hand-written
  tool_use/tool_result history translated by the proxy.
- Responses: text, whole; the proxy's mock Responses stream fails inside the proxy, and the
  modelwire error it becomes (sync and async) is pinned.
"""

from __future__ import annotations

import importlib

import pytest

import modelwire as mw

from .conftest import LiteLLMProxy, make_async_client, make_client

pytestmark = pytest.mark.stress

MOCK_TEXT = "Hello from the LiteLLM mock."
WEATHER_ARGUMENTS = {"city": "Paris", "unit": "celsius"}


def get_weather(city: str, unit: str) -> str:
    """Current weather for a city."""
    return f"sunny in {city}"


def client(proxy: LiteLLMProxy, api: str, **kwargs: object) -> mw.Client:
    return make_client(proxy.server, api, api_key=proxy.master_key, max_retries=0, **kwargs)


def native_model(api: str) -> type:
    model: type = importlib.import_module(f"modelwire.native.{api}").RESPONSE_MODEL
    return model


@pytest.mark.parametrize("api", ["chat", "messages"])
def test_streamed_text(litellm_proxy: LiteLLMProxy, api: str) -> None:
    with (
        client(litellm_proxy, api) as mw_client,
        mw_client.stream(model="mock-text", input="hello") as stream,
    ):
        events = list(stream)
        response = stream.response
    assert response.text == MOCK_TEXT
    assert "".join(e.text for e in events if isinstance(e, mw.TextDelta)) == MOCK_TEXT
    assert response.stop_reason == "end_turn"
    assert isinstance(events[-1], mw.Completed)


@pytest.mark.parametrize("api", ["chat", "messages", "responses"])
def test_whole_text(litellm_proxy: LiteLLMProxy, api: str) -> None:
    with client(litellm_proxy, api) as mw_client:
        response = mw_client.create(model="mock-text", input="hello", stream=False)
    assert response.text == MOCK_TEXT
    assert response.stop_reason == "end_turn"
    assert response.usage.input_tokens
    assert response.usage.output_tokens
    assert isinstance(response.native, native_model(api))


def test_messages_json_answer_to_a_stream_request_is_the_whole_answer(
    litellm_proxy: LiteLLMProxy,
) -> None:
    """LiteLLM's Messages mock answers `stream: true` with `application/json`: create() (which
    streams by default) reads it as the final Message instead of failing on a non-SSE line."""
    with client(litellm_proxy, "messages") as mw_client:
        streamed = mw_client.create(model="mock-text", input="hello")
        whole = mw_client.create(model="mock-text", input="hello", stream=False)
    assert streamed.text == whole.text == MOCK_TEXT
    assert isinstance(streamed.native, native_model("messages"))


def test_chat_tool_round_trip(litellm_proxy: LiteLLMProxy) -> None:
    prompt = "use get_weather"
    with client(litellm_proxy, "chat") as mw_client:
        first = mw_client.create(model="mock-tool", input=prompt, tools=[get_weather], stream=False)
        [call] = first.tool_calls
        assert (call.id, call.name, call.arguments) == (
            "call_weather_1",
            "get_weather",
            WEATHER_ARGUMENTS,
        )
        assert first.stop_reason == "tool_use"
        history: list[mw.Item] = [
            mw.Message(role="user", content=prompt),
            *first.items,
            mw.ToolResult(call_id=call.id, output=get_weather(**call.arguments)),
        ]
        # The mock model always calls the tool; the text model answers the tool result.
        second = mw_client.create(model="mock-text", input=history, tools=[get_weather])
    assert second.text == MOCK_TEXT


def test_messages_tool_history_is_translated_by_the_proxy(litellm_proxy: LiteLLMProxy) -> None:
    call = mw.ToolCall(id="toolu_weather_1", name="get_weather", arguments=WEATHER_ARGUMENTS)
    history: list[mw.Item] = [
        mw.Message(role="user", content="use get_weather"),
        call,
        mw.ToolResult(call_id=call.id, output="sunny in Paris"),
    ]
    with client(litellm_proxy, "messages") as mw_client:
        response = mw_client.create(model="mock-text", input=history, tools=[get_weather])
    assert response.text == MOCK_TEXT


def test_chat_reasoning_content(litellm_proxy: LiteLLMProxy) -> None:
    with client(litellm_proxy, "chat") as mw_client:
        response = mw_client.create(model="mock-reasoning", input="2+2?", stream=False)
    assert response.reasoning == "Two plus two is four."
    assert response.text == "The answer is 4."
    assert (response.usage.input_tokens, response.usage.output_tokens) == (5, 7)
    assert [type(item) for item in response.items] == [mw.Reasoning, mw.Message]


async def test_async_client_streams_chat(litellm_proxy: LiteLLMProxy) -> None:
    async with (
        make_async_client(
            litellm_proxy.server, "chat", api_key=litellm_proxy.master_key, max_retries=0
        ) as mw_client,
        mw_client.stream(model="mock-text", input="hello") as stream,
    ):
        texts = [e.text async for e in stream if isinstance(e, mw.TextDelta)]
    assert "".join(texts) == MOCK_TEXT


# LiteLLM 1.110.2's mock Responses stream fails inside the proxy: it answers `stream: true` with a
# 200 event stream whose only event is `response.failed` (server_error "'ResponsesAPIResponse'
# object has no attribute '__aiter__'"). What modelwire makes of that is pinned here: its own
# in-stream error with the partial Response, never a foreign exception. When a LiteLLM upgrade
# fixes the stream, these fail; the Responses stream should then be tested like the Chat one.
PROXY_STREAM_FAILURE = "'ResponsesAPIResponse' object has no attribute '__aiter__'"


def check_in_stream_failure(error: mw.InternalServerError) -> None:
    assert error.status is None  # reported inside a 200 stream, not by an HTTP status
    assert error.code == "server_error"
    assert PROXY_STREAM_FAILURE in error.message
    assert error.partial is not None
    assert not error.partial.complete
    assert error.partial.text == ""


def test_the_proxys_responses_stream_fails_inside_the_proxy_as_a_modelwire_error(
    litellm_proxy: LiteLLMProxy,
) -> None:
    events: list[mw.Event] = []
    with client(litellm_proxy, "responses") as mw_client:
        with (
            pytest.raises(mw.InternalServerError) as streamed,
            mw_client.stream(model="mock-text", input="hello") as stream,
        ):
            events.extend(stream)
        with pytest.raises(mw.InternalServerError) as created:
            mw_client.create(model="mock-text", input="hello")
    check_in_stream_failure(streamed.value)
    check_in_stream_failure(created.value)
    assert not any(isinstance(event, mw.TextDelta | mw.Completed) for event in events)


async def test_the_proxys_responses_stream_failure_on_the_async_client(
    litellm_proxy: LiteLLMProxy,
) -> None:
    async with make_async_client(
        litellm_proxy.server, "responses", api_key=litellm_proxy.master_key, max_retries=0
    ) as mw_client:
        with pytest.raises(mw.InternalServerError) as caught:
            await mw_client.create(model="mock-text", input="hello")
    check_in_stream_failure(caught.value)
