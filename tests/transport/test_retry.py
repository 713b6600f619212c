"""``x-should-retry``: the server's word overrides the status, over real HTTP and in the rule."""

from __future__ import annotations

import pytest

import modelwire as mw
from modelwire.transport.retry import RETRYABLE_STATUSES, should_retry

from .raw_server import CHAT_HELLO, RawServer, http_response, sse_response

ERROR_BODY = b'{"error": {"message": "try me", "type": "invalid_request_error"}}'
SERVER_ERROR = b'{"error": {"message": "boom", "type": "server_error"}}'
# No wait between attempts: the server says so.
NOW = ("retry-after-ms", "0")


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_should_retry_true_retries_a_status_that_is_never_retried_by_default(status: int) -> None:
    assert not should_retry(status, {})
    assert should_retry(status, {"x-should-retry": "true"})


@pytest.mark.parametrize("status", sorted(RETRYABLE_STATUSES))
def test_should_retry_false_stops_a_status_that_is_retried_by_default(status: int) -> None:
    assert should_retry(status, {})
    assert not should_retry(status, {"x-should-retry": "false"})


@pytest.mark.parametrize("value", ["TRUE", "yes", "1", ""])
def test_any_other_value_leaves_the_status_to_decide(value: str) -> None:
    assert not should_retry(400, {"x-should-retry": value})
    assert should_retry(503, {"x-should-retry": value})


def chat_client(server: RawServer, max_retries: int = 2) -> mw.Client:
    return mw.Client(
        "openai", api="chat", api_key="sk-test", base_url=server.url, max_retries=max_retries
    )


def test_x_should_retry_true_on_a_400_makes_the_client_retry_over_http() -> None:
    answers = [
        http_response(400, ERROR_BODY, [("x-should-retry", "true"), NOW]),
        sse_response(CHAT_HELLO),
    ]
    with RawServer(answers) as server:
        response = chat_client(server).create(model="m", input="hi")
    assert response.text == "hello"
    assert len(server.requests) == 2


def test_a_400_without_the_header_is_not_retried_over_http() -> None:
    answers = [http_response(400, ERROR_BODY, [NOW]), sse_response(CHAT_HELLO)]
    with RawServer(answers) as server, pytest.raises(mw.BadRequestError):
        chat_client(server).create(model="m", input="hi")
    assert len(server.requests) == 1


def test_x_should_retry_false_on_a_503_stops_the_client_retrying_over_http() -> None:
    answers = [
        http_response(503, SERVER_ERROR, [("x-should-retry", "false"), NOW]),
        sse_response(CHAT_HELLO),
    ]
    with RawServer(answers) as server, pytest.raises(mw.InternalServerError):
        chat_client(server).create(model="m", input="hi")
    assert len(server.requests) == 1


def test_a_503_without_the_header_is_retried_over_http() -> None:
    with RawServer([http_response(503, SERVER_ERROR, [NOW]), sse_response(CHAT_HELLO)]) as server:
        assert chat_client(server).create(model="m", input="hi").text == "hello"
    assert len(server.requests) == 2
