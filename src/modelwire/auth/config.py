"""Where the two OAuth servers live and who we are to them.

Every endpoint and client id is a default that environment variables and arguments override:
these endpoints have moved before (Claude's token host did in 2026), and tests and
``modelwire demo`` point them at the embedded server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar, TypeVar

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


@dataclass(frozen=True, slots=True)
class ClaudeOAuthConfig:
    """Claude sign-in (Claude Code's OAuth client; Pro/Max subscriptions).

    ``redirect_uri`` is the hosted page that shows the user a ``code#state`` to paste back.
    ``loopback_path`` is used instead when a loopback listener is asked for
    (``http://localhost:<port>/callback``).
    """

    authorize_url: str = "https://claude.ai/oauth/authorize"
    token_url: str = "https://platform.claude.com/v1/oauth/token"
    client_id: str = "9d1c250a-e61b-44d9-88ed-5944d1962f5e"
    redirect_uri: str = "https://platform.claude.com/oauth/code/callback"
    scope: str = "org:create_api_key user:profile user:inference"
    loopback_path: str = "/callback"
    refresh_margin_seconds: float = 300.0

    ENV: ClassVar[dict[str, str]] = {
        "authorize_url": "MODELWIRE_CLAUDE_AUTHORIZE_URL",
        "token_url": "MODELWIRE_CLAUDE_TOKEN_URL",
        "client_id": "MODELWIRE_CLAUDE_CLIENT_ID",
        "redirect_uri": "MODELWIRE_CLAUDE_REDIRECT_URI",
    }

    @classmethod
    def from_env(cls, **overrides: Any) -> ClaudeOAuthConfig:
        """Defaults, then ``MODELWIRE_CLAUDE_*`` variables, then ``overrides`` (None: unset)."""
        return _from_env(cls, cls.ENV, overrides)

    def loopback_redirect_uri(self, port: int) -> str:
        return f"http://localhost:{port}{self.loopback_path}"
