"""``modelwire chat``: talk to a model from the terminal, one-shot or interactively."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from ..apis import WIRE_APIS
from ..services import provider as provider_named
from ..services import service_names
from .errors import EXIT_OK, CommandFailed, show_error
from .render import YOU

if TYPE_CHECKING:
    from ..client import Client
    from ..common.events import Event
    from ..common.items import Item
    from ..common.response import Response

PROVIDERS = service_names()
APIS = tuple(WIRE_APIS)
API_LABELS = {"responses": "Responses", "chat": "Chat Completions", "messages": "Messages"}
_OPENAI_KEY = provider_named("openai").api_key_env
_ANTHROPIC_KEY = provider_named("anthropic").api_key_env

# What to do when a provider has no credentials, in the words of the commands that fix it.
ADVICE = {
    "openai": f"set {_OPENAI_KEY} or run `modelwire login openai --api-key -`",
    "anthropic": f"set {_ANTHROPIC_KEY} or run `modelwire login anthropic --api-key -`",
    "chatgpt": f"run `modelwire login chatgpt` (or set {_OPENAI_KEY} and use --provider openai)",
    "claude": f"run `modelwire login claude` (or set {_ANTHROPIC_KEY} and use --provider "
    "anthropic)",
}
ADVICE_FOR_API = {
    None: "run `modelwire login chatgpt` or `modelwire login claude`, or set "
    f"{_OPENAI_KEY} or {_ANTHROPIC_KEY}",
    "responses": f"run `modelwire login chatgpt` or set {_OPENAI_KEY}",
    "chat": f"set {_OPENAI_KEY} or {_ANTHROPIC_KEY} (or save a key with "
    "`modelwire login openai --api-key -`)",
    "messages": f"run `modelwire login claude` or set {_ANTHROPIC_KEY}",
}
REPL_HELP = "/reset starts over, /exit (or Ctrl-D) quits; Ctrl-C stops an answer"


@click.command("chat")
@click.argument("prompt", nargs=-1)
@click.option(
    "--provider",
    "-p",
    type=click.Choice(PROVIDERS),
    help="Who to talk to [default: the first with credentials: "
    f"{_OPENAI_KEY}, {_ANTHROPIC_KEY}, then the stored ones].",
)
@click.option(
    "--api",
    "-a",
    type=click.Choice(APIS),
    help="Wire API [default: the provider's own: openai/chatgpt responses, anthropic/claude "
    "messages].",
)
@click.option("--model", "-m", help="Model [default: the provider's default for the API].")
@click.option("--base-url", help="Base URL of the API (e.g. a proxy or `modelwire serve`).")
@click.option(
    "--reasoning",
    "-r",
    type=click.Choice(["low", "medium", "high"]),
    help="Ask for reasoning at this effort; it is shown dimmed.",
)
@click.option("--instructions", "-i", help="System instructions for the model.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the common events as JSON lines, for piping."
)
def chat_command(
    prompt: tuple[str, ...],
    provider: str | None,
    api: str | None,
    model: str | None,
    base_url: str | None,
    reasoning: str | None,
    instructions: str | None,
    as_json: bool,
) -> int:
    """Stream an answer to PROMPT, or to stdin when it is not a terminal; with neither, start an
    interactive chat that keeps the conversation.

    \b
      modelwire chat "Explain SSE in one sentence"
      git diff | modelwire chat -i "Review this diff"
      modelwire chat --provider claude --reasoning low
      modelwire chat --json "hi" | jq -c 'select(.event == "TextDelta")'
    """
    provider_spec = provider_named
    text = " ".join(prompt).strip()
    if not text and not sys.stdin.isatty():
        text = sys.stdin.read().strip()
        if not text:
            raise click.UsageError("stdin was empty: give a prompt as an argument or on stdin")
    if provider is not None and api is not None and api not in provider_spec(provider).apis:
        raise click.UsageError(
            f"{provider} does not serve the {api} API "
            f"(it serves: {', '.join(provider_spec(provider).apis)})"
        )
    chosen = _choose_provider(provider, api)
    spec = provider_spec(chosen)
    chosen_api = api or spec.native_api
    chosen_model = model or spec.default_models.get(chosen_api)
    if not chosen_model:
        raise click.UsageError(f"{chosen} has no default model for {chosen_api}: pass --model")

    from ..client import Client

    with Client(chosen, chosen_api, base_url=base_url) as client:  # type: ignore[arg-type]
        session = _Session(client, chosen_model, instructions, reasoning, as_json)
        if text:
            session.one_shot(text)
            return EXIT_OK
        return session.repl()


def _choose_provider(provider: str | None, api: str | None) -> str:
    """The provider named, or the first one with credentials (``mw.Client.from_env``'s order:
    the key variables, then the store), serving ``api`` if one is named."""
    from ..client import providers_with_credentials

    if provider is not None:
        if provider not in providers_with_credentials():
            raise CommandFailed(f"no credentials for {provider}: {ADVICE[provider]}")
        return provider
    candidates = providers_with_credentials(api)
    if not candidates:
        what = f"the {API_LABELS[api]} API" if api else "any provider"
        raise CommandFailed(f"no credentials for {what}: {ADVICE_FOR_API[api]}")
    return candidates[0]


class _Session:
    """One chat: the client, the settings, the way events are shown, and the history."""

    def __init__(
        self,
        client: Client,
        model: str,
        instructions: str | None,
        reasoning: str | None,
        as_json: bool,
    ) -> None:
        from .output import stderr_console, stdout_console

        self.client = client
        self.model = model
        self.instructions = instructions
        self.reasoning = reasoning
        self.as_json = as_json
        self.out = stdout_console()
        self.err = stderr_console()
        self.history: list[Item] = []
        self.show: Callable[[Event], None]
        if as_json:
            from ..common.serialize import event_to_dict
            from .output import print_json_line

            self.show = lambda event: print_json_line(event_to_dict(event))
            self._end_line: Callable[[], None] = lambda: None
        else:
            from .render import EventPrinter

            printer = EventPrinter(self.out)
            self.show = printer.show
            self._end_line = printer.end_line

    def one_shot(self, text: str) -> None:
        from ..common.items import Message

        response = self.turn([Message(role="user", content=text)])
        if not self.as_json and self.err.is_terminal:
            self.err.print(f"[dim]{self._footer(response)}[/]")

    def repl(self) -> int:
        from ..common.errors import ModelwireError
        from ..common.items import Message

        with contextlib.suppress(ImportError):  # not on every platform
            import readline  # noqa: F401  (line editing and history for input())

        self.err.print(
            f"[bold]modelwire chat[/] · {self.client.provider} · {self.client.api} · "
            f"{self.model}\n[dim]{REPL_HELP}[/]"
        )
        prompt_console = self.err if self.as_json else self.out
        while True:
            try:
                line = prompt_console.input(f"[bold green]{YOU}[/] ")
            except EOFError:
                prompt_console.print()
                return EXIT_OK
            text = line.strip()
            if not text:
                continue
            if text in ("/exit", "/quit"):
                return EXIT_OK
            if text == "/reset":
                self.history = []
                self.err.print("[dim]conversation cleared[/]")
                continue
            conversation = [*self.history, Message(role="user", content=text)]
            try:
                response = self.turn(conversation)
            except KeyboardInterrupt:
                # Leaving the stream's `with` block closed the connection; the unanswered
                # message is dropped so the next one starts clean.
                self._end_line()
                self.err.print("[dim]answer stopped[/]")
                continue
            except ModelwireError as error:
                self._end_line()
                show_error(error)
                continue
            self.history = [*conversation, *response.items]
            if not self.as_json:
                self.err.print(f"[dim]{self._footer(response)}[/]")

    def turn(self, conversation: list[Item]) -> Response:
        """Stream one answer, showing each event as it arrives."""
        with self.client.stream(
            model=self.model,
            input=conversation,
            instructions=self.instructions,
            reasoning=self.reasoning,  # type: ignore[arg-type]
            options=self._options(),
        ) as stream:
            for event in stream:
                self.show(event)
            response: Response = stream.response
        self._end_line()
        return response

    def _options(self) -> Any:
        if self.reasoning is None or self.client.api != "responses":
            return None
        from ..apis.responses.request import ResponsesOptions

        # The Responses API streams reasoning only as summaries, and only when asked to.
        return ResponsesOptions(reasoning_summary="auto")

    def _footer(self, response: Response) -> str:
        usage = response.usage
        tokens = f"{usage.input_tokens or 0} in / {usage.output_tokens or 0} out tokens"
        stop = (
            f" · {response.stop_reason}" if response.stop_reason not in (None, "end_turn") else ""
        )
        return f"{response.model or self.model} · {tokens}{stop}"
