"""Every payload the emulator sends, validated strictly against the official SDKs' own types.

Raw bodies are fetched over loopback (no SDK parsing in between) for every API, streamed and
not, across scripts that exercise every kind of output (text, reasoning, tool calls, hosted web
search with citations, refusals, cut answers, redacted thinking, in-stream failures), and each
final object / stream event must validate as the SDK's type (the event union for streams) with
no field the SDK does not know (see ``strict.KNOWN_EXTENSIONS`` for the documented exceptions).
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest
from anthropic.types import (
    ErrorResponse,
    Message,
    MessageTokensCount,
    ModelInfo,
    RawMessageStreamEvent,
)
from openai.types import ErrorObject
from openai.types import Model as OpenAIModel
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.responses import (
    InputTokenCountResponse,
    Response,
    ResponseItem,
    ResponseStreamEvent,
)

from modelwire.testing import Citation, FakeServer, Fault, Script
from modelwire.wire.sse import SSEDecoder

from .conftest import ANTHROPIC_KEY, OPENAI_KEY
from .strict import BackendDetailError, ReferenceErrorResponse, strict

CITATION = Citation("https://example.com/cats", "Cats", "cats purr")
SCRIPTS: dict[str, Script | Fault] = {
    "text": Script.text("Hello there, how are you?"),
    "reasoning": Script.reasoning("Thinking it over.", summary=["A", "B"]) + Script.text("Done."),
    "parallel tool calls": Script.tool_call("get_weather", {"city": "Paris"})
    + Script.tool_call("get_time", {"zone": "CET"}),
    "web search": Script.web_search("cats") + Script.text("cats purr", citations=[CITATION]),
    "refusal": Script.text("I can't help with that.").stopping("refusal"),
    "cut at max tokens": Script.text("one two three").stopping("max_tokens"),
    "redacted thinking": Script.reasoning("hidden", redacted=True) + Script.text("ok"),
    "in-stream failure": Fault.stream_error("overloaded_error", after_events=3),
}
OPENAI_HEADERS = {"authorization": f"Bearer {OPENAI_KEY}"}
ANTHROPIC_HEADERS = {"x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01"}


@pytest.fixture
def http() -> Any:
    with httpx2.Client(verify=False, timeout=10.0) as client:
        yield client


def payloads(body: bytes) -> list[tuple[str | None, Any]]:
    decoder = SSEDecoder()
    frames = decoder.feed(body) + decoder.close()
    return [(f.event, json.loads(f.data)) for f in frames if f.data != b"[DONE]"]


def validate_stream(api: str, body: bytes) -> int:
    count = 0
    for event, payload in payloads(body):
        if api == "messages":
            if event == "ping":
                continue  # the SDK drops pings before parsing
            model: Any = ErrorResponse if event == "error" else RawMessageStreamEvent
        elif api == "chat":
            if "error" in payload:
                strict(ErrorObject, payload["error"])
                count += 1
                continue
            model = ChatCompletionChunk
        else:
            model = ResponseStreamEvent
        strict(model, payload)
        count += 1
    return count


def request(api: str, streamed: bool) -> tuple[str, dict[str, Any], dict[str, str]]:
    if api == "responses":
        body: dict[str, Any] = {
            "model": "gpt-5",
            "input": "hi",
            "reasoning": {"effort": "low", "summary": "auto"},
            "include": ["reasoning.encrypted_content", "web_search_call.action.sources"],
        }
        return "/v1/responses", {**body, "stream": streamed}, OPENAI_HEADERS
    if api == "chat":
        body = {"model": "gpt-5", "messages": [{"role": "user", "content": "hi"}], "n": 2}
        if streamed:
            body["stream_options"] = {"include_usage": True}
        return "/v1/chat/completions", {**body, "stream": streamed}, OPENAI_HEADERS
    body = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 4000,
        "messages": [{"role": "user", "content": "hi"}],
        "thinking": {"type": "enabled", "budget_tokens": 1024},
    }
    return "/v1/messages", {**body, "stream": streamed}, ANTHROPIC_HEADERS


FINAL_TYPES: dict[str, Any] = {"responses": Response, "chat": ChatCompletion, "messages": Message}


@pytest.mark.parametrize("streamed", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize("case", list(SCRIPTS))
@pytest.mark.parametrize("api", ["responses", "chat", "messages"])
def test_every_payload_validates_as_the_sdks_type(
    fake_server: FakeServer, http: Any, api: str, case: str, streamed: bool
) -> None:
    fake_server.queue(api, SCRIPTS[case])
    path, body, headers = request(api, streamed)

    response = http.post(fake_server.url + path, json=body, headers=headers)

    if streamed:
        assert response.status_code == 200
        assert validate_stream(api, response.content) > 1
    elif case == "in-stream failure":
        assert response.status_code >= 500
        error = response.json()
        if api == "messages":
            strict(ErrorResponse, error)
        else:
            strict(ErrorObject, error["error"])
    else:
        assert response.status_code == 200, response.text
        strict(FINAL_TYPES[api], response.json())


def test_the_chatgpt_backend_stream_validates_as_responses_events(
    fake_server: FakeServer, http: Any
) -> None:
    tokens = fake_server.issue_tokens("chatgpt")
    headers = {"authorization": f"Bearer {tokens['access_token']}"}
    headers["chatgpt-account-id"] = fake_server.identity.chatgpt_account_id
    body = {"model": "gpt-5", "instructions": "", "input": "hi", "stream": True, "store": False}
    fake_server.queue("chatgpt", SCRIPTS["reasoning"])

    response = http.post(fake_server.base_url("chatgpt") + "/responses", json=body, headers=headers)

    assert validate_stream("responses", response.content) > 1


@pytest.mark.parametrize("status", [400, 401, 404, 429, 500, 529])
def test_error_bodies_validate(fake_server: FakeServer, http: Any, status: int) -> None:
    answers = {}
    for api in ("responses", "chat", "messages"):
        fake_server.queue(api, Fault.status(status))
        path, body, headers = request(api, False)
        answers[api] = http.post(fake_server.url + path, json=body, headers=headers)

    assert {api: answer.status_code for api, answer in answers.items()} == dict.fromkeys(
        answers, status
    )
    strict(ErrorObject, answers["responses"].json()["error"])
    strict(ErrorObject, answers["chat"].json()["error"])
    strict(ErrorResponse, answers["messages"].json())


#: Unknown paths under each API's own prefix, with the headers its clients send.
UNKNOWN_PATHS = {
    "responses": ("/v1/responses/resp_123/nothing", OPENAI_HEADERS),
    "chat": ("/v1/chat/completions/nothing", OPENAI_HEADERS),
    "messages": ("/v1/messages/nothing", ANTHROPIC_HEADERS),
    "chatgpt": ("/backend-api/codex/nothing", {}),
}


def validate_error_body(api: str, body: Any, anthropic_type: Any = ErrorResponse) -> None:
    if api == "messages":
        strict(anthropic_type, body)
    elif api == "chatgpt":
        strict(BackendDetailError, body)
    else:
        assert set(body) == {"error"}
        strict(ErrorObject, body["error"])


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("api", list(UNKNOWN_PATHS))
def test_the_404_of_an_unknown_path_validates(
    fake_server: FakeServer, http: Any, api: str, method: str
) -> None:
    path, headers = UNKNOWN_PATHS[api]

    answer = http.request(method, fake_server.url + path, headers=headers)

    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/json")
    validate_error_body(api, answer.json())


#: The model calls and the endpoints beside them, each under its API's own error shape.
LIMITED_PATHS = {
    "responses": ("/v1/responses", OPENAI_HEADERS),
    "responses input_tokens": ("/v1/responses/input_tokens", OPENAI_HEADERS),
    "chat": ("/v1/chat/completions", OPENAI_HEADERS),
    "messages": ("/v1/messages", ANTHROPIC_HEADERS),
    "messages count_tokens": ("/v1/messages/count_tokens", ANTHROPIC_HEADERS),
    "chatgpt": ("/backend-api/codex/responses", {}),
}


@pytest.mark.parametrize("route", list(LIMITED_PATHS))
def test_the_413_of_a_body_above_the_limit_validates(http: Any, route: str) -> None:
    path, headers = LIMITED_PATHS[route]
    with FakeServer(max_request_bytes=1000) as server:
        if route == "chatgpt":
            tokens = server.issue_tokens("chatgpt")
            headers = {
                "authorization": f"Bearer {tokens['access_token']}",
                "chatgpt-account-id": server.identity.chatgpt_account_id,
            }
        answer = http.post(
            server.url + path, json={"model": "gpt-5", "input": "x" * 5000}, headers=headers
        )

    assert answer.status_code == 413
    validate_error_body(route.partition(" ")[0], answer.json(), ReferenceErrorResponse)


def test_the_other_endpoints_validate(fake_server: FakeServer, http: Any) -> None:
    url = fake_server.url
    created = http.post(
        url + "/v1/responses", json={"model": "gpt-5", "input": "hi"}, headers=OPENAI_HEADERS
    )
    response_id = created.json()["id"]
    retrieved = http.get(f"{url}/v1/responses/{response_id}", headers=OPENAI_HEADERS).json()
    items = http.get(f"{url}/v1/responses/{response_id}/input_items", headers=OPENAI_HEADERS)
    counted = http.post(
        url + "/v1/responses/input_tokens", json={"input": "a b"}, headers=OPENAI_HEADERS
    )
    openai_models = http.get(url + "/v1/models", headers=OPENAI_HEADERS).json()
    anthropic_models = http.get(url + "/v1/models", headers=ANTHROPIC_HEADERS).json()
    tokens = http.post(
        url + "/v1/messages/count_tokens",
        json={"model": "m", "messages": [{"role": "user", "content": "a b"}]},
        headers=ANTHROPIC_HEADERS,
    )

    background = http.post(
        url + "/v1/responses",
        json={"model": "gpt-5", "input": "hi", "background": True},
        headers=OPENAI_HEADERS,
    ).json()
    cancelled = http.post(f"{url}/v1/responses/{background['id']}/cancel", headers=OPENAI_HEADERS)

    strict(Response, retrieved)
    assert cancelled.status_code == 200
    assert strict(Response, cancelled.json()).id == background["id"]
    for item in items.json()["data"]:
        strict(ResponseItem, item)
    strict(InputTokenCountResponse, counted.json())
    for model in openai_models["data"]:
        strict(OpenAIModel, model)
    for info in anthropic_models["data"]:
        strict(ModelInfo, info)
    strict(MessageTokensCount, tokens.json())
