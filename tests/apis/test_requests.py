"""Request building: the provider-neutral prompt shaped into each API's native, validated body."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

import modelwire as mw
from modelwire.apis.chat.request import build_body as chat_body
from modelwire.apis.ids import anthropic_tool_id, openai_tool_id
from modelwire.apis.messages.request import MessagesOptions
from modelwire.apis.messages.request import build_body as messages_body
from modelwire.apis.responses.request import ResponsesOptions
from modelwire.apis.responses.request import build_body as responses_body
from modelwire.apis.validation import validate_request
from modelwire.common.prompt import Prompt

BUILDERS = {"responses": responses_body, "chat": chat_body, "messages": messages_body}


def weather(city: str, unit: str = "celsius") -> str:
    """Current weather for a city."""
    return f"sunny in {city}"


class Lookup(BaseModel):
    """Look a word up in the dictionary."""

    word: str


def body(api: str, **prompt: Any) -> dict[str, Any]:
    options = prompt.pop("options", None)
    built: dict[str, Any] = BUILDERS[api](Prompt.build(**prompt), options, stream=True)
    validate_request(api, built)
    return built


@pytest.mark.parametrize("api", BUILDERS)
def test_a_plain_prompt_builds_a_valid_body(api: str) -> None:
    built = body(api, model="m", input="hello", instructions="be brief")
    assert built["model"] == "m"
    assert built["stream"] is True


@pytest.mark.parametrize("api", BUILDERS)
def test_tools_from_a_function_and_a_pydantic_model(api: str) -> None:
    built = body(api, model="m", input="hi", tools=[weather, Lookup], tool_choice="lookup")
    names = [t.get("name") or t["function"]["name"] for t in built["tools"]]
    assert names == ["weather", "lookup"]
    first = built["tools"][0]
    schema = first.get("parameters") or first.get("input_schema") or first["function"]["parameters"]
    assert schema["required"] == ["city"]
    assert schema["properties"]["unit"]["default"] == "celsius"


def test_responses_puts_instructions_reasoning_and_encrypted_content_include() -> None:
    built = body(
        "responses",
        model="m",
        input="hi",
        reasoning="high",
        options=ResponsesOptions(reasoning_summary="auto", store=False),
    )
    assert built["reasoning"] == {"effort": "high", "summary": "auto"}
    assert built["include"] == ["reasoning.encrypted_content"]
    assert built["store"] is False


def test_chat_asks_for_usage_in_the_stream() -> None:
    built = body("chat", model="m", input="hi", max_output_tokens=50, stop="END")
    assert built["stream_options"] == {"include_usage": True}
    assert built["max_completion_tokens"] == 50
    assert built["stop"] == ["END"]


def test_messages_requires_max_tokens_and_defaults_it_above_the_thinking_budget() -> None:
    built = body("messages", model="m", input="hi", reasoning="medium")
    assert built["thinking"] == {"type": "enabled", "budget_tokens": 8192}
    assert built["max_tokens"] > 8192


def test_messages_cache_marks_system_tools_and_last_user_turn() -> None:
    built = body(
        "messages",
        model="m",
        input="hi",
        instructions="sys",
        tools=[weather],
        options=MessagesOptions(cache="1h"),
    )
    ephemeral = {"type": "ephemeral", "ttl": "1h"}
    assert built["system"][-1]["cache_control"] == ephemeral
    assert built["tools"][-1]["cache_control"] == ephemeral
    assert built["messages"][-1]["content"][-1]["cache_control"] == ephemeral


def test_messages_disables_parallel_tool_use_through_tool_choice() -> None:
    built = body("messages", model="m", input="hi", tools=[weather], parallel_tool_calls=False)
    assert built["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}


def test_a_thinking_budget_not_below_max_tokens_fails_locally() -> None:
    with pytest.raises(mw.ConfigurationError, match="thinking budget"):
        body("messages", model="m", input="hi", max_output_tokens=1000, reasoning="low")


def test_stop_sequences_on_responses_fail_locally_with_the_reason() -> None:
    with pytest.raises(mw.ConfigurationError, match="no stop sequences"):
        body("responses", model="m", input="hi", stop=["x"])


def test_a_bad_native_option_is_named_by_validation() -> None:
    with pytest.raises(mw.ConfigurationError, match="truncation"):
        body("responses", model="m", input="hi", options=ResponsesOptions(truncation="sideways"))  # type: ignore[arg-type]


def test_tool_choice_must_name_a_given_tool() -> None:
    with pytest.raises(mw.ConfigurationError, match="tool_choice"):
        Prompt.build(model="m", input="hi", tools=[weather], tool_choice="nope")


# Items as they come out of a Messages stream: signed thinking, text, a tool call.
MESSAGES_TURN: list[mw.Item] = [
    mw.Message(role="user", content="weather in Paris?"),
    mw.Reasoning(
        content="need the tool",
        signature="sig==",
        api="messages",
        native={"type": "thinking", "thinking": "need the tool", "signature": "sig=="},
    ),
    mw.ToolCall(
        id="toolu_01A",
        name="weather",
        arguments={"city": "Paris"},
        raw_arguments='{"city": "Paris"}',
        api="messages",
        native={
            "type": "tool_use",
            "id": "toolu_01A",
            "name": "weather",
            "input": {"city": "Paris"},
        },
    ),
    mw.ToolResult(call_id="toolu_01A", output="sunny"),
]


def test_messages_history_replays_signed_thinking_and_tool_use_exactly() -> None:
    built = body("messages", model="m", input=MESSAGES_TURN, reasoning="low")
    assistant = built["messages"][1]
    assert assistant["role"] == "assistant"
    assert assistant["content"] == [MESSAGES_TURN[1].native, MESSAGES_TURN[2].native]  # type: ignore[union-attr]
    assert built["messages"][2]["content"][0] == {
        "type": "tool_result",
        "tool_use_id": "toolu_01A",
        "content": "sunny",
    }


def test_unsigned_thinking_is_never_replayed() -> None:
    unsigned = mw.Reasoning(
        content="cut off", api="messages", native={"type": "thinking", "thinking": "cut off"}
    )
    built = body(
        "messages",
        model="m",
        input=[
            mw.Message(role="user", content="x"),
            unsigned,
            mw.Message(role="assistant", content="ok"),
            mw.Message(role="user", content="go on"),
        ],
    )
    assert [b["type"] for b in built["messages"][1]["content"]] == ["text"]


def test_hand_off_from_messages_to_responses_drops_thinking_and_keeps_the_call() -> None:
    built = body("responses", model="m", input=MESSAGES_TURN)
    kinds = [item.get("type", "message") for item in built["input"]]
    assert kinds == ["message", "function_call", "function_call_output"]
    assert built["input"][1]["call_id"] == built["input"][2]["call_id"] == "toolu_01A"
    assert "id" not in built["input"][1]


def test_hand_off_from_messages_to_chat_groups_the_assistant_turn() -> None:
    built = body("chat", model="m", input=MESSAGES_TURN)
    roles = [m["role"] for m in built["messages"]]
    assert roles == ["user", "assistant", "tool"]
    assert built["messages"][1]["tool_calls"][0]["function"]["arguments"] == '{"city": "Paris"}'


def test_tool_ids_are_mapped_to_what_each_api_accepts() -> None:
    assert anthropic_tool_id("toolu_01A") == "toolu_01A"
    odd = anthropic_tool_id("call.with:odd/chars")
    assert odd != anthropic_tool_id("call.with:odd_chars")
    assert all(c.isalnum() or c in "_-" for c in odd)
    assert openai_tool_id("x" * 60) == openai_tool_id("x" * 60)
    assert len(openai_tool_id("x" * 60)) <= 40
    assert openai_tool_id("call_1") == "call_1"
