"""Transport edges over real HTTP (issue 16, item 4), each on the sync and the async client: a
corrupt gzip/deflate body, an error answer whose body is cut, reset, stalled or endless, a
redirect, a key that cannot travel in a header, and the client's event cap. Each is a typed
modelwire error within the configured time, with no secret in its text or in any DEBUG record.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import socket
import struct
import time
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import modelwire as mw
from modelwire.transport.flow import MAX_ERROR_BODY_BYTES
from modelwire.wire.sse import MAX_EVENT_BYTES

from ..transport.raw_server import CHAT_HELLO, Answer, RawServer, http_response, sse_response
from .conftest import ARGUMENT_SECRET, assert_no_secret, error_texts, log_texts

MODES = ("sync", "async")
SERVER_ERROR = b'{"error": {"message": "boom", "type": "server_error"}}'
#: Generous margin over a configured time limit (a loaded two-core machine, other suites running).
MARGIN = 5.0
MiB = 1024 * 1024


def run_call(mode: str, server: RawServer, **options: Any) -> mw.Response:
    """``create`` on the sync or the async client, against ``server``'s Chat Completions."""
    options = {"api_key": ARGUMENT_SECRET, "max_retries": 0, **options}
    if mode == "sync":
        with mw.Client("openai", api="chat", base_url=server.url, **options) as client:
            return client.create(model="m", input="hi")

    async def call() -> mw.Response:
        async with mw.AsyncClient("openai", api="chat", base_url=server.url, **options) as client:
            return await client.create(model="m", input="hi")

    return asyncio.run(call())


def failing_call(
    mode: str, server: RawServer, expected: type[BaseException], **options: Any
) -> tuple[Any, float]:
    """The error ``run_call`` raises (checked to be ``expected``) and the seconds it took."""
    start = time.monotonic()
    with pytest.raises(expected) as caught:
        run_call(mode, server, **options)
    return caught.value, time.monotonic() - start


def secret_free(error: BaseException, logs: pytest.LogCaptureFixture) -> None:
    assert_no_secret(error_texts(error))
    assert_no_secret(log_texts(logs))


def head(status: int, headers: list[tuple[str, str]], content_type: str) -> bytes:
    lines = [f"HTTP/1.1 {status} X", f"content-type: {content_type}", "connection: close"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# -- corrupt content-encoding ---------------------------------------------------------------------

CORRUPT = {
    "gzip": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 64,
    "deflate": b"\x78\x9c" + b"\xff" * 64,
}


def encoded_answer(status: int, encoding: str, body: bytes, content_type: str) -> bytes:
    headers = [("content-encoding", encoding), ("content-length", str(len(body)))]
    return head(status, headers, content_type) + body


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("encoding", CORRUPT)
def test_a_corrupt_compressed_stream_is_a_content_decoding_error(
    mode: str, encoding: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    answer = encoded_answer(200, encoding, CORRUPT[encoding], "text/event-stream")
    with RawServer([answer, sse_response(CHAT_HELLO)]) as server:
        error, _ = failing_call(mode, server, mw.ContentDecodingError, max_retries=2)
    assert isinstance(error, mw.StreamDecodeError)
    assert encoding in str(error)
    assert error.partial is not None
    assert len(server.requests) == 1  # the same corrupt bytes would come back: not retried
    secret_free(error, debug_logs)


@pytest.mark.parametrize("mode", MODES)
def test_a_stream_whose_compression_breaks_after_an_event_keeps_the_partial(mode: str) -> None:
    compressor = zlib.compressobj(wbits=31)  # gzip framing
    start = compressor.compress(CHAT_HELLO.split(b"\n\n")[0] + b"\n\n")
    start += compressor.flush(zlib.Z_SYNC_FLUSH)

    def write(connection: socket.socket) -> None:
        connection.sendall(head(200, [("content-encoding", "gzip")], "text/event-stream") + start)
        time.sleep(0.3)
        connection.sendall(b"\xff" * 64)

    with RawServer([write]) as server:
        error, _ = failing_call(mode, server, mw.ContentDecodingError)
    assert error.partial is not None
    assert error.partial.text in ("", "hello")  # "" when both writes arrive in one read


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("encoding", CORRUPT)
def test_a_corrupt_compressed_error_body_is_the_status_error(
    mode: str, encoding: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    answer = encoded_answer(400, encoding, CORRUPT[encoding], "application/json")
    with RawServer([answer]) as server:
        error, _ = failing_call(mode, server, mw.BadRequestError)
    assert error.status == 400
    assert "DecodingError" in str(error)
    secret_free(error, debug_logs)


# -- error answers whose body breaks ------------------------------------------------------------


def cut(status: int) -> Answer:
    """A body shorter than its content-length, then a clean close."""

    def write(connection: socket.socket) -> None:
        headers = [("content-length", "1000")]
        connection.sendall(head(status, headers, "application/json") + b'{"error": {"mess')

    return write


def reset(status: int) -> Answer:
    """Part of the body, then a TCP reset (SO_LINGER 0)."""

    def write(connection: socket.socket) -> None:
        headers = [("content-length", "1000")]
        connection.sendall(head(status, headers, "application/json") + b'{"error": {"mess')
        time.sleep(0.1)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return write


def stalled(status: int, seconds: float = 6.0) -> Answer:
    """Part of the body, then silence for ``seconds`` or until the client hangs up (the server
    answers one connection at a time: a retry must not wait for the stall to end)."""

    def write(connection: socket.socket) -> None:
        headers = [("content-length", "1000")]
        connection.sendall(head(status, headers, "application/json") + b'{"error": {"mess')
        connection.settimeout(seconds)
        with contextlib.suppress(OSError):
            connection.recv(1)  # b"" once the client closes

    return write


BROKEN_BODIES: dict[str, Callable[[int], Answer]] = {"cut": cut, "reset": reset, "stalled": stalled}
#: A read timeout short enough for the stalled body to time out in a test.
READ_TIMEOUT = mw.Timeouts(read=0.5)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fault", BROKEN_BODIES)
def test_a_retryable_error_answer_whose_body_breaks_is_retried(mode: str, fault: str) -> None:
    answers = [BROKEN_BODIES[fault](503), sse_response(CHAT_HELLO)]
    with RawServer(answers) as server:
        response = run_call(mode, server, max_retries=1, timeout=READ_TIMEOUT)
    assert response.text == "hello"
    assert len(server.requests) == 2


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fault", BROKEN_BODIES)
def test_an_error_answer_whose_body_breaks_is_the_status_error_once_retries_are_spent(
    mode: str, fault: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    answers = [BROKEN_BODIES[fault](503), BROKEN_BODIES[fault](503)]
    with RawServer(answers) as server:
        error, took = failing_call(
            mode, server, mw.InternalServerError, max_retries=1, timeout=READ_TIMEOUT
        )
    assert error.status == 503
    assert "could not be read" in str(error)
    assert len(server.requests) == 2
    assert took < 2 * READ_TIMEOUT.read + 2 + MARGIN  # two reads and one backoff at most
    secret_free(error, debug_logs)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fault", BROKEN_BODIES)
def test_a_non_retryable_error_answer_whose_body_breaks_is_not_retried(
    mode: str, fault: str
) -> None:
    answers = [BROKEN_BODIES[fault](400), sse_response(CHAT_HELLO)]
    with RawServer(answers) as server:
        error, _ = failing_call(
            mode, server, mw.BadRequestError, max_retries=2, timeout=READ_TIMEOUT
        )
    assert error.status == 400
    assert len(server.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_a_stalled_error_body_ends_at_the_total_timeout(
    mode: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    timeouts = mw.Timeouts(read=60, total=1.0)
    with RawServer([stalled(503, seconds=12)]) as server:
        error, took = failing_call(mode, server, mw.APITimeoutError, timeout=timeouts)
    assert took < 1.0 + MARGIN
    secret_free(error, debug_logs)


@pytest.mark.parametrize("mode", MODES)
def test_an_error_body_trickling_past_the_total_timeout_ends_at_it(mode: str) -> None:
    def trickle(connection: socket.socket) -> None:
        connection.sendall(head(503, [("content-length", "100000")], "application/json"))
        for _ in range(200):  # a byte every 0.1 s: never idle long enough for a read timeout
            connection.sendall(b" ")
            time.sleep(0.1)

    timeouts = mw.Timeouts(read=5, total=1.5)
    with RawServer([trickle]) as server:
        _, took = failing_call(mode, server, mw.APITimeoutError, timeout=timeouts)
    assert took < 1.5 + MARGIN


def endless(status: int, chunk: bytes) -> Answer:
    """An error answer without a length whose body never ends (until the client hangs up)."""

    def write(connection: socket.socket) -> None:
        connection.sendall(head(status, [], "application/json") + b'{"error": {"message": "')
        while True:
            connection.sendall(chunk)

    return write


def gzip_bomb(status: int) -> bytes:
    """A few hundred KB that decompress to 256 MB."""
    body = gzip.compress(b"\x00" * (256 * 1024 * 1024), compresslevel=9)
    headers = [("content-encoding", "gzip"), ("content-length", str(len(body)))]
    return head(status, headers, "application/json") + body


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("attack", ["endless", "gzip bomb"])
def test_an_error_body_is_read_only_up_to_the_cap(mode: str, attack: str) -> None:
    answer = endless(400, b"m" * 65536) if attack == "endless" else gzip_bomb(400)
    tracemalloc.start()
    try:
        with RawServer([answer]) as server:
            error, _ = failing_call(mode, server, mw.BadRequestError)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(str(error)) < 2000
    # The cut body is kept as text (it no longer parses), at most the cap of it.
    assert len(error.native) <= MAX_ERROR_BODY_BYTES
    assert peak < 16 * MAX_ERROR_BODY_BYTES


# -- redirects ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_a_redirect_error_naming_the_status_and_location(
    mode: str, status: int, debug_logs: pytest.LogCaptureFixture
) -> None:
    location = "https://elsewhere.example/v1/chat/completions"
    answer = http_response(status, b"", [("location", location)])
    with RawServer([answer, sse_response(CHAT_HELLO)]) as server:
        error, _ = failing_call(mode, server, mw.RedirectError, max_retries=2)
    assert isinstance(error, mw.APIError)
    assert error.status == status
    assert error.location == location
    assert str(status) in str(error)
    assert location in str(error)
    assert len(server.requests) == 1  # neither followed nor retried
    secret_free(error, debug_logs)


@pytest.mark.parametrize("mode", MODES)
def test_a_redirect_without_a_location_is_still_a_redirect_error(mode: str) -> None:
    with RawServer([http_response(302, b"")]) as server:
        error, _ = failing_call(mode, server, mw.RedirectError)
    assert error.location is None
    assert "302" in str(error)


# -- keys that cannot travel in a header ----------------------------------------------------------

BAD_KEYS = {
    "newline inside": "sk-arg-SECRET\n2d8e4b6a0c",
    "carriage return inside": "sk-arg-SECRET\r2d8e4b6a0c",
    "header injection": "sk-arg-SECRET-2d8e4b6a0c\r\nx-evil: 1",
    "non-ASCII": "sk-arg-SECRET-2d8e4b6a0\u00e9",
    "non-Latin": "sk-arg-SECRET-2d8e4b6a0\u2014c",
    "space inside": "sk-arg-SECRET 2d8e4b6a0c",
    "control character": "sk-arg-SECRET\x002d8e4b6a0c",
    "tab inside": "sk-arg-SECRET\t2d8e4b6a0c",
}
CLIENTS = {"sync": mw.Client, "async": mw.AsyncClient}


def assert_names_no_key(error: BaseException, key: str) -> None:
    texts = error_texts(error)
    for fragment in ("SECRET", key.strip(), repr(key.strip())):
        assert all(fragment not in text for text in texts), texts


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("problem", BAD_KEYS)
def test_a_bad_key_argument_is_refused_at_construction_without_quoting_it(
    mode: str, problem: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    key = BAD_KEYS[problem]
    with pytest.raises(mw.ConfigurationError) as caught:
        CLIENTS[mode]("openai", api_key=key, base_url="http://127.0.0.1:9")
    assert "api_key" in str(caught.value)
    assert "HTTP header" in str(caught.value)
    assert_names_no_key(caught.value, key)
    assert all("SECRET" not in text for text in log_texts(debug_logs))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("problem", ["newline inside", "non-ASCII"])
def test_a_bad_key_in_the_environment_is_refused_naming_the_variable(
    mode: str, problem: str, monkeypatch: pytest.MonkeyPatch, planted: Path
) -> None:
    key = BAD_KEYS[problem]
    monkeypatch.setenv("ANTHROPIC_API_KEY", key)
    with pytest.raises(mw.ConfigurationError) as caught:
        CLIENTS[mode]("anthropic", base_url="http://127.0.0.1:9")
    assert "ANTHROPIC_API_KEY" in str(caught.value)
    assert_names_no_key(caught.value, key)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("problem", ["newline inside", "non-ASCII"])
def test_a_bad_key_in_the_store_is_refused_naming_the_store(
    mode: str, problem: str, monkeypatch: pytest.MonkeyPatch, planted: Path
) -> None:
    key = BAD_KEYS[problem]
    monkeypatch.delenv("OPENAI_API_KEY")
    planted.mkdir(parents=True)
    record = {"type": "api_key", "api_key": key}
    (planted / "auth.json").write_text(json.dumps({"version": 1, "providers": {"openai": record}}))
    with pytest.raises(mw.ConfigurationError) as caught:
        CLIENTS[mode]("openai", base_url="http://127.0.0.1:9")
    assert "credential store" in str(caught.value)
    assert_names_no_key(caught.value, key)


@pytest.mark.parametrize("mode", MODES)
def test_a_bad_key_given_to_an_auth_directly_is_refused(mode: str) -> None:
    with pytest.raises(mw.ConfigurationError) as caught:
        mw.auth.OpenAIKeyAuth(BAD_KEYS["newline inside"])
    assert_names_no_key(caught.value, BAD_KEYS["newline inside"])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("source", ["argument", "environment", "store"])
def test_whitespace_around_a_key_is_stripped_from_every_source(
    mode: str, source: str, monkeypatch: pytest.MonkeyPatch, planted: Path
) -> None:
    padded = f"  {ARGUMENT_SECRET}\r\n"
    monkeypatch.delenv("OPENAI_API_KEY")
    if source == "environment":
        monkeypatch.setenv("OPENAI_API_KEY", padded)
    if source == "store":
        planted.mkdir(parents=True)
        record = {"type": "api_key", "api_key": padded}
        document = {"version": 1, "providers": {"openai": record}}
        (planted / "auth.json").write_text(json.dumps(document))
    with RawServer([sse_response(CHAT_HELLO)]) as server:
        response = run_call(mode, server, api_key=padded if source == "argument" else None)
    assert response.text == "hello"
    assert server.requests[0].headers["authorization"] == f"Bearer {ARGUMENT_SECRET}"


# -- the event cap through the client -------------------------------------------------------------


def chat_event(text: str) -> bytes:
    chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    chunk["choices"] = [{"index": 0, "delta": {"content": text}, "finish_reason": None}]
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


@pytest.mark.parametrize("mode", MODES)
def test_max_event_bytes_on_the_client_caps_each_event(
    mode: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    body = chat_event("hello") + chat_event("x" * 4096) + CHAT_HELLO
    with RawServer([sse_response(body)]) as server:
        error, _ = failing_call(mode, server, mw.EventTooLargeError, max_event_bytes=1024)
    assert error.limit == 1024
    assert error.partial is not None
    assert error.partial.text == "hello"
    secret_free(error, debug_logs)


@pytest.mark.parametrize("mode", MODES)
def test_the_default_cap_lets_a_large_event_through(mode: str) -> None:
    body = chat_event("x" * 200_000) + CHAT_HELLO
    with RawServer([sse_response(body)]) as server:
        assert run_call(mode, server).text == "x" * 200_000 + "hello"


def event_stream_bomb() -> Answer:
    """A 200 gzip event stream of about 200 KB: one good event, then one data line that
    inflates to 200 MiB (above the default cap) with no line end."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits=31)  # gzip framing
    parts = [compressor.compress(CHAT_HELLO.split(b"\n\n")[0] + b"\n\ndata: ")]
    block = b"A" * MiB
    parts += [compressor.compress(block) for _ in range(200)]
    body = b"".join(parts) + compressor.flush()
    assert len(body) < 300 * 1024
    headers = [("content-encoding", "gzip"), ("content-length", str(len(body)))]
    answer = head(200, headers, "text/event-stream") + body

    def write(connection: socket.socket) -> None:
        with contextlib.suppress(OSError):  # the client hangs up at the cap
            connection.sendall(answer)

    return write


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("cap", [MiB, None], ids=["1 MiB cap", "default cap"])
def test_a_gzip_bomb_event_stream_fails_at_the_cap_with_bounded_memory(
    mode: str, cap: int | None, debug_logs: pytest.LogCaptureFixture
) -> None:
    """The bomb goes through the client's own decompression and SSE decoder. Measured peaks
    (tracemalloc, whole process, 2026-12-02): about 4.4 MiB with ``max_event_bytes=1 MiB`` and
    66-72 MiB with the default 64 MiB cap, where the cap itself is the one big buffer (before
    the cap it was 850 MB). The bounds are 16 MiB and twice the default cap."""
    answer = event_stream_bomb()
    options = {} if cap is None else {"max_event_bytes": cap}
    tracemalloc.start()
    try:
        with RawServer([answer]) as server:
            error, _ = failing_call(mode, server, mw.EventTooLargeError, **options)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert error.limit == (cap or MAX_EVENT_BYTES)
    assert error.partial is not None
    assert error.partial.text == "hello"
    assert peak < (16 * MiB if cap else 2 * MAX_EVENT_BYTES)
    secret_free(error, debug_logs)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("value", [0, -1, True, 1.5, "64"])
def test_a_max_event_bytes_that_is_not_a_positive_integer_is_refused(
    mode: str, value: object
) -> None:
    with pytest.raises(mw.ConfigurationError, match="max_event_bytes"):
        CLIENTS[mode]("openai", api_key="sk-x", max_event_bytes=value)  # type: ignore[arg-type]


# -- header values and base URLs ------------------------------------------------------------------

BAD_HEADER_VALUES = {
    "line break": "v-SECRET\r\nx-evil: 1",
    "non-ASCII": "v-SECRET-\u00e9",
    "control character": "v-SECRET\x00",
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("problem", BAD_HEADER_VALUES)
def test_a_bad_default_header_value_is_refused_at_construction_without_quoting_it(
    mode: str, problem: str
) -> None:
    headers = {"x-custom-auth": BAD_HEADER_VALUES[problem]}
    with pytest.raises(mw.ConfigurationError) as caught:
        CLIENTS[mode]("openai", api_key="sk-x", default_headers=headers)
    assert "x-custom-auth" in str(caught.value)
    assert all("SECRET" not in text for text in error_texts(caught.value))


@pytest.mark.parametrize("mode", MODES)
def test_a_bad_extra_header_is_refused_before_anything_is_sent(mode: str) -> None:
    headers = {"x-custom-auth": BAD_HEADER_VALUES["line break"]}
    with RawServer([sse_response(CHAT_HELLO)]) as server:
        if mode == "sync":
            client = mw.Client("openai", api="chat", api_key="sk-x", base_url=server.url)
            with pytest.raises(mw.ConfigurationError) as caught:
                client.create(model="m", input="hi", extra_headers=headers)
        else:
            aclient = mw.AsyncClient("openai", api="chat", api_key="sk-x", base_url=server.url)
            with pytest.raises(mw.ConfigurationError) as caught:
                asyncio.run(aclient.create(model="m", input="hi", extra_headers=headers))
    assert "extra_headers" in str(caught.value)
    assert all("SECRET" not in text for text in error_texts(caught.value))
    assert server.requests == []


@pytest.mark.parametrize("mode", MODES)
def test_a_header_the_http_library_refuses_is_not_retried_and_not_quoted(mode: str) -> None:
    class BadHeaderAuth(mw.auth.OpenAIKeyAuth):
        """An Auth that (wrongly) sends a header value with a line break."""

        def prepare(self, request: mw.auth.OutgoingRequest) -> None:
            request.headers["authorization"] = "Bearer tok-SECRET\nx"

    with RawServer([sse_response(CHAT_HELLO)] * 3) as server:
        error, _ = failing_call(
            mode, server, mw.APIConnectionError, auth=BadHeaderAuth("sk-x"), max_retries=2
        )
    assert "header" in str(error)
    assert all("SECRET" not in text for text in error_texts(error))
    assert server.requests == []


MALFORMED_URLS = ["not a url", "api.openai.com/v1", "ftp://example.com", "http://", "http://h:x"]
MALFORMED_URLS += ["http://[bad", "http://exa mple.com", "http://h\n/v1"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("url", MALFORMED_URLS)
def test_a_malformed_base_url_is_a_configuration_error(mode: str, url: str) -> None:
    with pytest.raises(mw.ConfigurationError, match="is not an http"):
        CLIENTS[mode]("openai", api_key="sk-x", base_url=url)


@pytest.mark.parametrize("mode", MODES)
def test_a_malformed_base_url_from_the_environment_names_the_variable(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://user:pw-SECRET@[bad/v1")
    with pytest.raises(mw.ConfigurationError) as caught:
        CLIENTS[mode]("openai", api_key="sk-x")
    assert "OPENAI_BASE_URL" in str(caught.value)
    assert "SECRET" not in str(caught.value)
