"""Credentials as the real services check them: API keys, both OAuth servers, issued tokens.

- API keys: by default any key that looks real is accepted (``sk-...`` for OpenAI, ``sk-ant-...``
  for Anthropic); a server built with an explicit key set accepts exactly those.
- ChatGPT sign-in: authorization code + PKCE (S256), then JWTs (HS256 under the server's secret)
  carrying the ``https://api.openai.com/auth`` claim, and a rotating refresh token.
- Claude sign-in: authorization code + PKCE (S256), opaque ``sk-ant-oat01-`` access tokens and
  rotating ``sk-ant-ort01-`` refresh tokens.

The JWT code uses only the standard library (hmac, base64, json).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

OAuthProvider: TypeAlias = Literal["chatgpt", "claude"]

CHATGPT_CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann"
CHATGPT_REDIRECT_URI = "http://localhost:1455/auth/callback"
CHATGPT_SCOPE = "openid profile email offline_access"
CLAUDE_CLIENT_ID = "9d1c250a-e61b-44d9-88ed-5944d1962f5e"
CLAUDE_REDIRECT_URI = "https://platform.claude.com/oauth/code/callback"
CLAUDE_SCOPE = (
    "org:create_api_key user:profile user:inference user:sessions:claude_code user:mcp_servers "
    "user:file_upload"
)

#: The claim of OpenAI's tokens that carries the ChatGPT account.
OPENAI_AUTH_CLAIM = "https://api.openai.com/auth"
OPENAI_PROFILE_CLAIM = "https://api.openai.com/profile"

AUTHORIZATION_CODE_TTL = 600.0
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


# -- small primitives -----------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a PKCE verifier (RFC 7636)."""
    return b64url(hashlib.sha256(verifier.encode()).digest())


def jwt_encode(claims: Mapping[str, Any], secret: bytes) -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64url(json.dumps(dict(claims), separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = b64url(hmac.new(secret, signing_input, hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


def jwt_decode(token: str, secret: bytes) -> dict[str, Any] | None:
    """The claims of a token this secret signed, or None (expiry is checked by the caller)."""
    pieces = token.split(".")
    if len(pieces) != 3:
        return None
    header, payload, signature = pieces
    expected = b64url(hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(signature, expected):
        return None
    try:
        claims = json.loads(b64url_decode(payload))
    except ValueError:
        return None
    return claims if isinstance(claims, dict) else None


def mask_key(key: str) -> str:
    """A key as OpenAI shows it in errors: never the whole secret."""
    if len(key) <= 8:
        return "*" * len(key)
    return f"{key[:4]}***{key[-3:]}"


def is_loopback_redirect(uri: str) -> bool:
    return re.match(r"^http://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(/|$)", uri) is not None


# -- API keys -------------------------------------------------------------------------------------


class ApiKeys:
    """Which API keys the server accepts."""

    def __init__(self, accepted: Collection[str] | None = None) -> None:
        self._accepted = set(accepted) if accepted is not None else None
        self._revoked: set[str] = set()
        self._lock = threading.Lock()

    def revoke(self, key: str) -> None:
        with self._lock:
            self._revoked.add(key)

    def _known(self, key: str) -> bool:
        with self._lock:
            if key in self._revoked:
                return False
            return self._accepted is None or key in self._accepted

    def openai(self, key: str) -> bool:
        looks_real = key.startswith("sk-") and not key.startswith("sk-ant-") and len(key) > 3
        return looks_real and " " not in key and self._known(key)

    def anthropic(self, key: str) -> bool:
        looks_real = key.startswith("sk-ant-") and not key.startswith(("sk-ant-oat", "sk-ant-ort"))
        return looks_real and len(key) > 7 and " " not in key and self._known(key)


# -- OAuth ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """The signed-in user every OAuth login of this server returns."""

    email: str = "user@example.com"
    chatgpt_account_id: str = "6f1b8c2e-3a4d-4e5f-8a9b-0c1d2e3f4a5b"
    chatgpt_user_id: str = "user-Fake0000000000000000000"
    chatgpt_plan_type: str = "plus"
    claude_account_uuid: str = "0b6f9a52-7c1d-4e8a-9f3b-2d4c6e8a0b1c"
    claude_organization_uuid: str = "5e7a9c1b-3d5f-4a7b-8c9d-1e3f5a7b9c2d"
    claude_organization_name: str = "Example Organization"


class OAuthFailure(Exception):
    """A refused token request: the status and the error of the provider's own body."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


@dataclass
class _PendingCode:
    provider: OAuthProvider
    client_id: str
    redirect_uri: str
    challenge: str
    scope: str
    state: str
    expires_at: float
    used: bool = False


@dataclass
class _AccessGrant:
    provider: OAuthProvider
    expires_at: float
    account_id: str
    revoked: bool = False


@dataclass
class _RefreshGrant:
    provider: OAuthProvider
    client_id: str
    scope: str
    spent: bool = False
    revoked: bool = False


AccessStatus: TypeAlias = Literal["ok", "expired", "revoked", "unknown"]


@dataclass(frozen=True)
class AccessCheck:
    status: AccessStatus
    account_id: str | None = None


@dataclass
class TokenStore:
    """Authorization codes, access tokens and refresh tokens of both OAuth servers."""

    identity: Identity
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    chatgpt_access_ttl: float = 3600.0
    claude_access_ttl: float = 28800.0
    clock: Callable[[], float] = time.time
    _codes: dict[str, _PendingCode] = field(default_factory=dict)
    _access: dict[str, _AccessGrant] = field(default_factory=dict)  # jti or opaque token -> grant
    _refresh: dict[str, _RefreshGrant] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- authorization codes ---------------------------------------------------------------------

    def create_code(
        self,
        provider: OAuthProvider,
        *,
        client_id: str,
        redirect_uri: str,
        challenge: str,
        scope: str,
        state: str,
    ) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = _PendingCode(
                provider,
                client_id,
                redirect_uri,
                challenge,
                scope,
                state,
                self.clock() + AUTHORIZATION_CODE_TTL,
            )
        return code

    def exchange_code(
        self,
        provider: OAuthProvider,
        *,
        code: str,
        client_id: str,
        redirect_uri: str,
        verifier: str,
        state: str | None = None,
    ) -> dict[str, Any]:
        """Redeem an authorization code (once) for tokens; PKCE S256 is verified."""
        with self._lock:
            pending = self._codes.get(code)
            if pending is None or pending.provider != provider:
                raise OAuthFailure(400, "invalid_grant", "Invalid authorization code")
            if pending.used:
                raise OAuthFailure(400, "invalid_grant", "Authorization code has already been used")
            if pending.expires_at < self.clock():
                raise OAuthFailure(400, "invalid_grant", "Authorization code has expired")
            if client_id != pending.client_id:
                raise OAuthFailure(401, "invalid_client", "Client authentication failed")
            if redirect_uri != pending.redirect_uri:
                raise OAuthFailure(
                    400,
                    "invalid_grant",
                    "redirect_uri does not match the one of the authorization request",
                )
            if state is not None and state != pending.state:
                raise OAuthFailure(400, "invalid_grant", "Invalid state")
            if not _VERIFIER.match(verifier) or not hmac.compare_digest(
                pkce_challenge(verifier), pending.challenge
            ):
                raise OAuthFailure(400, "invalid_grant", "Failed to verify code verifier")
            pending.used = True
            scope = pending.scope
        return self.issue(provider, client_id=client_id, scope=scope)

    # -- tokens ----------------------------------------------------------------------------------

    def issue(
        self, provider: OAuthProvider, *, client_id: str | None = None, scope: str | None = None
    ) -> dict[str, Any]:
        """A fresh token set, as the provider's token endpoint returns it."""
        if provider == "chatgpt":
            return self._issue_chatgpt(client_id or CHATGPT_CLIENT_ID, scope or CHATGPT_SCOPE)
        return self._issue_claude(client_id or CLAUDE_CLIENT_ID, scope or CLAUDE_SCOPE)

    def _new_refresh(self, provider: OAuthProvider, client_id: str, scope: str, prefix: str) -> str:
        token = prefix + secrets.token_urlsafe(48)
        self._refresh[token] = _RefreshGrant(provider, client_id, scope)
        return token

    def _issue_chatgpt(self, client_id: str, scope: str) -> dict[str, Any]:
        identity = self.identity
        now = int(self.clock())
        expires = now + int(self.chatgpt_access_ttl)
        jti = secrets.token_hex(16)
        auth_claim = {
            "chatgpt_account_id": identity.chatgpt_account_id,
            "chatgpt_plan_type": identity.chatgpt_plan_type,
            "chatgpt_user_id": identity.chatgpt_user_id,
            "user_id": identity.chatgpt_user_id,
        }
        subject = f"auth0|{identity.chatgpt_user_id}"
        access = jwt_encode(
            {
                "iss": "https://auth.openai.com",
                "aud": ["https://api.openai.com/v1"],
                "client_id": client_id,
                "sub": subject,
                "iat": now,
                "nbf": now,
                "exp": expires,
                "jti": jti,
                "scp": scope.split(),
                "email": identity.email,
                OPENAI_AUTH_CLAIM: auth_claim,
                OPENAI_PROFILE_CLAIM: {"email": identity.email, "email_verified": True},
            },
            self.secret,
        )
        id_token = jwt_encode(
            {
                "iss": "https://auth.openai.com",
                "aud": [client_id],
                "sub": subject,
                "iat": now,
                "auth_time": now,
                "exp": expires,
                "email": identity.email,
                "email_verified": True,
                OPENAI_AUTH_CLAIM: {
                    **auth_claim,
                    "organizations": [
                        {"id": "org-Fake000000000000000000", "is_default": True, "role": "owner"}
                    ],
                },
            },
            self.secret,
        )
        with self._lock:
            self._access[jti] = _AccessGrant("chatgpt", expires, identity.chatgpt_account_id)
            refresh = self._new_refresh("chatgpt", client_id, scope, "rt_")
        return {
            "id_token": id_token,
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": int(self.chatgpt_access_ttl),
            "scope": scope,
        }

    def _issue_claude(self, client_id: str, scope: str) -> dict[str, Any]:
        identity = self.identity
        access = "sk-ant-oat01-" + secrets.token_urlsafe(72)
        with self._lock:
            self._access[access] = _AccessGrant(
                "claude", self.clock() + self.claude_access_ttl, identity.claude_account_uuid
            )
            refresh = self._new_refresh("claude", client_id, scope, "sk-ant-ort01-")
        return {
            "token_type": "Bearer",
            "access_token": access,
            "expires_in": int(self.claude_access_ttl),
            "refresh_token": refresh,
            "scope": scope,
            "account": {"uuid": identity.claude_account_uuid, "email_address": identity.email},
            "organization": {
                "uuid": identity.claude_organization_uuid,
                "name": identity.claude_organization_name,
            },
        }

    def refresh(self, provider: OAuthProvider, token: str, client_id: str) -> dict[str, Any]:
        """Spend a refresh token for a new token set; the refresh token rotates."""
        with self._lock:
            grant = self._refresh.get(token)
            if grant is None or grant.provider != provider:
                raise OAuthFailure(401, "refresh_token_invalidated", "Refresh token not found")
            if grant.revoked:
                raise OAuthFailure(401, "refresh_token_invalidated", "Refresh token was revoked")
            if grant.spent:
                raise OAuthFailure(401, "refresh_token_reused", "Refresh token already used")
            if client_id != grant.client_id:
                raise OAuthFailure(401, "invalid_client", "Client authentication failed")
            grant.spent = True
            scope = grant.scope
        return self.issue(provider, client_id=client_id, scope=scope)

    def check_access(self, provider: OAuthProvider, token: str) -> AccessCheck:
        if provider == "chatgpt":
            claims = jwt_decode(token, self.secret)
            key = str(claims.get("jti")) if claims is not None else None
        else:
            key = token
        with self._lock:
            grant = self._access.get(key) if key is not None else None
            if grant is None or grant.provider != provider:
                return AccessCheck("unknown")
            if grant.revoked:
                return AccessCheck("revoked", grant.account_id)
            if grant.expires_at <= self.clock():
                return AccessCheck("expired", grant.account_id)
            return AccessCheck("ok", grant.account_id)

    def expire_access_token(self, provider: OAuthProvider, token: str) -> None:
        if provider == "chatgpt":
            claims = jwt_decode(token, self.secret) or {}
            token = str(claims.get("jti"))
        with self._lock:
            grant = self._access.get(token)
            if grant is not None:
                grant.expires_at = min(grant.expires_at, self.clock())

    def expire_access_tokens(self, provider: OAuthProvider | None = None) -> None:
        now = self.clock()
        with self._lock:
            for grant in self._access.values():
                if provider is None or grant.provider == provider:
                    grant.expires_at = min(grant.expires_at, now)

    def revoke(self, provider: OAuthProvider | None = None) -> None:
        """Revoke every access and refresh token (e.g. the user signed out elsewhere)."""
        with self._lock:
            for grant in self._access.values():
                if provider is None or grant.provider == provider:
                    grant.revoked = True
            for refresh in self._refresh.values():
                if provider is None or refresh.provider == provider:
                    refresh.revoked = True

    def reset(self) -> None:
        with self._lock:
            self._codes.clear()
            self._access.clear()
            self._refresh.clear()
