"""Services by name: who serves which wire APIs, where, and with which credential.

A service (``openai``, ``anthropic``, ``chatgpt``, ``claude``; the public API calls it a
*provider*) is a base URL, a path per wire API it speaks, the environment variables that configure
it, the headers it wants, and how to build its Auth. Every such fact has its home here: the
client, the credential store, ``login`` and the CLI read them from this table.
:func:`register_provider` adds a service at runtime, for example an OpenAI-compatible server
(see docs/adding-a-provider.md); a registered service can save its API key in the store too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from .apis import WIRE_APIS
from .auth.base import AnthropicKeyAuth, Auth, OpenAIKeyAuth, checked_api_key
from .common.errors import ConfigurationError

#: Anthropic's API, where both the ``anthropic`` (API key) and ``claude`` (sign-in) services live.
ANTHROPIC_API_URL = "https://api.anthropic.com"

#: Turns the client's explicit ``api_key=`` (None when not given) into the service's Auth. A
#: service with ``scoping_env`` also receives the client's ``organization=``/``project=`` as
#: keyword arguments (only those given).
AuthFactory = Callable[..., Auth]


@dataclass(frozen=True, slots=True, kw_only=True)
class Service:
    """What the client needs to know of a service.

    ``paths`` maps each wire API the service speaks to its path under the base URL (the first is
    the service's native API). ``auth`` makes the Auth (see :func:`api_key_auth` and
    :func:`sign_in_auth`). ``credential`` says what the store keeps for it: an API key, or a
    sign-in (OAuth tokens). ``api_key_env`` names the variable holding its API key;
    ``base_url_env`` the variables that override ``default_base_url``, first match wins.
    ``default_headers`` go on every request to it. ``scoping_env`` names the variables of the
    account scoping the service takes besides the key (OpenAI's organization and project: the
    client's ``organization=``/``project=`` win over them).
    """

    name: str
    paths: Mapping[str, str]
    default_base_url: str
    auth: AuthFactory
    credential: Literal["api-key", "sign-in"] = "api-key"
    api_key_env: str | None = None
    base_url_env: tuple[str, ...] = ()
    default_headers: Mapping[str, str] = field(default_factory=dict)
    scoping_env: Mapping[str, str] = field(default_factory=dict)
    default_models: Mapping[str, str] = field(default_factory=dict)
    description: str = ""

    @property
    def apis(self) -> tuple[str, ...]:
        return tuple(self.paths)

    @property
    def native_api(self) -> str:
        return next(iter(self.paths))

    @property
    def mode(self) -> str:
        """The auth mode's name, as status and errors show it (``openai-api-key``...)."""
        return f"{self.name}-{'oauth' if self.credential == 'sign-in' else 'api-key'}"

    def make_auth(
        self, api_key: str | None, *, organization: str | None = None, project: str | None = None
    ) -> Auth:
        scoping = {
            name: value
            for name, value in (("organization", organization), ("project", project))
            if value is not None
        }
        unknown = sorted(set(scoping) - set(self.scoping_env))
        if unknown:
            raise ConfigurationError(
                f"provider {self.name!r} takes no {' or '.join(unknown)} (only OpenAI's API does)"
            )
        return self.auth(self, api_key, **scoping)

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


#: The name the public API and earlier releases use for a service.
ProviderSpec = Service


def api_key_auth(auth_type: Callable[..., Auth], *, default: str | None = None) -> AuthFactory:
    """An AuthFactory for services that take an API key: the explicit ``api_key``, else the
    service's ``api_key_env`` variable, else the key saved with ``modelwire login <name>
    --api-key -``, else ``default``; ``auth_type`` wraps the key (``OpenAIKeyAuth``...), with the
    service's account scoping (``scoping_env``: the explicit value, else the variable) as keyword
    arguments."""

    def make(service: Service, explicit: str | None, **scoping: str) -> Auth:
        key: str | None = None
        if explicit is not None:
            key = checked_api_key(explicit, provider=service.name, source="passed as api_key=")
        elif service.api_key_env and os.environ.get(service.api_key_env, "").strip():
            key = checked_api_key(
                os.environ[service.api_key_env],
                provider=service.name,
                source=f"in {service.api_key_env}",
            )
        if not key:
            from .auth import stored_api_key

            stored = stored_api_key(service.name)
            if stored:
                key = checked_api_key(
                    stored, provider=service.name, source="in the credential store"
                )
            else:
                key = default
        if not key:
            where = f"set {service.api_key_env}, " if service.api_key_env else ""
            raise ConfigurationError(
                f"no {service.name} API key: pass api_key=..., {where}"
                f"or run `modelwire login {service.name} --api-key -`"
            )
        settings = {
            name: value
            for name, variable in service.scoping_env.items()
            if (value := scoping.get(name) or os.environ.get(variable))
        }
        return auth_type(key, **settings)

    return make


def sign_in_auth(service: Service, explicit: str | None) -> Auth:
    """The AuthFactory of the sign-in services: the signed-in tokens from the credential store."""
    if explicit is not None:
        raise ConfigurationError(
            f"provider {service.name!r} signs in with OAuth and takes no api_key; "
            f"run `modelwire login {service.name}`"
        )
    from .auth import oauth_auth

    return oauth_auth(service.name)


SERVICES: dict[str, Service] = {}
#: The name earlier releases used for the table.
PROVIDERS = SERVICES


def register_provider(spec: Service, *, replace: bool = False) -> None:
    """Make ``mw.Client(provider=spec.name)`` work. Paths must name known wire APIs."""
    unknown = [api for api in spec.paths if api not in WIRE_APIS]
    if unknown:
        raise ConfigurationError(f"provider {spec.name!r}: unknown wire APIs {unknown}")
    if spec.name in SERVICES and not replace:
        raise ConfigurationError(f"provider {spec.name!r} is already registered")
    SERVICES[spec.name] = spec


def unregister_provider(name: str) -> Service:
    """Remove a provider registered with ``register_provider``; returns its spec."""
    spec = SERVICES.pop(name, None)
    if spec is None:
        raise ConfigurationError(f"provider {name!r} is not registered")
    return spec


def provider(name: str) -> Service:
    spec = SERVICES.get(name)
    if spec is None:
        raise ConfigurationError(
            f"unknown provider {name!r}: expected one of {', '.join(sorted(SERVICES))}"
        )
    return spec


def service_names(credential: Literal["api-key", "sign-in"] | None = None) -> tuple[str, ...]:
    """Every service's name in table order (built-ins first), or those with that credential."""
    return tuple(
        name
        for name, service in SERVICES.items()
        if credential is None or service.credential == credential
    )


register_provider(
    Service(
        name="openai",
        paths={"responses": "/responses", "chat": "/chat/completions"},
        default_base_url="https://api.openai.com/v1",
        auth=api_key_auth(OpenAIKeyAuth),
        api_key_env="OPENAI_API_KEY",
        base_url_env=("OPENAI_BASE_URL",),
        # As the official SDK reads them (openai-python _client.py: organization, project).
        scoping_env={"organization": "OPENAI_ORG_ID", "project": "OPENAI_PROJECT_ID"},
        default_models={"responses": "gpt-5.1", "chat": "gpt-5.1"},
        description="OpenAI API key",
    )
)
register_provider(
    Service(
        name="anthropic",
        paths={"messages": "/v1/messages", "chat": "/v1/chat/completions"},
        default_base_url=ANTHROPIC_API_URL,
        auth=api_key_auth(AnthropicKeyAuth),
        api_key_env="ANTHROPIC_API_KEY",
        base_url_env=("ANTHROPIC_BASE_URL",),
        default_models={"messages": "claude-sonnet-4-5", "chat": "claude-sonnet-4-5"},
        description="Anthropic API key",
    )
)
register_provider(
    Service(
        name="chatgpt",
        paths={"responses": "/responses"},
        default_base_url="https://chatgpt.com/backend-api/codex",
        auth=sign_in_auth,
        credential="sign-in",
        base_url_env=("MODELWIRE_CHATGPT_BASE_URL",),
        default_models={"responses": "gpt-5.1-codex"},
        description="ChatGPT sign-in (OAuth)",
    )
)
register_provider(
    Service(
        name="claude",
        paths={"messages": "/v1/messages"},
        default_base_url=ANTHROPIC_API_URL,
        auth=sign_in_auth,
        credential="sign-in",
        base_url_env=("MODELWIRE_CLAUDE_BASE_URL", "ANTHROPIC_BASE_URL"),
        default_models={"messages": "claude-sonnet-4-5"},
        description="Claude sign-in (OAuth, Pro/Max)",
    )
)
