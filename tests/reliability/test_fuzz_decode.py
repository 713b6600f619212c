"""Fuzzing the offline decoder (``mw.decode`` / ``mw.adecode``) with generated streams.

Streams are generated per API from a neutral answer (reasoning, text, parallel tool calls; see
``streams.py``) and from the recorded fixtures in ``tests/fixtures/stream/<api>/``, then:
decorated with random extra fields and random unknown events, framed in random valid styles,
split into random chunks, cut at random bytes, and injected with random garbage lines.

What must hold, whatever the bytes:

- ``decode`` raises nothing but modelwire's typed errors (``mw.ModelwireError``);
- it never hangs (inputs are bounded; every example runs under a hypothesis deadline);
- a valid stream decodes to exactly what was sent, extra fields and unknown events notwithstanding
  (unknown events come out as ``mw.Unknown``, in order);
- when a stream breaks, the events yielded before the error equal the events of its complete
  prefix (the frames that were whole before the break: nothing dropped, nothing invented), and
  the error's ``partial`` holds what those events collect (its text is the text of the text
  deltas delivered before the error).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable
from copy import deepcopy
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import modelwire as mw
from modelwire.common.serialize import event_to_dict
from modelwire.decoding import StreamDecoder

from ..support import sse_body, stream_cases
from .streams import (
    APIS,
    EXTRA_PREFIX,
    GARBAGE_LINES,
    JSON_VALUES,
    NOT_JSON_OBJECTS,
    Body,
    Style,
    answers,
    bodies,
    chunks_of,
    framed,
    render_payloads,
)

# Every example is bounded (a few kB at most) and must decode within the deadline: a decoder
# that loops or backtracks badly fails here. The regular run skips shrinking (the minimal cases
# below pin down each known way to fail); the stress run shrinks, and tries many more examples.
_BOUNDED = settings(
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
FUZZ = settings(_BOUNDED, max_examples=20, phases=[Phase.explicit, Phase.reuse, Phase.generate])
LONG_FUZZ = settings(_BOUNDED, max_examples=300)
FIXTURES = {api: stream_cases(api) for api in APIS}


# ---------------------------------------------------------------------------- helpers


def outcome(api: str, chunks: Iterable[bytes]) -> tuple[list[mw.Event], mw.ModelwireError | None]:
    """The events ``decode`` yields and the typed error it ends with (None: it completed).
    Any other exception propagates and fails the test."""
    events: list[mw.Event] = []
    try:
        for event in mw.decode(api, chunks):  # type: ignore[arg-type]
            events.append(event)
    except mw.ModelwireError as error:
        return events, error
    return events, None


def fed(api: str, data: bytes) -> tuple[list[mw.Event], mw.ModelwireError | None, bool]:
    """What the decoder makes of ``data`` as a stream that goes on: the events of its whole
    frames, the error they contain (if any), and whether the stream ended in them (Chat's
    ``[DONE]``)."""
    decoder = StreamDecoder(api)
    events: list[mw.Event] = []
    try:
        events.extend(decoder.feed(data))
        decoder.feed(b"")  # raises an error found after some events of the same chunk
    except mw.ModelwireError as error:
        return events, error, True
    return events, None, decoder.done


def dicts(events: Iterable[mw.Event]) -> list[dict[str, Any]]:
    return [event_to_dict(event) for event in events]


def assert_partial_matches(error: mw.ModelwireError, delivered: list[mw.Event]) -> None:
    """The error carries what the delivered events collect (complete only if they were)."""
    partial = getattr(error, "partial", None)
    if isinstance(error, mw.ConfigurationError):
        return  # a local refusal of what the stream asks for (n > 1), not a broken stream
    assert partial is not None, f"{type(error).__name__} carries no partial"
    collected = mw.collect(delivered)
    assert partial.text == "".join(e.text for e in delivered if isinstance(e, mw.TextDelta))
    assert partial.reasoning == collected.reasoning
    assert [call.id for call in partial.tool_calls] == [call.id for call in collected.tool_calls]
    assert partial.complete == collected.complete


def assert_break_keeps_the_complete_prefix(
    api: str, truncated: list[bytes], complete_prefix: bytes
) -> None:
    """Decoding ``truncated`` (a stream broken somewhere after ``complete_prefix``) yields the
    events of the complete prefix, then either completes as that prefix does or raises."""
    events, error = outcome(api, truncated)
    prefix_events, prefix_error, _ = fed(api, complete_prefix)
    if prefix_error is not None:
        # The whole frames already hold an error (an in-stream error event, say): that is it.
        assert type(error) is type(prefix_error)
        assert dicts(events) == dicts(prefix_events)
    elif error is None:
        clean_events, clean_error = outcome(api, [complete_prefix])
        assert clean_error is None
        assert dicts(events) == dicts(clean_events)
    else:
        assert isinstance(error, mw.StreamInterruptedError), repr(error)
        assert dicts(events) == dicts(prefix_events)
    if error is not None:
        assert_partial_matches(error, events)


def fixture_body(api: str, name: str) -> Body:
    """A recorded fixture as a Body: its frames end at each blank line (the files use LF)."""
    data = sse_body(api, name)
    ends = [i for i in range(2, len(data) + 1) if data[i - 2 : i] == b"\n\n"]
    return Body(data, [(end, end) for end in ends], 0)


async def _achunks(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        await asyncio.sleep(0)
        yield chunk


async def _adecode(api: str, chunks: list[bytes]) -> list[mw.Event]:
    return [event async for event in mw.adecode(api, _achunks(chunks))]  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- the properties


def valid_stream_decodes_to_what_was_sent(api: str, data: st.DataObject) -> None:
    answer, frames, body = data.draw(bodies(api))
    chunks = chunks_of(data.draw, body.data)

    events, error = outcome(api, chunks)

    assert error is None, repr(error)
    response = mw.collect(events)
    assert response.complete
    assert response.text == answer.text
    assert response.reasoning == answer.reasoning_for(api)
    assert {c.id: (c.name, c.arguments) for c in response.tool_calls} == answer.tool_calls
    assert {c.id: c.raw_arguments for c in response.tool_calls} == {
        c.call_id: "".join(c.pieces) for c in answer.calls
    }
    assert response.stop_reason == answer.stop_reason
    assert response.usage.output_tokens == answer.output_tokens
    assert [e.type for e in events if isinstance(e, mw.Unknown)] == frames.unknown_types
    assert dicts(asyncio.run(_adecode(api, chunks))) == dicts(events)


def truncated_stream_keeps_its_complete_prefix(api: str, data: st.DataObject) -> None:
    _, _, body = data.draw(bodies(api))
    cut = data.draw(st.integers(0, len(body.data) - 1), label="cut")
    truncated = chunks_of(data.draw, body.data[:cut])
    complete_prefix = body.complete_prefix(cut)
    if api == "chat" and body.data[:cut].rstrip(b"\r\n").endswith(b"data: [DONE]"):
        # Chat's [DONE] ends the stream even when the cut took its line ending (as
        # tests/stream/test_chat_variants.py pins): the prefix that counts includes it.
        complete_prefix += b"data: [DONE]\n\n"

    assert_break_keeps_the_complete_prefix(api, truncated, complete_prefix)


def injected_line_is_a_decode_error_after_the_events_before_it(
    api: str, data: st.DataObject, line: st.SearchStrategy[bytes]
) -> None:
    _, frames, body = data.draw(bodies(api))
    at = body.boundaries()[data.draw(st.integers(0, frames.end), label="before frame")]
    broken = body.data[:at] + data.draw(line, label="line") + body.eol + body.data[at:]

    events, error = outcome(api, chunks_of(data.draw, broken))

    assert isinstance(error, mw.StreamDecodeError), repr(error)
    prefix_events, _, _ = fed(api, body.data[:at])
    assert dicts(events) == dicts(prefix_events)
    assert_partial_matches(error, events)


def garbage_line_is_a_decode_error(api: str, data: st.DataObject) -> None:
    injected_line_is_a_decode_error_after_the_events_before_it(api, data, GARBAGE_LINES)


def data_not_a_json_object_is_a_decode_error(api: str, data: st.DataObject) -> None:
    # A whole frame: the data line, then the blank line that dispatches it.
    eol = data.draw(st.sampled_from([b"\n", b"\r\n", b"\r"]), label="eol")
    frame = NOT_JSON_OBJECTS.map(lambda value: b"data: " + value + eol)
    injected_line_is_a_decode_error_after_the_events_before_it(api, data, frame)


def known_events_of_the_wrong_shape_raise_only_typed_errors(api: str, data: st.DataObject) -> None:
    frames = render_payloads(api, data.draw(answers()))
    candidates = [i for i, frame in enumerate(frames) if frame.payload is not None]
    victim = frames[data.draw(st.sampled_from(candidates), label="frame")]
    assert victim.payload is not None
    victim.payload = data.draw(mutated(victim.payload), label="payload")
    body = data.draw(framed(frames, Style(b"\n", b"data: ", True, False, False)))

    events, error = outcome(api, chunks_of(data.draw, body.data))

    if error is not None:
        assert_partial_matches(error, events)


@st.composite
def mutated(draw: st.DrawFn, payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` with one field (anywhere in it) removed or replaced by a value of another
    JSON type: what a buggy proxy or a changed API could send under a known event type."""
    paths: list[tuple[Any, ...]] = []

    def walk(value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                paths.append((*path, key))
                walk(inner, (*path, key))
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                paths.append((*path, index))
                walk(inner, (*path, index))

    walk(payload, ())
    path = draw(st.sampled_from(paths))
    copy = deepcopy(payload)
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    old = parent[path[-1]]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(JSON_VALUES.filter(lambda new: type(new) is not type(old)))
    return copy


def truncated_fixture_keeps_its_complete_prefix(api: str, data: st.DataObject) -> None:
    body = fixture_body(api, data.draw(st.sampled_from(FIXTURES[api]), label="fixture"))
    cut = data.draw(st.integers(0, len(body.data) - 1), label="cut")
    truncated = chunks_of(data.draw, body.data[:cut])
    complete_prefix = body.complete_prefix(cut)
    if api == "chat" and body.data[:cut].rstrip(b"\r\n").endswith(b"data: [DONE]"):
        # Chat's [DONE] ends the stream even when the cut took its line ending (as
        # tests/stream/test_chat_variants.py pins): the prefix that counts includes it.
        complete_prefix += b"data: [DONE]\n\n"

    assert_break_keeps_the_complete_prefix(api, truncated, complete_prefix)


def garbage_in_a_fixture_is_a_decode_error(api: str, data: st.DataObject) -> None:
    body = fixture_body(api, data.draw(st.sampled_from(FIXTURES[api]), label="fixture"))
    at = data.draw(st.sampled_from(body.boundaries()), label="at")
    not_json = NOT_JSON_OBJECTS.map(lambda value: b"data: " + value + b"\n")
    garbage = data.draw(GARBAGE_LINES | not_json, label="line")
    broken = body.data[:at] + garbage + b"\n" + body.data[at:]

    events, error = outcome(api, chunks_of(data.draw, broken))

    prefix_events, prefix_error, prefix_done = fed(api, body.data[:at])
    if prefix_error is not None:
        assert type(error) is type(prefix_error)
        assert dicts(events) == dicts(prefix_events)
    elif prefix_done:  # after Chat's [DONE] nothing more is read
        original_events, original_error = outcome(api, [body.data])
        assert type(error) is type(original_error)
        assert dicts(events) == dicts(original_events)
    else:
        assert isinstance(error, mw.StreamDecodeError), repr(error)
        assert dicts(events) == dicts(prefix_events)
    if error is not None:
        assert_partial_matches(error, events)


def unknown_event_in_a_fixture_changes_nothing_else(api: str, data: st.DataObject) -> None:
    body = fixture_body(api, data.draw(st.sampled_from(FIXTURES[api]), label="fixture"))
    at = data.draw(st.sampled_from(body.boundaries()), label="at")
    extra = data.draw(st.dictionaries(st.text("xyz", min_size=1, max_size=3), JSON_VALUES))
    name = f"{EXTRA_PREFIX}event"
    payload = {"object": name, **extra} if api == "chat" else {"type": name, **extra}
    head = b"" if api == "chat" else b"event: " + name.encode() + b"\n"
    frame = head + b"data: " + json.dumps(payload).encode() + b"\n\n"
    chunks = chunks_of(data.draw, body.data[:at] + frame + body.data[at:])

    events, error = outcome(api, chunks)

    original_events, original_error = outcome(api, [body.data])
    assert type(error) is type(original_error)
    known = [e for e in events if not (isinstance(e, mw.Unknown) and e.type == name)]
    assert dicts(known) == dicts(original_events)
    _, prefix_error, prefix_done = fed(api, body.data[:at])
    reached = prefix_error is None and not prefix_done
    added = [e.type for e in events if isinstance(e, mw.Unknown) and e.type == name]
    assert added == ([name] if reached else [])
    if error is not None:
        assert_partial_matches(error, events)


PROPERTIES = {
    "valid stream": valid_stream_decodes_to_what_was_sent,
    "truncated stream": truncated_stream_keeps_its_complete_prefix,
    "garbage line": garbage_line_is_a_decode_error,
    "data not a JSON object": data_not_a_json_object_is_a_decode_error,
    "known event of the wrong shape": known_events_of_the_wrong_shape_raise_only_typed_errors,
    "truncated fixture": truncated_fixture_keeps_its_complete_prefix,
    "garbage in a fixture": garbage_in_a_fixture_is_a_decode_error,
    "unknown event in a fixture": unknown_event_in_a_fixture_changes_nothing_else,
}


# ---------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("api", APIS)
@FUZZ
@given(data=st.data())
def test_a_valid_stream_decodes_to_what_was_sent_despite_extra_fields_and_unknown_events(
    api: str, data: st.DataObject
) -> None:
    valid_stream_decodes_to_what_was_sent(api, data)


@pytest.mark.parametrize("api", APIS)
@FUZZ
@given(data=st.data())
def test_a_truncated_stream_yields_the_events_of_its_complete_prefix_then_a_typed_error(
    api: str, data: st.DataObject
) -> None:
    truncated_stream_keeps_its_complete_prefix(api, data)


@pytest.mark.parametrize("api", APIS)
@FUZZ
@given(data=st.data())
def test_a_garbage_line_between_events_is_a_decode_error_after_the_events_before_it(
    api: str, data: st.DataObject
) -> None:
    garbage_line_is_a_decode_error(api, data)


@pytest.mark.parametrize("api", APIS)
@FUZZ
@given(data=st.data())
def test_data_that_is_not_a_json_object_is_a_decode_error_after_the_events_before_it(
    api: str, data: st.DataObject
) -> None:
    data_not_a_json_object_is_a_decode_error(api, data)


@pytest.mark.parametrize("api", APIS)
@FUZZ
@given(data=st.data())
def test_events_of_known_types_with_fields_of_the_wrong_shape_raise_only_typed_errors(
    api: str, data: st.DataObject
) -> None:
    known_events_of_the_wrong_shape_raise_only_typed_errors(api, data)


@pytest.mark.parametrize("api", APIS)
@FUZZ
@given(data=st.data())
def test_a_truncated_fixture_yields_the_events_of_its_complete_prefix_then_a_typed_error(
    api: str, data: st.DataObject
) -> None:
    truncated_fixture_keeps_its_complete_prefix(api, data)


@pytest.mark.parametrize("api", APIS)
@FUZZ
@given(data=st.data())
def test_a_garbage_line_in_a_fixture_is_a_decode_error_after_the_events_before_it(
    api: str, data: st.DataObject
) -> None:
    garbage_in_a_fixture_is_a_decode_error(api, data)


@pytest.mark.parametrize("api", APIS)
@FUZZ
@given(data=st.data())
def test_an_unknown_event_in_a_fixture_changes_nothing_but_an_added_unknown_event(
    api: str, data: st.DataObject
) -> None:
    unknown_event_in_a_fixture_changes_nothing_else(api, data)


@pytest.mark.stress
@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("name", list(PROPERTIES))
def test_every_decoding_property_holds_over_many_more_examples(api: str, name: str) -> None:
    check = PROPERTIES[name]

    @LONG_FUZZ
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        check(api, data)

    run()


# ---------------------------------------------------------------------------- minimal cases


HELLO = {
    "responses": [
        b'data: {"type":"response.created","response":{"id":"resp_1","model":"m"}}\n\n',
        b'data: {"type":"response.output_text.delta","output_index":0,"delta":"Hello"}\n\n',
    ],
    "chat": [
        b'data: {"id":"c1","object":"chat.completion.chunk","model":"m",'
        b'"choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}\n\n'
    ],
    "messages": [
        b'data: {"type":"message_start","message":{"id":"msg_1","model":"m","usage":{}}}\n\n',
        b'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'
        b"\n\n",
        b'data: {"type":"content_block_delta","index":0,'
        b'"delta":{"type":"text_delta","text":"Hello"}}\n\n',
    ],
}


@pytest.mark.parametrize("api", APIS)
def test_a_malformed_line_in_the_same_chunk_as_whole_events_keeps_those_events(api: str) -> None:
    """A proxy's junk line arriving in one read with the events before it: those events are
    delivered, and the error's partial holds their text."""
    body = b"".join(HELLO[api]) + b"this is not an event line\n\n"

    events, error = outcome(api, [body])

    assert isinstance(error, mw.StreamDecodeError)
    assert "".join(e.text for e in events if isinstance(e, mw.TextDelta)) == "Hello"
    assert error.partial is not None
    assert error.partial.text == "Hello"


def frames(*payloads: str) -> bytes:
    return b"".join(b"data: " + payload.encode() + b"\n\n" for payload in payloads)


# Known event types whose fields have the wrong shape (each found by the fuzzer, then reduced).
WRONG_SHAPES = [
    ("responses", frames('{"type":"response.output_text.delta","output_index":0}')),
    ("responses", frames('{"type":"response.output_item.added","output_index":1,"item":null}')),
    (
        "responses",
        frames('{"type":"response.output_item.done","output_index":1,"item":{"type":["message"]}}'),
    ),
    ("chat", frames('{"object":[]}')),
    ("chat", frames('{"object":"chat.completion.chunk","choices":[null]}')),
    (
        "chat",
        frames('{"object":"chat.completion.chunk","choices":[{"delta":{"tool_calls":["x"]}}]}'),
    ),
    (
        "messages",
        frames(
            '{"type":"content_block_start","index":1,'
            '"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}}',
            '{"type":"content_block_delta","index":1,'
            '"delta":{"type":"input_json_delta","partial_json":null}}',
            '{"type":"content_block_stop","index":1}',
        ),
    ),
    (
        "messages",
        frames('{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":7}}'),
    ),
]


@pytest.mark.parametrize(
    ("api", "wrong"), WRONG_SHAPES, ids=[f"{api}-{n}" for n, (api, _) in enumerate(WRONG_SHAPES)]
)
def test_a_known_event_with_a_field_missing_or_mistyped_raises_no_untyped_error(
    api: str, wrong: bytes
) -> None:
    """A delta without its ``delta``, an item that is null, a type that is a list, a tool call
    fragment that is a string, JSON input that is null, text that is a number: the decoder may
    report the event as ``Unknown`` or stop with a typed error, but never with a KeyError,
    TypeError or AttributeError, and what came before is kept."""
    events, error = outcome(api, [b"".join(HELLO[api]) + wrong])  # any other error propagates

    assert "".join(e.text for e in events if isinstance(e, mw.TextDelta)) == "Hello"
    if error is not None:
        assert_partial_matches(error, events)


EMPTY_FIRST_SUMMARY_PART = (
    b'data: {"type":"response.created","response":{"id":"resp_1","model":"m"}}\n\n'
    b'data: {"type":"response.reasoning_summary_part.added","output_index":0,"summary_index":0}'
    b"\n\n"
    b'data: {"type":"response.reasoning_summary_text.delta","output_index":0,"summary_index":0,'
    b'"delta":""}\n\n'
    b'data: {"type":"response.reasoning_summary_part.added","output_index":0,"summary_index":1}'
    b"\n\n"
    b'data: {"type":"response.reasoning_summary_text.delta","output_index":0,"summary_index":1,'
    b'"delta":"Thinking."}\n\n'
    b'data: {"type":"response.output_item.done","output_index":0,"item":{"id":"rs_1",'
    b'"type":"reasoning","summary":[{"type":"summary_text","text":""},'
    b'{"type":"summary_text","text":"Thinking."}]}}\n\n'
    b'data: {"type":"response.completed","response":{"id":"resp_1","status":"completed"}}\n\n'
)


def test_an_empty_summary_part_adds_no_blank_line_to_the_collected_reasoning() -> None:
    """Found by the fuzzer: a summary part whose only delta is empty. The collected reasoning is
    the reasoning item's text, with no separator before the part that says something."""
    events, error = outcome("responses", [EMPTY_FIRST_SUMMARY_PART])

    assert error is None
    [item] = [e.item for e in events if isinstance(e, mw.ItemDone)]
    assert isinstance(item, mw.Reasoning)
    assert mw.collect(events).reasoning == item.text == "Thinking."
