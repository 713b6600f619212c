"""Both OAuth servers: authorize checks, code exchange with PKCE, refresh rotation, token counts."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from modelwire.testing.server import FakeServer

from .helpers import decode_jwt, pkce_pair


def authorize_params(
    server: FakeServer, provider: str, challenge: str, **extra: str
) -> dict[str, str]:
    endpoints = server.oauth(provider)  # type: ignore[arg-type]
    params = {
        "response_type": "code",
        "client_id": endpoints.client_id,
        "redirect_uri": endpoints.redirect_uri,
        "scope": endpoints.scope,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "state-123",
    }
    if provider == "claude":
        params["code"] = "true"
    else:
        params["originator"] = "modelwire-tests"
    params.update(extra)
    return params


def chatgpt_code(http: httpx2.Client, server: FakeServer, challenge: str) -> str:
    endpoints = server.oauth("chatgpt")
    response = http.get(
        endpoints.authorize_url, params=authorize_params(server, "chatgpt", challenge)
    )
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == endpoints.redirect_uri
    query = parse_qs(location.query)
    assert query["state"] == ["state-123"]
    return query["code"][0]


def chatgpt_exchange(
    http: httpx2.Client, server: FakeServer, code: str, verifier: str, *, as_json: bool = False
) -> httpx2.Response:
    endpoints = server.oauth("chatgpt")
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": endpoints.redirect_uri,
        "client_id": endpoints.client_id,
        "code_verifier": verifier,
    }
    if as_json:
        return http.post(endpoints.token_url, json=fields)
    return http.post(endpoints.token_url, data=fields)


def chatgpt_refresh(http: httpx2.Client, server: FakeServer, refresh_token: str) -> httpx2.Response:
    endpoints = server.oauth("chatgpt")
    return http.post(
        endpoints.token_url,
        data={
            "grant_type": "refresh_token",
            "client_id": endpoints.client_id,
            "refresh_token": refresh_token,
        },
    )


class TestChatGPT:
    @pytest.mark.parametrize("as_json", [False, True])
    def test_login_issues_jwts_with_the_account_claim(
        self, fake_server: FakeServer, http: httpx2.Client, as_json: bool
    ) -> None:
        verifier, challenge = pkce_pair()
        code = chatgpt_code(http, fake_server, challenge)
        response = chatgpt_exchange(http, fake_server, code, verifier, as_json=as_json)
        assert response.status_code == 200, response.text
        tokens = response.json()
        assert set(tokens) >= {"id_token", "access_token", "refresh_token", "expires_in"}
        for token in (tokens["id_token"], tokens["access_token"]):
            claims = decode_jwt(token)
            assert claims["exp"] > claims["iat"] >= int(time.time()) - 5
            assert claims["email"] == "user@example.com"
            auth = claims["https://api.openai.com/auth"]
            assert auth["chatgpt_plan_type"] == "plus"
            assert auth["chatgpt_account_id"] == fake_server.identity.chatgpt_account_id
            assert auth["chatgpt_user_id"]

    def test_a_code_is_spent_once(self, fake_server: FakeServer, http: httpx2.Client) -> None:
        verifier, challenge = pkce_pair()
        code = chatgpt_code(http, fake_server, challenge)
        assert chatgpt_exchange(http, fake_server, code, verifier).status_code == 200
        again = chatgpt_exchange(http, fake_server, code, verifier)
        assert again.status_code == 400
        assert again.json()["error"] == "invalid_grant"

    def test_a_verifier_that_does_not_match_is_refused(
        self, fake_server: FakeServer, http: httpx2.Client
    ) -> None:
        _, challenge = pkce_pair()
        other_verifier, _ = pkce_pair()
        code = chatgpt_code(http, fake_server, challenge)
        response = chatgpt_exchange(http, fake_server, code, other_verifier)
        assert response.status_code == 400
        assert response.json() == {
            "error": "invalid_grant",
            "error_description": "Failed to verify code verifier",
        }

    def test_refresh_rotates_and_a_spent_token_is_refused(
        self, fake_server: FakeServer, http: httpx2.Client
    ) -> None:
        first = fake_server.issue_tokens("chatgpt")
        second = chatgpt_refresh(http, fake_server, first["refresh_token"])
        assert second.status_code == 200
        assert second.json()["refresh_token"] != first["refresh_token"]
        reused = chatgpt_refresh(http, fake_server, first["refresh_token"])
        assert reused.status_code == 401
        assert reused.json()["error"]["code"] == "refresh_token_reused"
        assert reused.json()["error"]["type"] == "invalid_request_error"
        assert chatgpt_refresh(http, fake_server, second.json()["refresh_token"]).status_code == 200
        assert fake_server.token_calls[("chatgpt", "refresh_token")] == 3

    def test_a_revoked_refresh_token_is_invalidated(
        self, fake_server: FakeServer, http: httpx2.Client
    ) -> None:
        tokens = fake_server.issue_tokens("chatgpt")
        fake_server.revoke_tokens("chatgpt")
        response = chatgpt_refresh(http, fake_server, tokens["refresh_token"])
        assert response.json()["error"]["code"] == "refresh_token_invalidated"

    @pytest.mark.parametrize(
        ("change", "error"),
        [
            ({"client_id": "app_other"}, "invalid_client"),
            ({"redirect_uri": "https://evil.example/callback"}, "invalid_request"),
        ],
    )
    def test_authorize_refuses_a_foreign_client_or_redirect(
        self, fake_server: FakeServer, http: httpx2.Client, change: dict[str, str], error: str
    ) -> None:
        _, challenge = pkce_pair()
        params = authorize_params(fake_server, "chatgpt", challenge, **change)
        response = http.get(fake_server.oauth("chatgpt").authorize_url, params=params)
        assert response.status_code == 400
        assert response.json()["error"] == error

    @pytest.mark.parametrize(
        "change",
        [{"code_challenge_method": "plain"}, {"response_type": "token"}, {"code_challenge": ""}],
    )
    def test_authorize_sends_pkce_and_type_errors_back_to_the_client(
        self, fake_server: FakeServer, http: httpx2.Client, change: dict[str, str]
    ) -> None:
        _, challenge = pkce_pair()
        params = authorize_params(fake_server, "chatgpt", challenge, **change)
        response = http.get(fake_server.oauth("chatgpt").authorize_url, params=params)
        assert response.status_code == 302
        query = parse_qs(urlsplit(response.headers["location"]).query)
        assert "error" in query
        assert query["state"] == ["state-123"]
        assert "code" not in query


def claude_code(http: httpx2.Client, server: FakeServer, challenge: str, **extra: str) -> str:
    params = authorize_params(server, "claude", challenge, **extra)
    response = http.get(
        server.oauth("claude").authorize_url, params=params, headers={"accept": "application/json"}
    )
    assert response.status_code == 200, response.text
    pasted: str = response.json()["code"]
    return pasted


def claude_exchange(
    http: httpx2.Client, server: FakeServer, pasted: str, verifier: str
) -> httpx2.Response:
    endpoints = server.oauth("claude")
    code, _, state = pasted.partition("#")
    return http.post(
        endpoints.token_url,
        json={
            "grant_type": "authorization_code",
            "code": code,
            "state": state,
            "client_id": endpoints.client_id,
            "redirect_uri": endpoints.redirect_uri,
            "code_verifier": verifier,
        },
    )


def claude_refresh(http: httpx2.Client, server: FakeServer, refresh_token: str) -> httpx2.Response:
    endpoints = server.oauth("claude")
    return http.post(
        endpoints.token_url,
        json={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": endpoints.client_id,
        },
    )


class TestClaude:
    def test_the_paste_flow_shows_code_and_state(
        self, fake_server: FakeServer, http: httpx2.Client
    ) -> None:
        _, challenge = pkce_pair()
        params = authorize_params(fake_server, "claude", challenge)
        page = http.get(fake_server.oauth("claude").authorize_url, params=params)
        assert page.status_code == 200
        assert "#state-123" in page.text
        pasted = claude_code(http, fake_server, challenge)
        assert pasted.endswith("#state-123")

    def test_login_returns_the_token_set(
        self, fake_server: FakeServer, http: httpx2.Client
    ) -> None:
        verifier, challenge = pkce_pair()
        pasted = claude_code(http, fake_server, challenge)
        response = claude_exchange(http, fake_server, pasted, verifier)
        assert response.status_code == 200, response.text
        tokens: dict[str, Any] = response.json()
        assert tokens["access_token"].startswith("sk-ant-oat01-")
        assert tokens["refresh_token"].startswith("sk-ant-ort01-")
        assert tokens["token_type"] == "Bearer"
        assert tokens["expires_in"] > 0
        assert tokens["scope"]
        assert set(tokens["account"]) == {"uuid", "email_address"}
        assert set(tokens["organization"]) == {"uuid", "name"}
        assert fake_server.token_calls[("claude", "authorization_code")] == 1

    def test_a_loopback_redirect_gets_a_302(
        self, fake_server: FakeServer, http: httpx2.Client
    ) -> None:
        _, challenge = pkce_pair()
        redirect = "http://localhost:54545/callback"
        params = authorize_params(fake_server, "claude", challenge, redirect_uri=redirect)
        response = http.get(fake_server.oauth("claude").authorize_url, params=params)
        assert response.status_code == 302
        assert response.headers["location"].startswith(redirect + "?code=")
        assert "state=state-123" in response.headers["location"]

    def test_a_verifier_that_does_not_match_is_refused(
        self, fake_server: FakeServer, http: httpx2.Client
    ) -> None:
        _, challenge = pkce_pair()
        wrong, _ = pkce_pair()
        response = claude_exchange(
            http, fake_server, claude_code(http, fake_server, challenge), wrong
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"

    def test_a_form_body_is_refused(self, fake_server: FakeServer, http: httpx2.Client) -> None:
        tokens = fake_server.issue_tokens("claude")
        response = http.post(
            fake_server.oauth("claude").token_url,
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
        assert response.status_code == 400

    def test_refresh_rotates_and_a_spent_token_is_refused(
        self, fake_server: FakeServer, http: httpx2.Client
    ) -> None:
        first = fake_server.issue_tokens("claude")
        second = claude_refresh(http, fake_server, first["refresh_token"])
        assert second.status_code == 200
        assert second.json()["refresh_token"] != first["refresh_token"]
        reused = claude_refresh(http, fake_server, first["refresh_token"])
        assert reused.status_code == 400
        assert reused.json() == {
            "error": "invalid_grant",
            "error_description": "Refresh token not found or invalid",
        }
        assert fake_server.token_calls[("claude", "refresh_token")] == 2
