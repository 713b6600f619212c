"""Single-flight refresh: threads, asyncio tasks and processes that all find the token expired at
once cause exactly one refresh at the token endpoint, and all of them succeed with its result."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import modelwire as mw
from modelwire.auth.store import FileStore
from modelwire.testing import FakeServer, Fault

from .helpers import expire_locally, sign_in
from .test_refresh import api_requests, bearer, other_program_spends, refreshes

THREADS, TASKS, PROCESSES = 8, 8, 4

CHILD = """
import json, os, sys, time
import modelwire as mw

provider, ready, go = sys.argv[1:4]
client = mw.Client(provider)          # reads the expired sign-in from the store
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.002)
response = client.create(input="Say hi", instructions="Be brief.")
print(json.dumps({"text": response.text}))
"""


def ask(provider: str) -> str:
    with mw.Client(provider) as client:
        return client.create(input="Say hi", instructions="Be brief.").text


@pytest.mark.parametrize("provider", ["claude", "chatgpt"])
def test_one_refresh_for_threads_tasks_and_processes(
    provider: str, server: FakeServer, file_store: FileStore, tmp_path: Path
) -> None:
    sign_in(provider, file_store)
    expire_locally(file_store, provider)
    server.expire_tokens(provider)

    # Processes start first (they take longest) and wait for the go file.
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(PROCESSES)]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, provider, str(flag), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for flag in ready
    ]
    start = threading.Event()
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def thread_worker(client: mw.Client) -> None:
        start.wait()
        try:
            text = client.create(input="Say hi", instructions="Be brief.").text
        except BaseException as error:
            with lock:
                errors.append(error)
        else:
            with lock:
                results.append(text)
        finally:
            client.close()

    async def tasks_main() -> list[Any]:
        async with mw.AsyncClient(provider) as client:  # tasks share one client, one auth
            await asyncio.to_thread(start.wait)
            calls = [client.create(input="Say hi", instructions="Be brief.") for _ in range(TASKS)]
            return await asyncio.gather(*calls, return_exceptions=True)

    task_results: list[Any] = []
    threads = [
        threading.Thread(target=thread_worker, args=(mw.Client(provider),)) for _ in range(THREADS)
    ]
    loop_thread = threading.Thread(target=lambda: task_results.extend(asyncio.run(tasks_main())))
    try:
        for thread in [*threads, loop_thread]:
            thread.start()
        assert server.wait_for(lambda: all(flag.exists() for flag in ready), timeout=20)
        # Hold the one refresh at the token endpoint for a moment, so everyone else piles up
        # behind it rather than arriving after it is done.
        server.queue(f"{provider}-token", Fault.stall(0.3, after_events=None))  # type: ignore[arg-type]
        go.touch()
        start.set()
        for thread in [*threads, loop_thread]:
            thread.join(20)
        outputs = [child.communicate(timeout=20) for child in children]
    finally:
        for child in children:
            child.kill()

    assert not errors, errors
    assert len(results) == THREADS
    assert all(results)
    assert len(task_results) == TASKS
    assert all(isinstance(r, mw.Response) and r.text for r in task_results), task_results
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert json.loads(out)["text"]

    assert refreshes(server, provider) == 1
    sent = api_requests(server, provider)
    assert len(sent) == THREADS + TASKS + PROCESSES
    assert {request.status for request in sent} == {200}
    stored = file_store.load(provider)
    assert stored is not None
    assert {bearer(request) for request in sent} == {stored["access_token"]}
    # The store holds the newest tokens: the next request needs no refresh, and the stored
    # refresh token is the living one.
    assert ask(provider)
    assert refreshes(server, provider) == 1
    other_program_spends(server, provider, stored["refresh_token"])


def test_a_401_seen_by_many_threads_refreshes_once(
    server: FakeServer, file_store: FileStore
) -> None:
    sign_in("claude", file_store)
    clients = [mw.Client("claude") for _ in range(THREADS)]
    server.expire_tokens("claude")  # the server refuses the token; modelwire learns from the 401
    server.queue("claude-token", Fault.stall(0.2, after_events=None))
    barrier = threading.Barrier(THREADS)
    texts: list[str] = []

    def work(client: mw.Client) -> None:
        barrier.wait()
        with client:
            texts.append(client.create(input="Say hi").text)

    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert len(texts) == THREADS
    assert refreshes(server, "claude") == 1
    statuses = [request.status for request in api_requests(server, "claude")]
    assert statuses.count(200) == THREADS
    assert statuses.count(401) == THREADS


async def test_a_refresh_does_not_block_the_event_loop(
    server: FakeServer, file_store: FileStore
) -> None:
    sign_in("claude", file_store)
    expire_locally(file_store, "claude")
    server.queue("claude-token", Fault.stall(0.3, after_events=None))
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beat = asyncio.create_task(ticker())
    try:
        async with mw.AsyncClient("claude") as client:
            response = await client.create(input="Say hi")
    finally:
        beat.cancel()
    assert response.text
    assert refreshes(server, "claude") == 1
    assert ticks >= 15  # the loop kept running through the 0.3 s the refresh was held
