"""Tool-call arguments: the JSON text a model wrote for a tool, parsed one way for every API.

Every stream mapper and request builder parses arguments here, so a caller sees one wording of
what went wrong whichever API the call came from.
"""

from __future__ import annotations

from typing import Any

from ..wire.json import JSONDecodeError, loads


def parse_tool_arguments(raw: str) -> tuple[dict[str, Any], str | None]:
    """Tool call arguments as a dict, and why not when they are not a JSON object.

    Empty (or blank) text is ``{}``: a call without parameters. Invalid JSON is ``{}`` plus the
    reason, never an exception: the model wrote it, and the caller decides what to do.
    """
    if not raw.strip():
        return {}, None
    try:
        value = loads(raw)
    except JSONDecodeError as error:
        return {}, f"tool call arguments are not valid JSON ({error})"
    if type(value) is not dict:
        return {}, f"tool call arguments are JSON but not an object ({type(value).__name__})"
    return value, None
