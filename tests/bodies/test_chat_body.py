"""A Chat ``chat.completion`` body, from OpenAI and from compatible servers: one behaviour per
test, checked against the stream path where a stream can say the same thing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from modelwire.native import chat as native

import modelwire as mw
from modelwire.bodies import BodyDecodeError, decode_body

COMPLETION_ID = "chatcmpl-BodyT3st0000000000000000001"


def completion(message: dict[str, Any], finish_reason: Any = "stop", **fields: Any) -> Any:
    return {
        "id": COMPLETION_ID,
        "object": "chat.completion",
        "created": 1767225600,
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16},
        **fields,
    }


def assistant(**fields: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": None, "refusal": None, **fields}


def streamed_chunks(*deltas: dict[str, Any], finish_reason: str = "stop") -> mw.Response:
    """A stream of the same answer: one chunk per delta, then the finish."""
    chunks = [
        {
            "id": COMPLETION_ID,
            "object": "chat.completion.chunk",
            "created": 1767225600,
            "model": "gpt-4o-2024-08-06",
            "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
        }
        for delta in deltas
    ]
    chunks[-1]["choices"][0]["finish_reason"] = finish_reason
    body = b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in chunks) + b"data: [DONE]\n\n"
    return mw.collect(mw.decode("chat", [body]))


# ---------------------------------------------------------------------- errors


def test_an_openai_error_body_raises_the_typed_error_the_stream_raises() -> None:
    body = {
        "error": {
            "message": "This model's maximum context length is 128000 tokens.",
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded",
        }
    }
    with pytest.raises(mw.ContextWindowExceededError) as from_body:
        decode_body("chat", json.dumps(body).encode())
    with pytest.raises(mw.ContextWindowExceededError) as from_stream:
        list(mw.decode("chat", [f"data: {json.dumps(body)}\n\n".encode()]))
    assert str(from_body.value) == str(from_stream.value)
    assert from_body.value.native == body


def test_vllms_bare_error_object_is_typed_by_its_code() -> None:
    body = {
        "object": "error",
        "message": "bad",
        "type": "BadRequestError",
        "param": None,
        "code": 400,
    }
    with pytest.raises(mw.BadRequestError):
        decode_body("chat", body)


def test_ollamas_error_text_is_an_api_error() -> None:
    with pytest.raises(mw.APIError, match="model 'x' not found"):
        decode_body("chat", {"error": "model 'x' not found"})


def test_an_error_beside_the_choices_is_raised_not_ignored() -> None:
    body = completion(assistant(content="partial"), "error")
    body["error"] = {"code": 502, "message": "Provider returned error"}
    with pytest.raises(mw.InternalServerError, match="Provider returned error"):
        decode_body("chat", body)


def test_more_than_one_choice_is_refused_as_on_the_stream_path() -> None:
    body = completion(assistant(content="a"))
    body["choices"].append({"index": 1, "message": assistant(content="b"), "finish_reason": "stop"})
    with pytest.raises(mw.ConfigurationError, match="n > 1"):
        decode_body("chat", body)


# ---------------------------------------------------------------------- compatible servers


def test_deepseek_reasoning_content_and_cache_hits() -> None:
    body = completion(assistant(content="4", reasoning_content="2 + 2 is 4."))
    body["usage"] = {
        "prompt_tokens": 10,
        "completion_tokens": 9,
        "total_tokens": 19,
        "prompt_cache_hit_tokens": 8,
        "prompt_cache_miss_tokens": 2,
    }
    decoded = decode_body("chat", body)
    assert (decoded.text, decoded.reasoning) == ("4", "2 + 2 is 4.")
    assert decoded.usage.cached_input_tokens == 8
    reasoning = decoded.items[0]
    assert isinstance(reasoning, mw.Reasoning)
    assert reasoning.native == {"reasoning_content": "2 + 2 is 4."}
    expected = streamed_chunks(
        {"role": "assistant", "reasoning_content": "2 + 2 is 4."}, {"content": "4"}
    )
    assert decoded.items == expected.items


def test_openrouter_reasoning_with_reasoning_details_counts_once() -> None:
    details = [{"type": "reasoning.text", "text": "Greeting.", "format": "unknown", "index": 0}]
    body = completion(assistant(content="Hi!", reasoning="Greeting.", reasoning_details=details))
    decoded = decode_body("chat", body)
    assert decoded.reasoning == "Greeting."
    assert decoded.items[0].native == {"reasoning": "Greeting.", "reasoning_details": details}  # type: ignore[union-attr]


def test_the_same_reasoning_under_both_names_counts_once() -> None:
    decoded = decode_body("chat", completion(assistant(reasoning_content="Hm.", reasoning="Hm.")))
    assert decoded.reasoning == "Hm."


def test_reasoning_given_as_an_object_is_read_for_its_text() -> None:
    decoded = decode_body("chat", completion(assistant(content="ok", reasoning={"text": "Why."})))
    assert decoded.reasoning == "Why."
    assert isinstance(decoded.native, native.ChatCompletion)
    assert decoded.native.choices[0].message.reasoning == "Why."


def test_mistral_list_content_with_thinking_parts() -> None:
    content = [
        {"type": "thinking", "thinking": [{"type": "text", "text": "The user greets me."}]},
        {"type": "text", "text": "Hello"},
        {"type": "text", "text": "!"},
    ]
    decoded = decode_body("chat", completion(assistant(content=content)))
    assert decoded.text == "Hello!"
    assert decoded.reasoning == "The user greets me."
    assert [item.type for item in decoded.items] == ["reasoning", "message"]
    # The native completion is the API's shape: the text as text, the thinking as reasoning.
    assert isinstance(decoded.native, native.ChatCompletion)
    message = decoded.native.choices[0].message
    assert message.content == "Hello!"
    assert message.reasoning_content == "The user greets me."


def test_unknown_content_parts_are_skipped_not_fatal() -> None:
    content = [{"type": "reference", "reference_ids": [1]}, {"type": "text", "text": "Cited."}]
    body = completion(assistant(content=content))
    decoded = decode_body("chat", body)
    assert decoded.text == "Cited."
    assert isinstance(decoded.native, native.ChatCompletion)
    assert decoded.native.choices[0].message.content == "Cited."
    assert body["choices"][0]["message"]["content"] == content  # the body given is not changed


def test_mistral_tool_calls_without_type_are_function_calls() -> None:
    calls = [
        {"id": "D681PevKs", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}},
        {"id": "Q2kLm9xVb", "index": 1, "function": {"name": "get_time", "arguments": "{}"}},
    ]
    decoded = decode_body("chat", completion(assistant(tool_calls=calls), "tool_calls"))
    assert [(c.id, c.name, c.arguments) for c in decoded.tool_calls] == [
        ("D681PevKs", "get_weather", {"city": "Oslo"}),
        ("Q2kLm9xVb", "get_time", {}),
    ]
    assert decoded.tool_calls[0].native == {
        "id": "D681PevKs",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
    }
    assert decoded.stop_reason == "tool_use"
    assert isinstance(decoded.native, native.ChatCompletion)


def test_tool_calls_match_the_streamed_ones_items_and_all() -> None:
    arguments = '{"city": "Paris"}'
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": arguments},
    }
    decoded = decode_body(
        "chat", completion(assistant(content="Checking.", tool_calls=[call]), "tool_calls")
    )
    expected = streamed_chunks(
        {"role": "assistant", "content": "Checking."},
        {"tool_calls": [{"index": 0, **call}]},
        finish_reason="tool_calls",
    )
    assert decoded.items == expected.items
    assert decoded.tool_calls == expected.tool_calls


def test_unparsable_arguments_are_handled_as_on_the_stream_path() -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1'}}
    (decoded,) = decode_body(
        "chat", completion(assistant(tool_calls=[call]), "tool_calls")
    ).tool_calls
    (expected,) = streamed_chunks(
        {"tool_calls": [{"index": 0, **call}]}, finish_reason="tool_calls"
    ).tool_calls
    assert decoded == expected
    assert decoded.arguments == {}
    assert decoded.raw_arguments == '{"a": 1'
    assert decoded.arguments_error is not None


def test_arguments_sent_as_an_object_are_serialized_like_the_stream_does() -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": {"a": 1}}}
    (decoded,) = decode_body(
        "chat", completion(assistant(tool_calls=[call]), "tool_calls")
    ).tool_calls
    assert decoded.arguments == {"a": 1}
    assert decoded.raw_arguments == '{"a":1}'


def test_a_call_without_id_gets_the_id_the_stream_gives_it() -> None:
    call = {"type": "function", "function": {"name": "lookup", "arguments": "{}"}}
    (decoded,) = decode_body(
        "chat", completion(assistant(tool_calls=[call]), "tool_calls")
    ).tool_calls
    assert decoded.id == "call_0"


def test_a_custom_tool_call_keeps_its_free_text_input() -> None:
    call = {"id": "call_c1", "type": "custom", "custom": {"name": "run_sql", "input": "SELECT 1"}}
    decoded = decode_body("chat", completion(assistant(tool_calls=[call]), "tool_calls"))
    (tool_call,) = decoded.tool_calls
    assert (tool_call.kind, tool_call.name, tool_call.raw_arguments) == (
        "custom",
        "run_sql",
        "SELECT 1",
    )
    assert tool_call.arguments == {}
    assert tool_call.native == call


def test_a_legacy_function_call_is_a_tool_call() -> None:
    function_call = {"name": "get_current_weather", "arguments": '{"location": "Boston"}'}
    decoded = decode_body(
        "chat", completion(assistant(function_call=function_call), "function_call")
    )
    (call,) = decoded.tool_calls
    assert (call.id, call.name, call.arguments) == (
        "call_0",
        "get_current_weather",
        {"location": "Boston"},
    )
    assert decoded.stop_reason == "tool_use"


def test_stop_after_tool_calls_is_tool_use() -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    decoded = decode_body("chat", completion(assistant(tool_calls=[call]), "stop"))
    assert (decoded.stop_reason, decoded.native_stop_reason) == ("tool_use", "stop")


def test_a_body_without_finish_reason_is_still_a_finished_turn() -> None:
    decoded = decode_body("chat", completion(assistant(content="Hi"), None))
    assert (decoded.stop_reason, decoded.native_stop_reason, decoded.complete) == (
        "end_turn",
        None,
        True,
    )


def test_groq_usage_inside_x_groq_is_read() -> None:
    body = completion(assistant(content="Hi"))
    usage = body.pop("usage")
    body["x_groq"] = {"id": "req_01", "usage": usage}
    assert decode_body("chat", body).usage.input_tokens == 12


def test_a_compatible_body_missing_created_still_has_a_native_completion() -> None:
    body = completion(assistant(content="Hi"))
    del body["created"]
    native_completion = decode_body("chat", body).native
    assert isinstance(native_completion, native.ChatCompletion)
    assert native_completion.created == 0


def test_a_conforming_body_is_its_own_native_object() -> None:
    body = completion(assistant(content="Hi"))
    assert decode_body("chat", body).final is body


def test_a_completion_without_choices_is_refused() -> None:
    with pytest.raises(BodyDecodeError, match="no choices"):
        decode_body("chat", completion(assistant()) | {"choices": []})
