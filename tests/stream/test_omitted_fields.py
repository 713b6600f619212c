"""Fields the APIs always send and compatible servers leave out: inferred, and nothing is lost.

The bodies under ``tests/fixtures/stream/compatible/<api>/`` are not valid events of the schema
(that is their point), so they live apart from the recorded fixtures that must be.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import modelwire as mw

from ..support import STREAM_FIXTURES, run_decode, subset_matches

COMPATIBLE = STREAM_FIXTURES / "compatible"


def compatible_cases() -> list[tuple[str, str]]:
    return sorted((path.parent.name, path.stem) for path in COMPATIBLE.glob("*/*.sse"))


def sse(*payloads: dict[str, Any], named: bool = True) -> bytes:
    frames = []
    for payload in payloads:
        head = f"event: {payload['type']}\n" if named else ""
        frames.append(f"{head}data: {json.dumps(payload)}\n\n")
    return "".join(frames).encode()


def collected(api: str, body: bytes) -> mw.Response:
    return mw.collect(mw.decode(api, [body]))  # type: ignore[arg-type]


@pytest.mark.parametrize(("api", "case"), compatible_cases())
def test_compatible_fixture_decodes_to_its_expected_events(api: str, case: str) -> None:
    folder: Path = COMPATIBLE / api
    outcome = run_decode(api, [(folder / f"{case}.sse").read_bytes()])
    wanted = json.loads((folder / f"{case}.expected.json").read_text())
    assert subset_matches(outcome, wanted) == []


# --- Responses -----------------------------------------------------------------------------------

CREATED = {"type": "response.created", "response": {"id": "resp_1", "model": "m"}}
COMPLETED = {"type": "response.completed", "response": {"id": "resp_1", "status": "completed"}}


def test_litellm_reasoning_deltas_without_summary_index_keep_the_whole_answer() -> None:
    response = collected(
        "responses",
        sse(
            CREATED,
            {"type": "response.reasoning_summary_text.delta", "output_index": 0, "delta": "Hmm."},
            {"type": "response.output_text.delta", "output_index": 1, "delta": "Answer."},
            COMPLETED,
        ),
    )
    assert (response.reasoning, response.text, response.complete) == ("Hmm.", "Answer.", True)


def test_a_delta_without_output_index_belongs_to_the_item_it_names() -> None:
    events = list(
        mw.decode(
            "responses",
            [
                sse(
                    CREATED,
                    {"type": "response.output_item.added", "output_index": 3,
                     "item": {"id": "msg_3", "type": "message", "content": []}},
                    {"type": "response.output_text.delta", "item_id": "msg_3", "delta": "Hi"},
                    COMPLETED,
                )
            ],
        )
    )  # fmt: skip
    [text] = [e for e in events if isinstance(e, mw.TextDelta)]
    assert text.index == 3


def test_summary_parts_without_index_are_numbered_in_order() -> None:
    part = {"type": "response.reasoning_summary_part.added", "output_index": 0}
    delta = {"type": "response.reasoning_summary_text.delta", "output_index": 0}
    events = list(
        mw.decode(
            "responses",
            [sse(CREATED, part, {**delta, "delta": "One."}, part, {**delta, "delta": "Two."},
                 COMPLETED)],
        )
    )  # fmt: skip
    parts = [(e.part, e.text) for e in events if isinstance(e, mw.ReasoningDelta)]
    assert parts == [(0, "One."), (1, "Two.")]
    assert mw.collect(events).reasoning == "One.\n\nTwo."


def test_items_without_output_index_take_the_next_index() -> None:
    call = {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "f",
            "arguments": ""}  # fmt: skip
    response = collected(
        "responses",
        sse(
            CREATED,
            {"type": "response.output_item.added", "item": call},
            {"type": "response.function_call_arguments.delta", "item_id": "fc_1", "delta": "{}"},
            {"type": "response.output_item.done", "item": {**call, "arguments": "{}"}},
            COMPLETED,
        ),
    )
    [tool_call] = response.tool_calls
    assert (tool_call.id, tool_call.name, tool_call.arguments) == ("call_1", "f", {})
    assert response.stop_reason == "tool_use"


def test_events_without_sequence_number_or_sse_names_decode_the_same() -> None:
    response = collected(
        "responses",
        sse(CREATED, {"type": "response.output_text.delta", "delta": "Hi"}, COMPLETED, named=False),
    )
    assert (response.text, response.complete) == ("Hi", True)


def test_a_null_delta_is_no_text() -> None:
    response = collected(
        "responses", sse(CREATED, {"type": "response.output_text.delta", "delta": None}, COMPLETED)
    )
    assert (response.text, response.complete) == ("", True)


# --- Messages ------------------------------------------------------------------------------------

MESSAGE_START = {"type": "message_start", "message": {"id": "msg_1", "model": "m", "usage": {}}}
MESSAGE_END = [
    {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 3}},
    {"type": "message_stop"},
]


def test_block_events_without_index_belong_to_the_block_being_streamed() -> None:
    response = collected(
        "messages",
        sse(
            MESSAGE_START,
            {"type": "content_block_start", "content_block": {"type": "thinking", "thinking": ""}},
            {"type": "content_block_delta", "delta": {"type": "thinking_delta", "thinking": "Hm."}},
            {"type": "content_block_stop"},
            {"type": "content_block_start", "content_block": {"type": "text", "text": ""}},
            {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "Hi"}},
            {"type": "content_block_stop"},
            *MESSAGE_END,
        ),
    )
    assert (response.reasoning, response.text, response.complete) == ("Hm.", "Hi", True)
    assert [type(item).__name__ for item in response.items] == ["Reasoning", "Message"]
    assert response.final is not None
    assert [block["type"] for block in response.final["content"]] == ["thinking", "text"]


def test_deltas_and_blocks_without_type_are_known_by_their_field() -> None:
    response = collected(
        "messages",
        sse(
            MESSAGE_START,
            {"type": "content_block_start", "index": 0, "content_block": {"text": ""}},
            {"type": "content_block_delta", "index": 0, "delta": {"text": "Hi"}},
            {"type": "content_block_stop", "index": 0},
            *MESSAGE_END,
        ),
    )
    assert (response.text, response.complete) == ("Hi", True)


def test_tool_input_fragment_that_is_null_adds_nothing() -> None:
    block = {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}
    response = collected(
        "messages",
        sse(
            MESSAGE_START,
            {"type": "content_block_start", "index": 0, "content_block": block},
            {"type": "content_block_delta", "index": 0,
             "delta": {"type": "input_json_delta", "partial_json": None}},
            {"type": "content_block_delta", "index": 0,
             "delta": {"type": "input_json_delta", "partial_json": '{"a":1}'}},
            {"type": "content_block_stop", "index": 0},
            *MESSAGE_END,
        ),
    )  # fmt: skip
    [call] = response.tool_calls
    assert call.arguments == {"a": 1}
