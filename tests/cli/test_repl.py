"""`modelwire chat` without a prompt, on a terminal: an interactive chat that keeps the
conversation, where Ctrl-C stops an answer and Ctrl-D (or /exit) leaves."""

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


def start(cli: Cli, server: FakeServer) -> Terminal:
    terminal = Terminal(
        cli, "chat", "--api", "chat", "--base-url", server.base_url("openai"),
        OPENAI_API_KEY="sk-test",
    )  # fmt: skip
    terminal.expect(PROMPT)
    return terminal


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


def test_reset_starts_over_and_exit_leaves(cli: Cli, fake_server: FakeServer) -> None:
    terminal = start(cli, fake_server)

    terminal.send("remember me\n")
    terminal.expect(PROMPT)
    terminal.send("/reset\n")
    terminal.expect("conversation cleared")
    terminal.send("fresh start\n")
    terminal.expect("You said: fresh start")
    terminal.send("/exit\n")

    assert terminal.wait() == 0
    last = fake_server.requests_to("chat")[-1].json
    assert last is not None
    assert [m["role"] for m in last["messages"]] == ["user"]


def test_ctrl_c_stops_the_answer_and_returns_to_the_prompt(
    cli: Cli, fake_server: FakeServer
) -> None:
    fake_server.queue("chat", Script.text("word " * 200).with_faults(Fault.drip(0.05)))
    terminal = start(cli, fake_server)

    terminal.send("talk a lot\n")
    terminal.expect("word")
    terminal.interrupt()
    terminal.expect("answer stopped")
    terminal.expect(PROMPT)
    terminal.send("still there?\n")
    terminal.expect("You said: still there?")
    terminal.expect(PROMPT)
    settle()
    terminal.interrupt()  # at the prompt: leave

    assert terminal.wait() == 130
    interrupted, answered = fake_server.requests_to("chat")
    assert interrupted.stream is not None
    assert interrupted.stream.wait(5)
    assert interrupted.stream.client_disconnected
    assert answered.json is not None
    # The stopped exchange is not part of the history.
    assert [m["role"] for m in answered.json["messages"]] == ["user"]
    assert "Traceback" not in terminal.output
