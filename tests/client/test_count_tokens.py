"""client.count_tokens(): the input tokens of a create() call, counted by the API's own endpoint
(Responses ``/responses/input_tokens``, Messages ``/v1/messages/count_tokens``) over real HTTP;
the Chat API has none, which is said before anything is sent."""

from __future__ import annotations

import asyncio

import pytest

import modelwire as mw
from modelwire.testing import FakeServer

from ..transport.raw_server import Answer, RawServer, http_response
from .conftest import make_async_client, make_client

COUNTING = ("responses", "messages")
COUNT_PATH = {"responses": "/v1/responses/input_tokens", "messages": "/v1/messages/count_tokens"}


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"sunny in {city}"


@pytest.fixture(params=COUNTING)
def counting_api(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


def test_the_count_is_what_the_call_would_use(fake_server: FakeServer, counting_api: str) -> None:
    call: dict[str, object] = {
        "input": "how warm is it in the sample city today",
        "instructions": "Answer briefly.",
        "tools": [get_weather],
    }
    with make_client(fake_server, counting_api) as client:
        counted = client.count_tokens(**call)  # type: ignore[arg-type]
        used = client.create(**call).usage.input_tokens  # type: ignore[arg-type]
    assert isinstance(counted, int)
    assert counted == used
    assert counted > 0


def test_the_count_goes_to_the_apis_counting_endpoint(
    fake_server: FakeServer, counting_api: str
) -> None:
    with make_client(fake_server, counting_api) as client:
        client.count_tokens(input="hi", max_output_tokens=64, temperature=0.5)
    [request] = fake_server.requests
    assert request.method == "POST"
    assert request.path == COUNT_PATH[counting_api]
    assert request.headers["accept"] == "application/json"
    body = request.json
    assert isinstance(body, dict)
    assert body["model"]
    # Only the fields the counting endpoint takes: no stream, no output limits or sampling.
    for create_only in ("stream", "max_tokens", "max_output_tokens", "temperature", "store"):
        assert create_only not in body
    assert ("input" if counting_api == "responses" else "messages") in body


def test_more_input_counts_more(fake_server: FakeServer, counting_api: str) -> None:
    with make_client(fake_server, counting_api) as client:
        short = client.count_tokens(input="one two")
        longer = client.count_tokens(input="one two three four five six seven")
    assert longer > short


def test_extra_body_reaches_the_counting_request(
    fake_server: FakeServer, counting_api: str
) -> None:
    field = "truncation" if counting_api == "responses" else "tool_choice"
    value: object = "auto" if counting_api == "responses" else {"type": "auto"}
    with make_client(fake_server, counting_api) as client:
        client.count_tokens(input="hi", tools=[get_weather], extra_body={field: value})
    [request] = fake_server.requests
    assert request.json[field] == value


def test_async_count_tokens(fake_server: FakeServer, counting_api: str) -> None:
    async def main() -> int:
        async with make_async_client(fake_server, counting_api) as client:
            return await client.count_tokens(input="one two three")

    counted = asyncio.run(main())
    assert counted > 0
    [request] = fake_server.requests
    assert request.path == COUNT_PATH[counting_api]


def test_chat_has_no_counting_endpoint(fake_server: FakeServer) -> None:
    with (
        make_client(fake_server, "chat") as client,
        pytest.raises(mw.ConfigurationError, match="chat API has no token-counting endpoint"),
    ):
        client.count_tokens(input="hi")
    assert fake_server.requests == []


def test_async_chat_has_no_counting_endpoint(fake_server: FakeServer) -> None:
    async def main() -> None:
        async with make_async_client(fake_server, "chat") as client:
            await client.count_tokens(input="hi")

    with pytest.raises(mw.ConfigurationError, match="chat API"):
        asyncio.run(main())
    assert fake_server.requests == []


def test_a_wrong_key_is_an_authentication_error(fake_server: FakeServer, counting_api: str) -> None:
    provider = "openai" if counting_api == "responses" else "anthropic"
    with (
        mw.Client(
            provider,
            counting_api,  # type: ignore[arg-type]
            api_key="not-a-key",
            base_url=fake_server.base_url(provider),  # type: ignore[arg-type]
        ) as client,
        pytest.raises(mw.AuthenticationError),
    ):
        client.count_tokens(input="hi")


def test_a_typo_names_count_tokens(fake_server: FakeServer) -> None:
    with (
        make_client(fake_server, "messages") as client,
        pytest.raises(TypeError, match=r"count_tokens\(\) got an unexpected keyword argument"),
    ):
        client.count_tokens(input="hi", temprature=1)  # type: ignore[call-arg]


@pytest.mark.parametrize("api", COUNTING)
def test_a_429_on_the_counting_endpoint_is_retried(api: str) -> None:
    answers: list[Answer] = [
        http_response(429, b'{"error": {"message": "slow down"}}', [("retry-after-ms", "10")]),
        http_response(200, b'{"input_tokens": 42}'),
    ]
    provider = "openai" if api == "responses" else "anthropic"
    with RawServer(answers) as server:
        base_url = server.url + ("/v1" if api == "responses" else "")
        key = "sk-test-key" if api == "responses" else "sk-ant-test-key"
        with mw.Client(provider, api, api_key=key, base_url=base_url) as client:  # type: ignore[arg-type]
            assert client.count_tokens(input="hi") == 42
    assert [request.path for request in server.requests] == [COUNT_PATH[api]] * 2


@pytest.mark.parametrize(
    ("answer", "content_type"),
    [
        (b'{"input_tokens": "many"}', "application/json"),
        (b"{}", "application/json"),
        (b"not json", "text/plain"),
        (b'data: {"input_tokens": 3}\n\n', "text/event-stream"),
    ],
)
def test_an_answer_without_a_count_is_a_typed_error(answer: bytes, content_type: str) -> None:
    with (
        RawServer([http_response(200, answer, content_type=content_type)]) as server,
        mw.Client("anthropic", api_key="sk-ant-test-key", base_url=server.url) as client,
        pytest.raises(mw.BodyDecodeError),
    ):
        client.count_tokens(input="hi")
