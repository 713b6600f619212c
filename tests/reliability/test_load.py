"""Load: many concurrent async streams over one AsyncClient against the embedded server.

Every stream gets its own answer (the echo of its own prompt), paced by the server
(``Fault.drip``) so that the streams really overlap. The server runs in a child process, so that
what is measured here is the client alone: after the client is closed, this process is back
where it started — the same open file descriptors (``/proc/self/fd``) and the same traced memory
(``tracemalloc``), within a small slack for caches that fill once. The baseline is taken after a
warm-up round, so imports and first-use caches do not count as growth.

The regular variant runs 200 streams on each API. The ``stress`` variants run 1000 at once,
rounds of 200 back to back (memory must not grow from round to round), and cancel half of 200
streams midway (against the in-process server, which sees each cancelled stream hang up).
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

import modelwire as mw
from modelwire.testing import FakeServer, Fault

APIS = ("responses", "chat", "messages")
PROVIDER = {"responses": "openai", "chat": "openai", "messages": "anthropic"}
KEY = {"openai": "sk-load-test-key", "anthropic": "sk-ant-load-test-key"}
PATH = {"openai": "/v1", "anthropic": ""}
MEMORY_SLACK = 512 * 1024  # bytes of traced memory allowed to remain (caches that fill once)
FD_SLACK = 2

SERVER = """
import sys
from modelwire.testing import FakeServer, Fault

with FakeServer() as server:
    for route in ("responses", "chat", "messages"):
        server.always(route, Fault.drip(0.01))
    print(server.url, flush=True)
    sys.stdin.read()  # serve until the test closes this pipe
"""


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    """The embedded server in a child process, each stream paced at 10 ms per event."""
    child = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        yield child.stdout.readline().strip()
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(10)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def prompt(number: int) -> str:
    return f"stream {number}"


def long_prompt(number: int) -> str:
    """A prompt whose echo takes a second to drip out: long after a cancel at its first text."""
    return f"stream {number} " + " ".join(["word"] * 200)


@dataclass
class Round:
    texts: dict[int, str]
    peak_streams: int  # streams receiving at the same moment


async def run_streams(
    url: str,
    api: str,
    count: int,
    *,
    cancel: Callable[[int], bool] | None = None,
    prompt_of: Callable[[int], str] = prompt,
) -> Round:
    """``count`` concurrent streams over one AsyncClient, each read to its end (or cancelled
    at its first text when ``cancel(number)``); the client is closed before this returns."""
    texts: dict[int, str] = {}
    receiving = peak = 0
    provider = PROVIDER[api]
    client = mw.AsyncClient(
        provider,
        api,  # type: ignore[arg-type]
        api_key=KEY[provider],
        base_url=url + PATH[provider],
    )
    async with client:

        async def one(number: int) -> None:
            nonlocal receiving, peak
            started = False
            try:
                async with client.stream(model="m", input=prompt_of(number)) as stream:
                    async for event in stream:
                        if not started:
                            started = True
                            receiving += 1
                            peak = max(peak, receiving)
                        if (
                            cancel is not None
                            and cancel(number)
                            and isinstance(event, mw.TextDelta)
                        ):
                            # Abandoned midway: the task is cancelled at its next await, inside
                            # the stream's read.
                            task = asyncio.current_task()
                            assert task is not None
                            task.cancel()
                    texts[number] = stream.response.text
            except asyncio.CancelledError:
                texts[number] = "<cancelled>"
            finally:
                receiving -= started

        await asyncio.gather(*(one(number) for number in range(count)))
    return Round(texts, peak)


@contextmanager
def traced() -> Iterator[Callable[[], int]]:
    tracemalloc.start()
    try:
        yield lambda: tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


def assert_all_answered(
    texts: dict[int, str],
    numbers: Iterator[int] | range,
    prompt_of: Callable[[int], str] = prompt,
) -> None:
    expected = {number: f"You said: {prompt_of(number)}" for number in numbers}
    assert texts == expected


@pytest.fixture(scope="module")
def warm(server_url: str) -> str:
    """The server's URL, once a few streams of each API have run: imports and first-use caches
    are in place before any baseline is taken."""
    for api in APIS:
        asyncio.run(run_streams(server_url, api, 10))
    gc.collect()
    return server_url


@pytest.mark.parametrize("api", APIS)
def test_200_concurrent_streams_over_one_client_all_get_their_own_answer_and_leak_nothing(
    warm: str, api: str
) -> None:
    fds_before = open_fds()
    with traced() as memory:
        memory_before = memory()

        result = asyncio.run(run_streams(warm, api, 200))

        assert_all_answered(result.texts, range(200))
        assert result.peak_streams >= 50  # they did run side by side
        gc.collect()
        assert memory() - memory_before < MEMORY_SLACK
    assert open_fds() - fds_before <= FD_SLACK


@pytest.mark.stress
@pytest.mark.parametrize("api", APIS)
def test_1000_concurrent_streams_over_one_client_all_get_their_own_answer_and_leak_nothing(
    warm: str, api: str
) -> None:
    fds_before = open_fds()
    with traced() as memory:
        memory_before = memory()

        result = asyncio.run(run_streams(warm, api, 1000))

        assert_all_answered(result.texts, range(1000))
        gc.collect()
        assert memory() - memory_before < MEMORY_SLACK
    assert open_fds() - fds_before <= FD_SLACK


@pytest.mark.stress
@pytest.mark.parametrize("api", APIS)
def test_memory_does_not_grow_over_rounds_of_200_streams(warm: str, api: str) -> None:
    with traced() as memory:
        after_round = []
        for _ in range(8):
            assert_all_answered(asyncio.run(run_streams(warm, api, 200)).texts, range(200))
            gc.collect()
            after_round.append(memory())
    # What stays between rounds swings a little (weak task maps, free lists) but never sinks
    # below a floor; a leak raises the floor. The lowest of the last rounds against the lowest of
    # the first, 600 streams apart: a leak of 100 bytes per stream would show.
    assert min(after_round[-3:]) - min(after_round[:3]) < 60 * 1024, after_round


@pytest.mark.stress
@pytest.mark.parametrize("api", APIS)
def test_streams_cancelled_midway_under_load_hang_up_and_leak_nothing(
    fake_server: FakeServer, api: str
) -> None:
    url = fake_server.url
    fake_server.always(api, Fault.drip(0.01))  # type: ignore[arg-type]
    asyncio.run(run_streams(url, api, 10))  # warm-up
    assert fake_server.wait_for(lambda: fake_server.open_connections == 0)
    fake_server.reset()
    fake_server.always(api, Fault.drip(0.01))  # type: ignore[arg-type]
    fds_before = open_fds()
    chosen = set(random.Random(7).sample(range(200), 100))

    result = asyncio.run(
        run_streams(url, api, 200, cancel=chosen.__contains__, prompt_of=long_prompt)
    )

    assert sorted(n for n, t in result.texts.items() if t == "<cancelled>") == sorted(chosen)
    finished = {n: t for n, t in result.texts.items() if n not in chosen}
    assert_all_answered(finished, iter(sorted(finished)), long_prompt)
    streams = [r.stream for r in fake_server.requests if r.stream is not None]
    assert all(stream.wait(5) for stream in streams)
    assert sum(stream.client_disconnected for stream in streams) == 100
    assert fake_server.wait_for(lambda: fake_server.open_connections == 0)
    deadline = time.monotonic() + 5
    while open_fds() - fds_before > FD_SLACK and time.monotonic() < deadline:
        time.sleep(0.01)
    assert open_fds() - fds_before <= FD_SLACK
