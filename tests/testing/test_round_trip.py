"""The emulator accepts what it emits: every object it sends comes back as history, on every API.

Each test has the emulator emit one kind of object (streamed and not), sends it back unchanged the
way a client's tool loop does (Chat: the assistant message; Responses: the output items as input
items; Messages: the content blocks as an assistant turn) and expects a 200.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from modelwire.testing import Citation, FakeServer, Script

from .helpers import (
    WEATHER_TOOL_SCHEMA,
    anthropic_headers,
    chatgpt_headers,
    openai_headers,
    stream_payloads,
)

CHAT_WEATHER = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": WEATHER_TOOL_SCHEMA},
}
RESPONSES_WEATHER = {"type": "function", "name": "get_weather", "parameters": WEATHER_TOOL_SCHEMA}
MESSAGES_WEATHER = {"name": "get_weather", "input_schema": WEATHER_TOOL_SCHEMA}
CITATION = Citation("https://example.com/cats", "Cats", "cats purr")
EVERYTHING = (
    Script.reasoning("Thinking about cats.", summary=["About cats."])
    + Script.web_search("cats")
    + Script.text("I found that cats purr.", citations=[CITATION])
    + Script.tool_call("get_weather", {"city": "Paris", "days": 1, "unit": "celsius"})
)


# -- Chat ------------------------------------------------------------------------------------------


def chat(http: httpx2.Client, server: FakeServer, body: dict[str, Any]) -> httpx2.Response:
    return http.post(
        server.base_url("openai") + "/chat/completions",
        json={"model": "gpt-5", **body},
        headers=openai_headers(),
    )


def chat_stream_message(body: bytes) -> dict[str, Any]:
    """The assistant message a client builds from the chunks (as the SDKs' stream helpers do)."""
    message: dict[str, Any] = {"role": "assistant"}
    calls: dict[int, dict[str, Any]] = {}
    for payload in stream_payloads("chat", body):
        for choice in payload["choices"]:
            delta = choice["delta"]
            for key in ("content", "refusal", "reasoning_content"):
                if delta.get(key) is not None:
                    message[key] = message.get(key, "") + delta[key]
            for fragment in delta.get("tool_calls") or []:
                call = calls.setdefault(
                    fragment["index"],
                    {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
                )
                call["id"] = fragment.get("id") or call["id"]
                function = fragment.get("function") or {}
                call["function"]["name"] += function.get("name") or ""
                call["function"]["arguments"] += function.get("arguments") or ""
    if calls:
        message["tool_calls"] = [calls[index] for index in sorted(calls)]
    return message


def chat_continues(
    http: httpx2.Client, server: FakeServer, message: dict[str, Any]
) -> httpx2.Response:
    history: list[dict[str, Any]] = [{"role": "user", "content": "hi"}, message]
    history += [
        {"role": "tool", "tool_call_id": call["id"], "content": "sunny"}
        for call in message.get("tool_calls") or []
    ]
    if not message.get("tool_calls"):
        history.append({"role": "user", "content": "and then?"})
    return chat(http, server, {"messages": history, "tools": [CHAT_WEATHER]})


CHAT_SCRIPTS = {
    "text": Script.text("Hello there."),
    "refusal": Script.text("I cannot help with that.").stopping("refusal"),
    "tool calls": Script.tool_call("get_weather", {"city": "Paris"})
    + Script.tool_call("get_weather", {"city": "Rome"}),
    "reasoning and text": Script.reasoning("Let me think.") + Script.text("Done."),
    "reasoning and a tool call": Script.reasoning("Let me think.")
    + Script.tool_call("get_weather", {"city": "Paris"}),
}


@pytest.mark.parametrize("streamed", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize("case", list(CHAT_SCRIPTS))
def test_chat_takes_back_the_assistant_message_it_sent(
    fake_server: FakeServer, http: httpx2.Client, case: str, streamed: bool
) -> None:
    fake_server.queue("chat", CHAT_SCRIPTS[case])
    first = chat(
        http,
        fake_server,
        {"messages": [{"role": "user", "content": "hi"}], "stream": streamed},
    )
    assert first.status_code == 200, first.text
    if streamed:
        message = chat_stream_message(first.content)
    else:
        message = first.json()["choices"][0]["message"]
        assert message["annotations"] == []
        assert "refusal" in message

    second = chat_continues(http, fake_server, message)

    assert second.status_code == 200, second.text


def test_chat_checks_the_echoed_fields_against_the_response_message(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    message = {"role": "assistant", "content": "hi", "annotations": "not a list"}
    response = chat_continues(http, fake_server, message)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "messages.[1].annotations"


def test_chat_takes_back_an_audio_answer_as_its_reference(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    audio = {"id": "audio_abc", "data": "UklGRg==", "expires_at": 1, "transcript": "hi"}
    message = {"role": "assistant", "content": None, "refusal": None, "audio": audio}
    response = chat_continues(http, fake_server, message)
    assert response.status_code == 200, response.text


# -- Responses -------------------------------------------------------------------------------------


def responses(
    http: httpx2.Client, server: FakeServer, body: dict[str, Any], path: str = "/v1/responses"
) -> httpx2.Response:
    return http.post(server.url + path, json={"model": "gpt-5", **body}, headers=openai_headers())


def output_items(response: httpx2.Response, streamed: bool) -> list[dict[str, Any]]:
    if not streamed:
        items: list[dict[str, Any]] = response.json()["output"]
        return items
    return [
        payload["item"]
        for payload in stream_payloads("responses", response.content)
        if payload["type"] == "response.output_item.done"
    ]


def responses_continues(
    http: httpx2.Client, server: FakeServer, items: list[dict[str, Any]], **body: Any
) -> httpx2.Response:
    outputs = [
        {"type": "function_call_output", "call_id": item["call_id"], "output": "sunny"}
        for item in items
        if item["type"] == "function_call"
    ]
    history = [{"role": "user", "content": "hi"}, *items, *outputs]
    return responses(http, server, {"input": history, "tools": [RESPONSES_WEATHER], **body})


REQUEST_EVERYTHING = {
    "reasoning": {"effort": "low", "summary": "auto"},
    "include": ["reasoning.encrypted_content", "web_search_call.action.sources"],
    "tools": [RESPONSES_WEATHER, {"type": "web_search"}],
}


@pytest.mark.parametrize("streamed", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize("store", [False, True], ids=["unstored", "stored"])
def test_responses_takes_back_every_output_item_it_sent(
    fake_server: FakeServer, http: httpx2.Client, streamed: bool, store: bool
) -> None:
    fake_server.queue("responses", EVERYTHING)
    first = responses(
        http, fake_server, {"input": "hi", "stream": streamed, "store": store, **REQUEST_EVERYTHING}
    )
    assert first.status_code == 200, first.text
    items = output_items(first, streamed)
    assert [item["type"] for item in items] == [
        "reasoning",
        "web_search_call",
        "message",
        "function_call",
    ]

    second = responses_continues(http, fake_server, items, store=store)

    assert second.status_code == 200, second.text


def test_responses_takes_back_a_stored_reasoning_item_without_encrypted_content(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    fake_server.queue("responses", EVERYTHING)
    first = responses(http, fake_server, {"input": "hi", "reasoning": {"effort": "low"}})
    items = output_items(first, streamed=False)
    assert "encrypted_content" not in items[0]

    second = responses_continues(http, fake_server, items)

    assert second.status_code == 200, second.text


def test_responses_takes_back_a_refusal(fake_server: FakeServer, http: httpx2.Client) -> None:
    fake_server.queue("responses", Script.text("I cannot help.").stopping("refusal"))
    items = output_items(responses(http, fake_server, {"input": "hi"}), streamed=False)
    assert items[0]["content"][0]["type"] == "refusal"

    second = responses_continues(http, fake_server, items)

    assert second.status_code == 200, second.text


def test_the_chatgpt_backend_takes_back_every_output_item_it_sent(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    headers = chatgpt_headers(fake_server.issue_tokens("chatgpt"))
    body: dict[str, Any] = {
        "model": "gpt-5",
        "instructions": "",
        "stream": True,
        "store": False,
        **REQUEST_EVERYTHING,
    }
    fake_server.queue("chatgpt", EVERYTHING)
    url = fake_server.base_url("chatgpt") + "/responses"
    first = http.post(url, json={**body, "input": "hi"}, headers=headers)
    items = output_items(first, streamed=True)
    outputs = [
        {"type": "function_call_output", "call_id": item["call_id"], "output": "sunny"}
        for item in items
        if item["type"] == "function_call"
    ]

    second = http.post(url, json={**body, "input": [*items, *outputs]}, headers=headers)

    assert second.status_code == 200, second.text


# -- Messages --------------------------------------------------------------------------------------


def messages(http: httpx2.Client, server: FakeServer, body: dict[str, Any]) -> httpx2.Response:
    return http.post(
        server.base_url("anthropic") + "/v1/messages",
        json={"model": "claude-sonnet-4-5", "max_tokens": 4096, **body},
        headers=anthropic_headers(),
    )


def streamed_blocks(body: bytes) -> list[dict[str, Any]]:
    """The content blocks a client builds from the events (as the SDK's accumulator does)."""
    blocks: list[dict[str, Any]] = []
    partial_json: dict[int, str] = {}
    for payload in stream_payloads("messages", body):
        if payload["type"] == "content_block_start":
            blocks.append(dict(payload["content_block"]))
        elif payload["type"] == "content_block_delta":
            block, delta = blocks[payload["index"]], payload["delta"]
            kind = delta["type"]
            if kind == "text_delta":
                block["text"] += delta["text"]
            elif kind == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif kind == "signature_delta":
                block["signature"] = delta["signature"]
            elif kind == "citations_delta":
                block.setdefault("citations", []).append(delta["citation"])
            elif kind == "input_json_delta":
                partial_json[payload["index"]] = (
                    partial_json.get(payload["index"], "") + delta["partial_json"]
                )
        elif payload["type"] == "content_block_stop" and payload["index"] in partial_json:
            blocks[payload["index"]]["input"] = json.loads(partial_json[payload["index"]] or "{}")
    return blocks


def messages_continues(
    http: httpx2.Client, server: FakeServer, blocks: list[dict[str, Any]], **body: Any
) -> httpx2.Response:
    results = [
        {"type": "tool_result", "tool_use_id": block["id"], "content": "sunny"}
        for block in blocks
        if block["type"] == "tool_use"
    ]
    history = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": blocks},
        {"role": "user", "content": results or "and then?"},
    ]
    return messages(http, server, {"messages": history, **body})


MESSAGES_EVERYTHING = {
    "thinking": {"type": "enabled", "budget_tokens": 1024},
    "tools": [MESSAGES_WEATHER, {"type": "web_search_20250305", "name": "web_search"}],
}


@pytest.mark.parametrize("streamed", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize("display", ["summarized", "omitted"])
def test_messages_takes_back_every_content_block_it_sent(
    fake_server: FakeServer, http: httpx2.Client, streamed: bool, display: str
) -> None:
    script = Script.reasoning("Secret plan.", redacted=True) + EVERYTHING
    fake_server.queue("messages", script)
    thinking = {**MESSAGES_EVERYTHING["thinking"], "display": display}
    body = {**MESSAGES_EVERYTHING, "thinking": thinking}
    first = messages(
        http,
        fake_server,
        {"messages": [{"role": "user", "content": "hi"}], "stream": streamed, **body},
    )
    assert first.status_code == 200, first.text
    blocks = streamed_blocks(first.content) if streamed else first.json()["content"]
    assert [block["type"] for block in blocks] == [
        "redacted_thinking",
        "thinking",
        "server_tool_use",
        "web_search_tool_result",
        "text",
        "tool_use",
    ]

    second = messages_continues(http, fake_server, blocks, **body)

    assert second.status_code == 200, second.text
