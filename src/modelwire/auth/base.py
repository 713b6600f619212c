"""The auth seam: the client asks an Auth object for headers, base URL and refresh, and never
branches on the auth mode itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(slots=True)
class OutgoingRequest:
    """A request about to be sent; ``Auth.prepare`` adds credentials and the mode's own rules."""

    api: str
    url: str
    headers: dict[str, str]
    body: dict[str, Any]


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
    ``apis`` the wire APIs this credential reaches; ``default_base_url`` where they live.
    """

    mode: ClassVar[str] = ""
    provider: ClassVar[str] = ""
    apis: ClassVar[tuple[str, ...]] = ()
    default_base_url: ClassVar[str] = ""
    #: Sign-in tokens only work at their own service; an API key may serve any provider that
    #: speaks its wire API (an OpenAI-compatible server, say).
    provider_bound: ClassVar[bool] = False

    def shape(self, request: OutgoingRequest) -> None:
        """Apply the mode's own rules to the body before it is validated (e.g. the ChatGPT
        backend's ``store: false``). Most modes have none."""

    def prepare(self, request: OutgoingRequest) -> None:
        """Add credentials to the headers, refreshing first if they are about to expire."""
        raise NotImplementedError

    async def aprepare(self, request: OutgoingRequest) -> None:
        """The async twin of :meth:`prepare`; modes without I/O share the sync code."""
        self.prepare(request)

    def handle_unauthorized(self, request: OutgoingRequest) -> bool:
        """After a 401: refresh if possible; True means send the request once more."""
        return False

    async def ahandle_unauthorized(self, request: OutgoingRequest) -> bool:
        return self.handle_unauthorized(request)

    def close(self) -> None:
        """Release what the auth holds (its HTTP client for refreshes)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mode={self.mode!r})"


class OpenAIKeyAuth(Auth):
    """An OpenAI API key: ``Authorization: Bearer``."""

    mode = "openai-api-key"
    provider = "openai"
    apis = ("responses", "chat")
    default_base_url = "https://api.openai.com/v1"

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
    default_base_url = "https://api.anthropic.com"

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    def prepare(self, request: OutgoingRequest) -> None:
        if request.api == "chat":
            request.headers["authorization"] = f"Bearer {self._api_key}"
        else:
            request.headers["x-api-key"] = self._api_key

    def __repr__(self) -> str:
        return f"AnthropicKeyAuth(api_key={redact(self._api_key)!r})"
