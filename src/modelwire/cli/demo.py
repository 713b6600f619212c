"""``modelwire demo``: the whole SDK, offline, in a few seconds (the engine is modelwire.demo)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

# modelwire.demo loads nothing beyond what `import modelwire` already has; the server, client
# and auth load when the demo runs.
from ..demo import Observer, Pair, PairResult, ToolRun, run_demo
from .errors import EXIT_FAILURE, EXIT_OK, CommandFailed
from .render import YOU

if TYPE_CHECKING:
    from rich.console import Console

    from ..auth import AuthStatus
    from ..common.events import Event
    from .render import EventPrinter

# Seconds between streamed events when a person is watching: slow enough to see the stream
# arrive, fast enough that the five pairs take a few seconds.
WATCHING_PACE = 0.01


@click.command("demo")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per pair, one per line.")
@click.option(
    "--pace",
    type=click.FloatRange(min=0.0, max=1.0),
    default=None,
    metavar="SECONDS",
    help=f"Delay between streamed events [default: {WATCHING_PACE} on a terminal, else 0].",
)
def demo_command(as_json: bool, pace: float | None) -> int:
    """Show modelwire working end to end, offline: no account, no network.

    Starts the embedded server on a free port and, for each wire API and auth mode (Responses
    with an OpenAI key and with a ChatGPT sign-in, Chat with an OpenAI key, Messages with an
    Anthropic key and with a Claude sign-in), signs in for real against the embedded OAuth
    servers, streams an answer with reasoning, runs a tool round trip, and hands the
    conversation on to the next pair. Ends with a summary; exits 1 if any pair failed.
    """
    try:
        from ..testing import FakeServer  # noqa: F401  (the server extra, checked before starting)
    except ImportError as error:
        raise CommandFailed(
            f"the demo needs the embedded server ({error.name} is not installed): "
            "pip install 'modelwire[server]'"
        ) from None
    if pace is None:
        pace = WATCHING_PACE if not as_json and sys.stdout.isatty() else 0.0
    if as_json:
        results = run_demo(_JsonLines(), pace=pace)
    else:
        from .output import stdout_console

        console = stdout_console()
        results = run_demo(_LiveView(console), pace=pace)
        _print_summary(console, results)
    return EXIT_OK if results and all(r.ok for r in results) else EXIT_FAILURE


class _JsonLines(Observer):
    """Prints each pair's result as one JSON line when the pair ends; nothing else on stdout."""

    def pair_finished(self, result: PairResult) -> None:
        from .output import print_json_line

        print_json_line(result.to_dict())


class _LiveView(Observer):
    """Shows each pair as it runs: who signs in, the question, the live stream, the tool's
    result, and what is handed to the next pair."""

    def __init__(self, console: Console) -> None:
        from .render import EventPrinter

        self.console = console
        self.printer: EventPrinter = EventPrinter(console)
        self.count = 0

    def server_started(self, url: str, pairs: Sequence[Pair]) -> None:
        self.count = len(pairs)
        self.console.print(
            f"[bold]modelwire demo[/] · embedded server at {url} · no account, no network; "
            "credentials live in a throwaway in-memory store"
        )

    def pair_started(self, pair: Pair, index: int, handed_over: int) -> None:
        self.console.print()
        self.console.rule(f"[bold]{index + 1}/{self.count}  {pair.title}[/]", align="left")
        if handed_over:
            self.console.print(
                f"[dim]history: {handed_over} items handed over from the previous pairs[/]"
            )

    def credential_ready(self, pair: Pair, status: AuthStatus) -> None:
        if pair.auth.endswith("oauth"):
            how = (
                "loopback callback driven by a stand-in browser"
                if pair.provider == "chatgpt"
                else "code#state pasted from the hosted page"
            )
            who = status.email or status.account_id or "the demo user"
            plan = f", plan {status.plan}" if status.plan else ""
            self.console.print(f"[dim]signed in as {who}{plan} ({how})[/]")
        else:
            self.console.print(f"[dim]API key saved to and read from the {status.store} store[/]")

    def user_message(self, pair: Pair, text: str) -> None:
        self.console.print(f"[bold green]{YOU}[/] {text}")

    def event(self, pair: Pair, event: Event) -> None:
        self.printer.show(event)

    def tool_ran(self, pair: Pair, run: ToolRun) -> None:
        mark = "✗" if run.is_error else "↳"
        self.printer.note(f"{mark} {run.call.name} returned: {run.output}", "cyan dim")

    def pair_finished(self, result: PairResult) -> None:
        from rich.markup import escape

        self.printer.end_line()
        if not result.ok:
            self.console.print(f"[bold red]failed:[/] {escape(result.error or '')}")


def _print_summary(console: Console, results: list[PairResult]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Summary", title_justify="left")
    table.add_column("pair", no_wrap=True)
    table.add_column("events", justify="right")
    table.add_column("tool calls", justify="right")
    table.add_column("tokens in/out", justify="right")
    table.add_column("status", no_wrap=True)
    for result in results:
        usage = result.usage
        tokens = f"{usage.input_tokens or 0}/{usage.output_tokens or 0}"
        status = "[green]ok[/]" if result.ok else "[red]failed[/]"
        table.add_row(
            result.pair.title, str(result.events), str(len(result.tool_runs)), tokens, status
        )
    console.print()
    console.print(table)
    failed = [r for r in results if not r.ok]
    for result in failed:
        console.print(f"[red]{result.pair.title}[/]: {escape(result.error or 'failed')}")
    if failed:
        console.print(f"[red]{len(failed)} of {len(results)} pairs failed[/]")
    else:
        console.print(
            f"[green]all {len(results)} pairs ok[/] · one conversation crossed 3 wire APIs and "
            "4 auth modes"
        )
