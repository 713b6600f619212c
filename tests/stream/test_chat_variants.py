"""OpenAI-compatible Chat servers that stream their own variants of the chunk shape.

Each variant has a recorded body in ``tests/fixtures/stream/chat/`` (decoded and compared with its
``.expected.json`` by ``test_chat.py``); the tests here pin what the expected events cannot show:
where the server's own fields stay reachable (``event.native`` / ``raw``, the Reasoning item's
``native``, the aggregated ``Response.native``), and what goes back in the next request.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from modelwire.native import chat as native

import modelwire as mw
from modelwire.apis.chat.request import build_body
from modelwire.common.prompt import Prompt

from ..support import sse_body


def decoded(name: str) -> tuple[list[mw.Event], mw.Response]:
    events = list(mw.decode("chat", [sse_body("chat", name)]))
    return events, mw.collect(events)


def final_message(response: mw.Response) -> dict[str, Any]:
    assert response.final is not None
    message: dict[str, Any] = response.final["choices"][0]["message"]
    return message


def reasoning_item(response: mw.Response) -> mw.Reasoning:
    [item] = [item for item in response.items if isinstance(item, mw.Reasoning)]
    return item


def body(*payloads: dict[str, Any], done: bool = True) -> bytes:
    lines = [b"data: " + orjson.dumps(p) + b"\n\n" for p in payloads]
    return b"".join(lines) + (b"data: [DONE]\n\n" if done else b"")


def chunk(delta: dict[str, Any], finish: str | None = None, **top: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-variant",
        "object": "chat.completion.chunk",
        "created": 1767225600,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **top,
    }


# --- reasoning under its many names ------------------------------------------------------------


def test_xai_reasoning_content_is_reasoning_and_stays_under_its_name() -> None:
    _, response = decoded("reasoning_content_xai")
    assert response.reasoning == "Two plus two is four."
    assert reasoning_item(response).native == {"reasoning_content": "Two plus two is four."}
    assert final_message(response)["reasoning_content"] == "Two plus two is four."
    assert response.usage.reasoning_tokens == 30
    assert isinstance(response.native, native.ChatCompletion)


def test_openrouter_reasoning_and_reasoning_details_count_the_text_once() -> None:
    events, response = decoded("reasoning_openrouter")
    assert response.reasoning == "Okay, a greeting. Reply briefly."
    assert [e.text for e in events if isinstance(e, mw.ReasoningDelta)] == [
        "Okay, a greeting.",
        " Reply briefly.",
    ]
    # The details, merged by their index, are on the item and in the final message.
    details = [
        {"type": "reasoning.text", "text": "Okay, a greeting. Reply briefly.", "format": "unknown",
         "index": 0}
    ]  # fmt: skip
    assert reasoning_item(response).native == {
        "reasoning": "Okay, a greeting. Reply briefly.",
        "reasoning_details": details,
    }
    assert final_message(response)["reasoning_details"] == details


def test_openrouter_encrypted_reasoning_detail_is_kept_whole_and_signs_the_item() -> None:
    events, response = decoded("reasoning_details_openrouter_encrypted")
    assert response.reasoning == "**Greeting** The user says hi."
    item = reasoning_item(response)
    assert item.encrypted_content == "gAAAAABpZ3Jvd2luZy1lbmNyeXB0ZWQtcmVhc29uaW5n"
    assert item.is_signed
    assert item.native is not None
    summary, encrypted = item.native["reasoning_details"]
    assert summary["summary"] == "**Greeting** The user says hi."
    assert encrypted["id"] == "rs_0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    # Each wire chunk stays reachable on its events.
    reasoning_deltas = [e for e in events if isinstance(e, mw.ReasoningDelta)]
    assert reasoning_deltas[0].raw["provider"] == "OpenAI"


def test_reasoning_details_alone_still_give_the_reasoning_text() -> None:
    detail = {"type": "reasoning.text", "text": "Only here.", "signature": None, "index": 0}
    signed = {"type": "reasoning.text", "text": "", "signature": "sig_1", "index": 0}
    events = list(
        mw.decode(
            "chat",
            [body(chunk({"reasoning_details": [detail]}), chunk({"reasoning_details": [signed]}),
                  chunk({"content": "Yes."}, "stop"))],
        )
    )  # fmt: skip
    response = mw.collect(events)
    assert response.reasoning == "Only here."
    native_item = reasoning_item(response).native
    assert native_item is not None
    assert native_item["reasoning_details"] == [{**detail, "signature": "sig_1"}]


def test_mistral_list_content_splits_thinking_parts_from_text_parts() -> None:
    _, response = decoded("mistral_thinking_and_tool_call")
    assert response.reasoning == "The user wants the weather."
    assert response.text == "Checking Paris."
    assert reasoning_item(response).native == {
        "type": "thinking",
        "thinking": [{"type": "text", "text": "The user wants the weather."}],
    }
    # The final message keeps text as text: it validates as a ChatCompletion.
    assert final_message(response)["content"] == "Checking Paris."
    assert isinstance(response.native, native.ChatCompletion)


def test_litellm_thinking_blocks_are_joined_and_keep_their_signature() -> None:
    _, response = decoded("thinking_blocks_litellm")
    item = reasoning_item(response)
    assert item.content == "I should look up the weather."
    assert item.signature is not None
    assert item.signature.startswith("EqQBCkgIBxAB")
    assert item.native == {
        "reasoning_content": "I should look up the weather.",
        "thinking_blocks": [
            {"type": "thinking", "thinking": "I should look up the weather.",
             "signature": item.signature}
        ],
    }  # fmt: skip
    assert final_message(response)["thinking_blocks"] == item.native["thinking_blocks"]


def test_litellm_thinking_blocks_go_back_with_the_tool_turn() -> None:
    _, response = decoded("thinking_blocks_litellm")
    [call] = response.tool_calls
    history = [
        mw.Message(role="user", content="Weather in Lyon?"),
        *response.items,
        mw.ToolResult(call_id=call.id, output="12°C, cloudy"),
    ]
    sent = build_body(Prompt(model="claude-sonnet-4-5", input=history), None, stream=True)
    assistant = sent["messages"][1]
    assert assistant["role"] == "assistant"
    assert assistant["thinking_blocks"] == reasoning_item(response).native["thinking_blocks"]  # type: ignore[index]
    assert assistant["thinking_blocks"][0]["signature"] == reasoning_item(response).signature
    assert [c["id"] for c in assistant["tool_calls"]] == [call.id]
    assert sent["messages"][2]["role"] == "tool"


def test_plain_chat_reasoning_is_not_sent_back() -> None:
    _, response = decoded("reasoning_content_xai")
    sent = build_body(
        Prompt(
            model="grok-3-mini", input=[mw.Message(role="user", content="2+2?"), *response.items]
        ),
        None,
        stream=True,
    )
    assert set(sent["messages"][1]) == {"role", "content"}


def test_redacted_thinking_block_is_kept_as_sent() -> None:
    redacted = {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"}
    events = list(
        mw.decode(
            "chat", [body(chunk({"thinking_blocks": [redacted]}), chunk({"content": "Hi"}, "stop"))]
        )
    )
    item = reasoning_item(mw.collect(events))
    assert item.redacted_data == "EmwKAhgBEgy3va3pzix/LafPsn4a"
    assert item.native == {"thinking_blocks": [redacted]}


# --- tool calls, finish reasons, usage, ids --------------------------------------------------


def test_mistral_whole_tool_call_without_index_arrives_with_the_finish() -> None:
    events, response = decoded("mistral_thinking_and_tool_call")
    [call] = response.tool_calls
    assert (call.id, call.name, call.arguments) == ("D681PevKs", "get_weather", {"city": "Paris"})
    started = [e for e in events if isinstance(e, mw.ToolCallStarted)]
    assert started[0].raw["choices"][0]["finish_reason"] == "tool_calls"


def test_whole_calls_without_index_in_separate_chunks_stay_apart() -> None:
    first = {"function": {"name": "f", "arguments": "{}"}}
    second = {"function": {"name": "g", "arguments": '{"x":1}'}}
    events = list(
        mw.decode(
            "chat",
            [body(chunk({"tool_calls": [first]}), chunk({"tool_calls": [second]}, "tool_calls"))],
        )
    )
    calls = mw.collect(events).tool_calls
    assert [(c.id, c.name, c.arguments) for c in calls] == [
        ("call_0", "f", {}),
        ("call_1", "g", {"x": 1}),
    ]


def test_together_null_id_and_name_continue_the_call() -> None:
    events, response = decoded("tool_call_null_id_and_name_together")
    [call] = response.tool_calls
    assert (call.id, call.name, call.arguments) == (
        "call_8t2kq0xw1m5n3b7v9c4z6a",
        "get_weather",
        {"city": "Oslo"},
    )
    assert len([e for e in events if isinstance(e, mw.ToolCallStarted)]) == 1


def test_a_changed_finish_reason_keeps_the_meaningful_one() -> None:
    _, response = decoded("finish_reason_tool_calls_then_stop")
    assert (response.stop_reason, response.native_stop_reason) == ("tool_use", "tool_calls")
    assert final_message(response)["tool_calls"][0]["function"]["name"] == "run_sql"
    assert response.final is not None
    assert response.final["choices"][0]["finish_reason"] == "tool_calls"


def test_a_later_reason_other_than_stop_replaces_an_earlier_one() -> None:
    events = list(mw.decode("chat", [body(chunk({"content": "Hi"}, "stop"), chunk({}, "length"))]))
    assert mw.collect(events).native_stop_reason == "length"


def test_groq_usage_inside_x_groq_is_the_usage() -> None:
    _, response = decoded("usage_in_x_groq")
    assert (response.usage.input_tokens, response.usage.output_tokens) == (40, 3)
    assert response.usage.raw is not None
    assert response.usage.raw["queue_time"] == 0.052
    assert isinstance(response.native, native.ChatCompletion)


def test_top_level_usage_wins_over_x_groq() -> None:
    usage = {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}
    groq = {"usage": {"prompt_tokens": 9, "completion_tokens": 9, "total_tokens": 18}}
    events = list(
        mw.decode("chat", [body(chunk({"content": "Hi"}, "stop", usage=usage, x_groq=groq))])
    )
    assert mw.collect(events).usage.input_tokens == 5


def test_chunk_ids_that_change_keep_the_first_as_the_response_id() -> None:
    events, response = decoded("chunk_ids_change")
    assert response.id == "chatcmpl-a1"
    assert response.final is not None
    assert response.final["id"] == "chatcmpl-a1"
    completed = events[-1]
    assert isinstance(completed, mw.Completed)
    assert completed.response_id == "chatcmpl-a1"
    # Each chunk's own id stays on its event.
    assert [e.raw["id"] for e in events if isinstance(e, mw.TextDelta)] == [
        "chatcmpl-a2",
        "chatcmpl-a3",
    ]


# --- ends and errors -------------------------------------------------------------------------


def test_error_on_a_chunk_with_text_delivers_the_text_then_raises_typed() -> None:
    delivered: list[mw.Event] = []
    with pytest.raises(mw.InternalServerError) as caught:
        delivered.extend(mw.decode("chat", [sse_body("chat", "error_on_chunk_with_text")]))
    assert "".join(e.text for e in delivered if isinstance(e, mw.TextDelta)) == "The first part"
    partial = caught.value.partial
    assert partial is not None
    assert partial.text == "The first part"
    assert caught.value.native["error"]["metadata"]["provider_name"] == "Google"


def test_error_on_a_chunk_in_the_middle_of_one_read_keeps_every_event_before_it() -> None:
    failing = chunk({"content": " world"}, error={"message": "upstream died", "code": 502})
    data = body(chunk({"content": "Hello"}), failing, chunk({"content": "never"}))
    with pytest.raises(mw.APIError) as caught:
        list(mw.decode("chat", [data]))
    assert caught.value.partial is not None
    assert caught.value.partial.text == "Hello world"


def test_done_without_any_finish_reason_is_a_complete_answer() -> None:
    _, response = decoded("done_without_finish_reason")
    assert response.complete
    assert (response.stop_reason, response.native_stop_reason) == ("end_turn", None)
    assert isinstance(response.native, native.ChatCompletion)


def test_done_without_finish_reason_after_tool_calls_is_tool_use() -> None:
    call = {"index": 0, "id": "call_1", "function": {"name": "f", "arguments": "{}"}}
    events = list(mw.decode("chat", [body(chunk({"tool_calls": [call]}))]))
    assert mw.collect(events).stop_reason == "tool_use"


def test_done_without_a_blank_line_after_it_is_still_the_end() -> None:
    data = body(chunk({"content": "Hi"}), done=False) + b"data: [DONE]"
    response = mw.collect(mw.decode("chat", [data]))
    assert response.complete
    assert response.text == "Hi"


def test_a_body_that_ends_without_done_or_finish_reason_is_interrupted() -> None:
    with pytest.raises(mw.StreamInterruptedError) as caught:
        list(mw.decode("chat", [body(chunk({"content": "Hi"}), done=False)]))
    assert caught.value.partial is not None
    assert caught.value.partial.text == "Hi"
