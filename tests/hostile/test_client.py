"""The client over real HTTP against a server sending what the emulator never would: deep or
huge error bodies, absurd rate-limit headers, an event past the cap. Only modelwire errors, a
bounded message, and no secret in any error or DEBUG log record (the HTTP library's included).
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import orjson
import pytest

import modelwire as mw
from modelwire.wire.sse import MAX_EVENT_BYTES

from ..transport.raw_server import (
    CHAT_HELLO,
    RawServer,
    http_response,
    sse_response,
    streamed,
)
from .conftest import ARGUMENT_SECRET, assert_no_secret, error_texts, log_texts
from .streams import text_stream

MiB = 1024 * 1024
DEEP = b"[" * 1000 + b"]" * 1000
PATHS = {"chat": ("openai", "chat"), "responses": ("openai", "responses")}
PATHS["messages"] = ("anthropic", "messages")


def client_for(server: RawServer, api: str) -> mw.Client:
    provider, wire_api = PATHS[api]
    return mw.Client(
        provider,  # type: ignore[arg-type]
        api=wire_api,  # type: ignore[arg-type]
        api_key=ARGUMENT_SECRET,
        base_url=server.url,
        max_retries=0,
    )


def call(server: RawServer, api: str) -> mw.Response:
    return client_for(server, api).create(model="m", input="hi", max_output_tokens=16)


HOSTILE_ERROR_BODIES: dict[str, bytes] = {
    "1000 levels": b'{"error": ' + DEEP + b"}",
    "1000 levels over 64 KiB": b'{"error": {"message": ' + DEEP + b"}}" + b" " * 70_000,
    "NaN": b'{"error": {"message": "m", "code": NaN}}',
    "Infinity over 64 KiB": b'{"error": {"message": Infinity}}' + b" " * 70_000,
    "50 MB message": b'{"type": "error", "error": {"type": "invalid_request_error", "message": "'
    + b"m" * (50 * MiB)
    + b'"}}',
    "50 MB text": b"t" * (50 * MiB),
    "secret echoed": b'{"error": {"message": "bad key ' + ARGUMENT_SECRET.encode() + b'"}}',
}


def secret_free(error: BaseException, logs: pytest.LogCaptureFixture) -> None:
    assert_no_secret(error_texts(error))
    assert_no_secret(log_texts(logs))


@pytest.mark.parametrize("api", PATHS)
@pytest.mark.parametrize("attack", HOSTILE_ERROR_BODIES)
def test_a_hostile_error_body_is_a_typed_error_with_a_bounded_message(
    api: str, attack: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    body = HOSTILE_ERROR_BODIES[attack]
    with RawServer([http_response(400, body)]) as server, pytest.raises(mw.APIError) as caught:
        call(server, api)
    error = caught.value
    assert isinstance(error, mw.BadRequestError)
    assert len(error.message) <= mw.common.errors.MAX_MESSAGE_CHARS + 1
    assert len(str(error)) < 2000
    if attack != "secret echoed":
        secret_free(error, debug_logs)
    else:
        # The server's own words are quoted; the key the client sent never is by modelwire.
        assert_no_secret(log_texts(debug_logs))


@pytest.mark.parametrize("api", PATHS)
@pytest.mark.parametrize("value", ["1e999", "-1e999", "inf", "nan", "-3", "9" * 400, "\u00e9"])
def test_absurd_rate_limit_headers_leave_fields_empty_and_the_call_succeeds(
    api: str, value: str
) -> None:
    prefix = "anthropic-ratelimit-tokens-" if api == "messages" else "x-ratelimit-"
    name = prefix + ("limit" if api == "messages" else "limit-tokens")
    # http_response encodes headers as latin-1, as a server may.
    answer = sse_response(text_stream(api, "ok"), [(name, value)])
    with RawServer([answer]) as server:
        client = client_for(server, api)
        with client.stream(model="m", input="hi", max_output_tokens=16) as stream:
            events = list(stream)
    [limits] = [event for event in events if isinstance(event, mw.RateLimits)]
    assert limits.limit_tokens is None
    assert name in limits.raw
    assert stream.response.text == "ok"


def test_an_event_past_the_cap_over_http_is_an_event_too_large_error_with_the_partial(
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    first = CHAT_HELLO.split(b"\n\n")[0] + b"\n\n"
    endless = (b"y" * 65536 for _ in range(2000))  # 128 MiB, never a line end
    answer = streamed([], [first, b"data: ", *endless])
    tracemalloc.start()
    try:
        with RawServer([answer]) as server, pytest.raises(mw.EventTooLargeError) as caught:
            call(server, "chat")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.partial is not None
    assert caught.value.partial.text == "hello"
    # The event up to the cap is the one big buffer: 74 MiB measured for the 64 MiB cap.
    assert peak < 2 * MAX_EVENT_BYTES
    secret_free(caught.value, debug_logs)


@pytest.mark.parametrize(
    "event",
    [
        b'{"id":"c","object":"chat.completion.chunk","choices":' + DEEP + b"}",
        b'{"id":"c","object":"chat.completion.chunk","x":NaN}' + b" " * 70_000,
    ],
    ids=["deep", "NaN over 64 KiB"],
)
def test_a_hostile_event_over_http_is_a_stream_decode_error(
    event: bytes, debug_logs: pytest.LogCaptureFixture
) -> None:
    body = CHAT_HELLO.split(b"\n\n")[0] + b"\n\ndata: " + event + b"\n\n"
    with RawServer([sse_response(body)]) as server, pytest.raises(mw.StreamDecodeError) as caught:
        call(server, "chat")
    assert caught.value.partial is not None
    secret_free(caught.value, debug_logs)


def test_the_request_carries_the_key_but_no_log_record_at_debug_does(
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    with RawServer([sse_response(CHAT_HELLO)]) as server:
        assert call(server, "chat").text == "hello"
    [request] = server.requests
    assert ARGUMENT_SECRET in request.headers["authorization"]
    assert any(record.name.startswith("httpcore") for record in debug_logs.records)
    assert_no_secret(log_texts(debug_logs))


TOOL_ARGUMENT_ATTACKS: dict[str, Callable[[], str]] = {
    "deep": lambda: "[" * 1000 + "]" * 1000,
    "NaN": lambda: '{"a": NaN}',
}


@pytest.mark.parametrize("attack", TOOL_ARGUMENT_ATTACKS)
def test_hostile_tool_arguments_over_http_are_an_arguments_error(attack: str) -> None:
    from .streams import tool_stream

    body = tool_stream("chat", TOOL_ARGUMENT_ATTACKS[attack]())
    with RawServer([sse_response(body)]) as server:
        [tool_call] = call(server, "chat").tool_calls
    assert tool_call.arguments == {}
    assert tool_call.arguments_error is not None
    assert orjson.dumps(tool_call.arguments) == b"{}"
