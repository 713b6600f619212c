"""Named unions: importable, tagged by their discriminator, with a typed fallback on the response
side and short, pointed errors on the request side."""

from __future__ import annotations

from typing import Any

import pytest
from modelwire.native import chat, messages, responses
from pydantic import TypeAdapter, ValidationError


@pytest.mark.parametrize(
    ("module", "name"),
    [
        (responses, "OutputItem"),
        (responses, "InputItem"),
        (responses, "Tool"),
        (responses, "ToolParam"),
        (responses, "ResponseStreamEvent"),
        (messages, "ContentBlock"),
        (messages, "ContentBlockParam"),
        (messages, "ContentBlockDelta"),
        (messages, "ToolUnionParam"),
        (messages, "MessageStreamEvent"),
        (chat, "ChatCompletionMessageToolCallUnion"),
    ],
)
def test_named_unions_are_importable(module: Any, name: str) -> None:
    assert getattr(module, name) is not None


def test_an_unknown_output_item_is_its_fallback_and_keeps_every_field() -> None:
    payload = {"type": "hologram_call", "id": "hc_1", "depth": 3}
    item = TypeAdapter(responses.OutputItem).validate_python(payload)
    assert type(item) is responses.UnknownOutputItem
    assert item.type == "hologram_call"
    assert item.model_dump(mode="json") == payload


def test_one_unknown_member_does_not_break_its_parent() -> None:
    completed = responses.ResponseCompletedEvent.model_validate(
        {
            "type": "response.completed",
            "response": {
                "id": "resp_1",
                "object": "response",
                "output": [
                    {"type": "hologram_call", "id": "hc_1"},
                    {"type": "message", "id": "m", "role": "assistant", "status": "completed",
                     "content": [{"type": "output_text", "text": "hi", "annotations": []}]},
                ],
                "tools": [{"type": "teleport", "range": 5}],
            },
        }
    )  # fmt: skip
    output = completed.response.output
    assert output is not None
    assert [type(item).__name__ for item in output] == [
        "UnknownOutputItem",
        "ResponseOutputMessage",
    ]


def test_known_members_still_validate_as_their_own_model() -> None:
    block = TypeAdapter(messages.ContentBlock).validate_python(
        {
            "type": "advisor_tool_result",
            "tool_use_id": "t",
            "content": {"type": "advisor_result", "text": "ok", "stop_reason": "end_turn"},
        }
    )
    assert type(block).__name__ == "AdvisorToolResultBlock"


def test_an_unknown_message_block_and_delta_are_fallbacks() -> None:
    message = messages.Message.model_validate(
        {"type": "message", "id": "m", "role": "assistant", "content": [{"type": "aura", "x": 1}]}
    )
    assert type(message.content[0]).__name__ == "UnknownContentBlock"  # type: ignore[index]
    delta = TypeAdapter(messages.ContentBlockDelta).validate_python({"type": "aura_delta"})
    assert type(delta).__name__ == "UnknownContentBlockDelta"


def test_a_tool_call_without_a_type_is_a_function_call() -> None:
    """Mistral and other compatible hosts send tool calls without `type`."""
    call = TypeAdapter(chat.ChatCompletionMessageToolCallUnion).validate_python(
        {"id": "c1", "function": {"name": "lookup"}}
    )
    assert type(call) is chat.ChatCompletionMessageFunctionToolCall


def request_error(item: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        responses.CreateResponseRequest.model_validate({"model": "m", "input": [item]})
    return caught.value


def test_a_typo_in_a_request_item_field_names_the_member_and_the_field() -> None:
    error = request_error(
        {"type": "function_call", "call_id": "c", "nme": "lookup", "arguments": "{}"}
    )
    located = [e for e in error.errors() if e["loc"][-1] == "nme"]
    assert len(located) == 1
    assert located[0]["loc"][-2] == "function_call"
    assert located[0]["type"] == "extra_forbidden"
    assert error.error_count() <= 3
    assert len(str(error).splitlines()) <= 10


def test_a_typo_in_a_request_item_type_is_one_short_error_listing_the_known_types() -> None:
    error = request_error({"type": "functon_call", "call_id": "c", "name": "n", "arguments": ""})
    tagged = [e for e in error.errors() if e["type"] == "union_tag_invalid"]
    assert len(tagged) == 1
    assert "functon_call" in tagged[0]["msg"]
    assert "'function_call'" in tagged[0]["msg"]
    assert error.error_count() <= 2


def test_a_request_message_without_a_type_is_an_input_message() -> None:
    body = responses.CreateResponseRequest.model_validate(
        {"model": "m", "input": [{"role": "user", "content": "hi"}]}
    )
    assert body.input is not None


@pytest.mark.parametrize(
    "item",
    [
        {"type": "image_generation_call", "id": "ig_1"},
        {"type": "compaction", "id": "cmp_1", "encrypted_content": "e"},
        {"type": "web_search_call", "id": "ws", "status": "completed",
         "action": {"type": "search", "query": "q",
                    "sources": [{"type": "api", "name": "oai-weather"}]}},
    ],
    ids=["image_generation_call-by-id", "compaction", "web_search-api-source"],
)  # fmt: skip
def test_items_received_from_the_server_can_be_sent_back(item: dict[str, Any]) -> None:
    responses.CreateResponseRequest.model_validate({"model": "m", "input": [item]})


def test_a_received_computer_call_can_be_sent_back_as_received() -> None:
    received = {
        "type": "computer_call",
        "id": "cu_1",
        "call_id": "call_1",
        "status": "completed",
        "action": {"type": "click", "button": "left", "x": 1, "y": 2},
        "pending_safety_checks": [],
    }
    item = TypeAdapter(responses.OutputItem).validate_python(received)
    sent = item.model_dump(mode="json", exclude_unset=True)
    responses.CreateResponseRequest.model_validate({"model": "m", "input": [sent]})


def test_the_tool_search_and_advisor_tools_are_accepted() -> None:
    responses.CreateResponseRequest.model_validate(
        {"model": "m", "input": "hi", "tools": [{"type": "tool_search"}]}
    )
    messages.CreateMessageRequest.model_validate(
        {
            "model": "claude",
            "max_tokens": 10,
            "messages": [{"role": "user", "content": "hi"}],
            "tools": [{"type": "advisor_20260301", "name": "advisor", "model": "claude-opus"}],
        }
    )


def test_a_chat_assistant_message_is_sent_back_as_the_sdk_serialises_it() -> None:
    received = chat.ChatCompletionMessage.model_validate(
        {
            "role": "assistant",
            "content": "hi",
            "refusal": None,
            "annotations": [{"type": "url_citation", "url_citation": {
                "url": "https://example.invalid", "title": "t", "start_index": 0, "end_index": 1}}],
            "audio": {"id": "a", "data": "ZGF0YQ==", "expires_at": 1, "transcript": "hi"},
        }
    )  # fmt: skip
    sent = received.model_dump(mode="json")
    chat.CreateChatCompletionRequest.model_validate({"model": "m", "messages": [sent]})


def test_an_anthropic_block_received_can_be_sent_back() -> None:
    block = {
        "type": "advisor_tool_result",
        "tool_use_id": "t",
        "content": {"type": "advisor_result", "text": "ok", "stop_reason": "end_turn"},
    }
    received = messages.Message.model_validate(
        {"type": "message", "id": "m", "role": "assistant", "content": [block]}
    )
    sent = [b.model_dump(mode="json", exclude_unset=True) for b in received.content or []]
    messages.CreateMessageRequest.model_validate(
        {"model": "c", "max_tokens": 5, "messages": [{"role": "assistant", "content": sent}]}
    )
