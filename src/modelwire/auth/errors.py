"""The errors of the auth layer. None of them ever carries a secret in its message."""

from __future__ import annotations

from typing import Any

from ..common.errors import APIError, AuthenticationError, ModelwireError

#: Where the user reads what the services' terms say about subscription sign-ins (the one home of
#: this pointer: every refusal names it).
TERMS_DOCS = "docs/auth.md, section 'What the services' terms say about the sign-in modes'"
_API_KEY_PROVIDER = {"claude": "anthropic", "chatgpt": "openai"}


class LoginRequiredError(AuthenticationError):
    """The sign-in is missing, expired for good or revoked: only a new login helps.

    ``provider`` is ``chatgpt`` or ``claude``; the message ends with the exact advice
    "run `modelwire login <provider>`".
    """

    without_status = ""  # raised locally (store, refresh), never by a stream

    def __init__(self, provider: str, reason: str, *, status: int | None = None) -> None:
        self.advice = f"run `modelwire login {provider}`"
        super().__init__(
            f"{reason}; {self.advice}",
            status=status,
            provider=provider,
            error_type="login_required",
        )


class TokenRefreshError(AuthenticationError):
    """A refresh failed for a reason that may pass (network, 5xx, 429) and the access token has
    expired meanwhile, so there is nothing valid to send. Trying again later may work."""

    without_status = ""  # raised locally (store, refresh), never by a stream

    def __init__(self, provider: str, reason: str, *, status: int | None = None) -> None:
        super().__init__(
            f"could not refresh the {provider} sign-in ({reason}); the access token has expired. "
            "Try again later; if this persists, run "
            f"`modelwire login {provider}`",
            status=status,
            provider=provider,
            error_type="refresh_failed",
        )


class CredentialStoreError(ModelwireError):
    """The credential store cannot be read or written (corrupt file, locked keyring, ...).

    The store is never overwritten to get past this: the message names the file (or keyring entry)
    and what to do.
    """

    def __init__(self, message: str, *, location: str) -> None:
        super().__init__(message)
        self.location = location


class LoginError(ModelwireError):
    """A login flow failed: state mismatch, the authorization server refused, the callback port
    is taken, a pasted code is malformed."""


class LoginTimeoutError(LoginError):
    """Nobody completed the login in the browser before the timeout."""


class SubscriptionRefusedError(APIError):
    """The service refused a subscription sign-in (Claude Pro/Max, ChatGPT) for this client: it
    answered that the credential is only authorized for the provider's own apps, or its token
    endpoint refused the client with a 429. This is a decision, not a passing fault, so it is
    never retried. The message names ``TERMS_DOCS``; an API key is the way on."""

    def __init__(
        self,
        provider: str,
        reason: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        native: Any = None,
    ) -> None:
        alternative = _API_KEY_PROVIDER.get(provider)
        advice = (
            f"use an API key instead (provider={alternative!r})"
            if alternative
            else "use an API key"
        )
        super().__init__(
            f"the {provider} service refused this subscription sign-in for use from modelwire "
            f"({reason}). Subscription sign-ins may be reserved for the provider's own apps; "
            f"{advice}. See {TERMS_DOCS}",
            status=status,
            provider=provider,
            error_type="subscription_refused",
            request_id=request_id,
            native=native,
        )
