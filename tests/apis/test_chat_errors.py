"""Chat Completions error bodies (OpenAI and compatible servers) -> the typed error hierarchy."""

from __future__ import annotations

from typing import Any

import pytest

import modelwire as mw
from modelwire.apis.chat.errors import error_from_body


def openai_error(
    message: str, type: str | None, code: Any = None, param: str | None = None
) -> dict[str, Any]:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


def test_invalid_api_key_is_an_authentication_error_with_the_wire_details() -> None:
    body = openai_error(
        "Incorrect API key provided: sk-proj-********************1234. You can find your API key "
        "at https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        "invalid_api_key",
    )
    error = error_from_body(401, body, request_id="req_7f3a9c2b1e")
    assert type(error) is mw.AuthenticationError
    assert error.status == 401
    assert error.message.startswith("Incorrect API key provided")
    assert error.error_type == "invalid_request_error"
    assert error.code == "invalid_api_key"
    assert error.request_id == "req_7f3a9c2b1e"
    assert error.native == body


def test_rate_limit_carries_retry_after() -> None:
    body = openai_error(
        "Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): Limit "
        "30000, Used 29000, Requested 1500. Please try again in 1.2s.",
        "tokens",
        "rate_limit_exceeded",
    )
    error = error_from_body(429, body, retry_after=1.2)
    assert isinstance(error, mw.RateLimitError)
    assert error.retry_after == 1.2


def test_insufficient_quota_is_a_rate_limit_error_with_its_code() -> None:
    body = openai_error(
        "You exceeded your current quota, please check your plan and billing details.",
        "insufficient_quota",
        "insufficient_quota",
    )
    error = error_from_body(429, body)
    assert isinstance(error, mw.RateLimitError)
    assert error.code == "insufficient_quota"


def test_context_length_code_is_context_window_exceeded() -> None:
    body = openai_error(
        "This model's maximum context length is 128000 tokens. However, your messages resulted in "
        "130512 tokens. Please reduce the length of the messages.",
        "invalid_request_error",
        "context_length_exceeded",
        "messages",
    )
    error = error_from_body(400, body)
    assert type(error) is mw.ContextWindowExceededError
    assert isinstance(error, mw.BadRequestError)


@pytest.mark.parametrize(
    "message",
    [
        "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens "
        "(4000 in the messages, 1000 in the completion).",
        "This endpoint's maximum context length is 65536 tokens. However, you requested about "
        "70000 tokens.",
        "Context length exceeded while decoding.",
        "The input (140000 tokens) is longer than the model's context length (131072 tokens).",
    ],
)
def test_context_window_is_recognized_by_wording(message: str) -> None:
    body = {
        "object": "error",
        "message": message,
        "type": "BadRequestError",
        "param": None,
        "code": 400,
    }
    assert type(error_from_body(400, body)) is mw.ContextWindowExceededError


def test_model_not_found() -> None:
    body = openai_error(
        "The model `gpt-9` does not exist or you do not have access to it.",
        "invalid_request_error",
        "model_not_found",
    )
    assert type(error_from_body(404, body)) is mw.NotFoundError


def test_server_error_status() -> None:
    body = openai_error("The server had an error while processing your request.", "server_error")
    assert type(error_from_body(500, body)) is mw.InternalServerError


def test_overloaded_wording_on_a_5xx_is_overloaded() -> None:
    body = openai_error(
        "The engine is currently overloaded, please try again later.", "server_error"
    )
    assert type(error_from_body(503, body)) is mw.OverloadedError


def test_status_wins_over_wording_that_points_elsewhere() -> None:
    body = openai_error(
        "Upstream overloaded; slow down.", "rate_limit_error", "rate_limit_exceeded"
    )
    assert type(error_from_body(429, body)) is mw.RateLimitError


def test_unsupported_region_is_permission_denied() -> None:
    body = openai_error(
        "Country, region, or territory not supported",
        "request_forbidden",
        "unsupported_country_region_territory",
    )
    assert type(error_from_body(403, body)) is mw.PermissionDeniedError


# --- in-stream errors (no HTTP status) -----------------------------------------------------


@pytest.mark.parametrize(
    ("error_type", "code", "expected_class"),
    [
        ("server_error", None, mw.InternalServerError),
        ("rate_limit_error", "rate_limit_exceeded", mw.RateLimitError),
        ("invalid_request_error", None, mw.BadRequestError),
        ("authentication_error", None, mw.AuthenticationError),
        ("overloaded_error", None, mw.OverloadedError),
        (None, "server_is_overloaded", mw.OverloadedError),
        (None, "context_length_exceeded", mw.ContextWindowExceededError),
        ("mystery_error", None, mw.APIError),
    ],
)
def test_in_stream_errors_are_classified_by_type_and_code(
    error_type: str | None, code: str | None, expected_class: type[mw.APIError]
) -> None:
    error = error_from_body(None, openai_error("Something went wrong.", error_type, code))
    assert type(error) is expected_class
    assert error.status is None


def test_integer_code_of_a_compatible_server_stands_for_the_status() -> None:
    error = error_from_body(None, {"error": {"code": 429, "message": "Too many requests"}})
    assert type(error) is mw.RateLimitError
    assert error.code == "429"


def test_partial_is_attached() -> None:
    partial = mw.Response(text="half")
    error = error_from_body(None, openai_error("boom", "server_error"), partial=partial)
    assert error.partial is partial


# --- bodies of compatible servers --------------------------------------------------------


def test_fastapi_detail_string() -> None:
    error = error_from_body(404, {"detail": "Not Found"})
    assert type(error) is mw.NotFoundError
    assert error.message == "Not Found"


def test_fastapi_validation_detail_list() -> None:
    body = {
        "detail": [
            {
                "type": "missing",
                "loc": ["body", "messages"],
                "msg": "Field required",
                "input": {"model": "x"},
            }
        ]
    }
    error = error_from_body(422, body)
    assert type(error) is mw.UnprocessableEntityError
    assert error.message == "body.messages: Field required"


def test_error_given_as_a_plain_string() -> None:
    error = error_from_body(404, {"error": "model 'llama9' not found, try pulling it first"})
    assert type(error) is mw.NotFoundError
    assert error.message == "model 'llama9' not found, try pulling it first"


def test_vllm_top_level_error_object() -> None:
    body = {
        "object": "error",
        "message": "[{'type': 'missing', 'loc': ('body', 'model')}]",
        "type": "BadRequestError",
        "param": None,
        "code": 400,
    }
    error = error_from_body(400, body)
    assert type(error) is mw.BadRequestError
    assert error.error_type == "BadRequestError"
    assert error.code == "400"


def test_plain_text_body() -> None:
    error = error_from_body(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>\n")
    assert type(error) is mw.InternalServerError
    assert error.message == "<html><body><h1>502 Bad Gateway</h1></body></html>"
    assert error.native == "<html><body><h1>502 Bad Gateway</h1></body></html>\n"


def test_json_given_as_bytes_is_parsed() -> None:
    raw = b'{"error": {"message": "Invalid model", "type": "invalid_request_error", "code": null}}'
    error = error_from_body(400, raw)
    assert type(error) is mw.BadRequestError
    assert error.message == "Invalid model"
    assert error.native == {
        "error": {"message": "Invalid model", "type": "invalid_request_error", "code": None}
    }


def test_empty_body_names_the_status() -> None:
    error = error_from_body(500, b"")
    assert type(error) is mw.InternalServerError
    assert "500" in error.message


def test_very_long_text_body_is_shortened_in_the_message() -> None:
    error = error_from_body(500, "x" * 5000)
    assert len(error.message) < 1100
    assert error.native == "x" * 5000


def test_error_without_message_falls_back_to_its_code() -> None:
    error = error_from_body(None, {"error": {"code": "invalid_model_output"}})
    assert "invalid_model_output" in error.message
