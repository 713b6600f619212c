"""An Anthropic Messages ``message`` body: one behaviour per test, checked against the stream path
where a stream can say the same thing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from modelwire.native import messages as native

import modelwire as mw
from modelwire.bodies import BodyDecodeError, decode_body

MESSAGE_ID = "msg_01BodyT3st000000000000001"


def message(*content: dict[str, Any], stop_reason: Any = "end_turn", **fields: Any) -> Any:
    return {
        "id": MESSAGE_ID,
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": list(content),
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 10,
            "cache_creation_input_tokens": 2,
            "cache_read_input_tokens": 30,
            "output_tokens": 7,
        },
        **fields,
    }


def sse(*payloads: dict[str, Any]) -> bytes:
    return b"".join(f"event: {p['type']}\ndata: {json.dumps(p)}\n\n".encode() for p in payloads)


def streamed_tool_input(partial_json: str) -> mw.Response:
    """A stream whose one tool_use block's input arrives as ``partial_json``."""
    start = message(stop_reason=None)
    block = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}
    return mw.collect(
        mw.decode(
            "messages",
            [
                sse(
                    {"type": "message_start", "message": start},
                    {"type": "content_block_start", "index": 0, "content_block": block},
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "input_json_delta", "partial_json": partial_json},
                    },
                    {"type": "content_block_stop", "index": 0},
                    {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {}},
                    {"type": "message_stop"},
                )
            ],
        )
    )


def test_an_error_body_raises_the_typed_error_the_stream_error_event_raises() -> None:
    body = {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
        "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy",
    }
    with pytest.raises(mw.OverloadedError) as from_body:
        decode_body("messages", json.dumps(body))
    with pytest.raises(mw.OverloadedError) as from_stream:
        list(mw.decode("messages", [sse(body)]))
    assert str(from_body.value) == str(from_stream.value)
    assert from_body.value.request_id == "req_011CSHoEeqs5C35K2UUqR7Fy"
    assert from_body.value.native == body


def test_a_prompt_too_long_error_is_a_context_window_error() -> None:
    body = {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "message": "prompt is too long: 210000 tokens > 200000 maximum",
        },
    }
    with pytest.raises(mw.ContextWindowExceededError):
        decode_body("messages", body)


def test_unknown_block_types_stay_in_native_and_make_no_item() -> None:
    scratch = {"type": "scratchpad", "note": "private"}
    body = message(scratch, {"type": "text", "text": "Plan ready."})
    decoded = decode_body("messages", body)
    assert decoded.text == "Plan ready."
    assert [item.type for item in decoded.items] == ["message"]
    assert decoded.final is not None
    assert decoded.final["content"][0] == scratch


def test_usage_adds_cache_reads_and_writes_to_input_tokens() -> None:
    decoded = decode_body("messages", message({"type": "text", "text": "Hi"}))
    assert decoded.usage.input_tokens == 42
    assert decoded.usage.cached_input_tokens == 30
    assert isinstance(decoded.usage.native, native.Usage)


def test_signed_thinking_is_kept_for_sending_back() -> None:
    thinking = {"type": "thinking", "thinking": "Let me see.", "signature": "EqQBCgIYAhIM"}
    decoded = decode_body("messages", message(thinking, {"type": "text", "text": "Yes."}))
    reasoning = decoded.items[0]
    assert isinstance(reasoning, mw.Reasoning)
    assert (reasoning.content, reasoning.signature, reasoning.native) == (
        "Let me see.",
        "EqQBCgIYAhIM",
        thinking,
    )
    assert decoded.reasoning == "Let me see."


def test_thinking_without_a_signature_goes_back_with_an_empty_one_like_the_streams() -> None:
    decoded = decode_body("messages", message({"type": "thinking", "thinking": "Hm."}))
    reasoning = decoded.items[0]
    assert isinstance(reasoning, mw.Reasoning)
    assert reasoning.signature is None
    assert reasoning.native == {"type": "thinking", "thinking": "Hm.", "signature": ""}


def test_redacted_thinking_keeps_its_data() -> None:
    decoded = decode_body("messages", message({"type": "redacted_thinking", "data": "EmwKAhgB"}))
    reasoning = decoded.items[0]
    assert isinstance(reasoning, mw.Reasoning)
    assert reasoning.redacted_data == "EmwKAhgB"
    assert reasoning.is_signed


def test_a_tool_use_block_is_a_tool_call_and_stops_for_tool_use() -> None:
    block = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Oslo"}}
    decoded = decode_body("messages", message(block, stop_reason="tool_use"))
    (call,) = decoded.tool_calls
    assert (call.id, call.name, call.arguments) == ("toolu_1", "get_weather", {"city": "Oslo"})
    assert json.loads(call.raw_arguments) == {"city": "Oslo"}
    assert call.native == block
    assert decoded.stop_reason == "tool_use"


def test_tool_input_sent_as_unparsable_text_is_handled_as_on_the_stream_path() -> None:
    block = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": '{"city": "Os'}
    (call,) = decode_body("messages", message(block, stop_reason="tool_use")).tool_calls
    (expected,) = streamed_tool_input('{"city": "Os').tool_calls
    assert (call.arguments, call.raw_arguments, call.arguments_error) == (
        expected.arguments,
        expected.raw_arguments,
        expected.arguments_error,
    )
    assert call.arguments_error is not None


def test_tool_input_sent_as_json_text_is_parsed() -> None:
    block = {"type": "tool_use", "id": "toolu_1", "name": "f", "input": '{"a": 1}'}
    (call,) = decode_body("messages", message(block, stop_reason="tool_use")).tool_calls
    assert (call.arguments, call.raw_arguments) == ({"a": 1}, '{"a": 1}')
    assert call.native == {**block, "input": {"a": 1}}


def test_tool_input_that_is_not_an_object_says_so() -> None:
    block = {"type": "tool_use", "id": "toolu_1", "name": "f", "input": [1, 2]}
    (call,) = decode_body("messages", message(block, stop_reason="tool_use")).tool_calls
    assert call.arguments == {}
    assert call.arguments_error is not None
    assert "not an object" in call.arguments_error


def test_a_hosted_tool_result_is_named_after_its_call() -> None:
    call = {
        "type": "server_tool_use",
        "id": "srvtoolu_1",
        "name": "web_search",
        "input": {"query": "weather"},
    }
    result = {
        "type": "web_search_tool_result",
        "tool_use_id": "srvtoolu_1",
        "content": {"type": "web_search_tool_result_error", "error_code": "max_uses_exceeded"},
    }
    decoded = decode_body("messages", message(call, result))
    hosted_call, hosted_result = decoded.items
    assert isinstance(hosted_call, mw.HostedToolItem)
    assert isinstance(hosted_result, mw.HostedToolItem)
    assert (hosted_call.name, hosted_call.status, hosted_call.input) == (
        "web_search",
        "in_progress",
        {"query": "weather"},
    )
    assert (hosted_result.id, hosted_result.name, hosted_result.status) == (
        "srvtoolu_1",
        "web_search",
        "failed",
    )


@pytest.mark.parametrize(
    ("wire", "common"),
    [
        ("stop_sequence", "end_turn"),
        ("pause_turn", "pause"),
        ("refusal", "refusal"),
        ("model_context_window_exceeded", "max_tokens"),
        ("a_future_reason", "other"),
        (None, "other"),
    ],
)
def test_stop_reasons_are_normalized_as_on_the_stream_path(wire: str | None, common: str) -> None:
    decoded = decode_body("messages", message({"type": "text", "text": "x"}, stop_reason=wire))
    assert (decoded.stop_reason, decoded.native_stop_reason) == (common, wire)


def test_native_is_the_generated_message() -> None:
    decoded = decode_body("messages", message({"type": "text", "text": "Hi"}))
    assert isinstance(decoded.native, native.Message)
    assert decoded.native.id == MESSAGE_ID
    assert (decoded.id, decoded.model, decoded.api, decoded.complete) == (
        MESSAGE_ID,
        "claude-sonnet-4-5-20250929",
        "messages",
        True,
    )


def test_a_body_that_is_neither_a_message_nor_an_error_is_refused() -> None:
    with pytest.raises(BodyDecodeError, match="neither a message object nor an error"):
        decode_body("messages", {"id": "x", "object": "response", "output": []})
