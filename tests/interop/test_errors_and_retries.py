"""The SDKs' error classes and retries against the emulator's refusals and faults."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anthropic
import httpx2
import openai
import pytest

from modelwire.testing import FakeServer, Fault, Script

from .conftest import ANTHROPIC_KEY, OPENAI_KEY

MODEL = "claude-sonnet-4-5"
USER: Any = [{"role": "user", "content": "hi"}]


def openai_with(server: FakeServer, *, api_key: str = OPENAI_KEY, retries: int = 0) -> Any:
    return openai.OpenAI(
        api_key=api_key,
        base_url=server.base_url("openai"),
        max_retries=retries,
        http_client=httpx2.Client(verify=False, timeout=10.0),
    )


def anthropic_with(server: FakeServer, *, api_key: str = ANTHROPIC_KEY, retries: int = 0) -> Any:
    return anthropic.Anthropic(
        api_key=api_key,
        base_url=server.base_url("anthropic"),
        max_retries=retries,
        http_client=httpx2.Client(verify=False, timeout=10.0),
    )


def responses_call(client: Any) -> Any:
    return client.responses.create(model="gpt-5", input="hi")


def chat_call(client: Any) -> Any:
    return client.chat.completions.create(model="gpt-5", messages=USER)


def messages_call(client: Any) -> Any:
    return client.messages.create(model=MODEL, max_tokens=100, messages=USER)


CALLS: dict[str, tuple[str, Callable[[FakeServer], Any], Callable[[Any], Any]]] = {
    "responses": ("responses", openai_with, responses_call),
    "chat": ("chat", openai_with, chat_call),
    "messages": ("messages", anthropic_with, messages_call),
}


# -- error classes --------------------------------------------------------------------------------

STATUS_CLASSES: list[tuple[str, int, type[Exception]]] = [
    ("responses", 400, openai.BadRequestError),
    ("responses", 404, openai.NotFoundError),
    ("responses", 429, openai.RateLimitError),
    ("responses", 529, openai.InternalServerError),
    ("chat", 400, openai.BadRequestError),
    ("chat", 404, openai.NotFoundError),
    ("chat", 429, openai.RateLimitError),
    ("chat", 529, openai.InternalServerError),
    ("messages", 400, anthropic.BadRequestError),
    ("messages", 404, anthropic.NotFoundError),
    ("messages", 429, anthropic.RateLimitError),
    ("messages", 529, anthropic.OverloadedError),
]


@pytest.mark.parametrize(("api", "status", "error_class"), STATUS_CLASSES)
def test_a_status_fault_raises_the_sdks_error_class(
    fake_server: FakeServer, api: str, status: int, error_class: type[Exception]
) -> None:
    route, make_client, call = CALLS[api]
    fake_server.queue(route, Fault.status(status))
    with make_client(fake_server) as client, pytest.raises(error_class) as raised:
        call(client)
    assert raised.value.status_code == status  # type: ignore[attr-defined]


@pytest.mark.parametrize("api", list(CALLS))
def test_a_wrong_key_raises_authentication_error(api: str) -> None:
    _, make_client, call = CALLS[api]
    keys = [OPENAI_KEY, ANTHROPIC_KEY]
    wrong = "sk-ant-api03-wrong-0123456" if api == "messages" else "sk-wrong-0123456789"
    error_class = anthropic.AuthenticationError if api == "messages" else openai.AuthenticationError
    with (
        FakeServer(api_keys=keys) as server,
        make_client(server, api_key=wrong) as client,
        pytest.raises(error_class) as raised,
    ):
        call(client)
    assert raised.value.status_code == 401
    if api == "messages":
        assert raised.value.body["error"]["message"] == "invalid x-api-key"  # type: ignore[index]


def test_a_validation_error_names_the_field(openai_client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        openai_client.responses.create(model="gpt-5", input=[{"role": "bogus", "content": "x"}])
    assert raised.value.param == "input[0].role"
    assert raised.value.code == "invalid_value"


def test_an_unknown_path_is_the_services_404(
    openai_client: openai.OpenAI, anthropic_client: anthropic.Anthropic
) -> None:
    with pytest.raises(openai.NotFoundError, match="Invalid URL"):
        openai_client.get("/nothing", cast_to=object)
    with pytest.raises(anthropic.NotFoundError) as raised:
        anthropic_client.get("/v1/nothing", cast_to=object)
    assert raised.value.body["error"]["type"] == "not_found_error"  # type: ignore[index]


def test_an_in_stream_messages_error_is_raised_with_its_type(
    fake_server: FakeServer, anthropic_client: anthropic.Anthropic
) -> None:
    fake_server.queue("messages", Fault.stream_error("overloaded_error", after_events=3))
    with (
        pytest.raises(anthropic.APIStatusError) as raised,
        anthropic_client.messages.stream(model=MODEL, max_tokens=100, messages=USER) as stream,
    ):
        stream.get_final_message()
    assert raised.value.body["error"]["type"] == "overloaded_error"  # type: ignore[index]


def test_a_failed_responses_stream_ends_in_response_failed(
    fake_server: FakeServer, openai_client: openai.OpenAI
) -> None:
    fake_server.queue("responses", Fault.stream_error("api_error", after_events=4))
    with openai_client.responses.create(model="gpt-5", input="hi", stream=True) as events:
        last = list(events)[-1]
    assert last.type == "response.failed"
    assert last.response.error is not None


# -- retries --------------------------------------------------------------------------------------

RETRIED = [("responses", 429), ("chat", 429), ("messages", 429), ("messages", 529)]


@pytest.mark.parametrize(("api", "status"), RETRIED)
def test_the_sdk_retries_a_retryable_status_and_succeeds(
    fake_server: FakeServer, api: str, status: int
) -> None:
    route, make_client, call = CALLS[api]
    fault = Fault.status(status, retry_after_ms=10)
    fake_server.queue(route, fault, fault, Script.text("third time lucky"))
    with make_client(fake_server, retries=2) as client:
        result = call(client)
    assert len(fake_server.requests_to(route)) == 3
    if api == "messages":
        assert result.content[0].text == "third time lucky"
    elif api == "chat":
        assert result.choices[0].message.content == "third time lucky"
    else:
        assert result.output_text == "third time lucky"


@pytest.mark.parametrize("api", ["responses", "messages"])
def test_the_sdk_retries_before_a_stream(fake_server: FakeServer, api: str) -> None:
    route, make_client, _ = CALLS[api]
    fake_server.queue(route, Fault.status(529 if api == "messages" else 429, retry_after_ms=10))
    with make_client(fake_server, retries=1) as client:
        if api == "messages":
            with client.messages.stream(model=MODEL, max_tokens=100, messages=USER) as stream:
                text = stream.get_final_message().content[0].text
        else:
            with client.responses.stream(model="gpt-5", input="hi") as stream:
                text = stream.get_final_response().output_text
    assert text == "You said: hi"
    assert len(fake_server.requests_to(route)) == 2


def test_the_sdk_gives_up_after_max_retries(fake_server: FakeServer) -> None:
    fake_server.always("messages", Fault.status(529, retry_after_ms=1))
    with anthropic_with(fake_server, retries=2) as client, pytest.raises(anthropic.OverloadedError):
        messages_call(client)
    assert len(fake_server.requests_to("messages")) == 3


def test_x_should_retry_false_stops_the_sdk(fake_server: FakeServer) -> None:
    fake_server.queue("chat", Fault.status(429, should_retry=False))
    with openai_with(fake_server, retries=2) as client, pytest.raises(openai.RateLimitError):
        chat_call(client)
    assert len(fake_server.requests_to("chat")) == 1


def test_the_sdk_retries_a_reset_connection(fake_server: FakeServer) -> None:
    fake_server.queue("responses", Fault.reset())
    with openai_with(fake_server, retries=1) as client:
        assert responses_call(client).output_text == "You said: hi"
    assert len(fake_server.requests_to("responses")) == 2
