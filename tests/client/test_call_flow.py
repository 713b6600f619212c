"""The call flow's rules: the total deadline holds against a silent server, and a retry never
shows the caller anything twice. Over real loopback HTTP (sync and async), and the flow itself
driven by hand, without I/O."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx2
import pytest

import modelwire as mw
from modelwire.apis import wire_api
from modelwire.apis.base import OutgoingRequest
from modelwire.auth import OpenAIKeyAuth
from modelwire.testing import FakeServer, Fault
from modelwire.transport.flow import (
    Answer,
    CallFlow,
    Deliver,
    ReadChunk,
    Send,
    Sleep,
    Timeouts,
)
from modelwire.transport.retry import RetryPolicy

from .conftest import make_async_client, make_client

# A stall much longer than the deadline; the bound asserted leaves a wide margin for a busy host.
STALL = 6.0
TOTAL = 0.8
BOUND = 4.0


def collect_sync(client: mw.Client, started: list[float] | None = None) -> list[mw.Event]:
    """The events of one call; ``started`` gets the moment the call was made (after the request
    was built and validated, which the deadline does not cover)."""
    with client, client.stream(model="m", input="one two three four five six") as stream:
        if started is not None:
            started.append(time.monotonic())
        return list(stream)


async def collect_async(
    client: mw.AsyncClient, started: list[float] | None = None
) -> list[mw.Event]:
    async with client, client.stream(model="m", input="one two three four five six") as stream:
        if started is not None:
            started.append(time.monotonic())
        return [event async for event in stream]


@pytest.mark.parametrize("after_events", [None, 2], ids=["before headers", "mid-stream"])
def test_the_total_timeout_bounds_a_silent_server(
    fake_server: FakeServer, api: str, after_events: int | None
) -> None:
    fake_server.queue(api, Fault.stall(STALL, after_events=after_events))
    client = make_client(fake_server, api, timeout=mw.Timeouts(read=60, total=TOTAL))
    started: list[float] = []
    with pytest.raises(mw.APITimeoutError, match="total timeout") as raised:
        collect_sync(client, started)
    assert time.monotonic() - started[0] < BOUND
    if after_events:
        partial = raised.value.partial
        assert partial is not None
        assert not partial.complete


@pytest.mark.parametrize("after_events", [None, 2], ids=["before headers", "mid-stream"])
def test_the_total_timeout_bounds_a_silent_server_async(
    fake_server: FakeServer, api: str, after_events: int | None
) -> None:
    fake_server.queue(api, Fault.stall(STALL, after_events=after_events))
    client = make_async_client(fake_server, api, timeout=mw.Timeouts(read=60, total=TOTAL))
    started: list[float] = []
    with pytest.raises(mw.APITimeoutError, match="total timeout") as raised:
        asyncio.run(collect_async(client, started))
    assert time.monotonic() - started[0] < BOUND
    if after_events:
        partial = raised.value.partial
        assert partial is not None
        assert not partial.complete


def test_a_retry_before_the_first_body_event_shows_one_rate_limits(
    fake_server: FakeServer, api: str
) -> None:
    fake_server.queue(api, Fault.disconnect_after(0))
    events = collect_sync(make_client(fake_server, api))

    assert len(fake_server.requests) == 2
    assert [type(e) for e in events].count(mw.RateLimits) == 1
    assert isinstance(events[0], mw.RateLimits)
    assert isinstance(events[-1], mw.Completed)


def test_a_retry_before_the_first_body_event_shows_one_rate_limits_async(
    fake_server: FakeServer, api: str
) -> None:
    fake_server.queue(api, Fault.disconnect_after(0))
    events = asyncio.run(collect_async(make_async_client(fake_server, api)))

    assert len(fake_server.requests) == 2
    assert [type(e) for e in events].count(mw.RateLimits) == 1
    assert isinstance(events[-1], mw.Completed)


# -- the flow alone --------------------------------------------------------------------------------

RATE_LIMIT_HEADERS = {"x-ratelimit-remaining-requests": "9"}
TEXT = (
    b'data: {"type":"response.output_text.delta","item_id":"m","output_index":0,'
    b'"content_index":0,"delta":"hi","sequence_number":1}\n\n'
)


def flow(**timeouts: Any) -> CallFlow:
    request = OutgoingRequest("responses", "http://127.0.0.1:9/responses", {}, {"model": "m"})
    return CallFlow(
        wire_api("responses"),
        OpenAIKeyAuth("sk-test"),
        request,
        retry=RetryPolicy(max_retries=2, initial_delay=0.01),
        timeouts=Timeouts(**timeouts),
    )


def test_the_flow_holds_rate_limits_back_until_the_body_commits_the_attempt() -> None:
    steps = flow().run()
    assert isinstance(next(steps), Send)
    assert isinstance(steps.send(Answer(200, RATE_LIMIT_HEADERS)), ReadChunk)

    # The connection drops before any body event: a retry, and nothing was delivered.
    assert isinstance(steps.throw(httpx2.RemoteProtocolError("dropped")), Sleep)
    assert isinstance(steps.send(None), Send)
    assert isinstance(steps.send(Answer(200, RATE_LIMIT_HEADERS)), ReadChunk)
    delivered = steps.send(TEXT)

    assert isinstance(delivered, Deliver)
    assert [type(e) for e in delivered.events] == [mw.RateLimits, mw.TextDelta]


def test_the_flow_clips_every_wait_to_the_deadline() -> None:
    steps = flow(read=600.0, connect=10.0, total=2.0).run()
    send = next(steps)

    assert isinstance(send, Send)
    assert send.deadline is not None
    assert 0 < send.deadline <= 2.0
    assert send.timeout is not None
    assert send.timeout.read is not None
    assert send.timeout.read <= 2.0
    assert send.timeout.connect is not None
    assert send.timeout.connect <= 2.0
    read = steps.send(Answer(200, {}))
    assert isinstance(read, ReadChunk)
    assert read.deadline is not None
    assert read.deadline <= 2.0


def test_without_a_total_the_flow_leaves_the_http_client_timeouts_alone() -> None:
    send = next(flow().run())

    assert isinstance(send, Send)
    assert send.timeout is None
    assert send.deadline is None


# -- the call arguments --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["create", "stream"])
def test_a_misspelt_argument_is_a_type_error_naming_the_method(method: str) -> None:
    with (
        mw.Client("openai", api_key="sk-test") as client,
        pytest.raises(TypeError, match=rf"Client\.{method}\(\).*'temprature'"),
    ):
        getattr(client, method)(input="hi", temprature=0.2)


def test_a_call_without_input_is_a_type_error_naming_the_method() -> None:
    client = mw.AsyncClient("openai", api_key="sk-test")
    with pytest.raises(TypeError, match=r"AsyncClient\.stream\(\) missing .*'input'"):
        client.stream(model="m")  # type: ignore[call-arg]


def test_a_misspelt_client_option_is_a_type_error_naming_the_client() -> None:
    with pytest.raises(TypeError, match=r"AsyncClient\(\) .*'max_retry'"):
        mw.AsyncClient("openai", api_key="sk-test", max_retry=3)  # type: ignore[call-arg]
