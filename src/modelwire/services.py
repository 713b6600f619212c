"""Providers by name: which wire APIs each reaches, where, and with what credentials.

A provider is a service (a base URL and an auth mode) that speaks one or more of the wire APIs.
``register_provider`` is the extension point for another service that reuses an existing wire API,
for example an OpenAI-compatible server (see docs/adding-a-provider.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from .auth.base import AnthropicKeyAuth, Auth, OpenAIKeyAuth
from .common.errors import ConfigurationError

WIRE_APIS = ("responses", "chat", "messages")


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """What the client needs to know of a provider.

    ``paths`` maps each wire API the provider speaks to its path under the base URL (the first is
    the provider's native API). ``make_auth`` turns an explicit ``api_key`` (or None: look in the
    environment and the credential store) into an Auth. ``base_url_env`` names environment
    variables that override ``default_base_url``.
    """

    name: str
    paths: dict[str, str]
    default_base_url: str
    make_auth: Callable[[str | None], Auth]
    base_url_env: tuple[str, ...] = ()
    default_models: dict[str, str] = field(default_factory=dict)
    description: str = ""

    @property
    def apis(self) -> tuple[str, ...]:
        return tuple(self.paths)

    @property
    def native_api(self) -> str:
        return next(iter(self.paths))

    def base_url(self, explicit: str | None = None) -> str:
        if explicit:
            return explicit.rstrip("/")
        for name in self.base_url_env:
            value = os.environ.get(name)
            if value:
                return value.rstrip("/")
        return self.default_base_url.rstrip("/")

    def resolve_api(self, api: str | None) -> str:
        if api is None:
            return self.native_api
        if api not in WIRE_APIS:
            raise ConfigurationError(f"unknown api {api!r}: expected one of {', '.join(WIRE_APIS)}")
        if api not in self.paths:
            raise ConfigurationError(
                f"provider {self.name!r} does not serve the {api} API "
                f"(it serves: {', '.join(self.apis)})"
            )
        return api


def _key_from(explicit: str | None, env: str, provider: str) -> str:
    key = explicit or os.environ.get(env)
    if not key:
        from .auth import stored_api_key

        key = stored_api_key(provider)
    if not key:
        raise ConfigurationError(
            f"no {provider} API key: pass api_key=..., set {env}, "
            f"or run `modelwire login {provider} --api-key -`"
        )
    return key


def _oauth(provider: str) -> Callable[[str | None], Auth]:
    def make(api_key: str | None) -> Auth:
        if api_key is not None:
            raise ConfigurationError(
                f"provider {provider!r} signs in with OAuth and takes no api_key; "
                f"run `modelwire login {provider}`"
            )
        from .auth import oauth_auth

        return oauth_auth(provider)

    return make


PROVIDERS: dict[str, ProviderSpec] = {}


def register_provider(spec: ProviderSpec, *, replace: bool = False) -> None:
    """Make ``mw.Client(provider=spec.name)`` work. Paths must name known wire APIs."""
    unknown = [api for api in spec.paths if api not in WIRE_APIS]
    if unknown:
        raise ConfigurationError(f"provider {spec.name!r}: unknown wire APIs {unknown}")
    if spec.name in PROVIDERS and not replace:
        raise ConfigurationError(f"provider {spec.name!r} is already registered")
    PROVIDERS[spec.name] = spec


def unregister_provider(name: str) -> ProviderSpec:
    """Remove a provider registered with ``register_provider``; returns its spec."""
    spec = PROVIDERS.pop(name, None)
    if spec is None:
        raise ConfigurationError(f"provider {name!r} is not registered")
    return spec


def provider(name: str) -> ProviderSpec:
    spec = PROVIDERS.get(name)
    if spec is None:
        raise ConfigurationError(
            f"unknown provider {name!r}: expected one of {', '.join(sorted(PROVIDERS))}"
        )
    return spec


register_provider(
    ProviderSpec(
        name="openai",
        paths={"responses": "/responses", "chat": "/chat/completions"},
        default_base_url=OpenAIKeyAuth.default_base_url,
        make_auth=lambda key: OpenAIKeyAuth(_key_from(key, "OPENAI_API_KEY", "openai")),
        base_url_env=("OPENAI_BASE_URL",),
        default_models={"responses": "gpt-5.1", "chat": "gpt-5.1"},
        description="OpenAI API key",
    )
)
register_provider(
    ProviderSpec(
        name="anthropic",
        paths={"messages": "/v1/messages", "chat": "/v1/chat/completions"},
        default_base_url=AnthropicKeyAuth.default_base_url,
        make_auth=lambda key: AnthropicKeyAuth(_key_from(key, "ANTHROPIC_API_KEY", "anthropic")),
        base_url_env=("ANTHROPIC_BASE_URL",),
        default_models={"messages": "claude-sonnet-4-5", "chat": "claude-sonnet-4-5"},
        description="Anthropic API key",
    )
)
register_provider(
    ProviderSpec(
        name="chatgpt",
        paths={"responses": "/responses"},
        default_base_url="https://chatgpt.com/backend-api/codex",
        make_auth=_oauth("chatgpt"),
        base_url_env=("MODELWIRE_CHATGPT_BASE_URL",),
        default_models={"responses": "gpt-5.1-codex"},
        description="ChatGPT sign-in (OAuth)",
    )
)
register_provider(
    ProviderSpec(
        name="claude",
        paths={"messages": "/v1/messages"},
        default_base_url="https://api.anthropic.com",
        make_auth=_oauth("claude"),
        base_url_env=("MODELWIRE_CLAUDE_BASE_URL", "ANTHROPIC_BASE_URL"),
        default_models={"messages": "claude-sonnet-4-5"},
        description="Claude sign-in (OAuth, Pro/Max)",
    )
)
