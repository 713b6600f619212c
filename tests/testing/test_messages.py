"""POST /v1/messages: API keys and Claude OAuth, validation, blocks, thinking replay, web search."""

from __future__ import annotations

import json
from typing import Any

import httpx2

from modelwire.testing.server import FakeServer

from .helpers import (
    ANTHROPIC_KEY,
    WEATHER_TOOL_SCHEMA,
    anthropic_headers,
    check_error,
    check_final,
    claude_oauth_headers,
    stream_payloads,
    types_of,
)

WEATHER = {"name": "get_weather", "input_schema": WEATHER_TOOL_SCHEMA}
THINKING = {"type": "enabled", "budget_tokens": 1024}


def post(
    http: httpx2.Client,
    server: FakeServer,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> httpx2.Response:
    return http.post(
        server.base_url("anthropic") + "/v1/messages",
        json={"model": "claude-sonnet-4-5", "max_tokens": 4096, **body},
        headers=headers if headers is not None else anthropic_headers(),
    )


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def test_an_api_key_is_accepted(fake_server: FakeServer, http: httpx2.Client) -> None:
    response = post(http, fake_server, {"messages": user("hi")})
    assert response.status_code == 200
    check_final("messages", response.json())
    assert response.headers["request-id"].startswith("req_011C")
    for name in ("requests", "tokens", "input-tokens", "output-tokens"):
        for suffix in ("limit", "remaining", "reset"):
            assert f"anthropic-ratelimit-{name}-{suffix}" in response.headers


def test_a_wrong_key_gets_the_anthropic_401(fake_server: FakeServer, http: httpx2.Client) -> None:
    headers = {**anthropic_headers(), "x-api-key": "sk-wrong"}
    response = post(http, fake_server, {"messages": user("hi")}, headers)
    assert response.status_code == 401
    body = response.json()
    assert body["type"] == "error"
    assert body["error"] == {"type": "authentication_error", "message": "invalid x-api-key"}
    assert body["request_id"].startswith("req_")
    check_error("messages", body)


def test_the_version_header_is_required(fake_server: FakeServer, http: httpx2.Client) -> None:
    response = post(http, fake_server, {"messages": user("hi")}, {"x-api-key": ANTHROPIC_KEY})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "type": "invalid_request_error",
        "message": "anthropic-version: header is required",
    }


def test_a_missing_content_names_the_field(fake_server: FakeServer, http: httpx2.Client) -> None:
    response = post(http, fake_server, {"messages": [{"role": "user"}]})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "type": "invalid_request_error",
        "message": "messages.0.content: Field required",
    }


def test_a_block_missing_its_text_names_the_block(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    messages = [{"role": "user", "content": [{"type": "text"}]}]
    message = post(http, fake_server, {"messages": messages}).json()["error"]["message"]
    assert message == "messages.0.content.0.text: Field required"


def test_an_unknown_tool_field_names_the_field(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    tools = [{**WEATHER, "bogus": 1}]
    message = post(http, fake_server, {"messages": user("x"), "tools": tools}).json()["error"]
    assert message["message"] == "tools.0.bogus: Extra inputs are not permitted"


def test_the_stream_has_the_real_event_sequence(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    body = {"messages": user("one two three four"), "stream": True}
    payloads = stream_payloads("messages", post(http, fake_server, body).content)
    kinds = types_of(payloads)
    assert kinds[:3] == ["message_start", "content_block_start", "ping"]
    assert kinds[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert kinds.count("content_block_delta") >= 3
    text = "".join(p["delta"]["text"] for p in payloads if p["type"] == "content_block_delta")
    assert text == "You said: one two three four"
    assert payloads[-2]["delta"]["stop_reason"] == "end_turn"
    assert payloads[-2]["usage"]["output_tokens"] == 6


def test_tool_use_blocks_stream_input_json(fake_server: FakeServer, http: httpx2.Client) -> None:
    body = {"messages": user("use get_weather"), "tools": [WEATHER], "stream": True}
    payloads = stream_payloads("messages", post(http, fake_server, body).content)
    start = next(p for p in payloads if p["type"] == "content_block_start")
    assert start["content_block"]["type"] == "tool_use"
    assert start["content_block"]["input"] == {}
    partial = "".join(
        p["delta"]["partial_json"] for p in payloads if p["type"] == "content_block_delta"
    )
    assert json.loads(partial) == {"city": "sample city", "days": 1, "unit": "celsius"}
    assert payloads[-2]["delta"]["stop_reason"] == "tool_use"


def test_tool_choice_any_forces_a_call(fake_server: FakeServer, http: httpx2.Client) -> None:
    body = {"messages": user("hello"), "tools": [WEATHER], "tool_choice": {"type": "any"}}
    content = post(http, fake_server, body).json()["content"]
    assert [block["type"] for block in content] == ["tool_use"]


def thinking_turn(http: httpx2.Client, server: FakeServer, prompt: str) -> dict[str, Any]:
    body = {"messages": user(prompt), "tools": [WEATHER], "thinking": THINKING}
    response = post(http, server, body)
    assert response.status_code == 200, response.text
    message: dict[str, Any] = response.json()
    return message


def continuation(message: dict[str, Any], prompt: str, content: list[Any]) -> list[Any]:
    tool_use = next(block for block in message["content"] if block["type"] == "tool_use")
    result = {"type": "tool_result", "tool_use_id": tool_use["id"], "content": "sunny"}
    return [
        *user(prompt),
        {"role": "assistant", "content": content},
        {"role": "user", "content": [result]},
    ]


def test_thinking_round_trip_with_the_signed_block_is_accepted(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    message = thinking_turn(http, fake_server, "use get_weather")
    assert [b["type"] for b in message["content"]] == ["thinking", "tool_use"]
    messages = continuation(message, "use get_weather", message["content"])
    response = post(
        http, fake_server, {"messages": messages, "tools": [WEATHER], "thinking": THINKING}
    )
    assert response.status_code == 200, response.text
    texts = [b["text"] for b in response.json()["content"] if b["type"] == "text"]
    assert texts == ["The tool get_weather returned: sunny"]


def test_dropping_the_thinking_block_is_refused(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    message = thinking_turn(http, fake_server, "use get_weather")
    without_thinking = [b for b in message["content"] if b["type"] != "thinking"]
    messages = continuation(message, "use get_weather", without_thinking)
    response = post(
        http, fake_server, {"messages": messages, "tools": [WEATHER], "thinking": THINKING}
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(
        "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
        "`tool_use`. When `thinking` is enabled, a final `assistant` message must start with a "
        "thinking block"
    )


def test_a_modified_thinking_block_is_refused(fake_server: FakeServer, http: httpx2.Client) -> None:
    message = thinking_turn(http, fake_server, "use get_weather")
    thinking, tool_use = message["content"]
    tampered = {**thinking, "thinking": thinking["thinking"] + " (edited)"}
    messages = continuation(message, "use get_weather", [tampered, tool_use])
    response = post(
        http, fake_server, {"messages": messages, "tools": [WEATHER], "thinking": THINKING}
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "messages.1.content.0: Invalid `signature` in `thinking` block"
    )


def test_a_forged_signature_is_refused(fake_server: FakeServer, http: httpx2.Client) -> None:
    message = thinking_turn(http, fake_server, "use get_weather")
    thinking, tool_use = message["content"]
    forged = {**thinking, "signature": "RXJyb3JTaWduYXR1cmU="}
    messages = continuation(message, "use get_weather", [forged, tool_use])
    response = post(
        http, fake_server, {"messages": messages, "tools": [WEATHER], "thinking": THINKING}
    )
    assert response.status_code == 400


def test_redacted_thinking_on_request_and_its_round_trip(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    message = thinking_turn(http, fake_server, "use get_weather, redacted please")
    assert [b["type"] for b in message["content"]] == ["thinking", "redacted_thinking", "tool_use"]
    messages = continuation(message, "use get_weather, redacted please", message["content"])
    response = post(
        http, fake_server, {"messages": messages, "tools": [WEATHER], "thinking": THINKING}
    )
    assert response.status_code == 200, response.text
    redacted = message["content"][1]
    bad = [message["content"][0], {**redacted, "data": "AAAA" + redacted["data"][4:]}]
    messages = continuation(message, "x", [*bad, message["content"][2]])
    response = post(
        http, fake_server, {"messages": messages, "tools": [WEATHER], "thinking": THINKING}
    )
    assert response.status_code == 400


def test_omitted_thinking_is_signature_only_and_round_trips(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    thinking = {**THINKING, "display": "omitted"}
    body = {
        "messages": user("use get_weather"),
        "tools": [WEATHER],
        "thinking": thinking,
        "stream": True,
    }
    payloads = stream_payloads("messages", post(http, fake_server, body).content)
    deltas = [
        p["delta"]["type"]
        for p in payloads
        if p["type"] == "content_block_delta" and p["index"] == 0
    ]
    assert deltas == ["signature_delta"]
    signature = next(
        p["delta"]["signature"] for p in payloads if p["type"] == "content_block_delta"
    )
    tool_use = next(
        p["content_block"]
        for p in payloads
        if p["type"] == "content_block_start" and p["index"] == 1
    )
    tool_use = {**tool_use, "input": {"city": "sample city", "days": 1, "unit": "celsius"}}
    block = {"type": "thinking", "thinking": "", "signature": signature}
    messages = continuation({"content": [tool_use]}, "use get_weather", [block, tool_use])
    response = post(
        http, fake_server, {"messages": messages, "tools": [WEATHER], "thinking": thinking}
    )
    assert response.status_code == 200, response.text


def test_a_tool_result_for_an_unknown_tool_use_is_refused(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    messages = [
        *user("hi"),
        {"role": "assistant", "content": "hello"},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_nope", "content": "x"}],
        },
    ]
    response = post(http, fake_server, {"messages": messages})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: "
        "toolu_nope. Each `tool_result` block must have a corresponding `tool_use` block in the "
        "previous message."
    )


def test_budget_must_stay_below_max_tokens(fake_server: FakeServer, http: httpx2.Client) -> None:
    body = {"messages": user("hi"), "thinking": THINKING, "max_tokens": 1024}
    response = post(http, fake_server, body)
    assert response.status_code == 400
    assert "`max_tokens` must be greater than `thinking.budget_tokens`" in response.text


def test_web_search_blocks_then_cited_text(fake_server: FakeServer, http: httpx2.Client) -> None:
    tools = [{"type": "web_search_20250305", "name": "web_search", "max_uses": 3}]
    body = {"messages": user("search the web for modelwire"), "tools": tools, "stream": True}
    payloads = stream_payloads("messages", post(http, fake_server, body).content)
    starts = [p["content_block"] for p in payloads if p["type"] == "content_block_start"]
    assert [block["type"] for block in starts] == [
        "server_tool_use",
        "web_search_tool_result",
        "text",
    ]
    citations = [
        p["delta"]["citation"]
        for p in payloads
        if p["type"] == "content_block_delta" and p["delta"]["type"] == "citations_delta"
    ]
    assert citations[0]["type"] == "web_search_result_location"
    assert payloads[-2]["usage"]["server_tool_use"] == {
        "web_search_requests": 1,
        "web_fetch_requests": 0,
    }


class TestClaudeOAuth:
    def test_an_issued_token_with_the_beta_is_accepted_with_any_system_prompt(
        self, fake_server: FakeServer, http: httpx2.Client
    ) -> None:
        tokens = fake_server.issue_tokens("claude")
        assert tokens["access_token"].startswith("sk-ant-oat01-")
        body = {"messages": user("hi"), "system": "You are a helpful assistant."}
        response = post(http, fake_server, body, claude_oauth_headers(tokens["access_token"]))
        assert response.status_code == 200, response.text

    def test_the_oauth_beta_is_required(self, fake_server: FakeServer, http: httpx2.Client) -> None:
        tokens = fake_server.issue_tokens("claude")
        headers = {**claude_oauth_headers(tokens["access_token"]), "anthropic-beta": "other-beta"}
        body = {"messages": user("hi")}
        response = post(http, fake_server, body, headers)
        assert response.status_code == 401
        assert response.json()["error"] == {
            "type": "authentication_error",
            "message": "OAuth authentication is currently not supported.",
        }

    def test_a_server_refusing_subscription_tokens_answers_as_anthropic_does(
        self, http: httpx2.Client
    ) -> None:
        with FakeServer(refuse_claude_subscription=True) as server:
            tokens = server.issue_tokens("claude")
            body = {"messages": user("hi")}
            response = post(http, server, body, claude_oauth_headers(tokens["access_token"]))
            assert response.status_code == 400
            assert response.json()["error"] == {
                "type": "invalid_request_error",
                "message": "This credential is only authorized for use with Claude Code and "
                "cannot be used for other API requests.",
            }
            # API keys are not subscription tokens: they pass.
            assert post(http, server, body).status_code == 200

    def test_tokens_not_issued_here_are_refused(
        self, fake_server: FakeServer, http: httpx2.Client
    ) -> None:
        body = {"messages": user("hi")}
        response = post(http, fake_server, body, claude_oauth_headers("sk-ant-oat01-forged"))
        assert response.status_code == 401
        assert response.json()["error"]["type"] == "authentication_error"

    def test_an_api_key_sent_as_a_bearer_token_is_an_api_key(
        self, fake_server: FakeServer, http: httpx2.Client
    ) -> None:
        # The official SDK sends API keys this way; no OAuth beta or Claude Code prompt needed.
        headers = {"authorization": f"Bearer {ANTHROPIC_KEY}", "anthropic-version": "2023-06-01"}
        response = post(http, fake_server, {"messages": user("hi")}, headers)
        assert response.status_code == 200

    def test_an_expired_token_is_refused(
        self, fake_server: FakeServer, http: httpx2.Client
    ) -> None:
        tokens = fake_server.issue_tokens("claude")
        fake_server.expire_tokens("claude")
        body = {"messages": user("hi")}
        response = post(http, fake_server, body, claude_oauth_headers(tokens["access_token"]))
        assert response.status_code == 401
        assert response.json()["error"]["message"] == (
            "OAuth token has expired. Please obtain a new token or refresh your existing token."
        )
