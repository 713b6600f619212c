"""How a live stream is shown: sections on their own lines, reasoning labelled, tool calls as
their arguments form, parallel calls kept apart."""

from __future__ import annotations

import io

from rich.console import Console

import modelwire as mw
from modelwire.cli.render import EventPrinter

API = "chat"


def shown(*events: mw.Event) -> str:
    out = io.StringIO()
    printer = EventPrinter(Console(file=out, force_terminal=False, width=200))
    for event in events:
        printer.show(event)
    printer.end_line()
    return out.getvalue()


def started(call_id: str, name: str, index: int) -> mw.ToolCallStarted:
    return mw.ToolCallStarted(API, {}, id=call_id, name=name, index=index)


def arguments(call_id: str, delta: str, index: int) -> mw.ToolCallArgumentsDelta:
    return mw.ToolCallArgumentsDelta(API, {}, id=call_id, delta=delta, index=index)


def done(call_id: str, name: str, index: int) -> mw.ToolCallDone:
    call = mw.ToolCall(id=call_id, name=name, arguments={}, raw_arguments="{}")
    return mw.ToolCallDone(API, {}, call=call, index=index)


def test_reasoning_is_labelled_once_and_text_follows_on_its_own_line() -> None:
    text = shown(
        mw.ReasoningDelta(API, {}, "Let me ", "content", 0),
        mw.ReasoningDelta(API, {}, "think.", "content", 0),
        mw.TextDelta(API, {}, "Hello", 1),
        mw.TextDelta(API, {}, " there", 1),
    )

    assert text == "thinking: Let me think.\nHello there\n"


def test_a_tool_call_is_shown_as_its_arguments_arrive() -> None:
    text = shown(
        mw.TextDelta(API, {}, "Checking.", 0),
        started("call_1", "get_weather", 1),
        arguments("call_1", '{"city": ', 1),
        arguments("call_1", '"Paris"}', 1),
        done("call_1", "get_weather", 1),
    )

    assert text == 'Checking.\n⚙ get_weather({"city": "Paris"})\n'


def test_interleaved_parallel_calls_each_get_their_own_line() -> None:
    text = shown(
        started("a", "get_weather", 0),
        started("b", "get_time", 1),
        arguments("a", '{"city": "Paris"}', 0),
        arguments("b", '{"zone": "CET"}', 1),
        done("a", "get_weather", 0),
        done("b", "get_time", 1),
    )

    assert text.splitlines() == [
        "⚙ get_weather(",
        "⚙ get_time(",
        '⚙ get_weather(…{"city": "Paris"}',
        '⚙ get_time(…{"zone": "CET"}',
        "⚙ get_weather(…)",
        "⚙ get_time(…)",
    ]


def test_refusals_and_hosted_tools_are_marked() -> None:
    text = shown(
        mw.HostedToolCall(
            "responses", {}, id="ws_1", name="web_search", status="searching", index=0
        ),
        mw.RefusalDelta("responses", {}, "I can't help with that.", 1),
    )

    assert text == "◆ web_search: searching\nrefused: I can't help with that.\n"


def test_summary_parts_are_separated() -> None:
    text = shown(
        mw.ReasoningPartAdded("responses", {}, 0, 0),
        mw.ReasoningDelta("responses", {}, "First.", "summary", 0, 0),
        mw.ReasoningPartAdded("responses", {}, 0, 1),
        mw.ReasoningDelta("responses", {}, "Second.", "summary", 0, 1),
    )

    assert text == "thinking: First.\n\nSecond.\n"
