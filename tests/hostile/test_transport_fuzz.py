"""Any answer a server could send over real HTTP (issue 16): a status, headers (rate limits,
retry advice, a content-encoding), a body (a valid stream, noise, cut, compressed or corruptly
compressed) and an ending (a clean close, a reset, a stall). The sync and the async client
return a Response or raise a modelwire error, within the total timeout, and no secret reaches an
error or a DEBUG log record. The regular run tries a few dozen answers; ``nox -s stress`` many
more (``--hypothesis-show-statistics`` prints how each ended)."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import logging
import socket
import struct
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import modelwire as mw

from ..transport.raw_server import RawServer
from .conftest import ARGUMENT_SECRET, HTTP_LOGGERS, assert_no_secret, error_texts
from .streams import text_stream

TIMEOUTS = mw.Timeouts(connect=2, read=0.4, total=3.0)
#: Generous: a loaded two-core machine, other suites running beside.
MARGIN = 6.0
STATUSES = [200, 200, 200, 200, 301, 302, 307, 400, 401, 404, 408, 413, 429, 500, 503, 529]
ENCODINGS = [None, None, "gzip", "deflate", "identity", "br", "x-unknown"]
HEADER_VALUES = ["0", "1", "-3", "1e999", "nan", "inf", "9" * 40, "\u00e9", "Wed, 21 Oct 2015"]
HEADER_NAMES = [
    "retry-after",
    "retry-after-ms",
    "x-should-retry",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-reset-requests",
    "anthropic-ratelimit-tokens-limit",
    "x-request-id",
]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    encoding: str | None
    body: str  # valid | noise | cut-valid | corrupt-compressed
    framing: str  # exact | too-long | none
    ending: str  # close | reset | stall
    noise: bytes
    api: str

    def payload(self) -> bytes:
        valid = text_stream(self.api, "ok") if self.status < 300 else b'{"error": {"message": "x"}}'
        raw = {"valid": valid, "noise": self.noise, "cut-valid": valid[: len(valid) // 2]}.get(
            self.body, valid
        )
        if self.encoding == "gzip":
            raw = gzip.compress(raw)
        elif self.encoding == "deflate":
            raw = zlib.compress(raw)
        if self.body == "corrupt-compressed" and self.encoding in ("gzip", "deflate"):
            middle = len(raw) // 2
            raw = (
                raw[:middle] + bytes(b ^ 0xFF for b in raw[middle : middle + 8]) + raw[middle + 8 :]
            )
        return raw

    def write(self, connection: socket.socket) -> None:
        body = self.payload()
        content_type = "text/event-stream" if self.status < 300 else "application/json"
        lines = [f"HTTP/1.1 {self.status} X", f"content-type: {content_type}", "connection: close"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.encoding is not None:
            lines.append(f"content-encoding: {self.encoding}")
        if self.framing == "exact":
            lines.append(f"content-length: {len(body)}")
        elif self.framing == "too-long":
            lines.append(f"content-length: {len(body) + 100}")
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body)
        if self.ending == "reset":
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif self.ending == "stall":
            connection.settimeout(TIMEOUTS.read * 3)
            with contextlib.suppress(OSError):
                connection.recv(1)  # until the client hangs up, or a while


answers = st.builds(
    Answer,
    status=st.sampled_from(STATUSES),
    headers=st.lists(
        st.tuples(st.sampled_from(HEADER_NAMES), st.sampled_from(HEADER_VALUES)), max_size=3
    ).map(tuple),
    encoding=st.sampled_from(ENCODINGS),
    body=st.sampled_from(["valid", "valid", "noise", "cut-valid", "corrupt-compressed"]),
    framing=st.sampled_from(["exact", "exact", "too-long", "none"]),
    ending=st.sampled_from(["close", "close", "reset", "stall"]),
    noise=st.binary(max_size=300),
    api=st.sampled_from(["chat", "responses", "messages"]),
)
PATHS = {"chat": ("openai", "chat"), "responses": ("openai", "responses")}
PATHS["messages"] = ("anthropic", "messages")


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            self.texts += error_texts(record.exc_info[1])


@contextlib.contextmanager
def debug_records() -> Iterator[_Records]:
    handler = _Records()
    loggers = [logging.getLogger(name) for name in HTTP_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)


def call(answer: Answer, mode: str, server: RawServer) -> mw.Response:
    provider, api = PATHS[answer.api]
    options = {"api_key": ARGUMENT_SECRET, "base_url": server.url, "max_retries": 1}
    if mode == "sync":
        with mw.Client(provider, api=api, timeout=TIMEOUTS, **options) as client:  # type: ignore[arg-type]
            return client.create(model="m", input="hi", max_output_tokens=16)

    async def run() -> mw.Response:
        async with mw.AsyncClient(provider, api=api, timeout=TIMEOUTS, **options) as client:  # type: ignore[arg-type]
            return await client.create(model="m", input="hi", max_output_tokens=16)

    return asyncio.run(run())


def check(answer: Answer, mode: str) -> None:
    with RawServer([answer.write, answer.write]) as server, debug_records() as records:
        start = time.monotonic()
        try:
            response = call(answer, mode, server)
        except mw.ModelwireError as error:
            event(f"raised {type(error).__name__}")
            assert_no_secret(error_texts(error))
        else:
            event("returned a Response" + (" (complete)" if response.complete else ""))
        took = time.monotonic() - start
    assert took < (TIMEOUTS.total or 0) + MARGIN
    assert_no_secret(records.texts)


FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(FUZZ, max_examples=30)
@given(answer=answers, mode=st.sampled_from(["sync", "async"]))
def test_any_answer_over_http_is_a_response_or_a_modelwire_error_in_time(
    answer: Answer, mode: str
) -> None:
    check(answer, mode)


@pytest.mark.stress
@settings(FUZZ, max_examples=600)
@given(answer=answers, mode=st.sampled_from(["sync", "async"]))
def test_any_answer_over_http_over_many_examples(answer: Answer, mode: str) -> None:
    check(answer, mode)
