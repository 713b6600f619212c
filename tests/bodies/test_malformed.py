"""Whatever the body, decode_body gives a Response or raises a modelwire error, never another."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import modelwire as mw
from modelwire.bodies import BodyDecodeError, decode_body

from .support import body_cases, body_path

APIS = ("responses", "chat", "messages")


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize(
    "body",
    [b"", b"   ", b"not json", b'{"id": ', b"\xff\xfe{}", "{'single': 'quotes'}", b"data: {}\n\n"],
)
def test_text_that_is_not_json_is_a_body_decode_error(api: str, body: bytes | str) -> None:
    with pytest.raises(BodyDecodeError, match="not JSON") as raised:
        decode_body(api, body)  # type: ignore[arg-type]
    assert raised.value.offset is not None


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("body", [b"[]", b"1", b'"text"', b"null", b"true"])
def test_json_that_is_not_an_object_is_a_body_decode_error(api: str, body: bytes) -> None:
    with pytest.raises(BodyDecodeError, match="not an object"):
        decode_body(api, body)  # type: ignore[arg-type]


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("depth", [2_000, 200_000])
def test_deeply_nested_text_is_a_body_decode_error(api: str, depth: int) -> None:
    body = b'{"a":' * depth + b"1" + b"}" * depth
    with pytest.raises(BodyDecodeError):
        decode_body(api, body)  # type: ignore[arg-type]


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("api", "body"),
    [
        (
            "messages",
            {
                "type": "message",
                "content": [{"type": "tool_use", "id": "t", "name": "f", "input": _nested(600)}],
            },
        ),
        (
            "chat",
            {
                "choices": [
                    {
                        "message": {
                            "role": "assistant",
                            "tool_calls": [
                                {"id": "c", "function": {"name": "f", "arguments": _nested(600)}}
                            ],
                        }
                    }
                ]
            },
        ),
    ],
)
def test_a_parsed_body_nested_too_deep_to_serialize_is_a_body_decode_error(
    api: str, body: dict[str, Any]
) -> None:
    with pytest.raises(BodyDecodeError):
        decode_body(api, body)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("api", "body", "problem"),
    [
        ("responses", {"object": "response", "output": "text"}, "output is str"),
        ("responses", {"object": "response", "output": [3]}, "an output item is int"),
        (
            "responses",
            {
                "object": "response",
                "output": [{"type": "message", "content": [{"type": "output_text", "text": 5}]}],
            },
            "output_text.text is int",
        ),
        (
            "responses",
            {"object": "response", "output": [{"type": "message", "content": 5}]},
            "not iterable",
        ),
        ("chat", {"choices": {"0": {}}}, "choices is dict"),
        ("chat", {"choices": ["x"]}, "a choice is str"),
        ("chat", {"choices": [{"message": "hi"}]}, "message is str"),
        ("chat", {"choices": [{"message": {"content": 7}}]}, "content is int"),
        ("chat", {"choices": [{"message": {"tool_calls": {"id": 1}}}]}, "tool_calls is dict"),
        (
            "chat",
            {"choices": [{"message": {"tool_calls": [{"function": "f"}]}}]},
            "function is str",
        ),
        ("chat", {"choices": [{"message": {}, "finish_reason": 3}]}, "finish_reason is int"),
        ("chat", {"id": "x"}, "choices is NoneType"),
        ("messages", {"type": "message", "content": "Hi"}, "content is str"),
        ("messages", {"type": "message", "content": [None]}, "a content block is NoneType"),
        (
            "messages",
            {"type": "message", "content": [{"type": "text", "text": ["a"]}]},
            "text.text is list",
        ),
        ("messages", {"type": "message", "content": [], "stop_reason": 1}, "stop_reason is int"),
    ],
)
def test_a_body_with_fields_of_the_wrong_type_is_a_body_decode_error(
    api: str, body: dict[str, Any], problem: str
) -> None:
    with pytest.raises(BodyDecodeError, match=problem):
        decode_body(api, body)  # type: ignore[arg-type]


def test_an_unknown_api_is_a_configuration_error() -> None:
    with pytest.raises(mw.ConfigurationError, match="unknown api"):
        decode_body("completions", b"{}")  # type: ignore[arg-type]


@pytest.mark.parametrize("body", [7, None, ["a"], object()])
def test_a_body_of_another_python_type_is_a_configuration_error(body: object) -> None:
    with pytest.raises(mw.ConfigurationError, match="JSON text"):
        decode_body("chat", body)  # type: ignore[arg-type]


def test_bytearray_and_memoryview_bodies_are_read_as_bytes() -> None:
    raw = body_path("chat", "plain_text").read_bytes()
    expected = decode_body("chat", raw)
    assert decode_body("chat", bytearray(raw)).text == expected.text
    assert decode_body("chat", memoryview(raw)).text == expected.text


def test_error_messages_quote_no_body_content() -> None:
    secret = "sk-proj-" + "x" * 40
    with pytest.raises(BodyDecodeError) as raised:
        decode_body("chat", {"choices": [{"message": {"content": {"key": secret}}}]})
    assert secret not in str(raised.value)


# ---------------------------------------------------------------------- fuzzing

_KEYS = (
    "id", "object", "type", "status", "model", "output", "content", "text", "summary", "arguments",
    "input", "call_id", "name", "usage", "error", "choices", "message", "tool_calls", "function",
    "finish_reason", "index", "reasoning", "reasoning_content", "thinking", "signature",
    "stop_reason", "incomplete_details", "reason", "annotations", "citations", "refusal",
    "function_call", "custom", "tool_use_id", "is_error", "data", "action", "x_groq",
)  # fmt: skip
_TYPES = (
    "response", "message", "chat.completion", "error", "output_text", "refusal", "reasoning",
    "function_call", "custom_tool_call", "web_search_call", "mcp_call", "text", "thinking",
    "redacted_thinking", "tool_use", "server_tool_use", "web_search_tool_result", "custom",
    "function", "summary_text", "completed", "incomplete", "failed", "queued",
)  # fmt: skip

_scalars = st.none() | st.booleans() | st.integers() | st.sampled_from(_TYPES) | st.text(max_size=8)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=6)
    ),
    max_leaves=40,
)


_objects = st.dictionaries(st.sampled_from(_KEYS), _json, max_size=8)


def a_response_or_a_modelwire_error(api: str, body: dict[str, Any]) -> None:
    try:
        response = decode_body(api, body)  # type: ignore[arg-type]
    except mw.ModelwireError:
        return
    assert isinstance(response, mw.Response)
    assert isinstance(response.text, str)
    assert isinstance(response.reasoning, str)


@pytest.mark.parametrize("api", APIS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_objects)
def test_any_json_object_gives_a_response_or_a_modelwire_error(
    api: str, body: dict[str, Any]
) -> None:
    a_response_or_a_modelwire_error(api, body)


@pytest.mark.stress
@pytest.mark.parametrize("api", APIS)
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_objects)
def test_any_json_object_gives_a_response_or_a_modelwire_error_over_many_examples(
    api: str, body: dict[str, Any]
) -> None:
    a_response_or_a_modelwire_error(api, body)


_CASES = body_cases()


def replace_one_value(data: st.DataObject, api: str, name: str) -> None:
    body = json.loads(body_path(api, name).read_bytes())
    containers: list[Any] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict | list):
            containers.append(value)
            for child in value.values() if isinstance(value, dict) else value:
                walk(child)

    walk(body)
    target = data.draw(st.sampled_from(containers))
    keys = list(target) if isinstance(target, dict) else list(range(len(target)))
    if not keys:
        return
    key = data.draw(st.sampled_from(keys))
    target[key] = data.draw(_json)
    with contextlib.suppress(mw.ModelwireError):
        decode_body(api, body)  # type: ignore[arg-type]


@pytest.mark.parametrize(("api", "name"), _CASES)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_fixture_body_with_one_value_replaced_never_raises_a_foreign_error(
    api: str, name: str, data: st.DataObject
) -> None:
    replace_one_value(data, api, name)


@pytest.mark.stress
@pytest.mark.parametrize(("api", "name"), _CASES)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_fixture_body_with_one_value_replaced_over_many_examples(
    api: str, name: str, data: st.DataObject
) -> None:
    replace_one_value(data, api, name)
