"""A Responses ``response`` body: one behaviour per test, each checked against the stream path
where the stream can say the same thing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from modelwire.native import responses as native

import modelwire as mw
from modelwire.bodies import BodyDecodeError, decode_body

RESPONSE_ID = "resp_68b0a1c2d3e48190a5b6c7d8e9f0a1b20c1d2e3f4a5b6c7d"
MODEL = "gpt-4.1-2025-04-14"


def response(status: str = "completed", output: list[Any] | None = None, **fields: Any) -> Any:
    return {
        "id": RESPONSE_ID,
        "object": "response",
        "created_at": 1756400000,
        "status": status,
        "error": None,
        "incomplete_details": None,
        "model": MODEL,
        "output": output or [],
        "usage": {
            "input_tokens": 20,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 5,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 25,
        },
        **fields,
    }


def message(text: str, message_id: str = "msg_1") -> dict[str, Any]:
    return {
        "id": message_id,
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def function_call(arguments: Any, call_id: str = "call_1") -> dict[str, Any]:
    return {
        "id": "fc_1",
        "type": "function_call",
        "status": "completed",
        "call_id": call_id,
        "name": "get_weather",
        "arguments": arguments,
    }


def sse(*payloads: dict[str, Any]) -> bytes:
    return b"".join(f"event: {p['type']}\ndata: {json.dumps(p)}\n\n".encode() for p in payloads)


def streamed(body: dict[str, Any]) -> mw.Response:
    """The same response streamed: created, each item added and done, completed."""
    payloads: list[dict[str, Any]] = [{"type": "response.created", "response": body}]
    for index, item in enumerate(body["output"]):
        payloads.append({"type": "response.output_item.added", "output_index": index, "item": item})
        payloads.append({"type": "response.output_item.done", "output_index": index, "item": item})
    payloads.append({"type": "response.completed", "response": body})
    return mw.collect(mw.decode("responses", [sse(*payloads)]))


def test_error_body_raises_the_typed_error_the_stream_error_event_raises() -> None:
    error = {
        "message": "Rate limit reached for gpt-4.1. Please try again in 1.5s.",
        "type": "tokens",
        "param": None,
        "code": "rate_limit_exceeded",
    }
    with pytest.raises(mw.RateLimitError) as from_body:
        decode_body("responses", json.dumps({"error": error}))
    with pytest.raises(mw.RateLimitError) as from_stream:
        list(mw.decode("responses", [sse({"type": "error", "error": error})]))
    assert str(from_body.value) == str(from_stream.value)
    assert from_body.value.retry_after == pytest.approx(1.5)
    assert from_body.value.native == {"error": error}


def test_a_failed_response_raises_its_error_with_what_the_body_holds() -> None:
    body = response(
        "failed",
        [message("Partial answer")],
        error={"code": "server_error", "message": "The server had an error."},
    )
    with pytest.raises(mw.InternalServerError) as raised:
        decode_body("responses", body)
    partial = raised.value.partial
    assert partial is not None
    assert partial.text == "Partial answer"
    assert partial.complete is False


def test_unknown_output_item_types_are_kept_as_items_and_do_not_stop_the_rest() -> None:
    future = {"id": "fut_1", "type": "future_tool_call", "status": "completed", "detail": 7}
    body = response(output=[future, message("Still here.")])
    decoded = decode_body("responses", body)
    assert decoded.text == "Still here."
    kept = decoded.items[0]
    assert isinstance(kept, mw.HostedToolItem)
    assert kept.native == future
    assert kept.name == "future_tool"
    assert decoded.items == streamed(body).items


def test_unknown_content_parts_of_a_message_are_left_to_native() -> None:
    item = message("Text.")
    item["content"].append({"type": "output_audio", "data": "AAAA"})
    decoded = decode_body("responses", response(output=[item]))
    assert decoded.text == "Text."
    assert decoded.items[0].native == item  # type: ignore[union-attr]


def test_invalid_argument_json_is_kept_raw_with_the_streams_reason() -> None:
    body = response(output=[function_call('{"city": "Par')])
    (call,) = decode_body("responses", body).tool_calls
    assert call.arguments == {}
    assert call.raw_arguments == '{"city": "Par'
    assert call.arguments_error is not None
    assert call == streamed(body).tool_calls[0]


def test_arguments_sent_as_a_json_object_are_read_as_their_text() -> None:
    (call,) = decode_body(
        "responses", response(output=[function_call({"city": "Oslo"})])
    ).tool_calls
    assert call.arguments == {"city": "Oslo"}
    assert json.loads(call.raw_arguments) == {"city": "Oslo"}


def test_a_function_call_stops_for_tool_use() -> None:
    decoded = decode_body("responses", response(output=[function_call('{"city":"Oslo"}')]))
    assert decoded.stop_reason == "tool_use"
    assert decoded.native_stop_reason == "completed"


def test_incomplete_without_a_reason_is_other() -> None:
    decoded = decode_body("responses", response("incomplete", [message("Cut")]))
    assert (decoded.stop_reason, decoded.native_stop_reason) == ("other", "incomplete")
    assert decoded.complete is True


@pytest.mark.parametrize("status", ["queued", "in_progress"])
def test_a_background_response_still_running_is_not_complete(status: str) -> None:
    decoded = decode_body("responses", response(status))
    assert decoded.complete is False
    assert decoded.stop_reason is None
    assert decoded.native_stop_reason == status
    assert decoded.id == RESPONSE_ID


def test_a_response_without_status_from_a_compatible_server_is_a_finished_turn() -> None:
    body = response(output=[message("Hi")])
    del body["status"]
    decoded = decode_body("responses", body)
    assert (decoded.stop_reason, decoded.native_stop_reason, decoded.complete) == (
        "end_turn",
        None,
        True,
    )


def test_usage_and_native_are_the_generated_models() -> None:
    decoded = decode_body("responses", response(output=[message("Hi")]))
    assert decoded.usage.input_tokens == 20
    assert isinstance(decoded.usage.native, native.ResponseUsage)
    assert isinstance(decoded.native, native.Response)
    assert decoded.native.id == RESPONSE_ID


def test_a_body_that_is_neither_a_response_nor_an_error_is_refused() -> None:
    with pytest.raises(BodyDecodeError, match="neither a response object nor an error"):
        decode_body("responses", {"id": "x", "choices": []})
