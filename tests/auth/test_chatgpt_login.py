"""The ChatGPT login's callback listener, with real loopback requests: the state is checked before
anything else (a forged redirect is refused and the login keeps waiting), Codex's fallback port,
and the ``originator`` authorize parameter."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from modelwire.auth import LoginError, LoginTimeoutError, login_chatgpt
from modelwire.auth.config import ChatGPTOAuthConfig
from modelwire.auth.store import FileStore, MemoryStore
from modelwire.testing import FakeServer

from .helpers import Browser


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@contextmanager
def taken_port() -> Iterator[int]:
    """A loopback port some other program listens on."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class Forger:
    """A local process that hits the callback before the browser does, then lets the browser
    follow the real authorize URL."""

    def __init__(self, *queries: str) -> None:
        self.queries = queries
        self.answers: list[httpx2.Response] = []
        self.browser = Browser()
        self.thread: threading.Thread | None = None

    def on_url(self, url: str) -> None:
        def run() -> None:
            redirect = query_of(url)["redirect_uri"]
            for query in self.queries:
                self.answers.append(httpx2.get(f"{redirect}?{query}", timeout=10))
            self.browser.open(url)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def join(self) -> None:
        assert self.thread is not None
        self.thread.join(10)
        self.browser.join()


@pytest.mark.parametrize(
    "forged",
    [
        "code=forged-code&state=forged-state",
        "error=access_denied",  # a bare error, no state
        "error=access_denied&state=wrong",
        "code=forged-code",
    ],
)
def test_a_forged_redirect_is_refused_and_the_login_keeps_waiting(
    server: FakeServer, file_store: FileStore, forged: str
) -> None:
    forger = Forger(forged)
    status = login_chatgpt(
        store=file_store, open_browser=False, on_url=forger.on_url, port=0, timeout=10
    )
    forger.join()
    [answer] = forger.answers
    assert answer.status_code == 400
    assert answer.text == "State mismatch"
    assert status.account_id == server.identity.chatgpt_account_id
    assert file_store.load("chatgpt") is not None
    # Only the real redirect's code was exchanged.
    assert server.token_calls[("chatgpt", "authorization_code")] == 1


def test_an_error_with_the_right_state_ends_the_login(server: FakeServer) -> None:
    pages: list[httpx2.Response] = []
    threads: list[threading.Thread] = []

    def deny(url: str) -> None:
        params = query_of(url)

        def visit() -> None:
            query = f"error=access_denied&error_description=nope&state={params['state']}"
            pages.append(httpx2.get(f"{params['redirect_uri']}?{query}", timeout=10))

        threads.append(threading.Thread(target=visit, daemon=True))
        threads[-1].start()

    with pytest.raises(LoginError, match=r"not completed \(access_denied\)") as caught:
        login_chatgpt(store=MemoryStore(), open_browser=False, on_url=deny, port=0, timeout=10)
    threads[0].join(10)
    assert not isinstance(caught.value, LoginTimeoutError)
    assert pages[0].status_code == 400
    assert "failed" in pages[0].text
    assert server.token_calls[("chatgpt", "authorization_code")] == 0


def test_the_right_state_without_a_code_ends_the_login(server: FakeServer) -> None:
    def no_code(url: str) -> None:
        params = query_of(url)
        target = f"{params['redirect_uri']}?state={params['state']}"
        threading.Thread(target=httpx2.get, args=(target,), daemon=True).start()

    with pytest.raises(LoginError, match="no authorization code"):
        login_chatgpt(store=MemoryStore(), open_browser=False, on_url=no_code, port=0, timeout=10)


def test_the_fallback_port_is_used_when_the_registered_one_is_taken(
    server: FakeServer, file_store: FileStore
) -> None:
    fallback = free_port()
    browser = Browser()
    with taken_port() as port:
        config = ChatGPTOAuthConfig.from_env(callback_port=port, fallback_callback_port=fallback)
        login_chatgpt(store=file_store, config=config, open_browser=False, on_url=browser.open)
    browser.join()
    [url] = browser.urls
    assert query_of(url)["redirect_uri"] == f"http://localhost:{fallback}/auth/callback"
    assert browser.pages[0].status_code == 200
    assert file_store.load("chatgpt") is not None


def test_the_login_says_which_port_it_listens_on(
    server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    fallback = free_port()
    with taken_port() as port:
        config = ChatGPTOAuthConfig.from_env(callback_port=port, fallback_callback_port=fallback)
        with pytest.raises(LoginTimeoutError):
            login_chatgpt(store=MemoryStore(), config=config, open_browser=False, timeout=0.2)
    err = capsys.readouterr().err
    assert f"port {port} is taken, so the redirect comes to port {fallback}" in err
    assert f"redirect_uri=http%3A%2F%2Flocalhost%3A{fallback}%2Fauth%2Fcallback" in err


def test_the_defaults_are_codexs_two_registered_ports() -> None:
    config = ChatGPTOAuthConfig()
    assert (config.callback_port, config.fallback_callback_port) == (1455, 1457)


def test_both_ports_taken_is_a_login_error(server: FakeServer) -> None:
    with taken_port() as port, taken_port() as fallback:
        config = ChatGPTOAuthConfig.from_env(callback_port=port, fallback_callback_port=fallback)
        with pytest.raises(LoginError, match=f"127.0.0.1:{fallback}.*port is taken"):
            login_chatgpt(store=MemoryStore(), config=config, open_browser=False, on_url=print)


def test_an_explicit_port_has_no_fallback(server: FakeServer) -> None:
    with taken_port() as port, pytest.raises(LoginError, match="port is taken") as caught:
        login_chatgpt(store=MemoryStore(), open_browser=False, on_url=print, port=port)
    assert f"127.0.0.1:{port}" in str(caught.value)


def test_the_authorize_url_names_modelwire_as_the_originator(
    server: FakeServer, file_store: FileStore
) -> None:
    browser = Browser()
    login_chatgpt(store=file_store, open_browser=False, on_url=browser.open, port=0, timeout=10)
    browser.join()
    params = query_of(browser.urls[0])
    assert params["originator"] == "modelwire"
    assert params["scope"] == (
        "openid profile email offline_access api.connectors.read api.connectors.invoke"
    )
    [authorize] = [r for r in server.requests if r.path == "/oauth/authorize"]
    assert authorize.query["originator"] == "modelwire"  # what the OAuth server recorded


def test_the_oauth_server_refuses_an_authorize_request_without_originator(
    server: FakeServer,
) -> None:
    # The regression: a login that stops sending originator is turned away.
    browser = Browser()
    config = ChatGPTOAuthConfig.from_env(originator="")
    with pytest.raises(LoginError, match=r"not completed \(invalid_request\)"):
        login_chatgpt(
            store=MemoryStore(),
            config=config,
            open_browser=False,
            on_url=browser.open,
            port=0,
            timeout=10,
        )
    browser.join()
    assert server.token_calls[("chatgpt", "authorization_code")] == 0
