"""POST /backend-api/codex/responses: the ChatGPT subscription backend and its own rules."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from modelwire.testing.server import FakeServer

from .helpers import chatgpt_headers, openai_headers, stream_payloads, types_of

BASE_BODY: dict[str, Any] = {
    "model": "gpt-5-codex",
    "instructions": "You are Codex.",
    "input": [{"role": "user", "content": "hello there"}],
    "stream": True,
    "store": False,
}


def post(
    http: httpx2.Client, server: FakeServer, headers: dict[str, str], **changes: Any
) -> httpx2.Response:
    body = {key: value for key, value in {**BASE_BODY, **changes}.items() if value is not None}
    return http.post(server.base_url("chatgpt") + "/responses", json=body, headers=headers)


def test_an_issued_token_and_its_account_stream_a_response(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    response = post(http, fake_server, chatgpt_headers(fake_server.issue_tokens("chatgpt")))
    assert response.status_code == 200, response.text
    kinds = types_of(stream_payloads("responses", response.content))
    assert kinds[0] == "response.created"
    assert kinds[-1] == "response.completed"
    assert response.headers["x-codex-primary-used-percent"]
    assert response.headers["x-codex-secondary-window-minutes"] == "10080"


def test_an_api_key_is_not_a_chatgpt_token(fake_server: FakeServer, http: httpx2.Client) -> None:
    assert post(http, fake_server, openai_headers()).status_code == 401


def test_the_account_header_must_match_the_token(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    headers = chatgpt_headers(fake_server.issue_tokens("chatgpt"))
    headers["chatgpt-account-id"] = "someone-else"
    assert post(http, fake_server, headers).status_code == 403
    del headers["chatgpt-account-id"]
    assert post(http, fake_server, headers).status_code == 403


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"stream": False}, "Stream must be set to true"),
        ({"store": None}, "Store must be set to false"),
        ({"instructions": None}, "Instructions are required"),
    ],
)
def test_stream_store_and_instructions_are_required(
    fake_server: FakeServer, http: httpx2.Client, change: dict[str, Any], detail: str
) -> None:
    headers = chatgpt_headers(fake_server.issue_tokens("chatgpt"))
    response = post(http, fake_server, headers, **change)
    assert response.status_code == 400
    assert response.json() == {"detail": detail}


def test_an_expired_token_gets_token_expired(fake_server: FakeServer, http: httpx2.Client) -> None:
    headers = chatgpt_headers(fake_server.issue_tokens("chatgpt"))
    fake_server.expire_tokens("chatgpt")
    response = post(http, fake_server, headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"


def test_a_forged_jwt_is_refused(fake_server: FakeServer, http: httpx2.Client) -> None:
    headers = chatgpt_headers(fake_server.issue_tokens("chatgpt"))
    header, payload, _ = headers["authorization"].removeprefix("Bearer ").split(".")
    headers["authorization"] = f"Bearer {header}.{payload}.forgedsignature"
    assert post(http, fake_server, headers).status_code == 401


def test_a_refreshed_token_works_and_the_old_one_still_does_until_it_expires(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    tokens = fake_server.issue_tokens("chatgpt")
    refreshed = http.post(
        fake_server.oauth("chatgpt").token_url,
        data={
            "grant_type": "refresh_token",
            "client_id": fake_server.oauth("chatgpt").client_id,
            "refresh_token": tokens["refresh_token"],
        },
    ).json()
    assert post(http, fake_server, chatgpt_headers(refreshed)).status_code == 200
    assert post(http, fake_server, chatgpt_headers(tokens)).status_code == 200


def test_reasoning_must_come_back_encrypted_when_nothing_is_stored(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    headers = chatgpt_headers(fake_server.issue_tokens("chatgpt"))
    first = post(
        http,
        fake_server,
        headers,
        reasoning={"effort": "low", "summary": "auto"},
        include=["reasoning.encrypted_content"],
    )
    completed = stream_payloads("responses", first.content)[-1]["response"]
    reasoning, message = completed["output"]
    replay = [
        *BASE_BODY["input"],
        reasoning,
        {"role": "assistant", "content": message["content"][0]["text"]},
        {"role": "user", "content": "and again"},
    ]
    assert post(http, fake_server, headers, input=replay).status_code == 200
    stripped = {k: v for k, v in reasoning.items() if k != "encrypted_content"}
    replay[1] = stripped
    assert post(http, fake_server, headers, input=replay).status_code == 404
