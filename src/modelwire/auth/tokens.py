"""OAuth token sets as stored, JWT claims, and when a token set is due for a refresh.

Nothing here talks to the network. A :class:`TokenSet` never shows its secrets in ``repr``.
"""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ..wire.json import loads
from .base import redact

OPENAI_AUTH_CLAIM = "https://api.openai.com/auth"
OPENAI_PROFILE_CLAIM = "https://api.openai.com/profile"


def jwt_claims(token: str | None) -> dict[str, Any]:
    """The payload of a JWT, unverified (we only read what our own OAuth server issued to us);
    an empty dict when ``token`` is not a JWT."""
    if not token or token.count(".") != 2:
        return {}
    payload = token.split(".")[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = loads(raw)
    except (binascii.Error, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@dataclass(frozen=True, slots=True)
class ChatGPTClaims:
    """What the ChatGPT tokens say about the account (none of it secret)."""

    account_id: str | None = None
    email: str | None = None
    plan: str | None = None
    expires_at: float | None = None  # the access token's ``exp``


def chatgpt_claims(id_token: str | None, access_token: str | None) -> ChatGPTClaims:
    """Account id, email and plan from the id_token (falling back to the access token, which
    carries the same ``https://api.openai.com/auth`` claim), and the access token's expiry."""
    id_claims = jwt_claims(id_token)
    access_claims = jwt_claims(access_token)
    auth: dict[str, Any] = {}
    for claims in (access_claims, id_claims):  # the id_token wins
        value = claims.get(OPENAI_AUTH_CLAIM)
        if isinstance(value, dict):
            auth.update(value)
    profile = access_claims.get(OPENAI_PROFILE_CLAIM)
    email = _str(id_claims.get("email")) or (
        _str(profile.get("email")) if isinstance(profile, dict) else None
    )
    return ChatGPTClaims(
        account_id=_str(auth.get("chatgpt_account_id")),
        email=email,
        plan=_str(auth.get("chatgpt_plan_type")),
        expires_at=_number(access_claims.get("exp")),
    )


def parse_timestamp(value: Any) -> float | None:
    """Seconds since the epoch from a number (seconds, or milliseconds when huge) or an ISO-8601
    string (Codex writes ``last_refresh`` so)."""
    number = _number(value)
    if number is not None:
        return number / 1000 if number > 1e11 else number
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


@dataclass(frozen=True, slots=True, repr=False)
class TokenSet:
    """One provider's OAuth tokens and what is known about the account.

    ``expires_at`` and ``last_refresh`` are seconds since the epoch. ``source`` says where the
    tokens came from (``login``, ``refresh``, ``codex``, ``claude-code``).
    """

    provider: str
    access_token: str
    refresh_token: str
    id_token: str | None = None
    expires_at: float | None = None
    last_refresh: float = field(default_factory=time.time)
    account_id: str | None = None
    email: str | None = None
    plan: str | None = None
    organization: str | None = None
    scopes: tuple[str, ...] = ()
    source: str = "login"

    def expires_in(self, now: float | None = None) -> float | None:
        if self.expires_at is None:
            return None
        return self.expires_at - (time.time() if now is None else now)

    def due(self, *, margin: float, max_age: float | None, now: float | None = None) -> bool:
        """True when the access token expires within ``margin`` seconds (or within half its
        lifetime, for tokens that live less than twice the margin: otherwise every request would
        refresh them); without a known expiry, when the last refresh is older than ``max_age``
        (None: never)."""
        now = time.time() if now is None else now
        if self.expires_at is not None:
            lifetime = self.expires_at - self.last_refresh
            if 0 < lifetime < 2 * margin:
                margin = lifetime / 2
            return self.expires_at - now <= margin
        return max_age is not None and now - self.last_refresh >= max_age

    def expired(self, now: float | None = None) -> bool:
        remaining = self.expires_in(now)
        return remaining is not None and remaining <= 0

    def same_account(self, other: TokenSet) -> bool:
        """Whether two token sets belong to one account (unknown accounts are given the benefit
        of the doubt: the store holds one sign-in per provider)."""
        if self.provider != other.provider:
            return False
        if self.account_id and other.account_id:
            return self.account_id == other.account_id
        return True

    def with_refresh(self, **changes: Any) -> TokenSet:
        return replace(self, **changes)

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "type": "oauth",
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "last_refresh": self.last_refresh,
            "source": self.source,
        }
        optional = {
            "id_token": self.id_token,
            "expires_at": self.expires_at,
            "account_id": self.account_id,
            "email": self.email,
            "plan": self.plan,
            "organization": self.organization,
        }
        record.update({k: v for k, v in optional.items() if v is not None})
        if self.scopes:
            record["scopes"] = list(self.scopes)
        return record

    @classmethod
    def from_record(cls, provider: str, record: dict[str, Any]) -> TokenSet | None:
        """The token set in a stored record, or None when the record is not a usable sign-in."""
        access = _str(record.get("access_token"))
        refresh = _str(record.get("refresh_token"))
        if record.get("type") != "oauth" or access is None or refresh is None:
            return None
        scopes = record.get("scopes")
        scope_names = [s for s in scopes if isinstance(s, str)] if isinstance(scopes, list) else []
        return cls(
            provider=provider,
            access_token=access,
            refresh_token=refresh,
            id_token=_str(record.get("id_token")),
            expires_at=parse_timestamp(record.get("expires_at")),
            last_refresh=parse_timestamp(record.get("last_refresh")) or 0.0,
            account_id=_str(record.get("account_id")),
            email=_str(record.get("email")),
            plan=_str(record.get("plan")),
            organization=_str(record.get("organization")),
            scopes=tuple(scope_names),
            source=_str(record.get("source")) or "login",
        )

    def __repr__(self) -> str:
        return (
            f"TokenSet(provider={self.provider!r}, access_token={redact(self.access_token)!r}, "
            f"refresh_token={redact(self.refresh_token)!r}, expires_at={self.expires_at!r}, "
            f"account_id={self.account_id!r}, email={self.email!r}, plan={self.plan!r})"
        )
