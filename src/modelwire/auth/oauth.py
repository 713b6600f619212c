"""The two sign-in modes (ChatGPT and Claude) and their token refresh.

Refresh is proactive (before a request, when the access token expires within a margin) and
reactive (once after a 401). It is single-flight across threads (a lock per store and provider),
asyncio tasks (the locked refresh runs in a worker thread, so the event loop never blocks) and
processes (the store's file lock). Refresh tokens rotate — spending one twice logs the user
out — so the refresh, under the lock, first re-reads the store and uses what another process may
already have written.

A failed refresh is classified: transient (network, 429, 5xx) is retried with backoff, and an
access token that is still valid stays in use; permanent (``invalid_grant``,
``refresh_token_reused``, revoked; 400 or 401) first re-reads the store, in case another program
rotated the tokens and wrote them there, and otherwise raises :class:`LoginRequiredError`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import httpx2

from ..common.errors import APIError, ConfigurationError
from ..transport.retry import RETRYABLE_STATUSES, RetryPolicy, retry_after
from ..wire.json import JSONDecodeError, loads
from .base import Auth, OutgoingRequest, merge_beta, redact
from .config import ChatGPTOAuthConfig, ClaudeOAuthConfig
from .errors import LoginRequiredError, SubscriptionRefusedError, TokenRefreshError
from .store import CredentialStore, default_store, mark_rejected
from .tokens import TokenSet, chatgpt_claims

log = logging.getLogger("modelwire.auth")

# Request fields the ChatGPT backend refuses ("Unsupported parameter: ..."): it manages the output
# budget and sampling itself.
CHATGPT_UNSUPPORTED_FIELDS = ("max_output_tokens", "temperature", "top_p")
# The backend refuses a request without instructions ("Instructions are required") but takes an
# empty string; Codex always sends its own. Without the caller's, an empty string is sent.
CHATGPT_DEFAULT_INSTRUCTIONS = ""
# After a transient refresh failure while the token is still valid, wait this long before
# trying again (requests meanwhile use the current token).
TRANSIENT_COOLDOWN = 15.0
REFRESH_TIMEOUT = 30.0

# Error codes that mean the refresh token is dead, whatever the status.
_PERMANENT_CODES = frozenset(
    {
        "invalid_grant",
        "invalid_client",
        "unauthorized_client",
        "refresh_token_reused",
        "refresh_token_expired",
        "refresh_token_invalidated",
        "token_revoked",
        "revoked",
    }
)
_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
# How a service says a subscription credential is not for this client: Anthropic answers 400 (or
# 403) "This credential is only authorized for use with Claude Code and cannot be used for other
# API requests."; the pattern leaves the product's name open.
_ONLY_AUTHORIZED_FOR = re.compile(r"only authorized for use with\b", re.IGNORECASE)


class _Transient(Exception):
    def __init__(self, reason: str, *, status: int | None = None, wait: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.wait = wait


class _Refused(Exception):
    """The token endpoint refused the client itself (a 429 to a subscription refresh)."""

    def __init__(self, reason: str, *, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


class _Permanent(Exception):
    def __init__(self, reason: str, *, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


def _error_code(payload: Any) -> str | None:
    """The machine-readable error code of an OAuth error body, if it looks like one (only codes
    are ever shown: descriptions could echo what was sent)."""
    candidates: list[Any] = []
    if isinstance(payload, dict):
        error = payload.get("error")
        if isinstance(error, dict):
            candidates += [error.get("code"), error.get("type")]
        else:
            candidates.append(error)
        candidates.append(payload.get("code"))
    for candidate in candidates:
        if isinstance(candidate, str) and _CODE.match(candidate):
            return candidate
    return None


def classify_refresh_response(response: httpx2.Response) -> dict[str, Any]:
    """The token endpoint's JSON on success; raises _Transient or _Permanent otherwise."""
    status = response.status_code
    try:
        payload: Any = loads(response.content)
    except JSONDecodeError:
        payload = None
    if status == 200:
        if isinstance(payload, dict) and isinstance(payload.get("access_token"), str):
            return payload
        raise _Transient("the token endpoint answered 200 without an access token", status=status)
    code = _error_code(payload)
    if status in RETRYABLE_STATUSES and code not in _PERMANENT_CODES:
        raise _Transient(
            f"HTTP {status}" + (f" {code}" if code else ""),
            status=status,
            wait=retry_after(response.headers),
        )
    raise _Permanent(f"HTTP {status}" + (f" {code}" if code else ""), status=status)


# One lock per (store, provider) in this process: threads and worker threads of asyncio tasks
# queue here, and the store's file lock then serializes processes.
_REFRESH_LOCKS: dict[tuple[str, str, str], threading.Lock] = {}
_REFRESH_LOCKS_GUARD = threading.Lock()
_COOLDOWNS: dict[tuple[str, str, str], float] = {}


def _refresh_lock(key: tuple[str, str, str]) -> threading.Lock:
    with _REFRESH_LOCKS_GUARD:
        lock = _REFRESH_LOCKS.get(key)
        if lock is None:
            lock = _REFRESH_LOCKS[key] = threading.Lock()
        return lock


_Self = TypeVar("_Self", bound="OAuthAuth")


class OAuthAuth(Auth):
    """What both sign-in modes share: the token set, the store, refresh and its single flight.

    ``tokens`` defaults to what the store holds. ``http_client`` (sync) is used for refreshes;
    without one, the auth makes its own and closes it in :meth:`close`.
    """

    provider_bound = True
    refresh_margin: float = 300.0
    max_age: float | None = None
    retry = RetryPolicy(max_retries=2, initial_delay=0.25, max_delay=2.0)

    def __init__(
        self,
        tokens: TokenSet | None = None,
        *,
        store: CredentialStore | None = None,
        http_client: httpx2.Client | None = None,
    ) -> None:
        self._store = store if store is not None else default_store()
        self._key = (type(self._store).__name__, self._store.location, self.provider)
        self._http = http_client
        self._owns_http = http_client is None
        self._http_guard = threading.Lock()
        if tokens is None:
            tokens = self._read_store()
            if tokens is None:
                raise LoginRequiredError(
                    self.provider, f"not signed in to {self.provider} ({self._store.location})"
                )
        if tokens.provider != self.provider:
            raise ConfigurationError(
                f"{type(self).__name__} takes {self.provider} tokens, not {tokens.provider}"
            )
        self._tokens = self._normalize(tokens)

    # -- what the modes differ in ------------------------------------------------------------

    def _normalize(self, tokens: TokenSet) -> TokenSet:
        """Derive what the tokens themselves say (e.g. the ChatGPT JWT's expiry and account)."""
        return tokens

    def _refresh_call(self, http: httpx2.Client, tokens: TokenSet) -> TokenSet:
        raise NotImplementedError

    def _apply(self, request: OutgoingRequest, tokens: TokenSet) -> None:
        raise NotImplementedError

    # -- public surface ----------------------------------------------------------------------

    @property
    def store(self) -> CredentialStore:
        return self._store

    @property
    def tokens(self) -> TokenSet:
        """The token set in use (its repr hides the secrets)."""
        return self._tokens

    @property
    def account_id(self) -> str | None:
        return self._tokens.account_id

    @property
    def email(self) -> str | None:
        return self._tokens.email

    @property
    def expires_at(self) -> float | None:
        return self._tokens.expires_at

    def refresh_due(self) -> bool:
        return self._due(self._tokens)

    def prepare(self, request: OutgoingRequest) -> None:
        tokens = self._tokens
        if self._due(tokens):
            tokens = self.refresh()
        self._apply(request, tokens)

    def handle_unauthorized(self, request: OutgoingRequest) -> bool:
        rejected = self._sent_token(request)
        tokens = self.refresh(force=True, rejected=rejected)
        return tokens.access_token != rejected

    def explain(self, error: APIError) -> APIError:
        if error.status in (400, 403) and _ONLY_AUTHORIZED_FOR.search(error.message):
            return SubscriptionRefusedError(
                self.provider,
                f"HTTP {error.status}: {error.message}",
                status=error.status,
                request_id=error.request_id,
                native=error.native,
            )
        return error

    def refresh(self, *, force: bool = False, rejected: str | None = None) -> TokenSet:
        """Bring the tokens up to date, refreshing at most once across threads and processes.

        Without ``force``, refreshes only when the stored tokens are due. With ``force`` (after a
        401 for the access token ``rejected``), refreshes unless the store already holds another
        valid access token.
        """
        with _refresh_lock(self._key), self._store.lock():
            stored = self._read_store()
            if stored is None:
                raise LoginRequiredError(
                    self.provider,
                    f"the {self.provider} sign-in is no longer in {self._store.location}",
                )
            if force:
                if stored.access_token != rejected and not stored.expired():
                    return self._adopt(stored)  # another thread or process already refreshed
            elif not self._due(stored):
                return self._adopt(stored)
            usable_now = not force and not stored.expired()
            if usable_now and time.monotonic() < _COOLDOWNS.get(self._key, 0.0):
                return self._adopt(stored)
            fresh, new = self._refresh_locked(stored, usable_now=usable_now)
            if not new:
                return self._adopt(fresh)
            _COOLDOWNS.pop(self._key, None)
            self._store.save(self.provider, fresh.to_record())
            log.debug(
                "refreshed the %s sign-in; the access token expires in %s",
                self.provider,
                _seconds(fresh.expires_in()),
            )
            return self._adopt(fresh)

    def _refresh_locked(self, stored: TokenSet, *, usable_now: bool) -> tuple[TokenSet, bool]:
        """Spend ``stored``'s refresh token (the store lock is held). Returns the new tokens (and
        True: to be saved), or, with False, the tokens another program stored meanwhile, or
        ``stored`` itself when a transient failure leaves a still-valid access token in use."""
        spent: set[str] = set()
        while True:
            spent.add(stored.refresh_token)
            try:
                fresh = self._refresh_with_retries(stored, attempts=1 if usable_now else None)
                return fresh, True
            except _Transient as error:
                if usable_now:
                    _COOLDOWNS[self._key] = time.monotonic() + TRANSIENT_COOLDOWN
                    log.warning(
                        "could not refresh the %s sign-in (%s); the current access token is "
                        "still valid and stays in use",
                        self.provider,
                        error.reason,
                    )
                    return stored, False
                raise TokenRefreshError(self.provider, error.reason, status=error.status) from None
            except _Refused as error:
                if usable_now:
                    _COOLDOWNS[self._key] = time.monotonic() + TRANSIENT_COOLDOWN
                    log.warning(
                        "the %s token endpoint refused to refresh the sign-in (%s); the current "
                        "access token is still valid and stays in use",
                        self.provider,
                        error.reason,
                    )
                    return stored, False
                raise SubscriptionRefusedError(
                    self.provider, error.reason, status=error.status
                ) from None
            except _Permanent as error:
                # A program that does not share our lock may have rotated the tokens and written
                # them to the store: then the refresh token we spent was already dead, and the
                # store holds the living one.
                latest = self._read_store()
                if (
                    latest is None
                    or latest.refresh_token in spent
                    or not latest.same_account(stored)
                ):
                    refused = LoginRequiredError(
                        self.provider,
                        f"the {self.provider} sign-in was rejected by the token server "
                        f"({error.reason})",
                        status=error.status,
                    )
                    if latest is not None and latest.refresh_token in spent:
                        # The stored sign-in is the one refused: say so to `auth status`.
                        mark_rejected(self._store, self.provider, refused.message)
                    raise refused from None
                log.info(
                    "the %s refresh token had been rotated by another program; "
                    "using the tokens it stored",
                    self.provider,
                )
                if not latest.expired():
                    return latest, False
                stored = latest  # stored already expired: spend the living refresh token

    def close(self) -> None:
        with self._http_guard:
            if self._owns_http and self._http is not None:
                self._http.close()
                self._http = None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(account_id={self._tokens.account_id!r}, "
            f"email={self._tokens.email!r}, access_token={redact(self._tokens.access_token)!r}, "
            f"store={self._store.location!r})"
        )

    # -- internals ---------------------------------------------------------------------------

    def _due(self, tokens: TokenSet) -> bool:
        return tokens.due(margin=self.refresh_margin, max_age=self.max_age)

    def _adopt(self, tokens: TokenSet) -> TokenSet:
        tokens = self._normalize(tokens)
        self._tokens = tokens
        return tokens

    def _read_store(self) -> TokenSet | None:
        record = self._store.load(self.provider)
        if record is None:
            return None
        tokens = TokenSet.from_record(self.provider, record)
        return self._normalize(tokens) if tokens is not None else None

    @staticmethod
    def _sent_token(request: OutgoingRequest) -> str | None:
        value = request.headers.get("authorization", "")
        return value[7:] if value.lower().startswith("bearer ") else None

    def _client(self) -> httpx2.Client:
        with self._http_guard:
            if self._http is None:
                self._http = httpx2.Client(timeout=REFRESH_TIMEOUT)
                self._owns_http = True
            return self._http

    def _refresh_with_retries(self, tokens: TokenSet, *, attempts: int | None) -> TokenSet:
        limit = attempts if attempts is not None else self.retry.max_retries + 1
        attempt = 0
        while True:
            try:
                try:
                    return self._refresh_call(self._client(), tokens)
                except httpx2.TransportError as error:
                    raise _Transient(type(error).__name__) from None
            except _Transient as error:
                attempt += 1
                if attempt >= limit:
                    raise
                wait = self.retry.backoff(attempt - 1)
                if error.wait is not None and 0 <= error.wait <= self.retry.max_delay:
                    wait = error.wait
                # The same facts as the transport's retry records (transport/flow.py), so a
                # handler such as the CLI's countdown treats a refresh retry like any other.
                log.info(
                    "refreshing the %s sign-in failed (%s); retrying in %.2fs (attempt %d of %d)",
                    self.provider,
                    error.reason,
                    wait,
                    attempt + 1,
                    limit,
                    extra={
                        "retry_delay": wait,
                        "retry_reason": (
                            f"HTTP {error.status}"
                            if error.status is not None and error.status >= 400
                            else error.reason
                        ),
                        "attempt": attempt + 1,
                        "retry_of": "refresh",
                    },
                )
                time.sleep(wait)

    @classmethod
    def from_store(cls: type[_Self], store: CredentialStore | None = None, **kwargs: Any) -> _Self:
        """The signed-in auth from ``store`` (default: :func:`default_store`)."""
        return cls(store=store, **kwargs)


def _seconds(value: float | None) -> str:
    return "an unknown time" if value is None else f"{value:.0f}s"


class ChatGPTAuth(OAuthAuth):
    """ChatGPT sign-in: the Responses API through the ChatGPT backend (Codex's route).

    Sends ``Authorization: Bearer <access_token>`` and ``chatgpt-account-id``; :meth:`shape`
    applies the backend's rules and the mode's table (:class:`ChatGPTOAuthConfig`): see
    :meth:`shape`. ``session_id`` names the conversation for the backend's routing and prompt
    cache (default: a random one per ChatGPTAuth, that is per client); a request's own
    ``prompt_cache_key`` takes its place for that request.
    """

    mode = "chatgpt-oauth"
    provider = "chatgpt"
    apis = ("responses",)

    def __init__(
        self,
        tokens: TokenSet | None = None,
        *,
        store: CredentialStore | None = None,
        config: ChatGPTOAuthConfig | None = None,
        http_client: httpx2.Client | None = None,
        default_instructions: str = CHATGPT_DEFAULT_INSTRUCTIONS,
        session_id: str | None = None,
    ) -> None:
        self.config = config if config is not None else ChatGPTOAuthConfig.from_env()
        self.default_instructions = default_instructions
        self.session_id = session_id or str(uuid.uuid4())
        self.refresh_margin = self.config.refresh_margin_seconds
        self.max_age = self.config.refresh_after_days * 86400
        super().__init__(tokens, store=store, http_client=http_client)

    @property
    def plan(self) -> str | None:
        return self._tokens.plan

    def _normalize(self, tokens: TokenSet) -> TokenSet:
        claims = chatgpt_claims(tokens.id_token, tokens.access_token)
        return tokens.with_refresh(
            expires_at=claims.expires_at if claims.expires_at is not None else tokens.expires_at,
            account_id=claims.account_id or tokens.account_id,
            email=claims.email or tokens.email,
            plan=claims.plan or tokens.plan,
        )

    def shape(self, request: OutgoingRequest) -> None:
        """The backend's rules, as Codex follows them.

        - ``store: false`` and ``stream: true`` (the only values it takes); no
          ``max_output_tokens``/``temperature``/``top_p`` (refused as unsupported).
        - ``include`` always has the config's values (``reasoning.encrypted_content``) besides
          the caller's: the models reason whether asked to or not, and with ``store: false``
          only reasoning that carries its encrypted content can be sent back.
        - Reasoning items without ``encrypted_content`` are left out of the input: the backend
          keeps nothing, so it would refuse them ("Items are not persisted ...").
        - Messages of the ``instruction_roles`` (system, developer) leave the input and join
          ``instructions``, after the caller's own, in order.
        - ``instructions`` is always present (``default_instructions`` when nothing else).
        - Headers: ``originator``, ``session_id`` (with ``prompt_cache_key`` set to the same
          conversation id, as Codex does) and the config's ``headers`` table, each unless the
          request already carries it.
        """
        body = request.body
        body["store"] = False
        body["stream"] = True
        for name in CHATGPT_UNSUPPORTED_FIELDS:
            body.pop(name, None)
        include = body.get("include")
        asked = (
            [value for value in include if isinstance(value, str)]
            if isinstance(include, list)
            else []
        )
        body["include"] = list(dict.fromkeys([*asked, *self.config.include]))
        instructions = [body["instructions"]] if body.get("instructions") else []
        raw_input = body.get("input")
        if isinstance(raw_input, list):
            kept: list[Any] = []
            dropped = 0
            for item in raw_input:
                if _is_unreplayable_reasoning(item):
                    dropped += 1
                elif _role_of(item) in self.config.instruction_roles:
                    text = _instruction_text(item)
                    if text:
                        instructions.append(text)
                else:
                    kept.append(item)
            if dropped:
                log.debug(
                    "left %d reasoning item(s) without encrypted_content out of a ChatGPT "
                    "request: with store=false the backend cannot resolve them",
                    dropped,
                )
            body["input"] = kept
        body["instructions"] = (
            "\n\n".join(instructions) if instructions else self.default_instructions
        )
        cache_key = body.get("prompt_cache_key")
        if not isinstance(cache_key, str) or not cache_key:
            cache_key = body["prompt_cache_key"] = self.session_id
        headers = request.headers
        if self.config.originator:
            headers.setdefault("originator", self.config.originator)
        headers.setdefault("session_id", cache_key)
        for name, value in self.config.headers.items():
            headers.setdefault(name.lower(), value)

    def _apply(self, request: OutgoingRequest, tokens: TokenSet) -> None:
        request.headers["authorization"] = f"Bearer {tokens.access_token}"
        if tokens.account_id:
            request.headers["chatgpt-account-id"] = tokens.account_id

    def _refresh_call(self, http: httpx2.Client, tokens: TokenSet) -> TokenSet:
        response = http.post(
            self.config.token_url,
            json={
                "client_id": self.config.client_id,
                "grant_type": "refresh_token",
                "refresh_token": tokens.refresh_token,
                "scope": "openid profile email",
            },
            headers={"accept": "application/json"},
        )
        payload = classify_refresh_response(response)
        return chatgpt_tokens_from_response(payload, previous=tokens, source="refresh")


def chatgpt_tokens_from_response(
    payload: dict[str, Any], *, previous: TokenSet | None = None, source: str
) -> TokenSet:
    """A ChatGPT token set from a token endpoint answer (a refresh may omit the id_token or the
    refresh token: the previous ones stay)."""
    access = payload.get("access_token")
    refresh = payload.get("refresh_token") or (previous.refresh_token if previous else None)
    id_token = payload.get("id_token") or (previous.id_token if previous else None)
    if not isinstance(access, str) or not isinstance(refresh, str):
        raise _Transient("the token endpoint's answer lacks a token")
    claims = chatgpt_claims(id_token if isinstance(id_token, str) else None, access)
    expires_at = claims.expires_at
    if expires_at is None and isinstance(payload.get("expires_in"), int | float):
        expires_at = time.time() + float(payload["expires_in"])
    return TokenSet(
        provider="chatgpt",
        access_token=access,
        refresh_token=refresh,
        id_token=id_token if isinstance(id_token, str) else None,
        expires_at=expires_at,
        last_refresh=time.time(),
        account_id=claims.account_id or (previous.account_id if previous else None),
        email=claims.email or (previous.email if previous else None),
        plan=claims.plan or (previous.plan if previous else None),
        source=source,
    )


def _role_of(item: Any) -> str | None:
    if isinstance(item, dict) and item.get("type", "message") == "message":
        role = item.get("role")
        return role if isinstance(role, str) else None
    return None


def _is_unreplayable_reasoning(item: Any) -> bool:
    """A reasoning item the ChatGPT backend cannot resolve: with ``store: false`` it keeps no
    items, so only the encrypted content can carry the reasoning back."""
    return (
        isinstance(item, dict)
        and item.get("type") == "reasoning"
        and not isinstance(item.get("encrypted_content"), str)
    )


def _instruction_text(item: dict[str, Any]) -> str:
    """The text of a system/developer message, for ``instructions`` (text parts only)."""
    content = item.get("content")
    if isinstance(content, str):
        return content
    texts: list[str] = []
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, dict):
            continue
        if part.get("type") in ("input_text", "text", "output_text") and isinstance(
            part.get("text"), str
        ):
            texts.append(part["text"])
        else:
            raise ConfigurationError(
                f"a {item.get('role')} message to the ChatGPT backend travels in `instructions`, "
                f"which holds text only; it cannot carry a {part.get('type')!r} part"
            )
    return "\n\n".join(texts)


class ClaudeAuth(OAuthAuth):
    """Claude sign-in (Pro/Max): the Messages API with the subscription's OAuth token.

    Sends ``Authorization: Bearer <access_token>``, the config's ``betas`` (``oauth-2025-04-20``)
    merged into the request's ``anthropic-beta``, the config's ``headers``, never ``x-api-key``.
    The body goes as the caller built it: modelwire does not present itself as Claude Code (no
    borrowed system prompt or User-Agent). Anthropic's terms reserve subscription sign-ins for its
    own apps; where the service refuses one, :class:`SubscriptionRefusedError` says so (see
    docs/auth.md).
    """

    mode = "claude-oauth"
    provider = "claude"
    apis = ("messages",)

    def __init__(
        self,
        tokens: TokenSet | None = None,
        *,
        store: CredentialStore | None = None,
        config: ClaudeOAuthConfig | None = None,
        http_client: httpx2.Client | None = None,
    ) -> None:
        self.config = config if config is not None else ClaudeOAuthConfig.from_env()
        self.refresh_margin = self.config.refresh_margin_seconds
        super().__init__(tokens, store=store, http_client=http_client)

    def _apply(self, request: OutgoingRequest, tokens: TokenSet) -> None:
        request.headers.pop("x-api-key", None)
        request.headers.update({name.lower(): value for name, value in self.config.headers.items()})
        request.headers["authorization"] = f"Bearer {tokens.access_token}"
        merge_beta(request.headers, *self.config.betas)

    def _refresh_call(self, http: httpx2.Client, tokens: TokenSet) -> TokenSet:
        response = http.post(
            self.config.token_url,
            json={
                "grant_type": "refresh_token",
                "refresh_token": tokens.refresh_token,
                "client_id": self.config.client_id,
            },
            headers={"accept": "application/json"},
        )
        if response.status_code == 429:
            # Anthropic's token endpoint answers 429 to clients it does not take subscription
            # refreshes from, whatever the rate; retrying only repeats the refusal.
            raise _Refused("its token endpoint answered HTTP 429 to the refresh", status=429)
        payload = classify_refresh_response(response)
        return claude_tokens_from_response(payload, previous=tokens, source="refresh")


def claude_tokens_from_response(
    payload: dict[str, Any], *, previous: TokenSet | None = None, source: str
) -> TokenSet:
    """A Claude token set from a token endpoint answer (``expires_in`` becomes an absolute
    expiry; the refresh token rotates)."""
    access = payload.get("access_token")
    refresh = payload.get("refresh_token") or (previous.refresh_token if previous else None)
    if not isinstance(access, str) or not isinstance(refresh, str):
        raise _Transient("the token endpoint's answer lacks a token")
    now = time.time()
    expires_in = payload.get("expires_in")
    expires_at = (
        now + float(expires_in)
        if isinstance(expires_in, int | float) and not isinstance(expires_in, bool)
        else None
    )
    account = payload.get("account")
    organization = payload.get("organization")
    scope = payload.get("scope")
    if isinstance(scope, str):
        scopes = tuple(scope.split())
    else:
        scopes = previous.scopes if previous else ()

    def text(container: Any, key: str) -> str | None:
        if isinstance(container, dict) and isinstance(container.get(key), str):
            value: str = container[key]
            return value
        return None

    return TokenSet(
        provider="claude",
        access_token=access,
        refresh_token=refresh,
        expires_at=expires_at,
        last_refresh=now,
        account_id=text(account, "uuid") or (previous.account_id if previous else None),
        email=text(account, "email_address") or (previous.email if previous else None),
        plan=previous.plan if previous else None,
        organization=text(organization, "name") or (previous.organization if previous else None),
        scopes=scopes,
        source=source,
    )


_AUTH_TYPES: dict[str, Callable[..., OAuthAuth]] = {"chatgpt": ChatGPTAuth, "claude": ClaudeAuth}


def load_oauth_auth(provider: str, store: CredentialStore | None = None) -> OAuthAuth:
    """The signed-in auth for ``chatgpt`` or ``claude`` from the store (default: the configured
    one); :class:`LoginRequiredError` when there is no sign-in."""
    factory = _AUTH_TYPES.get(provider)
    if factory is None:
        raise ConfigurationError(
            f"{provider!r} has no sign-in: expected one of {', '.join(_AUTH_TYPES)}"
        )
    return factory(store=store)
