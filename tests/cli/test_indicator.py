"""The live indicator, on a real pseudo-terminal: while waiting for the first token, counting
down a retry's back-off, and while a login waits for the browser. (Without a terminal there is
none: tests/cli/test_chat.py::test_no_indicator_when_not_a_terminal.)"""

from __future__ import annotations

import sys
import threading

import httpx2
import pytest

from modelwire.testing import FakeServer, Fault

from .conftest import Cli, Terminal
from .test_auth import point_at

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")


def chat(cli: Cli, server: FakeServer, *args: str) -> Terminal:
    return Terminal(
        cli, "chat", "--api", "chat", "--base-url", server.base_url("openai"), *args,
        OPENAI_API_KEY="sk-test", TERM="xterm-256color",
    )  # fmt: skip


def test_waiting_for_the_first_token_is_shown_then_cleared(
    cli: Cli, fake_server: FakeServer
) -> None:
    fake_server.queue("chat", Fault.stall(1.5, after_events=None))
    terminal = chat(cli, fake_server, "hello")

    terminal.expect("waiting for the first token")
    answer = terminal.expect("You said: hello")

    assert terminal.wait() == 0
    assert "waiting" not in terminal.output  # the status line does not come back after text
    assert "You said: hello" in answer


def test_a_rate_limited_request_counts_down_its_retry(cli: Cli, fake_server: FakeServer) -> None:
    fake_server.queue("chat", Fault.status(429, retry_after=2))
    terminal = chat(cli, fake_server, "hello")

    terminal.expect("rate limited, retrying in")
    terminal.expect("retrying in 1 s")  # it counts down
    terminal.expect("You said: hello")

    assert terminal.wait() == 0
    assert len(fake_server.requests_to("chat")) == 2


def test_a_browser_login_shows_that_it_waits_for_the_browser(
    cli: Cli, fake_server: FakeServer
) -> None:
    terminal = Terminal(
        cli, "login", "chatgpt", "--no-browser", "--callback-port", "0",
        TERM="xterm-256color", **point_at(fake_server),
    )  # fmt: skip
    seen = terminal.expect("waiting for the sign-in in the browser")
    url = next(line.strip() for line in seen.splitlines() if line.strip().startswith("http"))
    # The browser: the authorize page redirects to the command's loopback listener.
    with httpx2.Client(follow_redirects=True, trust_env=False, timeout=10) as browser:
        browsing = threading.Thread(target=browser.get, args=(url,))
        browsing.start()
        terminal.expect("Signed in: ChatGPT as user@example.com")
        browsing.join(10)

    assert terminal.wait() == 0


def test_a_sign_in_refresh_that_is_retried_counts_down_too(
    cli: Cli, fake_server: FakeServer
) -> None:
    from modelwire.auth.store import FileStore

    from ..auth.helpers import expire_locally
    from .test_auth import sign_in_to_claude

    sign_in_to_claude(cli, fake_server)
    expire_locally(FileStore(cli.home / "auth.json"), "claude")
    fake_server.queue("claude-token", Fault.status(503, retry_after=2))
    terminal = Terminal(
        cli, "chat", "--provider", "claude", "hello", TERM="xterm-256color",
        MODELWIRE_CLAUDE_BASE_URL=fake_server.url, **point_at(fake_server),
    )  # fmt: skip

    terminal.expect("refreshing the sign-in: overloaded, retrying in")
    terminal.expect("retrying in 1 s")  # it counts down
    terminal.expect("You said: hello")

    assert terminal.wait() == 0
    assert fake_server.token_calls[("claude", "refresh_token")] == 2
