"""Shared helpers for the test suite: fixture loading and JSON views of what decode produced."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import modelwire as mw
from modelwire.common.serialize import event_to_dict, response_to_dict

FIXTURES = Path(__file__).parent / "fixtures"
STREAM_FIXTURES = FIXTURES / "stream"


def stream_cases(api: str) -> list[str]:
    """Names of the SSE fixture bodies of one API (``tests/fixtures/stream/<api>/<name>.sse``)."""
    return sorted(p.stem for p in (STREAM_FIXTURES / api).glob("*.sse"))


def all_stream_cases() -> list[tuple[str, str]]:
    return [(api, name) for api in ("responses", "chat", "messages") for name in stream_cases(api)]


def sse_body(api: str, name: str) -> bytes:
    return (STREAM_FIXTURES / api / f"{name}.sse").read_bytes()


def expected(api: str, name: str) -> dict[str, Any]:
    """The expected outcome: ``{"events": [...], "response": {...}}`` or, for a stream that fails,
    ``{"events": [...], "error": {"class": "OverloadedError", ...}, "partial": {...}}``."""
    data: dict[str, Any] = json.loads((STREAM_FIXTURES / api / f"{name}.expected.json").read_text())
    return data


def chunked(body: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def split_at(body: bytes, cuts: Iterable[int]) -> list[bytes]:
    points = sorted({c for c in cuts if 0 < c < len(body)})
    bounds = [0, *points, len(body)]
    return [body[a:b] for a, b in itertools.pairwise(bounds)]


def run_decode(api: str, chunks: Iterable[bytes]) -> dict[str, Any]:
    """Decode and collect; the outcome in the same JSON shape as the ``.expected.json`` files."""
    events: list[mw.Event] = []
    outcome: dict[str, Any] = {}
    try:
        for event in mw.decode(api, chunks):  # type: ignore[arg-type]
            events.append(event)
        outcome["response"] = response_to_dict(mw.collect(events))
    except mw.ModelwireError as error:
        outcome["error"] = {"class": type(error).__name__, "message": str(error)}
        partial = getattr(error, "partial", None)
        outcome["partial"] = response_to_dict(partial) if partial is not None else None
    outcome["events"] = [event_to_dict(e) for e in events]
    return outcome


def subset_matches(actual: Any, wanted: Any, path: str = "") -> list[str]:
    """Differences where ``actual`` does not contain ``wanted`` (dict keys not listed are free)."""
    if isinstance(wanted, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        problems: list[str] = []
        for key, value in wanted.items():
            if key not in actual:
                problems.append(f"{path}.{key}: missing")
            else:
                problems.extend(subset_matches(actual[key], value, f"{path}.{key}"))
        return problems
    if isinstance(wanted, list):
        if not isinstance(actual, list) or len(actual) != len(wanted):
            return [f"{path}: expected {len(wanted)} items, got {actual!r}"[:400]]
        return [
            p
            for i, (a, w) in enumerate(zip(actual, wanted, strict=True))
            for p in subset_matches(a, w, f"{path}[{i}]")
        ]
    return [] if actual == wanted else [f"{path}: expected {wanted!r}, got {actual!r}"[:400]]
