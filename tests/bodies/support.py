"""Comparing a Response decoded from a body with the one a stream collects to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import modelwire as mw
from modelwire.common.serialize import response_to_dict

from ..support import FIXTURES, sse_body

BODY_FIXTURES = FIXTURES / "body"


def body_cases() -> list[tuple[str, str]]:
    return [
        (api, path.stem)
        for api in ("responses", "chat", "messages")
        for path in sorted((BODY_FIXTURES / api).glob("*.json"))
    ]


def body_path(api: str, name: str) -> Path:
    return BODY_FIXTURES / api / f"{name}.json"


def streamed(api: str, name: str) -> mw.Response:
    """The stream fixture of the same name, decoded and collected, with its items in output
    order (a stream finishes parallel items in any order; a body lists them in output order)."""
    events = list(mw.decode(api, [sse_body(api, name)]))  # type: ignore[arg-type]
    response = mw.collect(events)
    done = sorted(
        (event for event in events if isinstance(event, mw.ItemDone)), key=lambda e: e.index
    )
    response.items = [event.item for event in done]
    calls = {id(call): call for call in response.tool_calls}
    response.tool_calls = [item for item in response.items if id(item) in calls]
    return response


def comparable(response: mw.Response) -> dict[str, Any]:
    """Everything a caller reads of a Response, the wire JSON of its items and usage included.

    A Messages tool call's ``raw_arguments`` is compared as JSON: a stream sends the model's own
    text, a body the input object, whose text is its compact serialization.
    """
    view = response_to_dict(response)
    view["usage_raw"] = response.usage.raw
    view["item_natives"] = [getattr(item, "native", None) for item in response.items]
    if response.api == "messages":
        for calls in (view["tool_calls"], [i for i in view["items"] if i["type"] == "tool_call"]):
            for call in calls:
                raw = call["raw_arguments"]
                call["raw_arguments"] = json.loads(raw) if raw else None
    return view
