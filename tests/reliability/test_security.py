"""Security properties of credentials, over real logins, refreshes and requests.

- The credential store is ``auth.json`` mode 0600 (its lock file too) in a 0700 folder, through
  logins, key saves and refreshes (atomic replaces), even under a umask that allows everything.
- No secret — API keys, access, refresh and id tokens, authorization codes, PKCE verifiers —
  appears in anything a user or a log collector sees: log records of every logger at DEBUG,
  the process's stdout and stderr, the ``repr`` and ``str`` of clients, auths, tokens, stores,
  responses, statuses, and of every error raised, through a whole session with failures. Not
  even a piece of 16 characters of one.
- The OAuth loopback listener binds 127.0.0.1 only (not 0.0.0.0, not another loopback
  address), and refuses a redirect whose ``state`` is not its own: nothing is exchanged or saved.
- ``modelwire auth status`` (and ``modelwire.auth.status()`` under it) names accounts, never
  secrets.

The "browser" here is urllib, which logs nothing, so everything in the logs is modelwire's (or
httpx2's on modelwire's behalf).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import stat
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest

import modelwire as mw
from modelwire.auth import (
    LoginError,
    LoginRequiredError,
    LoginTimeoutError,
    TokenRefreshError,
    login_chatgpt,
    login_claude,
    save_api_key,
    status,
)
from modelwire.auth.login import s256
from modelwire.auth.store import FileStore
from modelwire.cli import run as run_cli
from modelwire.testing import FakeServer, Fault

from ..auth.helpers import expire_locally

pytestmark = pytest.mark.usefixtures("clean_env")

OPENAI_KEY = "sk-proj-reliability-canary-openai-7c1e2d9a"
ANTHROPIC_KEY = "sk-ant-api03-reliability-canary-anthropic-5b8f3a01"
REVOKED_KEY = "sk-proj-reliability-canary-revoked-9e4d6c22"
WINDOW = 16  # no piece of a secret this long may show


# ---------------------------------------------------------------------------- a quiet browser


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def browse(url: str, tamper: Callable[[str], str] = lambda location: location) -> int:
    """A browser that logs nothing: GET ``url``, following redirects (``tamper`` may rewrite
    each one); the final status."""
    while True:
        try:
            with _OPENER.open(url, timeout=10) as page:
                return int(page.status)
        except urllib.error.HTTPError as error:
            if error.code in (301, 302, 303, 307, 308):
                url = tamper(error.headers["location"])
                continue
            return error.code


def hosted_code(url: str) -> str:
    """What the Claude callback page shows after signing in (``code#state``), as JSON."""
    request = urllib.request.Request(url, headers={"accept": "application/json"})
    with _OPENER.open(request, timeout=10) as page:
        code: str = json.load(page)["code"]
        return code


@contextmanager
def browser_on(pages: list[int], tamper: Callable[[str], str] | None = None) -> Iterator[Any]:
    """An ``on_url`` callback that opens the URL in the background; joined on exit."""
    threads: list[threading.Thread] = []

    def open_url(url: str) -> None:
        thread = threading.Thread(target=lambda: pages.append(browse(url, tamper or str)))
        threads.append(thread)
        thread.start()

    try:
        yield open_url
    finally:
        for thread in threads:
            thread.join(10)


def sign_in_chatgpt(store: FileStore) -> Any:
    pages: list[int] = []
    with browser_on(pages) as open_url:
        return login_chatgpt(store=store, open_browser=False, on_url=open_url, port=0, timeout=10)


def sign_in_claude(store: FileStore) -> Any:
    urls: list[str] = []
    return login_claude(
        store=store,
        open_browser=False,
        on_url=urls.append,
        read_code=lambda: hosted_code(urls[-1]),
    )


SIGN_IN = {"chatgpt": sign_in_chatgpt, "claude": sign_in_claude}


def login_through_loopback(provider: str, store: FileStore, on_url: Callable[[str], None]) -> Any:
    """The login whose redirect comes to a loopback listener: ChatGPT's, or Claude's when asked."""
    if provider == "chatgpt":
        return login_chatgpt(store=store, open_browser=False, on_url=on_url, port=0, timeout=10)
    return login_claude(store=store, open_browser=False, on_url=on_url, loopback=True, port=0)


def ask(provider: str, **options: Any) -> str:
    with mw.Client(provider, **options) as client:
        return client.create(input="Say hi", instructions="Be brief.").text


# ---------------------------------------------------------------------------- file modes


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_private(folder: Path) -> None:
    assert mode_of(folder) == 0o700
    assert sorted(p.name for p in folder.iterdir()) == ["auth.json", "auth.json.lock"]
    for path in folder.iterdir():
        assert mode_of(path) == 0o600, path.name


def test_the_store_stays_0600_in_a_0700_folder_through_logins_saves_and_refreshes(
    server: FakeServer, file_store: FileStore
) -> None:
    folder = file_store.path.parent
    previous = os.umask(0)  # a umask that would leave every new file world-readable
    try:
        save_api_key("openai", OPENAI_KEY, file_store)
        assert_private(folder)
        for provider, sign_in in SIGN_IN.items():
            sign_in(file_store)
            assert_private(folder)
            expire_locally(file_store, provider)
            assert ask(provider)  # a refresh: the file is replaced
            assert_private(folder)
    finally:
        os.umask(previous)


# ---------------------------------------------------------------------------- no secret shown


class Secrets:
    """Every secret the session produced: keys, every token the store ever held or a request
    ever carried, authorization codes and PKCE verifiers sent to the token endpoints."""

    def __init__(self, store: FileStore, server: FakeServer) -> None:
        self.store = store
        self.server = server
        self.values: set[str] = {OPENAI_KEY, ANTHROPIC_KEY, REVOKED_KEY}

    def snapshot(self) -> None:
        for provider in ("chatgpt", "claude"):
            record = self.store.load(provider) or {}
            for field in ("access_token", "refresh_token", "id_token"):
                if record.get(field):
                    self.values.add(record[field])
        for request in self.server.requests:
            for header in ("authorization", "x-api-key"):
                value = request.headers.get(header, "")
                self.values.add(value.removeprefix("Bearer "))
            body = request.json if isinstance(request.json, dict) else request.form or {}
            for field in ("refresh_token", "code", "code_verifier"):
                if body.get(field):
                    self.values.add(str(body[field]).partition("#")[0])
        self.values.discard("")

    def found_in(self, text: str) -> list[str]:
        """The secrets (shown by their first characters) of which ``text`` holds any piece of
        16 characters or more."""
        pieces = {text[i : i + WINDOW] for i in range(len(text) - WINDOW + 1)}
        leaked = set()
        for secret in self.values:
            if len(secret) < WINDOW:
                found = secret in text
            else:
                found = any(
                    secret[i : i + WINDOW] in pieces for i in range(len(secret) - WINDOW + 1)
                )
            if found:
                leaked.add(secret[:10] + "...")
        return sorted(leaked)


def shown(things: Iterable[object]) -> str:
    """What a user could see of these objects: repr and str, errors with their chains."""
    out = []
    for thing in things:
        out += [repr(thing), str(thing)]
        if isinstance(thing, BaseException):
            for linked in (thing.__cause__, thing.__context__):
                if linked is not None:
                    out += [repr(linked), str(linked)]
    return "\n".join(out)


def test_no_secret_is_logged_printed_shown_or_raised_through_a_whole_session(
    server: FakeServer,
    file_store: FileStore,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, modelwire's and httpx2's
    secrets = Secrets(file_store, server)
    seen: list[object] = []

    # API keys: saved, used on each API, refused, and a stream that fails midway.
    save_api_key("openai", OPENAI_KEY, file_store)
    save_api_key("anthropic", ANTHROPIC_KEY, file_store)
    for provider, api in (("openai", "responses"), ("openai", "chat"), ("anthropic", "messages")):
        with mw.Client(provider, api=api) as client:  # type: ignore[arg-type]
            seen += [client, client.auth, client.create(input="Say hi")]
            server.queue(api, Fault.stream_error(after_events=3))  # type: ignore[arg-type]
            with pytest.raises(mw.APIError) as failed:
                client.create(input="Say hi there, how are you")
            seen += [failed.value, failed.value.partial]
    server.revoke_api_key(REVOKED_KEY)
    with mw.Client("openai", api_key=REVOKED_KEY) as client, pytest.raises(mw.APIError) as refused:
        client.create(input="Say hi")
    seen.append(refused.value)

    # Sign-ins: login, proactive and reactive refreshes, a lasting outage, a revoked sign-in.
    for provider, sign_in in SIGN_IN.items():
        seen.append(sign_in(file_store))
        secrets.snapshot()
        expire_locally(file_store, provider)
        secrets.snapshot()
        with mw.Client(provider) as client:
            seen.append(client.create(input="Say hi", instructions="Be brief."))
            server.expire_tokens(provider)  # type: ignore[arg-type]
            seen.append(client.create(input="Say hi", instructions="Be brief."))
            seen += [client, client.auth, client.auth.tokens]  # type: ignore[attr-defined]
        secrets.snapshot()
        expire_locally(file_store, provider)
        secrets.snapshot()
        server.always(f"{provider}-token", Fault.status(503))  # type: ignore[arg-type]
        with pytest.raises(TokenRefreshError) as outage:
            ask(provider)
        server.always(f"{provider}-token", None)  # type: ignore[arg-type]
        server.revoke_tokens(provider)  # type: ignore[arg-type]
        with pytest.raises(LoginRequiredError) as revoked:
            ask(provider)
        seen += [outage.value, revoked.value]
        secrets.snapshot()
    seen += [file_store, *status(file_store)]
    seen += [json.dumps(s.to_dict()) for s in status(file_store)]

    printed = capfd.readouterr()
    assert len(secrets.values) > 15  # the session saw plenty of secrets to leak...
    logged = "\n".join(
        [
            caplog.text,
            *(r.getMessage() for r in caplog.records),
            *(r.exc_text or "" for r in caplog.records),
        ]
    )
    assert secrets.found_in(logged) == []  # ...none was logged,
    assert secrets.found_in(printed.out + printed.err) == []  # printed,
    assert secrets.found_in(shown(seen)) == []  # or shown in a repr, a str or an error.
    assert "refreshed the claude sign-in" in caplog.text  # DEBUG logging was really on


def test_the_pkce_verifier_and_the_authorization_code_are_never_logged_or_printed(
    server: FakeServer,
    file_store: FileStore,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    urls: list[str] = []
    pages: list[int] = []
    with browser_on(pages) as open_url:

        def on_url(url: str) -> None:
            urls.append(url)
            open_url(url)

        chatgpt = login_chatgpt(
            store=file_store, open_browser=False, on_url=on_url, port=0, timeout=10
        )
    claude = login_claude(
        store=file_store,
        open_browser=False,
        on_url=urls.append,
        read_code=lambda: hosted_code(urls[-1]),
    )

    exchanges = [
        request.form or request.json or {}
        for request in server.requests
        if request.route in ("chatgpt-token", "claude-token")
    ]
    verifiers = [str(body["code_verifier"]) for body in exchanges]
    codes = [str(body["code"]).partition("#")[0] for body in exchanges]
    assert len(verifiers) == 2
    challenges = [parse_qs(urlsplit(url).query)["code_challenge"][0] for url in urls]
    assert challenges == [s256(verifier) for verifier in verifiers]  # the real verifiers
    printed = capfd.readouterr()
    visible = "\n".join([caplog.text, printed.out, printed.err, *urls, shown([chatgpt, claude])])
    for secret in verifiers + codes:
        assert secret not in visible


# ---------------------------------------------------------------------------- the loopback listener


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on ``port`` (from /proc/net/tcp{,6})."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, _, hex_port = fields[1].partition(":")
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.add(address)
    return found


def check_binding(url: str, seen: list[Any]) -> None:
    """While the login waits for its redirect: where does its listener listen?"""
    redirect = parse_qs(urlsplit(url).query)["redirect_uri"][0]
    port = urlsplit(redirect).port
    assert port is not None
    seen.append(listening_addresses(port))
    with socket.socket() as other:  # another loopback address of this machine
        other.settimeout(2)
        try:
            other.connect(("127.0.0.2", port))
        except ConnectionRefusedError:
            seen.append("refused on 127.0.0.2")
        else:
            seen.append("accepted on 127.0.0.2")


@pytest.mark.parametrize("provider", ["chatgpt", "claude"])
def test_the_loopback_listener_listens_on_127_0_0_1_only(
    provider: str, server: FakeServer, file_store: FileStore
) -> None:
    seen: list[Any] = []
    pages: list[int] = []
    with browser_on(pages) as open_url:

        def on_url(url: str) -> None:
            check_binding(url, seen)
            open_url(url)

        login_through_loopback(provider, file_store, on_url)

    assert seen == [{"0100007F"}, "refused on 127.0.0.2"]  # 127.0.0.1, and nothing else
    assert pages == [200]
    assert file_store.load(provider) is not None


def with_state(location: str, state: str) -> str:
    """The redirect to the listener, its ``state`` replaced (a forged or stale redirect)."""
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return urlunsplit(parts._replace(query=urlencode({**query, "state": state})))


@pytest.mark.parametrize("provider", ["chatgpt", "claude"])
def test_the_loopback_listener_refuses_a_redirect_with_another_state(
    provider: str, server: FakeServer, file_store: FileStore
) -> None:
    pages: list[int] = []
    forged = lambda location: with_state(location, "forged-state-0000")  # noqa: E731
    # ChatGPT's listener refuses it ("State mismatch") and keeps waiting for the real redirect,
    # as Codex's does, so a forged request cannot end the login: it ends by timing out here.
    refusal: type[LoginError] = LoginTimeoutError if provider == "chatgpt" else LoginError
    with browser_on(pages, tamper=forged) as open_url, pytest.raises(refusal) as caught:
        login_through_loopback(provider, file_store, open_url)

    if provider == "claude":
        assert "state" in str(caught.value)
    assert pages == [400]  # the browser is told the sign-in failed
    assert server.token_calls[(provider, "authorization_code")] == 0  # the code was not used
    assert file_store.load(provider) is None


# ---------------------------------------------------------------------------- status


def test_auth_status_names_accounts_and_never_shows_a_secret(
    server: FakeServer,
    file_store: FileStore,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    save_api_key("anthropic", ANTHROPIC_KEY, file_store)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    for sign_in in SIGN_IN.values():
        sign_in(file_store)
    secrets = Secrets(file_store, server)
    secrets.snapshot()
    capfd.readouterr()

    records = status(file_store)
    assert run_cli(["auth", "status"]) == 0
    assert run_cli(["auth", "status", "--json"]) == 0
    printed = capfd.readouterr()

    assert [r.available for r in records] == [True, True, True, True]
    for output in (
        shown(records) + "\n".join(json.dumps(r.to_dict()) for r in records),
        printed.out + printed.err,  # `modelwire auth status`, as a table and as JSON
    ):
        assert server.identity.email in output
        assert secrets.found_in(output) == []
