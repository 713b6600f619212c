"""The Anthropic Messages stream mapper: every fixture body, then one behaviour per test."""

from __future__ import annotations

import contextlib
import json
from typing import Any, Final

import pytest
from modelwire.native import messages as native

import modelwire as mw

from ..support import expected, run_decode, sse_body, stream_cases, subset_matches

API: Final = "messages"
MESSAGE_ID = "msg_01XFDUDYJgAACzvnptvVoYEL"


def sse(*payloads: dict[str, Any]) -> bytes:
    """A Messages body: each payload framed as ``event: <type>`` + ``data: <json>``."""
    return b"".join(
        f"event: {p['type']}\ndata: {json.dumps(p, separators=(',', ':'))}\n\n".encode()
        for p in payloads
    )


def message_start(usage: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "message_start",
        "message": {
            "id": MESSAGE_ID,
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5-20250929",
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage or {"input_tokens": 10, "output_tokens": 1},
        },
    }


def block_start(index: int, block: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": block}


def block_delta(index: int, delta: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": delta}


def block_stop(index: int) -> dict[str, Any]:
    return {"type": "content_block_stop", "index": index}


def message_end(stop_reason: str = "end_turn", output_tokens: int = 20) -> list[dict[str, Any]]:
    return [
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": output_tokens},
        },
        {"type": "message_stop"},
    ]


def tool_use_body(*fragments: str, start_input: dict[str, Any] | None = None) -> bytes:
    block = {"type": "tool_use", "id": "toolu_01", "name": "lookup", "input": start_input or {}}
    deltas = [block_delta(0, {"type": "input_json_delta", "partial_json": f}) for f in fragments]
    return sse(
        message_start(), block_start(0, block), *deltas, block_stop(0), *message_end("tool_use")
    )


def events_of(body: bytes, *, native_only: bool = False) -> list[mw.Event]:
    return list(mw.decode(API, [body], native_only=native_only))


def fixture_events(name: str) -> list[mw.Event]:
    return events_of(sse_body(API, name))


def only(events: list[mw.Event], kind: type[mw.Event]) -> list[Any]:
    return [e for e in events if type(e) is kind]


# --- every fixture --------------------------------------------------------------------------


def frames(body: bytes) -> list[bytes]:
    """The body cut after every blank line, one SSE frame per chunk, as a network delivers it.

    (A chunk's events are returned only once the whole chunk is mapped, so an in-stream error
    would also swallow the events before it in the same chunk; they stay in ``partial``.)"""
    pieces = body.split(b"\n\n")
    return [piece + b"\n\n" for piece in pieces[:-1]] + [pieces[-1]]


@pytest.mark.parametrize("case", stream_cases(API))
def test_fixture(case: str) -> None:
    outcome = run_decode(API, frames(sse_body(API, case)))
    problems = subset_matches(outcome, expected(API, case))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", stream_cases(API))
def test_every_mapped_event_validates_as_its_native_model(case: str) -> None:
    events: list[mw.Event] = []
    # The failing fixtures still produce events before their error.
    with contextlib.suppress(mw.ModelwireError):
        events.extend(mw.decode(API, frames(sse_body(API, case))))
    for event in events:
        if type(event) is not mw.Unknown:
            assert not isinstance(event.native, dict), f"{event!r} did not validate"


def test_every_schema_stream_event_has_a_handler() -> None:
    from modelwire.apis.messages.stream import Mapper

    # No event the schema lists may fall through to Unknown.
    assert set(native.EVENT_TYPES) <= set(Mapper()._handlers)


# --- .native ----------------------------------------------------------------------------------


def test_event_native_is_the_generated_model_with_unknown_fields_kept() -> None:
    delta = block_delta(0, {"type": "text_delta", "text": "Hi"})
    delta["trace_hint"] = "t-42"
    body = sse(message_start(), block_start(0, {"type": "text", "text": ""}), delta)
    [text_delta] = only(list(mw.StreamDecoder(API).feed(body)), mw.TextDelta)
    assert isinstance(text_delta.native, native.ContentBlockDeltaEvent)
    assert text_delta.native.model_extra == {"trace_hint": "t-42"}


def test_event_native_is_validated_once_and_cached() -> None:
    [created] = only(fixture_events("plain_text"), mw.Created)
    assert created.native is created.native
    assert isinstance(created.native, native.MessageStartEvent)


def test_unknown_event_native_is_its_raw_payload() -> None:
    [unknown] = only(fixture_events("unknown_event"), mw.Unknown)
    assert unknown.native == {"type": "message_progress", "phase": "generating", "elapsed_ms": 412}


def test_response_native_is_the_generated_message() -> None:
    response = mw.collect(fixture_events("thinking_then_text"))
    assert isinstance(response.native, native.Message)
    assert response.native.stop_reason == "end_turn"
    assert [block.type for block in response.native.content] == ["thinking", "text"]


def test_usage_native_is_the_generated_usage_with_cache_fields() -> None:
    response = mw.collect(fixture_events("cache_usage"))
    usage_model = response.usage.native
    assert isinstance(usage_model, native.Usage)
    assert usage_model.cache_read_input_tokens == 4096
    assert usage_model.cache_creation is not None


# --- the final message --------------------------------------------------------------------------


def test_final_message_is_assembled_from_start_blocks_and_delta() -> None:
    [completed] = only(fixture_events("thinking_then_text"), mw.Completed)
    assert completed.final_schema == "Message"
    assert completed.final == {
        "id": "msg_01B2c3D4e5F6g7H8i9J0kLmN",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [
            {
                "type": "thinking",
                "thinking": "The user asks for 27 * 453. "
                "27 * 453 = 27 * 400 + 27 * 53 = 10800 + 1431 = 12231.",
                "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds9aXnB8s3FD1Q2eT3"
                "HNp6KqmPc5NQ7tH1s9LS8vKGHoVgZcfPRRBSkjZx2wqlU9Epy8pW4eB3nQ7ZWk0uq4R",
            },
            {"type": "text", "text": "27 \u00d7 453 = 12,231."},
        ],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 36,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": 98,
            "service_tier": "standard",
        },
    }


def test_final_message_orders_blocks_by_index_not_by_stop_order() -> None:
    [completed] = only(fixture_events("parallel_tool_calls_interleaved"), mw.Completed)
    assert completed.final is not None
    assert [b["input"] for b in completed.final["content"]] == [
        {"city": "Lima"},
        {"city": "Oslo"},
        {"timezone": "Europe/Oslo"},
    ]


def test_final_message_keeps_every_message_delta_field() -> None:
    [completed] = only(fixture_events("code_execution"), mw.Completed)
    assert completed.final is not None
    assert completed.final["container"] == {
        "id": "container_011CPR5CNjB747bTd36fQLFk",
        "expires_at": "2026-11-02T11:15:30Z",
    }


def test_final_message_keeps_refusal_stop_details() -> None:
    [completed] = only(fixture_events("refusal"), mw.Completed)
    assert completed.final is not None
    assert completed.final["stop_details"]["category"] == "cyber"


def test_final_message_keeps_an_unknown_block_as_it_started() -> None:
    [completed] = only(fixture_events("unknown_content_block"), mw.Completed)
    assert completed.final is not None
    assert completed.final["content"][0] == {
        "type": "scratchpad",
        "note": "",
        "visibility": "private",
    }
    assert completed.final["content"][1] == {"type": "text", "text": "Here is the plan."}


def test_citations_are_appended_to_the_text_block() -> None:
    [completed] = only(fixture_events("web_search_with_citations"), mw.Completed)
    assert completed.final is not None
    cited = completed.final["content"][3]
    assert cited["text"] == "Claude Shannon was born on April 30, 1916, in Petoskey, Michigan."
    assert [c["type"] for c in cited["citations"]] == ["web_search_result_location"]


# --- items carry the exact wire block ------------------------------------------------------------


def test_thinking_item_native_is_the_full_signed_block() -> None:
    items = [e.item for e in only(fixture_events("thinking_then_tool_use"), mw.ItemDone)]
    reasoning = items[0]
    assert isinstance(reasoning, mw.Reasoning)
    assert reasoning.is_signed
    assert reasoning.native == {
        "type": "thinking",
        "thinking": reasoning.content,
        "signature": reasoning.signature,
    }


def test_redacted_thinking_item_native_is_the_block_unchanged() -> None:
    [first, *_] = only(fixture_events("redacted_thinking"), mw.ItemDone)
    assert first.item.native == {"type": "redacted_thinking", "data": first.item.redacted_data}
    assert first.item.is_signed


def test_tool_call_native_is_the_wire_block_with_parsed_input() -> None:
    [done] = only(fixture_events("tool_call"), mw.ToolCallDone)
    assert done.call.native == {
        "type": "tool_use",
        "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
        "name": "get_weather",
        "input": {"location": "San Francisco, CA", "unit": "fahrenheit"},
    }


def test_server_tool_use_item_native_has_the_parsed_input() -> None:
    hosted = [e.item for e in only(fixture_events("web_search_with_citations"), mw.ItemDone)][1]
    assert isinstance(hosted, mw.HostedToolItem)
    assert hosted.native == {
        "type": "server_tool_use",
        "id": "srvtoolu_014hJH82Qum7Td6UV8gDXThB",
        "name": "web_search",
        "input": {"query": "claude shannon birth date"},
    }


def test_text_item_native_carries_its_citations() -> None:
    message = [e.item for e in only(fixture_events("multi_part_text"), mw.ItemDone)][1]
    assert isinstance(message, mw.Message)
    assert message.native is not None
    assert message.native["citations"][0]["cited_text"] == "The grass is green."


# --- usage ---------------------------------------------------------------------------------------


def test_input_tokens_count_cache_reads_and_writes() -> None:
    usage = mw.collect(fixture_events("cache_usage")).usage
    assert usage.input_tokens == 15 + 2051 + 4096
    assert usage.cached_input_tokens == 4096


def test_message_delta_usage_replaces_earlier_counts_instead_of_adding() -> None:
    first = {"type": "message_delta", "delta": {}, "usage": {"output_tokens": 30}}
    second = {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn"},
        "usage": {"output_tokens": 55, "input_tokens": 12},
    }
    usage = mw.collect(
        events_of(sse(message_start(), first, second, {"type": "message_stop"}))
    ).usage
    assert (usage.input_tokens, usage.output_tokens) == (12, 55)


def test_message_delta_without_input_counts_keeps_the_start_counts() -> None:
    start = message_start({"input_tokens": 7, "cache_read_input_tokens": 3, "output_tokens": 1})
    usage = mw.collect(events_of(sse(start, *message_end(output_tokens=9)))).usage
    assert (usage.input_tokens, usage.cached_input_tokens, usage.output_tokens) == (10, 3, 9)


def test_cached_input_tokens_is_none_when_cache_reads_are_not_reported() -> None:
    usage = mw.collect(events_of(sse(message_start(), *message_end()))).usage
    assert usage.cached_input_tokens is None
    assert usage.input_tokens == 10


def test_reasoning_tokens_come_from_output_tokens_details_when_reported() -> None:
    end = {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn"},
        "usage": {"output_tokens": 300, "output_tokens_details": {"thinking_tokens": 212}},
    }
    usage = mw.collect(events_of(sse(message_start(), end, {"type": "message_stop"}))).usage
    assert usage.reasoning_tokens == 212


def test_reasoning_tokens_are_none_when_not_reported() -> None:
    usage = mw.collect(fixture_events("thinking_then_text")).usage
    assert usage.reasoning_tokens is None


# --- tool calls ----------------------------------------------------------------------------------


def test_invalid_tool_json_sets_arguments_error_and_keeps_the_text() -> None:
    [done] = only(events_of(tool_use_body('{"city": "Par')), mw.ToolCallDone)
    assert done.call.arguments == {}
    assert done.call.raw_arguments == '{"city": "Par'
    assert done.call.arguments_error is not None
    assert done.call.arguments_error.startswith("tool call arguments are not valid JSON")
    assert done.call.native is not None
    assert done.call.native["input"] == {}


def test_tool_input_that_is_not_an_object_sets_arguments_error() -> None:
    [done] = only(events_of(tool_use_body("[1, 2]")), mw.ToolCallDone)
    assert done.call.arguments == {}
    assert done.call.arguments_error == "tool call arguments are JSON but not an object (list)"


def test_tool_input_given_whole_at_block_start_is_used() -> None:
    body = tool_use_body(start_input={"order_id": "ORD-12345"})
    [done] = only(events_of(body), mw.ToolCallDone)
    assert done.call.arguments == {"order_id": "ORD-12345"}
    assert json.loads(done.call.raw_arguments) == {"order_id": "ORD-12345"}


def test_tool_call_done_precedes_its_item_done() -> None:
    kinds = [type(e) for e in fixture_events("tool_call_empty_arguments")]
    done_at = kinds.index(mw.ToolCallDone)
    assert kinds[done_at + 1] is mw.ItemDone


# --- hosted tools --------------------------------------------------------------------------------


def test_mcp_tool_use_and_result_become_hosted_tool_calls() -> None:
    call = {
        "type": "mcp_tool_use",
        "id": "mcptoolu_01",
        "name": "search_events",
        "server_name": "cal",
        "input": {},
    }
    result = {
        "type": "mcp_tool_result",
        "tool_use_id": "mcptoolu_01",
        "is_error": True,
        "content": [{"type": "text", "text": "calendar offline"}],
    }
    body = sse(
        message_start(),
        block_start(0, call),
        block_delta(0, {"type": "input_json_delta", "partial_json": '{"year": 1948}'}),
        block_stop(0),
        block_start(1, result),
        block_stop(1),
        *message_end(),
    )
    events = events_of(body)
    assert [(e.name, e.status) for e in only(events, mw.HostedToolCall)] == [
        ("search_events", "in_progress"),
        ("search_events", "failed"),
    ]
    items = [e.item for e in only(events, mw.ItemDone)]
    assert items[0].input == {"year": 1948}
    assert items[1].result == result["content"]


def test_result_block_names_its_tool_from_its_type_when_the_call_was_not_seen() -> None:
    result = {
        "type": "code_execution_tool_result",
        "tool_use_id": "srvtoolu_elsewhere",
        "content": {"type": "code_execution_tool_result_error", "error_code": "unavailable"},
    }
    events = events_of(sse(message_start(), block_start(0, result), block_stop(0), *message_end()))
    [hosted] = only(events, mw.HostedToolCall)
    assert (hosted.id, hosted.name, hosted.status) == (
        "srvtoolu_elsewhere",
        "code_execution",
        "failed",
    )


def test_server_tool_input_fragments_are_not_tool_call_events() -> None:
    events = fixture_events("web_search_with_citations")
    assert only(events, mw.ToolCallArgumentsDelta) == []
    assert only(events, mw.ToolCallStarted) == []


# --- pass-through, unknown and malformed events --------------------------------------------------


def test_native_only_emits_native_only_for_the_pass_through_events() -> None:
    events = events_of(sse_body(API, "thinking_then_text"), native_only=True)
    assert [e.type for e in only(events, mw.NativeOnly)] == [
        "content_block_start",  # the thinking block opens: nothing to say yet
        "content_block_delta",  # its signature
        "content_block_start",  # the text block opens
    ]
    ping = events_of(sse_body(API, "ping_keepalive"), native_only=True)
    assert [e.type for e in only(ping, mw.NativeOnly)].count("ping") == 3


def test_native_only_keeps_every_common_event() -> None:
    plain = fixture_events("web_search_with_citations")
    with_native = events_of(sse_body(API, "web_search_with_citations"), native_only=True)
    assert [e for e in with_native if type(e) is not mw.NativeOnly] == plain


def test_ping_without_native_only_yields_nothing() -> None:
    with_ping = events_of(sse(message_start(), {"type": "ping"}, *message_end()))
    assert with_ping == events_of(sse(message_start(), *message_end()))


def test_delta_for_a_block_never_started_is_unknown() -> None:
    stray = block_delta(4, {"type": "text_delta", "text": "lost"})
    events = events_of(sse(message_start(), stray, *message_end()))
    [unknown] = only(events, mw.Unknown)
    assert unknown.raw == stray
    assert only(events, mw.TextDelta) == []


def test_text_block_that_starts_with_text_emits_it() -> None:
    body = sse(
        message_start(),
        block_start(0, {"type": "text", "text": "Hi"}),
        block_stop(0),
        *message_end(),
    )
    response = mw.collect(events_of(body))
    assert response.text == "Hi"


# --- errors and the end of the body --------------------------------------------------------------


@pytest.mark.parametrize(
    ("error_type", "error_class"),
    [
        ("overloaded_error", mw.OverloadedError),
        ("api_error", mw.InternalServerError),
        ("rate_limit_error", mw.RateLimitError),
        ("invalid_request_error", mw.BadRequestError),
    ],
)
def test_error_event_raises_its_typed_error(error_type: str, error_class: type[Exception]) -> None:
    error = {"type": "error", "error": {"type": error_type, "message": "boom"}}
    with pytest.raises(error_class) as raised:
        events_of(sse(message_start(), error))
    assert isinstance(raised.value, mw.APIError)
    assert raised.value.status is None
    assert raised.value.message == "boom"
    assert raised.value.partial is not None
    assert raised.value.partial.id == MESSAGE_ID


def test_unsigned_thinking_cut_off_by_an_error_never_becomes_an_item() -> None:
    body = sse(
        message_start(),
        block_start(0, {"type": "thinking", "thinking": "", "signature": ""}),
        block_delta(0, {"type": "thinking_delta", "thinking": "half a thought"}),
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
    )
    with pytest.raises(mw.OverloadedError) as raised:
        events_of(body)
    assert raised.value.partial is not None
    assert raised.value.partial.reasoning == "half a thought"
    assert raised.value.partial.items == []


def test_body_ending_before_message_stop_raises_stream_interrupted() -> None:
    body = sse(message_start(), *message_end()[:1])
    with pytest.raises(mw.StreamInterruptedError, match="before message_stop"):
        events_of(body)


def test_finish_after_message_stop_owes_nothing() -> None:
    decoder = mw.StreamDecoder(API)
    decoder.feed(sse(message_start(), *message_end()))
    assert decoder.finish() == []
    assert decoder.response.complete


@pytest.mark.parametrize(
    ("wire", "common"),
    [
        ("end_turn", "end_turn"),
        ("stop_sequence", "end_turn"),
        ("max_tokens", "max_tokens"),
        ("model_context_window_exceeded", "max_tokens"),
        ("tool_use", "tool_use"),
        ("pause_turn", "pause"),
        ("refusal", "refusal"),
        ("some_future_reason", "other"),
    ],
)
def test_stop_reason_is_normalized(wire: str, common: str) -> None:
    response = mw.collect(events_of(sse(message_start(), *message_end(wire))))
    assert (response.stop_reason, response.native_stop_reason) == (common, wire)
