"""Consoles for the commands. rich decides colour: only on a terminal, never with NO_COLOR set."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console


def stdout_console() -> Console:
    from rich.console import Console

    return Console(highlight=False, emoji=False)


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, emoji=False)


def print_json_line(value: Any) -> None:
    """One JSON document on one line of stdout, flushed at once (readers act on each line)."""
    click.echo(json.dumps(value, ensure_ascii=False, default=str))
