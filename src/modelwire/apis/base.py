"""The shape every provider's stream mapper has."""

from __future__ import annotations

from typing import Any, Protocol

from ..common.events import Event


class StreamMapper(Protocol):
    """Turns one API's decoded stream payloads into common events.

    ``map`` gets each JSON payload (a dict) with its SSE ``event:`` name; ``finish`` is called
    once when the body ends (after Chat's ``[DONE]``) and raises StreamInterruptedError when the
    API never said the response was complete. Both return the events in order (usually 0 or 1).
    In-stream errors raise the typed APIError subclass; the decoder attaches the partial Response.
    """

    api: str

    def map(self, event_name: str | None, payload: dict[str, Any]) -> list[Event]: ...

    def finish(self) -> list[Event]: ...
