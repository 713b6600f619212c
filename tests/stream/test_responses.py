"""The Responses stream mapper: ``response.*`` events into the common event stream.

Every SSE body in ``tests/fixtures/stream/responses/`` runs through decode + collect and is compared
with its ``.expected.json``; the focused tests below pin what a fixture cannot show (lazy natives,
the final object, usage details, argument parsing errors, error typing, ``native_only``).
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from modelwire.native import responses as native

import modelwire as mw
from modelwire.apis.responses.stream import Mapper
from modelwire.decoding import stream_mapper
from modelwire.wire.sse import SSEDecoder

from ..support import expected, run_decode, split_at, sse_body, stream_cases, subset_matches

RESPONSE_ID = "resp_68b0a1c2d3e48190a5b6c7d8e9f0a1b20c1d2e3f4a5b6c7d"
MESSAGE_ID = "msg_68b0a1c3e4f58190b6c7d8e9f0a1b2c30c1d2e3f4a5b6c7d"
MODEL = "gpt-4.1-2025-04-14"


# ---------------------------------------------------------------------- wire builders


def response_object(status: str = "in_progress", **fields: Any) -> dict[str, Any]:
    return {
        "id": RESPONSE_ID,
        "object": "response",
        "created_at": 1756400000,
        "status": status,
        "error": None,
        "incomplete_details": None,
        "model": MODEL,
        "output": [],
        "usage": None,
        **fields,
    }


def created() -> dict[str, Any]:
    return {"type": "response.created", "response": response_object()}


def completed(output: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    fields.setdefault("usage", usage())
    return {
        "type": "response.completed",
        "response": response_object("completed", output=output or [], **fields),
    }


def usage(**fields: Any) -> dict[str, Any]:
    return {
        "input_tokens": 1200,
        "input_tokens_details": {"cached_tokens": 1024},
        "output_tokens": 300,
        "output_tokens_details": {"reasoning_tokens": 256},
        "total_tokens": 1500,
        **fields,
    }


def message_item(*parts: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": MESSAGE_ID,
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": list(parts),
    }


def output_text(text: str, annotations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": annotations or []}


def text_delta(delta: str, output_index: int = 0) -> dict[str, Any]:
    return {
        "type": "response.output_text.delta",
        "item_id": MESSAGE_ID,
        "output_index": output_index,
        "content_index": 0,
        "delta": delta,
    }


def item_added(item: dict[str, Any], output_index: int = 0) -> dict[str, Any]:
    return {"type": "response.output_item.added", "output_index": output_index, "item": item}


def item_done(item: dict[str, Any], output_index: int = 0) -> dict[str, Any]:
    return {"type": "response.output_item.done", "output_index": output_index, "item": item}


def function_call(arguments: str, status: str = "completed") -> dict[str, Any]:
    return {
        "id": "fc_68b0a1c4f5a68190c7d8e9f0a1b2c3d40c1d2e3f4a5b6c7d",
        "type": "function_call",
        "status": status,
        "call_id": "call_Rw4tY7uI1oP3aS5dF8gH2jK6",
        "name": "get_weather",
        "arguments": arguments,
    }


def body(*payloads: dict[str, Any]) -> bytes:
    """The SSE body the API sends: ``event:`` + ``data:`` per event, numbered in order."""
    frames = []
    for number, payload in enumerate(payloads):
        wire = {**payload, "sequence_number": number}
        frames.append(b"event: %s\ndata: %s\n\n" % (payload["type"].encode(), orjson.dumps(wire)))
    return b"".join(frames)


def decode(*payloads: dict[str, Any], native_only: bool = False) -> list[mw.Event]:
    return list(mw.decode("responses", [body(*payloads)], native_only=native_only))


def decode_error(*payloads: dict[str, Any]) -> mw.ModelwireError:
    with pytest.raises(mw.ModelwireError) as caught:
        decode(*payloads)
    return caught.value


def one_call_with_arguments(arguments: str) -> mw.ToolCallDone:
    call = function_call(arguments)
    events = decode(
        created(), item_added(function_call("", "in_progress")), item_done(call), completed([call])
    )
    [done] = [e for e in events if isinstance(e, mw.ToolCallDone)]
    return done


# ---------------------------------------------------------------------- fixtures


@pytest.mark.parametrize("case", stream_cases("responses"))
def test_fixture_decodes_to_the_expected_events_and_response(case: str) -> None:
    # One chunk per SSE frame, as a server flushes them: when a chunk raises, the decoder drops
    # the events of that same chunk, so a single-chunk body would show none before an error.
    sse = sse_body("responses", case)
    frame_ends = [i + 2 for i in range(len(sse)) if sse.startswith(b"\n\n", i)]
    outcome = run_decode("responses", split_at(sse, frame_ends))
    wanted = expected("responses", case)
    problems = subset_matches(outcome, wanted)
    assert not problems, "\n".join(problems)
    # A successful stream ends in a Response, a failed one in an error: never both.
    assert ("response" in outcome) == ("response" in wanted)


@pytest.mark.parametrize("case", stream_cases("responses"))
def test_fixture_events_are_valid_wire_events_of_the_schema(case: str) -> None:
    decoder = SSEDecoder()
    frames = decoder.feed(sse_body("responses", case)) + decoder.close()
    unknown = []
    for frame in frames:
        payload = orjson.loads(frame.data)
        assert frame.event == payload["type"]
        model = native.EVENT_TYPES.get(payload["type"])
        if model is None:
            unknown.append(payload["type"])
        else:
            model.model_validate(payload)
    assert unknown == (["response.hologram.delta"] if case == "unknown_event" else [])


# ---------------------------------------------------------------------- natives


def test_event_native_is_the_generated_model_and_keeps_unknown_fields() -> None:
    delta = {**text_delta("Hi"), "logprobs": [], "shard": "eu-west-7"}
    [_, event, *_] = decode(created(), delta, completed())
    assert isinstance(event, mw.TextDelta)
    assert isinstance(event.native, native.ResponseOutputTextDeltaEvent)
    assert event.native.delta == "Hi"
    assert event.native.model_extra == {"shard": "eu-west-7"}


def test_event_native_is_validated_once_and_cached() -> None:
    [event, *_] = decode(created(), completed())
    assert event.native is event.native


def test_event_keeps_its_wire_payload_and_api() -> None:
    [_, event, *_] = decode(created(), text_delta("Hi"), completed())
    assert event.api == "responses"
    assert event.raw["type"] == "response.output_text.delta"
    assert event.raw["sequence_number"] == 1
    assert event.wire_type == "response.output_text.delta"


def test_response_native_is_the_generated_response_object() -> None:
    response = mw.collect(
        decode(created(), text_delta("Hi"), completed([message_item(output_text("Hi"))]))
    )
    assert isinstance(response.native, native.Response)
    assert response.native.id == RESPONSE_ID
    assert response.native.status == "completed"
    assert response.final is not None
    assert response.final["output"][0]["id"] == MESSAGE_ID


def test_finished_items_carry_the_exact_wire_item() -> None:
    item = {**message_item(output_text("Hi")), "phase": "final_answer"}
    events = decode(created(), item_done(item), completed([item]))
    [done] = [e for e in events if isinstance(e, mw.ItemDone)]
    assert isinstance(done.item, mw.Message)
    assert done.item.native == item
    assert done.item.api == "responses"


# ---------------------------------------------------------------------- usage


def test_usage_is_normalized_from_the_wire_usage() -> None:
    [*_, done] = decode(created(), completed())
    assert isinstance(done, mw.Completed)
    assert done.usage.input_tokens == 1200
    assert done.usage.output_tokens == 300
    assert done.usage.cached_input_tokens == 1024
    assert done.usage.reasoning_tokens == 256
    assert done.usage.total_tokens == 1500
    assert isinstance(done.usage.native, native.ResponseUsage)
    assert done.usage.native.input_tokens_details is not None


def test_usage_without_details_leaves_cached_and_reasoning_unknown() -> None:
    bare = {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12}
    [*_, done] = decode(created(), completed(usage=bare))
    assert isinstance(done, mw.Completed)
    assert (done.usage.input_tokens, done.usage.output_tokens) == (5, 7)
    assert done.usage.cached_input_tokens is None
    assert done.usage.reasoning_tokens is None


def test_completion_without_usage_reports_no_counts() -> None:
    [*_, done] = decode(created(), completed(usage=None))
    assert isinstance(done, mw.Completed)
    assert done.usage.input_tokens is None
    assert done.usage.total_tokens is None


# ---------------------------------------------------------------------- tool calls


def test_invalid_json_arguments_set_arguments_error_and_keep_the_raw_text() -> None:
    done = one_call_with_arguments('{"city": "Par')
    assert done.call.arguments == {}
    assert done.call.raw_arguments == '{"city": "Par'
    assert done.call.arguments_error is not None
    assert "not valid JSON" in done.call.arguments_error


def test_arguments_that_are_json_but_not_an_object_set_arguments_error() -> None:
    done = one_call_with_arguments("[1, 2]")
    assert done.call.arguments == {}
    assert done.call.arguments_error is not None
    assert "not an object" in done.call.arguments_error


def test_call_id_and_item_id_stay_apart() -> None:
    done = one_call_with_arguments('{"city":"Oslo"}')
    assert done.call.id == "call_Rw4tY7uI1oP3aS5dF8gH2jK6"
    assert done.call.item_id == "fc_68b0a1c4f5a68190c7d8e9f0a1b2c3d40c1d2e3f4a5b6c7d"
    assert done.call.native == function_call('{"city":"Oslo"}')


def test_arguments_from_deltas_are_used_when_the_finished_item_has_none() -> None:
    started = function_call("", "in_progress")
    finished = {k: v for k, v in function_call("").items() if k != "arguments"}
    events = decode(
        created(),
        item_added(started, 3),
        {
            "type": "response.function_call_arguments.delta",
            "item_id": started["id"],
            "output_index": 3,
            "delta": '{"city":',
        },
        {
            "type": "response.function_call_arguments.delta",
            "item_id": started["id"],
            "output_index": 3,
            "delta": '"Quito"}',
        },
        item_done(finished, 3),
        completed([function_call('{"city":"Quito"}')]),
    )
    [done] = [e for e in events if isinstance(e, mw.ToolCallDone)]
    assert done.index == 3
    assert done.call.arguments == {"city": "Quito"}


def test_computer_call_is_kept_whole_and_stops_for_tool_use() -> None:
    computer_call = {
        "id": "cu_68b0a1c5a6b78190d8e9f0a1b2c3d4e50c1d2e3f4a5b6c7d",
        "type": "computer_call",
        "call_id": "call_Ck2lZ9xN4bV7mQ1wE5rT8yU3",
        "action": {"type": "click", "button": "left", "x": 156, "y": 50},
        "pending_safety_checks": [],
        "status": "completed",
    }
    events = decode(created(), item_done(computer_call), completed([computer_call]))
    [item_event, done] = events[1:]
    assert isinstance(item_event, mw.ItemDone)
    assert item_event.item.native == computer_call
    assert isinstance(done, mw.Completed)
    assert done.stop_reason == "tool_use"


def test_stop_reason_comes_from_the_final_output_when_items_were_not_streamed() -> None:
    [*_, done] = decode(created(), completed([function_call('{"city":"Rome"}')]))
    assert isinstance(done, mw.Completed)
    assert done.stop_reason == "tool_use"


def test_a_refusal_beside_text_is_an_ordinary_end_of_turn() -> None:
    item = message_item(
        output_text("Here is part of it."), {"type": "refusal", "refusal": "No more."}
    )
    [*_, done] = decode(created(), item_done(item), completed([item]))
    assert isinstance(done, mw.Completed)
    assert done.stop_reason == "end_turn"


# ---------------------------------------------------------------------- hosted tools


def test_failed_mcp_call_reports_failed_status_and_its_error_as_result() -> None:
    mcp_id = "mcp_68b0a1c6b7c88190e9f0a1b2c3d4e5f60c1d2e3f4a5b6c7d"
    error = {"type": "http_error", "code": 502, "message": "Bad Gateway"}
    failed_item = {
        "id": mcp_id,
        "type": "mcp_call",
        "server_label": "deepwiki",
        "name": "ask_question",
        "arguments": '{"repoName":"a/b"}',
        "output": None,
        "error": error,
        "status": "failed",
    }
    events = decode(
        created(),
        {"type": "response.mcp_call.failed", "item_id": mcp_id, "output_index": 0},
        item_done(failed_item),
        completed([failed_item]),
    )
    statuses = [(e.name, e.status) for e in events if isinstance(e, mw.HostedToolCall)]
    assert statuses == [("mcp", "failed"), ("mcp", "failed")]
    [done] = [e for e in events if isinstance(e, mw.ItemDone)]
    assert isinstance(done.item, mw.HostedToolItem)
    assert done.item.result == error
    assert done.item.input == {
        "server_label": "deepwiki",
        "name": "ask_question",
        "arguments": {"repoName": "a/b"},
    }


def test_file_search_item_carries_its_queries_and_results() -> None:
    item = {
        "id": "fs_68b0a1c7c8d98190f0a1b2c3d4e5f6a70c1d2e3f4a5b6c7d",
        "type": "file_search_call",
        "status": "completed",
        "queries": ["refund policy"],
        "results": [
            {
                "file_id": "file-2dQm8Xk",
                "filename": "policy.pdf",
                "score": 0.92,
                "text": "Refunds within 30 days.",
            }
        ],
    }
    [_, status, done, _] = decode(created(), item_done(item), completed([item]))
    assert isinstance(status, mw.HostedToolCall)
    assert (status.name, status.status) == ("file_search", "completed")
    assert isinstance(done, mw.ItemDone)
    assert isinstance(done.item, mw.HostedToolItem)
    assert done.item.input == {"queries": ["refund policy"]}
    assert done.item.result == item["results"]


def test_image_generation_reports_its_statuses_and_keeps_partial_images_native() -> None:
    ig_id = "ig_68b0a1c8d9e08190a1b2c3d4e5f6a7b80c1d2e3f4a5b6c7d"
    partial = {
        "type": "response.image_generation_call.partial_image",
        "item_id": ig_id,
        "output_index": 0,
        "partial_image_index": 0,
        "partial_image_b64": "iVBORw0KGgo=",
    }
    item = {
        "id": ig_id,
        "type": "image_generation_call",
        "status": "completed",
        "result": "iVBORw0KGgoAAAANSUhEUg==",
    }
    events = decode(
        created(),
        item_added({"id": ig_id, "type": "image_generation_call", "status": "in_progress"}),
        {"type": "response.image_generation_call.generating", "item_id": ig_id, "output_index": 0},
        partial,
        item_done(item),
        completed([item]),
        native_only=True,
    )
    kinds = [
        (type(e).__name__, getattr(e, "status", None) or getattr(e, "type", None))
        for e in events[1:-1]
    ]
    assert kinds == [
        ("HostedToolCall", "in_progress"),
        ("HostedToolCall", "generating"),
        ("NativeOnly", "response.image_generation_call.partial_image"),
        ("HostedToolCall", "completed"),
        ("ItemDone", None),
    ]
    assert isinstance(events[-2], mw.ItemDone)
    assert events[-2].item.result == "iVBORw0KGgoAAAANSUhEUg=="  # type: ignore[union-attr]


# ---------------------------------------------------------------------- native-only and unknown


def test_native_only_emits_the_pass_through_events() -> None:
    events = list(mw.decode("responses", [sse_body("responses", "plain_text")], native_only=True))
    passed = [e.type for e in events if isinstance(e, mw.NativeOnly)]
    assert passed == [
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.done",
        "response.content_part.done",
    ]
    assert all(
        isinstance(e.native, native.EVENT_TYPES[e.type])
        for e in events
        if isinstance(e, mw.NativeOnly)
    )


def test_annotation_added_is_native_only_and_the_annotation_stays_on_the_message() -> None:
    events = list(
        mw.decode("responses", [sse_body("responses", "web_search_call")], native_only=True)
    )
    [annotation] = [
        e
        for e in events
        if isinstance(e, mw.NativeOnly) and e.type == "response.output_text.annotation.added"
    ]
    [message] = [
        e.item for e in events if isinstance(e, mw.ItemDone) and isinstance(e.item, mw.Message)
    ]
    assert isinstance(message.content, list)
    [part] = message.content
    assert isinstance(part, mw.TextPart)
    assert part.annotations == [annotation.raw["annotation"]]


def test_without_native_only_pass_through_events_emit_nothing() -> None:
    events = decode(
        created(),
        {"type": "response.queued", "response": response_object("queued")},
        {"type": "response.in_progress", "response": response_object()},
        completed(),
    )
    assert [type(e) for e in events] == [mw.Created, mw.Completed]


def test_a_payload_without_type_is_unknown_under_its_sse_event_name() -> None:
    [event] = Mapper().map("response.output_text.delta", {"delta": "Hi", "output_index": 0})
    assert isinstance(event, mw.Unknown)
    assert event.type == "response.output_text.delta"
    assert event.native == {"delta": "Hi", "output_index": 0}


# ---------------------------------------------------------------------- errors and endings


def test_error_event_with_nested_details_is_typed_from_its_code() -> None:
    error = decode_error(
        created(),
        text_delta("Partial answer"),
        {
            "type": "error",
            "error": {
                "type": "invalid_request_error",
                "code": "context_length_exceeded",
                "message": "Your input exceeds the context window of this model.",
                "param": "input",
            },
        },
    )
    assert type(error) is mw.ContextWindowExceededError
    assert error.partial is not None
    assert error.partial.text == "Partial answer"


def test_error_event_for_exhausted_quota_is_a_rate_limit_error() -> None:
    error = decode_error(
        created(),
        {
            "type": "error",
            "code": "insufficient_quota",
            "param": None,
            "message": "You exceeded your current quota, please check your plan and billing.",
        },
    )
    assert isinstance(error, mw.RateLimitError)
    assert error.code == "insufficient_quota"
    assert error.error_type is None


def test_error_event_without_code_is_a_server_error() -> None:
    error = decode_error(
        created(),
        {
            "type": "error",
            "code": None,
            "param": None,
            "message": "An error occurred while processing your request. You can retry it.",
        },
    )
    assert isinstance(error, mw.InternalServerError)


def test_response_failed_error_carries_code_message_and_native() -> None:
    failure = {
        "code": "rate_limit_exceeded",
        "message": "Rate limit reached. Please try again in 3s.",
    }
    error = decode_error(
        created(), {"type": "response.failed", "response": response_object("failed", error=failure)}
    )
    assert isinstance(error, mw.RateLimitError)
    assert error.status is None
    assert error.code == "rate_limit_exceeded"
    assert error.message == failure["message"]
    assert error.native == failure
    assert error.retry_after == 3.0


def test_response_failed_for_context_length_is_context_window_exceeded() -> None:
    failure = {
        "code": "context_length_exceeded",
        "message": "Your input exceeds the context window.",
    }
    error = decode_error(
        created(), {"type": "response.failed", "response": response_object("failed", error=failure)}
    )
    assert type(error) is mw.ContextWindowExceededError


def test_response_failed_without_error_object_still_raises_an_api_error() -> None:
    error = decode_error(
        created(), {"type": "response.failed", "response": response_object("failed")}
    )
    assert isinstance(error, mw.APIError)
    assert "failed" in error.message


def test_incomplete_with_an_unknown_reason_stops_with_other() -> None:
    incomplete = {
        "type": "response.incomplete",
        "response": response_object("incomplete", incomplete_details={"reason": "tool_budget"}),
    }
    [_, done] = decode(created(), incomplete)
    assert isinstance(done, mw.Completed)
    assert (done.stop_reason, done.native_stop_reason) == ("other", "tool_budget")


def test_finish_without_a_completion_event_raises_stream_interrupted() -> None:
    mapper = Mapper()
    mapper.map("response.created", created())
    with pytest.raises(mw.StreamInterruptedError, match=r"response\.completed"):
        mapper.finish()


def test_finish_after_completion_owes_nothing() -> None:
    mapper = Mapper()
    mapper.map("response.completed", completed())
    assert mapper.finish() == []


def test_the_decoder_uses_this_mapper_for_responses() -> None:
    mapper = stream_mapper("responses")
    assert isinstance(mapper, Mapper)
    assert mapper.api == "responses"


def test_every_event_of_the_schema_has_a_mapping() -> None:
    # Nothing the schema knows may fall through to Unknown.
    handled = set(Mapper()._handlers)
    assert set(native.EVENT_TYPES) - handled == set()
    assert handled - set(native.EVENT_TYPES) == set()
