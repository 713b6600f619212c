"""``modelwire env``: the shell environment that points modelwire, the official SDKs and apps at a
running ``modelwire serve`` (also printed in ``serve``'s banner).

The variable names come from where they are read: the base URL variables from the provider
table, the OAuth ones from the OAuth configs, the key variables from the auth layer. Only the
values are decided here: the emulator's addresses, keys it accepts, and a throwaway
``MODELWIRE_HOME`` with the file store, so nothing run in that shell can read or overwrite the
user's real credentials (the OS keyring included).
"""

from __future__ import annotations

import shlex
import tempfile
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import click

from .errors import EXIT_OK, CommandFailed

if TYPE_CHECKING:
    from ..testing import FakeServer

# Keys the emulator accepts by default (any key that looks real); they are not secrets.
EMULATOR_KEYS = {"openai": "sk-modelwire-emulator", "anthropic": "sk-ant-modelwire-emulator"}
# What the base URL variable of each provider points at on the emulator.
BASE_URL_PROVIDERS: tuple[Literal["openai", "anthropic", "chatgpt", "claude"], ...] = (
    "openai",
    "anthropic",
    "chatgpt",
    "claude",
)


def emulator_environment(server: FakeServer, home: str) -> dict[str, str]:
    """Every variable, in a stable order, for a shell to use the emulator at ``server.url``.

    ``server`` need not be running: its addresses follow from its host and port alone.
    """
    from ..auth.config import ChatGPTOAuthConfig, ClaudeOAuthConfig
    from ..services import provider

    env: dict[str, str] = {}
    for name in BASE_URL_PROVIDERS:
        # The first variable is the provider's own (claude also falls back to
        # ANTHROPIC_BASE_URL, which the anthropic line already sets).
        env[provider(name).base_url_env[0]] = server.base_url(name)
    oauth_variables = {"chatgpt": ChatGPTOAuthConfig.ENV, "claude": ClaudeOAuthConfig.ENV}
    for oauth_provider in ("chatgpt", "claude"):
        endpoints = server.oauth(oauth_provider)
        for field, variable in oauth_variables[oauth_provider].items():
            env[variable] = getattr(endpoints, field)
    for key_provider, key in EMULATOR_KEYS.items():
        key_variable = provider(key_provider).api_key_env
        if key_variable:
            env[key_variable] = key
    env["MODELWIRE_HOME"] = home
    env["MODELWIRE_AUTH_STORE"] = "file"  # not the keyring, which MODELWIRE_HOME does not isolate
    return env


def export_lines(env: dict[str, str]) -> list[str]:
    """``export NAME=value`` lines, quoted for POSIX shells."""
    return [f"export {name}={shlex.quote(value)}" for name, value in env.items()]


def throwaway_home() -> str:
    """A fresh private directory (mode 0700) for MODELWIRE_HOME."""
    return tempfile.mkdtemp(prefix="modelwire-home-")


def emulator_at(url: str) -> FakeServer:
    """A FakeServer describing the emulator at ``url`` (``http://127.0.0.1:PORT``), not started.

    Raises click.BadParameter for anything else: the emulator only ever listens on loopback.
    """
    from ..testing import FakeServer

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        port = None
        parts = urlsplit("")
    if parts.scheme != "http" or not parts.hostname or port is None or parts.path not in ("", "/"):
        raise click.BadParameter(
            f"{url!r} is not the emulator's root URL; expected http://127.0.0.1:PORT "
            "(the first line `modelwire serve` prints)",
            param_hint="'--url'",
        )
    try:
        return FakeServer(port, host=parts.hostname)
    except ValueError:
        raise click.BadParameter(
            f"{parts.hostname} is not a loopback address; the emulator listens on this machine "
            "only",
            param_hint="'--url'",
        ) from None


@click.command("env")
@click.option(
    "--url",
    required=True,
    metavar="URL",
    help="Root URL of the running `modelwire serve` (http://127.0.0.1:PORT).",
)
@click.option(
    "--home",
    metavar="DIR",
    help="MODELWIRE_HOME to use [default: a new private temporary directory].",
)
def env_command(url: str, home: str | None) -> int:
    """Print `export` lines that point modelwire, the official openai and anthropic SDKs and
    apps at a running `modelwire serve`: every base URL, both OAuth servers, keys it accepts, and
    a throwaway MODELWIRE_HOME with the file store, so real credentials are never touched.

    \b
      modelwire serve --port 8080 &
      eval "$(modelwire env --url http://127.0.0.1:8080)"
      modelwire chat hello
    """
    try:
        server = emulator_at(url)
    except ImportError as error:
        raise CommandFailed(
            f"this needs the server extra ({error.name} is not installed): "
            "pip install 'modelwire[server]'"
        ) from None
    for line in export_lines(emulator_environment(server, home or throwaway_home())):
        click.echo(line)
    return EXIT_OK
