"""Anthropic Messages error bodies -> typed errors (HTTP bodies and the in-stream error event)."""

from __future__ import annotations

from typing import Any

import pytest

import modelwire as mw
from modelwire.apis.messages.errors import error_from_body
from modelwire.common.errors import MAX_MESSAGE_CHARS

REQUEST_ID = "req_011CSHoEeqs5C35K2UUqR7Fy"


def body(error_type: str, message: str = "something went wrong", **extra: Any) -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": message}, **extra}


@pytest.mark.parametrize(
    ("status", "error_type", "error_class"),
    [
        (400, "invalid_request_error", mw.BadRequestError),
        (401, "authentication_error", mw.AuthenticationError),
        (403, "permission_error", mw.PermissionDeniedError),
        (404, "not_found_error", mw.NotFoundError),
        (409, "conflict_error", mw.ConflictError),
        (413, "request_too_large", mw.RequestTooLargeError),
        (429, "rate_limit_error", mw.RateLimitError),
        (500, "api_error", mw.InternalServerError),
        (504, "timeout_error", mw.InternalServerError),
        (529, "overloaded_error", mw.OverloadedError),
    ],
)
def test_each_documented_error_type_gets_its_class(
    status: int, error_type: str, error_class: type[mw.APIError]
) -> None:
    error = error_from_body(status, body(error_type))
    assert type(error) is error_class
    assert (error.status, error.error_type, error.provider) == (status, error_type, "anthropic")


def test_billing_error_has_no_class_of_its_own_and_stays_an_api_error() -> None:
    error = error_from_body(402, body("billing_error", "Your credit balance is too low."))
    assert type(error) is mw.APIError
    assert error.error_type == "billing_error"


@pytest.mark.parametrize(
    "message",
    [
        "prompt is too long: 210183 tokens > 200000 maximum",
        "input length and `max_tokens` exceed context limit: 188240 + 21333 > 200000, "
        "decrease input length or `max_tokens` and try again",
    ],
)
def test_prompt_too_long_is_a_context_window_error(message: str) -> None:
    error = error_from_body(400, body("invalid_request_error", message))
    assert type(error) is mw.ContextWindowExceededError
    assert isinstance(error, mw.BadRequestError)
    assert error.message == message


def test_other_invalid_requests_are_plain_bad_requests() -> None:
    message = 'messages: roles must alternate between "user" and "assistant"'
    error = error_from_body(400, body("invalid_request_error", message))
    assert type(error) is mw.BadRequestError


def test_message_request_id_and_native_body_are_kept() -> None:
    wire = body("not_found_error", "model: claude-nope", request_id=REQUEST_ID)
    error = error_from_body(404, wire)
    assert error.message == "model: claude-nope"
    assert error.request_id == REQUEST_ID
    assert error.native == wire


def test_request_id_from_the_header_is_used_when_given() -> None:
    error = error_from_body(500, body("api_error"), request_id="req_from_header")
    assert error.request_id == "req_from_header"


def test_error_details_code_is_kept() -> None:
    wire = body("rate_limit_error", "Your organization has reached its monthly spend limit.")
    wire["error"]["details"] = {"error_code": "enforced_spend_limit_reached"}
    assert error_from_body(429, wire).code == "enforced_spend_limit_reached"


def test_rate_limit_error_carries_retry_after() -> None:
    error = error_from_body(429, body("rate_limit_error"), retry_after=12.5)
    assert isinstance(error, mw.RateLimitError)
    assert error.retry_after == 12.5


def test_partial_response_is_attached() -> None:
    partial = mw.Response(text="half")
    error = error_from_body(None, body("overloaded_error"), partial=partial)
    assert error.partial is partial


def test_in_stream_error_is_classified_by_type_alone() -> None:
    error = error_from_body(None, body("overloaded_error", "Overloaded"))
    assert type(error) is mw.OverloadedError
    assert error.status is None
    assert str(error) == "in-stream anthropic overloaded_error: Overloaded"


def test_unknown_type_in_stream_is_a_plain_api_error() -> None:
    error = error_from_body(None, body("quantum_flux_error", "new kind of failure"))
    assert type(error) is mw.APIError
    assert error.error_type == "quantum_flux_error"


def test_unknown_type_falls_back_to_the_status() -> None:
    assert type(error_from_body(400, body("quantum_flux_error"))) is mw.BadRequestError


def test_type_wins_over_a_less_specific_status() -> None:
    assert type(error_from_body(500, body("overloaded_error"))) is mw.OverloadedError


def test_status_wins_over_a_less_specific_type() -> None:
    assert type(error_from_body(529, body("api_error"))) is mw.OverloadedError


def test_body_given_as_json_bytes_is_parsed() -> None:
    raw = b'{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}'
    error = error_from_body(401, raw)
    assert type(error) is mw.AuthenticationError
    assert error.message == "invalid x-api-key"


def test_non_json_body_is_classified_by_status_and_quoted() -> None:
    error = error_from_body(502, b"<html><body>Bad Gateway</body></html>")
    assert type(error) is mw.InternalServerError
    assert error.message == "<html><body>Bad Gateway</body></html>"
    assert error.error_type is None


def test_empty_body_still_gives_a_message() -> None:
    error = error_from_body(503, b"")
    assert type(error) is mw.InternalServerError
    assert error.message == "HTTP 503 with no error message"


def test_long_non_json_body_is_truncated_in_the_message() -> None:
    error = error_from_body(500, "x" * 5000)
    assert len(error.message) == MAX_MESSAGE_CHARS + 1
    assert error.message.endswith("…")
