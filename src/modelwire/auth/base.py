"""The auth seam: the client asks an Auth object for credentials and refresh, and never branches
on the auth mode itself.

An Auth has no async twin: the call flow (``modelwire.transport.flow``) asks
:meth:`Auth.refresh_due` and has the blocking parts (a refresh, the answer to a 401) run directly
in a sync client and in a worker thread in an async one, so the event loop never blocks.
"""

from __future__ import annotations

from typing import ClassVar

from ..apis.base import OutgoingRequest

__all__ = ["AnthropicKeyAuth", "Auth", "OpenAIKeyAuth", "OutgoingRequest", "merge_beta", "redact"]


def merge_beta(headers: dict[str, str], *betas: str) -> None:
    """Add Anthropic beta flags to ``anthropic-beta``, keeping the ones already there."""
    present = [b.strip() for b in headers.get("anthropic-beta", "").split(",") if b.strip()]
    for beta in betas:
        if beta not in present:
            present.append(beta)
    if present:
        headers["anthropic-beta"] = ",".join(present)


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

    def close(self) -> None:
        """Release what the auth holds (its HTTP client for refreshes)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mode={self.mode!r})"


class OpenAIKeyAuth(Auth):
    """An OpenAI API key: ``Authorization: Bearer``."""

    mode = "openai-api-key"
    provider = "openai"
    apis = ("responses", "chat")

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    def prepare(self, request: OutgoingRequest) -> None:
        request.headers["authorization"] = f"Bearer {self._api_key}"

    def __repr__(self) -> str:
        return f"OpenAIKeyAuth(api_key={redact(self._api_key)!r})"


class AnthropicKeyAuth(Auth):
    """An Anthropic API key: ``x-api-key`` on Messages; ``Authorization: Bearer`` on Anthropic's
    OpenAI-compatible Chat endpoint, as that endpoint expects."""

    mode = "anthropic-api-key"
    provider = "anthropic"
    apis = ("messages", "chat")

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    def prepare(self, request: OutgoingRequest) -> None:
        if request.api == "chat":
            request.headers["authorization"] = f"Bearer {self._api_key}"
        else:
            request.headers["x-api-key"] = self._api_key

    def __repr__(self) -> str:
        return f"AnthropicKeyAuth(api_key={redact(self._api_key)!r})"
