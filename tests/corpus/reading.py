"""A plain, independent reading of a recorded answer, to check what modelwire makes of it.

Deliberately naive: split the body into server-sent events, parse each data line as JSON, and
read off the few facts any reader agrees on (the text deltas, the tool calls' ids and names, the
output token count, whether the server reported an error). It shares no code with modelwire.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

_EVENT_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")
_LINE_END = re.compile(rb"\r\n|\n|\r")


@dataclass
class Frame:
    """One server-sent event: its ``event:`` name (if any) and its data, parsed when JSON."""

    name: str | None
    data: bytes
    payload: Any = None
    is_json: bool = False


def frames(body: bytes) -> list[Frame]:
    out: list[Frame] = []
    for block in _EVENT_END.split(body):
        name: str | None = None
        data: list[bytes] = []
        for line in _LINE_END.split(block):
            field_name, _, value = line.partition(b":")
            value = value.removeprefix(b" ")
            if field_name == b"event":
                name = value.decode("utf-8")
            elif field_name == b"data":
                data.append(value)
        if not data:
            continue
        frame = Frame(name, b"\n".join(data))
        with contextlib.suppress(ValueError):
            frame.payload, frame.is_json = json.loads(frame.data), True
        out.append(frame)
    return out


def payloads(body: bytes) -> list[dict[str, Any]]:
    """The JSON objects of a stream, in order ([DONE] and other non-JSON data left out)."""
    return [f.payload for f in frames(body) if f.is_json and isinstance(f.payload, dict)]


@dataclass
class Reading:
    text: str = ""
    # (call id, tool name) of each function tool call, in the order the calls began.
    tool_calls: list[tuple[str, str]] = field(default_factory=list)
    output_tokens: int | None = None
    error: bool = False


def read_stream(api: str, body: bytes) -> Reading:
    reading = Reading()
    readers = {"responses": _read_responses, "chat": _read_chat, "messages": _read_messages}
    for payload in payloads(body):
        readers[api](payload, reading)
    return reading


def _read_responses(event: dict[str, Any], reading: Reading) -> None:
    kind = event.get("type")
    if kind == "response.output_text.delta" and isinstance(event.get("delta"), str):
        reading.text += event["delta"]
    elif kind == "response.output_item.done":
        item = event.get("item") or {}
        if item.get("type") in {"function_call", "custom_tool_call"}:
            reading.tool_calls.append((item.get("call_id"), item.get("name")))
    elif kind in {"response.completed", "response.incomplete"}:
        usage = (event.get("response") or {}).get("usage") or {}
        if isinstance(usage.get("output_tokens"), int):
            reading.output_tokens = usage["output_tokens"]
    elif kind in {"error", "response.failed"}:
        reading.error = True


def _read_chat(chunk: dict[str, Any], reading: Reading) -> None:
    if chunk.get("error"):
        reading.error = True
    for choice in chunk.get("choices") or []:
        delta = choice.get("delta") or {}
        if isinstance(delta.get("content"), str):
            reading.text += delta["content"]
        for call in delta.get("tool_calls") or []:
            function = call.get("function") or {}
            if isinstance(call.get("id"), str) and call["id"] and function.get("name"):
                reading.tool_calls.append((call["id"], function["name"]))
    usage = chunk.get("usage") or (chunk.get("x_groq") or {}).get("usage") or {}
    if isinstance(usage, dict) and isinstance(usage.get("completion_tokens"), int):
        reading.output_tokens = usage["completion_tokens"]


def _read_messages(event: dict[str, Any], reading: Reading) -> None:
    kind = event.get("type")
    if kind == "content_block_delta":
        delta = event.get("delta") or {}
        if delta.get("type") == "text_delta" and isinstance(delta.get("text"), str):
            reading.text += delta["text"]
    elif kind == "content_block_start":
        block = event.get("content_block") or {}
        if block.get("type") == "tool_use":
            reading.tool_calls.append((block.get("id"), block.get("name")))
    elif kind == "message_delta":
        usage = event.get("usage") or {}
        if isinstance(usage.get("output_tokens"), int):
            reading.output_tokens = usage["output_tokens"]
    elif kind == "error":
        reading.error = True
