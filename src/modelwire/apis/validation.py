"""Validate a request body against the API's generated request model before anything is sent."""

from __future__ import annotations

from typing import Any

from ..common.errors import ConfigurationError
from ..common.native import native_module


def validate_request(api: str, body: dict[str, Any]) -> None:
    """Raise ConfigurationError naming every field the API would reject."""
    from pydantic import ValidationError

    model = native_module(api).REQUEST_MODEL
    try:
        model.model_validate(body)
    except ValidationError as error:
        problems = []
        seen: set[str] = set()
        for detail in error.errors(include_url=False):
            location = ".".join(str(part) for part in detail["loc"])
            if location in seen:
                continue
            seen.add(location)
            problems.append(f"{location or '<body>'}: {detail['msg']}")
            if len(problems) == 8:
                problems.append(f"... and {error.error_count() - 8} more")
                break
        raise ConfigurationError(
            f"invalid {api} request (nothing was sent):\n  " + "\n  ".join(problems)
        ) from None
