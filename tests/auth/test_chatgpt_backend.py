"""The emulator's ChatGPT backend holds clients to the real backend's rules, in its own words
(raw HTTP, no modelwire client in between)."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from modelwire.auth.tokens import jwt_claims
from modelwire.testing import FakeServer

BODY: dict[str, Any] = {
    "model": "gpt-5.1-codex",
    "instructions": "",
    "input": [{"role": "user", "content": "hello there"}],
    "stream": True,
    "store": False,
}


def headers_for(tokens: dict[str, Any]) -> dict[str, str]:
    claims = jwt_claims(tokens["access_token"])
    account = claims["https://api.openai.com/auth"]["chatgpt_account_id"]
    return {"authorization": f"Bearer {tokens['access_token']}", "chatgpt-account-id": account}


def post(server: FakeServer, **changes: Any) -> httpx2.Response:
    body = {**BODY, **changes}
    headers = headers_for(server.issue_tokens("chatgpt"))
    return httpx2.post(
        server.base_url("chatgpt") + "/responses", json=body, headers=headers, timeout=10
    )


def output_of(response: httpx2.Response) -> list[dict[str, Any]]:
    """The output items of the streamed answer's ``response.completed`` event."""
    assert response.status_code == 200, response.text
    for line in response.text.splitlines():
        if line.startswith("data: "):
            event = json.loads(line[6:])
            if event.get("type") == "response.completed":
                output: list[dict[str, Any]] = event["response"]["output"]
                return output
    raise AssertionError("no response.completed event")


def test_a_system_message_in_the_input_is_refused(server: FakeServer) -> None:
    response = post(server, input=[{"role": "system", "content": "x"}, *BODY["input"]])
    assert response.status_code == 400
    assert response.json() == {"detail": "System messages are not allowed"}
    typed = {"type": "message", "role": "system", "content": [{"type": "input_text", "text": "x"}]}
    assert post(server, input=[typed, *BODY["input"]]).status_code == 400


def test_a_developer_message_in_the_input_is_taken(server: FakeServer) -> None:
    # Codex (DeveloperInstructions) and pi (its bridge message) send developer items here.
    developer = {"role": "developer", "content": "Be brief."}
    assert post(server, input=[developer, *BODY["input"]]).status_code == 200


def test_the_models_reason_by_default(server: FakeServer) -> None:
    kinds = [item["type"] for item in output_of(post(server))]
    assert kinds == ["reasoning", "message"]
    assert [item["type"] for item in output_of(post(server, reasoning={"effort": "none"}))] == [
        "message"
    ]


def test_encrypted_reasoning_comes_back_only_when_asked_for(server: FakeServer) -> None:
    [plain, _] = output_of(post(server))
    assert "encrypted_content" not in plain
    [encrypted, message] = output_of(post(server, include=["reasoning.encrypted_content"]))
    history = [*BODY["input"], encrypted, message, {"role": "user", "content": "again"}]
    assert post(server, input=history).status_code == 200


def test_reasoning_without_encrypted_content_is_not_found(server: FakeServer) -> None:
    [reasoning, message] = output_of(post(server))
    response = post(
        server, input=[*BODY["input"], reasoning, message, {"role": "user", "content": "again"}]
    )
    assert response.status_code == 404
    assert response.json()["error"]["message"] == (
        f"Item with id '{reasoning['id']}' not found. Items are not persisted when `store` is "
        "set to false. Try again with `store` set to true, or remove this item from your input."
    )


def test_reasoning_stored_by_the_responses_api_is_not_known_to_the_chatgpt_backend(
    server: FakeServer,
) -> None:
    stored = httpx2.post(
        server.base_url("openai") + "/responses",
        json={"model": "gpt-5", "input": "hi", "reasoning": {"effort": "low"}},
        headers={"authorization": "Bearer sk-test-0000000000000000"},
        timeout=10,
    )
    assert stored.status_code == 200, stored.text
    reasoning = stored.json()["output"][0]
    assert reasoning["type"] == "reasoning"
    assert post(server, input=[*BODY["input"], reasoning]).status_code == 404


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"store": True}, "Store must be set to false"),
        ({"stream": False}, "Stream must be set to true"),
        ({"top_p": 0.5}, "Unsupported parameter: top_p"),
    ],
)
def test_store_false_and_stream_true_are_required(
    server: FakeServer, change: dict[str, Any], detail: str
) -> None:
    response = post(server, **change)
    assert response.status_code == 400
    assert response.json() == {"detail": detail}
