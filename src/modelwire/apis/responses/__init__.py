"""The OpenAI Responses API (``POST /responses``): request building, stream mapping, errors."""

from __future__ import annotations

from functools import partial

from ..base import TokenCounting, WireApi
from ..ratelimits import rate_limits
from ..validation import validate_request
from .body import decode as decode_body
from .errors import error_from_body
from .request import ResponsesOptions, build_body
from .stream import Mapper

#: ``POST /responses/input_tokens``; the fields are those of the official SDK's
#: ``InputTokenCountParams``.
COUNT_TOKENS = TokenCounting(
    "/input_tokens",
    frozenset(
        (
            "conversation",
            "input",
            "instructions",
            "model",
            "parallel_tool_calls",
            "personality",
            "previous_response_id",
            "reasoning",
            "text",
            "tool_choice",
            "tools",
            "truncation",
        )
    ),
)

RESPONSES = WireApi(
    name="responses",
    options_type=ResponsesOptions,
    build_body=build_body,
    new_mapper=Mapper,
    error_from_body=error_from_body,
    rate_limits=rate_limits,
    validate=partial(validate_request, "responses"),
    decode_body=decode_body,
    count_tokens=COUNT_TOKENS,
)

__all__ = ["RESPONSES"]
