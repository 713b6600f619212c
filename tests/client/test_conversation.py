"""Round trips (collected items sent back reproduce the original blocks exactly) and hand-off
of one conversation between APIs, checked by the embedded server's replay rules."""

from __future__ import annotations

from typing import Any

import modelwire as mw
from modelwire.testing import FakeServer

from .conftest import make_client


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"sunny in {city}"


def last_json(server: FakeServer) -> dict[str, Any]:
    body = server.requests[-1].json
    assert body is not None
    return body


def test_messages_round_trip_replays_thinking_redacted_and_tool_use_exactly(
    fake_server: FakeServer,
) -> None:
    prompt = "use get_weather, redacted please"
    with make_client(fake_server, "messages") as client:
        first = client.create(model="m", input=prompt, tools=[get_weather], reasoning="low")
        assert first.native is not None
        original = first.final["content"] if first.final else []
        assert [b["type"] for b in original] == ["thinking", "redacted_thinking", "tool_use"]
        [call] = first.tool_calls
        history = [
            mw.Message(role="user", content=prompt),
            *first.items,
            mw.ToolResult(call_id=call.id, output="sunny"),
        ]
        second = client.create(model="m", input=history, tools=[get_weather], reasoning="low")
    assert second.text == "The tool get_weather returned: sunny"
    sent = last_json(fake_server)["messages"]
    assert sent[1]["role"] == "assistant"
    assert sent[1]["content"] == original


def test_messages_round_trip_of_signature_only_thinking(fake_server: FakeServer) -> None:
    options = mw.MessagesOptions(thinking_budget=2048, thinking_display="omitted")
    with make_client(fake_server, "messages") as client:
        first = client.create(
            model="m", input="use get_weather", tools=[get_weather], options=options
        )
        [thinking] = [i for i in first.items if isinstance(i, mw.Reasoning)]
        assert thinking.content == ""
        assert thinking.signature
        history = [
            mw.Message(role="user", content="use get_weather"),
            *first.items,
            mw.ToolResult(call_id=first.tool_calls[0].id, output="ok"),
        ]
        second = client.create(model="m", input=history, tools=[get_weather], options=options)
    assert second.complete
    sent = last_json(fake_server)["messages"][1]["content"]
    assert sent == (first.final or {})["content"]


def test_responses_round_trip_replays_reasoning_and_calls_exactly(fake_server: FakeServer) -> None:
    options = mw.ResponsesOptions(reasoning_summary="auto", store=False)
    with make_client(fake_server, "responses") as client:
        first = client.create(
            model="m",
            input="use get_weather",
            tools=[get_weather],
            reasoning="low",
            options=options,
        )
        output = (first.final or {})["output"]
        assert [item["type"] for item in output] == ["reasoning", "function_call"]
        history = [
            mw.Message(role="user", content="use get_weather"),
            *first.items,
            mw.ToolResult(call_id=first.tool_calls[0].id, output="sunny"),
        ]
        second = client.create(
            model="m", input=history, tools=[get_weather], reasoning="low", options=options
        )
    assert second.text == "The tool get_weather returned: sunny"
    sent = last_json(fake_server)["input"]
    reasoning, call = sent[1], sent[2]
    for field in ("id", "type", "summary", "encrypted_content"):
        assert reasoning[field] == output[0][field]
    for field in ("id", "type", "call_id", "name", "arguments"):
        assert call[field] == output[1][field]


def test_chat_round_trip_replays_the_assistant_tool_calls(fake_server: FakeServer) -> None:
    with make_client(fake_server, "chat") as client:
        first = client.create(model="m", input="use get_weather", tools=[get_weather])
        history = [
            mw.Message(role="user", content="use get_weather"),
            *first.items,
            mw.ToolResult(call_id=first.tool_calls[0].id, output="sunny"),
        ]
        second = client.create(model="m", input=history, tools=[get_weather])
    assert second.complete
    original = (first.final or {})["choices"][0]["message"]
    sent = last_json(fake_server)["messages"][1]
    assert sent["tool_calls"] == original["tool_calls"]


def test_a_conversation_moves_from_messages_to_responses_to_chat_and_back(
    fake_server: FakeServer,
) -> None:
    with (
        make_client(fake_server, "messages") as claude,
        make_client(fake_server, "responses") as gpt,
        make_client(fake_server, "chat") as chat,
    ):
        first = claude.create(
            model="m", input="use get_weather", tools=[get_weather], reasoning="low"
        )
        call = first.tool_calls[0]
        history: list[mw.Item] = [
            mw.Message(role="user", content="use get_weather"),
            *first.items,
            mw.ToolResult(call_id=call.id, output="sunny"),
        ]
        on_responses = gpt.create(model="m", input=history, tools=[get_weather])
        assert on_responses.text == "The tool get_weather returned: sunny"
        sent = last_json(fake_server)["input"]
        assert [item.get("type", "message") for item in sent] == [
            "message",
            "function_call",
            "function_call_output",
        ]

        history += [*on_responses.items, mw.Message(role="user", content="and now?")]
        on_chat = chat.create(model="m", input=history, tools=[get_weather])
        assert on_chat.text == "You said: and now?"

        history += [*on_chat.items, mw.Message(role="user", content="back to you")]
        back = claude.create(model="m", input=history, tools=[get_weather], reasoning="low")
        assert back.text == "You said: back to you"
        replayed = last_json(fake_server)["messages"][1]["content"]
        assert replayed[0]["type"] == "thinking"
