"""What each sign-in mode does to a request: headers, and the body rules of its backend."""

from __future__ import annotations

from typing import Any

import pytest

import modelwire as mw
from modelwire.apis.messages.request import MessagesOptions
from modelwire.apis.messages.request import build_body as messages_body
from modelwire.apis.messages.request import headers as messages_headers
from modelwire.apis.responses.request import build_body as responses_body
from modelwire.apis.validation import validate_request
from modelwire.auth import ChatGPTAuth, ClaudeAuth, LoginRequiredError, OutgoingRequest
from modelwire.auth.config import ChatGPTOAuthConfig, ClaudeOAuthConfig
from modelwire.auth.oauth import CHATGPT_DEFAULT_INSTRUCTIONS, load_oauth_auth
from modelwire.auth.store import MemoryStore
from modelwire.common.prompt import Prompt

from .helpers import ACCOUNT_ID, chatgpt_tokens, claude_tokens


def responses_request(**prompt: Any) -> OutgoingRequest:
    body = responses_body(Prompt.build(model="gpt-5.1-codex", **prompt), None, stream=False)
    return OutgoingRequest("responses", "http://x/responses", {}, body)


def messages_request(options: MessagesOptions | None = None, **prompt: Any) -> OutgoingRequest:
    built = Prompt.build(model="claude-sonnet-4-5", **prompt)
    return OutgoingRequest(
        "messages",
        "http://x/v1/messages",
        messages_headers(options),
        messages_body(built, options, stream=True),
    )


def chatgpt_auth() -> ChatGPTAuth:
    return ChatGPTAuth(chatgpt_tokens(), store=MemoryStore())


def claude_auth() -> ClaudeAuth:
    return ClaudeAuth(claude_tokens(), store=MemoryStore())


# -- ChatGPT -------------------------------------------------------------------------------------


def test_chatgpt_sends_the_bearer_token_and_the_account_id() -> None:
    auth = chatgpt_auth()
    request = responses_request(input="hi")
    auth.prepare(request)
    assert request.headers["authorization"] == f"Bearer {auth.tokens.access_token}"
    assert request.headers["chatgpt-account-id"] == ACCOUNT_ID
    assert auth.account_id == ACCOUNT_ID
    assert auth.plan == "pro"
    assert auth.email == "user@example.com"


def test_chatgpt_shape_applies_the_backend_rules() -> None:
    request = responses_request(input="hi", max_output_tokens=100, temperature=0.2, reasoning="low")
    chatgpt_auth().shape(request)
    body = request.body
    assert body["store"] is False
    assert body["stream"] is True
    assert body["instructions"] == CHATGPT_DEFAULT_INSTRUCTIONS
    assert "max_output_tokens" not in body
    assert "temperature" not in body
    assert body["reasoning"] == {"effort": "low", "summary": "auto"}  # reasoning asked is shown
    assert body["include"] == ["reasoning.encrypted_content"]
    validate_request("responses", body)


def test_chatgpt_shape_keeps_the_callers_instructions() -> None:
    request = responses_request(input="hi", instructions="Answer in French.")
    chatgpt_auth().shape(request)
    assert request.body["instructions"] == "Answer in French."


def test_chatgpt_default_instructions_are_configurable() -> None:
    auth = ChatGPTAuth(chatgpt_tokens(), store=MemoryStore(), default_instructions="")
    request = responses_request(input="hi")
    auth.shape(request)
    assert request.body["instructions"] == ""


def test_chatgpt_reaches_only_the_responses_api() -> None:
    assert ChatGPTAuth.apis == ("responses",)
    with pytest.raises(mw.ConfigurationError, match="does not serve the chat API"):
        mw.Client("chatgpt", api="chat", auth=chatgpt_auth())
    with pytest.raises(mw.ConfigurationError, match="cannot call the chat API"):
        mw.Client("openai", api="chat", auth=chatgpt_auth())
    with pytest.raises(mw.ConfigurationError, match="takes no api_key"):
        mw.Client("chatgpt", api_key="sk-whatever")


# -- Claude --------------------------------------------------------------------------------------


def test_claude_sends_the_bearer_token_and_the_oauth_beta_never_a_key() -> None:
    auth = claude_auth()
    request = messages_request(MessagesOptions(betas=["context-1m-2025-08-07"]), input="hi")
    request.headers["x-api-key"] = "sk-ant-api-should-go"
    auth.prepare(request)
    assert request.headers["authorization"] == f"Bearer {auth.tokens.access_token}"
    assert request.headers["anthropic-beta"] == "context-1m-2025-08-07,oauth-2025-04-20"
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "x-api-key" not in request.headers


@pytest.mark.parametrize("instructions", [None, "Be terse."])
def test_claude_sends_the_body_as_built_without_borrowing_claude_codes_identity(
    instructions: str | None,
) -> None:
    request = messages_request(MessagesOptions(cache="5m"), input="hi", instructions=instructions)
    built = request.body.copy()
    auth = claude_auth()
    auth.shape(request)
    auth.prepare(request)
    assert request.body == built
    assert "Claude Code" not in str(request.body.get("system"))
    validate_request("messages", request.body)


def test_claude_reaches_only_the_messages_api() -> None:
    assert ClaudeAuth.apis == ("messages",)
    with pytest.raises(mw.ConfigurationError, match="does not serve the chat API"):
        mw.Client("claude", api="chat", auth=claude_auth())


# -- loading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["chatgpt", "claude"])
def test_no_sign_in_is_a_login_required_error(provider: str) -> None:
    with pytest.raises(LoginRequiredError, match=f"run `modelwire login {provider}`") as caught:
        load_oauth_auth(provider, MemoryStore())
    assert isinstance(caught.value, mw.AuthenticationError)
    with pytest.raises(LoginRequiredError):
        mw.Client(provider)


def test_load_oauth_auth_reads_the_store() -> None:
    store = MemoryStore()
    store.save("claude", claude_tokens().to_record())
    auth = load_oauth_auth("claude", store)
    assert isinstance(auth, ClaudeAuth)
    assert auth.tokens.refresh_token == claude_tokens().refresh_token


def test_configs_take_environment_then_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ChatGPTOAuthConfig().token_url == "https://auth.openai.com/oauth/token"
    assert ChatGPTOAuthConfig().client_id == "app_EMoamEEZ73f0CkXaXp7hrann"
    assert ClaudeOAuthConfig().token_url == "https://platform.claude.com/v1/oauth/token"
    assert ClaudeOAuthConfig().authorize_url == "https://claude.ai/oauth/authorize"
    assert ClaudeOAuthConfig().client_id == "9d1c250a-e61b-44d9-88ed-5944d1962f5e"
    assert ClaudeOAuthConfig().redirect_uri == "https://platform.claude.com/oauth/code/callback"
    monkeypatch.setenv("MODELWIRE_CHATGPT_AUTHORIZE_URL", "http://h/a")
    monkeypatch.setenv("MODELWIRE_CHATGPT_TOKEN_URL", "http://h/t")
    monkeypatch.setenv("MODELWIRE_CHATGPT_CLIENT_ID", "env-client")
    monkeypatch.setenv("MODELWIRE_CLAUDE_AUTHORIZE_URL", "http://c/a")
    monkeypatch.setenv("MODELWIRE_CLAUDE_TOKEN_URL", "http://c/t")
    monkeypatch.setenv("MODELWIRE_CLAUDE_CLIENT_ID", "claude-env-client")
    monkeypatch.setenv("MODELWIRE_CLAUDE_REDIRECT_URI", "http://localhost:9/cb")
    chatgpt = ChatGPTOAuthConfig.from_env(client_id="arg-client")
    assert (chatgpt.authorize_url, chatgpt.token_url, chatgpt.client_id) == (
        "http://h/a",
        "http://h/t",
        "arg-client",
    )
    claude = ClaudeOAuthConfig.from_env()
    assert (claude.authorize_url, claude.token_url, claude.client_id, claude.redirect_uri) == (
        "http://c/a",
        "http://c/t",
        "claude-env-client",
        "http://localhost:9/cb",
    )
    with pytest.raises(TypeError, match="no field"):
        ClaudeOAuthConfig.from_env(tokenurl="x")
