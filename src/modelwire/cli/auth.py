"""``modelwire login``, ``modelwire logout`` and ``modelwire auth status``.

The flows themselves live in modelwire.auth; these commands choose one, show URLs and prompts on
stderr, and report the outcome without ever printing a secret. An API key is read from stdin or a
hidden prompt, never from the command line, where shell history and ``ps`` would keep it.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING

import click

from ..services import provider, service_names
from .errors import EXIT_OK, CommandFailed

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from ..auth import AuthStatus

PROVIDERS = service_names()
KEY_PROVIDERS = service_names("api-key")
KEY_ENV = {name: provider(name).api_key_env for name in KEY_PROVIDERS}
LABELS = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "chatgpt": "ChatGPT",
    "claude": "Claude",
}


@click.command("login")
@click.argument("provider", required=False, type=click.Choice(PROVIDERS))
@click.option(
    "--api-key",
    "api_key_source",
    metavar="-",
    help="Read the API key from stdin (openai, anthropic). Only '-' is accepted: "
    "a key on the command line would stay in shell history.",
)
@click.option(
    "--no-browser", is_flag=True, help="Print the sign-in URL instead of opening a browser."
)
@click.option(
    "--import-codex",
    is_flag=True,
    help="Copy the Codex CLI's ChatGPT sign-in (~/.codex/auth.json); the file is only read.",
)
@click.option(
    "--import-claude-code",
    is_flag=True,
    help="Copy Claude Code's sign-in (~/.claude/.credentials.json); the file is only read.",
)
@click.option(
    "--callback-port",
    type=click.IntRange(0, 65535),
    default=None,
    hidden=True,  # the real ChatGPT client only accepts 1455; other ports are for test servers
    help="Port of the ChatGPT loopback listener (default 1455; 0: any free port).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="How long to wait for the browser sign-in (chatgpt) [default: 5 minutes].",
)
def login_command(
    provider: str | None,
    api_key_source: str | None,
    no_browser: bool,
    import_codex: bool,
    import_claude_code: bool,
    callback_port: int | None,
    timeout: float | None,
) -> int:
    """Sign in, save an API key, or import an existing sign-in.

    \b
      modelwire login chatgpt              sign in with ChatGPT (Plus/Pro/Team) in the browser
      modelwire login claude               sign in with Claude (Pro/Max), paste back the code
      modelwire login openai --api-key -   save an OpenAI API key read from stdin
      modelwire login anthropic --api-key -
      modelwire login --import-codex       copy the Codex CLI's ChatGPT sign-in
      modelwire login --import-claude-code copy Claude Code's sign-in

    Credentials go to the store MODELWIRE_AUTH_STORE picks (auto: the OS keyring, else
    ~/.modelwire/auth.json with mode 0600).
    """
    if import_codex or import_claude_code:
        return _import(provider, import_codex, import_claude_code, api_key_source)
    if provider is None:
        raise click.UsageError(
            "say what to log in to: modelwire login chatgpt|claude|openai|anthropic"
        )
    if provider in KEY_PROVIDERS:
        return _save_key(provider, api_key_source)
    if api_key_source is not None:
        raise click.UsageError(
            f"{provider} signs in with OAuth and takes no API key; run `modelwire login "
            f"{provider}` (for a key, use `modelwire login "
            f"{'openai' if provider == 'chatgpt' else 'anthropic'} --api-key -`)"
        )
    return _sign_in(
        provider, open_browser=not no_browser, callback_port=callback_port, timeout=timeout
    )


def _save_key(provider: str, source: str | None) -> int:
    from ..auth import save_api_key

    env = KEY_ENV.get(provider)
    if source is not None and source != "-":
        raise click.UsageError(
            "refusing an API key given on the command line: shell history and `ps` would keep "
            f"it. Pipe it on stdin instead, e.g. `printenv {env} | modelwire login {provider} "
            "--api-key -`, or run without --api-key to be prompted."
        )
    if sys.stdin.isatty():
        key = click.prompt(f"{LABELS[provider]} API key", hide_input=True, err=True)
    elif source == "-":
        key = sys.stdin.read()
    else:
        raise click.UsageError(
            f"no terminal to prompt on; pipe the key on stdin with `modelwire login {provider} "
            "--api-key -`"
        )
    if not key.strip():
        raise CommandFailed("no API key was given (stdin was empty)")
    status = save_api_key(provider, key)
    click.echo(f"Saved the {LABELS[provider]} API key to {status.store}.")
    if env and os.environ.get(env):
        click.echo(f"Note: {env} is set in this environment and takes precedence.", err=True)
    return EXIT_OK


def _sign_in(
    provider: str, *, open_browser: bool, callback_port: int | None, timeout: float | None
) -> int:
    from ..auth import login_chatgpt, login_claude
    from .output import stderr_console
    from .progress import Indicator

    # The ChatGPT flow waits for the browser to come back; a status line says so (on a
    # terminal). The Claude flow waits at a prompt instead, which says so itself.
    indicator = Indicator(stderr_console())

    def show_url(url: str) -> None:
        if open_browser:
            click.echo(
                f"Opening your browser to sign in to {LABELS[provider]}. If it does not open, "
                f"visit:\n\n  {url}\n",
                err=True,
            )
        else:
            click.echo(f"Open this URL in a browser to sign in to {LABELS[provider]}:", err=True)
            click.echo(f"\n  {url}\n", err=True)
        if provider == "chatgpt":
            indicator.show("waiting for the sign-in in the browser (Ctrl-C cancels)")

    if provider == "chatgpt":
        if not open_browser:
            click.echo(
                "The browser will be sent back to http://localhost:1455 on this machine; on a "
                "remote machine, forward that port (ssh -L 1455:localhost:1455).",
                err=True,
            )
        from ..auth.login import DEFAULT_LOGIN_TIMEOUT

        try:
            status = login_chatgpt(
                open_browser=open_browser,
                on_url=show_url,
                port=callback_port,
                timeout=timeout or DEFAULT_LOGIN_TIMEOUT,
            )
        finally:
            indicator.stop()
    else:
        status = login_claude(
            open_browser=open_browser,
            on_url=show_url,
            read_code=lambda: click.prompt("Paste the code shown after signing in", err=True),
        )
    click.echo(_signed_in_line(status))
    return EXIT_OK


def _import(
    provider: str | None, codex: bool, claude_code: bool, api_key_source: str | None
) -> int:
    from ..auth import import_claude_code_login, import_codex_login

    if api_key_source is not None:
        raise click.UsageError("--api-key does not go with --import-codex/--import-claude-code")
    if codex and provider not in (None, "chatgpt"):
        raise click.UsageError("--import-codex imports a ChatGPT sign-in, not " + str(provider))
    if claude_code and provider not in (None, "claude"):
        raise click.UsageError(
            "--import-claude-code imports a Claude sign-in, not " + str(provider)
        )
    if codex:
        status = import_codex_login()
        click.echo(_signed_in_line(status, "from the Codex CLI"))
    if claude_code:
        status = import_claude_code_login()
        click.echo(_signed_in_line(status, "from Claude Code"))
    click.echo(
        "Refresh tokens rotate: if both programs keep refreshing one sign-in, the one that "
        "refreshes second has to sign in again. `modelwire login` gives modelwire its own.",
        err=True,
    )
    return EXIT_OK


def _signed_in_line(status: AuthStatus, origin: str | None = None) -> str:
    who = status.email or status.account_id or "your account"
    plan = f" (plan: {status.plan})" if status.plan else ""
    verb = f"Imported {origin}" if origin else "Signed in"
    return f"{verb}: {LABELS[status.provider]} as {who}{plan}; saved to {status.store}."


@click.command("logout")
@click.argument("provider", required=False, type=click.Choice(PROVIDERS))
def logout_command(provider: str | None) -> int:
    """Forget stored credentials: one provider's, or all of them.

    Only the local copy is removed; sign-ins are not revoked at the provider, and an imported
    sign-in stays in the program it came from.
    """
    from ..auth import logout as forget

    removed = forget(provider)
    if removed:
        click.echo("Logged out: " + ", ".join(removed) + ".")
    else:
        which = provider or "any provider"
        click.echo(f"Nothing stored for {which}; nothing to log out.")
    for name in [provider] if provider else list(KEY_PROVIDERS):
        env = KEY_ENV.get(name or "")
        if env and os.environ.get(env):
            click.echo(f"Note: {env} is still set in this environment.", err=True)
    return EXIT_OK


@click.group("auth")
def auth_group() -> None:
    """Inspect the stored credentials."""


@auth_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, one object per auth mode.")
def auth_status_command(as_json: bool) -> int:
    """Which auth modes are available, from where, for which account, until when; a sign-in
    the token server has refused is shown as rejected.

    Never shows a secret.
    """
    from ..auth import status

    records = status()
    # The auth layer marks a sign-in the token server refused in the store.
    rejected = {record.mode: record.rejected_reason for record in records}
    if as_json:
        from .output import print_json_line

        print_json_line(
            [
                {**record.to_dict(), "rejected": rejected[record.mode] is not None}
                | ({"detail": rejected[record.mode]} if rejected[record.mode] else {})
                for record in records
            ]
        )
        return EXIT_OK

    from .output import stdout_console

    console = stdout_console()
    rows = [_status_row(record, rejected[record.mode]) for record in records]
    _print_status(console, rows)
    from rich.markup import escape

    if records:
        console.print(f"store: {escape(records[0].store or '')}")
    for record in records:
        reason = rejected[record.mode]
        if reason:
            console.print(f"[red]{record.mode}[/]: {escape(reason)}")
        elif not record.available and record.detail:
            console.print(f"[dim]{record.mode}: {escape(record.detail)}[/]")
    return EXIT_OK


STATUS_COLUMNS = ("mode", "available", "source", "account", "expires")


def _status_row(record: AuthStatus, rejected: str | None) -> tuple[str, ...]:
    """The cells of one mode, as rich markup."""
    from rich.markup import escape

    account = record.email or record.account_id or ""
    if record.plan:
        account += f" ({record.plan})"
    if rejected:
        available, expires = "[red]rejected[/]", "sign in again"
    else:
        available = "[green]yes[/]" if record.available else "[dim]no[/]"
        expires = _expiry(record)
    return (record.mode, available, escape(record.source or ""), escape(account), expires)


def _print_status(console: Console, rows: list[tuple[str, ...]]) -> None:
    """A table when it fits the terminal with every cell on one line; else one block per mode,
    whose lines wrap between words: a name is never cut."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in STATUS_COLUMNS:
        table.add_column(column, no_wrap=True)
    for row in rows:
        table.add_row(*row)
    if _natural_width(table) <= console.width:
        console.print(table)
        return
    for mode, *cells in rows:
        console.print(f"[bold]{mode}[/]")
        for name, cell in zip(STATUS_COLUMNS[1:], cells, strict=True):
            if cell:
                console.print(f"  {name}: {cell}")
    console.print()


def _natural_width(table: Table) -> int:
    """The width ``table`` takes with nothing shortened (rich would rather shorten a cell with
    "…" than go past the terminal's edge)."""
    import io

    from rich.console import Console

    probe = Console(file=io.StringIO(), width=10_000, color_system=None, legacy_windows=False)
    with probe.capture() as captured:
        probe.print(table)
    return max((len(line) for line in captured.get().splitlines()), default=0)


def _expiry(record: AuthStatus) -> str:
    if record.expires_at is None:
        return ""
    seconds = record.expires_at - time.time()
    span = _duration(abs(seconds))
    return f"expired {span} ago" if seconds < 0 else f"in {span}"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f}m"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f}h"
    return f"{seconds / 86400:.0f}d"
