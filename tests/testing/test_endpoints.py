"""The endpoints beside the model calls: Responses retrieve / delete / cancel / input_items /
input_tokens, the model lists of both services, Messages count_tokens, and Messages threads (a
beta's fields accepted when its name is in ``anthropic-beta``)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from modelwire.testing import FakeServer

from .helpers import ANTHROPIC_KEY, anthropic_headers, check_final, openai_headers

THREADS_BETA = "message-threads-2026-08-12"


def create_response(http: httpx2.Client, server: FakeServer, **body: Any) -> dict[str, Any]:
    response = http.post(
        server.url + "/v1/responses",
        json={"model": "gpt-5", "input": "hello there", **body},
        headers=openai_headers(),
    )
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


# -- Responses ------------------------------------------------------------------------------------


def test_a_stored_response_can_be_retrieved_as_it_ended(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    created = create_response(http, fake_server)

    response = http.get(f"{fake_server.url}/v1/responses/{created['id']}", headers=openai_headers())

    assert response.status_code == 200
    assert response.json() == created
    check_final("responses", response.json())


def test_an_unstored_response_is_not_found(fake_server: FakeServer, http: httpx2.Client) -> None:
    created = create_response(http, fake_server, store=False)

    response = http.get(f"{fake_server.url}/v1/responses/{created['id']}", headers=openai_headers())

    assert response.status_code == 404
    assert response.json()["error"]["message"] == (f"Response with id '{created['id']}' not found.")


def test_a_deleted_response_is_gone(fake_server: FakeServer, http: httpx2.Client) -> None:
    created = create_response(http, fake_server)
    url = f"{fake_server.url}/v1/responses/{created['id']}"

    deleted = http.delete(url, headers=openai_headers())

    assert deleted.json() == {"id": created["id"], "object": "response.deleted", "deleted": True}
    assert http.get(url, headers=openai_headers()).status_code == 404
    assert http.delete(url, headers=openai_headers()).status_code == 404


def test_only_a_background_response_can_be_cancelled(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    foreground = create_response(http, fake_server)
    background = create_response(http, fake_server, background=True)

    refused = http.post(
        f"{fake_server.url}/v1/responses/{foreground['id']}/cancel", headers=openai_headers()
    )
    cancelled = http.post(
        f"{fake_server.url}/v1/responses/{background['id']}/cancel", headers=openai_headers()
    )

    assert refused.status_code == 400
    assert cancelled.status_code == 200
    assert cancelled.json()["id"] == background["id"]


def test_input_items_list_the_input_newest_first_with_ids(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    history = [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "an answer"},
        {"role": "user", "content": [{"type": "input_text", "text": "second"}]},
    ]
    created = create_response(http, fake_server, input=history)
    url = f"{fake_server.url}/v1/responses/{created['id']}/input_items"

    page = http.get(url, headers=openai_headers()).json()
    ascending = http.get(url, params={"order": "asc", "limit": 2}, headers=openai_headers()).json()

    assert page["object"] == "list"
    assert [item["content"][0]["text"] for item in page["data"]] == [
        "second",
        "an answer",
        "first",
    ]
    assert all(item["id"].startswith("msg_") and item["status"] for item in page["data"])
    assert page["data"][1]["content"][0]["type"] == "output_text"
    assert page["first_id"] == page["data"][0]["id"]
    assert page["has_more"] is False
    assert [item["content"][0]["text"] for item in ascending["data"]] == ["first", "an answer"]
    assert ascending["has_more"] is True
    after = http.get(
        url, params={"order": "asc", "after": ascending["last_id"]}, headers=openai_headers()
    ).json()
    assert [item["content"][0]["text"] for item in after["data"]] == ["second"]


def test_input_tokens_are_counted_as_the_create_call_counts_them(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    body = {"model": "gpt-5", "input": "one two three", "instructions": "four five"}
    counted = http.post(
        fake_server.url + "/v1/responses/input_tokens", json=body, headers=openai_headers()
    )
    created = create_response(http, fake_server, **body)

    assert counted.json() == {"object": "response.input_tokens", "input_tokens": 5}
    assert created["usage"]["input_tokens"] == 5


def test_the_endpoints_need_a_key(fake_server: FakeServer, http: httpx2.Client) -> None:
    response = http.get(f"{fake_server.url}/v1/responses/resp_x")
    assert response.status_code == 401
    assert "didn't provide an API key" in response.json()["error"]["message"]


# -- models ---------------------------------------------------------------------------------------


def test_openai_lists_models_in_its_shape(fake_server: FakeServer, http: httpx2.Client) -> None:
    listed = http.get(fake_server.url + "/v1/models", headers=openai_headers()).json()
    one = http.get(fake_server.url + "/v1/models/gpt-5-mini", headers=openai_headers()).json()

    assert listed["object"] == "list"
    assert {"id": "gpt-5", "object": "model", "created": 1754425777, "owned_by": "openai"} in (
        listed["data"]
    )
    assert one["id"] == "gpt-5-mini"
    assert one["object"] == "model"


@pytest.mark.parametrize(
    "headers",
    [anthropic_headers(), {"authorization": f"Bearer {ANTHROPIC_KEY}"}],
    ids=["x-api-key", "bearer"],
)
def test_anthropic_lists_models_in_its_shape(
    fake_server: FakeServer, http: httpx2.Client, headers: dict[str, str]
) -> None:
    listed = http.get(fake_server.url + "/v1/models", headers=headers).json()
    first = http.get(fake_server.url + "/v1/models", params={"limit": 1}, headers=headers).json()
    one = http.get(fake_server.url + "/v1/models/claude-sonnet-4-5", headers=headers).json()

    assert set(listed) == {"data", "has_more", "first_id", "last_id"}
    assert listed["first_id"] == listed["data"][0]["id"]
    assert listed["has_more"] is False
    assert all(model["type"] == "model" for model in listed["data"])
    assert first["has_more"] is True
    assert len(first["data"]) == 1
    assert one["display_name"] == "Claude Sonnet 4.5"
    assert one["created_at"].endswith("Z")


def test_a_wrong_anthropic_key_lists_no_models(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    response = http.get(fake_server.url + "/v1/models", headers=anthropic_headers("bad-key"))
    assert response.status_code == 401
    assert response.json()["error"] == {
        "type": "authentication_error",
        "message": "invalid x-api-key",
    }


# -- Messages count_tokens ------------------------------------------------------------------------


def count_tokens(
    http: httpx2.Client, server: FakeServer, body: dict[str, Any], **headers: str
) -> httpx2.Response:
    return http.post(
        server.url + "/v1/messages/count_tokens",
        json={"model": "claude-sonnet-4-5", **body},
        headers={**anthropic_headers(), **headers},
    )


def test_count_tokens_counts_system_messages_and_tools(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    body = {"system": "be brief", "messages": [{"role": "user", "content": "one two three"}]}
    response = count_tokens(http, fake_server, body)
    assert response.status_code == 200
    assert response.json() == {"input_tokens": 5}


def test_count_tokens_validates_the_request(fake_server: FakeServer, http: httpx2.Client) -> None:
    malformed = count_tokens(http, fake_server, {"messages": [{"role": "user"}]})
    with_max_tokens = count_tokens(
        http, fake_server, {"messages": [{"role": "user", "content": "x"}], "max_tokens": 5}
    )
    assert malformed.status_code == 400
    assert malformed.json()["error"]["message"] == "messages.0.content: Field required"
    assert with_max_tokens.status_code == 400


# -- Messages threads (a beta) --------------------------------------------------------------------


def messages(
    http: httpx2.Client, server: FakeServer, body: dict[str, Any], beta: str | None = THREADS_BETA
) -> httpx2.Response:
    headers = anthropic_headers()
    if beta is not None:
        headers["anthropic-beta"] = beta
    return http.post(
        server.url + "/v1/messages",
        json={"model": "claude-sonnet-4-5", "max_tokens": 1000, **body},
        headers=headers,
    )


WEATHER = {
    "name": "get_weather",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def test_a_beta_field_needs_its_beta(fake_server: FakeServer, http: httpx2.Client) -> None:
    body = {"messages": [{"role": "user", "content": "hi"}], "thread": {"type": "create"}}
    response = messages(http, fake_server, body, beta=None)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("thread:")


def test_a_thread_continues_with_only_the_new_turn(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    first = messages(
        http,
        fake_server,
        {
            "messages": [{"role": "user", "content": "use get_weather"}],
            "tools": [WEATHER],
            "thread": {"type": "create"},
        },
    ).json()
    [call] = [block for block in first["content"] if block["type"] == "tool_use"]
    result = {"type": "tool_result", "tool_use_id": call["id"], "content": "sunny"}

    second = messages(
        http,
        fake_server,
        {
            "messages": [{"role": "user", "content": [result]}],
            "thread": {"type": "continue", "previous_message_id": first["id"]},
        },
    )

    assert second.status_code == 200, second.text
    assert second.json()["content"][0]["text"] == "The tool get_weather returned: sunny"


def test_a_thread_is_continued_once_and_keeps_its_system_and_tools(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    first = messages(
        http,
        fake_server,
        {"messages": [{"role": "user", "content": "hi"}], "thread": {"type": "create"}},
    ).json()
    proceed = {"type": "continue", "previous_message_id": first["id"]}
    turn = [{"role": "user", "content": "more"}]

    repeats_system = messages(
        http, fake_server, {"messages": turn, "system": "x", "thread": proceed}
    )
    continued = messages(http, fake_server, {"messages": turn, "thread": proceed})
    again = messages(http, fake_server, {"messages": turn, "thread": proceed})
    unknown = messages(
        http,
        fake_server,
        {"messages": turn, "thread": {"type": "continue", "previous_message_id": "msg_nope"}},
    )

    assert repeats_system.status_code == 400
    assert continued.status_code == 200
    assert again.status_code == 409
    assert again.json()["error"]["details"] == {"error_code": "thread_already_continued"}
    assert unknown.status_code == 404
    assert unknown.json()["error"]["details"] == {"error_code": "thread_not_found"}
