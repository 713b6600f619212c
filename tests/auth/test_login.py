"""The login flows end to end against the embedded OAuth servers: an httpx2 client stands in for
the browser on the ChatGPT loopback flow; the Claude paste is read from a provided input."""

from __future__ import annotations

import json
import re
import socket
import threading
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

import modelwire as mw
from modelwire.auth import (
    ClaudeAuth,
    LoginError,
    LoginTimeoutError,
    login_chatgpt,
    login_claude,
    status,
)
from modelwire.auth.login import PKCE, parse_pasted_code, s256
from modelwire.auth.store import FileStore, MemoryStore
from modelwire.testing import FakeServer, Fault

from .helpers import Browser, hosted_code


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# -- ChatGPT -------------------------------------------------------------------------------------


def test_chatgpt_login_end_to_end(server: FakeServer, file_store: FileStore) -> None:
    browser = Browser()
    result = login_chatgpt(
        store=file_store, open_browser=False, on_url=browser.open, port=0, timeout=10
    )
    browser.join()

    [url] = browser.urls
    assert url.startswith(server.oauth("chatgpt").authorize_url + "?")
    params = query_of(url)
    port = urlsplit(params["redirect_uri"]).port
    assert params == {
        "response_type": "code",
        "client_id": "app_EMoamEEZ73f0CkXaXp7hrann",
        "redirect_uri": f"http://localhost:{port}/auth/callback",
        "scope": "openid profile email offline_access api.connectors.read api.connectors.invoke",
        "code_challenge": params["code_challenge"],
        "code_challenge_method": "S256",
        "id_token_add_organizations": "true",
        "codex_cli_simplified_flow": "true",
        "state": params["state"],
        "originator": "modelwire",
    }
    assert len(params["state"]) >= 32
    [page] = browser.pages
    assert page.status_code == 200
    assert "Signed in to ChatGPT" in page.text

    [exchange] = server.requests_to("chatgpt-token")
    assert exchange.headers["content-type"].startswith("application/x-www-form-urlencoded")
    form = exchange.form
    assert form is not None
    assert form["grant_type"] == "authorization_code"
    assert form["redirect_uri"] == params["redirect_uri"]
    assert form["client_id"] == "app_EMoamEEZ73f0CkXaXp7hrann"
    assert s256(form["code_verifier"]) == params["code_challenge"]

    assert result.account_id == server.identity.chatgpt_account_id
    assert result.email == server.identity.email
    assert result.plan == "plus"
    record = file_store.load("chatgpt")
    assert record is not None
    assert record["refresh_token"].startswith("rt_")
    with mw.Client("chatgpt") as client:
        assert client.create(input="Say hi", instructions="Be brief.").text


def test_chatgpt_login_refuses_a_redirect_with_the_wrong_state(
    server: FakeServer, file_store: FileStore
) -> None:
    # The forged redirect is refused and the login keeps waiting (tests/auth/
    # test_chatgpt_login.py shows the real redirect still completes it afterwards).
    browser = Browser(tamper=lambda url: re.sub(r"state=[^&]+", "state=forged", url))
    with pytest.raises(LoginTimeoutError):
        login_chatgpt(store=file_store, open_browser=False, on_url=browser.open, port=0, timeout=2)
    browser.join()
    [page] = browser.pages
    assert page.status_code == 400
    assert page.text == "State mismatch"
    assert server.token_calls[("chatgpt", "authorization_code")] == 0
    assert file_store.load("chatgpt") is None


def test_chatgpt_login_reports_a_denied_consent(server: FakeServer) -> None:
    def deny(url: str) -> None:
        redirect = query_of(url)["redirect_uri"]
        state = query_of(url)["state"]

        def visit() -> None:
            httpx2.get(f"{redirect}?error=access_denied&state={state}", timeout=10)

        threading.Thread(target=visit, daemon=True).start()

    with pytest.raises(LoginError, match="access_denied"):
        login_chatgpt(store=MemoryStore(), open_browser=False, on_url=deny, port=0, timeout=10)


def test_chatgpt_login_ignores_other_paths_until_the_callback(
    server: FakeServer, file_store: FileStore
) -> None:
    browser = Browser()

    def open_with_favicon(url: str) -> None:
        redirect = query_of(url)["redirect_uri"]
        favicon = httpx2.get(redirect.replace("/auth/callback", "/favicon.ico"), timeout=10)
        assert favicon.status_code == 404
        browser.open(url)

    # The favicon request is made before the listener serves: it waits in the listen backlog,
    # so it must run beside the login, as a browser would.
    def on_url(url: str) -> None:
        threading.Thread(target=open_with_favicon, args=(url,), daemon=True).start()

    login_chatgpt(store=file_store, open_browser=False, on_url=on_url, port=0, timeout=10)
    browser.join()
    assert file_store.load("chatgpt") is not None


def test_chatgpt_login_says_when_the_port_is_taken(server: FakeServer) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(LoginError, match=f"127.0.0.1:{port}.*port is taken"):
            login_chatgpt(store=MemoryStore(), open_browser=False, on_url=print, port=port)


def test_chatgpt_login_times_out(server: FakeServer) -> None:
    urls: list[str] = []
    with pytest.raises(LoginTimeoutError, match="did not complete"):
        login_chatgpt(
            store=MemoryStore(), open_browser=False, on_url=urls.append, port=0, timeout=0.3
        )
    # The listener is gone: its port takes no more connections.
    redirect = query_of(urls[0])["redirect_uri"]
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(redirect, timeout=2)


def test_chatgpt_login_prints_the_url_when_asked_for_no_callback(
    server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(LoginTimeoutError):
        login_chatgpt(store=MemoryStore(), open_browser=False, port=0, timeout=0.2)
    err = capsys.readouterr().err
    assert server.oauth("chatgpt").authorize_url in err


def test_chatgpt_login_reports_a_refused_exchange(
    server: FakeServer, file_store: FileStore
) -> None:
    server.queue("chatgpt-token", Fault.status(500))
    browser = Browser()
    with pytest.raises(LoginError, match=r"refused the sign-in \(HTTP 500"):
        login_chatgpt(store=file_store, open_browser=False, on_url=browser.open, port=0, timeout=10)
    browser.join()
    assert browser.pages[0].status_code == 400
    assert file_store.load("chatgpt") is None


# -- Claude --------------------------------------------------------------------------------------


def test_claude_login_end_to_end_with_a_pasted_code(
    server: FakeServer, file_store: FileStore
) -> None:
    urls: list[str] = []
    pasted: list[str] = []

    def read_code() -> str:
        pasted.append(hosted_code(urls[-1]))
        return pasted[-1]

    result = login_claude(
        store=file_store, open_browser=False, on_url=urls.append, read_code=read_code
    )

    [url] = urls
    assert url.startswith(server.oauth("claude").authorize_url + "?")
    params = query_of(url)
    assert next(iter(params)) == "code"
    assert params == {
        "code": "true",
        "client_id": "9d1c250a-e61b-44d9-88ed-5944d1962f5e",
        "response_type": "code",
        "redirect_uri": "https://platform.claude.com/oauth/code/callback",
        "scope": "org:create_api_key user:profile user:inference user:sessions:claude_code "
        "user:mcp_servers user:file_upload",
        "code_challenge": params["code_challenge"],
        "code_challenge_method": "S256",
        "state": params["state"],
    }
    code, state = pasted[0].split("#")
    assert state == params["state"]

    [exchange] = server.requests_to("claude-token")
    assert exchange.headers["content-type"] == "application/json"
    assert exchange.json == {
        "grant_type": "authorization_code",
        "code": code,
        "state": state,
        "client_id": "9d1c250a-e61b-44d9-88ed-5944d1962f5e",
        "redirect_uri": "https://platform.claude.com/oauth/code/callback",
        "code_verifier": exchange.json["code_verifier"],
    }
    assert s256(exchange.json["code_verifier"]) == params["code_challenge"]
    assert result.account_id == server.identity.claude_account_uuid
    assert result.organization == server.identity.claude_organization_name
    assert result.expires_at is not None
    assert ClaudeAuth(store=file_store).tokens.refresh_token.startswith("sk-ant-ort01-")
    with mw.Client("claude") as client:
        assert client.create(input="Say hi").text


def test_claude_login_refuses_a_code_from_another_attempt(
    server: FakeServer, file_store: FileStore
) -> None:
    urls: list[str] = []

    def read_code() -> str:
        code, _ = hosted_code(urls[-1]).split("#")
        return f"{code}#some-other-state"

    with pytest.raises(LoginError, match="state does not match"):
        login_claude(store=file_store, open_browser=False, on_url=urls.append, read_code=read_code)
    assert server.token_calls[("claude", "authorization_code")] == 0
    assert file_store.load("claude") is None


def test_claude_login_takes_a_bare_code_too(server: FakeServer, file_store: FileStore) -> None:
    urls: list[str] = []
    login_claude(
        store=file_store,
        open_browser=False,
        on_url=urls.append,
        read_code=lambda: "  " + hosted_code(urls[-1]).split("#")[0] + "\n",
    )
    assert file_store.load("claude") is not None


def test_claude_login_reports_a_refused_code(server: FakeServer, file_store: FileStore) -> None:
    with pytest.raises(LoginError, match=r"refused the sign-in \(HTTP 400 invalid_grant\)"):
        login_claude(
            store=file_store, open_browser=False, on_url=lambda url: None, read_code=lambda: "nope"
        )
    assert file_store.load("claude") is None


def test_claude_login_with_a_loopback_redirect(server: FakeServer, file_store: FileStore) -> None:
    browser = Browser()
    result = login_claude(
        store=file_store, open_browser=False, on_url=browser.open, loopback=True, port=0, timeout=10
    )
    browser.join()
    params = query_of(browser.urls[0])
    assert re.fullmatch(r"http://localhost:\d+/callback", params["redirect_uri"])
    assert browser.pages[0].status_code == 200
    assert "Signed in to Claude" in browser.pages[0].text
    [exchange] = server.requests_to("claude-token")
    assert exchange.json is not None
    assert exchange.json["redirect_uri"] == params["redirect_uri"]
    assert result.available


def test_claude_login_uses_a_configured_loopback_redirect(
    server: FakeServer, file_store: FileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a free port to configure
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("MODELWIRE_CLAUDE_REDIRECT_URI", f"http://localhost:{port}/oauth/done")
    browser = Browser()
    login_claude(store=file_store, open_browser=False, on_url=browser.open, timeout=10)
    browser.join()
    assert query_of(browser.urls[0])["redirect_uri"] == f"http://localhost:{port}/oauth/done"
    assert file_store.load("claude") is not None


# -- pieces --------------------------------------------------------------------------------------


def test_pkce_verifiers_are_long_random_and_s256() -> None:
    pairs = [PKCE.new() for _ in range(20)]
    for pair in pairs:
        assert 43 <= len(pair.verifier) <= 128
        assert re.fullmatch(r"[A-Za-z0-9\-._~]+", pair.verifier)
        assert pair.challenge == s256(pair.verifier)
        assert "=" not in pair.challenge
        assert pair.verifier not in repr(pair)
    assert len({pair.verifier for pair in pairs}) == 20
    # RFC 7636 appendix B
    rfc_verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256(rfc_verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@pytest.mark.parametrize(
    ("pasted", "expected"),
    [
        ("abc#xyz", ("abc", "xyz")),
        ("  abc#xyz \n", ("abc", "xyz")),
        ("abc", ("abc", None)),
        ("https://platform.claude.com/oauth/code/callback?code=abc&state=xyz", ("abc", "xyz")),
        ("", ("", None)),
    ],
)
def test_pasted_codes(pasted: str, expected: tuple[str, str | None]) -> None:
    assert parse_pasted_code(pasted) == expected


def test_status_after_both_logins(server: FakeServer, file_store: FileStore) -> None:
    from .helpers import sign_in_chatgpt, sign_in_claude

    sign_in_chatgpt(file_store)
    sign_in_claude(file_store)
    states = {s.provider: s for s in status(file_store)}
    assert states["chatgpt"].available
    assert states["claude"].available
    assert states["chatgpt"].email == states["claude"].email == server.identity.email
    text = json.dumps([s.to_dict() for s in status(file_store)])
    for provider in ("chatgpt", "claude"):
        record = file_store.load(provider)
        assert record is not None
        assert record["access_token"] not in text
        assert record["refresh_token"] not in text
