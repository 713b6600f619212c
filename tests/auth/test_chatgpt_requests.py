"""What the ChatGPT sign-in sends to the ChatGPT backend, over real HTTP against the emulator.

Each rule is shown twice: the request modelwire builds passes and carries what the rule asks
for (read from the recorded request), and the same request with the rule undone (through
``extra_body``, which is applied after the mode has shaped the body) is refused by the emulator
with the backend's own words — so a regression in modelwire fails a test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import modelwire as mw
from modelwire.auth import ChatGPTAuth
from modelwire.auth.config import CHATGPT_HEADERS, ChatGPTOAuthConfig
from modelwire.auth.store import FileStore
from modelwire.testing import FakeServer
from modelwire.testing.recording import RecordedRequest

from .helpers import sign_in_chatgpt

NOT_PERSISTED = (
    "not found. Items are not persisted when `store` is set to false. Try again with `store` "
    "set to true, or remove this item from your input."
)


@pytest.fixture
def signed_in(server: FakeServer, file_store: FileStore) -> FileStore:
    sign_in_chatgpt(file_store)
    return file_store


def client(store: FileStore, **config: Any) -> mw.Client:
    auth = ChatGPTAuth(store=store, config=ChatGPTOAuthConfig.from_env(**config))
    return mw.Client("chatgpt", auth=auth)


def sent(server: FakeServer) -> list[RecordedRequest]:
    return server.requests_to("chatgpt")


def body_of(request: RecordedRequest) -> dict[str, Any]:
    assert isinstance(request.json, dict)
    return request.json


# -- 1. multi-turn with store: false --------------------------------------------------------------


def test_a_two_turn_conversation_works_with_the_default_reasoning(
    server: FakeServer, signed_in: FileStore
) -> None:
    with client(signed_in) as chat:
        first = chat.create(input="What is two and two?")  # no reasoning asked for
        [reasoning] = [item for item in first.items if isinstance(item, mw.Reasoning)]
        assert reasoning.encrypted_content  # the backend reasons by default; we asked for it
        second = chat.create(input=[*first.items, mw.Message(role="user", content="Again?")])
    assert second.text == "You said: Again?"

    turn1, turn2 = (body_of(request) for request in sent(server))
    assert turn1["include"] == ["reasoning.encrypted_content"]
    assert "reasoning" not in turn1  # the caller asked for none: the include comes anyway
    [replayed] = [item for item in turn2["input"] if item.get("type") == "reasoning"]
    assert replayed["encrypted_content"] == reasoning.encrypted_content


def test_the_callers_include_is_kept_beside_the_encrypted_reasoning(
    server: FakeServer, signed_in: FileStore
) -> None:
    options = mw.ResponsesOptions(include=["web_search_call.action.sources"])
    with client(signed_in) as chat:
        chat.create(input="hi", options=options)
    [request] = sent(server)
    assert body_of(request)["include"] == [
        "web_search_call.action.sources",
        "reasoning.encrypted_content",
    ]


def test_reasoning_that_cannot_be_replayed_is_left_out(
    server: FakeServer, signed_in: FileStore
) -> None:
    # Without the encrypted content (a configuration that no longer asks for it), turn 1's
    # reasoning cannot go back: turn 2 leaves it out instead of being refused.
    with client(signed_in, include=()) as chat:
        first = chat.create(input="What is two and two?")
        [reasoning] = [item for item in first.items if isinstance(item, mw.Reasoning)]
        assert reasoning.encrypted_content is None
        history = [*first.items, mw.Message(role="user", content="Again?")]
        assert chat.create(input=history).text == "You said: Again?"
        turn2 = body_of(sent(server)[-1])
        assert [item.get("role") for item in turn2["input"]] == ["assistant", "user"]

        # The regression: sending it anyway gets the backend's 404.
        unshaped = [reasoning.native, {"role": "user", "content": "Again?"}]
        with pytest.raises(mw.NotFoundError) as refused:
            chat.create(input="Again?", extra_body={"input": unshaped})
    assert f"Item with id '{reasoning.id}' {NOT_PERSISTED}" in str(refused.value)


# -- 2. system and developer messages -------------------------------------------------------------


def test_system_and_developer_messages_travel_in_instructions(
    server: FakeServer, signed_in: FileStore
) -> None:
    history = [
        mw.Message(role="system", content="Answer in French."),
        mw.Message(role="user", content="hello"),
        mw.Message(role="developer", content=[mw.TextPart("Be brief."), mw.TextPart("No lists.")]),
    ]
    with client(signed_in) as chat:
        assert chat.create(input=history, instructions="You are a helper.").text
    [request] = sent(server)
    body = body_of(request)
    assert body["instructions"] == (
        "You are a helper.\n\nAnswer in French.\n\nBe brief.\n\nNo lists."
    )
    assert [item.get("role") for item in body["input"]] == ["user"]


def test_without_the_callers_instructions_the_messages_are_the_instructions(
    server: FakeServer, signed_in: FileStore
) -> None:
    history = [
        mw.Message(role="system", content="Answer in French."),
        mw.Message(role="user", content="hello"),
    ]
    with client(signed_in) as chat:
        chat.create(input=history)
    assert body_of(sent(server)[0])["instructions"] == "Answer in French."


def test_the_roles_carried_in_instructions_are_configurable(
    server: FakeServer, signed_in: FileStore
) -> None:
    # The backend takes developer messages in the input (Codex and pi send them there).
    history = [
        mw.Message(role="developer", content="Be brief."),
        mw.Message(role="user", content="hello"),
    ]
    with client(signed_in, instruction_roles=("system",)) as chat:
        assert chat.create(input=history).text == "You said: hello"
    body = body_of(sent(server)[0])
    assert [item["role"] for item in body["input"]] == ["developer", "user"]
    assert body["instructions"] == ""


def test_a_system_message_in_the_input_is_refused_by_the_backend(
    server: FakeServer, signed_in: FileStore
) -> None:
    unshaped = [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "hi"},
    ]
    with client(signed_in) as chat, pytest.raises(mw.BadRequestError) as refused:
        chat.create(input="hi", extra_body={"input": unshaped})
    assert "System messages are not allowed" in str(refused.value)


def test_an_image_in_a_system_message_is_a_configuration_error(signed_in: FileStore) -> None:
    image = mw.ImagePart(url="https://example.com/cat.png")
    history = [mw.Message(role="system", content=[image]), mw.Message(role="user", content="hi")]
    with client(signed_in) as chat, pytest.raises(mw.ConfigurationError, match="text only"):
        chat.create(input=history)


# -- 3. headers -----------------------------------------------------------------------------------


def test_the_headers_codex_sends_are_sent_with_modelwires_own_names(
    server: FakeServer, signed_in: FileStore
) -> None:
    with client(signed_in) as chat:
        chat.create(input="one")
        chat.create(input="two")
    with client(signed_in) as other:
        other.create(input="three")
    first, second, third = sent(server)
    headers = first.headers
    assert headers["originator"] == "modelwire"
    assert headers["openai-beta"] == "responses=experimental"
    assert headers["chatgpt-account-id"] == server.identity.chatgpt_account_id
    assert headers["user-agent"].startswith("modelwire/")
    assert headers["authorization"].startswith("Bearer ")
    assert "version" not in headers  # Codex's carries Codex's own version (docs/auth.md [C5])
    # One conversation id per client, sent as session_id and as the prompt cache key.
    session = headers["session_id"]
    assert second.headers["session_id"] == session
    assert body_of(first)["prompt_cache_key"] == session
    assert third.headers["session_id"] != session


def test_the_callers_prompt_cache_key_names_the_session(
    server: FakeServer, signed_in: FileStore
) -> None:
    options = mw.ResponsesOptions(prompt_cache_key="conversation-42")
    with client(signed_in) as chat:
        chat.create(input="hi", options=options)
    [request] = sent(server)
    assert request.headers["session_id"] == "conversation-42"
    assert body_of(request)["prompt_cache_key"] == "conversation-42"


def test_a_session_id_can_be_given_to_the_auth(server: FakeServer, signed_in: FileStore) -> None:
    auth = ChatGPTAuth(store=signed_in, session_id="my-session")
    with mw.Client("chatgpt", auth=auth) as chat:
        chat.create(input="hi")
    assert sent(server)[0].headers["session_id"] == "my-session"


def test_the_header_table_is_extended_and_overridden_by_config_and_environment(
    server: FakeServer, signed_in: FileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELWIRE_CHATGPT_ORIGINATOR", "my-app")
    monkeypatch.setenv(
        ChatGPTOAuthConfig.HEADERS_ENV, json.dumps({"X-From-Env": "1", "OpenAI-Beta": ""})
    )
    with client(signed_in, headers={"x-from-config": "2", "x-from-env": "3"}) as chat:
        chat.create(input="hi")
        chat.create(input="hi", extra_headers={"originator": "per-call"})
    first, second = sent(server)
    assert first.headers["originator"] == "my-app"
    assert first.headers["x-from-env"] == "3"  # the argument wins over the environment
    assert first.headers["x-from-config"] == "2"
    assert "openai-beta" not in first.headers  # an empty value drops a default
    assert second.headers["originator"] == "per-call"


def test_client_default_headers_win_over_the_table(
    server: FakeServer, signed_in: FileStore
) -> None:
    auth = ChatGPTAuth(store=signed_in)
    with mw.Client("chatgpt", auth=auth, default_headers={"OpenAI-Beta": "other"}) as chat:
        chat.create(input="hi")
    assert sent(server)[0].headers["openai-beta"] == "other"


def test_a_malformed_header_table_in_the_environment_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ChatGPTOAuthConfig.HEADERS_ENV, "openai-beta=x")
    with pytest.raises(mw.ConfigurationError, match="MODELWIRE_CHATGPT_HEADERS"):
        ChatGPTOAuthConfig.from_env()
    assert CHATGPT_HEADERS == {"openai-beta": "responses=experimental"}


# -- the backend's other rules --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("undo", "detail"),
    [
        ({"store": True}, "Store must be set to false"),
        ({"stream": False}, "Stream must be set to true"),
        ({"temperature": 0.5}, "Unsupported parameter: temperature"),
    ],
)
def test_undoing_a_body_rule_is_refused_by_the_backend(
    server: FakeServer, signed_in: FileStore, undo: dict[str, Any], detail: str
) -> None:
    with client(signed_in) as chat:
        shaped = chat.create(input="hi", max_output_tokens=50, temperature=0.2)
        assert shaped.text == "You said: hi"
        with pytest.raises(mw.BadRequestError) as refused:
            chat.create(input="hi", extra_body=undo)
    assert detail in str(refused.value)
    body = body_of(sent(server)[0])
    assert body["store"] is False
    assert body["stream"] is True
    assert "temperature" not in body
    assert "max_output_tokens" not in body
