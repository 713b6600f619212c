"""Error bodies in each service's own shape, and request-validation errors that name the field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias

from pydantic import ValidationError

#: Who answers: the three API families and the two OAuth servers shape errors differently.
ErrorShape: TypeAlias = Literal["openai", "anthropic", "chatgpt", "chatgpt-token", "claude-token"]

#: How a field path is spelt in ``param`` / the message: ``input[0].role`` (Responses),
#: ``messages.[0].role`` (Chat), ``messages.0.role`` (Messages).
PathStyle: TypeAlias = Literal["brackets", "dotted-brackets", "dotted"]


def openai_error(
    message: str,
    *,
    type_: str | None = "invalid_request_error",
    param: str | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def anthropic_error(error_type: str, message: str, request_id: str) -> dict[str, Any]:
    return {
        "type": "error",
        "error": {"type": error_type, "message": message},
        "request_id": request_id,
    }


def detail_error(message: str) -> dict[str, Any]:
    """The ChatGPT backend's own refusals (``{"detail": "..."}``)."""
    return {"detail": message}


def oauth_error(error: str, description: str) -> dict[str, Any]:
    """RFC 6749 token-endpoint errors."""
    return {"error": error, "error_description": description}


_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}

_ANTHROPIC_MESSAGES = {
    "invalid_request_error": "Invalid request",
    "authentication_error": "invalid x-api-key",
    "billing_error": "Your credit balance is too low to access the Anthropic API.",
    "permission_error": "Your API key does not have permission to use the specified resource.",
    "not_found_error": "Not found",
    "request_too_large": "Request exceeds the maximum allowed number of bytes.",
    "rate_limit_error": (
        "This request would exceed the rate limit for your organization. For details, refer to: "
        "https://docs.claude.com/en/api/rate-limits. You can see the response headers for "
        "current usage."
    ),
    "api_error": "Internal server error",
    "timeout_error": "Request timeout",
    "overloaded_error": "Overloaded",
}

_OPENAI_STATUS = {
    400: ("Bad request.", "invalid_request_error", None),
    401: ("Unauthorized.", "invalid_request_error", None),
    403: ("You are not allowed to access this resource.", "invalid_request_error", None),
    404: ("Not found.", "invalid_request_error", None),
    408: ("Request timed out.", "timeout", None),
    409: ("Conflict.", "invalid_request_error", None),
    429: (
        "Rate limit reached for requests. Please try again in a moment.",
        "requests",
        "rate_limit_exceeded",
    ),
    500: (
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
    ),
    502: ("Bad gateway.", "server_error", None),
    503: ("The server is overloaded or not ready yet.", "server_error", None),
    504: ("Gateway timeout.", "server_error", None),
    529: ("The engine is currently overloaded, please try again later.", "server_error", None),
}


def anthropic_type_for(status: int) -> str:
    if status in _ANTHROPIC_TYPES:
        return _ANTHROPIC_TYPES[status]
    return "api_error" if status >= 500 else "invalid_request_error"


def status_body(
    shape: ErrorShape,
    status: int,
    *,
    request_id: str,
    message: str | None = None,
    plan_type: str = "plus",
    now: float = 0.0,
) -> dict[str, Any]:
    """The body a service sends with an HTTP error ``status`` it chose to return."""
    if shape == "anthropic":
        error_type = anthropic_type_for(status)
        return anthropic_error(error_type, message or _ANTHROPIC_MESSAGES[error_type], request_id)
    if shape == "claude-token":
        if status == 429:
            return oauth_error(
                "rate_limit_error", message or "Rate limited. Please try again later."
            )
        return oauth_error("server_error", message or "The authorization server failed.")
    if shape == "chatgpt" and status == 429:
        # The subscription backend reports its plan limits, not request-rate limits.
        return {
            "error": {
                "type": "usage_limit_reached",
                "message": message or "The usage limit has been reached",
                "plan_type": plan_type,
                "resets_at": int(now) + 3600,
                "resets_in_seconds": 3600,
            }
        }
    default_message, type_, code = _OPENAI_STATUS.get(
        status, ("The server had an error processing your request.", "server_error", None)
    )
    return openai_error(message or default_message, type_=type_, code=code)


# -- request validation ---------------------------------------------------------------------------


def format_path(path: Sequence[str | int], style: PathStyle) -> str:
    out = ""
    for element in path:
        if isinstance(element, int):
            out += {"brackets": f"[{element}]", "dotted-brackets": f".[{element}]"}.get(
                style, f".{element}"
            )
        else:
            out += f".{element}" if out else element
    return out


def _contains(value: Any, key: Any) -> bool:
    """Whether ``key`` steps into ``value`` (an index of a list, a key of an object)."""
    if isinstance(value, list):
        return isinstance(key, int) and 0 <= key < len(value)
    return isinstance(value, Mapping) and isinstance(key, str) and key in value


def _interpret(loc: Sequence[Any], body: Any) -> tuple[list[str | int], list[tuple[int, Any]]]:
    """Split a pydantic error location into the real JSON path and the union labels pydantic
    inserted (``'str'``, ``'list[...]'``, member class names, discriminator tags).

    Several readings can exist (a tag may also be a key of the object); the one with the fewest
    labels wins.
    """

    def walk(
        index: int, current: Any, path: list[str | int], labels: list[tuple[int, Any]]
    ) -> tuple[list[str | int], list[tuple[int, Any]]]:
        if index == len(loc):
            return path, labels
        element = loc[index]
        readings: list[tuple[list[str | int], list[tuple[int, Any]]]] = []
        if _contains(current, element):
            readings.append(walk(index + 1, current[element], [*path, element], labels))
        elif isinstance(current, Mapping) and isinstance(element, str) and index == len(loc) - 1:
            readings.append(([*path, element], labels))  # a missing field
        readings.append(walk(index + 1, current, path, [*labels, (len(path), element)]))
        return min(readings, key=lambda reading: len(reading[1]))

    return walk(0, body, [], [])


def pick_error(error: ValidationError, body: Any) -> tuple[dict[str, Any], list[str | int]]:
    """The one error to report, as the real services report one.

    Errors come grouped by the union branch pydantic tried; the branch with the fewest errors is
    the one the client meant, and within it the deepest field is the most specific complaint.
    """
    interpreted: list[tuple[dict[str, Any], list[str | int], tuple[tuple[int, Any], ...]]] = []
    for details in error.errors():
        path, branch = _interpret(details["loc"], body)
        interpreted.append((dict(details), path, tuple(branch)))
    group_sizes: dict[tuple[tuple[int, Any], ...], int] = {}
    for _, _, labels in interpreted:
        group_sizes[labels] = group_sizes.get(labels, 0) + 1
    best = min(
        enumerate(interpreted),
        key=lambda pair: (group_sizes[pair[1][2]], -len(pair[1][1]), pair[0]),
    )[1]
    return best[0], best[1]


def _describe_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


_EXPECTED_TYPES = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a decimal",
    "float_parsing": "a decimal",
    "bool_type": "a boolean",
    "bool_parsing": "a boolean",
    "list_type": "an array",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
}


def _expected_or(values: str) -> str:
    """``"'a', 'b', 'c'"`` -> ``"'a', 'b' or 'c'"`` (pydantic's own wording)."""
    parts = [part.strip() for part in values.split(",")]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def openai_validation_error(error: ValidationError, body: Any, style: PathStyle) -> dict[str, Any]:
    details, path = pick_error(error, body)
    kind = details["type"]
    ctx = details.get("ctx") or {}
    value = details.get("input")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        path = [*path, str(ctx.get("discriminator", "type")).strip("'")]
    param = format_path(path, style) or None
    shown = param or "body"
    if kind in ("missing", "union_tag_not_found"):
        return openai_error(
            f"Missing required parameter: '{shown}'.",
            param=param,
            code="missing_required_parameter",
        )
    if kind == "extra_forbidden":
        if len(path) == 1:
            return openai_error(f"Unrecognized request argument supplied: {path[0]}", param=param)
        return openai_error(f"Unknown parameter: '{shown}'.", param=param, code="unknown_parameter")
    if kind in ("literal_error", "enum", "union_tag_invalid"):
        expected = ctx.get("expected") or ctx.get("expected_tags") or ""
        given = ctx.get("tag", value)
        return openai_error(
            f"Invalid value for '{shown}': {given!r}. Supported values are: {expected}.",
            param=param,
            code="invalid_value",
        )
    if kind in _EXPECTED_TYPES:
        return openai_error(
            f"Invalid type for '{shown}': expected {_EXPECTED_TYPES[kind]}, but got "
            f"{_describe_type(value)} instead.",
            param=param,
            code="invalid_type",
        )
    if kind in ("less_than_equal", "less_than", "greater_than_equal", "greater_than"):
        above = kind.startswith("less")
        bound = ctx.get("le", ctx.get("lt", ctx.get("ge", ctx.get("gt"))))
        relation = {"less_than_equal": "<=", "less_than": "<"}.get(kind) or (
            ">=" if kind == "greater_than_equal" else ">"
        )
        number = "integer" if isinstance(bound, int) else "decimal"  # the field's type
        where = "above maximum" if above else "below minimum"
        return openai_error(
            f"Invalid '{shown}': {number} {where} value. Expected a value {relation} {bound}, "
            f"but got {value} instead.",
            param=param,
            code=f"{number}_{'above_max' if above else 'below_min'}_value",
        )
    if kind == "too_short":
        return openai_error(
            f"Invalid '{shown}': empty array. Expected an array with minimum length "
            f"{ctx.get('min_length')}, but got an empty array instead.",
            param=param,
            code="empty_array",
        )
    if kind in ("too_long", "string_too_long"):
        what = "string" if kind == "string_too_long" else "array"
        return openai_error(
            f"Invalid '{shown}': {what} too long. Expected a {what} with maximum length "
            f"{ctx.get('max_length')}, but got a {what} with length {len(value or '')} instead.",
            param=param,
            code=f"{what}_above_max_length",
        )
    return openai_error(f"Invalid value for '{shown}': {details['msg']}.", param=param)


def anthropic_validation_message(error: ValidationError, body: Any) -> str:
    details, path = pick_error(error, body)
    kind = details["type"]
    ctx = details.get("ctx") or {}
    message = str(details["msg"])
    if kind == "union_tag_invalid":
        path = [*path, str(ctx.get("discriminator", "type")).strip("'")]
        message = f"Input should be {_expected_or(str(ctx.get('expected_tags', '')))}"
    elif kind == "union_tag_not_found":
        path = [*path, str(ctx.get("discriminator", "type")).strip("'")]
        message = "Field required"
    where = format_path(path, "dotted")
    return f"{where}: {message}" if where else message
