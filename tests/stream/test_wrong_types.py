"""Known events whose fields have the wrong JSON type: only modelwire errors, or a typed result.

The rule (docs/events.md, "Fields of the wrong type"): positions, ids, names and metadata of the
wrong type are treated as absent and inferred; text of the wrong type (a number, list or object
where a string belongs) makes the event malformed, a ``StreamDecodeError`` with the partial
Response; a container the event exists to carry (``choices``, ``delta``, ``item``) of the wrong
type is malformed too. Either way nothing escapes as a ``TypeError`` from collect, and nothing
delivered before is lost.
"""

from __future__ import annotations

import json
from copy import deepcopy
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import modelwire as mw
from modelwire.common.serialize import response_to_dict

from ..support import STREAM_FIXTURES, all_stream_cases

STOP_REASONS = {"end_turn", "tool_use", "max_tokens", "content_filter", "refusal", "pause",
                "error", "other", None}  # fmt: skip
JSON_OF_EACH_TYPE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=3),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.text("ab", max_size=2), st.integers(0, 3), max_size=2),
)


def fixture_frames(api: str, name: str, folder: str = "") -> list[bytes]:
    path = STREAM_FIXTURES / (folder or api) / f"{name}.sse"
    if folder:
        path = STREAM_FIXTURES / folder / api / f"{name}.sse"
    return [frame + b"\n\n" for frame in path.read_bytes().split(b"\n\n") if frame.strip()]


CASES = [
    *[(api, name, "") for api, name in all_stream_cases()],
    *[
        (path.parent.name, path.stem, "compatible")
        for path in sorted((STREAM_FIXTURES / "compatible").glob("*/*.sse"))
    ],
]


def payload_of(frame: bytes) -> tuple[bytes, dict[str, Any]] | None:
    head, _, data = frame.rpartition(b"data: ")
    try:
        payload = json.loads(data)
    except ValueError:
        return None
    return (head, payload) if isinstance(payload, dict) else None


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, inner in items:
        found.append((*prefix, key))
        if isinstance(inner, dict | list):
            found.extend(paths(inner, (*prefix, key)))
    return found


def assert_typed(response: mw.Response) -> None:
    """Every common field has its declared type, and the whole Response serializes."""
    assert type(response.text) is str
    assert type(response.reasoning) is str
    assert response.stop_reason in STOP_REASONS
    assert response.id is None or type(response.id) is str
    for call in response.tool_calls:
        assert (type(call.id), type(call.name), type(call.raw_arguments)) == (str, str, str)
        assert type(call.arguments) is dict
    usage = response.usage
    for count in (usage.input_tokens, usage.output_tokens, usage.cached_input_tokens,
                  usage.reasoning_tokens):  # fmt: skip
        assert count is None or type(count) is int
    for item in response.items:
        if isinstance(item, mw.Message | mw.Reasoning):
            assert type(item.text) is str
    json.dumps(response_to_dict(response))


def decode_and_collect(api: str, frames: list[bytes]) -> None:
    """Decode and collect: any exception but a modelwire error propagates and fails the test."""
    events: list[mw.Event] = []
    failure: mw.ModelwireError | None = None
    try:
        events.extend(mw.decode(api, frames))  # type: ignore[arg-type]
    except mw.ModelwireError as error:
        failure = error
    assert_typed(mw.collect(events))
    if failure is None or isinstance(failure, mw.ConfigurationError):
        return  # a complete stream, or a local refusal (n > 1) that carries no partial
    partial = getattr(failure, "partial", None)
    assert partial is not None, f"{type(failure).__name__} without a partial"
    assert_typed(partial)
    assert partial.text == "".join(e.text for e in events if isinstance(e, mw.TextDelta))


def change_one_field(data: st.DataObject, frames: list[bytes]) -> None:
    """Give one field of one event of ``frames`` a value of another JSON type, in place."""
    candidates = [i for i, frame in enumerate(frames) if payload_of(frame)]
    victim = data.draw(st.sampled_from(candidates), label="frame")
    parsed = payload_of(frames[victim])
    assert parsed is not None
    head, payload = parsed
    where = paths(payload)
    if not where:
        return
    path = data.draw(st.sampled_from(where), label="path")
    changed = deepcopy(payload)
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    old = parent[path[-1]]
    parent[path[-1]] = data.draw(
        JSON_OF_EACH_TYPE.filter(lambda new: type(new) is not type(old)), label="value"
    )
    frames[victim] = head + b"data: " + json.dumps(changed).encode() + b"\n\n"


def fixture_with_changes(data: st.DataObject, most: int) -> tuple[str, list[bytes]]:
    api, name, folder = data.draw(st.sampled_from(CASES), label="fixture")
    frames = fixture_frames(api, name, folder)
    for _ in range(data.draw(st.integers(1, most), label="changes")):
        change_one_field(data, frames)
    return api, frames


@settings(
    max_examples=150,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_a_field_of_another_json_type_in_any_fixture_gives_only_typed_outcomes(
    data: st.DataObject,
) -> None:
    decode_and_collect(*fixture_with_changes(data, most=1))


@pytest.mark.stress
@settings(
    max_examples=6000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_up_to_three_fields_of_another_json_type_over_many_examples(data: st.DataObject) -> None:
    decode_and_collect(*fixture_with_changes(data, most=3))


# --- fixed regressions: each reduced from issue 16's report ---------------------------------

CHAT = '{"id":"c","object":"chat.completion.chunk","model":"m","choices":%s}'
CHAT_HELLO = CHAT % '[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]'
RESPONSES_HELLO = (
    '{"type":"response.created","response":{"id":"resp_1","model":"m"}}',
    '{"type":"response.output_text.delta","output_index":0,"delta":"Hello"}',
)
MESSAGES_HELLO = (
    '{"type":"message_start","message":{"id":"msg_1","model":"m","usage":{}}}',
    '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
    '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}',
)
BAD_TEXT = ["5", "[]", '{"a":1}', "true"]

MALFORMED = [
    # (an empty list is valid content for Chat: Mistral's list of no parts)
    *[
        ("chat", (CHAT_HELLO, CHAT % f'[{{"delta":{{"content":{v}}}}}]'))
        for v in BAD_TEXT
        if v != "[]"
    ],
    ("chat", (CHAT_HELLO, CHAT % '{"0":{"delta":{"content":"x"}}}')),  # choices not a list
    ("chat", (CHAT_HELLO, CHAT % '[{"delta":7}]')),
    ("chat", (CHAT_HELLO, CHAT % '[{"delta":{"reasoning_content":["x"]}}]')),
    ("chat", (CHAT_HELLO, CHAT % '[{"delta":{"tool_calls":{"index":0}}}]')),
    ("chat", (CHAT_HELLO, CHAT % '[{"delta":{"tool_calls":[{"function":{"arguments":5}}]}}]')),
    *[
        (
            "responses",
            (
                *RESPONSES_HELLO,
                f'{{"type":"response.output_text.delta","output_index":0,"delta":{v}}}',
            ),
        )
        for v in BAD_TEXT
    ],
    ("responses", (*RESPONSES_HELLO, '{"type":"response.output_item.done","item":[1]}')),
    *[
        (
            "messages",
            (
                *MESSAGES_HELLO,
                f'{{"type":"content_block_delta","index":0,'
                f'"delta":{{"type":"text_delta","text":{v}}}}}',
            ),
        )
        for v in BAD_TEXT
    ],
    *[
        (
            "messages",
            (
                *MESSAGES_HELLO,
                '{"type":"content_block_start","index":1,'
                '"content_block":{"type":"thinking","thinking":""}}',
                f'{{"type":"content_block_delta","index":1,'
                f'"delta":{{"type":"thinking_delta","thinking":{v}}}}}',
            ),
        )
        for v in BAD_TEXT
    ],
    # A block's opening text or thinking is text like a delta's.
    *[
        (
            "messages",
            (
                *MESSAGES_HELLO,
                f'{{"type":"content_block_start","index":1,'
                f'"content_block":{{"type":"{kind}","{kind}":{v}}}}}',
            ),
        )
        for kind in ("text", "thinking")
        for v in BAD_TEXT
    ],
]


@pytest.mark.parametrize(
    ("api", "payloads"), MALFORMED, ids=[f"{api}-{n}" for n, (api, _) in enumerate(MALFORMED)]
)
def test_text_or_a_container_of_the_wrong_type_is_a_decode_error_after_what_came_before(
    api: str, payloads: tuple[str, ...]
) -> None:
    body = b"".join(b"data: " + p.encode() + b"\n\n" for p in payloads)
    delivered: list[mw.Event] = []
    with pytest.raises(mw.StreamDecodeError) as caught:
        delivered.extend(mw.decode(api, [body]))  # type: ignore[arg-type]
    assert "".join(e.text for e in delivered if isinstance(e, mw.TextDelta)) == "Hello"
    assert caught.value.partial is not None
    assert caught.value.partial.text == "Hello"
    assert " is " in str(caught.value)  # names the field and the type it had


TOLERATED = [
    # ids and names that are not strings are absent; the call still completes.
    ("chat", CHAT % '[{"delta":{"tool_calls":[{"index":0,"id":5,"function":'
                    '{"name":["f"],"arguments":"{}"}}]},"finish_reason":"tool_calls"}]'),
    ("chat", CHAT % '[{"index":"0","delta":{"content":"Hi","role":7},"finish_reason":"stop"}]'),
    ("chat", CHAT % '[{"delta":{"content":"Hi"},"finish_reason":"stop","logprobs":[1]}]'),
]  # fmt: skip


@pytest.mark.parametrize(
    ("api", "payload"), TOLERATED, ids=[f"{api}-{n}" for n, (api, _) in enumerate(TOLERATED)]
)
def test_ids_names_and_metadata_of_the_wrong_type_are_treated_as_absent(
    api: str, payload: str
) -> None:
    body = b"data: " + payload.encode() + b"\n\ndata: [DONE]\n\n"
    response = mw.collect(mw.decode(api, [body]))  # type: ignore[arg-type]
    assert response.complete
    assert_typed(response)


def test_responses_ids_and_usage_of_the_wrong_type_are_absent() -> None:
    call = '{"id":7,"type":"function_call","call_id":["c"],"name":null,"arguments":"{}"}'
    body = b"".join(
        b"data: " + p.encode() + b"\n\n"
        for p in (
            '{"type":"response.created","response":{"id":5,"model":[]}}',
            '{"type":"response.output_item.added","output_index":0,"item":' + call + "}",
            '{"type":"response.output_item.done","output_index":0,"item":' + call + "}",
            '{"type":"response.completed","response":{"id":"resp_1","status":"completed",'
            '"usage":{"input_tokens":"9","output_tokens":2,"input_tokens_details":[]},'
            '"incomplete_details":5,"output":[null,{"type":["message"]}]}}',
        )
    )
    response = mw.collect(mw.decode("responses", [body]))
    assert_typed(response)
    [tool_call] = response.tool_calls
    assert tool_call.id == ""  # neither call_id nor id is a string
    assert (response.usage.input_tokens, response.usage.output_tokens) == (None, 2)


def messages_body(*payloads: str) -> bytes:
    return b"".join(b"data: " + p.encode() + b"\n\n" for p in payloads)


def test_messages_ids_names_and_counts_of_the_wrong_type_are_absent() -> None:
    body = messages_body(
        '{"type":"message_start","message":{"id":7,"model":"m",'
        '"usage":{"input_tokens":4,"output_tokens":1}}}',
        '{"type":"content_block_start","index":0,'
        '"content_block":{"type":"tool_use","id":5,"name":["f"],"input":{}}}',
        '{"type":"content_block_delta","index":0,'
        '"delta":{"type":"input_json_delta","partial_json":"{\\"a\\": 1}"}}',
        '{"type":"content_block_stop","index":0}',
        '{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":"3"}}',
        '{"type":"message_stop"}',
    )
    response = mw.collect(mw.decode("messages", [body]))
    assert response.complete
    assert_typed(response)
    assert response.id is None
    [tool_call] = response.tool_calls
    assert (tool_call.id, tool_call.name, tool_call.arguments) == ("", "", {"a": 1})
    assert response.stop_reason == "tool_use"
    assert (response.usage.input_tokens, response.usage.output_tokens) == (4, None)


def test_messages_null_text_and_thinking_are_no_text() -> None:
    body = messages_body(
        '{"type":"message_start","message":{"id":"msg_1","model":"m","usage":{}}}',
        '{"type":"content_block_start","index":0,'
        '"content_block":{"type":"thinking","thinking":null,"signature":"s"}}',
        '{"type":"content_block_delta","index":0,'
        '"delta":{"type":"thinking_delta","thinking":null}}',
        '{"type":"content_block_delta","index":0,'
        '"delta":{"type":"thinking_delta","thinking":"Hmm"}}',
        '{"type":"content_block_stop","index":0}',
        '{"type":"content_block_start","index":1,"content_block":{"type":"text","text":null}}',
        '{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":null}}',
        '{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hi"}}',
        '{"type":"content_block_stop","index":1}',
        '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}',
        '{"type":"message_stop"}',
    )
    response = mw.collect(mw.decode("messages", [body]))
    assert response.complete
    assert_typed(response)
    assert (response.reasoning, response.text) == ("Hmm", "Hi")
