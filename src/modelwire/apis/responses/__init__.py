"""The OpenAI Responses API (``POST /responses``): request building, stream mapping, errors."""

from __future__ import annotations

from functools import partial

from ..base import WireApi
from ..ratelimits import rate_limits
from ..validation import validate_request
from .body import decode as decode_body
from .errors import error_from_body
from .request import ResponsesOptions, build_body
from .stream import Mapper

RESPONSES = WireApi(
    name="responses",
    options_type=ResponsesOptions,
    build_body=build_body,
    new_mapper=Mapper,
    error_from_body=error_from_body,
    rate_limits=rate_limits,
    validate=partial(validate_request, "responses"),
    decode_body=decode_body,
)

__all__ = ["RESPONSES"]
