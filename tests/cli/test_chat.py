"""`modelwire chat` against the embedded server: one-shot, stdin, JSON, credentials, Ctrl-C."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from typing import Any

import pytest

from modelwire.testing import FakeServer, Fault, Script

from .conftest import COMMAND, Cli


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_json_prints_one_common_event_per_line_ending_in_completed(
    cli: Cli, fake_server: FakeServer
) -> None:
    result = cli.run(
        "chat", "--json", "--base-url", fake_server.base_url("openai"), "hello there",
        OPENAI_API_KEY="sk-test",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    events = json_lines(result.stdout)
    names = [event["event"] for event in events]
    assert names[-1] == "Completed"
    assert "Created" in names
    assert "".join(e["text"] for e in events if e["event"] == "TextDelta") == (
        "You said: hello there"
    )
    assert events[-1]["stop_reason"] == "end_turn"
    [request] = fake_server.requests_to("responses")
    assert request.json is not None
    assert request.json["model"] == "gpt-5.1"  # the registry's default for openai/responses


def test_provider_anthropic_streams_over_messages(cli: Cli, fake_server: FakeServer) -> None:
    result = cli.run(
        "chat", "--provider", "anthropic", "--json", "--reasoning", "low",
        "--base-url", fake_server.base_url("anthropic"), "what is up",
        ANTHROPIC_API_KEY="sk-ant-test",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    events = json_lines(result.stdout)
    assert events[-1]["event"] == "Completed"
    assert any(e["event"] == "ReasoningDelta" for e in events)
    [request] = fake_server.requests_to("messages")
    assert request.headers["x-api-key"] == "sk-ant-test"
    assert request.json is not None
    assert request.json["thinking"]["type"] == "enabled"


def test_text_streams_to_stdout_with_reasoning_labelled(cli: Cli, fake_server: FakeServer) -> None:
    result = cli.run(
        "chat", "-p", "anthropic", "-r", "low", "--base-url", fake_server.base_url("anthropic"),
        "good morning",
        ANTHROPIC_API_KEY="sk-ant-test",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("thinking: ")
    assert lines[-1] == "You said: good morning"


def test_prompt_read_from_stdin_when_not_a_terminal(cli: Cli, fake_server: FakeServer) -> None:
    result = cli.run(
        "chat", "--api", "chat", "--base-url", fake_server.base_url("openai"),
        input="piped question\n",
        OPENAI_API_KEY="sk-test",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout == "You said: piped question\n"
    assert len(fake_server.requests_to("chat")) == 1


def test_model_and_instructions_reach_the_request(cli: Cli, fake_server: FakeServer) -> None:
    result = cli.run(
        "chat", "-m", "my-model", "-i", "Be brief.", "--api", "chat",
        "--base-url", fake_server.base_url("openai"), "hi",
        OPENAI_API_KEY="sk-test",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    [request] = fake_server.requests_to("chat")
    assert request.json is not None
    assert request.json["model"] == "my-model"
    assert request.json["messages"][0] == {"role": "system", "content": "Be brief."}


def test_a_key_saved_with_login_is_picked_without_flags(cli: Cli, fake_server: FakeServer) -> None:
    saved = cli.run("login", "anthropic", "--api-key", "-", input="sk-ant-saved\n")
    assert saved.returncode == 0, saved.stderr

    result = cli.run("chat", "--json", "hi", ANTHROPIC_BASE_URL=fake_server.base_url("anthropic"))

    assert result.returncode == 0, result.stderr
    [request] = fake_server.requests_to("messages")
    assert request.headers["x-api-key"] == "sk-ant-saved"


def test_without_credentials_it_says_how_to_get_some(cli: Cli) -> None:
    result = cli.run("chat", "hello")

    assert result.returncode == 1
    assert result.stdout == ""
    assert "modelwire login claude" in result.stderr
    assert "ANTHROPIC_API_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_without_credentials_for_the_named_provider(cli: Cli) -> None:
    result = cli.run("chat", "--provider", "claude", "hello", OPENAI_API_KEY="sk-test")

    assert result.returncode == 1
    assert "run `modelwire login claude`" in result.stderr


def test_an_api_the_provider_does_not_serve_is_a_usage_error(cli: Cli) -> None:
    result = cli.run("chat", "--provider", "chatgpt", "--api", "chat", "hello")

    assert result.returncode == 2
    assert "chatgpt does not serve the chat API" in result.stderr


def test_an_api_error_is_one_line_on_stderr(cli: Cli, fake_server: FakeServer) -> None:
    result = cli.run(
        "chat", "--base-url", fake_server.base_url("openai"), "hello", OPENAI_API_KEY="not-a-key"
    )

    assert result.returncode == 1
    assert result.stderr.startswith("Error: 401")
    assert "not-a-key" not in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery is POSIX")
def test_ctrl_c_closes_the_stream_and_exits_130(cli: Cli, fake_server: FakeServer) -> None:
    fake_server.queue("responses", Script.text("word " * 200).with_faults(Fault.drip(0.05)))
    with cli.popen(
        "chat", "--json", "--base-url", fake_server.base_url("openai"), "talk a lot",
        OPENAI_API_KEY="sk-test",
    ) as process:  # fmt: skip
        assert process.stdin is not None
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdin.close()  # no context on stdin: the argument is the whole prompt
        while json.loads(process.stdout.readline())["event"] != "TextDelta":
            pass

        process.send_signal(signal.SIGINT)
        process.wait(10)
        stderr = process.stderr.read()

    assert process.returncode == 130
    assert "Traceback" not in stderr
    assert "Interrupted" in stderr
    [request] = fake_server.requests_to("responses")
    assert request.stream is not None
    assert request.stream.wait(5)
    assert request.stream.client_disconnected
    assert not request.stream.completed


def test_stdin_is_the_context_and_the_argument_the_question(
    cli: Cli, fake_server: FakeServer
) -> None:
    diff = "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n"

    result = cli.run(
        "chat", "--api", "chat", "--base-url", fake_server.base_url("openai"), "review this",
        input=diff, OPENAI_API_KEY="sk-test",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    [request] = fake_server.requests_to("chat")
    assert request.json is not None
    assert request.json["messages"] == [
        {"role": "user", "content": diff.strip() + "\n\nreview this"}
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell pipeline")
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_reader_that_stops_early_is_a_normal_end(
    cli: Cli, fake_server: FakeServer, as_json: bool
) -> None:
    fake_server.queue("chat", Script.text("line\n" * 300).with_faults(Fault.drip(0.005)))
    command = [*COMMAND, "chat", "--api", "chat", "--base-url", fake_server.base_url("openai")]
    command += ["--json"] * as_json + ["talk a lot"]

    # `head` exits after three lines; modelwire then writes into a closed pipe.
    result = subprocess.run(
        ["bash", "-c", '"$@" < /dev/null | head -3; exit "${PIPESTATUS[0]}"', "bash", *command],
        capture_output=True, text=True, timeout=60, check=False,
        env={**cli.env, "OPENAI_API_KEY": "sk-test"},
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3
    assert result.stderr == ""  # no traceback, no "Exception ignored"
    [request] = fake_server.requests_to("chat")
    assert request.stream is not None
    assert request.stream.wait(10)
    assert not request.stream.completed  # it hung up instead of reading the rest


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_network_error_names_the_host_it_tried(cli: Cli) -> None:
    port = closed_port()

    result = cli.run(
        "chat", "--base-url", f"http://127.0.0.1:{port}/v1", "hello", OPENAI_API_KEY="sk-test"
    )

    assert result.returncode == 1
    assert f"127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "base_url", ["not a url", "api.openai.com/v1", "ftp://example.com", "http://", "http://h:x"]
)
def test_a_malformed_base_url_is_a_usage_error(cli: Cli, base_url: str) -> None:
    result = cli.run("chat", "--base-url", base_url, "hello", OPENAI_API_KEY="sk-test")

    assert result.returncode == 2
    assert "--base-url" in result.stderr
    assert "is not an http(s) URL" in result.stderr


def test_a_broken_sign_in_at_client_construction_says_to_log_in(cli: Cli) -> None:
    # A stored record that lists claude as signed in, but holds no access token (in a private
    # folder: a folder others can read would be reported first).
    cli.home.mkdir(parents=True, mode=0o700)
    record = {"type": "oauth", "refresh_token": "rt-broken"}
    (cli.home / "auth.json").write_text(json.dumps({"version": 1, "providers": {"claude": record}}))
    (cli.home / "auth.json").chmod(0o600)

    result = cli.run("chat", "--provider", "claude", "hello")

    assert result.returncode == 1
    assert "in-stream" not in result.stderr
    assert result.stderr.startswith("Error: ")
    assert "run `modelwire login claude`" in result.stderr
    assert "rt-broken" not in result.stderr


def test_timeout_gives_up_on_a_silent_server(cli: Cli, fake_server: FakeServer) -> None:
    fake_server.queue("chat", Fault.stall(30, after_events=1))

    result = cli.run(
        "chat", "--api", "chat", "--timeout", "0.5", "--base-url",
        fake_server.base_url("openai"), "hello", OPENAI_API_KEY="sk-test",
    )  # fmt: skip

    assert result.returncode == 1
    assert "timeout" in result.stderr
    assert fake_server.base_url("openai").removeprefix("http://").split("/")[0] in result.stderr


def test_verbose_logs_each_attempt_and_retry_wait_without_secrets(
    cli: Cli, fake_server: FakeServer
) -> None:
    fake_server.queue("chat", Fault.status(429, retry_after_ms=50))

    result = cli.run(
        "chat", "--api", "chat", "--verbose", "--base-url", fake_server.base_url("openai"),
        "hello", OPENAI_API_KEY="sk-verbose-secret",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout == "You said: hello\n"
    assert f"POST {fake_server.base_url('openai')}/chat/completions" in result.stderr
    assert "retrying in" in result.stderr
    assert "HTTP 429" in result.stderr
    assert "sk-verbose-secret" not in result.stderr


def test_no_indicator_when_not_a_terminal(cli: Cli, fake_server: FakeServer) -> None:
    fake_server.queue("chat", Fault.status(429, retry_after_ms=50))

    result = cli.run(
        "chat", "--api", "chat", "--base-url", fake_server.base_url("openai"), "hello",
        OPENAI_API_KEY="sk-test",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout == "You said: hello\n"
    assert result.stderr == ""
