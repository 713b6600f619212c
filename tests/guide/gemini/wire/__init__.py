"""The guide's example of a new wire API, ``gemini``: a Gemini-like ``streamGenerateContent`` with
the model in the URL path. This package is what ``src/modelwire/apis/gemini/`` would hold."""

from __future__ import annotations

from typing import Any

from modelwire.native import gemini as native
from pydantic import ValidationError

from modelwire.apis.base import WireApi
from modelwire.apis.ratelimits import rate_limits
from modelwire.common.errors import ConfigurationError

from .errors import error_from_body
from .request import GeminiOptions, build_body, url
from .stream import Mapper


def validate(body: dict[str, Any]) -> None:
    """Refuse, before sending, a body the generated request model refuses."""
    try:
        native.REQUEST_MODEL.model_validate(body)
    except ValidationError as error:
        raise ConfigurationError(f"invalid gemini request (nothing was sent): {error}") from None


GEMINI = WireApi(
    name="gemini",
    options_type=GeminiOptions,
    build_body=build_body,
    url=url,
    new_mapper=Mapper,
    error_from_body=error_from_body,
    rate_limits=rate_limits,
    validate=validate,
)
