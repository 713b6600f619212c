"""Synthetic but wire-exact stream bodies of each API, long enough to measure.

Each builder returns the whole body as bytes; ``chunks`` cuts it as a network read would.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

CHUNK = 8192


def chunks(body: bytes, size: int = CHUNK) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)]


def _sse(event: str | None, payload: dict[str, Any]) -> bytes:
    data = json.dumps(payload, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {data}\n\n".encode()


def _words(n: int) -> Iterator[str]:
    for i in range(n):
        yield f"word{i % 97} "


def _fragments(n: int) -> list[str]:
    """JSON argument text in n fragments that join into one valid object."""
    parts = ['{"items": [']
    parts.extend(f'"item {i}", ' for i in range(n - 2))
    parts.append('"last"]}')
    return parts


# --- Responses -------------------------------------------------------------------------------


def _response_object(status: str, output: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": "resp_bench",
        "object": "response",
        "created_at": 1764000000,
        "status": status,
        "model": "gpt-5.1",
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": {
            "input_tokens": 20,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 1000,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 1020,
        }
        if status == "completed"
        else None,
    }


class _Seq:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, payload: dict[str, Any]) -> bytes:
        payload["sequence_number"] = self.n
        self.n += 1
        return _sse(payload["type"], payload)


def responses_text(n: int) -> bytes:
    seq = _Seq()
    out = [seq({"type": "response.created", "response": _response_object("in_progress", [])})]
    item = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "status": "in_progress",
        "content": [],
    }
    out.append(seq({"type": "response.output_item.added", "output_index": 0, "item": item}))
    part = {"type": "output_text", "text": "", "annotations": []}
    out.append(
        seq(
            {
                "type": "response.content_part.added",
                "item_id": "msg_1",
                "output_index": 0,
                "content_index": 0,
                "part": part,
            }
        )
    )
    text = []
    for word in _words(n):
        text.append(word)
        out.append(
            seq(
                {
                    "type": "response.output_text.delta",
                    "item_id": "msg_1",
                    "output_index": 0,
                    "content_index": 0,
                    "delta": word,
                    "logprobs": [],
                }
            )
        )
    full = "".join(text)
    out.append(
        seq(
            {
                "type": "response.output_text.done",
                "item_id": "msg_1",
                "output_index": 0,
                "content_index": 0,
                "text": full,
                "logprobs": [],
            }
        )
    )
    done_part = {"type": "output_text", "text": full, "annotations": []}
    out.append(
        seq(
            {
                "type": "response.content_part.done",
                "item_id": "msg_1",
                "output_index": 0,
                "content_index": 0,
                "part": done_part,
            }
        )
    )
    done_item = {**item, "status": "completed", "content": [done_part]}
    out.append(seq({"type": "response.output_item.done", "output_index": 0, "item": done_item}))
    out.append(
        seq({"type": "response.completed", "response": _response_object("completed", [done_item])})
    )
    return b"".join(out)


def responses_tools(n: int) -> bytes:
    seq = _Seq()
    out = [seq({"type": "response.created", "response": _response_object("in_progress", [])})]
    done_items = []
    for call in range(3):
        item = {
            "id": f"fc_{call}",
            "type": "function_call",
            "status": "in_progress",
            "call_id": f"call_{call}",
            "name": "lookup",
            "arguments": "",
        }
        out.append(seq({"type": "response.output_item.added", "output_index": call, "item": item}))
        fragments = _fragments(n // 3)
        for fragment in fragments:
            out.append(
                seq(
                    {
                        "type": "response.function_call_arguments.delta",
                        "item_id": f"fc_{call}",
                        "output_index": call,
                        "delta": fragment,
                    }
                )
            )
        arguments = "".join(fragments)
        out.append(
            seq(
                {
                    "type": "response.function_call_arguments.done",
                    "item_id": f"fc_{call}",
                    "output_index": call,
                    "arguments": arguments,
                }
            )
        )
        done = {**item, "status": "completed", "arguments": arguments}
        done_items.append(done)
        out.append(seq({"type": "response.output_item.done", "output_index": call, "item": done}))
    out.append(
        seq({"type": "response.completed", "response": _response_object("completed", done_items)})
    )
    return b"".join(out)


def responses_reasoning(n: int) -> bytes:
    seq = _Seq()
    out = [seq({"type": "response.created", "response": _response_object("in_progress", [])})]
    item = {"id": "rs_1", "type": "reasoning", "summary": []}
    out.append(seq({"type": "response.output_item.added", "output_index": 0, "item": item}))
    out.append(
        seq(
            {
                "type": "response.reasoning_summary_part.added",
                "item_id": "rs_1",
                "output_index": 0,
                "summary_index": 0,
                "part": {"type": "summary_text", "text": ""},
            }
        )
    )
    text = []
    for word in _words(n):
        text.append(word)
        out.append(
            seq(
                {
                    "type": "response.reasoning_summary_text.delta",
                    "item_id": "rs_1",
                    "output_index": 0,
                    "summary_index": 0,
                    "delta": word,
                }
            )
        )
    full = "".join(text)
    out.append(
        seq(
            {
                "type": "response.reasoning_summary_text.done",
                "item_id": "rs_1",
                "output_index": 0,
                "summary_index": 0,
                "text": full,
            }
        )
    )
    out.append(
        seq(
            {
                "type": "response.reasoning_summary_part.done",
                "item_id": "rs_1",
                "output_index": 0,
                "summary_index": 0,
                "part": {"type": "summary_text", "text": full},
            }
        )
    )
    done = {
        **item,
        "summary": [{"type": "summary_text", "text": full}],
        "encrypted_content": "gAAAA" + "x" * 200,
    }
    out.append(seq({"type": "response.output_item.done", "output_index": 0, "item": done}))
    out.append(
        seq({"type": "response.completed", "response": _response_object("completed", [done])})
    )
    return b"".join(out)


# --- Chat ------------------------------------------------------------------------------------


def _chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
    payload = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1764000000,
        "model": "gpt-5.1",
        "system_fingerprint": "fp_bench",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    return _sse(None, payload)


def _chat_tail(finish: str) -> list[bytes]:
    usage = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1764000000,
        "model": "gpt-5.1",
        "choices": [],
        "usage": {"prompt_tokens": 20, "completion_tokens": 1000, "total_tokens": 1020},
    }
    return [_chunk({}, finish), _sse(None, usage), b"data: [DONE]\n\n"]


def chat_text(n: int) -> bytes:
    out = [_chunk({"role": "assistant", "content": ""})]
    out.extend(_chunk({"content": word}) for word in _words(n))
    return b"".join(out + _chat_tail("stop"))


def chat_tools(n: int) -> bytes:
    out = [_chunk({"role": "assistant", "content": None})]
    fragments = [_fragments(n // 3) for _ in range(3)]
    for call in range(3):
        start = {
            "index": call,
            "id": f"call_{call}",
            "type": "function",
            "function": {"name": "lookup", "arguments": ""},
        }
        out.append(_chunk({"tool_calls": [start]}))
    # The three calls' fragments interleave, as parallel calls do on the wire.
    for row in zip(*fragments, strict=True):
        for call, fragment in enumerate(row):
            out.append(
                _chunk({"tool_calls": [{"index": call, "function": {"arguments": fragment}}]})
            )
    return b"".join(out + _chat_tail("tool_calls"))


def chat_reasoning(n: int) -> bytes:
    out = [_chunk({"role": "assistant", "content": ""})]
    out.extend(_chunk({"reasoning_content": word}) for word in _words(n))
    out.append(_chunk({"content": "done"}))
    return b"".join(out + _chat_tail("stop"))


# --- Messages --------------------------------------------------------------------------------


def _message_start() -> bytes:
    message = {
        "id": "msg_bench",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 20,
            "output_tokens": 1,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }
    return _sse("message_start", {"type": "message_start", "message": message})


def _message_end(stop: str) -> list[bytes]:
    return [
        _sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": 1000},
            },
        ),
        _sse("message_stop", {"type": "message_stop"}),
    ]


def messages_text(n: int) -> bytes:
    out = [
        _message_start(),
        _sse(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
    ]
    for i, word in enumerate(_words(n)):
        out.append(
            _sse(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": word},
                },
            )
        )
        if i % 1000 == 999:
            out.append(_sse("ping", {"type": "ping"}))
    out.append(_sse("content_block_stop", {"type": "content_block_stop", "index": 0}))
    return b"".join(out + _message_end("end_turn"))


def messages_tools(n: int) -> bytes:
    out = [_message_start()]
    for call in range(3):
        block = {"type": "tool_use", "id": f"toolu_{call}", "name": "lookup", "input": {}}
        out.append(
            _sse(
                "content_block_start",
                {"type": "content_block_start", "index": call, "content_block": block},
            )
        )
        for fragment in _fragments(n // 3):
            out.append(
                _sse(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": call,
                        "delta": {"type": "input_json_delta", "partial_json": fragment},
                    },
                )
            )
        out.append(_sse("content_block_stop", {"type": "content_block_stop", "index": call}))
    return b"".join(out + _message_end("tool_use"))


def messages_reasoning(n: int) -> bytes:
    out = [
        _message_start(),
        _sse(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "thinking", "thinking": "", "signature": ""},
            },
        ),
    ]
    out.extend(
        _sse(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "thinking_delta", "thinking": word},
            },
        )
        for word in _words(n)
    )
    out.append(
        _sse(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "signature_delta", "signature": "EqQBCkYIBxgCKkD" + "x" * 100},
            },
        )
    )
    out.append(_sse("content_block_stop", {"type": "content_block_stop", "index": 0}))
    out.append(
        _sse(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 1,
                "content_block": {"type": "text", "text": ""},
            },
        )
    )
    out.append(
        _sse(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 1,
                "delta": {"type": "text_delta", "text": "done"},
            },
        )
    )
    out.append(_sse("content_block_stop", {"type": "content_block_stop", "index": 1}))
    return b"".join(out + _message_end("end_turn"))


BODIES: dict[str, dict[str, Callable[[int], bytes]]] = {
    "responses": {
        "text": responses_text,
        "tools": responses_tools,
        "reasoning": responses_reasoning,
    },
    "chat": {"text": chat_text, "tools": chat_tools, "reasoning": chat_reasoning},
    "messages": {"text": messages_text, "tools": messages_tools, "reasoning": messages_reasoning},
}


def count_events(body: bytes) -> int:
    return body.count(b"data: ") - body.count(b"data: [DONE]")
