"""What the server saw: every request, and how each streamed answer ended.

Tests read ``server.requests``. Raw header values stay available (``request.headers["x-api-key"]``);
only the display (``repr``, :meth:`RecordedRequest.redacted_headers`) hides secrets.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Headers whose values are credentials.
SECRET_HEADERS = frozenset(
    {"authorization", "x-api-key", "cookie", "set-cookie", "proxy-authorization"}
)


def redact(name: str, value: str) -> str:
    """A header value fit for logs: the scheme and a few leading characters at most."""
    if name.lower() not in SECRET_HEADERS:
        return value
    scheme, space, secret = value.partition(" ")
    if not space:
        scheme, secret = "", value
    shown = f"{secret[:4]}***" if len(secret) > 12 else "***"
    return f"{scheme} {shown}" if scheme else shown


class RecordedHeaders(Mapping[str, str]):
    """Request headers, looked up case-insensitively; repeated headers are joined with ``", "``."""

    def __init__(self, raw: list[tuple[str, str]]) -> None:
        self.raw = raw
        merged: dict[str, str] = {}
        for name, value in raw:
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        self._merged = merged

    def __getitem__(self, name: str) -> str:
        return self._merged[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._merged)

    def __len__(self) -> int:
        return len(self._merged)

    def __repr__(self) -> str:
        return repr({name: redact(name, value) for name, value in self._merged.items()})


@dataclass
class StreamRecord:
    """How one streamed answer went.

    ``client_disconnected`` is true when the client closed the connection before the server had
    sent the whole stream: the way tests observe that a cancelled stream really hung up. (A client
    that reads one event and closes after the server already wrote everything into the socket
    cannot be told apart from one that read it all; pace the stream with ``Fault.drip`` to test
    cancellation.)
    """

    events_planned: int
    events_sent: int = 0
    completed: bool = False
    client_disconnected: bool = False
    dropped_by_server: bool = False  # a disconnect fault cut it
    _finished: threading.Event = field(default_factory=threading.Event, repr=False)

    def wait(self, timeout: float = 5.0) -> bool:
        """Block until the server is done with this stream (either way); False on timeout."""
        return self._finished.wait(timeout)

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def mark_finished(self) -> None:
        self._finished.set()


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: RecordedHeaders
    body: bytes
    json: Any  # the parsed JSON body, or None
    form: dict[str, str] | None  # the parsed form body (OAuth token requests), or None
    time: float
    route: str | None  # "responses" | "chat" | "messages" | "chatgpt" | ... ; None for others
    status: int | None = None  # the response status, once sent (None: no response, e.g. reset)
    stream: StreamRecord | None = None

    def redacted_headers(self) -> dict[str, str]:
        return {name: redact(name, value) for name, value in self.headers.items()}

    def __repr__(self) -> str:
        return (
            f"RecordedRequest({self.method} {self.path}, route={self.route!r}, "
            f"status={self.status!r}, headers={self.redacted_headers()!r})"
        )
