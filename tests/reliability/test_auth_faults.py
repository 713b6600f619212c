"""Sign-ins under faults: a failing token endpoint, a process killed mid-refresh, and many
processes refreshing at once. Real HTTP against the embedded OAuth servers, the real file store.

**Token endpoint 500 during a refresh.** Retried with backoff; the store is not touched until a
refresh succeeds (then it holds the rotated tokens), and is left byte for byte as it was when
the refreshes keep failing.

**A crash between the refresh response and the store write.** The file store writes atomically
under a lock, so the only crash that matters is one after the token server rotated the refresh
token and before the new tokens were saved: the store keeps the old refresh token, which the
server has retired. The design relies on what follows: the next refresh gets the reuse error,
re-reads the store, and reports ``LoginRequiredError`` (unless another process saved newer
tokens meanwhile, which tests/auth/test_refresh.py covers). How it is tested here, without
patching modelwire: a child process runs an ordinary ``create()`` whose refresh is held for a
moment at the token endpoint; meanwhile the test puts a FIFO where ``auth.json`` is. The server
then grants the refresh (rotating the refresh token), and the child, holding the store lock,
blocks in ``open()`` on the FIFO when it re-reads the store to save: it has the new tokens in
memory and nothing on disk. The test checks in ``/proc/<pid>/wchan`` that the child is blocked
there, kills it with SIGKILL, and puts the old ``auth.json`` back — the store as the crash left
it. Then: the lock the dead process held is free at once (the OS releases it), the next request
gets ``LoginRequiredError``, nothing is left behind in the folder, and after a new login every
client works again.

**A multi-process refresh race** (as tests/auth/test_concurrency.py, repeated: 3 rounds in the
regular run, 20 under ``stress``): in every round, worker processes and threads all find the
token expired at once; exactly one refresh happens, every request succeeds, and the next round
starts from what the store holds — a login lost in any round fails every round after it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import modelwire as mw
from modelwire.auth import LoginRequiredError, TokenRefreshError
from modelwire.auth.store import FileStore
from modelwire.testing import FakeServer, Fault

from ..auth.helpers import expire_locally, sign_in
from ..auth.test_refresh import api_requests, bearer, other_program_spends, refreshes

pytestmark = pytest.mark.usefixtures("clean_env")

PROVIDERS = ["chatgpt", "claude"]


def ask(provider: str) -> str:
    with mw.Client(provider) as client:
        return client.create(input="Say hi", instructions="Be brief.").text


@contextmanager
def in_background(work: Any) -> Iterator[dict[str, Any]]:
    """Run ``work()`` on a thread; the dict gets its ``result`` or ``error`` once joined."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield outcome
    finally:
        thread.join(30)


# ---------------------------------------------------------------------------- token endpoint 500


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_500_from_the_token_endpoint_is_retried_and_the_store_changes_only_on_success(
    provider: str, server: FakeServer, file_store: FileStore
) -> None:
    sign_in(provider, file_store)
    expire_locally(file_store, provider)
    before = file_store.path.read_bytes()
    old = file_store.load(provider)
    assert old is not None
    # The first refresh fails; the retry is held at the endpoint for a moment, before it is
    # granted, so the store can be looked at between the failure and the success.
    server.queue(
        f"{provider}-token",  # type: ignore[arg-type]
        Fault.status(500),
        Fault.stall(0.3, after_events=None),
    )

    with in_background(lambda: ask(provider)) as outcome:
        assert server.wait_for(lambda: refreshes(server, provider) == 2, timeout=10)
        assert file_store.path.read_bytes() == before

    assert "error" not in outcome, outcome.get("error")
    assert outcome["result"]
    assert refresh_statuses(server, provider) == [500, 200]
    new = file_store.load(provider)
    assert new is not None
    assert new["refresh_token"] != old["refresh_token"]
    [sent] = api_requests(server, provider)
    assert bearer(sent) == new["access_token"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_token_endpoint_that_keeps_failing_leaves_the_store_exactly_as_it_was(
    provider: str, server: FakeServer, file_store: FileStore
) -> None:
    sign_in(provider, file_store)
    expire_locally(file_store, provider)
    before = file_store.path.read_bytes()
    server.always(f"{provider}-token", Fault.status(500))  # type: ignore[arg-type]

    with pytest.raises(TokenRefreshError, match="HTTP 500"):
        ask(provider)

    assert refreshes(server, provider) == 3  # the first attempt and two retries
    assert api_requests(server, provider) == []
    assert file_store.path.read_bytes() == before


# ---------------------------------------------------------------------------- killed mid-refresh

REFRESHING_CHILD = """
import sys
import modelwire as mw

with mw.Client(sys.argv[1]) as client:  # the stored access token has expired: it refreshes
    client.create(input="Say hi", instructions="Be brief.")
print("the store write did not block")
"""


def refresh_statuses(server: FakeServer, provider: str) -> list[int | None]:
    """The statuses of the token endpoint's answers to refresh grants, in order."""
    return [
        request.status
        for request in server.requests_to(f"{provider}-token")  # type: ignore[arg-type]
        if (request.json or request.form or {}).get("grant_type") == "refresh_token"
    ]


def blocked_opening_a_fifo(pid: int) -> bool:
    """Whether the process sleeps in the kernel waiting for a FIFO's other end."""
    return Path(f"/proc/{pid}/wchan").read_text() in ("wait_for_partner", "fifo_open")


def put_back(path: Path, data: bytes) -> None:
    """Replace ``path`` (whatever it is now) with a 0600 file holding ``data``."""
    temp = path.with_name("restored.tmp")
    temp.write_bytes(data)
    temp.chmod(0o600)
    os.replace(temp, path)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_process_killed_after_its_refresh_but_before_saving_costs_the_login_and_nothing_else(
    provider: str, server: FakeServer, file_store: FileStore
) -> None:
    sign_in(provider, file_store)
    expire_locally(file_store, provider)
    before = file_store.path.read_bytes()
    waiting_client = mw.Client(provider)  # a long-lived client of this process, made before
    server.queue(f"{provider}-token", Fault.stall(0.4, after_events=None))  # type: ignore[arg-type]
    child = subprocess.Popen(
        [sys.executable, "-c", REFRESHING_CHILD, provider],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The child's refresh request has arrived and is held: swap the store for a FIFO.
        assert server.wait_for(lambda: refreshes(server, provider) == 1, timeout=30)
        fifo = file_store.path.with_name("fifo.tmp")
        os.mkfifo(fifo, 0o600)
        os.replace(fifo, file_store.path)
        # The server grants the refresh; the child, about to save, blocks opening the store.
        assert server.wait_for(lambda: refresh_statuses(server, provider) == [200], timeout=10)
        assert server.wait_for(lambda: blocked_opening_a_fifo(child.pid), timeout=10)
        assert child.poll() is None
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=10)
    finally:
        child.kill()
        put_back(file_store.path, before)

    assert child.returncode == -signal.SIGKILL, (out, err)
    assert file_store.path.read_bytes() == before  # the new tokens died with the process
    started = time.monotonic()
    with pytest.raises(LoginRequiredError, match=f"run `modelwire login {provider}`$"):
        ask(provider)
    assert time.monotonic() - started < 10  # the dead process's store lock was released
    assert refresh_statuses(server, provider) == [200, 401 if provider == "chatgpt" else 400]
    # The dead sign-in is left as it was, only marked rejected for `auth status`.
    after = json.loads(file_store.path.read_bytes())
    record = after["providers"][provider]
    assert "rejected by the token server" in record.pop("rejected_reason")
    assert record.pop("rejected_at") > 0
    assert after == json.loads(before)
    assert sorted(p.name for p in file_store.path.parent.iterdir()) == [
        "auth.json",
        "auth.json.lock",
    ]

    # A new login (in any process) makes every client work again, the waiting one included.
    sign_in(provider, file_store)
    with waiting_client:
        assert waiting_client.create(input="Say hi", instructions="Be brief.").text
    assert ask(provider)


# ---------------------------------------------------------------------------- refresh race

WORKER = """
import json, sys
import modelwire as mw

provider = sys.argv[1]
print("ready", flush=True)
for _ in sys.stdin:  # one line per round: a fresh client, one request
    try:
        with mw.Client(provider) as client:
            text = client.create(input="Say hi", instructions="Be brief.").text
        print(json.dumps({"text": text}), flush=True)
    except Exception as error:
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
"""


@contextmanager
def worker_processes(provider: str, count: int) -> Iterator[list[subprocess.Popen[str]]]:
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, provider],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready", worker.stderr
        yield workers
    finally:
        for worker in workers:
            worker.kill()
            worker.communicate(timeout=10)


def race_round(
    server: FakeServer,
    provider: str,
    file_store: FileStore,
    workers: list[subprocess.Popen[str]],
    threads: int,
) -> list[dict[str, Any]]:
    """Every worker process and thread finds the token expired at once and makes a request."""
    expire_locally(file_store, provider)
    server.expire_tokens(provider)  # type: ignore[arg-type]
    # The one refresh is held for a moment, so that everyone else piles up behind it.
    server.queue(f"{provider}-token", Fault.stall(0.15, after_events=None))  # type: ignore[arg-type]
    barrier = threading.Barrier(threads)
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    def in_thread() -> None:
        barrier.wait()
        try:
            result = {"text": ask(provider)}
        except Exception as error:
            result = {"error": f"{type(error).__name__}: {error}"}
        with lock:
            results.append(result)

    pool = [threading.Thread(target=in_thread) for _ in range(threads)]
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    for thread in pool:
        thread.start()
    for worker in workers:
        assert worker.stdout is not None
        results.append(json.loads(worker.stdout.readline()))
    for thread in pool:
        thread.join(30)
    return results


def assert_race_rounds(
    server: FakeServer, provider: str, file_store: FileStore, rounds: int, processes: int
) -> None:
    threads = 4
    sign_in(provider, file_store)
    with worker_processes(provider, processes) as workers:
        for number in range(1, rounds + 1):
            results = race_round(server, provider, file_store, workers, threads)

            assert [r for r in results if "error" in r] == [], f"round {number}"
            assert len(results) == processes + threads
            assert refreshes(server, provider) == number, f"round {number}"
    # The store holds the living refresh token: the token server still takes it.
    stored = file_store.load(provider)
    assert stored is not None
    other_program_spends(server, provider, stored["refresh_token"])


@pytest.mark.parametrize("provider", PROVIDERS)
def test_processes_and_threads_racing_to_refresh_refresh_once_per_round_and_lose_no_login(
    provider: str, server: FakeServer, file_store: FileStore
) -> None:
    assert_race_rounds(server, provider, file_store, rounds=3, processes=3)


@pytest.mark.stress
@pytest.mark.parametrize("provider", PROVIDERS)
def test_twenty_rounds_of_racing_refreshes_lose_no_login(
    provider: str, server: FakeServer, file_store: FileStore
) -> None:
    assert_race_rounds(server, provider, file_store, rounds=20, processes=6)
