"""POST /v1/chat/completions: auth, validation, chunks, tool calls, reasoning_content, replay."""

from __future__ import annotations

import json
from typing import Any

import httpx2

from modelwire.testing.server import FakeServer

from .helpers import (
    ANTHROPIC_KEY,
    TIME_TOOL_SCHEMA,
    WEATHER_TOOL_SCHEMA,
    check_error,
    check_final,
    frames_of,
    openai_headers,
    stream_payloads,
)

WEATHER = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": WEATHER_TOOL_SCHEMA},
}
TIME = {"type": "function", "function": {"name": "get_time", "parameters": TIME_TOOL_SCHEMA}}


def post(
    http: httpx2.Client, server: FakeServer, body: dict[str, Any], **headers: str
) -> httpx2.Response:
    return http.post(
        server.base_url("openai") + "/chat/completions",
        json={"model": "gpt-5", **body},
        headers={**openai_headers(), **headers},
    )


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def test_openai_and_anthropic_keys_are_accepted(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    assert post(http, fake_server, {"messages": user("hi")}).status_code == 200
    anthropic = post(
        http, fake_server, {"messages": user("hi")}, authorization=f"Bearer {ANTHROPIC_KEY}"
    )
    assert anthropic.status_code == 200
    # Anthropic's OpenAI-compatible endpoint reports Anthropic's rate limits.
    assert "anthropic-ratelimit-requests-limit" in anthropic.headers


def test_a_wrong_key_is_refused(fake_server: FakeServer, http: httpx2.Client) -> None:
    response = post(http, fake_server, {"messages": user("hi")}, authorization="Bearer nope")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    check_error("chat", response.json())


def test_a_missing_content_names_the_field(fake_server: FakeServer, http: httpx2.Client) -> None:
    response = post(http, fake_server, {"messages": [{"role": "user"}]})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == "messages.[0].content"
    assert error["message"] == "Missing required parameter: 'messages.[0].content'."


def test_an_unknown_role_names_the_role(fake_server: FakeServer, http: httpx2.Client) -> None:
    response = post(http, fake_server, {"messages": [{"role": "robot", "content": "x"}]})
    error = response.json()["error"]
    assert error["param"] == "messages.[0].role"
    assert "'robot'" in error["message"]


def test_an_out_of_range_value_is_refused(fake_server: FakeServer, http: httpx2.Client) -> None:
    error = post(http, fake_server, {"messages": user("x"), "temperature": 3}).json()["error"]
    assert error["param"] == "temperature"
    assert error["code"] == "decimal_above_max_value"


def test_the_stream_is_role_content_finish_usage_done(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    body = {
        "messages": user("alpha beta gamma delta"),
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    response = post(http, fake_server, body)
    assert response.content.endswith(b"data: [DONE]\n\n")
    assert all(frame.event is None for frame in frames_of(response.content))
    chunks = stream_payloads("chat", response.content)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    contents = [c["choices"][0]["delta"].get("content") for c in chunks[1:-2]]
    assert "".join(contents) == "You said: alpha beta gamma delta"
    assert len(contents) >= 3
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["prompt_tokens"] == 4
    assert all(chunk["usage"] is None for chunk in chunks[:-1])
    assert len({chunk["id"] for chunk in chunks}) == 1


def test_without_include_usage_there_is_no_usage_chunk(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    chunks = stream_payloads(
        "chat", post(http, fake_server, {"messages": user("hi"), "stream": True}).content
    )
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert all("usage" not in chunk for chunk in chunks)


def test_stream_options_without_stream_is_refused(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    body = {"messages": user("hi"), "stream_options": {"include_usage": True}}
    assert post(http, fake_server, body).json()["error"]["param"] == "stream_options"


def test_the_non_streaming_completion(fake_server: FakeServer, http: httpx2.Client) -> None:
    body = post(http, fake_server, {"messages": user("hi there")}).json()
    check_final("chat", body)
    assert body["choices"][0]["message"]["content"] == "You said: hi there"
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"]["total_tokens"] == 2 + 4


def test_parallel_tool_calls_stream_by_index(fake_server: FakeServer, http: httpx2.Client) -> None:
    body = {
        "messages": user("use get_weather and get_time"),
        "tools": [WEATHER, TIME],
        "stream": True,
    }
    chunks = stream_payloads("chat", post(http, fake_server, body).content)
    calls: dict[int, dict[str, str]] = {}
    for chunk in chunks:
        for call in chunk["choices"][0]["delta"].get("tool_calls") or []:
            entry = calls.setdefault(call["index"], {"arguments": ""})
            if call.get("id"):
                entry["id"] = call["id"]
                entry["name"] = call["function"]["name"]
            entry["arguments"] += call["function"]["arguments"]
    assert [calls[i]["name"] for i in sorted(calls)] == ["get_weather", "get_time"]
    assert json.loads(calls[1]["arguments"]) == {"zone": "sample zone"}
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_a_tool_message_round_trip(fake_server: FakeServer, http: httpx2.Client) -> None:
    first = post(http, fake_server, {"messages": user("use get_time"), "tools": [TIME]}).json()
    message = first["choices"][0]["message"]
    call = message["tool_calls"][0]
    history = [
        *user("use get_time"),
        {"role": "assistant", "content": None, "tool_calls": message["tool_calls"]},
        {"role": "tool", "tool_call_id": call["id"], "content": "noon"},
    ]
    second = post(http, fake_server, {"messages": history, "tools": [TIME]})
    assert second.status_code == 200, second.text
    assert second.json()["choices"][0]["message"]["content"] == "The tool get_time returned: noon"


def test_a_tool_message_for_another_call_is_refused(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    call = {"id": "call_a", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}
    history = [
        *user("use get_time"),
        {"role": "assistant", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_other", "content": "noon"},
    ]
    response = post(http, fake_server, {"messages": history})
    assert response.status_code == 400
    error = response.json()["error"]
    assert "must be a response to a preceeding message with 'tool_calls'" in error["message"]
    assert error["param"] == "messages.[2].role"


def test_an_unanswered_tool_call_is_refused(fake_server: FakeServer, http: httpx2.Client) -> None:
    call = {"id": "call_a", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}
    history = [*user("x"), {"role": "assistant", "tool_calls": [call]}, *user("y")]
    response = post(http, fake_server, {"messages": history})
    assert response.status_code == 400
    assert "did not have response messages: call_a" in response.json()["error"]["message"]


def test_reasoning_effort_streams_reasoning_content(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    body = {"messages": user("hi"), "reasoning_effort": "low", "stream": True}
    chunks = stream_payloads("chat", post(http, fake_server, body).content)
    reasoning = "".join(c["choices"][0]["delta"].get("reasoning_content") or "" for c in chunks)
    assert reasoning.startswith("The user wrote 1 words.")
    first_content = next(i for i, c in enumerate(chunks) if c["choices"][0]["delta"].get("content"))
    last_reasoning = max(
        i for i, c in enumerate(chunks) if c["choices"][0]["delta"].get("reasoning_content")
    )
    assert last_reasoning < first_content


def test_structured_output_from_response_format(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    body = {
        "messages": user("status?"),
        "response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": schema}},
    }
    content = post(http, fake_server, body).json()["choices"][0]["message"]["content"]
    assert json.loads(content) == {"ok": True}


def test_n_choices(fake_server: FakeServer, http: httpx2.Client) -> None:
    body = post(http, fake_server, {"messages": user("hi"), "n": 2}).json()
    assert [choice["index"] for choice in body["choices"]] == [0, 1]
