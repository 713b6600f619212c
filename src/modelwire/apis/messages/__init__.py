"""The Anthropic Messages API (``POST /v1/messages``): request building, stream mapping, errors."""

from __future__ import annotations

from functools import partial

from ..base import WireApi
from ..ratelimits import rate_limits
from ..validation import validate_request
from .body import decode as decode_body
from .errors import error_from_body
from .request import MessagesOptions, build_body, headers
from .stream import Mapper

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
)

__all__ = ["MESSAGES"]
