"""`modelwire demo`: every (API, auth mode) pair works end to end against the embedded server."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from typing import Any

import pytest

from modelwire.cli import run as cli_run
from modelwire.demo import PAIRS, Observer, Pair, PairResult, run_demo

from .conftest import Cli

EXPECTED_PAIRS = [
    ("responses", "openai-api-key"),
    ("responses", "chatgpt-oauth"),
    ("chat", "openai-api-key"),
    ("messages", "anthropic-api-key"),
    ("messages", "claude-oauth"),
]


@dataclass(frozen=True)
class DemoRun:
    cli: Cli
    result: subprocess.CompletedProcess[str]
    seconds: float

    @property
    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.result.stdout.splitlines()]


@pytest.fixture(scope="module")
def demo_json(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """One `modelwire demo --json` run, shared by the tests that read its output."""
    cli = Cli(tmp_path_factory.mktemp("demo"))
    started = time.monotonic()
    result = cli.run("demo", "--json")
    return DemoRun(cli, result, time.monotonic() - started)


def test_demo_json_reports_every_pair_ok_with_text_and_a_tool_call(demo_json: DemoRun) -> None:
    assert demo_json.result.returncode == 0, demo_json.result.stderr
    lines = demo_json.lines
    assert [(line["api"], line["auth"]) for line in lines] == EXPECTED_PAIRS
    for line in lines:
        assert line["ok"] is True, line
        assert line["text"]
        [call] = line["tool_calls"]
        assert call["name"] == "get_weather"
        assert call["output"].endswith(f"in {call['arguments']['city']}")
        assert call["output"] in line["text"]  # the tool's result reached the model
        assert line["usage"]["input_tokens"] > 0
        assert line["usage"]["output_tokens"] > 0


def test_demo_runs_in_a_few_seconds(demo_json: DemoRun) -> None:
    assert demo_json.seconds < 15


def test_demo_json_prints_nothing_but_the_pair_lines(demo_json: DemoRun) -> None:
    assert len(demo_json.result.stdout.splitlines()) == len(EXPECTED_PAIRS)
    assert demo_json.result.stderr == ""


def test_demo_hands_the_conversation_from_each_pair_to_the_next(demo_json: DemoRun) -> None:
    handed = [line["handed_over"] for line in demo_json.lines]
    assert handed[0] == 0
    assert handed == sorted(handed)
    assert len(set(handed)) == len(handed)


def test_demo_shows_reasoning_only_where_the_api_streams_it(demo_json: DemoRun) -> None:
    by_pair = {(line["api"], line["auth"]): line for line in demo_json.lines}
    assert by_pair["chat", "openai-api-key"]["reasoning"] == ""
    for key in (p for p in EXPECTED_PAIRS if p[0] != "chat"):
        assert by_pair[key]["reasoning"]


def test_demo_leaves_the_users_store_and_home_alone(demo_json: DemoRun) -> None:
    assert not demo_json.cli.home.exists()
    assert not (demo_json.cli.root / "user-home").exists()


def test_demo_prints_a_summary_table_without_colour_when_not_a_terminal(cli: Cli) -> None:
    result = cli.run("demo")

    assert result.returncode == 0, result.stderr
    assert "\x1b[" not in result.stdout
    summary = result.stdout[result.stdout.index("Summary") :]
    for pair in PAIRS:
        row = next(line for line in summary.splitlines() if pair.title in line)
        assert " ok " in row
    assert "thinking: " in result.stdout
    assert "get_weather returned: 14 °C and light rain in Paris" in result.stdout


class _Recorder(Observer):
    def __init__(self) -> None:
        self.finished: list[PairResult] = []

    def pair_finished(self, result: PairResult) -> None:
        self.finished.append(result)


def test_a_failing_pair_is_reported_and_the_others_go_on() -> None:
    # An auth mode the demo has no credential for stands in for any failure inside a pair.
    broken = Pair("chat", "no-such-auth", "openai", "Paris", reasoning=False)
    recorder = _Recorder()

    results = run_demo(recorder, pairs=[broken, PAIRS[0]])

    assert [r.ok for r in results] == [False, True]
    assert results[0].error is not None
    assert "no-such-auth" in results[0].error
    assert recorder.finished == results


def test_the_command_exits_1_and_names_the_failed_pair(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = Pair("chat", "no-such-auth", "openai", "Paris", reasoning=False)

    def with_a_broken_pair(observer: Observer, *, pace: float) -> list[PairResult]:
        return run_demo(observer, pace=pace, pairs=[PAIRS[0], broken])

    monkeypatch.setattr("modelwire.cli.demo.run_demo", with_a_broken_pair)

    assert cli_run(["demo"]) == 1
    output = capsys.readouterr().out
    assert "1 of 2 pairs failed" in output
    [row] = [line for line in output.splitlines() if f"│ {broken.title}" in line]
    assert "failed" in row
    assert f"{broken.title}: ValueError: the demo has no credential" in output
