"""Auth: four modes (OpenAI key, ChatGPT sign-in, Anthropic key, Claude sign-in), the credential
store, login flows and refresh. The client only sees :class:`~modelwire.auth.base.Auth`."""

from __future__ import annotations

from .base import AnthropicKeyAuth, Auth, OpenAIKeyAuth, OutgoingRequest


def stored_api_key(provider: str) -> str | None:
    """The API key saved by ``modelwire login <provider> --api-key -``, if any."""
    from .store import default_store

    return default_store().api_key(provider)


def oauth_auth(provider: str) -> Auth:
    """The signed-in OAuth auth for ``chatgpt`` or ``claude`` from the credential store."""
    from .oauth import load_oauth_auth

    return load_oauth_auth(provider)


__all__ = [
    "AnthropicKeyAuth",
    "Auth",
    "OpenAIKeyAuth",
    "OutgoingRequest",
    "available_providers",
    "oauth_auth",
    "stored_api_key",
]


def available_providers() -> list[str]:
    """Providers with usable stored credentials, in the order ``from_env`` prefers them."""
    from .store import default_store

    return default_store().available_providers()
