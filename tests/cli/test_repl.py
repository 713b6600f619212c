"""`modelwire chat` without a prompt, on a real pseudo-terminal (pexpect): an interactive chat
that keeps the conversation, has its own /commands, where Ctrl-C stops an answer (keeping the part
shown) and Ctrl-D or /exit leaves."""

from __future__ import annotations

import sys
import time

import pytest

from modelwire.testing import FakeServer, Fault, Script

from .conftest import Cli, Terminal

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

PROMPT = "you \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}"


def settle() -> None:
    """Let input() reach its read before typing a control key. A Ctrl-D typed while readline is
    still taking the terminal over is lost in the switch of terminal modes, and a Ctrl-C in that
    window is noticed only at the next keystroke (CPython's readline loop checks for signals
    around its select); a person cannot type that fast, a test can."""
    time.sleep(0.3)


def start(cli: Cli, server: FakeServer, *args: str) -> Terminal:
    terminal = Terminal(
        cli, "chat", "--api", "chat", "--base-url", server.base_url("openai"), *args,
        OPENAI_API_KEY="sk-test", TERM="xterm-256color",
    )  # fmt: skip
    terminal.expect(PROMPT)
    return terminal


def roles(server: FakeServer, index: int = -1) -> list[str]:
    body = server.requests_to("chat")[index].json
    assert body is not None
    return [message["role"] for message in body["messages"]]


def test_the_conversation_is_kept_between_turns(cli: Cli, fake_server: FakeServer) -> None:
    terminal = start(cli, fake_server)

    terminal.send("first question\n")
    terminal.expect("You said: first question")
    terminal.expect(PROMPT)
    terminal.send("second question\n")
    terminal.expect("You said: second question")
    terminal.expect(PROMPT)
    settle()
    terminal.send("\x04")  # Ctrl-D

    assert terminal.wait() == 0
    first, second = (r.json for r in fake_server.requests_to("chat"))
    assert first is not None
    assert second is not None
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "user"]
    assert second["messages"][1]["content"] == "You said: first question"


def test_reset_starts_over_and_exit_leaves_with_0(cli: Cli, fake_server: FakeServer) -> None:
    terminal = start(cli, fake_server)

    terminal.send("remember me\n")
    terminal.expect(PROMPT)
    terminal.send("/reset\n")
    terminal.expect("conversation cleared")
    terminal.send("fresh start\n")
    terminal.expect("You said: fresh start")
    terminal.expect(PROMPT)
    terminal.send("/exit\n")

    assert terminal.wait() == 0
    assert roles(fake_server) == ["user"]


def test_help_lists_the_commands_and_sends_nothing(cli: Cli, fake_server: FakeServer) -> None:
    terminal = start(cli, fake_server)

    terminal.send("/help\n")
    shown = terminal.expect(PROMPT)
    terminal.send("/exit\n")

    assert terminal.wait() == 0
    for command in ("/help", "/model", "/reset", "/exit"):
        assert command in shown
    assert fake_server.requests_to("chat") == []


def test_an_unknown_command_is_an_error_not_a_message(cli: Cli, fake_server: FakeServer) -> None:
    terminal = start(cli, fake_server)

    terminal.send("/frobnicate now\n")
    terminal.expect("unknown command /frobnicate")
    terminal.expect(PROMPT)
    terminal.send("//etc is a directory\n")  # a doubled slash sends a message beginning with /
    terminal.expect("You said: /etc is a directory")
    terminal.expect(PROMPT)
    terminal.send("/exit\n")

    assert terminal.wait() == 0
    [request] = fake_server.requests_to("chat")
    assert request.json is not None
    assert request.json["messages"][-1]["content"] == "/etc is a directory"


def test_model_switches_the_model_of_the_next_answers(cli: Cli, fake_server: FakeServer) -> None:
    terminal = start(cli, fake_server, "--model", "first-model")

    terminal.send("/model\n")
    terminal.expect("model: first-model")
    terminal.send("/model second-model\n")
    terminal.expect("second-model from the next answer on")
    terminal.send("hello\n")
    terminal.expect("You said: hello")
    terminal.expect(PROMPT)
    terminal.send("/exit\n")

    assert terminal.wait() == 0
    [request] = fake_server.requests_to("chat")
    assert request.json is not None
    assert request.json["model"] == "second-model"


def test_tokens_appear_while_the_answer_streams_and_ctrl_c_keeps_the_part_shown(
    cli: Cli, fake_server: FakeServer
) -> None:
    words = 200
    fake_server.queue("chat", Script.text("word " * words).with_faults(Fault.drip(0.05)))
    terminal = start(cli, fake_server)

    terminal.send("talk a lot\n")
    terminal.expect("word word word")
    # The first words are on the terminal while the server is still sending the rest.
    [request] = fake_server.requests_to("chat")
    assert request.stream is not None
    assert not request.stream.completed
    terminal.interrupt()
    terminal.expect("answer stopped; the part shown stays in the conversation")
    terminal.expect(PROMPT)
    terminal.send("still there?\n")
    terminal.expect("You said: still there?")
    terminal.expect(PROMPT)
    terminal.send("/exit\n")

    assert terminal.wait() == 0
    assert request.stream.wait(5)
    assert request.stream.client_disconnected
    # The part shown is in the history, marked as interrupted; then the next question.
    assert roles(fake_server) == ["user", "assistant", "user"]
    body = fake_server.requests_to("chat")[-1].json
    assert body is not None
    kept = body["messages"][1]["content"]
    assert kept.startswith("word word word")
    assert kept.count("word") < words
    assert kept.endswith("[answer interrupted by the user]")
    assert "Traceback" not in terminal.transcript


def test_ctrl_c_before_any_text_drops_the_question(cli: Cli, fake_server: FakeServer) -> None:
    fake_server.queue("chat", Fault.stall(30, after_events=None))
    terminal = start(cli, fake_server)

    terminal.send("are you there?\n")
    assert fake_server.wait_for(lambda: len(fake_server.requests_to("chat")) == 1)
    terminal.interrupt()
    terminal.expect("that question was dropped")
    terminal.expect(PROMPT)
    terminal.send("again\n")
    terminal.expect("You said: again")
    terminal.expect(PROMPT)
    terminal.send("/exit\n")

    assert terminal.wait() == 0
    assert roles(fake_server) == ["user"]


def test_ctrl_c_at_the_prompt_leaves_with_130(cli: Cli, fake_server: FakeServer) -> None:
    terminal = start(cli, fake_server)

    settle()
    terminal.interrupt()

    assert terminal.wait() == 130
    assert "Traceback" not in terminal.transcript
