"""Helpers of the CLI tests: the `modelwire` command run in a subprocess, in an environment with
no real credentials (a private HOME and MODELWIRE_HOME, the file store, no colour)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Variables that could carry the machine's credentials, endpoints or proxies into a test.
FOREIGN_PREFIXES = ("OPENAI_", "ANTHROPIC_", "MODELWIRE_", "CODEX_", "CLAUDE_", "PYTHON_KEYRING")
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
# Variables that would override rich's own decision about colour and terminals.
TERMINAL_OVERRIDES = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES")
COMMAND = (sys.executable, "-m", "modelwire.cli")


class Cli:
    """Runs ``modelwire`` with a controlled environment; ``env`` may be changed per test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "mw-home"
        self.env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(FOREIGN_PREFIXES)
            and name.upper() not in PROXY_VARIABLES
            and name not in TERMINAL_OVERRIDES
        }
        self.env.update(
            HOME=str(root / "user-home"),
            MODELWIRE_HOME=str(self.home),
            MODELWIRE_AUTH_STORE="file",
            NO_COLOR="1",
            COLUMNS="120",
            PYTHONIOENCODING="utf-8",
        )

    def run(
        self, *args: str, input: str | None = None, timeout: float = 30, **env: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*COMMAND, *args],
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
            env={**self.env, **env},
            check=False,
        )

    def popen(self, *args: str, **env: str) -> subprocess.Popen[str]:
        """Started with stdin, stdout and stderr as pipes (close stdin for "not a terminal")."""
        return subprocess.Popen(
            [*COMMAND, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env={**self.env, **env},
        )


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


class Terminal:
    """``modelwire`` on a pseudo-terminal (POSIX), for what only happens on a TTY: the
    interactive chat, colour. ``expect`` reads until a text appears; ``send`` types."""

    def __init__(self, cli: Cli, *args: str, **env: str) -> None:
        import codecs
        import pty

        self.output = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pid, fd = pty.fork()
        if pid == 0:  # the child: become the command, on the terminal
            os.execve(sys.executable, [*COMMAND, *args], {**cli.env, **env})
        self.pid, self.fd = pid, fd
        self.exit_code: int | None = None

    def expect(self, text: str, timeout: float = 10) -> str:
        """Everything read up to and including ``text``; fails after ``timeout`` seconds."""
        import select
        import time

        deadline = time.monotonic() + timeout
        while text not in self.output:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
                raise AssertionError(f"{text!r} did not appear; the terminal shows:\n{self.output}")
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # EIO: the command closed the terminal
                chunk = b""
            if not chunk:
                raise AssertionError(f"{text!r} did not appear before the end:\n{self.output}")
            self.output += self._decoder.decode(chunk).replace("\r\n", "\n")
        end = self.output.index(text) + len(text)
        seen, self.output = self.output[:end], self.output[end:]
        return seen

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def interrupt(self) -> None:
        self.send("\x03")  # Ctrl-C: the terminal sends SIGINT to the command

    def wait(self, timeout: float = 10) -> int:
        import select
        import time

        deadline = time.monotonic() + timeout
        while self.exit_code is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.exit_code = os.waitstatus_to_exitcode(status)
            elif time.monotonic() > deadline:
                os.kill(self.pid, 9)
                raise AssertionError(
                    f"the command did not exit; the terminal shows:\n{self.output}"
                )
            elif select.select([self.fd], [], [], 0.05)[0]:
                try:
                    self.output += self._decoder.decode(os.read(self.fd, 65536))
                except OSError:  # EIO: the command closed the terminal
                    time.sleep(0.01)
        os.close(self.fd)
        return self.exit_code
