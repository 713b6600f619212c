"""Hypothesis strategies for realistic stream bodies of the three wire APIs, and the oracle.

An :class:`Answer` is what a model said, in neutral terms: reasoning first, then text, then
(possibly parallel, possibly interleaved) tool calls. Each API renders it as the payloads its
server streams (``render_payloads``), which are then decorated (random extra fields, random
unknown events) and framed as server-sent events with a random but valid style (line ends,
``data:`` spelling, comments, ``id:`` lines, multi-line data, a BOM). The :class:`Body` keeps the
byte offsets where each frame is dispatched, so tests can cut it anywhere and know which events
were complete before the cut.

What decoding a body must give is computed from the Answer alone (``Answer.text``,
``Answer.reasoning_for``, ``Answer.tool_calls``), never from the decoder.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

APIS = ("responses", "chat", "messages")

# Text as models write it: any Unicode but lone surrogates (no API can send those in UTF-8).
TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
PIECES = st.lists(TEXT, min_size=1, max_size=5).map(tuple)
# Reasoning parts say something (an empty summary part is a case of its own; see the tests).
SAID = PIECES.filter(lambda pieces: "".join(pieces) != "")
NAMES = st.sampled_from(["get_weather", "get_time", "search_docs", "run_sql", "lookup"])
ID_TAIL = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=6)
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
ARGUMENTS = st.dictionaries(
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=8),
    JSON_VALUES,
    max_size=4,
)

# Keys of nested objects that may carry fields a newer API version added.
EXTENSIBLE = frozenset(("item", "response", "message", "content_block", "delta", "part"))
EXTRA_PREFIX = "x_fuzz_"


# ---------------------------------------------------------------------------- the answer


@dataclass(frozen=True)
class ReasoningBlock:
    """Reasoning in parts (Responses summary parts; one thinking block per part elsewhere)."""

    parts: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class TextBlock:
    pieces: tuple[str, ...]


@dataclass(frozen=True)
class ToolCallBlock:
    call_id: str
    name: str
    arguments: dict[str, Any]
    pieces: tuple[str, ...]  # the JSON text of ``arguments``, cut in fragments


@dataclass(frozen=True)
class Answer:
    reasoning: tuple[ReasoningBlock, ...]
    texts: tuple[TextBlock, ...]
    calls: tuple[ToolCallBlock, ...]
    interleaving: tuple[int, ...]  # which call's next event goes out, in order
    input_tokens: int
    output_tokens: int

    @property
    def text(self) -> str:
        return "".join(piece for block in self.texts for piece in block.pieces)

    def reasoning_for(self, api: str) -> str:
        """The reasoning text a Response collects: Responses summary parts are separated by a
        blank line (a new part after some reasoning); thinking and reasoning_content are joined."""
        out = ""
        for block in self.reasoning:
            for part in block.parts:
                if api == "responses" and out:
                    out += "\n\n"
                out += "".join(part)
        return out

    @property
    def tool_calls(self) -> dict[str, tuple[str, dict[str, Any]]]:
        return {call.call_id: (call.name, call.arguments) for call in self.calls}

    @property
    def stop_reason(self) -> str:
        return "tool_use" if self.calls else "end_turn"


@st.composite
def cut_text(draw: st.DrawFn, text: str) -> tuple[str, ...]:
    """``text`` in fragments, cut at random places (empty fragments included, as servers do)."""
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=4)))
    bounds = [0, *cuts, len(text)]
    return tuple(text[a:b] for a, b in itertools.pairwise(bounds))


@st.composite
def tool_calls(draw: st.DrawFn) -> tuple[ToolCallBlock, ...]:
    count = draw(st.integers(0, 3))
    ids = draw(st.lists(ID_TAIL, min_size=count, max_size=count, unique=True))
    calls = []
    for tail in ids:
        arguments = draw(ARGUMENTS)
        text = json.dumps(arguments, ensure_ascii=draw(st.booleans()))
        calls.append(ToolCallBlock(f"call_{tail}", draw(NAMES), arguments, draw(cut_text(text))))
    return tuple(calls)


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    reasoning = tuple(
        ReasoningBlock(tuple(draw(st.lists(SAID, min_size=1, max_size=3))))
        for _ in range(draw(st.integers(0, 1)))
    )
    texts = tuple(TextBlock(p) for p in draw(st.lists(PIECES, max_size=2)))
    calls = draw(tool_calls())
    if not texts and not calls:
        texts = (TextBlock(draw(PIECES)),)
    # Each call's events, as many as it has fragments plus its start and end.
    tags = [i for i, call in enumerate(calls) for _ in range(len(call.pieces) + 2)]
    interleaving = tuple(draw(st.permutations(tags))) if draw(st.booleans()) else tuple(tags)
    return Answer(
        reasoning=reasoning,
        texts=texts,
        calls=calls,
        interleaving=interleaving,
        input_tokens=draw(st.integers(0, 10**6)),
        output_tokens=draw(st.integers(0, 10**6)),
    )


# ---------------------------------------------------------------------------- payloads


@dataclass
class Frame:
    """One server-sent event: its ``event:`` name (None: no such line) and its data (None:
    Chat's ``[DONE]``)."""

    event: str | None
    payload: dict[str, Any] | None
    terminal: bool = False  # the event that ends the stream (unknown events go before it)


def _interleave(per_call: list[list[Frame]], order: tuple[int, ...]) -> list[Frame]:
    queues = [list(frames) for frames in per_call]
    out = [queues[i].pop(0) for i in order]
    return out + [frame for queue in queues for frame in queue]


def _responses(answer: Answer) -> list[Frame]:
    frames: list[Frame] = []
    seq = iter(range(10**6))
    response = {
        "id": "resp_fuzz0001",
        "object": "response",
        "created_at": 1756315657,
        "status": "in_progress",
        "model": "gpt-fuzz",
        "output": [],
        "usage": None,
    }

    def add(payload: dict[str, Any], *, terminal: bool = False) -> Frame:
        payload = {"type": payload["type"], "sequence_number": next(seq), **payload}
        frame = Frame(payload["type"], payload, terminal)
        frames.append(frame)
        return frame

    add({"type": "response.created", "response": response})
    add({"type": "response.in_progress", "response": response})
    output: list[dict[str, Any]] = []
    index = 0
    for block in answer.reasoning:
        item_id = f"rs_{index}"
        added = {"id": item_id, "type": "reasoning", "summary": []}
        add({"type": "response.output_item.added", "output_index": index, "item": added})
        for part_index, said in enumerate(block.parts):
            at = {"item_id": item_id, "output_index": index, "summary_index": part_index}
            blank = {"type": "summary_text", "text": ""}
            add({"type": "response.reasoning_summary_part.added", **at, "part": blank})
            for piece in said:
                add({"type": "response.reasoning_summary_text.delta", **at, "delta": piece})
            whole = "".join(said)
            add({"type": "response.reasoning_summary_text.done", **at, "text": whole})
            done_part = {"type": "summary_text", "text": whole}
            add({"type": "response.reasoning_summary_part.done", **at, "part": done_part})
        summary = [{"type": "summary_text", "text": "".join(p)} for p in block.parts]
        item = {**added, "summary": summary}
        output.append(item)
        add({"type": "response.output_item.done", "output_index": index, "item": item})
        index += 1
    for text in answer.texts:
        item_id = f"msg_{index}"
        started: dict[str, Any] = {
            "id": item_id,
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }
        add({"type": "response.output_item.added", "output_index": index, "item": started})
        where: dict[str, Any] = {"item_id": item_id, "output_index": index, "content_index": 0}
        empty: dict[str, Any] = {"type": "output_text", "text": "", "annotations": []}
        add({"type": "response.content_part.added", **where, "part": empty})
        for piece in text.pieces:
            add({"type": "response.output_text.delta", **where, "delta": piece, "logprobs": []})
        whole = "".join(text.pieces)
        add({"type": "response.output_text.done", **where, "text": whole, "logprobs": []})
        part: dict[str, Any] = {"type": "output_text", "text": whole, "annotations": []}
        add({"type": "response.content_part.done", **where, "part": part})
        item = {**started, "status": "completed", "content": [part]}
        output.append(item)
        add({"type": "response.output_item.done", "output_index": index, "item": item})
        index += 1
    per_call: list[list[Frame]] = []
    for call in answer.calls:
        mark = len(frames)
        item_id = f"fc_{index}"
        started = {
            "id": item_id,
            "type": "function_call",
            "status": "in_progress",
            "arguments": "",
            "call_id": call.call_id,
            "name": call.name,
        }
        add({"type": "response.output_item.added", "output_index": index, "item": started})
        for piece in call.pieces:
            add(
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": item_id,
                    "output_index": index,
                    "delta": piece,
                }
            )
        item = {**started, "status": "completed", "arguments": "".join(call.pieces)}
        output.append(item)
        add({"type": "response.output_item.done", "output_index": index, "item": item})
        per_call.append(frames[mark:])
        del frames[mark:]
        index += 1
    frames.extend(_interleave(per_call, answer.interleaving))
    usage = {
        "input_tokens": answer.input_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": answer.output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": answer.input_tokens + answer.output_tokens,
    }
    final = {**response, "status": "completed", "output": output, "usage": usage}
    add({"type": "response.completed", "response": final}, terminal=True)
    for number, frame in enumerate(frames):  # interleaving reordered them
        assert frame.payload is not None
        frame.payload["sequence_number"] = number
    return frames


def _chat(answer: Answer) -> list[Frame]:
    head = {
        "id": "chatcmpl-fuzz0001",
        "object": "chat.completion.chunk",
        "created": 1767225600,
        "model": "gpt-fuzz",
        "system_fingerprint": None,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> Frame:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return Frame(None, {**head, "choices": [choice]})

    frames = [chunk({"role": "assistant", "content": ""})]
    for block in answer.reasoning:
        for part in block.parts:
            frames.extend(chunk({"reasoning_content": piece}) for piece in part)
    for text in answer.texts:
        frames.extend(chunk({"content": piece}) for piece in text.pieces)
    per_call: list[list[Frame]] = []
    for index, call in enumerate(answer.calls):
        opening = {
            "index": index,
            "id": call.call_id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        fragments = [{"index": index, "function": {"arguments": p}} for p in call.pieces]
        # No end event of its own: the last fragment stands in for it.
        calls = [opening, *fragments, {"index": index, "function": {"arguments": ""}}]
        per_call.append([chunk({"tool_calls": [fragment]}) for fragment in calls])
    frames.extend(_interleave(per_call, answer.interleaving))
    frames.append(chunk({}, "tool_calls" if answer.calls else "stop"))
    usage = {
        "prompt_tokens": answer.input_tokens,
        "completion_tokens": answer.output_tokens,
        "total_tokens": answer.input_tokens + answer.output_tokens,
    }
    frames.append(Frame(None, {**head, "choices": [], "usage": usage}))
    frames.append(Frame(None, None, terminal=True))
    return frames


def _messages(answer: Answer) -> list[Frame]:
    frames: list[Frame] = []

    def add(payload: dict[str, Any], *, terminal: bool = False) -> None:
        frames.append(Frame(payload["type"], payload, terminal))

    message: dict[str, Any] = {
        "id": "msg_fuzz0001",
        "type": "message",
        "role": "assistant",
        "model": "claude-fuzz",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": answer.input_tokens, "output_tokens": 1},
    }
    add({"type": "message_start", "message": message})
    index = 0
    for block in answer.reasoning:
        for part in block.parts:
            thinking = {"type": "thinking", "thinking": "", "signature": ""}
            add({"type": "content_block_start", "index": index, "content_block": thinking})
            for piece in part:
                delta = {"type": "thinking_delta", "thinking": piece}
                add({"type": "content_block_delta", "index": index, "delta": delta})
            signature = {"type": "signature_delta", "signature": f"sig{index}"}
            add({"type": "content_block_delta", "index": index, "delta": signature})
            add({"type": "content_block_stop", "index": index})
            index += 1
    for text in answer.texts:
        start = {"type": "text", "text": ""}
        add({"type": "content_block_start", "index": index, "content_block": start})
        if index == 0:
            add({"type": "ping"})
        for piece in text.pieces:
            delta = {"type": "text_delta", "text": piece}
            add({"type": "content_block_delta", "index": index, "delta": delta})
        add({"type": "content_block_stop", "index": index})
        index += 1
    per_call: list[list[Frame]] = []
    for call in answer.calls:
        mark = len(frames)
        tool_use: dict[str, Any] = {
            "type": "tool_use",
            "id": call.call_id,
            "name": call.name,
            "input": {},
        }
        add({"type": "content_block_start", "index": index, "content_block": tool_use})
        for piece in call.pieces:
            delta = {"type": "input_json_delta", "partial_json": piece}
            add({"type": "content_block_delta", "index": index, "delta": delta})
        add({"type": "content_block_stop", "index": index})
        per_call.append(frames[mark:])
        del frames[mark:]
        index += 1
    frames.extend(_interleave(per_call, answer.interleaving))
    add(
        {
            "type": "message_delta",
            "delta": {"stop_reason": answer.stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": answer.output_tokens},
        }
    )
    add({"type": "message_stop"}, terminal=True)
    return frames


RENDERERS = {"responses": _responses, "chat": _chat, "messages": _messages}


def render_payloads(api: str, answer: Answer) -> list[Frame]:
    return RENDERERS[api](answer)


# ---------------------------------------------------------------------------- decoration


@st.composite
def with_extra_fields(draw: st.DrawFn, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with fields a newer API version might add, at the top and in nested objects
    (``x_fuzz_*`` names: they can never mean anything to a decoder)."""

    def extras() -> dict[str, Any]:
        keys = draw(st.lists(st.text("abcdefgh", min_size=1, max_size=4), max_size=2))
        return {EXTRA_PREFIX + key: draw(JSON_VALUES) for key in keys}

    def decorate(value: dict[str, Any]) -> dict[str, Any]:
        out = {**value, **extras()}
        for key, inner in value.items():
            if key in EXTENSIBLE and isinstance(inner, dict) and draw(st.booleans()):
                out[key] = decorate(inner)
        return out

    return decorate(payload)


def unknown_event(api: str, name: str, extra: dict[str, Any]) -> Frame:
    """An event no schema knows (a type from the future): it must come out as ``Unknown``."""
    type_name = f"{EXTRA_PREFIX}{name}"
    if api == "chat":
        return Frame(None, {"id": "chatcmpl-fuzz0001", "object": type_name, **extra})
    return Frame(type_name, {"type": type_name, **extra})


@dataclass
class Decorated:
    frames: list[Frame]
    unknown_types: list[str] = field(default_factory=list)

    @property
    def end(self) -> int:
        """Index of the frame that ends the stream."""
        return next(i for i, frame in enumerate(self.frames) if frame.terminal)


@st.composite
def decorated(draw: st.DrawFn, api: str, answer: Answer) -> Decorated:
    """The answer's frames with random extra fields and random unknown events before the end."""
    frames = []
    for frame in render_payloads(api, answer):
        if frame.payload is not None and draw(st.booleans()):
            frame.payload = draw(with_extra_fields(frame.payload))
        frames.append(frame)
    end = next(i for i, frame in enumerate(frames) if frame.terminal)
    inserted: list[tuple[int, Frame]] = []
    for number in range(draw(st.integers(0, 3))):
        extra = draw(st.dictionaries(st.text("xyz", min_size=1, max_size=3), JSON_VALUES))
        position = draw(st.integers(0, end))
        inserted.append((position, unknown_event(api, f"event_{number}", extra)))
    for position, frame in sorted(inserted, key=lambda pair: -pair[0]):
        frames.insert(position, frame)
    key = "object" if api == "chat" else "type"
    unknown = [f.payload[key] for f in frames if f.payload is not None and _is_unknown(f)]
    return Decorated(frames, unknown)


def _is_unknown(frame: Frame) -> bool:
    payload = frame.payload or {}
    name = payload.get("type") or payload.get("object")
    return isinstance(name, str) and name.startswith(EXTRA_PREFIX)


# ---------------------------------------------------------------------------- framing


@dataclass(frozen=True)
class Style:
    """How a server frames its events: all of these are valid server-sent events."""

    eol: bytes
    data_prefix: bytes
    event_lines: bool
    bom: bool
    ensure_ascii: bool


STYLES = st.builds(
    Style,
    eol=st.sampled_from([b"\n", b"\r\n", b"\r"]),
    data_prefix=st.sampled_from([b"data: ", b"data:"]),
    event_lines=st.booleans(),
    bom=st.booleans(),
    ensure_ascii=st.booleans(),
)


@dataclass
class Body:
    """A framed stream body and where each frame is complete (dispatched) in it."""

    data: bytes
    # (byte offset after which the frame is dispatched, byte offset where the frame ends)
    frames: list[tuple[int, int]]
    start: int  # where the first frame begins (after a BOM)
    eol: bytes = b"\n"

    def complete_prefix(self, cut: int) -> bytes:
        """The body up to the end of the last frame dispatched within ``data[:cut]``."""
        end = self.start if cut >= self.start else 0
        for dispatched, frame_end in self.frames:
            if dispatched <= cut:
                end = frame_end
        return self.data[:end]

    def boundaries(self) -> list[int]:
        """Offsets between frames, where a line can be inserted without breaking a frame:
        ``boundaries()[i]`` is where frame ``i`` begins."""
        return [self.start, *(frame_end for _, frame_end in self.frames)]


@st.composite
def framed(draw: st.DrawFn, frames: list[Frame], style: Style) -> Body:
    out = bytearray(b"\xef\xbb\xbf" if style.bom else b"")
    start = len(out)
    spans: list[tuple[int, int]] = []
    eol = style.eol
    for frame in frames:
        lines: list[bytes] = []
        if draw(st.integers(0, 9)) == 0:
            lines.append(b": keep-alive")
        if style.event_lines and frame.event is not None:
            lines.append(b"event: " + frame.event.encode())
        if draw(st.integers(0, 9)) == 0:
            lines.append(b"id: " + str(len(spans)).encode())
        if frame.payload is None:
            text = "[DONE]"
        else:
            pretty = draw(st.integers(0, 7)) == 0
            text = json.dumps(
                frame.payload, ensure_ascii=style.ensure_ascii, indent=1 if pretty else None
            )
        lines.extend(style.data_prefix + line.encode() for line in text.split("\n"))
        out += eol.join(lines) + eol + eol
        # A lone "\r" ends a line, so a CRLF frame is complete before its very last "\n".
        spans.append((len(out) - (1 if eol == b"\r\n" else 0), len(out)))
    return Body(bytes(out), spans, start, eol)


@st.composite
def bodies(draw: st.DrawFn, api: str) -> tuple[Answer, Decorated, Body]:
    """A realistic decorated stream of ``api``: the answer, its frames, and the framed body."""
    answer = draw(answers())
    frames = draw(decorated(api, answer))
    body = draw(framed(frames.frames, draw(STYLES)))
    return answer, frames, body


def chunks_of(draw: Callable[..., Any], data: bytes) -> list[bytes]:
    """``data`` split at random places (as a network delivers it)."""
    if len(data) < 2:
        return [data]
    cuts = sorted(set(draw(st.lists(st.integers(1, len(data) - 1), max_size=12))))
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


# Lines a proxy or a broken server might inject: not server-sent event syntax at all.
GARBAGE_LINES = (
    st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), min_size=1)
    .filter(lambda line: not line.startswith((":", "\ufeff")))
    .filter(lambda line: line.partition(":")[0] not in ("data", "event", "id", "retry"))
    .map(str.encode)
)
# Data that is not a JSON object: not JSON at all ("<" never begins a JSON text), or JSON of
# another kind (a number, a string, an array, null).
NOT_JSON_OBJECTS = st.text(
    st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=20
).map(lambda text: b"<" + text.encode()) | (JSON_SCALARS | st.lists(JSON_SCALARS, max_size=3)).map(
    lambda value: json.dumps(value).encode()
)
