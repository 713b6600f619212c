"""``modelwire serve``: the embedded server in the foreground, for other programs to talk to.

The banner is the root URL and the ``export`` lines of ``modelwire env``, which name every
address (with a throwaway MODELWIRE_HOME that lives as long as the server), so a shell, an app or
the official SDKs can be pointed at it by copying them. Ctrl-C stops it with exit code 130.
"""

from __future__ import annotations

import shutil
import signal
import threading
from types import FrameType

import click

from .errors import CommandFailed

# How often the foreground loop wakes up, so Ctrl-C is handled promptly on every platform.
WAKE_UP_SECONDS = 0.5


@click.command("serve")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port to listen on (0: any free port; the URLs are printed).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Loopback address to bind (the server never listens beyond this machine).",
)
@click.option(
    "--print-env",
    is_flag=True,
    help="Print only the `export` lines on stdout (the rest of the banner goes to stderr), "
    "for a script that reads them from the server's output.",
)
def serve_command(port: int, host: str, print_env: bool) -> int:
    """Run the embedded server (the three wire APIs, the ChatGPT backend, both OAuth servers)
    until Ctrl-C.

    The banner ends with `export` lines for a shell: every base URL, both OAuth servers, API keys
    the server accepts, and a throwaway MODELWIRE_HOME (removed when the server stops). Paste
    them, or run `eval "$(modelwire env --url <printed URL>)"` in another shell.
    """
    try:
        from ..testing import FakeServer
    except ImportError as error:
        raise CommandFailed(
            f"the embedded server needs the server extra ({error.name} is not installed): "
            "pip install 'modelwire[server]'"
        ) from None
    from .env import emulator_environment, export_lines, throwaway_home

    try:
        server = FakeServer(port, host=host)
    except ValueError as error:  # not a loopback address
        raise click.BadParameter(str(error), param_hint="'--host'") from None
    try:
        server.start()
    except OSError as error:
        raise CommandFailed(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    home = throwaway_home()
    try:
        exports = export_lines(emulator_environment(server, home))
        # The export lines name every address (base URLs, both OAuth servers): one list only.
        for line in (
            f"modelwire fake server listening on {server.url}",
            "Point a shell (modelwire, the openai and anthropic SDKs, apps) at it with these "
            f'lines, or with `eval "$(modelwire env --url {server.url})"` in another shell:',
        ):
            click.echo(line, err=print_env)
        for line in exports:
            click.echo(line)
        click.echo(f"MODELWIRE_HOME {home} is removed when the server stops.", err=print_env)
        click.echo("Ctrl-C stops the server.", err=print_env)
        # KeyboardInterrupt leaves through here: run() turns it into exit code 130. `kill`
        # (SIGTERM) cleans up the same way, ending with the usual 128 + 15.
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        never = threading.Event()
        try:
            while True:
                never.wait(WAKE_UP_SECONDS)
        finally:
            signal.signal(signal.SIGTERM, previous)
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)
