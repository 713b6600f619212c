"""Auth: four modes (OpenAI key, ChatGPT sign-in, Anthropic key, Claude sign-in), the credential
store, login flows and refresh. The client only sees :class:`~modelwire.auth.base.Auth`.

The sign-in modes, stores and logins load on first use, so importing this package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .base import AnthropicKeyAuth, Auth, OpenAIKeyAuth, OutgoingRequest
from .errors import (
    CredentialStoreError,
    LoginError,
    LoginRequiredError,
    LoginTimeoutError,
    SubscriptionRefusedError,
    TokenRefreshError,
)

if TYPE_CHECKING:
    from .config import ChatGPTOAuthConfig, ClaudeOAuthConfig
    from .login import (
        AuthStatus,
        import_claude_code_login,
        import_codex_login,
        login_chatgpt,
        login_claude,
        logout,
        save_api_key,
        status,
    )
    from .oauth import ChatGPTAuth, ClaudeAuth, OAuthAuth
    from .store import CredentialStore, FileStore, KeyringStore, MemoryStore, default_store
    from .tokens import TokenSet


def stored_api_key(provider: str) -> str | None:
    """The API key saved by ``modelwire login <provider> --api-key -``, if any."""
    from .store import default_store

    return default_store().api_key(provider)


def oauth_auth(provider: str) -> Auth:
    """The signed-in OAuth auth for ``chatgpt`` or ``claude`` from the credential store."""
    from .oauth import load_oauth_auth

    return load_oauth_auth(provider)


def available_providers() -> list[str]:
    """Providers with usable stored credentials, in the order ``from_env`` prefers them."""
    from .store import default_store

    return default_store().available_providers()


_LAZY: dict[str, str] = {
    "ChatGPTOAuthConfig": "config",
    "ClaudeOAuthConfig": "config",
    "AuthStatus": "login",
    "import_claude_code_login": "login",
    "import_codex_login": "login",
    "login_chatgpt": "login",
    "login_claude": "login",
    "logout": "login",
    "save_api_key": "login",
    "status": "login",
    "ChatGPTAuth": "oauth",
    "ClaudeAuth": "oauth",
    "OAuthAuth": "oauth",
    "CredentialStore": "store",
    "FileStore": "store",
    "KeyringStore": "store",
    "MemoryStore": "store",
    "default_store": "store",
    "TokenSet": "tokens",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'modelwire.auth' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "AnthropicKeyAuth",
    "Auth",
    "AuthStatus",
    "ChatGPTAuth",
    "ChatGPTOAuthConfig",
    "ClaudeAuth",
    "ClaudeOAuthConfig",
    "CredentialStore",
    "CredentialStoreError",
    "FileStore",
    "KeyringStore",
    "LoginError",
    "LoginRequiredError",
    "LoginTimeoutError",
    "MemoryStore",
    "OAuthAuth",
    "OpenAIKeyAuth",
    "OutgoingRequest",
    "SubscriptionRefusedError",
    "TokenRefreshError",
    "TokenSet",
    "available_providers",
    "default_store",
    "import_claude_code_login",
    "import_codex_login",
    "login_chatgpt",
    "login_claude",
    "logout",
    "oauth_auth",
    "save_api_key",
    "status",
    "stored_api_key",
]
