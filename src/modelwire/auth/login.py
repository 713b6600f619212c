"""Logins, logouts, imports and status: the functions ``modelwire login|logout|status`` call.

- :func:`login_chatgpt` — browser PKCE flow with a one-shot loopback listener (Codex's flow).
- :func:`login_claude` — PKCE flow where the user pastes back ``code#state`` (Claude Code's
  manual flow), or a loopback redirect where one is configured.
- :func:`save_api_key`, :func:`logout`, :func:`status`.
- :func:`import_codex_login`, :func:`import_claude_code_login` — opt-in copies of an existing
  sign-in; the source file is only read.

All of them take a ``store`` (default: :func:`~modelwire.auth.store.default_store`) and return or
print nothing secret.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import os
import secrets
import sys
import time
import webbrowser
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2

from ..common.errors import ConfigurationError
from ..services import provider as service
from ..services import service_names
from ._loopback import CallbackPortTaken, LoopbackListener
from .base import checked_api_key
from .config import ChatGPTOAuthConfig, ClaudeOAuthConfig
from .errors import LoginError
from .oauth import (
    REFRESH_TIMEOUT,
    _Permanent,
    _Transient,
    chatgpt_tokens_from_response,
    classify_refresh_response,
    claude_tokens_from_response,
)
from .store import CredentialStore, default_store, rejection
from .tokens import TokenSet, chatgpt_claims, parse_timestamp

DEFAULT_LOGIN_TIMEOUT = 300.0

log = logging.getLogger("modelwire.auth")


# -- records -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuthStatus:
    """One auth mode's state, with nothing secret in it.

    ``source`` is where the credential comes from (``env:OPENAI_API_KEY``, ``store``) or None
    when the mode is not available. ``expires_at`` is the access token's expiry (seconds since
    the epoch); ``expired`` says it has passed (a refresh on the next request renews it).
    ``rejected_at`` / ``rejected_reason``: the token server refused the stored sign-in (when,
    and why); it is then not available, and only a new login helps.
    """

    provider: str
    mode: str
    available: bool
    source: str | None = None
    store: str | None = None
    account_id: str | None = None
    email: str | None = None
    plan: str | None = None
    organization: str | None = None
    expires_at: float | None = None
    expired: bool = False
    detail: str | None = None
    rejected_at: float | None = None
    rejected_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- PKCE ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class PKCE:
    """A PKCE pair (RFC 7636, S256): an 86-character verifier and its challenge."""

    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> PKCE:
        verifier = base64.urlsafe_b64encode(secrets.token_bytes(64)).rstrip(b"=").decode()
        return cls(verifier, s256(verifier))

    def __repr__(self) -> str:
        return "PKCE(<redacted>)"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_state() -> str:
    return secrets.token_urlsafe(32)


def chatgpt_authorize_url(
    config: ChatGPTOAuthConfig, *, redirect_uri: str, challenge: str, state: str
) -> str:
    """The authorize URL of the ChatGPT flow (the parameters Codex sends; ``originator`` is
    modelwire's own name, from the config)."""
    query = {
        "response_type": "code",
        "client_id": config.client_id,
        "redirect_uri": redirect_uri,
        "scope": config.scope,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "id_token_add_organizations": "true",
        "codex_cli_simplified_flow": "true",
        "state": state,
        "originator": config.originator,
    }
    return f"{config.authorize_url}?{urlencode(query)}"


def claude_authorize_url(
    config: ClaudeOAuthConfig, *, redirect_uri: str, challenge: str, state: str
) -> str:
    """The authorize URL of the Claude flow (the parameters Claude Code sends)."""
    query = {
        "code": "true",
        "client_id": config.client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "scope": config.scope,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": state,
    }
    return f"{config.authorize_url}?{urlencode(query)}"


# -- shared pieces -------------------------------------------------------------------------------


def _show_url(
    provider: str,
    url: str,
    *,
    open_browser: bool,
    on_url: Callable[[str], None] | None,
    note: str | None = None,
) -> None:
    label = {"chatgpt": "ChatGPT", "claude": "Claude"}[provider]
    if on_url is not None:
        on_url(url)
    else:
        where = f" ({note})" if note else ""
        print(
            f"Sign in to {label} in your browser{where}; if it does not open, visit:\n\n  {url}\n",
            file=sys.stderr,
        )
    if open_browser:
        with contextlib.suppress(Exception):  # no browser here: the URL has been shown
            webbrowser.open(url)


def _token_request(
    http: httpx2.Client | None, url: str, provider: str, **kwargs: Any
) -> dict[str, Any]:
    """POST to a token endpoint during a login; failures become LoginError (codes only)."""
    client = http if http is not None else httpx2.Client(timeout=REFRESH_TIMEOUT)
    try:
        response = client.post(url, headers={"accept": "application/json"}, **kwargs)
        return classify_refresh_response(response)
    except httpx2.TransportError as error:
        raise LoginError(
            f"cannot reach the {provider} token endpoint {url} ({type(error).__name__})"
        ) from None
    except (_Transient, _Permanent) as error:
        raise LoginError(
            f"the {provider} token endpoint refused the sign-in ({error.reason}); "
            f"run `modelwire login {provider}` again"
        ) from None
    finally:
        if http is None:
            client.close()


def _login_status(tokens: TokenSet, store: CredentialStore) -> AuthStatus:
    return _oauth_status(tokens.provider, tokens, store)


# -- ChatGPT -------------------------------------------------------------------------------------


def login_chatgpt(
    *,
    store: CredentialStore | None = None,
    config: ChatGPTOAuthConfig | None = None,
    open_browser: bool = True,
    on_url: Callable[[str], None] | None = None,
    port: int | None = None,
    timeout: float = DEFAULT_LOGIN_TIMEOUT,
    http_client: httpx2.Client | None = None,
) -> AuthStatus:
    """Sign in with ChatGPT (Plus/Pro/Team...) and save the tokens.

    Opens the browser on the authorize URL (``open_browser=False`` skips that; ``on_url``
    receives the URL, else it is printed to stderr with the port listened on), waits on
    ``127.0.0.1:<port>`` for the redirect to ``/auth/callback`` — ``port`` default 1455, or
    1457 (the client's second registered redirect) when 1455 is taken; 0: any free port —,
    takes only a redirect carrying this login's ``state`` (others get 400 "State mismatch" and
    the wait goes on), exchanges the code with the PKCE verifier, shows a success page, and
    saves the tokens to ``store``. Raises :class:`LoginError` (both ports taken, sign-in denied,
    refused) or :class:`LoginTimeoutError`.
    """
    config = config if config is not None else ChatGPTOAuthConfig.from_env()
    store = store if store is not None else default_store()
    pkce = PKCE.new()
    state = new_state()
    listener, note = _chatgpt_listener(config, port)
    redirect_uri = config.redirect_uri(listener.port)
    url = chatgpt_authorize_url(
        config, redirect_uri=redirect_uri, challenge=pkce.challenge, state=state
    )

    def finish(query: dict[str, str]) -> TokenSet:
        payload = _token_request(
            http_client,
            config.token_url,
            "chatgpt",
            data={
                "grant_type": "authorization_code",
                "code": query["code"],
                "redirect_uri": redirect_uri,
                "client_id": config.client_id,
                "code_verifier": pkce.verifier,
            },
        )
        try:
            tokens = chatgpt_tokens_from_response(payload, source="login")
        except _Transient as error:
            raise LoginError(
                f"the ChatGPT token endpoint answered oddly ({error.reason})"
            ) from None
        store.save("chatgpt", tokens.to_record())
        return tokens

    try:
        _show_url("chatgpt", url, open_browser=open_browser, on_url=on_url, note=note)
        result = listener.wait(finish, timeout=timeout, state=state)
    finally:
        listener.close()
    assert isinstance(result, TokenSet)
    return _login_status(result, store)


def _chatgpt_listener(config: ChatGPTOAuthConfig, port: int | None) -> tuple[LoopbackListener, str]:
    """The callback listener on the configured port, or on the fallback port when that one is
    taken (as Codex does; only the two registered ports are accepted by the OAuth server), and
    a line saying where it listens."""
    wanted = config.callback_port if port is None else port
    try:
        listener = LoopbackListener("ChatGPT", wanted, config.callback_path)
    except CallbackPortTaken:
        fallback = config.fallback_callback_port
        if port is not None or fallback is None or fallback == wanted:
            raise
        listener = LoopbackListener("ChatGPT", fallback, config.callback_path)
        note = f"port {wanted} is taken, so the redirect comes to port {listener.port}"
        log.info("the ChatGPT sign-in listens on port %d: %s", listener.port, note)
        return listener, note
    return listener, f"waiting for the redirect on port {listener.port}"


def _check_callback(query: dict[str, str], state: str, provider: str) -> None:
    if "error" in query:
        error = query["error"] if query["error"].replace("_", "").isalnum() else "error"
        raise LoginError(f"the {provider} sign-in was not completed ({error})")
    if not secrets.compare_digest(query.get("state", ""), state):
        raise LoginError(
            f"the {provider} sign-in redirect carried the wrong state (another login attempt, or "
            f"a forged redirect); run `modelwire login {provider}` again"
        )
    if not query.get("code"):
        raise LoginError(f"the {provider} sign-in redirect carried no authorization code")


# -- Claude --------------------------------------------------------------------------------------


def parse_pasted_code(text: str) -> tuple[str, str | None]:
    """``code#state`` (what the hosted callback page shows), a bare code, or the whole callback
    URL, as ``(code, state or None)``."""
    text = text.strip()
    if text.startswith(("http://", "https://")):
        parts = urlsplit(text)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if "code" not in query and parts.fragment:
            return parse_pasted_code(parts.fragment)
        return query.get("code", ""), query.get("state")
    code, sep, state = text.partition("#")
    return code.strip(), (state.strip() if sep else None)


def _is_loopback(uri: str) -> bool:
    host = urlsplit(uri).hostname
    return uri.startswith("http://") and host in ("localhost", "127.0.0.1")


def login_claude(
    *,
    store: CredentialStore | None = None,
    config: ClaudeOAuthConfig | None = None,
    open_browser: bool = True,
    on_url: Callable[[str], None] | None = None,
    read_code: Callable[[], str] | None = None,
    loopback: bool | None = None,
    port: int | None = None,
    timeout: float = DEFAULT_LOGIN_TIMEOUT,
    http_client: httpx2.Client | None = None,
) -> AuthStatus:
    """Sign in with a Claude Pro/Max subscription and save the tokens.

    Shows (and opens) the authorize URL; the hosted callback page shows ``code#state``, which the
    user pastes back through ``read_code`` (default: ``input()``); the state is checked and the
    code exchanged (JSON) with the PKCE verifier.

    With a loopback redirect — ``loopback=True``, or a configured redirect URI on
    ``http://localhost:PORT/...`` — a one-shot listener takes the redirect instead (``port``
    overrides the port; 0: any free port).
    """
    config = config if config is not None else ClaudeOAuthConfig.from_env()
    store = store if store is not None else default_store()
    pkce = PKCE.new()
    state = new_state()
    use_loopback = _is_loopback(config.redirect_uri) if loopback is None else loopback

    def exchange(code: str, redirect_uri: str) -> TokenSet:
        payload = _token_request(
            http_client,
            config.token_url,
            "claude",
            json={
                "grant_type": "authorization_code",
                "code": code,
                "state": state,
                "client_id": config.client_id,
                "redirect_uri": redirect_uri,
                "code_verifier": pkce.verifier,
            },
        )
        try:
            tokens = claude_tokens_from_response(payload, source="login")
        except _Transient as error:
            raise LoginError(f"the Claude token endpoint answered oddly ({error.reason})") from None
        store.save("claude", tokens.to_record())
        return tokens

    if use_loopback:
        if _is_loopback(config.redirect_uri):
            parts = urlsplit(config.redirect_uri)
            listen_port = parts.port if port is None else port
            path = parts.path or "/"
        else:
            listen_port = 0 if port is None else port
            path = config.loopback_path
        listener = LoopbackListener("Claude", listen_port or 0, path)
        redirect_uri = f"http://localhost:{listener.port}{path}"
        url = claude_authorize_url(
            config, redirect_uri=redirect_uri, challenge=pkce.challenge, state=state
        )

        def finish(query: dict[str, str]) -> TokenSet:
            _check_callback(query, state, "claude")
            return exchange(query["code"], redirect_uri)

        try:
            _show_url("claude", url, open_browser=open_browser, on_url=on_url)
            result = listener.wait(finish, timeout=timeout)
        finally:
            listener.close()
        assert isinstance(result, TokenSet)
        return _login_status(result, store)

    redirect_uri = config.redirect_uri
    url = claude_authorize_url(
        config, redirect_uri=redirect_uri, challenge=pkce.challenge, state=state
    )
    _show_url("claude", url, open_browser=open_browser, on_url=on_url)
    reader = read_code if read_code is not None else _prompt_code
    code, pasted_state = parse_pasted_code(reader())
    if not code:
        raise LoginError("no authorization code was pasted; run `modelwire login claude` again")
    if pasted_state is not None and not secrets.compare_digest(pasted_state, state):
        raise LoginError(
            "the pasted code belongs to another login attempt (its state does not match); "
            "run `modelwire login claude` again and paste the code it shows"
        )
    tokens = exchange(code, redirect_uri)
    return _login_status(tokens, store)


def _prompt_code() -> str:
    return input("Paste the code shown after signing in (code#state): ")


# -- API keys, logout, status --------------------------------------------------------------------


def save_api_key(provider: str, key: str, store: CredentialStore | None = None) -> AuthStatus:
    """Save the API key of a service that takes one (``openai``, ``anthropic``, registered ones)."""
    key_services = service_names("api-key")
    if provider not in key_services:
        raise ConfigurationError(
            f"{provider!r} takes no API key: expected one of {', '.join(key_services)}"
            + (
                f" (sign in with `modelwire login {provider}`)"
                if provider in service_names()
                else ""
            )
        )
    key = checked_api_key(key, provider=provider, source="to save")
    store = store if store is not None else default_store()
    store.save(provider, {"type": "api_key", "api_key": key, "saved_at": time.time()})
    return AuthStatus(
        provider=provider,
        mode=service(provider).mode,
        available=True,
        source="store",
        store=store.location,
    )


def logout(provider: str | None = None, store: CredentialStore | None = None) -> list[str]:
    """Forget one provider's credentials (or all of them); the providers that had any.

    Only the local copy is removed; an imported sign-in stays in the program it came from.
    """
    if provider is not None and provider not in service_names():
        raise ConfigurationError(
            f"unknown provider {provider!r}: expected one of {', '.join(service_names())}"
        )
    store = store if store is not None else default_store()
    names = [provider] if provider is not None else list(service_names())
    return [name for name in names if store.delete(name)]


def status(store: CredentialStore | None = None) -> list[AuthStatus]:
    """One record per auth mode (OpenAI key, Anthropic key, ChatGPT, Claude): available or not,
    from where, account, email, plan, expiry. Never a secret."""
    store = store if store is not None else default_store()
    records: list[AuthStatus] = []
    for provider in service_names():
        record = store.load(provider)
        if service(provider).credential == "api-key":
            records.append(_key_status(provider, record, store))
            continue
        tokens = TokenSet.from_record(provider, record) if record is not None else None
        if tokens is None:
            detail = "the stored record is not a sign-in" if record is not None else "not signed in"
            records.append(
                AuthStatus(
                    provider=provider,
                    mode=service(provider).mode,
                    available=False,
                    store=store.location,
                    detail=detail + f"; run `modelwire login {provider}`",
                )
            )
        else:
            signed_in = _oauth_status(provider, tokens, store)
            refused = rejection(record) if record is not None else None
            if refused is not None:
                signed_in = replace(
                    signed_in,
                    available=False,
                    detail=refused[1],
                    rejected_at=refused[0],
                    rejected_reason=refused[1],
                )
            records.append(signed_in)
    return records


def _key_status(provider: str, record: dict[str, Any] | None, store: CredentialStore) -> AuthStatus:
    env = service(provider).api_key_env
    stored = record is not None and record.get("type") == "api_key" and bool(record.get("api_key"))
    if env and os.environ.get(env):
        detail = "from the environment" + (" (a stored key is shadowed)" if stored else "")
        source: str | None = f"env:{env}"
    elif stored:
        detail, source = "saved key", "store"
    else:
        where = f"set {env} or " if env else ""
        detail, source = f"no key: {where}run `modelwire login {provider} --api-key -`", None
    return AuthStatus(
        provider=provider,
        mode=service(provider).mode,
        available=source is not None,
        source=source,
        store=store.location,
        detail=detail,
    )


def _oauth_status(provider: str, tokens: TokenSet, store: CredentialStore) -> AuthStatus:
    if provider == "chatgpt":
        claims = chatgpt_claims(tokens.id_token, tokens.access_token)
        tokens = tokens.with_refresh(
            expires_at=claims.expires_at or tokens.expires_at,
            account_id=claims.account_id or tokens.account_id,
            email=claims.email or tokens.email,
            plan=claims.plan or tokens.plan,
        )
    origin = {"codex": " (imported from Codex)", "claude-code": " (imported from Claude Code)"}
    expired = tokens.expired()
    detail = "signed in" + origin.get(tokens.source, "")
    if expired:
        detail += "; the access token has expired and is refreshed on the next request"
    return AuthStatus(
        provider=provider,
        mode=service(provider).mode,
        available=True,
        source="store",
        store=store.location,
        account_id=tokens.account_id,
        email=tokens.email,
        plan=tokens.plan,
        organization=tokens.organization,
        expires_at=tokens.expires_at,
        expired=expired,
        detail=detail,
    )


# -- imports -------------------------------------------------------------------------------------


def _read_json(path: Path, what: str, advice: str) -> dict[str, Any]:
    from ..wire.json import loads

    try:
        with open(path, "rb") as handle:  # read-only: the source is never touched
            data = loads(handle.read())
    except FileNotFoundError:
        raise LoginError(f"no {what} at {path}; {advice}") from None
    except OSError as error:
        raise LoginError(f"cannot read {path}: {error.strerror}") from None
    except ValueError:
        raise LoginError(f"{path} is not valid JSON; {advice}") from None
    if not isinstance(data, dict):
        raise LoginError(f"{path} is not a {what}; {advice}")
    return data


def default_codex_auth_path() -> Path:
    """``$CODEX_HOME/auth.json``, default ``~/.codex/auth.json``."""
    home = os.environ.get("CODEX_HOME")
    return (Path(home).expanduser() if home else Path.home() / ".codex") / "auth.json"


def default_claude_code_credentials_path() -> Path:
    """``$CLAUDE_CONFIG_DIR/.credentials.json``, default ``~/.claude/.credentials.json``."""
    home = os.environ.get("CLAUDE_CONFIG_DIR")
    return (Path(home).expanduser() if home else Path.home() / ".claude") / ".credentials.json"


def import_codex_login(
    path: str | os.PathLike[str] | None = None, store: CredentialStore | None = None
) -> AuthStatus:
    """Copy the Codex CLI's ChatGPT sign-in (``~/.codex/auth.json``) into modelwire's store.

    The file is only read. From then on modelwire refreshes its own copy; since refresh tokens
    rotate, whichever program refreshes second may have to sign in again.
    """
    source = Path(path).expanduser() if path is not None else default_codex_auth_path()
    advice = "sign in with `codex login`, or use `modelwire login chatgpt`"
    data = _read_json(source, "Codex login", advice)
    raw = data.get("tokens")
    if not isinstance(raw, dict):
        raise LoginError(f"{source} holds no ChatGPT sign-in (API-key logins are not imported)")
    id_token = raw.get("id_token")
    if isinstance(id_token, dict):  # some versions store the parsed token beside its raw JWT
        id_token = id_token.get("raw_jwt")
    access, refresh = raw.get("access_token"), raw.get("refresh_token")
    if not isinstance(access, str) or not isinstance(refresh, str) or not access or not refresh:
        raise LoginError(f"{source} holds an incomplete ChatGPT sign-in; {advice}")
    claims = chatgpt_claims(id_token if isinstance(id_token, str) else None, access)
    account = raw.get("account_id")
    tokens = TokenSet(
        provider="chatgpt",
        access_token=access,
        refresh_token=refresh,
        id_token=id_token if isinstance(id_token, str) else None,
        expires_at=claims.expires_at,
        last_refresh=parse_timestamp(data.get("last_refresh")) or 0.0,
        account_id=claims.account_id or (account if isinstance(account, str) else None),
        email=claims.email,
        plan=claims.plan,
        source="codex",
    )
    store = store if store is not None else default_store()
    store.save("chatgpt", tokens.to_record())
    return _login_status(tokens, store)


def import_claude_code_login(
    path: str | os.PathLike[str] | None = None, store: CredentialStore | None = None
) -> AuthStatus:
    """Copy Claude Code's sign-in (``~/.claude/.credentials.json``, key ``claudeAiOauth``) into
    modelwire's store. The file is only read (on macOS Claude Code keeps it in the Keychain
    instead; there is no file to import). Refresh tokens rotate: whichever program refreshes
    second may have to sign in again."""
    source = Path(path).expanduser() if path is not None else default_claude_code_credentials_path()
    advice = "sign in with Claude Code (`claude /login`), or use `modelwire login claude`"
    data = _read_json(source, "Claude Code sign-in", advice)
    raw = data.get("claudeAiOauth")
    if not isinstance(raw, dict):
        raise LoginError(f"{source} holds no claudeAiOauth sign-in; {advice}")
    access, refresh = raw.get("accessToken"), raw.get("refreshToken")
    if not isinstance(access, str) or not isinstance(refresh, str) or not access or not refresh:
        raise LoginError(f"{source} holds an incomplete Claude sign-in; {advice}")
    scopes = raw.get("scopes")
    plan = raw.get("subscriptionType")
    tokens = TokenSet(
        provider="claude",
        access_token=access,
        refresh_token=refresh,
        expires_at=parse_timestamp(raw.get("expiresAt")),
        last_refresh=time.time(),
        plan=plan if isinstance(plan, str) else None,
        scopes=tuple(s for s in scopes if isinstance(s, str)) if isinstance(scopes, list) else (),
        source="claude-code",
    )
    store = store if store is not None else default_store()
    store.save("claude", tokens.to_record())
    return _login_status(tokens, store)
