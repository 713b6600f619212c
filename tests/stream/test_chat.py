"""The Chat Completions stream mapper: chunk deltas aggregated into the common event stream.

Every SSE body in ``tests/fixtures/stream/chat/`` runs through decode + collect and is compared
with its ``.expected.json``; the focused tests below pin what a fixture cannot show (lazy natives,
the aggregated final object, argument parsing errors, ``native_only``).
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from modelwire.native import chat as native

import modelwire as mw
from modelwire.apis.chat.stream import Mapper

from ..support import expected, run_decode, sse_body, stream_cases, subset_matches

CHUNK_ID = "chatcmpl-CFq2Xb7Lk4mWc1RZtA9sD3fG5hJ"


def chunk(
    delta: dict[str, Any] | None = None, finish: str | None = None, **top: Any
) -> dict[str, Any]:
    """One ``chat.completion.chunk`` with a single choice (or ``choices=...`` given outright)."""
    payload: dict[str, Any] = {
        "id": CHUNK_ID,
        "object": "chat.completion.chunk",
        "created": 1767225600,
        "model": "gpt-4o-2024-08-06",
        "system_fingerprint": "fp_f33640a400",
        "choices": [{"index": 0, "delta": delta or {}, "logprobs": None, "finish_reason": finish}],
    }
    payload.update(top)
    return payload


def body(*payloads: dict[str, Any], done: bool = True) -> bytes:
    lines = [b"data: " + orjson.dumps(p) + b"\n\n" for p in payloads]
    if done:
        lines.append(b"data: [DONE]\n\n")
    return b"".join(lines)


def decode(*payloads: dict[str, Any], native_only: bool = False) -> list[mw.Event]:
    return list(mw.decode("chat", [body(*payloads)], native_only=native_only))


def one_tool_call(arguments: str) -> list[dict[str, Any]]:
    start = {
        "index": 0,
        "id": "call_Vx7bQ2mP9sLr4Tn8Kd1Zw3Hy",
        "type": "function",
        "function": {"name": "get_weather", "arguments": arguments},
    }
    return [chunk({"role": "assistant", "tool_calls": [start]}), chunk(finish="tool_calls")]


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", stream_cases("chat"))
def test_fixture_decodes_to_its_expected_events_and_response(case: str) -> None:
    outcome = run_decode("chat", [sse_body("chat", case)])
    wanted = expected("chat", case)
    assert subset_matches(outcome, wanted) == []
    # A successful stream ends in a Response, a failed one in an error: never both.
    assert ("response" in outcome) == ("response" in wanted)


# ---------------------------------------------------------------------------------------------
# Natives
# ---------------------------------------------------------------------------------------------


def test_text_delta_native_is_the_generated_chunk_with_unknown_fields_kept() -> None:
    events = decode(chunk({"content": "Hi"}, obfuscation="Xq3"), chunk(finish="stop"))
    text = next(e for e in events if isinstance(e, mw.TextDelta))
    model = text.native
    assert isinstance(model, native.ChatCompletionChunk)
    assert model.choices[0].delta.content == "Hi"
    assert model.obfuscation == "Xq3"
    assert text.raw["obfuscation"] == "Xq3"


def test_native_is_validated_once_and_cached() -> None:
    events = decode(chunk({"content": "Hi"}), chunk(finish="stop"))
    text = next(e for e in events if isinstance(e, mw.TextDelta))
    assert text.native is text.native


def test_fields_a_server_adds_stay_reachable_through_native() -> None:
    events = decode(chunk({"content": "Hi"}, provider="DeepInfra"), chunk(finish="stop"))
    model = events[1].native
    assert isinstance(model, native.ChatCompletionChunk)
    assert model.model_extra == {"provider": "DeepInfra"}


def test_response_native_is_the_aggregated_chat_completion() -> None:
    payloads = [
        chunk({"role": "assistant", "content": "Checking."}, service_tier="default"),
        *one_tool_call('{"city":"Paris"}'),
        chunk(choices=[], usage={"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13}),
    ]
    response = mw.collect(decode(*payloads))
    completion = response.native
    assert isinstance(completion, native.ChatCompletion)
    assert completion.id == CHUNK_ID
    assert completion.object == "chat.completion"
    assert completion.created == 1767225600
    assert completion.model == "gpt-4o-2024-08-06"
    assert completion.system_fingerprint == "fp_f33640a400"
    assert completion.service_tier == "default"
    [choice] = completion.choices
    assert choice.finish_reason == "tool_calls"
    assert choice.message.role == "assistant"
    assert choice.message.content == "Checking."
    assert choice.message.refusal is None
    [call] = choice.message.tool_calls or []
    assert isinstance(call, native.ChatCompletionMessageFunctionToolCall)
    assert call.model_dump(mode="json") == {
        "id": "call_Vx7bQ2mP9sLr4Tn8Kd1Zw3Hy",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
    }
    assert completion.usage is not None
    assert completion.usage.total_tokens == 13


def test_final_object_without_usage_or_text_still_validates() -> None:
    response = mw.collect(decode(*one_tool_call("")))
    assert response.final is not None
    assert response.final["usage"] is None
    assert response.final["choices"][0]["message"]["content"] is None
    assert isinstance(response.native, native.ChatCompletion)


def test_final_message_keeps_the_reasoning_under_the_field_the_server_used() -> None:
    events = decode(
        chunk({"role": "assistant", "reasoning": "Think."}),
        chunk({"content": "Answer."}),
        chunk(finish="stop"),
    )
    response = mw.collect(events)
    assert response.final is not None
    message = response.final["choices"][0]["message"]
    assert message["reasoning"] == "Think."
    assert "reasoning_content" not in message


def test_logprobs_of_every_chunk_are_joined_in_the_final_choice() -> None:
    def logprob(token: str) -> dict[str, Any]:
        return {"token": token, "logprob": -0.01, "bytes": list(token.encode()), "top_logprobs": []}

    first = chunk({"content": "Hi"})
    first["choices"][0]["logprobs"] = {"content": [logprob("Hi")], "refusal": None}
    second = chunk({"content": "!"})
    second["choices"][0]["logprobs"] = {"content": [logprob("!")], "refusal": None}
    response = mw.collect(decode(first, second, chunk(finish="stop")))
    assert response.final is not None
    logprobs = response.final["choices"][0]["logprobs"]
    assert [entry["token"] for entry in logprobs["content"]] == ["Hi", "!"]
    assert isinstance(response.native, native.ChatCompletion)


def test_message_item_native_is_the_aggregated_assistant_message() -> None:
    response = mw.collect(
        decode(chunk({"role": "assistant", "content": "Sure."}), *one_tool_call('{"a":1}'))
    )
    message, call = response.items
    assert isinstance(message, mw.Message)
    assert message.api == "chat"
    assert message.native == {
        "role": "assistant",
        "content": "Sure.",
        "refusal": None,
        "tool_calls": [
            {
                "id": "call_Vx7bQ2mP9sLr4Tn8Kd1Zw3Hy",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"a":1}'},
            }
        ],
    }
    # What goes back is a valid assistant message of the next request.
    native.ChatCompletionAssistantMessageParam.model_validate(message.native)
    assert isinstance(call, mw.ToolCall)
    assert call.native == message.native["tool_calls"][0]


def test_reasoning_item_native_names_the_wire_field() -> None:
    events = decode(
        chunk({"role": "assistant", "content": None, "reasoning_content": "Hmm."}),
        chunk({"content": "Yes."}),
        chunk(finish="stop"),
    )
    reasoning = mw.collect(events).items[0]
    assert isinstance(reasoning, mw.Reasoning)
    assert reasoning.content == "Hmm."
    assert reasoning.native == {"reasoning_content": "Hmm."}
    assert not reasoning.is_signed


def test_completed_native_is_the_last_chunk() -> None:
    events = decode(chunk({"content": "Hi"}), chunk(finish="stop"))
    completed = events[-1]
    assert isinstance(completed, mw.Completed)
    assert completed.final_schema == "ChatCompletion"
    model = completed.native
    assert isinstance(model, native.ChatCompletionChunk)
    assert model.choices[0].finish_reason == "stop"


# ---------------------------------------------------------------------------------------------
# Usage and stop reasons
# ---------------------------------------------------------------------------------------------


def test_usage_is_normalized_and_its_native_is_completion_usage() -> None:
    wire_usage = {
        "prompt_tokens": 1843,
        "completion_tokens": 412,
        "total_tokens": 2255,
        "prompt_tokens_details": {"cached_tokens": 1536},
        "completion_tokens_details": {"reasoning_tokens": 320},
    }
    events = decode(
        chunk({"content": "Hi"}), chunk(finish="stop"), chunk(choices=[], usage=wire_usage)
    )
    usage = mw.collect(events).usage
    assert (usage.input_tokens, usage.output_tokens) == (1843, 412)
    assert (usage.cached_input_tokens, usage.reasoning_tokens) == (1536, 320)
    assert usage.raw == wire_usage
    assert isinstance(usage.native, native.CompletionUsage)


def test_usage_without_details_leaves_the_breakdown_unknown() -> None:
    wire_usage = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
    events = decode(chunk({"content": "Hi"}, usage=None), chunk(finish="stop", usage=wire_usage))
    usage = mw.collect(events).usage
    assert (usage.input_tokens, usage.output_tokens) == (5, 2)
    assert usage.cached_input_tokens is None
    assert usage.reasoning_tokens is None


def test_no_usage_reported_gives_empty_usage() -> None:
    usage = mw.collect(decode(chunk({"content": "Hi"}), chunk(finish="stop"))).usage
    assert usage.input_tokens is None
    assert usage.native == {}


@pytest.mark.parametrize(
    ("finish_reason", "stop_reason"),
    [
        ("stop", "end_turn"),
        ("length", "max_tokens"),
        ("tool_calls", "tool_use"),
        ("function_call", "tool_use"),
        ("content_filter", "content_filter"),
        ("error", "error"),
        ("eos_token", "other"),
    ],
)
def test_finish_reason_is_normalized(finish_reason: str, stop_reason: str) -> None:
    completed = decode(chunk({"content": "Hi"}), chunk(finish=finish_reason))[-1]
    assert isinstance(completed, mw.Completed)
    assert completed.stop_reason == stop_reason
    assert completed.native_stop_reason == finish_reason


def test_stop_with_tool_calls_is_tool_use() -> None:
    payloads = one_tool_call('{"city":"Oslo"}')
    payloads[-1] = chunk(finish="stop")
    completed = decode(*payloads)[-1]
    assert isinstance(completed, mw.Completed)
    assert (completed.stop_reason, completed.native_stop_reason) == ("tool_use", "stop")


# ---------------------------------------------------------------------------------------------
# Tool call arguments
# ---------------------------------------------------------------------------------------------


def test_invalid_json_arguments_set_arguments_error_and_keep_the_text() -> None:
    response = mw.collect(decode(*one_tool_call('{"city": "Par')))
    [call] = response.tool_calls
    assert call.arguments == {}
    assert call.raw_arguments == '{"city": "Par'
    assert call.arguments_error is not None
    assert "not valid JSON" in call.arguments_error


def test_arguments_that_are_json_but_not_an_object_set_arguments_error() -> None:
    [call] = mw.collect(decode(*one_tool_call('["Paris"]'))).tool_calls
    assert call.arguments == {}
    assert call.arguments_error is not None
    assert "not an object" in call.arguments_error


def test_arguments_sent_as_an_object_are_accepted() -> None:
    payloads = one_tool_call("")
    payloads[0]["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] = {"city": "Oslo"}
    [call] = mw.collect(decode(*payloads)).tool_calls
    assert call.arguments == {"city": "Oslo"}
    assert call.raw_arguments == '{"city":"Oslo"}'


def test_name_arriving_after_the_first_fragment_delays_the_start() -> None:
    fragments = [
        {"index": 0, "id": "call_late_name", "type": "function", "function": {"arguments": ""}},
        {"index": 0, "function": {"name": "lookup", "arguments": '{"q":'}},
        {"index": 0, "function": {"arguments": "1}"}},
    ]
    events = decode(*[chunk({"tool_calls": [f]}) for f in fragments], chunk(finish="tool_calls"))
    kinds = [type(e).__name__ for e in events]
    assert kinds[:4] == [
        "Created",
        "ToolCallStarted",
        "ToolCallArgumentsDelta",
        "ToolCallArgumentsDelta",
    ]
    started = events[1]
    assert isinstance(started, mw.ToolCallStarted)
    assert (started.id, started.name) == ("call_late_name", "lookup")


def test_a_call_that_never_got_a_name_still_starts_before_it_is_done() -> None:
    fragment = {"index": 0, "id": "call_nameless", "function": {"arguments": "{}"}}
    events = decode(chunk({"tool_calls": [fragment]}), chunk(finish="tool_calls"))
    kinds = [type(e).__name__ for e in events]
    assert kinds == [
        "Created",
        "ToolCallStarted",
        "ToolCallArgumentsDelta",
        "ToolCallDone",
        "ItemDone",
        "Completed",
    ]
    done = events[3]
    assert isinstance(done, mw.ToolCallDone)
    assert (done.id, done.name, done.arguments) == ("call_nameless", "", {})


# ---------------------------------------------------------------------------------------------
# Reasoning
# ---------------------------------------------------------------------------------------------


def test_reasoning_sent_twice_in_one_delta_counts_once() -> None:
    # Some vLLM releases send the same text under both names while moving from one to the other.
    events = decode(
        chunk({"reasoning_content": "Hmm.", "reasoning": "Hmm."}),
        chunk({"content": "Ok."}),
        chunk(finish="stop"),
    )
    response = mw.collect(events)
    assert response.reasoning == "Hmm."


# ---------------------------------------------------------------------------------------------
# Ends, errors, refusals of the stream shape
# ---------------------------------------------------------------------------------------------


def test_empty_body_is_interrupted() -> None:
    with pytest.raises(mw.StreamInterruptedError, match="finish_reason"):
        list(mw.decode("chat", [b""]))


def test_a_body_cut_before_any_finish_reason_and_done_is_interrupted() -> None:
    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    cut = body(chunk({"content": "Hi"}), chunk(choices=[], usage=usage), done=False)
    with pytest.raises(mw.StreamInterruptedError) as caught:
        list(mw.decode("chat", [cut]))
    assert caught.value.partial is not None
    assert caught.value.partial.text == "Hi"


def test_fragments_without_index_are_told_apart_by_their_place() -> None:
    calls = [
        {"id": "call_a", "type": "function", "function": {"name": "f", "arguments": "{}"}},
        {"id": "call_b", "type": "function", "function": {"name": "g", "arguments": "{}"}},
    ]
    response = mw.collect(decode(chunk({"tool_calls": calls}), chunk(finish="tool_calls")))
    assert [(c.id, c.name) for c in response.tool_calls] == [("call_a", "f"), ("call_b", "g")]


def test_more_than_one_choice_is_refused_naming_the_choice() -> None:
    second = chunk(choices=[{"index": 2, "delta": {"content": "B"}, "finish_reason": None}])
    with pytest.raises(mw.ConfigurationError, match=r"choice index 2.*n=1"):
        decode(chunk({"content": "A"}), second)


def test_error_object_without_wrapper_is_a_typed_error() -> None:
    # vLLM and other servers have sent errors as a bare {"object": "error", ...} payload.
    bare = {
        "object": "error",
        "message": "Context length exceeded while decoding.",
        "type": "BadRequestError",
        "param": None,
        "code": 400,
    }
    with pytest.raises(mw.ContextWindowExceededError) as caught:
        decode(chunk({"content": "Hi"}), bare)
    assert caught.value.native == bare
    assert caught.value.partial is not None
    assert caught.value.partial.text == "Hi"


def test_frame_named_error_is_a_typed_error() -> None:
    frame = b'event: error\ndata: {"message": "Rate limit reached", "code": 429}\n\n'
    with pytest.raises(mw.RateLimitError, match="Rate limit reached"):
        list(mw.decode("chat", [body(chunk({"content": "Hi"}), done=False) + frame]))


def test_in_stream_error_keeps_the_wire_error_as_native() -> None:
    error = {"error": {"message": "boom", "type": "server_error", "param": None, "code": None}}
    with pytest.raises(mw.InternalServerError) as caught:
        decode(chunk({"content": "Hi"}), error)
    assert caught.value.native == error
    assert caught.value.message == "boom"
    assert caught.value.status is None


# ---------------------------------------------------------------------------------------------
# native_only and the mapper on its own
# ---------------------------------------------------------------------------------------------


def test_native_only_emits_native_only_for_chunks_without_common_meaning() -> None:
    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    payloads = [
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": "Hi"}),
        chunk(finish="stop"),
        chunk(choices=[], usage=usage),
    ]
    events = decode(*payloads, native_only=True)
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["Created", "TextDelta", "NativeOnly", "NativeOnly", "ItemDone", "Completed"]
    passed = [e for e in events if isinstance(e, mw.NativeOnly)]
    assert all(e.type == "chat.completion.chunk" for e in passed)
    assert [e.raw for e in passed] == payloads[2:]


def test_without_native_only_chunks_without_common_meaning_yield_nothing() -> None:
    mapper = Mapper()
    assert mapper.map(None, chunk({"role": "assistant", "content": ""})) != []  # Created
    assert mapper.map(None, chunk({"role": "assistant", "content": ""})) == []
    assert mapper.map(None, chunk(finish="stop")) == []


def test_every_event_carries_its_wire_chunk_and_api() -> None:
    first = chunk({"role": "assistant", "content": "Hi"})
    mapper = Mapper()
    created, text = mapper.map(None, first)
    assert created.raw is first
    assert text.raw is first
    assert {created.api, text.api} == {"chat"}


def test_unknown_payload_is_passed_on_as_unknown() -> None:
    odd = {"object": "chat.completion.progress", "stage": "planning"}
    [event] = Mapper().map(None, odd)
    assert isinstance(event, mw.Unknown)
    assert event.type == "chat.completion.progress"
    assert event.native is odd


def test_a_usage_field_of_the_wrong_type_is_ignored_not_fatal() -> None:
    body = (
        b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
        b'"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\n'
        b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
        b'"choices":[],"usage":[]}\n\ndata: [DONE]\n\n'
    )
    response = mw.collect(mw.decode("chat", [body]))
    assert response.text == "hi"
    assert response.usage.input_tokens is None
