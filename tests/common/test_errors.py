"""One cap on provider text in error messages, on both error mappings (issue 16, item 9)."""

from __future__ import annotations

import pytest

from modelwire.apis.messages.errors import error_from_body as messages_error
from modelwire.apis.openai_errors import error_from_body as openai_error
from modelwire.common.errors import MAX_MESSAGE_CHARS, shortened

HUGE = 50 * 1024 * 1024


def test_shortened_keeps_short_text_and_cuts_long_text_with_an_ellipsis() -> None:
    assert shortened("abc") == "abc"
    assert shortened("x" * MAX_MESSAGE_CHARS) == "x" * MAX_MESSAGE_CHARS
    assert shortened("x" * (MAX_MESSAGE_CHARS + 1)) == "x" * MAX_MESSAGE_CHARS + "…"


@pytest.mark.parametrize("mapping", [openai_error, messages_error], ids=["openai", "messages"])
@pytest.mark.parametrize(
    "body",
    [
        {"type": "error", "error": {"type": "invalid_request_error", "message": "m" * HUGE}},
        {"error": {"message": "m" * HUGE, "type": "invalid_request_error"}},
        "t" * HUGE,
        b"b" * HUGE,
    ],
    ids=["messages shape", "openai shape", "text", "bytes"],
)
def test_a_50_mb_error_gives_the_same_bounded_message_on_both_sides(
    mapping: object, body: object
) -> None:
    error = mapping(400, body)  # type: ignore[operator]
    assert len(error.message) == MAX_MESSAGE_CHARS + 1
    assert error.message.endswith("…")
    assert len(str(error)) < MAX_MESSAGE_CHARS + 100
