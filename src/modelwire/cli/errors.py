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


def error_message(error: BaseException, *, host: str | None = None) -> str:
    """What to tell the user about a modelwire error (its messages carry no secrets).

    ``host`` is where the command was talking to: a connection failure names it. Sign-in
    errors are raised locally (reading the store, refreshing), so they show their own message
    without the API error's status prefix, which would call them "in-stream".
    """
    from ..auth.errors import LoginRequiredError, TokenRefreshError
    from ..common.errors import APIConnectionError, StreamInterruptedError

    if isinstance(error, LoginRequiredError | TokenRefreshError):
        return error.message
    text = str(error) or type(error).__name__
    if isinstance(error, APIConnectionError | StreamInterruptedError) and host and host not in text:
        verb = "talking to" if error.partial is not None else "connecting to"
        text = f"{text} ({verb} {host})"
    return text


def show_error(error: BaseException, *, host: str | None = None) -> None:
    """Print a modelwire error the way click prints its own."""
    click.echo(f"Error: {error_message(error, host=host)}", err=True)
