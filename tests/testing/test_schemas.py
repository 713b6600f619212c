"""Everything the emulator emits validates against the generated models, in every scenario.

Each case is sent twice: streamed (every event checked against ``EVENT_TYPES``) and not streamed
(the body checked against ``RESPONSE_MODEL``).
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from modelwire.testing.faults import Fault
from modelwire.testing.script import Script
from modelwire.testing.server import FakeServer
from modelwire.testing.state import Route

from .helpers import (
    TIME_TOOL_SCHEMA,
    WEATHER_TOOL_SCHEMA,
    anthropic_headers,
    check_final,
    openai_headers,
    stream_payloads,
)

PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["name", "tags"],
    "additionalProperties": False,
}

RESPONSES_TOOLS = [
    {"type": "function", "name": "get_weather", "parameters": WEATHER_TOOL_SCHEMA},
    {"type": "function", "name": "get_time", "parameters": TIME_TOOL_SCHEMA, "strict": False},
    {"type": "web_search"},
]
CHAT_TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "parameters": WEATHER_TOOL_SCHEMA}},
    {"type": "function", "function": {"name": "get_time", "parameters": TIME_TOOL_SCHEMA}},
]
MESSAGES_TOOLS = [
    {"name": "get_weather", "input_schema": WEATHER_TOOL_SCHEMA},
    {"name": "get_time", "input_schema": TIME_TOOL_SCHEMA},
    {"type": "web_search_20250305", "name": "web_search"},
]

CASES: dict[str, list[tuple[str, dict[str, Any], Script | Fault | None]]] = {
    "responses": [
        ("plain", {"input": "hello there, how are you"}, None),
        (
            "parallel tools",
            {"input": "use get_weather and get_time", "tools": RESPONSES_TOOLS},
            None,
        ),
        (
            "reasoning",
            {
                "input": "use get_time",
                "tools": RESPONSES_TOOLS,
                "reasoning": {"effort": "high", "summary": "detailed"},
                "include": ["reasoning.encrypted_content"],
            },
            None,
        ),
        (
            "web search",
            {
                "input": "search for cats",
                "tools": RESPONSES_TOOLS,
                "include": ["web_search_call.action.sources"],
            },
            None,
        ),
        (
            "structured",
            {
                "input": "who",
                "text": {"format": {"type": "json_schema", "name": "p", "schema": PERSON}},
            },
            None,
        ),
        ("max tokens", {"input": "a b c d e f g", "max_output_tokens": 2}, None),
        ("refusal", {"input": "x"}, Script.text("No.").stopping("refusal")),
        ("failed", {"input": "x"}, Fault.stream_error("overloaded_error", after_events=5)),
        ("error event", {"input": "x"}, Fault.stream_error("api_error", responses_event="error")),
    ],
    "chat": [
        ("plain", {"messages": [{"role": "user", "content": "hello there"}]}, None),
        (
            "parallel tools",
            {
                "messages": [{"role": "user", "content": "use get_time and get_weather"}],
                "tools": CHAT_TOOLS,
            },
            None,
        ),
        (
            "reasoning",
            {"messages": [{"role": "user", "content": "hi"}], "reasoning_effort": "medium"},
            None,
        ),
        ("two choices", {"messages": [{"role": "user", "content": "hi"}], "n": 2}, None),
        (
            "max tokens",
            {"messages": [{"role": "user", "content": "a b c d"}], "max_completion_tokens": 2},
            None,
        ),
        (
            "refusal",
            {"messages": [{"role": "user", "content": "x"}]},
            Script.text("No.").stopping("refusal"),
        ),
        (
            "error chunk",
            {"messages": [{"role": "user", "content": "x"}]},
            Fault.stream_error("api_error"),
        ),
    ],
    "messages": [
        ("plain", {"messages": [{"role": "user", "content": "hello there"}]}, None),
        (
            "parallel tools",
            {
                "messages": [{"role": "user", "content": "use get_weather and get_time"}],
                "tools": MESSAGES_TOOLS,
            },
            None,
        ),
        (
            "thinking and redacted",
            {
                "messages": [{"role": "user", "content": "use get_time, redacted"}],
                "tools": MESSAGES_TOOLS,
                "thinking": {"type": "enabled", "budget_tokens": 2048},
            },
            None,
        ),
        (
            "omitted thinking",
            {
                "messages": [{"role": "user", "content": "hi"}],
                "thinking": {"type": "enabled", "budget_tokens": 2048, "display": "omitted"},
            },
            None,
        ),
        (
            "web search",
            {"messages": [{"role": "user", "content": "search cats"}], "tools": MESSAGES_TOOLS},
            None,
        ),
        (
            "max tokens",
            {"messages": [{"role": "user", "content": "a b c d"}], "max_tokens": 2},
            None,
        ),
        (
            "refusal",
            {"messages": [{"role": "user", "content": "x"}]},
            Script.text("No.").stopping("refusal"),
        ),
        ("error event", {"messages": [{"role": "user", "content": "x"}]}, Fault.stream_error()),
    ],
}

ROUTES: dict[str, Route] = {"responses": "responses", "chat": "chat", "messages": "messages"}
PATHS = {"responses": "/v1/responses", "chat": "/v1/chat/completions", "messages": "/v1/messages"}
MODELS = {"responses": "gpt-5", "chat": "gpt-5", "messages": "claude-sonnet-4-5"}


def send(
    http: httpx2.Client, server: FakeServer, api: str, body: dict[str, Any], stream: bool
) -> httpx2.Response:
    full = {"model": MODELS[api], **body, "stream": stream}
    if api == "messages":
        full.setdefault("max_tokens", 4096)
    headers = anthropic_headers() if api == "messages" else openai_headers()
    return http.post(server.url + PATHS[api], json=full, headers=headers)


@pytest.mark.parametrize(
    ("api", "body", "answer"),
    [
        pytest.param(api, body, answer, id=f"{api}-{name}")
        for api, cases in CASES.items()
        for name, body, answer in cases
    ],
)
def test_every_event_and_body_validates(
    fake_server: FakeServer,
    http: httpx2.Client,
    api: str,
    body: dict[str, Any],
    answer: Script | Fault | None,
) -> None:
    route = ROUTES[api]
    if answer is not None:
        fake_server.queue(route, answer)
    streamed = send(http, fake_server, api, body, stream=True)
    assert streamed.status_code == 200, streamed.text
    payloads = stream_payloads(api, streamed.content)
    assert payloads

    if answer is not None:
        fake_server.queue(route, answer)
    plain = send(http, fake_server, api, body, stream=False)
    if isinstance(answer, Fault):
        assert plain.status_code >= 500  # an in-stream failure is an HTTP error without a stream
        return
    assert plain.status_code == 200, plain.text
    check_final(api, plain.json())
    if api == "responses":
        check_final(api, payloads[-1]["response"])
    if api == "messages":
        check_final(api, payloads[0]["message"])
