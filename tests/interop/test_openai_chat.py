"""The official ``openai`` SDK's Chat Completions client against the emulator: create, stream, the
stream helper, tool loops that append the SDK's own message, and reasoning replay."""

from __future__ import annotations

import json
from typing import Any

import openai
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from modelwire.testing import FakeServer, Script

from .strict import strict

WEATHER: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather of a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def test_create(openai_client: openai.OpenAI) -> None:
    completion = openai_client.chat.completions.create(
        model="gpt-5", messages=[{"role": "user", "content": "hello there"}]
    )

    [choice] = completion.choices
    assert choice.message.content == "You said: hello there"
    assert choice.finish_reason == "stop"
    strict(ChatCompletion, completion.model_dump(mode="json", exclude_unset=True))


def test_stream(openai_client: openai.OpenAI) -> None:
    chunks = list(
        openai_client.chat.completions.create(
            model="gpt-5",
            messages=[{"role": "user", "content": "hello there"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )

    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "You said: hello there"
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 4
    for chunk in chunks:
        strict(ChatCompletionChunk, chunk.model_dump(mode="json", exclude_unset=True))


def test_stream_helper_and_its_final_completion(openai_client: openai.OpenAI) -> None:
    with openai_client.chat.completions.stream(
        model="gpt-5", messages=[{"role": "user", "content": "hello there"}]
    ) as stream:
        deltas = [e.delta for e in stream if e.type == "content.delta"]
        final = stream.get_final_completion()

    assert "".join(deltas) == final.choices[0].message.content == "You said: hello there"


def test_tool_loop_appends_the_sdks_own_message(openai_client: openai.OpenAI) -> None:
    messages: Any = [{"role": "user", "content": "use get_weather"}]
    first = openai_client.chat.completions.create(model="gpt-5", messages=messages, tools=[WEATHER])
    message = first.choices[0].message
    assert message.tool_calls is not None
    [call] = message.tool_calls
    messages.append(message)
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "sunny"})

    second = openai_client.chat.completions.create(
        model="gpt-5", messages=messages, tools=[WEATHER]
    )

    assert first.choices[0].finish_reason == "tool_calls"
    assert json.loads(call.function.arguments) == {"city": "sample city"}  # type: ignore[union-attr]
    assert second.choices[0].message.content == "The tool get_weather returned: sunny"


def test_tool_loop_from_the_stream_helpers_final_message(openai_client: openai.OpenAI) -> None:
    messages: Any = [{"role": "user", "content": "use get_weather"}]
    with openai_client.chat.completions.stream(
        model="gpt-5", messages=messages, tools=[WEATHER]
    ) as stream:
        message = stream.get_final_completion().choices[0].message
    assert message.tool_calls is not None
    messages.append(message)
    messages += [
        {"role": "tool", "tool_call_id": call.id, "content": "rain"} for call in message.tool_calls
    ]

    second = openai_client.chat.completions.create(
        model="gpt-5", messages=messages, tools=[WEATHER]
    )

    assert second.choices[0].message.content == "The tool get_weather returned: rain"


def test_reasoning_content_is_reachable_and_goes_back(openai_client: openai.OpenAI) -> None:
    messages: Any = [{"role": "user", "content": "use get_weather"}]
    first = openai_client.chat.completions.create(
        model="gpt-5", messages=messages, tools=[WEATHER], reasoning_effort="low"
    )
    message = first.choices[0].message
    extra = message.model_extra or {}
    assert extra["reasoning_content"].startswith("The user wrote")
    assert message.tool_calls is not None
    messages.append(message)
    messages.append({"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": "ok"})

    second = openai_client.chat.completions.create(
        model="gpt-5", messages=messages, tools=[WEATHER], reasoning_effort="low"
    )

    assert second.choices[0].message.content == "The tool get_weather returned: ok"


def test_a_refusal_and_its_message_go_back(
    fake_server: FakeServer, openai_client: openai.OpenAI
) -> None:
    fake_server.queue("chat", Script.text("I can't help with that.").stopping("refusal"))
    messages: Any = [{"role": "user", "content": "hi"}]
    first = openai_client.chat.completions.create(model="gpt-5", messages=messages)
    message = first.choices[0].message
    assert message.refusal == "I can't help with that."
    messages += [message, {"role": "user", "content": "why?"}]

    second = openai_client.chat.completions.create(model="gpt-5", messages=messages)

    assert second.choices[0].message.content == "You said: why?"


async def test_async_stream_helper(async_openai_client: openai.AsyncOpenAI) -> None:
    async with async_openai_client.chat.completions.stream(
        model="gpt-5", messages=[{"role": "user", "content": "hello there"}]
    ) as stream:
        final = await stream.get_final_completion()
    assert final.choices[0].message.content == "You said: hello there"
