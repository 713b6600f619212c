"""The auth seam: the client asks an Auth object for credentials and refresh, and never branches
on the auth mode itself.

An Auth has no async twin: the call flow (``modelwire.transport.flow``) asks
:meth:`Auth.refresh_due` and has the blocking parts (a refresh, the answer to a 401) run directly
in a sync client and in a worker thread in an async one, so the event loop never blocks.
"""

from __future__ import annotations

from typing import ClassVar

from ..apis.base import OutgoingRequest
from ..common.errors import APIError, ConfigurationError
from .config import OPENAI_SCOPING_HEADERS

__all__ = [
    "AnthropicKeyAuth",
    "Auth",
    "OpenAIKeyAuth",
    "OutgoingRequest",
    "checked_api_key",
    "merge_beta",
    "redact",
]


def checked_api_key(key: str, *, provider: str, source: str = "") -> str:
    """``key`` stripped of surrounding whitespace (a trailing newline from a file or a paste),
    or :class:`ConfigurationError` when what is left cannot be a key: empty, or holding a
    character outside printable ASCII (a space, a control character, a non-ASCII letter). Such a
    key would otherwise fail as an illegal header value, in an error that quotes the header.

    Every key goes through here, whatever its source (argument, environment, store); ``source``
    says which, for the message. The message names the kind and position of the bad character,
    never the key.
    """
    where = f" {source}" if source else ""
    if not isinstance(key, str):
        raise ConfigurationError(f"the {provider} API key{where} is not a string")
    stripped = key.strip()
    if not stripped:
        raise ConfigurationError(f"the {provider} API key{where} is empty")
    for position, character in enumerate(stripped, start=1):
        if not "!" <= character <= "~":
            if character in "\r\n":
                kind = "line-break"
            elif character.isspace():
                kind = "space"
            elif not character.isprintable():
                kind = "control"
            else:
                kind = "non-ASCII"
            raise ConfigurationError(
                f"the {provider} API key{where} holds a {kind} character (character {position} "
                f"of {len(stripped)}), which cannot be sent in an HTTP header; an API key is "
                "printable ASCII without spaces. Copy it again without what came along with it"
            )
    return stripped


def merge_beta(headers: dict[str, str], *betas: str) -> None:
    """Add Anthropic beta flags to ``anthropic-beta`` after the ones already there, each named
    once (a flag the caller already listed, even twice, is sent once)."""
    present = headers.get("anthropic-beta", "").split(",")
    merged = dict.fromkeys(beta.strip() for beta in (*present, *betas) if beta.strip())
    if merged:
        headers["anthropic-beta"] = ",".join(merged)


def redact(secret: str | None) -> str:
    """What may be shown of a secret: its kind, never its value."""
    if not secret:
        return "<none>"
    prefix = secret[:7] if secret.startswith("sk-ant-") else secret[:3]
    return f"{prefix}…(redacted)"


class Auth:
    """Base of the four auth modes.

    ``provider`` names the service (``openai``, ``anthropic``, ``chatgpt``, ``claude``);
    ``apis`` the wire APIs this credential reaches.
    """

    mode: ClassVar[str] = ""
    provider: ClassVar[str] = ""
    apis: ClassVar[tuple[str, ...]] = ()
    #: Sign-in tokens only work at their own service; an API key may serve any provider that
    #: speaks its wire API (an OpenAI-compatible server, say).
    provider_bound: ClassVar[bool] = False

    def shape(self, request: OutgoingRequest) -> None:
        """Apply the mode's own rules to the body before it is validated (e.g. the ChatGPT
        backend's ``store: false``). Most modes have none."""

    def refresh_due(self) -> bool:
        """Whether :meth:`prepare` would block (refresh the credentials) if called now."""
        return False

    def prepare(self, request: OutgoingRequest) -> None:
        """Add credentials to the headers, refreshing first if they are about to expire (only
        then does it block: see :meth:`refresh_due`)."""
        raise NotImplementedError

    def handle_unauthorized(self, request: OutgoingRequest) -> bool:
        """After a 401: refresh if possible (may block); True means send the request once more."""
        return False

    def explain(self, error: APIError) -> APIError:
        """The error to raise for an error answer: ``error`` itself, or a more telling one the
        mode knows (a sign-in refused for this client: ``SubscriptionRefusedError``)."""
        return error

    def close(self) -> None:
        """Release what the auth holds (its HTTP client for refreshes)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mode={self.mode!r})"


class OpenAIKeyAuth(Auth):
    """An OpenAI API key: ``Authorization: Bearer``, and the account scoping the key works in
    (``organization`` → ``OpenAI-Organization``, ``project`` → ``OpenAI-Project``) when given."""

    mode = "openai-api-key"
    provider = "openai"
    apis = ("responses", "chat")

    def __init__(
        self, api_key: str, *, organization: str | None = None, project: str | None = None
    ) -> None:
        self._api_key = checked_api_key(api_key, provider=self.provider)
        self.organization = organization
        self.project = project
        self._scoping = {
            OPENAI_SCOPING_HEADERS[name]: value
            for name, value in (("organization", organization), ("project", project))
            if value
        }

    def prepare(self, request: OutgoingRequest) -> None:
        request.headers["authorization"] = f"Bearer {self._api_key}"
        request.headers.update(self._scoping)

    def __repr__(self) -> str:
        return (
            f"OpenAIKeyAuth(api_key={redact(self._api_key)!r}, "
            f"organization={self.organization!r}, project={self.project!r})"
        )


class AnthropicKeyAuth(Auth):
    """An Anthropic API key: ``x-api-key`` on Messages; ``Authorization: Bearer`` on Anthropic's
    OpenAI-compatible Chat endpoint, as that endpoint expects."""

    mode = "anthropic-api-key"
    provider = "anthropic"
    apis = ("messages", "chat")

    def __init__(self, api_key: str) -> None:
        self._api_key = checked_api_key(api_key, provider=self.provider)

    def prepare(self, request: OutgoingRequest) -> None:
        if request.api == "chat":
            request.headers["authorization"] = f"Bearer {self._api_key}"
        else:
            request.headers["x-api-key"] = self._api_key

    def __repr__(self) -> str:
        return f"AnthropicKeyAuth(api_key={redact(self._api_key)!r})"
