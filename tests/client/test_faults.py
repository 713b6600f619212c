"""Retries, typed errors and cancellation over real HTTP against the embedded server."""

from __future__ import annotations

import asyncio
import time

import pytest

import modelwire as mw
from modelwire.testing import FakeServer, Fault

from .conftest import make_async_client, make_client


def test_429_with_retry_after_ms_is_retried_after_that_delay(
    fake_server: FakeServer, api: str
) -> None:
    fake_server.queue(api, Fault.status(429, retry_after_ms=300))
    with make_client(fake_server, api) as client:
        started = time.monotonic()
        response = client.create(model="m", input="hi")
    assert response.text == "You said: hi"
    first, second = fake_server.requests
    assert second.time - first.time >= 0.28
    assert time.monotonic() - started >= 0.28


def test_529_overloaded_is_retried(fake_server: FakeServer) -> None:
    fake_server.queue("messages", Fault.status(529))
    with make_client(fake_server, "messages") as client:
        assert client.create(model="m", input="hi").complete
    assert len(fake_server.requests) == 2


def test_400_is_not_retried_and_is_typed(fake_server: FakeServer, api: str) -> None:
    fake_server.queue(api, Fault.status(400, message="bad thing"))
    with make_client(fake_server, api) as client, pytest.raises(mw.BadRequestError) as raised:
        client.create(model="m", input="hi")
    assert raised.value.status == 400
    assert "bad thing" in str(raised.value)
    assert len(fake_server.requests) == 1


def test_retries_stop_at_the_budget(fake_server: FakeServer) -> None:
    fake_server.queue("chat", *[Fault.status(503, retry_after_ms=10)] * 3)
    with (
        make_client(fake_server, "chat", max_retries=2) as client,
        pytest.raises(mw.InternalServerError),
    ):
        client.create(model="m", input="hi")
    assert len(fake_server.requests) == 3


def test_x_should_retry_false_is_honoured(fake_server: FakeServer) -> None:
    fake_server.queue("responses", Fault.status(500, should_retry=False))
    with make_client(fake_server, "responses") as client, pytest.raises(mw.InternalServerError):
        client.create(model="m", input="hi")
    assert len(fake_server.requests) == 1


def test_a_reset_before_headers_is_retried(fake_server: FakeServer) -> None:
    fake_server.queue("messages", Fault.reset())
    with make_client(fake_server, "messages") as client:
        assert client.create(model="m", input="hi there").text == "You said: hi there"


def test_a_mid_stream_disconnect_is_not_retried_and_keeps_the_partial_text(
    fake_server: FakeServer, api: str
) -> None:
    words = " ".join(f"w{i}" for i in range(16))
    fake_server.queue(api, Fault.disconnect_after(7))
    with (
        make_client(fake_server, api) as client,
        pytest.raises(mw.StreamInterruptedError) as raised,
    ):
        client.create(model="m", input=words)
    partial = raised.value.partial
    assert partial is not None
    assert not partial.complete
    assert partial.text
    assert f"You said: {words}".startswith(partial.text)
    assert len(fake_server.requests) == 1


def test_an_in_stream_error_is_typed_and_carries_the_partial(
    fake_server: FakeServer, api: str
) -> None:
    fake_server.queue(api, Fault.stream_error("overloaded_error", after_events=4))
    with make_client(fake_server, api) as client, pytest.raises(mw.APIError) as raised:
        client.create(model="m", input="one two three four five six")
    assert raised.value.partial is not None


def test_a_stall_beyond_the_idle_timeout_is_a_timeout_with_partial(
    fake_server: FakeServer,
) -> None:
    fake_server.queue("chat", Fault.stall(2.0, after_events=3))
    client = make_client(fake_server, "chat", timeout=mw.Timeouts(read=0.3), max_retries=0)
    with client, pytest.raises(mw.APITimeoutError) as raised:
        client.create(model="m", input="one two three four five six")
    assert raised.value.partial is not None
    assert raised.value.partial.text


def test_a_wrong_key_is_an_authentication_error_naming_the_provider(
    fake_server: FakeServer,
) -> None:
    client = mw.Client("anthropic", api_key="not-a-key", base_url=fake_server.base_url("anthropic"))
    with client, pytest.raises(mw.AuthenticationError) as raised:
        client.create(model="m", input="hi")
    assert raised.value.status == 401
    assert raised.value.request_id
    assert "not-a-key" not in str(raised.value)


def test_leaving_the_stream_early_closes_the_server_side_connection(
    fake_server: FakeServer, api: str
) -> None:
    fake_server.queue(api, Fault.drip(0.05))
    with make_client(fake_server, api) as client:
        with client.stream(model="m", input=" ".join(["word"] * 40)) as stream:
            for event in stream:
                if isinstance(event, mw.TextDelta):
                    break
        [request] = fake_server.requests
        assert request.stream is not None
        request.stream.wait(5)
        assert request.stream.client_disconnected
        assert not request.stream.completed


def test_cancelling_the_task_closes_the_connection(fake_server: FakeServer) -> None:
    fake_server.queue("messages", Fault.drip(0.05))

    async def run() -> None:
        async with make_async_client(fake_server, "messages") as client:

            async def consume() -> None:
                async with client.stream(model="m", input=" ".join(["w"] * 60)) as stream:
                    async for _ in stream:
                        pass

            task = asyncio.create_task(consume())
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(run())
    [request] = fake_server.requests
    assert request.stream is not None
    request.stream.wait(5)
    assert request.stream.client_disconnected
    assert fake_server.wait_for(lambda: fake_server.open_connections == 0)
