"""Error bodies and in-stream errors of the Responses API -> the typed hierarchy."""

from __future__ import annotations

from typing import Any

import pytest

import modelwire as mw
from modelwire.apis.responses.errors import error_from_body


def openai_error(
    message: str, type: str | None, code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


# ---------------------------------------------------------------------- HTTP error bodies


def test_invalid_api_key_is_an_authentication_error_with_the_wire_details() -> None:
    body = openai_error(
        "Incorrect API key provided: sk-proj-****1234. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        "invalid_api_key",
    )
    error = error_from_body(401, body, request_id="req_5c1d9e7f3a2b4c6d8e0f1a2b3c4d5e6f")
    assert type(error) is mw.AuthenticationError
    assert error.status == 401
    assert error.provider == "openai"
    assert error.message.startswith("Incorrect API key provided")
    assert error.error_type == "invalid_request_error"
    assert error.code == "invalid_api_key"
    assert error.request_id == "req_5c1d9e7f3a2b4c6d8e0f1a2b3c4d5e6f"
    assert error.native == body


def test_rate_limit_carries_the_retry_after_it_is_given() -> None:
    body = openai_error(
        "Rate limit reached for gpt-4.1 in organization org-Xk2m on requests per min (RPM): "
        "Limit 500, Used 500, Requested 1. Please try again in 120ms.",
        "requests",
        "rate_limit_exceeded",
    )
    error = error_from_body(429, body, retry_after=0.5)
    assert isinstance(error, mw.RateLimitError)
    assert error.retry_after == 0.5


@pytest.mark.parametrize(
    ("advice", "seconds"),
    [("2.4s", 2.4), ("120ms", 0.12), ("1m30s", 90.0), ("7m12.5s", 432.5)],
)
def test_rate_limit_without_header_reads_retry_after_from_the_message(
    advice: str, seconds: float
) -> None:
    body = openai_error(
        f"Rate limit reached for gpt-4.1 on tokens per min (TPM). Please try again in {advice}.",
        "tokens",
        "rate_limit_exceeded",
    )
    error = error_from_body(429, body)
    assert isinstance(error, mw.RateLimitError)
    assert error.retry_after == pytest.approx(seconds)


def test_insufficient_quota_is_a_rate_limit_error_with_its_code() -> None:
    body = openai_error(
        "You exceeded your current quota, please check your plan and billing details.",
        "insufficient_quota",
        "insufficient_quota",
    )
    error = error_from_body(429, body)
    assert isinstance(error, mw.RateLimitError)
    assert error.code == "insufficient_quota"
    assert error.retry_after is None


def test_context_length_code_is_context_window_exceeded() -> None:
    body = openai_error(
        "Your input exceeds the context window of this model. Please adjust your input and try "
        "again.",
        "invalid_request_error",
        "context_length_exceeded",
        "input",
    )
    error = error_from_body(400, body)
    assert type(error) is mw.ContextWindowExceededError
    assert isinstance(error, mw.BadRequestError)


def test_context_window_wording_without_a_code_is_context_window_exceeded() -> None:
    body = openai_error(
        "This model's maximum context length is 128000 tokens. However, your messages resulted "
        "in 131072 tokens.",
        "invalid_request_error",
    )
    assert type(error_from_body(400, body)) is mw.ContextWindowExceededError


def test_invalid_request_type_does_not_override_a_not_found_status() -> None:
    body = openai_error(
        "The model `gpt-9` does not exist or you do not have access to it.",
        "invalid_request_error",
        "model_not_found",
    )
    assert type(error_from_body(404, body)) is mw.NotFoundError


def test_a_code_never_turns_a_status_into_an_unrelated_class() -> None:
    body = openai_error("Rate limit reached for requests.", "requests", "rate_limit_exceeded")
    assert type(error_from_body(400, body)) is mw.BadRequestError


def test_server_error_is_an_internal_server_error() -> None:
    body = openai_error(
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
    )
    error = error_from_body(500, body)
    assert type(error) is mw.InternalServerError


def test_overloaded_wording_is_an_overloaded_error() -> None:
    body = openai_error(
        "The engine is currently overloaded, please try again later.", "server_error"
    )
    assert type(error_from_body(503, body)) is mw.OverloadedError


def test_unsupported_region_is_permission_denied() -> None:
    body = openai_error(
        "Country, region, or territory not supported",
        "request_forbidden",
        "unsupported_country_region_territory",
    )
    assert type(error_from_body(403, body)) is mw.PermissionDeniedError


def test_body_given_as_json_bytes_is_parsed() -> None:
    raw = (
        b'{"error":{"message":"Invalid \'input\': empty.","type":"invalid_request_error",'
        b'"param":"input","code":"empty_array"}}'
    )
    error = error_from_body(400, raw)
    assert type(error) is mw.BadRequestError
    assert error.message == "Invalid 'input': empty."
    assert error.native == {
        "error": {
            "message": "Invalid 'input': empty.",
            "type": "invalid_request_error",
            "param": "input",
            "code": "empty_array",
        }
    }


def test_non_json_body_becomes_the_message() -> None:
    error = error_from_body(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>\n")
    assert type(error) is mw.InternalServerError
    assert "502 Bad Gateway" in error.message


def test_empty_body_still_names_the_status() -> None:
    error = error_from_body(503, b"")
    assert type(error) is mw.InternalServerError
    assert "503" in error.message


def test_chatgpt_backend_detail_body_is_understood() -> None:
    error = error_from_body(401, {"detail": "Could not parse your authentication token."})
    assert type(error) is mw.AuthenticationError
    assert error.message == "Could not parse your authentication token."


def test_the_partial_response_given_is_attached() -> None:
    partial = mw.Response(text="so far", api="responses")
    error = error_from_body(500, openai_error("boom", "server_error"), partial=partial)
    assert error.partial is partial


def test_error_string_names_status_provider_code_and_message() -> None:
    error = error_from_body(
        429,
        openai_error("Too many requests.", "requests", "rate_limit_exceeded"),
        request_id="req_1",
    )
    assert str(error) == "429 openai requests: Too many requests. (request id req_1)"


# ---------------------------------------------------------------------- in-stream errors


def test_flat_error_event_is_typed_by_its_code_and_its_type_is_not_a_category() -> None:
    event = {
        "type": "error",
        "code": "rate_limit_exceeded",
        "message": "Rate limit reached. Please try again in 1.5s.",
        "param": None,
        "sequence_number": 4,
    }
    error = error_from_body(None, event)
    assert isinstance(error, mw.RateLimitError)
    assert error.status is None
    assert error.error_type is None
    assert error.code == "rate_limit_exceeded"
    assert error.retry_after == 1.5
    assert error.native == event


def test_nested_error_event_is_typed_by_its_inner_details() -> None:
    event = {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "code": "context_length_exceeded",
            "message": "Your input exceeds the context window of this model.",
            "param": "input",
        },
        "sequence_number": 2,
    }
    error = error_from_body(None, event)
    assert type(error) is mw.ContextWindowExceededError
    assert error.error_type == "invalid_request_error"


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("server_error", mw.InternalServerError),
        ("rate_limit_exceeded", mw.RateLimitError),
        ("invalid_prompt", mw.BadRequestError),
        ("image_too_large", mw.BadRequestError),
        ("invalid_base64_image", mw.BadRequestError),
        ("vector_store_timeout", mw.InternalServerError),
        ("bio_policy", mw.BadRequestError),
    ],
)
def test_response_failed_error_codes_map_to_their_classes(
    code: str, cls: type[mw.APIError]
) -> None:
    error = error_from_body(None, {"code": code, "message": f"The response failed ({code})."})
    assert type(error) is cls
    assert error.code == code


def test_unknown_in_stream_code_is_a_plain_api_error() -> None:
    error = error_from_body(None, {"code": "mystery_fault", "message": "Something new went wrong."})
    assert type(error) is mw.APIError
    assert str(error) == "in-stream openai mystery_fault: Something new went wrong."
