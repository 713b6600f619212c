"""What the server answers: a neutral script of output parts, rendered by each wire API.

A :class:`Script` is either a list of *parts* (text, reasoning, tool calls, hosted web searches)
that every route renders in its own wire format, or an exact wire answer (a list of event payloads,
a canned SSE body, a JSON body) that the route sends as it is. The echo model builds the same kind
of script from a request, so scripted and default answers go through one renderer.

    Script.text("Hello there")
    Script.reasoning("Thinking it over") + Script.tool_call("get_weather", {"city": "Paris"})
    Script.events([{"type": "response.created", ...}, ...])      # exact payloads, framed per route
    Script.sse(b"event: ping\\ndata: {}\\n\\n")                   # exact body bytes
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from .faults import Fault, replaces_answer

#: Why a turn ended, in neutral terms; each API renders its own word for it.
StopReason: TypeAlias = Literal["end_turn", "tool_use", "max_tokens", "refusal"]


@dataclass(frozen=True)
class Citation:
    """A web source quoted by a text part (a url_citation / web_search_result_location)."""

    url: str
    title: str
    cited_text: str


@dataclass(frozen=True)
class TextPart:
    text: str
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class ReasoningPart:
    """Reasoning before the answer.

    ``text`` is the full reasoning (Messages thinking, Chat ``reasoning_content``); ``summary`` the
    paragraphs a Responses reasoning item reports when a summary is asked for. ``redacted`` renders
    as a Messages ``redacted_thinking`` block (other APIs show nothing for it).
    """

    text: str
    summary: tuple[str, ...] = ()
    redacted: bool = False


@dataclass(frozen=True)
class ToolCallPart:
    name: str
    arguments: Mapping[str, Any]
    call_id: str | None = None  # None: the server issues one in the API's own format


@dataclass(frozen=True)
class SearchResult:
    url: str
    title: str


@dataclass(frozen=True)
class WebSearchPart:
    """A hosted web search: Responses ``web_search_call``, Messages ``server_tool_use`` + result."""

    query: str
    results: tuple[SearchResult, ...]


Part: TypeAlias = TextPart | ReasoningPart | ToolCallPart | WebSearchPart


@dataclass(frozen=True)
class WireEvents:
    """Exact stream payloads; the route frames them (``event:`` + ``data:``; Chat: ``data:``)."""

    payloads: tuple[Mapping[str, Any], ...]
    done_marker: bool  # Chat only: end with ``data: [DONE]``


@dataclass(frozen=True)
class WireBody:
    """Exact bytes of a streamed body, sent in frames split at blank lines."""

    body: bytes


@dataclass(frozen=True)
class WireJSON:
    """An exact JSON answer (any status), for non-streaming requests."""

    body: Any
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()


Exact: TypeAlias = WireEvents | WireBody | WireJSON


@dataclass(frozen=True)
class Script:
    """One answer. Build it with the class methods; join part scripts with ``+``.

    ``faults`` travel with the answer (e.g. a drip between its events); see :meth:`with_faults`.
    """

    parts: tuple[Part, ...] = ()
    stop: StopReason | None = None  # None: derived (tool_use when the parts end in tool calls)
    exact: Exact | None = None
    faults: tuple[Fault, ...] = field(default=())

    # -- parts -----------------------------------------------------------------------------------

    @classmethod
    def text(cls, text: str, *, citations: Sequence[Citation] = ()) -> Script:
        """Assistant text, streamed in several deltas."""
        return cls(parts=(TextPart(text, tuple(citations)),))

    @classmethod
    def reasoning(
        cls, text: str, *, summary: Sequence[str] | None = None, redacted: bool = False
    ) -> Script:
        """Reasoning / thinking before the answer. ``summary`` defaults to ``[text]``."""
        parts = tuple(summary) if summary is not None else (text,)
        return cls(parts=(ReasoningPart(text, parts, redacted),))

    @classmethod
    def tool_call(
        cls, name: str, arguments: Mapping[str, Any] | None = None, *, call_id: str | None = None
    ) -> Script:
        """A call of a caller-defined tool; several in one script are parallel calls."""
        return cls(parts=(ToolCallPart(name, dict(arguments or {}), call_id),))

    @classmethod
    def web_search(cls, query: str, results: Sequence[SearchResult] | None = None) -> Script:
        """A hosted web search call and its results (Responses and Messages)."""
        found = tuple(results) if results is not None else default_search_results(query)
        return cls(parts=(WebSearchPart(query, found),))

    # -- exact wire answers ----------------------------------------------------------------------

    @classmethod
    def events(cls, payloads: Sequence[Mapping[str, Any]], *, done_marker: bool = True) -> Script:
        """Exact stream payloads, framed as the route's API frames them.

        Responses and Messages send ``event: <payload["type"]>`` + ``data: <json>``; Chat sends
        ``data: <json>`` and, unless ``done_marker`` is false, a final ``data: [DONE]``.
        """
        return cls(exact=WireEvents(tuple(payloads), done_marker))

    @classmethod
    def sse(cls, body: bytes) -> Script:
        """An exact streamed body (bytes as they go on the wire)."""
        return cls(exact=WireBody(body))

    @classmethod
    def json(
        cls, body: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> Script:
        """An exact JSON answer for a non-streaming request (any status)."""
        return cls(exact=WireJSON(body, status, tuple((headers or {}).items())))

    # -- composition -----------------------------------------------------------------------------

    def __add__(self, other: Script) -> Script:
        if self.exact is not None or other.exact is not None:
            raise ValueError("exact wire answers (events, sse, json) cannot be joined with others")
        return Script(
            parts=self.parts + other.parts,
            stop=other.stop or self.stop,
            faults=self.faults + other.faults,
        )

    def stopping(self, reason: StopReason) -> Script:
        """The same parts, ending with ``reason`` (e.g. ``"max_tokens"``, ``"refusal"``)."""
        return Script(self.parts, reason, self.exact, self.faults)

    def with_faults(self, *faults: Fault) -> Script:
        """The same answer, delivered with stream faults (drip, stall, disconnect, ...).

        A fault that replaces the answer (status, reset, expired token, a stall before the
        headers) cannot be delivered with one: queue it on its own, before the script.
        """
        for fault in faults:
            if not isinstance(fault, Fault):
                raise TypeError(f"with_faults() takes Fault values, not {fault!r}")
            early = [effect for effect in fault.effects if replaces_answer(effect)]
            if early:
                raise ValueError(
                    f"{type(early[0]).__name__} happens instead of an answer, so a script cannot "
                    "carry it: queue the fault on its own before the script, e.g. "
                    "server.queue(route, Fault.status(429), Script.text(...))"
                )
        return Script(self.parts, self.stop, self.exact, self.faults + faults)

    @property
    def stop_reason(self) -> StopReason:
        if self.stop is not None:
            return self.stop
        if self.parts and isinstance(self.parts[-1], ToolCallPart):
            return "tool_use"
        return "end_turn"


def default_search_results(query: str) -> tuple[SearchResult, ...]:
    """Two deterministic sources for a query."""
    slug = "-".join(query.lower().split())[:40] or "search"
    return (
        SearchResult(f"https://example.com/{slug}", f"{query} - Example"),
        SearchResult(f"https://example.org/articles/{slug}", f"About {query}"),
    )


def word_count(text: str) -> int:
    """The emulator's token count: whitespace-separated words (deterministic, easy to predict)."""
    return len(text.split())


@dataclass(frozen=True)
class OutputUsage:
    output_tokens: int
    reasoning_tokens: int


#: What a redacted thinking block counts for (its text is never shown).
REDACTED_THINKING_TOKENS = 8


def output_usage(parts: Sequence[Part]) -> OutputUsage:
    """Output and reasoning token counts of a script's parts (words of everything generated)."""
    output = reasoning = 0
    for part in parts:
        if isinstance(part, TextPart):
            output += word_count(part.text)
        elif isinstance(part, ReasoningPart):
            count = REDACTED_THINKING_TOKENS if part.redacted else word_count(part.text)
            reasoning += count
            output += count
        elif isinstance(part, ToolCallPart):
            output += max(1, word_count(json.dumps(dict(part.arguments))))
        else:
            output += word_count(part.query)
    return OutputUsage(output, reasoning)
