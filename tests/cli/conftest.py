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
    """``modelwire`` on a real pseudo-terminal (pexpect; POSIX), for what only happens on a TTY:
    the interactive chat, live indicators, colour. ``expect`` reads until a text appears;
    ``send`` types; ``output`` is what ``wait`` read after the last ``expect``, ``transcript``
    everything the terminal showed."""

    def __init__(self, cli: Cli, *args: str, columns: int = 120, **env: str) -> None:
        import pexpect

        self.output = ""
        self.transcript = ""
        self.exit_code: int | None = None
        self.child = pexpect.spawn(
            sys.executable,
            [*COMMAND[1:], *args],
            env={**cli.env, **env},
            encoding="utf-8",
            codec_errors="replace",
            dimensions=(24, columns),
            echo=False,
        )

    def expect(self, text: str, timeout: float = 10) -> str:
        """Everything read up to and including ``text``; fails after ``timeout`` seconds."""
        import pexpect

        try:
            self.child.expect_exact(text, timeout=timeout)
        except (pexpect.TIMEOUT, pexpect.EOF) as error:
            seen = self.transcript + str(self.child.before or "")
            ended = "before the end" if isinstance(error, pexpect.EOF) else "in time"
            raise AssertionError(
                f"{text!r} did not appear {ended}; the terminal shows:\n{seen}"
            ) from None
        seen = (str(self.child.before) + str(self.child.after)).replace("\r\n", "\n")
        self.transcript += seen
        return seen

    def send(self, text: str) -> None:
        self.child.send(text)

    def interrupt(self) -> None:
        self.child.sendintr()  # Ctrl-C: the terminal sends SIGINT to the command

    def wait(self, timeout: float = 10) -> int:
        import pexpect

        try:
            self.child.expect(pexpect.EOF, timeout=timeout)
        except pexpect.TIMEOUT:
            self.child.terminate(force=True)
            raise AssertionError(
                f"the command did not exit; the terminal shows:\n{self.child.before}"
            ) from None
        self.output = str(self.child.before).replace("\r\n", "\n")
        self.transcript += self.output
        self.child.close()
        status = self.child.exitstatus
        if status is None:  # killed by a signal
            status = -int(self.child.signalstatus or 0)
        self.exit_code = status
        return status
