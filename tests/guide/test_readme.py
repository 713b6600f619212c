"""The README's commands and examples are true: its code runs, as printed, against the embedded
server (the environment points every endpoint there, as a user's would point at the real ones)."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import httpx2
import pytest

from modelwire.auth import login_chatgpt, login_claude
from modelwire.testing import FakeServer, Script

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
TEST_COMMAND = "python3 -m pip install nox && python3 -m nox -s tests"
DEMO_COMMAND = "python3 -m pip install nox && python3 -m nox -s demo"


def block_containing(text: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", README, re.DOTALL)
    [block] = [str(block) for block in blocks if text in block]
    return block


def run_block(text: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "readme"}
    exec(compile(block_containing(text), "README.md", "exec"), namespace)
    return namespace


def test_the_first_command_runs_the_demo_and_the_second_the_tests() -> None:
    commands = re.findall(r"```bash\n(.*?)\n```", README, re.DOTALL)
    assert commands[:2] == [DEMO_COMMAND, TEST_COMMAND]


def test_the_test_command_is_the_one_ci_runs() -> None:
    # CI may quieten pip; the command is otherwise the README's, word for word.
    ci = (ROOT / ".ci" / "run").read_text().replace("pip install --quiet ", "pip install ")
    assert TEST_COMMAND in ci.splitlines()


def test_the_development_table_names_every_nox_session() -> None:
    sessions = re.findall(r"@nox\.session[^\n]*\ndef (\w+)", (ROOT / "noxfile.py").read_text())
    development = README[README.index("## Development") :]
    listed = re.findall(r"^\| `(\w+)` \|", development, re.MULTILINE)
    assert sorted(listed) == sorted(sessions)


def test_every_linked_document_exists_or_is_being_written() -> None:
    for link in re.findall(r"\]\((docs/[^)]+)\)", README):
        assert (ROOT / link).exists() or link == "docs/performance.md", link


@pytest.fixture
def pointed(fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeServer:
    chatgpt, claude = fake_server.oauth("chatgpt"), fake_server.oauth("claude")
    env = {
        "OPENAI_API_KEY": "sk-readme",
        "ANTHROPIC_API_KEY": "sk-ant-readme",
        "OPENAI_BASE_URL": fake_server.base_url("openai"),
        "ANTHROPIC_BASE_URL": fake_server.base_url("anthropic"),
        "MODELWIRE_CHATGPT_BASE_URL": fake_server.base_url("chatgpt"),
        "MODELWIRE_CLAUDE_BASE_URL": fake_server.base_url("claude"),
        "MODELWIRE_CHATGPT_AUTHORIZE_URL": chatgpt.authorize_url,
        "MODELWIRE_CHATGPT_TOKEN_URL": chatgpt.token_url,
        "MODELWIRE_CHATGPT_CLIENT_ID": chatgpt.client_id,
        "MODELWIRE_CLAUDE_AUTHORIZE_URL": claude.authorize_url,
        "MODELWIRE_CLAUDE_TOKEN_URL": claude.token_url,
        "MODELWIRE_CLAUDE_CLIENT_ID": claude.client_id,
        "MODELWIRE_HOME": str(tmp_path / "mw-home"),
        "MODELWIRE_AUTH_STORE": "file",
        "HOME": str(tmp_path / "home"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MODELWIRE_CLAUDE_REDIRECT_URI", raising=False)
    return fake_server


def sign_in_chatgpt() -> None:
    """What `modelwire login chatgpt` does, with an HTTP client as the browser."""

    def browse(url: str) -> None:
        def visit() -> None:
            with httpx2.Client(follow_redirects=True, trust_env=False, timeout=10) as browser:
                browser.get(url)

        threading.Thread(target=visit, daemon=True).start()

    login_chatgpt(open_browser=False, on_url=browse, port=0, timeout=10)


def sign_in_claude() -> None:
    """What `modelwire login claude` does, pasting the code the hosted page shows."""
    urls: list[str] = []

    def paste() -> str:
        page = httpx2.get(urls[-1], headers={"accept": "application/json"}, trust_env=False)
        code: str = page.json()["code"]
        return code

    login_claude(open_browser=False, on_url=urls.append, read_code=paste)


def test_openai_quickstart_runs_the_tool_round_trip(
    pointed: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    pointed.queue("responses", Script.tool_call("get_weather", {"city": "Paris"}))

    run_block('mw.Client("openai")  # OPENAI_API_KEY')

    output = capsys.readouterr().out
    assert "The tool get_weather returned: 14 °C and light rain in Paris" in output


def test_chatgpt_quickstart(pointed: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    sign_in_chatgpt()

    run_block('mw.Client("chatgpt")')

    output = capsys.readouterr().out
    assert "You said: Explain server-sent events in two sentences." in output
    assert "Usage(" in output
    assert pointed.requests_to("chatgpt")


def test_anthropic_quickstart(pointed: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    run_block('mw.Client("anthropic") as client')

    output = capsys.readouterr().out
    assert output.startswith("Thinking: ")  # once, not before every fragment
    assert "[thinking]" not in output
    assert "You said: Why is the sky blue?" in output
    assert "end_turn" in output


def test_claude_quickstart(pointed: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    sign_in_claude()

    run_block('mw.AsyncClient("claude")')

    output = capsys.readouterr().out
    assert "You said: Name three uses of a Raspberry Pi." in output
    assert "stop: end_turn" in output


def test_hand_off_example(pointed: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    run_block("claude, gpt = ")

    assert "You said: Make day 2 cheaper." in capsys.readouterr().out
    [sent] = pointed.requests_to("responses")
    assert sent.json is not None
    assert len(sent.json["input"]) == 3


def test_native_fields_example(pointed: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    namespace = run_block("from modelwire.native import responses as native")

    capsys.readouterr()
    native = namespace["native"]
    response = namespace["response"]
    assert isinstance(response.native, native.Response)
    assert isinstance(response.usage.native, native.ResponseUsage)
