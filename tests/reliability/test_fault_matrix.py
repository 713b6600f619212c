"""The fault matrix: every wire API, sync and async, against every fault the embedded server can
inject, over real HTTP.

For each API (responses and chat with an OpenAI key, messages with an Anthropic key; default
``max_retries=2``) the request is "You said: ..." echoed in about a dozen text deltas, and the
documented outcome is:

| fault (``modelwire.testing.Fault``)       | outcome                                    | reqs   |
|-------------------------------------------|--------------------------------------------|--------|
| 429 storm: 2 x ``status(429, ...=50 ms)`` | retried after the advised delay; answer    | 3      |
| 429 storm beyond the budget: always 429   | ``RateLimitError`` (429, retry_after 0.05) | 3      |
| ``status(429, retry_after=3600)``         | ``RateLimitError`` at once (over 60 s)     | 1      |
| ``status(529)`` (overloaded)              | retried with backoff; the answer           | 2      |
| ``status(500)``                           | retried with backoff; the answer           | 2      |
| ``reset()`` before the headers            | retried (nothing delivered); the answer    | 2      |
| ``disconnect_after(6)``                   | ``StreamInterruptedError`` + partial       | 1      |
| ``stall(5, after_events=6)``, idle 0.4 s  | ``APITimeoutError`` + partial; hung up on  | 1      |
| ``malformed_line(after_events=6)``        | ``StreamDecodeError`` + partial            | 1      |
| ``non_json(after_events=6)``              | ``StreamDecodeError`` + partial            | 1      |
| ``stream_error("overloaded_error", 6)``   | ``OverloadedError`` + partial              | 1      |
| ``expired_token()``, API key              | ``AuthenticationError`` (401), no refresh  | 1      |
| ``expired_token()``, ChatGPT/Claude login | one refresh, sent once more; the answer    | 2 (+1) |

"+ partial": the error's ``partial`` is the Response of the events delivered before the fault
(its text is exactly the text of the text deltas the caller received, a non-empty proper prefix
of the answer, and it is not complete). A fault after the first event is never retried: a
half-delivered answer is not replayed. "reqs" counts the requests the server received: the retry
budget is kept exactly.

In every case, once the client is closed the server sees no open connection
(``server.open_connections == 0``): nothing leaks, whatever the fault.
"""

from __future__ import annotations

import asyncio
import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

import modelwire as mw
from modelwire.auth.store import FileStore
from modelwire.testing import FakeServer, Fault

from ..auth.helpers import sign_in
from ..client.conftest import make_async_client, make_client

APIS = ("responses", "chat", "messages")
MODES = ("sync", "async")
WORDS = " ".join(f"w{i}" for i in range(20))
ANSWER = f"You said: {WORDS}"
MID = 6  # events delivered before a mid-stream fault: a few text deltas on every API
IDLE = 0.4  # the read (stream idle) timeout of the mid-stream cases


@dataclass
class Outcome:
    """What the caller saw: the events delivered, then the Response or the typed error."""

    events: list[mw.Event]
    response: mw.Response | None
    error: mw.ModelwireError | None

    @property
    def delivered_text(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, mw.TextDelta))


def call(server: FakeServer, api: str, mode: str, **client_options: Any) -> Outcome:
    """One streamed request, read to the end, through a client that is closed afterwards."""
    if mode == "async":
        return asyncio.run(_acall(server, api, **client_options))
    events: list[mw.Event] = []
    client = make_client(server, api, **client_options)
    try:
        with client, client.stream(model="m", input=WORDS) as stream:
            events.extend(stream)
    except mw.ModelwireError as error:
        return Outcome(events, None, error)
    return Outcome(events, stream.response, None)


async def _acall(server: FakeServer, api: str, **client_options: Any) -> Outcome:
    events: list[mw.Event] = []
    client = make_async_client(server, api, **client_options)
    try:
        async with client, client.stream(model="m", input=WORDS) as stream:
            async for event in stream:
                events.append(event)
    except mw.ModelwireError as error:
        return Outcome(events, None, error)
    return Outcome(events, stream.response, None)


def assert_no_connection_left(server: FakeServer) -> None:
    assert server.wait_for(lambda: server.open_connections == 0), server.open_connections


def assert_full_answer(outcome: Outcome) -> None:
    assert outcome.error is None, repr(outcome.error)
    assert outcome.response is not None
    assert outcome.response.complete
    assert outcome.response.text == ANSWER
    assert outcome.delivered_text == ANSWER  # delivered once: no replayed or repeated deltas


def assert_partial(outcome: Outcome) -> None:
    error = outcome.error
    partial = getattr(error, "partial", None)
    assert partial is not None, repr(error)
    assert not partial.complete
    assert partial.text == outcome.delivered_text
    assert partial.text
    assert ANSWER.startswith(partial.text)
    assert partial.text != ANSWER


# ---------------------------------------------------------------------------- retried faults

RETRIED = {
    "429 storm with retry-after": [Fault.status(429, retry_after_ms=50)] * 2,
    "529 overloaded": [Fault.status(529)],
    "500": [Fault.status(500)],
    "reset before the headers": [Fault.reset()],
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fault", list(RETRIED))
def test_a_transient_failure_before_the_answer_is_retried_and_the_answer_arrives_once(
    fake_server: FakeServer, fault: str, mode: str
) -> None:
    """The three APIs at once (each route has its own queue), so the backoffs overlap."""
    for api in APIS:
        fake_server.queue(api, *RETRIED[fault])  # type: ignore[arg-type]

    with ThreadPoolExecutor(len(APIS)) as pool:
        answers = pool.map(lambda api: call(fake_server, api, mode), APIS)
        outcomes = dict(zip(APIS, answers, strict=True))

    for api, outcome in outcomes.items():
        assert_full_answer(outcome)
        requests = fake_server.requests_to(api)  # type: ignore[arg-type]
        assert len(requests) == len(RETRIED[fault]) + 1, api
        assert requests[-1].status == 200, api
        if fault.startswith("429"):  # the advised delay was waited for
            times = [request.time for request in requests]
            assert all(b - a >= 0.045 for a, b in itertools.pairwise(times)), api
    assert_no_connection_left(fake_server)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("api", APIS)
def test_a_429_storm_beyond_the_retry_budget_is_a_rate_limit_error_after_three_requests(
    fake_server: FakeServer, api: str, mode: str
) -> None:
    fake_server.always(api, Fault.status(429, retry_after_ms=50))  # type: ignore[arg-type]

    outcome = call(fake_server, api, mode)

    assert isinstance(outcome.error, mw.RateLimitError), repr(outcome.error)
    assert outcome.error.status == 429
    assert outcome.error.retry_after == pytest.approx(0.05)
    assert outcome.events == []
    assert len(fake_server.requests) == 3  # max_retries=2: the first attempt and two retries
    assert_no_connection_left(fake_server)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("api", APIS)
def test_a_429_asking_for_longer_than_is_waited_for_is_raised_at_once_with_the_advice(
    fake_server: FakeServer, api: str, mode: str
) -> None:
    """A retry-after of an hour (a spent quota) is beyond what a call waits: retrying sooner
    than the server asks would only spend the budget, so the caller gets the advice at once."""
    fake_server.queue(api, Fault.status(429, retry_after=3600))  # type: ignore[arg-type]

    outcome = call(fake_server, api, mode)

    assert isinstance(outcome.error, mw.RateLimitError), repr(outcome.error)
    assert outcome.error.retry_after == 3600
    assert len(fake_server.requests) == 1
    assert_no_connection_left(fake_server)


# ---------------------------------------------------------------------------- mid-stream faults

MID_STREAM: dict[str, tuple[Fault, type[mw.ModelwireError]]] = {
    "disconnect mid-stream": (Fault.disconnect_after(MID), mw.StreamInterruptedError),
    "stall beyond the idle timeout": (Fault.stall(5.0, after_events=MID), mw.APITimeoutError),
    "malformed line": (Fault.malformed_line(after_events=MID), mw.StreamDecodeError),
    "non-JSON data": (Fault.non_json(after_events=MID), mw.StreamDecodeError),
    "in-stream error": (
        Fault.stream_error("overloaded_error", after_events=MID),
        mw.OverloadedError,
    ),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("fault", list(MID_STREAM))
def test_a_fault_mid_stream_is_a_typed_error_carrying_the_partial_and_is_not_retried(
    fake_server: FakeServer, fault: str, api: str, mode: str
) -> None:
    injected, expected = MID_STREAM[fault]
    fake_server.queue(api, injected)  # type: ignore[arg-type]

    outcome = call(fake_server, api, mode, timeout=mw.Timeouts(read=IDLE))

    assert isinstance(outcome.error, expected), repr(outcome.error)
    assert_partial(outcome)
    [request] = fake_server.requests
    if fault.startswith("stall"):
        # The server's 5 s pause ended early: the client hung up when its idle timeout fired.
        assert request.stream is not None
        assert request.stream.wait(5)
        assert request.stream.client_disconnected
        assert request.stream.events_sent == MID
    assert_no_connection_left(fake_server)


# ---------------------------------------------------------------------------- expired credentials


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("api", APIS)
def test_an_expired_api_key_is_an_authentication_error_and_is_not_retried(
    fake_server: FakeServer, api: str, mode: str
) -> None:
    fake_server.queue(api, Fault.expired_token())  # type: ignore[arg-type]

    outcome = call(fake_server, api, mode)

    assert isinstance(outcome.error, mw.AuthenticationError), repr(outcome.error)
    assert outcome.error.status == 401
    assert outcome.events == []
    assert len(fake_server.requests) == 1
    assert fake_server.token_calls == {}
    assert_no_connection_left(fake_server)


OAUTH_ROUTES = {"chatgpt": "chatgpt", "claude": "messages"}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("provider", list(OAUTH_ROUTES))
def test_an_expired_oauth_token_is_refreshed_once_and_the_request_sent_once_more(
    server: FakeServer, file_store: FileStore, provider: str, mode: str
) -> None:
    sign_in(provider, file_store)
    before = file_store.load(provider)
    route = OAUTH_ROUTES[provider]
    server.queue(route, Fault.expired_token())  # type: ignore[arg-type]

    if mode == "sync":
        with mw.Client(provider) as client:
            response = client.create(input=WORDS, instructions="Echo.")
    else:

        async def ask() -> mw.Response:
            async with mw.AsyncClient(provider) as client:
                return await client.create(input=WORDS, instructions="Echo.")

        response = asyncio.run(ask())

    assert response.text == ANSWER
    first, second = server.requests_to(route)  # type: ignore[arg-type]
    assert (first.status, second.status) == (401, 200)
    assert server.token_calls[(provider, "refresh_token")] == 1
    after = file_store.load(provider)
    assert before is not None
    assert after is not None
    assert after["refresh_token"] != before["refresh_token"]
    assert second.headers["authorization"] == f"Bearer {after['access_token']}"
    assert_no_connection_left(server)
