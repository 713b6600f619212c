"""How each service checks credentials, shared by the APIs it serves (and by ``GET /v1/models``).

OpenAI (Responses, Chat) takes ``Authorization: Bearer sk-...``; Anthropic (Messages, and its
OpenAI-compatible Chat endpoint) takes ``x-api-key``, the same key as a bearer token (as current
SDKs send it), or a Claude OAuth access token with the ``oauth-2025-04-20`` beta. The refusals are
each service's own bodies and messages.

A server built with ``refuse_claude_subscription=True`` answers every request carrying a valid
Claude sign-in token as Anthropic answers a client it does not take subscription tokens from
(``CLAUDE_CODE_ONLY``): the real service reserves them for its own apps, and its way of telling
them apart is not public, so the emulator does not guess at it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .apis.base import Credential
from .auth import mask_key
from .errors import anthropic_error, openai_error
from .handlers import Refusal

if TYPE_CHECKING:
    from .state import ServerState

OAUTH_BETA = "oauth-2025-04-20"
CLAUDE_ACCESS_TOKEN_PREFIX = "sk-ant-oat"

NO_OPENAI_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with "
    "blank username) if you're accessing the API from your browser and are prompted for a "
    "username. You can obtain an API key from https://platform.openai.com/account/api-keys."
)
CLAUDE_CODE_ONLY = (
    "This credential is only authorized for use with Claude Code and cannot be used for other "
    "API requests."
)
CLAUDE_EXPIRED = (
    "OAuth token has expired. Please obtain a new token or refresh your existing token."
)


def bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization")
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def betas(headers: Mapping[str, str]) -> set[str]:
    """The betas an ``anthropic-beta`` header names (comma-separated, repeated headers joined)."""
    return {beta.strip() for beta in headers.get("anthropic-beta", "").split(",") if beta.strip()}


def incorrect_openai_key(token: str) -> dict[str, Any]:
    return openai_error(
        f"Incorrect API key provided: {mask_key(token)}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        code="invalid_api_key",
    )


def authenticate_openai(
    headers: Mapping[str, str], state: ServerState, *, anthropic_keys: bool = False
) -> Credential | Refusal:
    """An OpenAI key as a bearer token (``anthropic_keys``: an Anthropic key is accepted too, as
    Anthropic's OpenAI-compatible endpoint accepts it)."""
    token = bearer(headers)
    if token is None:
        return Refusal(401, openai_error(NO_OPENAI_KEY))
    if state.keys.openai(token):
        return Credential("openai-key", token)
    if anthropic_keys and state.keys.anthropic(token):
        return Credential("anthropic-key", token)
    return Refusal(401, incorrect_openai_key(token))


def authenticate_anthropic(
    headers: Mapping[str, str], state: ServerState, request_id: str
) -> Credential | Refusal:
    def refuse(message: str) -> Refusal:
        return Refusal(401, anthropic_error("authentication_error", message, request_id))

    key = headers.get("x-api-key")
    if key is not None:
        if state.keys.anthropic(key):
            return Credential("anthropic-key", key)
        return refuse("invalid x-api-key")
    token = bearer(headers)
    if token is None:
        return refuse("x-api-key header is required")
    if not token.startswith(CLAUDE_ACCESS_TOKEN_PREFIX):
        # An API key sent as a bearer token, as the official SDKs now send it: right or wrong,
        # it is judged as a key (the OAuth rules apply to OAuth access tokens only).
        if state.keys.anthropic(token):
            return Credential("anthropic-key", token)
        return refuse("invalid x-api-key")
    if OAUTH_BETA not in betas(headers):
        return refuse("OAuth authentication is currently not supported.")
    check = state.tokens.check_access("claude", token)
    if check.status == "ok":
        if state.refuse_claude_subscription:
            return Refusal(
                400, anthropic_error("invalid_request_error", CLAUDE_CODE_ONLY, request_id)
            )
        return Credential("claude-oauth", token)
    if check.status == "expired":
        return refuse(CLAUDE_EXPIRED)
    if check.status == "revoked":
        return refuse("OAuth token has been revoked. Please obtain a new token.")
    return refuse("Invalid bearer token")


def is_anthropic_request(headers: Mapping[str, str]) -> bool:
    """Whether a request on a path both services serve (``/v1/models``) is meant for Anthropic."""
    token = bearer(headers) or ""
    return "x-api-key" in headers or "anthropic-version" in headers or token.startswith("sk-ant-")
