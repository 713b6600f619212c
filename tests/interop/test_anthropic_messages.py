"""The official ``anthropic`` SDK's Messages client against the emulator: create, stream, the
stream helper, tool loops with the SDK's own content blocks, thinking replay (signed, redacted,
omitted), server tool blocks, count_tokens, and the beta tool runner (message threads)."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest
from anthropic.types import Message, RawMessageStreamEvent

from modelwire.testing import Citation, FakeServer, Script

from .strict import strict

MODEL = "claude-sonnet-4-5"
WEATHER: Any = {
    "name": "get_weather",
    "description": "Weather of a city.",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
THINKING: Any = {"type": "enabled", "budget_tokens": 1024}


def test_create(anthropic_client: anthropic.Anthropic) -> None:
    message = anthropic_client.messages.create(
        model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "hello there"}]
    )

    assert message.content[0].type == "text"
    assert message.content[0].text == "You said: hello there"
    assert message.stop_reason == "end_turn"
    strict(Message, message.model_dump(mode="json", exclude_unset=True))


def test_stream(anthropic_client: anthropic.Anthropic) -> None:
    with anthropic_client.messages.create(
        model=MODEL,
        max_tokens=100,
        messages=[{"role": "user", "content": "hello there"}],
        stream=True,
    ) as events:
        seen = list(events)

    text = "".join(
        e.delta.text
        for e in seen
        if e.type == "content_block_delta" and e.delta.type == "text_delta"
    )
    assert text == "You said: hello there"
    assert [seen[0].type, seen[-1].type] == ["message_start", "message_stop"]
    for event in seen:
        strict(RawMessageStreamEvent, event.model_dump(mode="json", exclude_unset=True))


def test_stream_helper_and_its_final_message(anthropic_client: anthropic.Anthropic) -> None:
    with anthropic_client.messages.stream(
        model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "hello there"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()

    assert text == "You said: hello there"
    assert final.content[0].type == "text"
    assert final.content[0].text == text
    assert final.usage.output_tokens == 4


def test_tool_loop_sends_the_sdks_own_content_back(anthropic_client: anthropic.Anthropic) -> None:
    messages: Any = [{"role": "user", "content": "use get_weather"}]
    first = anthropic_client.messages.create(
        model=MODEL, max_tokens=1000, messages=messages, tools=[WEATHER]
    )
    [call] = [block for block in first.content if block.type == "tool_use"]
    messages.append({"role": "assistant", "content": first.content})
    messages.append(
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "sunny"}],
        }
    )

    second = anthropic_client.messages.create(
        model=MODEL, max_tokens=1000, messages=messages, tools=[WEATHER]
    )

    assert first.stop_reason == "tool_use"
    assert call.input == {"city": "sample city"}
    assert second.content[0].type == "text"
    assert second.content[0].text == "The tool get_weather returned: sunny"


def test_thinking_is_replayed_from_the_stream_helpers_final_message(
    anthropic_client: anthropic.Anthropic,
) -> None:
    messages: Any = [{"role": "user", "content": "use get_weather, redacted please"}]
    options: Any = {"model": MODEL, "max_tokens": 2000, "tools": [WEATHER], "thinking": THINKING}
    with anthropic_client.messages.stream(messages=messages, **options) as stream:
        first = stream.get_final_message()
    assert [block.type for block in first.content] == [
        "thinking",
        "redacted_thinking",
        "tool_use",
    ]
    call = first.content[-1]
    assert call.type == "tool_use"
    messages.append({"role": "assistant", "content": first.content})
    messages.append(
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "sunny"}],
        }
    )

    second = anthropic_client.messages.create(messages=messages, **options)

    assert second.content[-1].type == "text"
    assert second.content[-1].text == "The tool get_weather returned: sunny"


def test_a_tool_turn_without_its_thinking_is_refused(
    anthropic_client: anthropic.Anthropic,
) -> None:
    messages: Any = [{"role": "user", "content": "use get_weather"}]
    options: Any = {"model": MODEL, "max_tokens": 2000, "tools": [WEATHER], "thinking": THINKING}
    first = anthropic_client.messages.create(messages=messages, **options)
    call = first.content[-1]
    assert call.type == "tool_use"
    messages.append({"role": "assistant", "content": [call]})
    messages.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id}]})

    with pytest.raises(
        anthropic.BadRequestError, match="Expected `thinking` or `redacted_thinking`"
    ):
        anthropic_client.messages.create(messages=messages, **options)


def test_omitted_thinking_goes_back_with_its_signature(
    anthropic_client: anthropic.Anthropic,
) -> None:
    thinking: Any = {**THINKING, "display": "omitted"}
    messages: Any = [{"role": "user", "content": "hi"}]
    first = anthropic_client.messages.create(
        model=MODEL, max_tokens=2000, messages=messages, thinking=thinking
    )
    block = first.content[0]
    assert block.type == "thinking"
    assert block.thinking == ""
    assert block.signature
    messages += [
        {"role": "assistant", "content": first.content},
        {"role": "user", "content": "more"},
    ]

    second = anthropic_client.messages.create(
        model=MODEL, max_tokens=2000, messages=messages, thinking=thinking
    )

    assert second.stop_reason == "end_turn"


def test_server_tool_blocks_go_back(
    fake_server: FakeServer, anthropic_client: anthropic.Anthropic
) -> None:
    citation = Citation("https://example.com/cats", "Cats", "cats purr")
    fake_server.queue(
        "messages", Script.web_search("cats") + Script.text("cats purr", citations=[citation])
    )
    messages: Any = [{"role": "user", "content": "search for cats"}]
    first = anthropic_client.messages.create(model=MODEL, max_tokens=1000, messages=messages)
    assert [block.type for block in first.content] == [
        "server_tool_use",
        "web_search_tool_result",
        "text",
    ]
    assert first.usage.server_tool_use is not None
    assert first.usage.server_tool_use.web_search_requests == 1
    strict(Message, first.model_dump(mode="json", exclude_unset=True))
    messages += [
        {"role": "assistant", "content": first.content},
        {"role": "user", "content": "thanks"},
    ]

    second = anthropic_client.messages.create(model=MODEL, max_tokens=1000, messages=messages)

    assert second.content[0].type == "text"


def test_count_tokens(anthropic_client: anthropic.Anthropic) -> None:
    counted = anthropic_client.messages.count_tokens(
        model=MODEL, messages=[{"role": "user", "content": "one two three"}]
    )
    assert counted.input_tokens == 3


def test_the_beta_tool_runner_over_a_message_thread(
    fake_server: FakeServer, anthropic_client: anthropic.Anthropic
) -> None:
    @anthropic.beta_tool
    def get_weather(city: str) -> str:
        """Weather of a city."""
        return f"sunny in {city}"

    runner = anthropic_client.beta.messages.tool_runner(
        model=MODEL,
        max_tokens=1000,
        tools=[get_weather],
        messages=[{"role": "user", "content": "use get_weather"}],
    )
    replies = list(runner)

    assert [reply.stop_reason for reply in replies] == ["tool_use", "end_turn"]
    last = replies[-1].content[-1]
    assert last.type == "text"
    assert last.text == "The tool get_weather returned: sunny in sample city"
    first, second = fake_server.requests_to("messages")
    assert first.json is not None
    assert second.json is not None
    assert first.json["thread"] == {"type": "create"}
    assert second.json["thread"]["type"] == "continue"
    assert len(second.json["messages"]) == 1  # only the new turn: the thread holds the rest


async def test_async_stream_helper(async_anthropic_client: anthropic.AsyncAnthropic) -> None:
    async with async_anthropic_client.messages.stream(
        model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "hello there"}]
    ) as stream:
        final = await stream.get_final_message()
    assert final.content[0].type == "text"
    assert final.content[0].text == "You said: hello there"
