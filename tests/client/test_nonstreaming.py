"""create(stream=False): one JSON body per call, decoded into the same Response a stream collects
to; and a 200 JSON answer to a stream request read as that whole answer. Over real loopback HTTP
against the embedded server (sync and async)."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest

import modelwire as mw
from modelwire.auth import ChatGPTAuth, ClaudeAuth, MemoryStore
from modelwire.auth.config import ClaudeOAuthConfig
from modelwire.auth.tokens import TokenSet
from modelwire.bodies import BodyDecodeError, BodyTooLargeError
from modelwire.client import Stream
from modelwire.common.serialize import response_to_dict
from modelwire.testing import FakeServer, Fault, Script
from modelwire.transport.flow import CallFlow

from ..transport.raw_server import Answer, RawServer, http_response
from .conftest import make_async_client, make_client

NATIVE = {"responses": "Response", "chat": "ChatCompletion", "messages": "Message"}
# The request field that asks for a stream, on all three APIs.
STREAM_FIELD = "stream"


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"sunny in {city}"


def get_time(zone: str) -> str:
    """Current time in a time zone."""
    return f"noon in {zone}"


def same_answer(response: mw.Response) -> dict[str, Any]:
    """What a caller reads of a Response, without what differs between two calls (ids, the
    signatures and timestamps in items and the final object)."""
    view = response_to_dict(response)
    for key in ("id", "items"):
        view.pop(key, None)
    view["items"] = [item.type for item in response.items]
    view["tool_calls"] = [(call.name, call.arguments) for call in response.tool_calls]
    view["usage"] = (response.usage.input_tokens, response.usage.output_tokens)
    return view


# -- what is sent, what comes back ---------------------------------------------------------------


def test_create_without_streaming_sends_a_json_request(fake_server: FakeServer, api: str) -> None:
    with make_client(fake_server, api) as client:
        response = client.create(input="hello there friend", stream=False)
    [request] = fake_server.requests
    assert request.json is not None
    assert request.json.get(STREAM_FIELD) is not True
    assert "stream_options" not in request.json
    assert request.headers["accept"] == "application/json"
    assert response.text == "You said: hello there friend"
    assert response.complete
    assert response.stop_reason == "end_turn"
    assert response.usage.input_tokens
    assert response.usage.output_tokens
    assert response.api == api
    assert type(response.native).__name__ == NATIVE[api]


def test_the_json_answer_collects_to_what_the_stream_collects(
    fake_server: FakeServer, api: str
) -> None:
    with make_client(fake_server, api) as client:
        whole = client.create(input="use get_weather and get_time", tools=[get_weather, get_time])
        streamed = client.create(
            input="use get_weather and get_time", tools=[get_weather, get_time], stream=False
        )
    assert same_answer(whole) == same_answer(streamed)
    assert streamed.stop_reason == "tool_use"
    assert {call.name for call in streamed.tool_calls} == {"get_weather", "get_time"}


def test_a_tool_round_trip_without_streaming(fake_server: FakeServer, api: str) -> None:
    with make_client(fake_server, api) as client:
        first = client.create(input="please use get_weather", tools=[get_weather], stream=False)
        [call] = first.tool_calls
        assert call.arguments == {"city": "sample city"}
        history = [
            mw.Message(role="user", content="please use get_weather"),
            *first.items,
            mw.ToolResult(call_id=call.id, output=get_weather(**call.arguments)),
        ]
        second = client.create(input=history, tools=[get_weather], stream=False)
    assert second.text == "The tool get_weather returned: sunny in sample city"
    assert second.stop_reason == "end_turn"


def test_reasoning_arrives_in_the_json_answer(fake_server: FakeServer, api: str) -> None:
    options = mw.ResponsesOptions(reasoning_summary="auto") if api == "responses" else None
    with make_client(fake_server, api) as client:
        response = client.create(
            input="think about it", reasoning="low", options=options, stream=False
        )
    assert response.reasoning
    assert response.text.startswith("You said:")
    if api != "chat":
        [reasoning] = [i for i in response.items if isinstance(i, mw.Reasoning)]
        assert reasoning.is_signed


def test_async_create_without_streaming(fake_server: FakeServer, api: str) -> None:
    async def main() -> mw.Response:
        async with make_async_client(fake_server, api) as client:
            return await client.create(input="hello async", stream=False)

    response = asyncio.run(main())
    assert response.text == "You said: hello async"
    assert type(response.native).__name__ == NATIVE[api]
    [request] = fake_server.requests
    assert request.json is not None
    assert request.json.get(STREAM_FIELD) is not True


# -- retries, errors, deadline -------------------------------------------------------------------


def test_a_429_is_retried_without_streaming(fake_server: FakeServer, api: str) -> None:
    fake_server.queue(api, Fault.status(429, retry_after_ms=10))
    with make_client(fake_server, api) as client:
        response = client.create(input="hi", stream=False)
    assert response.text == "You said: hi"
    assert len(fake_server.requests) == 2


def test_an_error_status_is_typed_without_streaming(fake_server: FakeServer, api: str) -> None:
    fake_server.queue(api, Fault.status(400, message="bad thing"))
    with make_client(fake_server, api) as client, pytest.raises(mw.BadRequestError) as raised:
        client.create(input="hi", stream=False)
    assert raised.value.status == 400
    assert "bad thing" in str(raised.value)
    assert len(fake_server.requests) == 1


def test_a_body_cut_half_way_is_retried(fake_server: FakeServer, api: str) -> None:
    # Nothing reaches the caller before the whole body is read, so a broken body is retried.
    fake_server.queue(api, Fault.disconnect_after(1))
    with make_client(fake_server, api) as client:
        response = client.create(input="hi again", stream=False)
    assert response.text == "You said: hi again"
    assert len(fake_server.requests) == 2


def test_a_body_cut_half_way_without_retries_is_a_connection_error(
    fake_server: FakeServer, api: str
) -> None:
    fake_server.queue(api, Fault.disconnect_after(1))
    with (
        make_client(fake_server, api, max_retries=0) as client,
        pytest.raises(mw.APIConnectionError),
    ):
        client.create(input="hi", stream=False)


def test_a_body_that_is_not_json_is_a_typed_error(fake_server: FakeServer, api: str) -> None:
    fake_server.queue(api, Fault.non_json())
    with make_client(fake_server, api) as client, pytest.raises(BodyDecodeError):
        client.create(input="hi", stream=False)


def test_an_in_stream_failure_is_the_matching_http_error(fake_server: FakeServer) -> None:
    fake_server.queue("messages", Fault.stream_error("overloaded_error"))
    with (
        make_client(fake_server, "messages", max_retries=0) as client,
        pytest.raises(mw.OverloadedError),
    ):
        client.create(input="hi", stream=False)


def test_the_total_timeout_bounds_a_silent_json_body(fake_server: FakeServer, api: str) -> None:
    fake_server.queue(api, Fault.stall(6.0, after_events=0))
    timeouts = mw.Timeouts(total=0.8)
    with make_client(fake_server, api, timeout=timeouts) as client:
        started = time.monotonic()
        with pytest.raises(mw.APITimeoutError):
            client.create(input="hi", stream=False)
    assert time.monotonic() - started < 4.0


def test_a_body_past_the_size_limit_is_refused(fake_server: FakeServer, api: str) -> None:
    # The limit is the flow's (64 MiB by default); a small one shows where reading stops.
    with make_client(fake_server, api) as client:
        request = client._core.build({"input": "a long answer " * 50}, stream=False)
        flow = CallFlow(
            client._core.api,
            client.auth,
            request,
            retry=client._core.retry,
            timeouts=client._core.timeouts,
            stream=False,
            max_body_bytes=200,
        )
        with pytest.raises(BodyTooLargeError) as raised, Stream(flow, client._http) as stream:
            stream.until_done()
    assert raised.value.limit == 200


def test_an_expired_sign_in_is_refreshed_without_streaming(fake_server: FakeServer) -> None:
    issued = fake_server.issue_tokens("claude")
    endpoints = fake_server.oauth("claude")
    tokens = TokenSet(
        provider="claude",
        access_token=issued["access_token"],
        refresh_token=issued["refresh_token"],
        expires_at=time.time() + 3600,
    )
    config = ClaudeOAuthConfig.from_env(
        token_url=endpoints.token_url, client_id=endpoints.client_id
    )
    store = MemoryStore()
    store.save("claude", tokens.to_record())
    auth = ClaudeAuth(tokens, store=store, config=config)
    fake_server.expire_tokens("claude")
    with mw.Client("claude", base_url=fake_server.base_url("claude"), auth=auth) as client:
        response = client.create(input="hi", stream=False)
    assert response.text == "You said: hi"
    statuses = [r.status for r in fake_server.requests_to("messages")]
    assert statuses == [401, 200]
    assert fake_server.requests_to("messages")[-1].json.get("stream") is not True


def test_the_chatgpt_backend_streams_under_create(fake_server: FakeServer) -> None:
    issued = fake_server.issue_tokens("chatgpt")
    tokens = TokenSet(
        provider="chatgpt",
        access_token=issued["access_token"],
        refresh_token=issued["refresh_token"],
        id_token=issued["id_token"],
    )
    auth = ChatGPTAuth(tokens, store=MemoryStore())
    with mw.Client("chatgpt", base_url=fake_server.base_url("chatgpt"), auth=auth) as client:
        response = client.create(input="hi there", stream=False)
    assert response.text == "You said: hi there"
    [request] = fake_server.requests_to("chatgpt")
    assert request.json is not None
    assert request.json["stream"] is True
    assert request.headers["accept"] == "text/event-stream"


# -- the answer as the server labels it ----------------------------------------------------------


def raw_answer(server: FakeServer, api: str, text: str, *, stream: bool) -> bytes:
    """The body the emulator answers a request for ``text`` with (then it forgets the call)."""
    with make_client(server, api) as client:
        request = client._core.build({"input": text}, stream=stream)
        client.auth.prepare(request)
    answer = httpx2.post(request.url, json=request.body, headers=request.headers)
    assert answer.status_code == 200
    server.reset()
    return answer.content


def final_object(server: FakeServer, api: str, text: str) -> dict[str, Any]:
    """A whole answer as the emulator gives it to a non-streaming request."""
    body = json.loads(raw_answer(server, api, text, stream=False))
    assert isinstance(body, dict)
    return body


def test_a_json_answer_to_a_stream_request_is_the_whole_answer(
    fake_server: FakeServer, api: str
) -> None:
    fake_server.queue(api, Script.json(final_object(fake_server, api, "answered whole")))
    with make_client(fake_server, api) as client, client.stream(input="hi") as stream:
        events = list(stream)
    response = stream.response
    assert response.text == "You said: answered whole"
    assert response.complete
    assert type(response.native).__name__ == NATIVE[api]
    texts = [event.text for event in events if isinstance(event, mw.TextDelta)]
    assert "".join(texts) == response.text
    assert isinstance(events[0], mw.RateLimits)
    assert isinstance(events[-1], mw.Completed)
    assert mw.collect(events).text == response.text
    [request] = fake_server.requests
    assert request.json is not None
    assert request.json["stream"] is True


def test_a_json_answer_with_tool_calls_to_a_stream_request(
    fake_server: FakeServer, api: str
) -> None:
    with make_client(fake_server, api) as client:
        whole = client.create(input="use get_weather", tools=[get_weather], stream=False)
        fake_server.queue(api, Script.json(whole.final))
        with client.stream(input="use get_weather", tools=[get_weather]) as stream:
            events = list(stream)
    done = [event.call for event in events if isinstance(event, mw.ToolCallDone)]
    assert [call.name for call in done] == ["get_weather"]
    assert stream.response.tool_calls == whole.tool_calls
    assert stream.response.stop_reason == "tool_use"
    collected = mw.collect(events)
    assert collected.tool_calls == whole.tool_calls
    assert collected.items == whole.items


def test_an_error_body_in_a_200_json_answer_is_the_typed_error(
    fake_server: FakeServer, api: str
) -> None:
    body = {
        "responses": {"error": {"message": "it broke", "type": "server_error", "code": None}},
        "chat": {"error": {"message": "it broke", "type": "server_error", "code": None}},
        "messages": {"type": "error", "error": {"type": "api_error", "message": "it broke"}},
    }[api]
    fake_server.queue(api, Script.json(body))
    with make_client(fake_server, api) as client, pytest.raises(mw.APIError) as raised:
        client.create(input="hi")
    assert "it broke" in str(raised.value)


def test_an_event_stream_answer_to_a_json_request_is_read_as_a_stream(
    fake_server: FakeServer, api: str
) -> None:
    # A server that streams whatever it was asked: the answer is read as it is labelled.
    fake_server.queue(api, Script.sse(raw_answer(fake_server, api, "streamed anyway", stream=True)))
    with make_client(fake_server, api) as client:
        response = client.create(input="hi", stream=False)
    assert response.text == "You said: streamed anyway"
    assert response.complete


def test_the_offline_decoder_reads_a_body_you_already_have(
    fake_server: FakeServer, api: str
) -> None:
    body = raw_answer(fake_server, api, "kept for later", stream=False)
    response = mw.decode_body(api, body)  # type: ignore[arg-type]
    assert response.text == "You said: kept for later"
    assert type(response.native).__name__ == NATIVE[api]
    assert "decode_body" in mw.__all__
    assert "BodyDecodeError" in mw.__all__
    with pytest.raises(mw.BodyDecodeError):
        mw.decode_body(api, b"<html>not json</html>")  # type: ignore[arg-type]


def test_the_readme_calls_snippet_runs(
    fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    [block] = [
        b for b in re.findall(r"```python\n(.*?)```", readme, re.DOTALL) if "stream=False" in b
    ]
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-readme")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.base_url("anthropic"))
    namespace: dict[str, Any] = {"__name__": "readme"}
    exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["whole"].text == "You said: Name three rivers."
    assert namespace["tokens"] == namespace["whole"].usage.input_tokens
    assert namespace["saved"].text == namespace["whole"].text
    assert "You said: Say hi." in capsys.readouterr().out
    paths = [request.path for request in fake_server.requests]
    assert paths == ["/v1/messages", "/v1/messages/count_tokens", "/v1/messages"]


# A whole Messages answer as a compatible server (LiteLLM's mock) sends it to a stream request.
MESSAGE_BODY = (
    b'{"id": "msg_1", "type": "message", "role": "assistant", "model": "m",'
    b' "content": [{"type": "text", "text": "whole answer"}], "stop_reason": "end_turn",'
    b' "stop_sequence": null, "usage": {"input_tokens": 3, "output_tokens": 2}}'
)


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/json"])
def test_a_raw_json_answer_to_a_stream_request(content_type: str) -> None:
    answers: list[Answer] = [http_response(200, MESSAGE_BODY, content_type=content_type)]
    with (
        RawServer(answers) as server,
        mw.Client("anthropic", api_key="sk-ant-test-key", base_url=server.url) as client,
        client.stream(input="hi") as stream,
    ):
        events = list(stream)
    assert [type(event).__name__ for event in events] == [
        "Created",
        "TextDelta",
        "ItemDone",
        "Completed",
    ]
    assert stream.response.text == "whole answer"
    assert stream.response.usage.output_tokens == 2
    assert stream.response.stop_reason == "end_turn"
    [request] = server.requests
    body = request.json()
    assert isinstance(body, dict)
    assert body["stream"] is True
