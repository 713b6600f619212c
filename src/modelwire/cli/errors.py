"""Exit codes and how failures reach the user: one line on stderr, never a traceback."""

from __future__ import annotations

import click

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CommandFailed(click.ClickException):
    """A command could not do its job for a reason the user can act on (exit 1).

    click prints it as ``Error: <message>`` on stderr; the message says what to do next.
    """

    exit_code = EXIT_FAILURE


def show_error(error: BaseException) -> None:
    """Print a modelwire error the way click prints its own (its messages carry no secrets)."""
    click.echo(f"Error: {error}", err=True)
