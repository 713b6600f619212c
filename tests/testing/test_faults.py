"""Fault injection and scripted answers, each observed from the client side over real HTTP."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx2
import pytest

from modelwire import StreamDecodeError
from modelwire.testing.faults import Fault
from modelwire.testing.script import Script
from modelwire.testing.server import FakeServer
from modelwire.testing.state import Route

from .helpers import (
    anthropic_headers,
    chatgpt_headers,
    check_error,
    claude_oauth_headers,
    frames_of,
    new_client,
    openai_headers,
    stream_payloads,
    types_of,
)

ROUTES: dict[str, tuple[Route, str]] = {  # api -> (route, path under the server root)
    "responses": ("responses", "/v1/responses"),
    "chat": ("chat", "/v1/chat/completions"),
    "messages": ("messages", "/v1/messages"),
}


def body_for(api: str, text: str = "one two three four five six", **extra: Any) -> dict[str, Any]:
    if api == "responses":
        return {"model": "gpt-5", "input": text, **extra}
    if api == "chat":
        return {"model": "gpt-5", "messages": [{"role": "user", "content": text}], **extra}
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": text}],
        **extra,
    }


def headers_for(api: str) -> dict[str, str]:
    return anthropic_headers() if api == "messages" else openai_headers()


def call(http: httpx2.Client, server: FakeServer, api: str, **extra: Any) -> httpx2.Response:
    return http.post(
        server.url + ROUTES[api][1], json=body_for(api, **extra), headers=headers_for(api)
    )


def read_until_error(
    http: httpx2.Client, server: FakeServer, api: str, **extra: Any
) -> tuple[bytes, Exception | None]:
    """The bytes a streaming client got, and the error that ended the read (if any)."""
    received = b""
    with http.stream(
        "POST", server.url + ROUTES[api][1], json=body_for(api, **extra), headers=headers_for(api)
    ) as response:
        assert response.status_code == 200
        try:
            for chunk in response.iter_bytes():
                received += chunk
        except httpx2.TransportError as error:
            return received, error
    return received, None


# -- status faults --------------------------------------------------------------------------------


@pytest.mark.parametrize("api", ["responses", "chat", "messages"])
def test_a_429_carries_retry_headers_and_the_api_error_body(
    fake_server: FakeServer, http: httpx2.Client, api: str
) -> None:
    fake_server.queue(
        ROUTES[api][0], Fault.status(429, retry_after=1, retry_after_ms=50, should_retry=True)
    )
    refused = call(http, fake_server, api)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["retry-after-ms"] == "50"
    assert refused.headers["x-should-retry"] == "true"
    check_error(api, refused.json())
    assert call(http, fake_server, api).status_code == 200  # the fault was used up


def test_529_is_anthropic_overloaded(fake_server: FakeServer, http: httpx2.Client) -> None:
    fake_server.queue("messages", Fault.status(529, should_retry=True))
    response = call(http, fake_server, "messages")
    assert response.status_code == 529
    assert response.json()["error"] == {"type": "overloaded_error", "message": "Overloaded"}


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_have_the_openai_shape(
    fake_server: FakeServer, http: httpx2.Client, status: int
) -> None:
    fake_server.queue("chat", Fault.status(status, retry_after=0.5))
    response = call(http, fake_server, "chat")
    assert response.status_code == status
    assert response.headers["retry-after"] == "0.5"
    assert response.json()["error"]["type"] == "server_error"


def test_the_chatgpt_backend_reports_its_usage_limit(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    fake_server.queue("chatgpt", Fault.status(429))
    response = http.post(
        fake_server.base_url("chatgpt") + "/responses",
        json={"model": "gpt-5", "instructions": "x", "input": "hi", "stream": True, "store": False},
        headers=chatgpt_headers(fake_server.issue_tokens("chatgpt")),
    )
    assert response.status_code == 429
    assert response.json()["error"]["type"] == "usage_limit_reached"


def test_a_token_endpoint_can_fail_too(fake_server: FakeServer, http: httpx2.Client) -> None:
    fake_server.queue("claude-token", Fault.status(503, retry_after=1))
    tokens = fake_server.issue_tokens("claude")
    endpoints = fake_server.oauth("claude")
    fields = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": endpoints.client_id,
    }
    assert http.post(endpoints.token_url, json=fields).status_code == 503
    assert http.post(endpoints.token_url, json=fields).status_code == 200


def test_a_token_endpoint_can_answer_an_exact_body_or_reset(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    endpoints = fake_server.oauth("chatgpt")
    fields = {
        "grant_type": "refresh_token",
        "client_id": endpoints.client_id,
        "refresh_token": fake_server.issue_tokens("chatgpt")["refresh_token"],
    }
    body = {"error": {"message": "custom", "code": "refresh_token_expired"}}
    fake_server.queue("chatgpt-token", Script.json(body, status=401), Fault.reset())
    response = http.post(endpoints.token_url, data=fields)
    assert (response.status_code, response.json()) == (401, body)
    with pytest.raises(httpx2.TransportError):
        http.post(endpoints.token_url, data=fields)
    assert fake_server.token_calls[("chatgpt", "refresh_token")] == 2


def test_a_status_fault_can_carry_its_own_body(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    fake_server.queue("responses", Fault.status(400, body={"error": {"message": "nope"}}))
    response = call(http, fake_server, "responses")
    assert (response.status_code, response.json()) == (400, {"error": {"message": "nope"}})


# -- connection faults ----------------------------------------------------------------------------


def test_a_reset_before_headers_is_a_connection_error(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    fake_server.queue("responses", Fault.reset())
    with pytest.raises(httpx2.TransportError):
        call(http, fake_server, "responses")
    assert fake_server.requests[-1].status is None
    assert call(http, fake_server, "responses").status_code == 200


@pytest.mark.parametrize("api", ["responses", "chat", "messages"])
def test_a_disconnect_after_n_events_is_not_a_clean_end(
    fake_server: FakeServer, http: httpx2.Client, api: str
) -> None:
    fake_server.queue(ROUTES[api][0], Fault.disconnect_after(3))
    received, error = read_until_error(http, fake_server, api, stream=True)
    assert isinstance(error, httpx2.RemoteProtocolError)
    assert len(frames_of(received)) == 3
    record = fake_server.requests[-1].stream
    assert record is not None
    assert record.wait()
    assert record.dropped_by_server
    assert record.events_sent == 3
    assert not record.completed


def test_a_non_streaming_body_cut_half_way(fake_server: FakeServer, http: httpx2.Client) -> None:
    fake_server.queue("messages", Fault.disconnect_after(0))
    with pytest.raises(httpx2.TransportError):
        call(http, fake_server, "messages")


def test_a_malformed_line_breaks_sse_decoding(fake_server: FakeServer, http: httpx2.Client) -> None:
    fake_server.queue("messages", Fault.malformed_line(after_events=2))
    response = call(http, fake_server, "messages", stream=True)
    assert b'\ndata{"type": "truncated by a proxy"\n' in response.content
    with pytest.raises(StreamDecodeError):
        frames_of(response.content)


@pytest.mark.parametrize("api", ["responses", "chat", "messages"])
def test_non_json_data_arrives_in_a_frame(
    fake_server: FakeServer, http: httpx2.Client, api: str
) -> None:
    fake_server.queue(ROUTES[api][0], Fault.non_json(after_events=1))
    frames = frames_of(call(http, fake_server, api, stream=True).content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(frames[1].data)


def test_non_json_for_a_non_streaming_request(fake_server: FakeServer, http: httpx2.Client) -> None:
    fake_server.queue("chat", Fault.non_json())
    response = call(http, fake_server, "chat")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_a_drip_spaces_out_the_events(fake_server: FakeServer, http: httpx2.Client) -> None:
    fake_server.queue("chat", Fault.drip(0.02))
    started = time.monotonic()
    response = call(http, fake_server, "chat", stream=True)
    chunks = stream_payloads("chat", response.content)
    assert time.monotonic() - started >= 0.02 * (len(chunks) - 1)


def test_a_stall_trips_the_client_read_timeout(fake_server: FakeServer) -> None:
    fake_server.queue("responses", Fault.stall(1.0, after_events=2))
    with new_client(timeout=httpx2.Timeout(5.0, read=0.15)) as client:
        received, error = read_until_error(client, fake_server, "responses", stream=True)
    assert isinstance(error, httpx2.ReadTimeout)
    assert len(frames_of(received)) == 2


def test_a_stall_before_the_headers(fake_server: FakeServer) -> None:
    fake_server.queue("messages", Fault.stall(1.0, after_events=None))
    with (
        new_client(timeout=httpx2.Timeout(5.0, read=0.15)) as client,
        pytest.raises(httpx2.ReadTimeout),
    ):
        client.post(
            fake_server.url + "/v1/messages", json=body_for("messages"), headers=anthropic_headers()
        )


def test_a_short_stall_then_the_stream_completes(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    fake_server.queue("messages", Fault.stall(0.05, after_events=1))
    started = time.monotonic()
    payloads = stream_payloads("messages", call(http, fake_server, "messages", stream=True).content)
    assert time.monotonic() - started >= 0.05
    assert payloads[-1]["type"] == "message_stop"


# -- in-stream errors -----------------------------------------------------------------------------


def test_responses_fails_with_response_failed(fake_server: FakeServer, http: httpx2.Client) -> None:
    fake_server.queue("responses", Fault.stream_error("api_error", after_events=4))
    payloads = stream_payloads(
        "responses", call(http, fake_server, "responses", stream=True).content
    )
    assert len(payloads) == 5
    failed = payloads[-1]
    assert failed["type"] == "response.failed"
    assert failed["sequence_number"] == 4
    assert failed["response"]["status"] == "failed"
    assert failed["response"]["error"]["code"] == "server_error"


def test_responses_can_fail_with_a_bare_error_event(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    fake_server.queue(
        "responses", Fault.stream_error("rate_limit_error", after_events=2, responses_event="error")
    )
    payloads = stream_payloads(
        "responses", call(http, fake_server, "responses", stream=True).content
    )
    assert payloads[-1]["type"] == "error"
    assert payloads[-1]["code"] == "rate_limit_exceeded"


def test_messages_fails_with_an_overloaded_error_event(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    fake_server.queue("messages", Fault.stream_error("overloaded_error", after_events=3))
    payloads = stream_payloads("messages", call(http, fake_server, "messages", stream=True).content)
    assert types_of(payloads) == ["message_start", "content_block_start", "ping", "error"]
    assert payloads[-1]["error"] == {"type": "overloaded_error", "message": "Overloaded"}


def test_chat_fails_with_an_error_chunk_and_no_done(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    fake_server.queue("chat", Fault.stream_error("api_error", after_events=2))
    response = call(http, fake_server, "chat", stream=True)
    assert b"[DONE]" not in response.content
    payloads = stream_payloads("chat", response.content)
    assert payloads[-1]["error"]["type"] == "server_error"


def test_a_stream_error_on_a_non_streaming_request_is_an_http_error(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    fake_server.queue("messages", Fault.stream_error("overloaded_error"))
    response = call(http, fake_server, "messages")
    assert response.status_code == 529
    assert response.json()["error"]["type"] == "overloaded_error"


# -- token expiry ---------------------------------------------------------------------------------


def test_an_expired_api_key_fails_once(fake_server: FakeServer, http: httpx2.Client) -> None:
    fake_server.queue("responses", Fault.expired_token())
    response = call(http, fake_server, "responses")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert call(http, fake_server, "responses").status_code == 200


def test_an_expired_claude_token_stays_expired_until_refreshed(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    tokens = fake_server.issue_tokens("claude")
    fake_server.queue("messages", Fault.expired_token())
    body = body_for("messages")
    url = fake_server.url + "/v1/messages"
    headers = claude_oauth_headers(tokens["access_token"])
    for _ in range(2):
        response = http.post(url, json=body, headers=headers)
        assert response.status_code == 401
        assert "OAuth token has expired" in response.json()["error"]["message"]
    endpoints = fake_server.oauth("claude")
    fresh = http.post(
        endpoints.token_url,
        json={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": endpoints.client_id,
        },
    ).json()
    response = http.post(url, json=body, headers=claude_oauth_headers(fresh["access_token"]))
    assert response.status_code == 200


def test_an_expired_chatgpt_token(fake_server: FakeServer, http: httpx2.Client) -> None:
    fake_server.queue("chatgpt", Fault.expired_token())
    response = http.post(
        fake_server.base_url("chatgpt") + "/responses",
        json={"model": "gpt-5", "instructions": "x", "input": "hi", "stream": True, "store": False},
        headers=chatgpt_headers(fake_server.issue_tokens("chatgpt")),
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"


# -- queues and scripted answers ------------------------------------------------------------------


def test_answers_are_used_in_order_and_refused_requests_use_none(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    fake_server.queue("chat", Script.text("first answer"), Script.text("second answer"))
    bad = http.post(
        fake_server.url + "/v1/chat/completions",
        json={"model": "gpt-5", "messages": []},
        headers=openai_headers(),
    )
    assert bad.status_code == 400
    assert fake_server.pending("chat") == 2
    texts = [
        call(http, fake_server, "chat").json()["choices"][0]["message"]["content"] for _ in range(3)
    ]
    assert texts == ["first answer", "second answer", "You said: one two three four five six"]


def test_always_answers_every_request(fake_server: FakeServer, http: httpx2.Client) -> None:
    fake_server.always("messages", Fault.status(500))
    assert [call(http, fake_server, "messages").status_code for _ in range(3)] == [500] * 3
    fake_server.always("messages", None)
    assert call(http, fake_server, "messages").status_code == 200


def test_scripted_parts_render_in_each_api(fake_server: FakeServer, http: httpx2.Client) -> None:
    script = (
        Script.reasoning("pondering")
        + Script.text("scripted")
        + Script.tool_call("lookup", {"q": "x"}, call_id="toolu_fixed")
    )
    fake_server.queue("messages", script)
    message = call(http, fake_server, "messages").json()
    assert [block["type"] for block in message["content"]] == ["thinking", "text", "tool_use"]
    assert message["content"][2]["id"] == "toolu_fixed"
    assert message["stop_reason"] == "tool_use"


def test_a_scripted_refusal(fake_server: FakeServer, http: httpx2.Client) -> None:
    fake_server.queue("responses", Script.text("I can't help with that.").stopping("refusal"))
    payloads = stream_payloads(
        "responses", call(http, fake_server, "responses", stream=True).content
    )
    assert "response.refusal.delta" in types_of(payloads)


def test_exact_events_are_framed_per_api(fake_server: FakeServer, http: httpx2.Client) -> None:
    events = [{"type": "ping"}, {"type": "message_stop"}]
    fake_server.queue("messages", Script.events(events))
    body = call(http, fake_server, "messages", stream=True).content
    assert body == (
        b'event: ping\ndata: {"type":"ping"}\n\n'
        b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
    )
    fake_server.queue("chat", Script.events([{"object": "chat.completion.chunk"}]))
    body = call(http, fake_server, "chat", stream=True).content
    assert body == b'data: {"object":"chat.completion.chunk"}\n\ndata: [DONE]\n\n'


def test_a_canned_sse_body_is_sent_byte_for_byte(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    canned = b"event: ping\r\ndata: {}\r\n\r\n: keep-alive\n\nevent: x\ndata: 1\n\n"
    fake_server.queue("responses", Script.sse(canned).with_faults(Fault.drip(0.001)))
    assert call(http, fake_server, "responses", stream=True).content == canned


def test_an_exact_json_answer(fake_server: FakeServer, http: httpx2.Client) -> None:
    fake_server.queue("chat", Script.json({"weird": True}, status=418, headers={"x-a": "b"}))
    response = call(http, fake_server, "chat")
    assert (response.status_code, response.json(), response.headers["x-a"]) == (
        418,
        {"weird": True},
        "b",
    )


# -- what the server records about streams and connections ----------------------------------------


def test_a_client_that_hangs_up_is_recorded(fake_server: FakeServer) -> None:
    fake_server.queue("messages", Fault.drip(0.05))
    with (
        new_client() as client,
        client.stream(
            "POST",
            fake_server.url + "/v1/messages",
            json=body_for("messages", stream=True),
            headers=anthropic_headers(),
        ) as response,
    ):
        next(response.iter_bytes())
    record = fake_server.requests[-1].stream
    assert record is not None
    assert record.wait(2.0)
    assert record.client_disconnected
    assert not record.completed
    assert record.events_sent < record.events_planned


def test_a_complete_stream_is_recorded_as_such(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    call(http, fake_server, "chat", stream=True)
    record = fake_server.requests[-1].stream
    assert record is not None
    assert record.wait()
    assert record.completed
    assert not record.client_disconnected
    assert record.events_sent == record.events_planned


def test_open_connections_are_counted(fake_server: FakeServer) -> None:
    with new_client() as first, new_client() as second:
        call(first, fake_server, "chat")
        call(second, fake_server, "chat")
        assert fake_server.open_connections == 2
    assert fake_server.wait_for(lambda: fake_server.open_connections == 0, 2.0)


async def test_an_async_client_streams_too(fake_server: FakeServer) -> None:
    async with httpx2.AsyncClient(verify=False) as client:
        response = await client.post(
            fake_server.url + "/v1/chat/completions",
            json=body_for("chat", stream=True),
            headers=openai_headers(),
        )
    assert stream_payloads("chat", response.content)[-1]["choices"][0]["finish_reason"] == "stop"
