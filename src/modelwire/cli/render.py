"""Live display of the common event stream: text as it arrives, reasoning dimmed, tool calls as
their arguments form. Used by ``modelwire chat`` and ``modelwire demo``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..common.events import (
    Completed,
    Event,
    HostedToolCall,
    ReasoningDelta,
    ReasoningPartAdded,
    RefusalDelta,
    TextDelta,
    ToolCallArgumentsDelta,
    ToolCallDone,
    ToolCallStarted,
)

if TYPE_CHECKING:
    from rich.console import Console

#: How the user's turns are marked.
YOU = "you \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}"
REASONING_STYLE = "dim italic"
TOOL_STYLE = "cyan"
HOSTED_TOOL_STYLE = "magenta"
REFUSAL_STYLE = "red"


class EventPrinter:
    """Writes each event to ``console`` the moment it arrives.

    Output is grouped in sections (reasoning, text, refusal, one per tool call); a new section
    starts on a new line. Reasoning is labelled as well as dimmed, so it stays recognizable where
    there is no colour (NO_COLOR, a pipe). Parallel tool calls that interleave their argument
    fragments get a fresh line, named again, whenever the stream switches between them.
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        self._section: str | None = None
        self._at_line_start = True
        self._tool_names: dict[str, str] = {}

    def show(self, event: Event) -> None:
        if isinstance(event, TextDelta):
            self._enter("text")
            self._write(event.text)
        elif isinstance(event, ReasoningDelta):
            if self._enter("reasoning"):
                self._write("thinking: ", REASONING_STYLE)
            self._write(event.text, REASONING_STYLE)
        elif isinstance(event, ReasoningPartAdded):
            if event.part > 0 and self._section == "reasoning":
                self._write("\n\n", REASONING_STYLE)
        elif isinstance(event, RefusalDelta):
            if self._enter("refusal"):
                self._write("refused: ", REFUSAL_STYLE)
            self._write(event.text, REFUSAL_STYLE)
        elif isinstance(event, ToolCallStarted):
            self._tool_names[event.id] = event.name
            self._enter(f"tool:{event.id}")
            self._write(f"⚙ {event.name}(", TOOL_STYLE)
        elif isinstance(event, ToolCallArgumentsDelta):
            if self._enter(f"tool:{event.id}"):
                name = self._tool_names.get(event.id, "tool")
                self._write(f"⚙ {name}(…", TOOL_STYLE)
            self._write(event.delta, TOOL_STYLE)
        elif isinstance(event, ToolCallDone):
            if self._enter(f"tool:{event.id}"):
                self._write(f"⚙ {event.name}(…", TOOL_STYLE)
            self._write(")", TOOL_STYLE)
            self.end_line()
        elif isinstance(event, HostedToolCall):
            self._enter(f"hosted:{event.id}")
            self._write(f"◆ {event.name}: {event.status}", HOSTED_TOOL_STYLE)
            self.end_line()
        elif isinstance(event, Completed):
            self.end_line()

    __call__ = show

    def note(self, text: str, style: str = "dim") -> None:
        """A line of our own between events (a tool result, a hand-off)."""
        self.end_line()
        self._write(text + "\n", style)

    def end_line(self) -> None:
        """Finish the current line and section, if any."""
        if not self._at_line_start:
            self._write("\n")
        self._section = None

    def _enter(self, section: str) -> bool:
        """Make ``section`` current; True when it has just begun (on a line of its own)."""
        if section == self._section:
            return False
        if not self._at_line_start:
            self._write("\n")
        self._section = section
        return True

    def _write(self, text: str, style: str | None = None) -> None:
        if not text:
            return
        # Console.out writes as is: no markup, wrapping or highlighting to disturb a stream of
        # fragments whose line position rich cannot know.
        self.console.out(text, style=style, end="", highlight=False)
        self._at_line_start = text.endswith("\n")
