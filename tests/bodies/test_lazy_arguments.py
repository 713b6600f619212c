"""A tool call decoded from a whole body parses its arguments on first read, once, and is then
the same ToolCall in every respect as one built with its arguments parsed."""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
from typing import Any

import pytest

import modelwire as mw
from modelwire.bodies import decode_body
from modelwire.common import items

from .test_chat_body import assistant, completion

ARGUMENTS = '{"city": "Paris", "days": 3}'


def chat_call(arguments: str = ARGUMENTS, **extra: Any) -> dict[str, Any]:
    return {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": arguments},
        **extra,
    }


def chat_tool_calls(*calls: dict[str, Any]) -> list[mw.ToolCall]:
    body = completion(assistant(tool_calls=list(calls)), finish_reason="tool_calls")
    return decode_body("chat", json.dumps(body).encode()).tool_calls


def responses_tool_call(arguments: str = ARGUMENTS) -> mw.ToolCall:
    body = {
        "id": "resp_1",
        "object": "response",
        "created_at": 1767225600,
        "status": "completed",
        "model": "gpt-5",
        "output": [
            {
                "type": "function_call",
                "id": "fc_1",
                "call_id": "call_1",
                "name": "get_weather",
                "arguments": arguments,
                "status": "completed",
            }
        ],
    }
    return decode_body("responses", json.dumps(body).encode()).tool_calls[0]


def eager(arguments: dict[str, Any], raw: str, error: str | None = None) -> mw.ToolCall:
    return mw.ToolCall(
        "call_1", "get_weather", arguments, raw, error, "function", None, "chat", chat_call(raw)
    )


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The raw arguments parsed so far, in order."""
    seen: list[str] = []
    parse = items.parse_tool_arguments

    def counting(raw: str) -> tuple[dict[str, Any], str | None]:
        seen.append(raw)
        return parse(raw)

    monkeypatch.setattr(items, "parse_tool_arguments", counting)
    return seen


@pytest.mark.parametrize("first", ["arguments", "arguments_error"])
def test_a_chat_body_call_parses_on_the_first_read_of_either_field_once(
    parses: list[str], first: str
) -> None:
    (call,) = chat_tool_calls(chat_call())
    assert parses == []
    getattr(call, first)
    assert parses == [ARGUMENTS]
    assert call.arguments == {"city": "Paris", "days": 3}
    assert call.arguments_error is None
    assert parses == [ARGUMENTS]


def test_a_responses_body_call_parses_on_first_read(parses: list[str]) -> None:
    call = responses_tool_call()
    assert parses == []
    assert call.arguments == {"city": "Paris", "days": 3}
    assert parses == [ARGUMENTS]


def test_a_call_not_in_the_plain_shape_is_lazy_as_well(parses: list[str]) -> None:
    (call,) = chat_tool_calls(chat_call(index=0))
    assert parses == []
    assert call.arguments == {"city": "Paris", "days": 3}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("{not json", "not valid JSON"), ("[1, 2]", "not an object (list)")],
)
def test_invalid_arguments_read_as_empty_with_the_reason(raw: str, reason: str) -> None:
    (call,) = chat_tool_calls(chat_call(raw))
    assert call.arguments == {}
    assert call.arguments_error is not None
    assert reason in call.arguments_error
    assert call.raw_arguments == raw


def test_blank_arguments_are_a_call_without_parameters() -> None:
    (call,) = chat_tool_calls(chat_call(""))
    assert (call.arguments, call.arguments_error) == ({}, None)


def test_equal_to_the_call_built_parsed_and_the_same_repr() -> None:
    (call,) = chat_tool_calls(chat_call())
    built = eager({"city": "Paris", "days": 3}, ARGUMENTS)
    assert call == built
    assert repr(call) == repr(built)
    assert "arguments={'city': 'Paris', 'days': 3}" in repr(chat_tool_calls(chat_call())[0])


def test_unequal_when_the_parsed_arguments_differ() -> None:
    (call,) = chat_tool_calls(chat_call())
    assert call != eager({"city": "Rome", "days": 3}, ARGUMENTS)


@pytest.mark.parametrize(
    "duplicate",
    [copy.copy, copy.deepcopy, lambda call: pickle.loads(pickle.dumps(call))],
    ids=["copy", "deepcopy", "pickle"],
)
def test_copies_and_pickles_carry_the_parsed_arguments(duplicate: Any) -> None:
    (call,) = chat_tool_calls(chat_call())
    twin = duplicate(call)
    assert twin.arguments == {"city": "Paris", "days": 3}
    assert twin == call


def test_replace_and_asdict_see_the_parsed_arguments() -> None:
    (call,) = chat_tool_calls(chat_call())
    assert dataclasses.replace(call, name="other").arguments == {"city": "Paris", "days": 3}
    assert dataclasses.asdict(chat_tool_calls(chat_call())[0])["arguments"] == {
        "city": "Paris",
        "days": 3,
    }


def test_arguments_set_by_the_caller_are_kept_without_a_parse(parses: list[str]) -> None:
    (call,) = chat_tool_calls(chat_call())
    call.arguments = {"city": "Lyon"}
    assert call.arguments == {"city": "Lyon"}
    assert parses == []


def test_a_call_built_by_hand_keeps_its_defaults() -> None:
    call = mw.ToolCall("call_1", "get_weather")
    assert (call.arguments, call.raw_arguments, call.arguments_error) == ({}, "", None)


def test_an_unknown_attribute_is_still_an_attribute_error() -> None:
    (call,) = chat_tool_calls(chat_call())
    with pytest.raises(AttributeError, match="no attribute 'argument'"):
        call.argument  # type: ignore[attr-defined]  # noqa: B018
    assert getattr(call, "argument", None) is None


def test_plain_and_indexed_calls_decode_to_the_same_calls() -> None:
    plain = [chat_call(), {**chat_call('{"city": "Oslo"}'), "id": "call_2"}]
    indexed = [{**call, "index": position} for position, call in enumerate(plain)]
    assert chat_tool_calls(*plain) == chat_tool_calls(*indexed)


def test_an_unparsed_call_sets_every_other_field(parses: list[str]) -> None:
    (call,) = chat_tool_calls(chat_call())
    others = {f.name for f in dataclasses.fields(mw.ToolCall)} - {"arguments", "arguments_error"}
    assert {name: getattr(call, name) for name in others} == {
        "id": "call_1",
        "name": "get_weather",
        "raw_arguments": ARGUMENTS,
        "kind": "function",
        "item_id": None,
        "api": "chat",
        "native": chat_call(),
        "type": "tool_call",
    }
    assert parses == []
