"""`modelwire env`: the export lines that point a shell at the embedded server, evaluated by a
real shell, then used by modelwire and by the official openai and anthropic SDKs."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from modelwire.testing import FakeServer

from .conftest import Cli

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell")

# Runs in the shell that evaluated the export lines; it reads nothing but the environment.
PROGRAM = textwrap.dedent(
    """
    import json, os, threading

    import anthropic
    import httpx2
    import openai

    import modelwire as mw
    from modelwire.auth import login_chatgpt, login_claude

    answers = {}
    with mw.Client("openai") as client:
        answers["modelwire openai"] = client.create(input="ping").text
    with mw.Client("anthropic") as client:
        answers["modelwire anthropic"] = client.create(input="ping").text

    official = openai.OpenAI().responses.create(model="gpt-5.1", input="ping")
    answers["openai sdk"] = official.output_text
    message = anthropic.Anthropic().messages.create(
        model="claude-sonnet-4-5", max_tokens=64, messages=[{"role": "user", "content": "ping"}]
    )
    answers["anthropic sdk"] = message.content[0].text

    # Both sign-ins, against the OAuth servers the environment names.
    browser = httpx2.Client(follow_redirects=True, trust_env=False, timeout=10)
    def visit(url):
        threading.Thread(target=browser.get, args=(url,), daemon=True).start()
    login_chatgpt(open_browser=False, on_url=visit, port=0)
    urls = []
    login_claude(
        open_browser=False,
        on_url=urls.append,
        read_code=lambda: browser.get(urls[-1], headers={"accept": "application/json"}).json()[
            "code"
        ],
    )
    with mw.Client("chatgpt") as client:
        answers["modelwire chatgpt"] = client.create(input="ping").text
    with mw.Client("claude") as client:
        answers["modelwire claude"] = client.create(input="ping").text

    print(json.dumps({"answers": answers, "home": os.environ["MODELWIRE_HOME"]}))
    """
)


def shell_environment(cli: Cli) -> dict[str, str]:
    """The test's clean environment without its own MODELWIRE_* settings: only the evaluated
    lines say where things are, and `modelwire` and `python` are this virtualenv's."""
    env = {k: v for k, v in cli.env.items() if not k.startswith("MODELWIRE_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_evaluated_lines_point_modelwire_and_the_official_sdks_at_the_server(
    cli: Cli, fake_server: FakeServer, tmp_path: Path
) -> None:
    program = tmp_path / "program.py"
    program.write_text(PROGRAM)
    if shutil.which("bash") is None:
        raise AssertionError("the test needs bash")

    result = subprocess.run(
        [
            "bash", "-c", 'eval "$(modelwire env --url "$1")" && python "$2"',
            "bash", fake_server.url, str(program),
        ],
        capture_output=True, text=True, timeout=120, env=shell_environment(cli), check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["answers"] == {
        "modelwire openai": "You said: ping",
        "modelwire anthropic": "You said: ping",
        "openai sdk": "You said: ping",
        "anthropic sdk": "You said: ping",
        "modelwire chatgpt": "You said: ping",
        "modelwire claude": "You said: ping",
    }
    routes = [request.route for request in fake_server.requests]
    for route in ("responses", "messages", "chatgpt", "chatgpt-token", "claude-token"):
        assert route in routes
    # The sign-ins went to the throwaway home, in the file store; the user's home is untouched.
    home = Path(report["home"])
    try:
        assert home.resolve().is_relative_to(Path(tempfile.gettempdir()).resolve())
        saved = json.loads((home / "auth.json").read_text())["providers"]
        assert set(saved) == {"chatgpt", "claude"}
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert not (cli.root / "user-home").exists()


def test_every_line_is_an_export_with_a_base_url_oauth_endpoint_key_and_home(
    cli: Cli, tmp_path: Path
) -> None:
    result = cli.run("env", "--url", "http://127.0.0.1:8080", "--home", str(tmp_path / "h"))

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(line.startswith("export ") for line in lines)
    env = dict(shlex.split(line.removeprefix("export "))[0].split("=", 1) for line in lines)
    assert env["OPENAI_BASE_URL"] == "http://127.0.0.1:8080/v1"
    assert env["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:8080"
    assert env["MODELWIRE_CHATGPT_BASE_URL"] == "http://127.0.0.1:8080/backend-api/codex"
    assert env["MODELWIRE_CLAUDE_BASE_URL"] == "http://127.0.0.1:8080"
    assert env["MODELWIRE_CHATGPT_TOKEN_URL"] == "http://127.0.0.1:8080/oauth/token"
    assert env["MODELWIRE_CLAUDE_TOKEN_URL"] == "http://127.0.0.1:8080/v1/oauth/token"
    for name in ("AUTHORIZE_URL", "CLIENT_ID"):
        assert env[f"MODELWIRE_CHATGPT_{name}"]
        assert env[f"MODELWIRE_CLAUDE_{name}"]
    assert env["OPENAI_API_KEY"].startswith("sk-")
    assert env["ANTHROPIC_API_KEY"].startswith("sk-ant-")
    assert env["MODELWIRE_HOME"] == str(tmp_path / "h")
    assert env["MODELWIRE_AUTH_STORE"] == "file"  # the keyring is not isolated by a home


def test_without_home_each_run_makes_a_private_temporary_one(cli: Cli) -> None:
    result = cli.run("env", "--url", "http://127.0.0.1:8080")

    [line] = [line for line in result.stdout.splitlines() if "MODELWIRE_HOME=" in line]
    home = Path(shlex.split(line.removeprefix("export "))[0].split("=", 1)[1])
    try:
        assert home.is_dir()
        assert oct(home.stat().st_mode & 0o777) == oct(0o700)
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.parametrize(
    "url", ["127.0.0.1:8080", "http://127.0.0.1", "http://127.0.0.1:8080/v1", "ftp://x:1"]
)
def test_a_url_that_is_not_the_servers_root_is_a_usage_error(cli: Cli, url: str) -> None:
    result = cli.run("env", "--url", url)

    assert result.returncode == 2
    assert "http://127.0.0.1:PORT" in result.stderr


def test_a_url_beyond_this_machine_is_a_usage_error(cli: Cli) -> None:
    result = cli.run("env", "--url", "http://192.0.2.1:8080")

    assert result.returncode == 2
    assert "loopback" in result.stderr
