"""Plain-JSON views of events, items and responses (for `--json` output, logs and fixtures)."""

from __future__ import annotations

import dataclasses
from typing import Any

from .events import Event
from .response import Response


def to_jsonable(value: Any) -> Any:
    """Dataclasses, events and containers as JSON-ready values (``native`` payloads left out)."""
    if isinstance(value, Event):
        return event_to_dict(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Wire payloads and bookkeeping (fields kept out of repr) are not part of the view.
        return {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.repr and f.name not in ("native", "raw")
        }
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def event_to_dict(event: Event) -> dict[str, Any]:
    """``{"event": "TextDelta", "text": ..., "index": ...}``: the event's class and own fields."""
    return {"event": type(event).__name__, **to_jsonable(event.fields())}


def response_to_dict(response: Response) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(response)
    data["usage"]["total_tokens"] = response.usage.total_tokens
    return data
