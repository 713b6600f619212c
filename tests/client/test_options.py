"""client.with_options(...) and timeout= on each call, over real HTTP against the embedded server
(sync and async). A derived client shares the connection pool and the auth; its options hold for
its calls only."""

from __future__ import annotations

import asyncio
import time

import pytest

import modelwire as mw
from modelwire.testing import FakeServer, Fault

from .conftest import make_async_client, make_client

# A stall much longer than the timeouts under test; the bound leaves a wide margin for a busy host.
STALL = 6.0
SHORT = 0.5
BOUND = 4.0


def test_a_derived_client_shares_the_pool_and_the_auth(fake_server: FakeServer, api: str) -> None:
    with make_client(fake_server, api) as client:
        derived = client.with_options(max_retries=5)
        assert derived._http is client._http
        assert derived.auth is client.auth
        assert (derived.provider, derived.api, derived.base_url) == (
            client.provider,
            client.api,
            client.base_url,
        )
        assert derived.create(input="from the derived one").text == "You said: from the derived one"
        derived.close()  # closes nothing: the pool and the auth are the original's
        assert client.create(input="still open").text == "You said: still open"
    assert len(fake_server.requests) == 2


def test_max_retries_holds_for_the_derived_client_only(fake_server: FakeServer, api: str) -> None:
    with make_client(fake_server, api, max_retries=2) as client:
        fake_server.queue(api, Fault.status(429, retry_after_ms=10))
        with pytest.raises(mw.RateLimitError):
            client.with_options(max_retries=0).create(input="hi")
        assert len(fake_server.requests) == 1
        fake_server.queue(api, Fault.status(429, retry_after_ms=10))
        assert client.create(input="hi").text == "You said: hi"
    assert len(fake_server.requests) == 3


def test_default_headers_are_added_to_the_clients_own(fake_server: FakeServer, api: str) -> None:
    with make_client(fake_server, api, default_headers={"X-App": "demo"}) as client:
        client.with_options(default_headers={"X-Team": "blue"}).create(input="hi")
        client.create(input="hi")
    derived_request, original_request = fake_server.requests
    assert derived_request.headers["x-team"] == "blue"
    assert derived_request.headers["x-app"] == "demo"
    assert "x-team" not in original_request.headers
    assert original_request.headers["x-app"] == "demo"


def test_a_derived_timeout_bounds_its_calls(fake_server: FakeServer, api: str) -> None:
    # The pool was built with the default 600 s read timeout: the derived one is sent per request.
    with make_client(fake_server, api) as client:
        fake_server.queue(api, Fault.stall(STALL, after_events=2))
        started = time.monotonic()
        with pytest.raises(mw.APITimeoutError):
            client.with_options(timeout=SHORT).create(input="one two three four five six")
        assert time.monotonic() - started < BOUND
        assert client.create(input="hi").text == "You said: hi"


def test_a_derived_total_timeout_bounds_a_silent_server(fake_server: FakeServer, api: str) -> None:
    with make_client(fake_server, api) as client:
        fake_server.queue(api, Fault.stall(STALL, after_events=None))
        started = time.monotonic()
        with pytest.raises(mw.APITimeoutError):
            client.with_options(timeout=mw.Timeouts(total=0.8)).create(input="hi")
        assert time.monotonic() - started < BOUND


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "json"])
def test_a_per_call_timeout_bounds_that_call_only(
    fake_server: FakeServer, api: str, stream: bool
) -> None:
    # No retries: a JSON body that times out before any of it was delivered is retried.
    with make_client(fake_server, api, max_retries=0) as client:
        fake_server.queue(api, Fault.stall(STALL, after_events=1 if stream else 0))
        started = time.monotonic()
        with pytest.raises(mw.APITimeoutError):
            client.create(input="one two three four five six", timeout=SHORT, stream=stream)
        assert time.monotonic() - started < BOUND
        assert client.create(input="hi", stream=stream).text == "You said: hi"


def test_a_per_call_timeout_on_stream(fake_server: FakeServer, api: str) -> None:
    fake_server.queue(api, Fault.stall(STALL, after_events=2))
    with make_client(fake_server, api) as client:
        started = time.monotonic()
        with (
            pytest.raises(mw.APITimeoutError) as raised,
            client.stream(input="one two three four five six", timeout=SHORT) as stream,
        ):
            list(stream)
        assert time.monotonic() - started < BOUND
    assert raised.value.partial is not None


def test_a_per_call_timeout_also_bounds_count_tokens(fake_server: FakeServer) -> None:
    with make_client(fake_server, "messages") as client:
        assert client.count_tokens(input="one two", timeout=mw.Timeouts(total=30.0)) > 0


@pytest.mark.parametrize("timeout", [0, -1.0, "5", True])
def test_a_timeout_that_is_not_seconds_is_refused(fake_server: FakeServer, timeout: object) -> None:
    with make_client(fake_server, "chat") as client:
        with pytest.raises(mw.ConfigurationError, match="timeout"):
            client.create(input="hi", timeout=timeout)  # type: ignore[arg-type]
        with pytest.raises(mw.ConfigurationError, match="timeout"):
            client.with_options(timeout=timeout)  # type: ignore[arg-type]
    assert fake_server.requests == []


def test_negative_max_retries_is_refused(fake_server: FakeServer) -> None:
    with (
        make_client(fake_server, "chat") as client,
        pytest.raises(mw.ConfigurationError, match="max_retries"),
    ):
        client.with_options(max_retries=-1)


def test_async_with_options_and_a_per_call_timeout(fake_server: FakeServer, api: str) -> None:
    async def main() -> None:
        async with make_async_client(fake_server, api, max_retries=0) as client:
            derived = client.with_options(max_retries=0, default_headers={"x-team": "blue"})
            assert derived._http is client._http
            assert derived.auth is client.auth
            fake_server.queue(api, Fault.status(429, retry_after_ms=10))
            with pytest.raises(mw.RateLimitError):
                await derived.create(input="hi")
            fake_server.queue(api, Fault.status(429, retry_after_ms=10))
            retrying = client.with_options(max_retries=1)
            assert (await retrying.create(input="again")).text == "You said: again"
            fake_server.queue(api, Fault.stall(STALL, after_events=0))
            started = time.monotonic()
            with pytest.raises(mw.APITimeoutError):
                await client.create(input="hi", timeout=SHORT, stream=False)
            assert time.monotonic() - started < BOUND
            await derived.aclose()
            response = await client.create(input="after")
            assert response.text == "You said: after"

    asyncio.run(main())
    assert fake_server.requests[0].headers["x-team"] == "blue"
    assert "x-team" not in fake_server.requests[-1].headers
