"""Third-party mock servers run as subprocesses on loopback, for the thirdparty tests.

Each server is someone else's package from the registry; the tests start it, wait until it
answers, and stop it (SIGTERM, then SIGKILL) when the module's tests are done. Their output goes to
a log file that a failed start quotes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx2

HERE = Path(__file__).parent
#: Generous: a cold start imports FastAPI and friends on a machine shared by many test runs.
START_TIMEOUT = 120.0
STOP_TIMEOUT = 10.0


class ServerStartError(RuntimeError):
    """The server exited or did not answer in time; the message quotes its log."""


@dataclass
class ServerProcess:
    """A running server: its root URL (``http://127.0.0.1:PORT``), its process and its log."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def offline_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The test's environment without proxies (loopback only), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def _tail(log: Path, lines: int = 40) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _spawn(
    argv: Sequence[str], log: Path, env: Mapping[str, str], cwd: Path
) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            list(argv),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env),
            cwd=cwd,
        )


def _answers(url: str) -> bool:
    try:
        response = httpx2.get(url, timeout=2.0)
    except httpx2.HTTPError:
        return False
    return response.status_code < 500


def start_announcing(
    name: str, argv: Sequence[str], log_dir: Path, env: Mapping[str, str] | None = None
) -> ServerProcess:
    """Start a server that binds an ephemeral port itself and prints ``listening <url>``."""
    log = log_dir / f"{name}.log"
    process = _spawn(argv, log, offline_env(env), log_dir)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("listening "):
                return ServerProcess(name, line.split(" ", 1)[1].strip(), process, log)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    ServerProcess(name, "", process, log).stop()
    raise ServerStartError(f"{name} did not start:\n{_tail(log)}")


def start_on_port(
    name: str,
    argv_for_port: Callable[[int], Sequence[str]],
    ready_path: str,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    attempts: int = 3,
) -> ServerProcess:
    """Start a server that takes its port on the command line, and poll ``ready_path`` until it
    answers. A free port can be taken by someone else before the server binds it: try again."""
    log = log_dir / f"{name}.log"
    for _ in range(attempts):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = _spawn(argv_for_port(port), log, offline_env(env), log_dir)
        server = ServerProcess(name, url, process, log)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if _answers(url + ready_path):
                return server
            time.sleep(0.1)
        server.stop()
    raise ServerStartError(f"{name} did not start:\n{_tail(log)}")


def python_module(module: str, *args: str) -> list[str]:
    """Run a module of this interpreter's environment (where the dev dependencies live)."""
    return [sys.executable, "-m", module, *args]
