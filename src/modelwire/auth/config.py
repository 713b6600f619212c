"""Where the two OAuth servers live and who we are to them.

Every endpoint and client id is a default that environment variables and arguments override:
these endpoints have moved before (Claude's token host did in 2026), and tests and
``modelwire demo`` point them at the embedded server.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, TypeVar

from ..common.errors import ConfigurationError

#: The OpenAI API-key mode's table: each account-scoping setting and the header that carries it
#: (as openai-python sends them). The values come from ``OpenAIKeyAuth(organization=, project=)``,
#: ``mw.Client(organization=, project=)`` or the variables in ``services.py``.
OPENAI_SCOPING_HEADERS: dict[str, str] = {
    "organization": "openai-organization",
    "project": "openai-project",
}

_Config = TypeVar("_Config", "ChatGPTOAuthConfig", "ClaudeOAuthConfig")


def _from_env(cls: type[_Config], env: dict[str, str], overrides: dict[str, Any]) -> _Config:
    config = cls()
    values: dict[str, Any] = {}
    for name, variable in env.items():
        value = os.environ.get(variable)
        if value:
            values[name] = value
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {', '.join(unknown)}")
    values.update({k: v for k, v in overrides.items() if v is not None})
    return replace(config, **values)


@dataclass(frozen=True, slots=True)
class ChatGPTOAuthConfig:
    """ChatGPT sign-in (the Codex CLI's OAuth client).

    ``callback_port`` is the loopback listener's port (1455, as registered for the client; 0 picks
    a free port, for tests); the redirect URI is ``http://localhost:<port>/auth/callback``.
    ``refresh_after_days`` is the fallback refresh interval when the access token's expiry cannot
    be read (Codex refreshes after 8 days).
    """

    issuer: str = "https://auth.openai.com"
    authorize_url: str = "https://auth.openai.com/oauth/authorize"
    token_url: str = "https://auth.openai.com/oauth/token"
    client_id: str = "app_EMoamEEZ73f0CkXaXp7hrann"
    scope: str = "openid profile email offline_access"
    callback_port: int = 1455
    callback_path: str = "/auth/callback"
    refresh_margin_seconds: float = 300.0
    refresh_after_days: float = 8.0

    ENV: ClassVar[dict[str, str]] = {
        "authorize_url": "MODELWIRE_CHATGPT_AUTHORIZE_URL",
        "token_url": "MODELWIRE_CHATGPT_TOKEN_URL",
        "client_id": "MODELWIRE_CHATGPT_CLIENT_ID",
    }

    @classmethod
    def from_env(cls, **overrides: Any) -> ChatGPTOAuthConfig:
        """Defaults, then ``MODELWIRE_CHATGPT_*`` variables, then ``overrides`` (None: unset)."""
        return _from_env(cls, cls.ENV, overrides)

    def redirect_uri(self, port: int) -> str:
        return f"http://localhost:{port}{self.callback_path}"


#: The beta every Messages request with a Claude OAuth access token must name: without it the API
#: answers 401 "OAuth authentication is currently not supported." (pi-mono and Claude Code send it;
#: see docs/auth.md for the references).
CLAUDE_OAUTH_BETA = "oauth-2025-04-20"
#: The scopes Claude's sign-in grants today (pi-mono packages/ai/src/utils/oauth/anthropic.ts).
CLAUDE_SCOPE = (
    "org:create_api_key user:profile user:inference user:sessions:claude_code "
    "user:mcp_servers user:file_upload"
)


def _env_betas(variable: str) -> tuple[str, ...] | None:
    value = os.environ.get(variable)
    if value is None or not value.strip():
        return None
    return tuple(beta.strip() for beta in value.split(",") if beta.strip())


def _env_headers(variable: str) -> dict[str, str] | None:
    """A JSON object of header names to values; the message on a bad one names the variable
    only (a header value may be a secret)."""
    value = os.environ.get(variable)
    if value is None or not value.strip():
        return None
    from ..wire.json import JSONDecodeError, loads

    try:
        parsed = loads(value)
    except JSONDecodeError:
        parsed = None
    if not isinstance(parsed, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()
    ):
        raise ConfigurationError(
            f'{variable} must be a JSON object of header names to strings, e.g. {{"x-name": "v"}}'
        )
    return parsed


@dataclass(frozen=True, slots=True)
class ClaudeOAuthConfig:
    """Claude sign-in (Claude Code's OAuth client; Pro/Max subscriptions): the mode's one table of
    endpoints, client, scopes and what goes on every Messages request.

    ``redirect_uri`` is the hosted page that shows the user a ``code#state`` to paste back.
    ``loopback_path`` is used instead when a loopback listener is asked for
    (``http://localhost:<port>/callback``). ``betas`` are merged into each request's
    ``anthropic-beta`` (after the caller's, never twice); replace them to override, or add a beta
    per request through ``MessagesOptions``/``extra_headers``. ``headers`` are added to every
    request of the mode (a name given there replaces modelwire's value).
    """

    authorize_url: str = "https://claude.ai/oauth/authorize"
    token_url: str = "https://platform.claude.com/v1/oauth/token"
    client_id: str = "9d1c250a-e61b-44d9-88ed-5944d1962f5e"
    redirect_uri: str = "https://platform.claude.com/oauth/code/callback"
    scope: str = CLAUDE_SCOPE
    loopback_path: str = "/callback"
    refresh_margin_seconds: float = 300.0
    betas: tuple[str, ...] = (CLAUDE_OAUTH_BETA,)
    headers: Mapping[str, str] = field(default_factory=dict)

    ENV: ClassVar[dict[str, str]] = {
        "authorize_url": "MODELWIRE_CLAUDE_AUTHORIZE_URL",
        "token_url": "MODELWIRE_CLAUDE_TOKEN_URL",
        "client_id": "MODELWIRE_CLAUDE_CLIENT_ID",
        "redirect_uri": "MODELWIRE_CLAUDE_REDIRECT_URI",
        "scope": "MODELWIRE_CLAUDE_SCOPE",
    }
    #: ``betas``: comma-separated; ``headers``: a JSON object.
    BETAS_ENV: ClassVar[str] = "MODELWIRE_CLAUDE_BETAS"
    HEADERS_ENV: ClassVar[str] = "MODELWIRE_CLAUDE_HEADERS"

    @classmethod
    def from_env(cls, **overrides: Any) -> ClaudeOAuthConfig:
        """Defaults, then ``MODELWIRE_CLAUDE_*`` variables, then ``overrides`` (None: unset)."""
        config = _from_env(cls, cls.ENV, overrides)
        from_env: dict[str, Any] = {}
        if overrides.get("betas") is None:
            betas = _env_betas(cls.BETAS_ENV)
            if betas is not None:
                from_env["betas"] = betas
        if overrides.get("headers") is None:
            headers = _env_headers(cls.HEADERS_ENV)
            if headers is not None:
                from_env["headers"] = headers
        return replace(config, **from_env) if from_env else config

    def loopback_redirect_uri(self, port: int) -> str:
        return f"http://localhost:{port}{self.loopback_path}"
