"""Every Python snippet of the README runs, as printed, against the embedded server (issue 17
item 16): the environment points every endpoint there, as a user's points at the real ones, with
a private MODELWIRE_HOME; the sign-in snippets run after a real login against the server's OAuth
endpoints. Snippets whose point needs a particular answer (a tool call, invalid output) get it
scripted; what each prints is checked."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from modelwire.auth.store import FileStore
from modelwire.testing import FakeServer, Script

from ..auth.conftest import AUTH_ENV, point_environment_at
from ..auth.helpers import sign_in_chatgpt, sign_in_claude

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SNIPPETS = [str(block) for block in re.findall(r"```python\n(.*?)```", README, re.DOTALL)]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    for name in AUTH_ENV:
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MODELWIRE_HOME", str(tmp_path / "mw-home"))
    monkeypatch.setenv("MODELWIRE_AUTH_STORE", "file")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-readme")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-readme")
    with FakeServer() as fake:
        point_environment_at(fake, monkeypatch)
        yield fake


# -- what some snippets need, and what they must print --------------------------------------------


def openai_quickstart(server: FakeServer) -> Callable[[str], None]:
    server.queue("responses", Script.tool_call("get_weather", {"city": "Paris"}))
    return lambda out: _has(out, "The tool get_weather returned: 14 °C and light rain in Paris")


def chatgpt_quickstart(server: FakeServer) -> Callable[[str], None]:
    sign_in_chatgpt(FileStore())

    def check(out: str) -> None:
        assert out.startswith("Reasoning:\n")
        reasoning, answer = out.split("\n\nAnswer:\n")
        assert "\n\n" in reasoning  # the summary's parts apart
        assert "Answer:" not in answer
        assert out.count("Reasoning:") == 1  # one heading, not one per fragment
        _has(out, "You said: Explain server-sent events in two sentences.")
        _has(out, "Usage(")
        [sent] = server.requests_to("chatgpt")
        assert sent.json is not None
        assert sent.json["reasoning"] == {"effort": "low", "summary": "auto"}

    return check


def anthropic_quickstart(server: FakeServer) -> Callable[[str], None]:
    def check(out: str) -> None:
        assert out.startswith("Thinking: ")
        assert out.count("Thinking:") == 1
        assert "[thinking]" not in out
        thinking, answer = out.split("\n\nAnswer: ")
        assert len(thinking) > len("Thinking: ")
        assert answer.startswith("You said: Why is the sky blue?")
        _has(answer, "end_turn")

    return check


def claude_quickstart(server: FakeServer) -> Callable[[str], None]:
    sign_in_claude(FileStore())
    return lambda out: _has(out, "stop: end_turn")


def output_type_snippet(server: FakeServer) -> Callable[[str], None]:
    server.queue(
        "responses",
        Script.text('{"name": "Tokyo", "population": 14000000}'),
        Script.text("Kyoto is an old capital."),
    )

    def check(out: str) -> None:
        _has(out, "Tokyo 14000000\n")
        _has(out, "not a City: Kyoto is an old capital. [()]")
        body = server.requests_to("responses")[0].json
        assert body is not None
        assert body["text"]["format"]["name"] == "City"

    return check


def run_snippet(server: FakeServer) -> Callable[[str], None]:
    server.queue(
        "messages",
        Script.tool_call("get_weather", {"city": "Paris"}),
        Script.text("Light rain, 14 degrees."),
        Script.text("No forecast for tomorrow."),
        Script.tool_call("get_weather", {"city": "Oslo", "unit": "fahrenheit"}),
        Script.text("Rainy in Oslo."),
    )

    def check(out: str) -> None:
        _has(out, "Light rain, 14 degrees. after 2 turns")
        _has(out, "[turn 1]")
        _has(out, "[turn 2]\nRainy in Oslo.")
        oslo = "14 degrees fahrenheit and light rain in Oslo"
        _has(out, "get_weather({'city': 'Oslo', 'unit': 'fahrenheit'}) -> " + oslo)
        bodies = [request.json for request in server.requests_to("messages")]
        assert len(bodies) == 5
        assert bodies[1] is not None
        [result] = bodies[1]["messages"][-1]["content"]
        assert result["content"] == "14 degrees celsius and light rain in Paris"
        assert bodies[2] is not None
        assert len(bodies[2]["messages"]) == 5  # the transcript, then the follow-up
        properties = bodies[0]["tools"][0]["input_schema"]["properties"]  # type: ignore[index]
        assert properties["city"]["description"] == 'The city\'s name, e.g. "Paris".'

    return check


def options_snippet(server: FakeServer) -> Callable[[str], None]:
    def check(out: str) -> None:
        assert out.splitlines() == ["You said: hi", "You said: hi"]
        [openai] = server.requests_to("responses")
        assert openai.headers["x-team"] == "search"
        [anthropic] = server.requests_to("messages")
        assert anthropic.json is not None
        assert anthropic.json["model"] == "claude-sonnet-4-5"
        assert anthropic.json["max_tokens"] == 4096

    return check


def calls_snippet(server: FakeServer) -> Callable[[str], None]:
    def check(out: str) -> None:
        _has(out, "You said: Name three rivers.")
        _has(out, "You said: Say hi.")
        paths = [request.path for request in server.requests]
        assert paths == ["/v1/messages", "/v1/messages/count_tokens", "/v1/messages"]

    return check


def hand_off_snippet(server: FakeServer) -> Callable[[str], None]:
    return lambda out: _has(out, "You said: Make day 2 cheaper.")


def native_snippet(server: FakeServer) -> Callable[[str], None]:
    return lambda out: None  # it prints the service tier the server reports (None): it ran


# A line each snippet holds -> what it needs and checks. Every snippet must have one.
PREPARED: dict[str, Callable[[FakeServer], Callable[[str], None]]] = {
    'mw.Client("openai")  # OPENAI_API_KEY': openai_quickstart,
    'mw.Client("chatgpt")': chatgpt_quickstart,
    'mw.Client("anthropic") as client': anthropic_quickstart,
    'mw.AsyncClient("claude")': claude_quickstart,
    "claude, gpt = ": hand_off_snippet,
    "output_type=City)": output_type_snippet,
    "client.run(input=": run_snippet,
    "default_headers=": options_snippet,
    "stream=False": calls_snippet,
    "from modelwire.native import responses as native": native_snippet,
}


def _has(text: str, expected: str) -> None:
    assert expected in text, f"{expected!r} not in {text!r}"


def _prepared_for(snippet: str) -> Callable[[FakeServer], Callable[[str], None]]:
    [prepare] = [prepare for marker, prepare in PREPARED.items() if marker in snippet]
    return prepare


def _snippet_id(snippet: str) -> str:
    marker = next((marker for marker in PREPARED if marker in snippet), snippet.splitlines()[0])
    return re.sub(r"\W+", "-", marker).strip("-")[:40]


def test_the_readme_has_the_snippets_this_test_knows() -> None:
    assert len(SNIPPETS) == len(PREPARED)
    for snippet in SNIPPETS:
        _prepared_for(snippet)  # exactly one marker per snippet


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[_snippet_id(s) for s in SNIPPETS])
def test_every_python_snippet_runs(
    snippet: str, server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    check = _prepared_for(snippet)(server)
    capsys.readouterr()
    namespace: dict[str, Any] = {"__name__": "readme"}
    exec(compile(snippet, "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    print(out)
    check(out)
