"""Helpers of the auth tests (no test doubles: real stores, real HTTP, tokens shaped as issued)."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx2

from modelwire.auth import AuthStatus, login_chatgpt, login_claude
from modelwire.auth.store import CredentialStore
from modelwire.auth.tokens import OPENAI_AUTH_CLAIM, TokenSet, jwt_claims

ACCOUNT_ID = "acct-0000-test"


def unsigned_jwt(claims: dict[str, Any]) -> str:
    """A JWT with the given claims (modelwire reads claims; only the issuer checks signatures)."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.c2ln"


def chatgpt_tokens(
    *,
    expires_in: float = 3600,
    account_id: str = ACCOUNT_ID,
    access_secret: str = "access-secret-chatgpt-0001",
    refresh_token: str = "rt_refresh-secret-chatgpt-0001",
) -> TokenSet:
    exp = int(time.time() + expires_in)
    auth = {"chatgpt_account_id": account_id, "chatgpt_plan_type": "pro"}
    access = unsigned_jwt({"exp": exp, "jti": access_secret, OPENAI_AUTH_CLAIM: auth})
    id_token = unsigned_jwt({"exp": exp, "email": "user@example.com", OPENAI_AUTH_CLAIM: auth})
    return TokenSet(
        provider="chatgpt",
        access_token=access,
        refresh_token=refresh_token,
        id_token=id_token,
    )


def claude_tokens(
    *,
    expires_in: float = 3600,
    access_token: str = "sk-ant-oat01-access-secret-claude-0001",
    refresh_token: str = "sk-ant-ort01-refresh-secret-claude-0001",
) -> TokenSet:
    return TokenSet(
        provider="claude",
        access_token=access_token,
        refresh_token=refresh_token,
        expires_at=time.time() + expires_in,
        email="user@example.com",
    )


class Browser:
    """Stands in for the user's browser: follows the authorize URL (the emulator signs the user
    in at once and redirects to the loopback listener) on a thread, as a real browser runs beside
    the waiting login."""

    def __init__(self, *, tamper: Callable[[str], str] | None = None) -> None:
        self.tamper = tamper
        self.pages: list[httpx2.Response] = []
        self.threads: list[threading.Thread] = []
        self.urls: list[str] = []

    def open(self, url: str) -> None:
        self.urls.append(url)
        thread = threading.Thread(target=self._visit, args=(url,), daemon=True)
        self.threads.append(thread)
        thread.start()

    def _visit(self, url: str) -> None:
        with httpx2.Client(timeout=10) as http:
            response = http.get(url)
            while response.is_redirect:
                location = response.headers["location"]
                if self.tamper is not None:
                    location = self.tamper(location)
                response = http.get(location)
            self.pages.append(response)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(10)


def sign_in_chatgpt(store: CredentialStore) -> AuthStatus:
    """The real ChatGPT login flow against the server the environment points at."""
    browser = Browser()
    result = login_chatgpt(store=store, open_browser=False, on_url=browser.open, port=0, timeout=10)
    browser.join()
    return result


def hosted_code(url: str) -> str:
    """What the hosted callback page shows the user after signing in (``code#state``)."""
    with httpx2.Client(timeout=10) as http:
        page = http.get(url, headers={"accept": "application/json"})
    code: str = page.json()["code"]
    return code


def sign_in_claude(store: CredentialStore) -> AuthStatus:
    """The real Claude login flow (the user pastes the code the hosted page shows)."""
    urls: list[str] = []
    return login_claude(
        store=store,
        open_browser=False,
        on_url=urls.append,
        read_code=lambda: hosted_code(urls[-1]),
    )


def sign_in(provider: str, store: CredentialStore) -> AuthStatus:
    return sign_in_chatgpt(store) if provider == "chatgpt" else sign_in_claude(store)


def expire_locally(store: CredentialStore, provider: str) -> None:
    """Make the stored access token expired in modelwire's eyes, keeping the refresh token.

    Claude's expiry is the stored ``expires_at``. ChatGPT's is the access token's own JWT
    ``exp``: the stored access token is replaced by one whose claims say it expired a minute ago
    (the server would refuse it too — it is never meant to be sent)."""
    record = store.load(provider)
    assert record is not None
    past = time.time() - 60
    if provider == "chatgpt":
        claims = jwt_claims(record["access_token"])
        claims["exp"] = int(past)
        record["access_token"] = unsigned_jwt(claims)
    record["expires_at"] = past
    store.save(provider, record)
