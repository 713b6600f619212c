"""The ``modelwire`` command: demo, chat, login, logout, auth status, serve, env.

One module per command group; each imports the client, the auth flows, the embedded server and
rich inside its commands, so ``import modelwire.cli`` (and ``modelwire --help``) stays cheap.

Exit codes: 0 success, 1 failure (the message is on stderr), 2 usage error, 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import NoReturn

import click

from .._version import __version__
from ..common.errors import ModelwireError
from .auth import auth_group, login_command, logout_command
from .chat import chat_command
from .demo import demo_command
from .env import env_command
from .errors import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, show_error
from .output import ReaderGone
from .serve import serve_command

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", message="modelwire %(version)s")
def cli() -> None:
    """One typed client for the OpenAI Responses, OpenAI Chat Completions and Anthropic Messages
    APIs, with four ways to sign in.

    Start with `modelwire demo`: it runs everything against an embedded server, no account or
    network needed.
    """


cli.add_command(demo_command)
cli.add_command(chat_command)
cli.add_command(login_command)
cli.add_command(logout_command)
cli.add_command(auth_group)
cli.add_command(serve_command)
cli.add_command(env_command)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code (``main`` without the ``sys.exit``)."""
    try:
        result = cli.main(args=argv, prog_name="modelwire", standalone_mode=False)
    except click.exceptions.Abort as abort:
        # click turns Ctrl-C and end-of-input at a prompt into Abort; only Ctrl-C is 130.
        if isinstance(abort.__cause__, EOFError):
            click.echo("Aborted: no input.", err=True)
            return EXIT_FAILURE
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except KeyboardInterrupt:
        click.echo("\nInterrupted.", err=True)
        return EXIT_INTERRUPTED
    except ModelwireError as error:
        show_error(error)
        return EXIT_FAILURE
    except (ReaderGone, BrokenPipeError):
        # The reader went away (`modelwire chat ... | head -3`): it has all it wanted, which is
        # a normal end, like `yes | head` (the stream's `with` block already hung up).
        _silence_stdout()
        return EXIT_OK
    return result if isinstance(result, int) else 0


def _silence_stdout() -> None:
    """Point stdout at the null device, so Python's own flush at exit finds no closed pipe to
    complain about ("Exception ignored ... BrokenPipeError")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The console script (``[project.scripts] modelwire = "modelwire.cli:main"``)."""
    code = run(argv)
    try:
        sys.stdout.flush()  # what is still buffered may meet a reader that has gone
    except BrokenPipeError:
        _silence_stdout()
    sys.exit(code)


__all__ = ["cli", "main", "run"]
