"""Small hand-built streams of each API, with the tool arguments (or event data) to attack."""

from __future__ import annotations

from typing import Any

import orjson

APIS = ("chat", "messages", "responses")
FIRST = {"output_index": 0}


def sse(*payloads: dict[str, Any], named: bool = False) -> bytes:
    out = b""
    for payload in payloads:
        if named:
            out += b"event: " + payload["type"].encode() + b"\n"
        out += b"data: " + orjson.dumps(payload) + b"\n\n"
    return out


def tool_stream(api: str, arguments: str) -> bytes:
    """A complete stream whose one tool call has ``arguments`` as its argument text."""
    if api == "chat":
        base = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
        call = {"index": 0, "id": "call_1", "type": "function"}
        call["function"] = {"name": "f", "arguments": arguments}
        delta = {"role": "assistant", "tool_calls": [call]}
        return (
            sse(
                {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
                {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
            )
            + b"data: [DONE]\n\n"
        )
    if api == "messages":
        message = {"id": "msg_1", "type": "message", "role": "assistant", "model": "m"}
        message |= {"content": [], "stop_reason": None, "stop_sequence": None}
        message["usage"] = {"input_tokens": 1, "output_tokens": 1}
        block = {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}
        delta = {"type": "input_json_delta", "partial_json": arguments}
        return sse(
            {"type": "message_start", "message": message},
            {"type": "content_block_start", "index": 0, "content_block": block},
            {"type": "content_block_delta", "index": 0, "delta": delta},
            {"type": "content_block_stop", "index": 0},
            {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {}},
            {"type": "message_stop"},
            named=True,
        )
    item = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "f"}
    item |= {"arguments": "", "status": "in_progress"}
    done = {**item, "arguments": arguments, "status": "completed"}
    response = {"id": "resp_1", "object": "response", "created_at": 1, "model": "m"}
    response |= {"status": "in_progress", "output": []}
    where = {"item_id": "fc_1", "output_index": 0}
    return sse(
        {"type": "response.created", "sequence_number": 0, "response": response},
        {"type": "response.output_item.added", "sequence_number": 1, **FIRST, "item": item},
        {"type": "response.function_call_arguments.delta", "sequence_number": 2, **where,
         "delta": arguments},
        {"type": "response.function_call_arguments.done", "sequence_number": 3, **where,
         "arguments": arguments},
        {"type": "response.output_item.done", "sequence_number": 4, **FIRST, "item": done},
        {"type": "response.completed", "sequence_number": 5,
         "response": {**response, "status": "completed", "output": [done]}},
        named=True,
    )  # fmt: skip


def text_stream(api: str, text: str) -> bytes:
    """A complete plain-text answer."""
    if api == "chat":
        base = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
        delta = {"role": "assistant", "content": text}
        return (
            sse(
                {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
                {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            )
            + b"data: [DONE]\n\n"
        )
    if api == "messages":
        message = {"id": "msg_1", "type": "message", "role": "assistant", "model": "m"}
        message |= {"content": [], "stop_reason": None, "stop_sequence": None}
        message["usage"] = {"input_tokens": 1, "output_tokens": 1}
        return sse(
            {"type": "message_start", "message": message},
            {"type": "content_block_start", "index": 0,
             "content_block": {"type": "text", "text": ""}},
            {"type": "content_block_delta", "index": 0,
             "delta": {"type": "text_delta", "text": text}},
            {"type": "content_block_stop", "index": 0},
            {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {}},
            {"type": "message_stop"},
            named=True,
        )  # fmt: skip
    item = {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed"}
    item["content"] = [{"type": "output_text", "text": text, "annotations": []}]
    response = {"id": "resp_1", "object": "response", "created_at": 1, "model": "m"}
    return sse(
        {"type": "response.created", "sequence_number": 0,
         "response": {**response, "status": "in_progress", "output": []}},
        {"type": "response.output_text.delta", "sequence_number": 1, "item_id": "msg_1",
         "output_index": 0, "content_index": 0, "delta": text},
        {"type": "response.output_item.done", "sequence_number": 2, **FIRST, "item": item},
        {"type": "response.completed", "sequence_number": 3,
         "response": {**response, "status": "completed", "output": [item]}},
        named=True,
    )  # fmt: skip
