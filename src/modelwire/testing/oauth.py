"""The two OAuth servers: ChatGPT sign-in (auth.openai.com) and Claude sign-in.

ChatGPT: ``GET /oauth/authorize`` checks the client, a loopback redirect, PKCE (S256) and the
``originator`` naming the calling program (recorded with the request, as every request is),
approves at once and redirects back with ``code`` and ``state``; ``POST /oauth/token`` (form or
JSON) redeems the code or a refresh token. Claude: ``GET /claude/oauth/authorize`` shows
``code#state`` for the paste flow (JSON when asked) or redirects to a loopback callback; ``POST
/v1/oauth/token`` (JSON only) takes the same grants. Refresh tokens rotate; a spent one is refused
as each provider refuses it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from .auth import (
    CHATGPT_SCOPE,
    CLAUDE_REDIRECT_URI,
    CLAUDE_SCOPE,
    OAuthFailure,
    OAuthProvider,
    is_loopback_redirect,
)
from .delivery import AbortConnection
from .errors import ErrorShape, oauth_error, openai_error, status_body
from .faults import ExpireTokenEffect, Fault, StatusEffect
from .handlers import Handlers, Refusal, has_reset, headers_delay, is_early_fault, retry_headers
from .recording import RecordedRequest
from .script import Script, WireJSON

_REFRESH_MESSAGES = {
    "refresh_token_reused": (
        "Your refresh token has already been used to generate a new access token. "
        "Please try signing in again."
    ),
    "refresh_token_invalidated": (
        "Your refresh token has been invalidated. Please try signing in again."
    ),
    "refresh_token_expired": "Your refresh token has expired. Please try signing in again.",
    "invalid_client": "Client authentication failed.",
}
_GRANT_FIELDS: dict[OAuthProvider, dict[str, tuple[str, ...]]] = {
    "chatgpt": {
        "authorization_code": ("code", "redirect_uri", "client_id", "code_verifier"),
        "refresh_token": ("client_id", "refresh_token"),
    },
    "claude": {
        "authorization_code": ("code", "state", "client_id", "redirect_uri", "code_verifier"),
        "refresh_token": ("refresh_token", "client_id"),
    },
}
_TOKEN_ROUTES: dict[OAuthProvider, str] = {"chatgpt": "chatgpt-token", "claude": "claude-token"}
_ERROR_SHAPES: dict[OAuthProvider, ErrorShape] = {
    "chatgpt": "chatgpt-token",
    "claude": "claude-token",
}


class OAuthRoutes(Handlers):
    # -- authorize (the browser step) ------------------------------------------------------------

    async def chatgpt_authorize(self, request: Request) -> Response:
        record = await self.record(request, None)
        params = record.query
        if params.get("client_id") != self.state.chatgpt_client_id:
            return self.json(record, 400, oauth_error("invalid_client", "Unknown client_id"))
        redirect_uri = params.get("redirect_uri", "")
        if not is_loopback_redirect(redirect_uri):
            message = "redirect_uri must be a loopback address"
            return self.json(record, 400, oauth_error("invalid_request", message))
        state = params.get("state", "")
        problem = _authorize_problem(params)
        if problem is None and not params.get("originator"):
            # Codex's login names its client in ``originator``; the server expects one.
            problem = {"error": "invalid_request", "error_description": "Missing originator"}
        if problem is not None:
            return _redirect(record, redirect_uri, {**problem, "state": state})
        scope = params.get("scope") or CHATGPT_SCOPE
        code = self.state.tokens.create_code(
            "chatgpt",
            client_id=self.state.chatgpt_client_id,
            redirect_uri=redirect_uri,
            challenge=params["code_challenge"],
            scope=scope,
            state=state,
        )
        return _redirect(record, redirect_uri, {"code": code, "scope": scope, "state": state})

    async def claude_authorize(self, request: Request) -> Response:
        record = await self.record(request, None)
        params = record.query
        if params.get("client_id") != self.state.claude_client_id:
            return self.json(record, 400, oauth_error("invalid_client", "Unknown client_id"))
        redirect_uri = params.get("redirect_uri", "")
        loopback = is_loopback_redirect(redirect_uri)
        if not loopback and redirect_uri != CLAUDE_REDIRECT_URI:
            return self.json(record, 400, oauth_error("invalid_request", "Invalid redirect_uri"))
        state = params.get("state", "")
        problem = _authorize_problem(params)
        if problem is None and not state:
            problem = {"error": "invalid_request", "error_description": "Missing state"}
        if problem is not None:
            if loopback:
                return _redirect(record, redirect_uri, {**problem, "state": state})
            return self.json(record, 400, problem)
        code = self.state.tokens.create_code(
            "claude",
            client_id=self.state.claude_client_id,
            redirect_uri=redirect_uri,
            challenge=params["code_challenge"],
            scope=params.get("scope") or CLAUDE_SCOPE,
            state=state,
        )
        if loopback:
            return _redirect(record, redirect_uri, {"code": code, "state": state})
        # The paste flow: the page shows code#state for the user to copy into the CLI.
        pasted = f"{code}#{state}"
        if "application/json" in record.headers.get("accept", ""):
            return self.json(record, 200, {"code": pasted})
        record.status = 200
        return HTMLResponse(
            "<!doctype html><title>Authentication Code</title><h1>Authentication Code</h1>"
            f'<p>Paste this into Claude Code:</p><pre id="code">{pasted}</pre>'
        )

    # -- token -----------------------------------------------------------------------------------

    async def chatgpt_token(self, request: Request) -> Response:
        record = await self.record(request, "chatgpt-token")
        fields = record.form if record.form is not None else record.json
        return await self._token(record, "chatgpt", fields)

    async def claude_token(self, request: Request) -> Response:
        record = await self.record(request, "claude-token")
        if "json" not in record.headers.get("content-type", ""):
            # Claude's token endpoint reads JSON only; a form body is not understood.
            return await self._token(record, "claude", None)
        return await self._token(record, "claude", record.json)

    async def _token(
        self, record: RecordedRequest, provider: OAuthProvider, fields: Any
    ) -> Response:
        route = _TOKEN_ROUTES[provider]
        grant_type = str(fields.get("grant_type", "")) if isinstance(fields, Mapping) else ""
        self.state.count_token_call(provider, grant_type or "unknown")
        early = await self._early_fault(record, provider)
        if early is not None:
            return early
        refusal = _check_token_request(provider, fields, grant_type)
        if refusal is not None:
            return self.json(record, refusal.status, refusal.body)
        assert isinstance(fields, Mapping)
        scripted = self.state.take(route, lambda answer: isinstance(answer, Script))
        if isinstance(scripted, Script):
            return self._scripted(record, scripted)
        try:
            tokens = self._grant(provider, grant_type, fields)
        except OAuthFailure as failure:
            refusal = _token_failure(provider, grant_type, failure)
            return self.json(record, refusal.status, refusal.body)
        return self.json(record, 200, tokens, {"cache-control": "no-store"})

    def _grant(
        self, provider: OAuthProvider, grant_type: str, fields: Mapping[str, Any]
    ) -> dict[str, Any]:
        tokens = self.state.tokens
        if grant_type == "refresh_token":
            return tokens.refresh(provider, str(fields["refresh_token"]), str(fields["client_id"]))
        code, state = str(fields["code"]), None
        if provider == "claude":
            # The pasted value is ``code#state``; clients may send it whole or split.
            code, _, pasted_state = code.partition("#")
            state = str(fields["state"])
            if pasted_state and pasted_state != state:
                raise OAuthFailure(400, "invalid_grant", "Invalid state")
        return tokens.exchange_code(
            provider,
            code=code,
            client_id=str(fields["client_id"]),
            redirect_uri=str(fields["redirect_uri"]),
            verifier=str(fields["code_verifier"]),
            state=state,
        )

    async def _early_fault(
        self, record: RecordedRequest, provider: OAuthProvider
    ) -> Response | None:
        """A queued reset, status or expired-token fault of the token endpoint."""
        route = _TOKEN_ROUTES[provider]
        if self.state.take(route, has_reset) is not None:
            return AbortConnection(self.connections)
        fault = self.state.take(route, is_early_fault)
        if not isinstance(fault, Fault):
            return None
        await asyncio.sleep(headers_delay(fault))
        for effect in fault.effects:
            if isinstance(effect, StatusEffect):
                body = effect.body
                if body is None:
                    body = status_body(
                        _ERROR_SHAPES[provider],
                        effect.status,
                        request_id="",
                        message=effect.message,
                    )
                return self.json(record, effect.status, body, retry_headers(effect))
            if isinstance(effect, ExpireTokenEffect):
                expired = OAuthFailure(401, "refresh_token_expired", "Refresh token expired")
                refusal = _token_failure(provider, "refresh_token", expired)
                return self.json(record, refusal.status, refusal.body)
        return None

    def _scripted(self, record: RecordedRequest, script: Script) -> Response:
        """A queued exact answer (token endpoints answer ``Script.json`` only)."""
        if not isinstance(script.exact, WireJSON):
            message = "token endpoints answer Script.json(...) only"
            return self.json(record, 500, oauth_error("emulator_error", message))
        exact = script.exact
        return self.json(record, exact.status, exact.body, dict(exact.headers))


def _check_token_request(provider: OAuthProvider, fields: Any, grant_type: str) -> Refusal | None:
    if not isinstance(fields, Mapping):
        message = "Request body must be JSON" if provider == "claude" else "Unsupported body"
        return Refusal(400, oauth_error("invalid_request", message))
    required = _GRANT_FIELDS[provider].get(grant_type)
    if required is None:
        message = f"Unsupported grant type: {grant_type}"
        return Refusal(400, oauth_error("unsupported_grant_type", message))
    missing = next((name for name in required if not fields.get(name)), None)
    if missing is not None:
        message = f"Missing required parameter: {missing}"
        return Refusal(400, oauth_error("invalid_request", message))
    return None


def _token_failure(provider: OAuthProvider, grant_type: str, failure: OAuthFailure) -> Refusal:
    """A refused grant, in the provider's own words."""
    if grant_type != "refresh_token":
        return Refusal(failure.status, oauth_error(failure.error, failure.description))
    if provider == "chatgpt":
        # OpenAI's refresh errors are API-style, with the reason in ``code``.
        message = _REFRESH_MESSAGES.get(failure.error, failure.description)
        return Refusal(401, openai_error(message, code=failure.error))
    if failure.error == "invalid_client":
        return Refusal(400, oauth_error("invalid_client", failure.description))
    return Refusal(400, oauth_error("invalid_grant", "Refresh token not found or invalid"))


def _authorize_problem(params: Mapping[str, str]) -> dict[str, str] | None:
    """What is wrong with an authorize request (sent back to the client per RFC 6749 4.1.2.1)."""
    if params.get("response_type") != "code":
        return {
            "error": "unsupported_response_type",
            "error_description": "response_type must be code",
        }
    if not params.get("code_challenge"):
        return {"error": "invalid_request", "error_description": "Missing code_challenge"}
    if params.get("code_challenge_method") != "S256":
        return {
            "error": "invalid_request",
            "error_description": "code_challenge_method must be S256",
        }
    return None


def _redirect(record: RecordedRequest, uri: str, params: Mapping[str, str]) -> Response:
    record.status = 302
    separator = "&" if "?" in uri else "?"
    return RedirectResponse(f"{uri}{separator}{urlencode(params)}", status_code=302)
