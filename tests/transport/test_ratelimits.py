"""Which rate-limit response header feeds which field of the RateLimits event."""

from __future__ import annotations

import pytest

import modelwire as mw
from modelwire.apis.ratelimits import rate_limits

FIELDS = (
    "limit_requests",
    "remaining_requests",
    "reset_requests",
    "limit_tokens",
    "remaining_tokens",
    "reset_tokens",
)

# Each header carries a distinct value, so a header wired to the wrong field shows.
OPENAI = {
    "x-ratelimit-limit-requests": ("limit_requests", "101", 101),
    "x-ratelimit-remaining-requests": ("remaining_requests", "102", 102),
    "x-ratelimit-reset-requests": ("reset_requests", "1s", "1s"),
    "x-ratelimit-limit-tokens": ("limit_tokens", "104", 104),
    "x-ratelimit-remaining-tokens": ("remaining_tokens", "105", 105),
    "x-ratelimit-reset-tokens": ("reset_tokens", "6m0s", "6m0s"),
}
ANTHROPIC = {
    "anthropic-ratelimit-requests-limit": ("limit_requests", "201", 201),
    "anthropic-ratelimit-requests-remaining": ("remaining_requests", "202", 202),
    "anthropic-ratelimit-requests-reset": ("reset_requests", "2026-01-01T00:00:03Z", None),
    "anthropic-ratelimit-tokens-limit": ("limit_tokens", "204", 204),
    "anthropic-ratelimit-tokens-remaining": ("remaining_tokens", "205", 205),
    "anthropic-ratelimit-tokens-reset": ("reset_tokens", "2026-01-01T00:00:06Z", None),
}


def limits(api: str, headers: dict[str, str]) -> mw.RateLimits:
    found = rate_limits(api, headers)
    assert found is not None
    return found


@pytest.mark.parametrize("header", OPENAI)
def test_each_openai_header_feeds_its_own_field_and_no_other(header: str) -> None:
    field, sent, expected = OPENAI[header]
    found = limits("responses", {header: sent})
    assert getattr(found, field) == expected
    assert all(getattr(found, other) is None for other in FIELDS if other != field)
    assert found.raw == {header: sent}


@pytest.mark.parametrize("header", ANTHROPIC)
def test_each_anthropic_header_feeds_its_own_field_and_no_other(header: str) -> None:
    field, sent, expected = ANTHROPIC[header]
    found = limits("messages", {header: sent})
    assert getattr(found, field) == (sent if expected is None else expected)
    assert all(getattr(found, other) is None for other in FIELDS if other != field)


def test_all_openai_headers_at_once_fill_every_field() -> None:
    found = limits("chat", {header: sent for header, (_, sent, _) in OPENAI.items()})
    assert {field: getattr(found, field) for field in FIELDS} == {
        field: expected for field, _, expected in OPENAI.values()
    }
    assert found.api == "chat"


def test_anthropic_input_and_output_token_buckets_stay_in_raw_only() -> None:
    headers = {
        "anthropic-ratelimit-input-tokens-limit": "301",
        "anthropic-ratelimit-output-tokens-remaining": "302",
    }
    found = limits("messages", headers)
    assert all(getattr(found, field) is None for field in FIELDS)
    assert found.raw == headers


def test_chatgpt_codex_usage_headers_stay_in_raw_and_feed_no_field() -> None:
    headers = {
        "x-codex-primary-used-percent": "42",
        "x-codex-primary-window-minutes": "300",
        "x-codex-secondary-used-percent": "7",
    }
    found = limits("responses", headers)
    assert found.raw == headers
    assert all(getattr(found, field) is None for field in FIELDS)


def test_header_names_are_matched_case_insensitively_and_raw_keys_are_lowercase() -> None:
    found = limits("responses", {"X-RateLimit-Remaining-Tokens": "9", "Content-Type": "x"})
    assert found.remaining_tokens == 9
    assert found.raw == {"x-ratelimit-remaining-tokens": "9"}


def test_no_rate_limit_header_means_no_event() -> None:
    assert (
        rate_limits("responses", {"content-type": "text/event-stream", "x-request-id": "r"}) is None
    )


def test_a_count_with_a_fraction_keeps_its_whole_part() -> None:
    assert limits("responses", {"x-ratelimit-remaining-tokens": "99.0"}).remaining_tokens == 99


ABSURD = [
    "1e999",
    "-1e999",
    "inf",
    "-inf",
    "nan",
    "NaN",
    "-5",
    "9" * 5000,
    "1" * 19,
    "\uff11\uff12",  # fullwidth digits
    "\u0661\u0662",  # Arabic-Indic digits
    "0x10",
    "1e3",
    "",
    " ",
    "12 tokens",
    "\u00e9",
]


@pytest.mark.parametrize("value", ABSURD, ids=lambda value: repr(value[:12]))
def test_an_absurd_count_leaves_its_field_empty_and_keeps_the_header_in_raw(value: str) -> None:
    header = "x-ratelimit-limit-tokens"
    found = limits("responses", {header: value, "x-ratelimit-limit-requests": "5"})
    assert found.limit_tokens is None
    assert found.limit_requests == 5
    assert found.raw[header] == value
    found = limits("messages", {"anthropic-ratelimit-tokens-remaining": value})
    assert found.remaining_tokens is None
