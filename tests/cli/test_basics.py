"""The command itself: --version, --help, exit codes, a light import, `modelwire serve`."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import modelwire as mw
from modelwire.cli import run

from .conftest import Cli, Terminal


def test_version(cli: Cli) -> None:
    result = cli.run("--version")

    assert result.returncode == 0
    assert result.stdout == f"modelwire {mw.__version__}\n"


def test_help_lists_every_command(cli: Cli) -> None:
    result = cli.run("--help")

    assert result.returncode == 0
    for command in ("demo", "chat", "login", "logout", "auth", "serve", "env"):
        assert f"  {command} " in result.stdout


@pytest.mark.parametrize(
    "command",
    [("demo",), ("chat",), ("login",), ("logout",), ("auth", "status"), ("serve",), ("env",)],
)
def test_every_command_has_help(command: tuple[str, ...]) -> None:
    # In-process: one subprocess per command would only test Python's startup six times.
    assert run([*command, "--help"]) == 0


def test_an_unknown_command_is_a_usage_error(cli: Cli) -> None:
    result = cli.run("frobnicate")

    assert result.returncode == 2
    assert "No such command" in result.stderr


def test_the_console_script_is_modelwire_cli_main() -> None:
    [script] = entry_points(group="console_scripts", name="modelwire")

    assert script.value == "modelwire.cli:main"


def test_importing_the_cli_loads_no_client_server_auth_or_rich() -> None:
    code = (
        "import sys, modelwire.cli; "
        "heavy = ['modelwire.client', 'modelwire.testing.server', 'modelwire.auth.login', "
        "'httpx2', 'rich', 'uvicorn', 'starlette', 'pydantic']; "
        "print([name for name in heavy if name in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"


def read_banner(process: subprocess.Popen[str]) -> list[str]:
    """The lines `modelwire serve` prints before it waits for Ctrl-C."""
    assert process.stdout is not None
    lines = []
    while not lines or lines[-1] != "Ctrl-C stops the server.":
        line = process.stdout.readline()
        assert line, f"serve ended its banner early: {lines}"
        lines.append(line.rstrip("\n"))
    return lines


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery is POSIX")
def test_serve_prints_its_urls_answers_and_exits_130_on_ctrl_c(cli: Cli) -> None:
    with cli.popen("serve", "--port", "0") as process:
        banner = read_banner(process)
        assert banner[0].startswith("modelwire fake server listening on http://127.0.0.1:")
        url = banner[0].split()[-1]
        with mw.Client("openai", api_key="sk-test", base_url=f"{url}/v1") as client:
            assert client.create(input="ping").text == "You said: ping"

        process.send_signal(signal.SIGINT)
        process.wait(10)
        assert process.stderr is not None
        stderr = process.stderr.read()

    assert process.returncode == 130  # as README promises for an interrupted command
    assert "Traceback" not in stderr
    assert "Interrupted" in stderr


@pytest.mark.skipif(sys.platform == "win32", reason="signal delivery is POSIX")
@pytest.mark.parametrize(
    ("stop", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["INT", "TERM"]
)
def test_serve_banner_ends_with_the_environment_and_removes_its_home_on_exit(
    cli: Cli, stop: signal.Signals, exit_code: int
) -> None:
    with cli.popen("serve", "--port", "0") as process:
        banner = read_banner(process)
        url = banner[0].split()[-1]
        exports = dict(
            line.removeprefix("export ").split("=", 1)
            for line in banner
            if line.startswith("export ")
        )
        assert Path(exports["MODELWIRE_HOME"]).is_dir()
        described = cli.run("env", "--url", url, "--home", exports["MODELWIRE_HOME"])
        process.send_signal(stop)
        process.wait(10)

    assert [line for line in banner if line.startswith("export ")] == (
        described.stdout.splitlines()
    )
    assert f'eval "$(modelwire env --url {url})"' in "\n".join(banner)
    assert not Path(exports["MODELWIRE_HOME"]).exists()
    assert process.returncode == exit_code


def has_colour(text: str) -> bool:
    """Whether ANSI colour codes occur (NO_COLOR removes colour; bold and dim may stay)."""
    for parameters in re.findall(r"\x1b\[([0-9;]*)m", text):
        codes = [int(code) for code in parameters.split(";") if code]
        if any(30 <= code <= 38 or 40 <= code <= 48 or 90 <= code <= 107 for code in codes):
            return True
    return False


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_colour_on_a_terminal(cli: Cli) -> None:
    del cli.env["NO_COLOR"]
    terminal = Terminal(cli, "auth", "status", OPENAI_API_KEY="sk-test", TERM="xterm-256color")

    seen = terminal.expect("claude-oauth")

    assert terminal.wait() == 0
    assert has_colour(seen)


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_no_colour_on_a_terminal_with_no_color_set(cli: Cli) -> None:
    terminal = Terminal(cli, "auth", "status", OPENAI_API_KEY="sk-test", TERM="xterm-256color")

    seen = terminal.expect("claude-oauth")

    assert terminal.wait() == 0
    assert not has_colour(seen + terminal.output)


def test_no_colour_when_not_a_terminal(cli: Cli) -> None:
    del cli.env["NO_COLOR"]
    result = cli.run("auth", "status", OPENAI_API_KEY="sk-test")

    assert result.returncode == 0
    assert "\x1b[" not in result.stdout


def test_serve_refuses_to_listen_beyond_this_machine(cli: Cli) -> None:
    result = cli.run("serve", "--host", "0.0.0.0")

    assert result.returncode == 2
    assert "loopback" in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery is POSIX")
def test_serve_print_env_keeps_stdout_to_the_export_lines(cli: Cli) -> None:
    with cli.popen("serve", "--port", "0", "--print-env") as process:
        assert process.stdout is not None
        assert process.stderr is not None
        banner = ""
        while "Ctrl-C stops the server." not in banner:
            line = process.stderr.readline()
            assert line, banner
            banner += line
        process.send_signal(signal.SIGINT)
        process.wait(10)
        exports = process.stdout.read().splitlines()

    assert exports
    assert all(line.startswith("export ") for line in exports)
    assert any(line.startswith("export MODELWIRE_HOME=") for line in exports)
    assert "modelwire fake server listening on http://127.0.0.1:" in banner
    assert process.returncode == 130
