"""Consoles for the commands. rich decides colour: only on a terminal, never with NO_COLOR set."""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console


class ReaderGone(Exception):
    """stdout's reader went away (`modelwire chat ... | head -3`): a normal end.

    Not an OSError on purpose: click turns an EPIPE OSError into exit code 1, and rich its own
    BrokenPipeError into ``SystemExit(1)``; this one goes up, through the stream's `with` block
    (which hangs up), to ``modelwire.cli.run``, which exits 0.
    """


@functools.cache
def _console_type() -> type[Console]:
    from rich.console import Console

    class PipeAwareConsole(Console):
        """A Console for which a closed stdout is :class:`ReaderGone`."""

        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise ReaderGone

    return PipeAwareConsole


def stdout_console() -> Console:
    return _console_type()(highlight=False, emoji=False)


def stderr_console() -> Console:
    return _console_type()(stderr=True, highlight=False, emoji=False)


def print_json_line(value: Any) -> None:
    """One JSON document on one line of stdout, flushed at once (readers act on each line)."""
    try:
        click.echo(json.dumps(value, ensure_ascii=False, default=str))
    except BrokenPipeError:
        raise ReaderGone from None
