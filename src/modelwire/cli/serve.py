"""``modelwire serve``: the embedded server in the foreground, for other programs to talk to."""

from __future__ import annotations

import click

from .errors import EXIT_OK, CommandFailed


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
def serve_command(port: int, host: str) -> int:
    """Run the embedded server (the three wire APIs, the ChatGPT backend, both OAuth servers)
    until Ctrl-C.

    Point a client at it with the printed base URLs, e.g. `OPENAI_BASE_URL=<openai URL>
    OPENAI_API_KEY=sk-test modelwire chat hello`. Any key that looks real is accepted.
    """
    try:
        from ..testing import serve_forever
    except ImportError as error:
        raise CommandFailed(
            f"the embedded server needs the server extra ({error.name} is not installed): "
            "pip install 'modelwire[server]'"
        ) from None
    try:
        serve_forever(port, host=host)
    except ValueError as error:  # not a loopback address
        raise click.BadParameter(str(error), param_hint="'--host'") from None
    except OSError as error:
        raise CommandFailed(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    return EXIT_OK
