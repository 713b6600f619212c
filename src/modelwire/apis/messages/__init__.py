"""The Anthropic Messages API (``POST /v1/messages``): request building, stream mapping, errors."""

from __future__ import annotations

from functools import partial

from ..base import TokenCounting, WireApi
from ..ratelimits import rate_limits
from ..validation import validate_request
from .body import decode as decode_body
from .errors import error_from_body
from .request import MessagesOptions, build_body, headers
from .stream import Mapper

#: ``POST /v1/messages/count_tokens``; the fields are those of the official SDK's
#: ``MessageCountTokensParams`` (with its beta body fields; ``betas`` travels as a header).
COUNT_TOKENS = TokenCounting(
    "/count_tokens",
    frozenset(
        (
            "billing_policy",
            "cache_control",
            "compaction",
            "context_management",
            "mcp_servers",
            "messages",
            "model",
            "output_config",
            "speed",
            "system",
            "thinking",
            "tool_choice",
            "tools",
            "user_profile_id",
            "workspace_id",
        )
    ),
)

MESSAGES = WireApi(
    name="messages",
    options_type=MessagesOptions,
    build_body=build_body,
    new_mapper=Mapper,
    error_from_body=error_from_body,
    rate_limits=rate_limits,
    headers=headers,
    validate=partial(validate_request, "messages"),
    decode_body=decode_body,
    count_tokens=COUNT_TOKENS,
)

__all__ = ["MESSAGES"]
