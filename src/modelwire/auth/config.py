"""Where the two OAuth servers live and who we are to them.

Every endpoint and client id is a default that environment variables and arguments override:
these endpoints have moved before (Claude's token host did in 2026), and tests and
``modelwire demo`` point them at the embedded server.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
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


#: The ChatGPT backend's per-request headers, as Codex sends them where the backend uses them
#: (``openai-beta``); ``originator``, ``session_id`` and ``chatgpt-account-id`` are added per
#: request from :class:`ChatGPTOAuthConfig` and the tokens. Extend or override it with
#: ``ChatGPTOAuthConfig(headers=...)`` / ``from_env(headers=...)`` or ``MODELWIRE_CHATGPT_HEADERS``.
CHATGPT_HEADERS: Mapping[str, str] = MappingProxyType({"openai-beta": "responses=experimental"})


@dataclass(frozen=True, slots=True)
class ChatGPTOAuthConfig:
    """ChatGPT sign-in (the Codex CLI's OAuth client) and the ChatGPT backend's request rules.

    ``callback_port`` is the loopback listener's port (1455, as registered for the client; 0 picks
    a free port, for tests); when it is taken, ``fallback_callback_port`` (1457, the client's
    second registered redirect; None: no fallback) is used. The redirect URI is
    ``http://localhost:<port>/auth/callback``. ``refresh_after_days`` is the fallback refresh
    interval when the access token's expiry cannot be read (Codex refreshes after 8 days).

    The table of what every backend request carries: ``originator`` (modelwire's own name: it
    says who is calling, and modelwire does not pose as Codex), ``headers`` (added unless the
    request already has them; an empty value drops one), ``include`` (always asked for: without
    the encrypted reasoning a ``store: false`` conversation cannot carry the model's reasoning
    into the next turn) and ``instruction_roles`` (input messages of these roles travel in
    ``instructions``: the backend refuses system messages in the input).
    """

    issuer: str = "https://auth.openai.com"
    authorize_url: str = "https://auth.openai.com/oauth/authorize"
    token_url: str = "https://auth.openai.com/oauth/token"
    client_id: str = "app_EMoamEEZ73f0CkXaXp7hrann"
    scope: str = "openid profile email offline_access api.connectors.read api.connectors.invoke"
    callback_port: int = 1455
    fallback_callback_port: int | None = 1457
    callback_path: str = "/auth/callback"
    refresh_margin_seconds: float = 300.0
    refresh_after_days: float = 8.0
    originator: str = "modelwire"
    headers: Mapping[str, str] = field(default_factory=lambda: dict(CHATGPT_HEADERS))
    include: tuple[str, ...] = ("reasoning.encrypted_content",)
    instruction_roles: tuple[str, ...] = ("system", "developer")

    ENV: ClassVar[dict[str, str]] = {
        "authorize_url": "MODELWIRE_CHATGPT_AUTHORIZE_URL",
        "token_url": "MODELWIRE_CHATGPT_TOKEN_URL",
        "client_id": "MODELWIRE_CHATGPT_CLIENT_ID",
    }
    #: The request-table variables (ENV names the OAuth endpoints, which the emulator can serve).
    ORIGINATOR_ENV: ClassVar[str] = "MODELWIRE_CHATGPT_ORIGINATOR"
    #: A JSON object of headers merged over :data:`CHATGPT_HEADERS` ("" drops one).
    HEADERS_ENV: ClassVar[str] = "MODELWIRE_CHATGPT_HEADERS"

    @classmethod
    def from_env(cls, **overrides: Any) -> ChatGPTOAuthConfig:
        """Defaults, then ``MODELWIRE_CHATGPT_*`` variables, then ``overrides`` (None: unset).

        ``headers`` merge by name: the defaults, then ``MODELWIRE_CHATGPT_HEADERS``, then the
        ``headers`` override; an empty value removes a header.
        """
        headers = merge_headers(
            CHATGPT_HEADERS, _headers_from_env(cls.HEADERS_ENV), overrides.pop("headers", None)
        )
        env = {**cls.ENV, "originator": cls.ORIGINATOR_ENV}
        return _from_env(cls, env, {**overrides, "headers": headers})

    def redirect_uri(self, port: int) -> str:
        return f"http://localhost:{port}{self.callback_path}"


def merge_headers(*layers: Mapping[str, str] | None) -> dict[str, str]:
    """Header tables merged by (lower-cased) name, later layers winning; "" removes a header."""
    merged: dict[str, str] = {}
    for layer in layers:
        for name, value in (layer or {}).items():
            if value:
                merged[name.lower()] = value
            else:
                merged.pop(name.lower(), None)
    return merged


def _headers_from_env(variable: str) -> dict[str, str]:
    raw = os.environ.get(variable)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ConfigurationError(
            f"{variable} must be a JSON object of header names to string values, "
            'for example {"openai-beta": "responses=experimental"}'
        )
    return value


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


@dataclass(frozen=True, slots=True)
class ClaudeOAuthConfig:
    """Claude sign-in (Claude Code's OAuth client; Pro/Max subscriptions): the mode's one table of
    endpoints, client, scopes and what goes on every Messages request.

    ``redirect_uri`` is the hosted page that shows the user a ``code#state`` to paste back.
    ``loopback_path`` is used instead when a loopback listener is asked for
    (``http://localhost:<port>/callback``). ``betas`` are merged into each request's
    ``anthropic-beta`` (after the caller's, never twice); replace them to override, or add a beta
    per request through ``MessagesOptions``/``extra_headers``. ``headers`` are added to every
    request of the mode (a name given there replaces modelwire's value; merged by name from
    ``MODELWIRE_CLAUDE_HEADERS`` and the ``headers`` override).
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
        # Merged by name: MODELWIRE_CLAUDE_HEADERS, then the ``headers`` override ("" drops one).
        from_env["headers"] = merge_headers(
            _headers_from_env(cls.HEADERS_ENV), overrides.get("headers")
        )
        return replace(config, **from_env)

    def loopback_redirect_uri(self, port: int) -> str:
        return f"http://localhost:{port}{self.loopback_path}"
