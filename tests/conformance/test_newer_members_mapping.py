"""The stream mappers and body decoders on the members the first schemas lacked (issue 13, item 5):
Responses shell, local shell, apply_patch, tool search and program items; Messages compaction,
mcp_tool_listing, advisor_tool_result and fallback blocks. The payloads follow the recordings in
the corpus (langchain-openai's test_apply_patch, langchain-anthropic's test_compaction_streaming).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import modelwire as mw
from modelwire.bodies import decode_body

APPLY_PATCH = {
    "id": "apc_1",
    "type": "apply_patch_call",
    "status": "completed",
    "call_id": "call_1",
    "operation": {"type": "create_file", "diff": "+hello world\n", "path": "hello.txt"},
}


def sse(api: str, payloads: list[dict[str, Any]]) -> bytes:
    frames = []
    for payload in payloads:
        frames.append(f"event: {payload['type']}\ndata: {json.dumps(payload)}\n\n")
    return "".join(frames).encode()


def responses_stream(item: dict[str, Any], between: list[dict[str, Any]]) -> bytes:
    started = {**item, "status": "in_progress"}
    final = {"id": "resp_1", "object": "response", "status": "completed", "output": [item]}
    return sse(
        "responses",
        [
            {"type": "response.created", "response": {**final, "output": [], "model": "gpt-x"}},
            {"type": "response.output_item.added", "item": started, "output_index": 0},
            *between,
            {"type": "response.output_item.done", "item": item, "output_index": 0},
            {"type": "response.completed", "response": final},
        ],
    )


DIFF_DELTAS = [
    {
        "type": "response.apply_patch_call_operation_diff.delta",
        "delta": piece,
        "item_id": "apc_1",
        "output_index": 0,
    }
    for piece in ("+hello", " world\n")
] + [
    {
        "type": "response.apply_patch_call_operation_diff.done",
        "diff": "+hello world\n",
        "item_id": "apc_1",
        "output_index": 0,
    }
]


def test_an_apply_patch_call_is_announced_finished_and_stops_for_the_caller() -> None:
    events = list(mw.decode("responses", [responses_stream(APPLY_PATCH, DIFF_DELTAS)]))
    hosted = [(e.name, e.status) for e in events if isinstance(e, mw.HostedToolCall)]
    assert hosted == [("apply_patch", "in_progress"), ("apply_patch", "completed")]
    response = mw.collect(events)
    (item,) = response.items
    assert isinstance(item, mw.HostedToolCallItem)
    assert (item.id, item.name, item.input) == ("apc_1", "apply_patch", APPLY_PATCH["operation"])
    assert item.native == APPLY_PATCH
    assert response.stop_reason == "tool_use"


def test_the_diff_events_are_native_only() -> None:
    body = responses_stream(APPLY_PATCH, DIFF_DELTAS)
    native_only = [
        e.type
        for e in mw.decode("responses", [body], native_only=True)
        if isinstance(e, mw.NativeOnly)
    ]
    assert native_only == [d["type"] for d in DIFF_DELTAS]
    for event in mw.decode("responses", [body], native_only=True):
        assert event.native is not None


@pytest.mark.parametrize(
    ("item", "name", "stop_reason"),
    [
        (
            {
                "type": "shell_call",
                "id": "sh_1",
                "call_id": "c",
                "action": {"commands": ["ls"]},
                "environment": {"type": "local"},
                "status": "completed",
            },
            "shell",
            "tool_use",
        ),
        (
            {
                "type": "shell_call",
                "id": "sh_2",
                "call_id": "c",
                "action": {"commands": ["ls"]},
                "environment": {"type": "container_reference", "container_id": "cntr_1"},
                "status": "completed",
            },
            "shell",
            "end_turn",
        ),
        (
            {
                "type": "local_shell_call",
                "id": "lsh_1",
                "call_id": "c",
                "action": {"type": "exec", "command": ["ls"], "env": {}},
                "status": "completed",
            },
            "local_shell",
            "tool_use",
        ),
        (
            {
                "type": "tool_search_call",
                "id": "tsc_1",
                "call_id": "c",
                "execution": "client",
                "arguments": {"goal": "weather"},
                "status": "completed",
            },
            "tool_search",
            "tool_use",
        ),
        (
            {
                "type": "tool_search_call",
                "id": "tsc_2",
                "execution": "server",
                "arguments": {"goal": "weather"},
                "status": "completed",
            },
            "tool_search",
            "end_turn",
        ),
        (
            {"type": "program", "id": "prg_1", "call_id": "c", "code": "1 + 1"},
            "program",
            "end_turn",
        ),
    ],
    ids=[
        "shell-local",
        "shell-hosted",
        "local-shell",
        "tool-search-client",
        "tool-search-server",
        "program",
    ],
)
def test_newer_tool_items_in_a_stream_and_a_body_agree(
    item: dict[str, Any], name: str, stop_reason: str
) -> None:
    streamed = mw.collect(mw.decode("responses", [responses_stream(item, [])]))
    body = decode_body(
        "responses", {"id": "resp_1", "object": "response", "status": "completed", "output": [item]}
    )
    for response in (streamed, body):
        (received,) = response.items
        assert isinstance(received, mw.HostedToolCallItem)
        assert (received.name, received.native) == (name, item)
        assert received.input is not None
        assert response.stop_reason == stop_reason


def messages_stream(blocks: list[list[dict[str, Any]]]) -> bytes:
    """Each entry: the start block, then its deltas."""
    message = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x",
               "content": [], "usage": {"input_tokens": 3, "output_tokens": 0}}  # fmt: skip
    payloads: list[dict[str, Any]] = [{"type": "message_start", "message": message}]
    for index, (start, *deltas) in enumerate(blocks):
        payloads.append({"type": "content_block_start", "index": index, "content_block": start})
        payloads.extend(
            {"type": "content_block_delta", "index": index, "delta": delta} for delta in deltas
        )
        payloads.append({"type": "content_block_stop", "index": index})
    payloads.append(
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 9},
        }
    )
    payloads.append({"type": "message_stop"})
    return sse("messages", payloads)


def test_a_compaction_block_collects_its_summary_into_one_item_and_the_final_message() -> None:
    body = messages_stream(
        [
            [
                {"type": "compaction", "content": None},
                {"type": "compaction_delta", "content": "The user asked "},
                {"type": "compaction_delta", "content": "for a summary."},
            ],
            [{"type": "text", "text": ""}, {"type": "text_delta", "text": "Done."}],
        ]
    )
    events = list(mw.decode("messages", [body]))
    assert not [e for e in events if isinstance(e, mw.Unknown)]
    response = mw.collect(events)
    compaction, _message = response.items
    assert isinstance(compaction, mw.HostedToolCallItem)
    assert (compaction.name, compaction.result) == ("compaction", "The user asked for a summary.")
    assert compaction.native == {"type": "compaction", "content": "The user asked for a summary."}
    assert response.text == "Done."
    final = response.native
    assert final.content[0].content == "The user asked for a summary."  # type: ignore[union-attr]


LISTING = {"type": "mcp_tool_listing", "mcp_server_name": "deepwiki", "tools": [{"name": "ask"}]}
ADVISOR_CALL = {"type": "server_tool_use", "id": "srvtoolu_1", "name": "advisor", "input": {}}
ADVISOR_RESULT = {
    "type": "advisor_tool_result",
    "tool_use_id": "srvtoolu_1",
    "content": {"type": "advisor_result", "text": "Check the units."},
}
FALLBACK = {
    "type": "fallback",
    "from": {"model": "claude-a"},
    "to": {"model": "claude-b"},
    "trigger": {"type": "refusal", "category": "cyber"},
}


def test_beta_blocks_in_a_stream_and_a_body_agree() -> None:
    streamed = mw.collect(
        mw.decode(
            "messages", [messages_stream([[LISTING], [ADVISOR_CALL], [ADVISOR_RESULT], [FALLBACK]])]
        )
    )
    body = decode_body(
        "messages",
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-x",
            "content": [LISTING, ADVISOR_CALL, ADVISOR_RESULT, FALLBACK],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 3, "output_tokens": 9},
        },
    )
    for response in (streamed, body):
        named = [(i.name, getattr(i, "status", None)) for i in response.items]
        assert named == [
            ("mcp_tool_listing", "completed"),
            ("advisor", "in_progress"),
            ("advisor", "completed"),
        ]
        listing = response.items[0]
        assert isinstance(listing, mw.HostedToolCallItem)
        assert (listing.input, listing.result) == (
            {"mcp_server_name": "deepwiki"},
            LISTING["tools"],
        )
        assert [b["type"] for b in response.native.model_dump(by_alias=True)["content"]] == [  # type: ignore[union-attr]
            "mcp_tool_listing",
            "server_tool_use",
            "advisor_tool_result",
            "fallback",
        ]
