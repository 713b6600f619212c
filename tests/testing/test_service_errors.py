"""Errors as the real services give them: a wrong key sent as a bearer token, unknown paths,
current usage fields, faults a script cannot carry, bodies above the limit, clients that hang up
mid-body."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from modelwire.testing import FakeServer, Fault, Script

from .helpers import (
    anthropic_headers,
    chatgpt_headers,
    new_client,
    openai_headers,
    stream_payloads,
)

# -- a wrong Anthropic key sent as a bearer token -------------------------------------------------


@pytest.mark.parametrize("token", ["sk-ant-api03-wrong-key-123", "not-a-key-at-all"])
def test_a_wrong_anthropic_key_as_a_bearer_token_is_an_invalid_key(token: str) -> None:
    with FakeServer(api_keys=["sk-ant-api03-right-key-123"]) as server, new_client() as http:
        response = http.post(
            server.url + "/v1/messages",
            json={"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]},
            headers={"authorization": f"Bearer {token}", "anthropic-version": "2023-06-01"},
        )
    assert response.status_code == 401
    body = response.json()
    assert body["type"] == "error"
    assert body["error"] == {"type": "authentication_error", "message": "invalid x-api-key"}
    assert body["request_id"].startswith("req_")


# -- unknown paths --------------------------------------------------------------------------------


def test_an_unknown_openai_path_gets_openais_404(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    response = http.get(fake_server.url + "/v1/nothing/here", headers=openai_headers())
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "message": "Invalid URL (GET /v1/nothing/here)",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    }


@pytest.mark.parametrize("path", ["/v1/messages/nothing", "/v1/nothing"])
def test_an_unknown_anthropic_path_gets_anthropics_404(
    fake_server: FakeServer, http: httpx2.Client, path: str
) -> None:
    response = http.post(fake_server.url + path, json={}, headers=anthropic_headers())
    assert response.status_code == 404
    body = response.json()
    assert body["type"] == "error"
    assert body["error"] == {"type": "not_found_error", "message": "Not Found"}


def test_an_unknown_chatgpt_backend_path_gets_its_404(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    response = http.get(fake_server.url + "/backend-api/codex/nothing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


# -- usage fields ---------------------------------------------------------------------------------


def test_usage_objects_carry_the_current_fields(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    responses = http.post(
        fake_server.url + "/v1/responses",
        json={"model": "gpt-5", "input": "hi"},
        headers=openai_headers(),
    ).json()
    chat = http.post(
        fake_server.url + "/v1/chat/completions",
        json={"model": "gpt-5", "messages": [{"role": "user", "content": "hi"}]},
        headers=openai_headers(),
    ).json()
    fake_server.queue("messages", Script.web_search("cats") + Script.text("Cats."))
    messages = http.post(
        fake_server.url + "/v1/messages",
        json={"model": "m", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]},
        headers=anthropic_headers(),
    ).json()

    assert responses["usage"]["input_tokens_details"] == {
        "cached_tokens": 0,
        "cache_write_tokens": 0,
    }
    assert chat["usage"]["prompt_tokens_details"]["cache_write_tokens"] == 0
    assert messages["usage"]["server_tool_use"] == {
        "web_search_requests": 1,
        "web_fetch_requests": 0,
    }


def test_usage_objects_carry_the_current_fields_streamed(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    responses = http.post(
        fake_server.url + "/v1/responses",
        json={"model": "gpt-5", "input": "hi", "stream": True},
        headers=openai_headers(),
    )
    chat = http.post(
        fake_server.url + "/v1/chat/completions",
        json={
            "model": "gpt-5",
            "messages": [{"role": "user", "content": "hi"}],
            "stream": True,
            "stream_options": {"include_usage": True},
        },
        headers=openai_headers(),
    )
    fake_server.queue("messages", Script.web_search("cats") + Script.text("Cats."))
    messages = http.post(
        fake_server.url + "/v1/messages",
        json={
            "model": "m",
            "max_tokens": 100,
            "messages": [{"role": "user", "content": "hi"}],
            "stream": True,
        },
        headers=anthropic_headers(),
    )

    completed = [
        event
        for event in stream_payloads("responses", responses.content)
        if event["type"] == "response.completed"
    ]
    assert [event["response"]["usage"]["input_tokens_details"] for event in completed] == [
        {"cached_tokens": 0, "cache_write_tokens": 0}
    ]
    chat_usages = [
        chunk["usage"] for chunk in stream_payloads("chat", chat.content) if chunk.get("usage")
    ]
    assert len(chat_usages) == 1
    assert chat_usages[0]["prompt_tokens_details"]["cache_write_tokens"] == 0
    message_deltas = [
        event
        for event in stream_payloads("messages", messages.content)
        if event["type"] == "message_delta"
    ]
    assert [event["usage"]["server_tool_use"] for event in message_deltas] == [
        {"web_search_requests": 1, "web_fetch_requests": 0}
    ]


# -- faults a test cannot apply are refused when it builds them ---------------------------------


def test_an_unknown_stream_error_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown stream error kind 'bogus_error'"):
        Fault.stream_error("bogus_error")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fault",
    [
        Fault.status(429),
        Fault.reset(),
        Fault.expired_token(),
        Fault.stall(1.0, after_events=None),
        Fault.drip(0.01) + Fault.status(500),
    ],
    ids=["status", "reset", "expired token", "stall before headers", "combined"],
)
def test_a_fault_that_replaces_the_answer_cannot_ride_on_a_script(fault: Fault) -> None:
    with pytest.raises(ValueError, match="happens instead of an answer"):
        Script.text("hi").with_faults(fault)


def test_delivery_faults_ride_on_a_script() -> None:
    script = Script.text("hi").with_faults(Fault.drip(0.01), Fault.stall(0.1, after_events=2))
    assert len(script.faults) == 2


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Fault.status(200), "HTTP error status"),
        (lambda: Fault.status(429, retry_after=-1), "retry_after must be zero or more"),
        (lambda: Fault.drip(-0.5), "delay must be zero or more"),
        (lambda: Fault.stall(float("nan")), "seconds must be zero or more"),
        (lambda: Fault.disconnect_after(-1), "events must be zero or more"),
        (
            lambda: Fault.stream_error(responses_event="done"),  # type: ignore[arg-type]
            "responses_event",
        ),
    ],
)
def test_impossible_fault_settings_are_refused(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


# -- the request body limit -----------------------------------------------------------------------


@pytest.fixture
def small_server() -> Iterator[FakeServer]:
    with FakeServer(max_request_bytes=1000) as server:
        yield server


BIG = {"model": "gpt-5", "input": "x" * 5000}


def test_a_body_above_the_limit_gets_openais_413(
    small_server: FakeServer, http: httpx2.Client
) -> None:
    small_server.queue("responses", Script.text("kept"))
    response = http.post(small_server.url + "/v1/responses", json=BIG, headers=openai_headers())
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert small_server.pending("responses") == 1
    assert small_server.requests[-1].body == b""  # nothing above the limit is kept


def test_a_chunked_body_above_the_limit_is_cut_off_too(
    small_server: FakeServer, http: httpx2.Client
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b" " * 500

    response = http.post(
        small_server.url + "/v1/chat/completions", content=chunks(), headers=openai_headers()
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_a_body_above_the_limit_gets_anthropics_413(
    small_server: FakeServer, http: httpx2.Client
) -> None:
    response = http.post(small_server.url + "/v1/messages", json=BIG, headers=anthropic_headers())
    assert response.status_code == 413
    assert response.json()["error"] == {
        "type": "request_too_large",
        "message": "Request exceeds the maximum allowed number of bytes.",
    }


def test_a_body_above_the_limit_gets_the_chatgpt_backends_413(
    small_server: FakeServer, http: httpx2.Client
) -> None:
    headers = chatgpt_headers(small_server.issue_tokens("chatgpt"))
    response = http.post(
        small_server.url + "/backend-api/codex/responses", json=BIG, headers=headers
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large"}


@pytest.mark.parametrize("path", ["/oauth/token", "/v1/oauth/token", "/nowhere"])
def test_other_endpoints_refuse_a_body_above_the_limit(
    small_server: FakeServer, http: httpx2.Client, path: str
) -> None:
    response = http.post(small_server.url + path, json=BIG)
    assert response.status_code == 413


def test_the_default_limit_is_generous(fake_server: FakeServer, http: httpx2.Client) -> None:
    long_document = {"role": "user", "content": "word " * 400_000}  # 2 MB, above usual prompts
    body = {"model": "gpt-5", "input": [long_document, {"role": "user", "content": "hi"}]}
    response = http.post(fake_server.url + "/v1/responses", json=body, headers=openai_headers())
    assert response.status_code == 200


def test_the_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_request_bytes"):
        FakeServer(max_request_bytes=0)


# -- a client that hangs up mid-body --------------------------------------------------------------


def test_a_client_that_hangs_up_mid_body_is_handled_quietly(
    fake_server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    fake_server.queue("responses", Script.text("kept"))
    caplog.set_level(logging.DEBUG)
    with socket.create_connection(("127.0.0.1", fake_server.port)) as sock:
        sock.sendall(
            b"POST /v1/responses HTTP/1.1\r\nhost: 127.0.0.1\r\n"
            b"authorization: Bearer sk-test-0123456789\r\ncontent-type: application/json\r\n"
            b"content-length: 1000\r\n\r\n" + b'{"model": "gpt-5", "inp'
        )
        # The server has the headers and part of the body when the client leaves.
        assert fake_server.wait_for(lambda: fake_server.open_connections == 1)
        time.sleep(0.05)
    assert fake_server.wait_for(lambda: fake_server.open_connections == 0)

    with new_client() as http:  # the server still answers, and the queued answer is unused
        response = http.post(
            fake_server.url + "/v1/responses",
            json={"model": "gpt-5", "input": "hi"},
            headers=openai_headers(),
        )
    assert response.json()["output"][0]["content"][0]["text"] == "kept"
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert noisy == []
