"""``modelwire chat``: talk to a model from the terminal, one-shot or interactively."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from ..apis import WIRE_APIS
from ..services import provider as provider_named
from ..services import service_names
from .errors import EXIT_OK, CommandFailed, error_message, show_error
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
# The chat's own commands; anything else starting with "/" is refused, not sent to the model.
REPL_COMMANDS = (
    ("/help", "show this help"),
    ("/model [NAME]", "switch to model NAME for the next answers, or show the current one"),
    ("/reset", "forget the conversation and start over"),
    ("/exit", "leave (also /quit or Ctrl-D)"),
)
REPL_HINT = "/help lists the commands, /exit (or Ctrl-D) quits; Ctrl-C stops an answer"
# How an answer stopped with Ctrl-C stays in the conversation: the model is told it was cut off.
PARTIAL_MARK = "\n\n[answer interrupted by the user]"
WAITING_TEXT = "waiting for the first token"


def _check_base_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A base URL must be an absolute http(s) URL: anything else is a usage error (exit 2)."""
    if value is None:
        return None
    from ..common.errors import ConfigurationError
    from ..transport.checks import checked_base_url

    try:
        checked_base_url(value, source="")
    except ConfigurationError as error:
        raise click.BadParameter(str(error).strip()) from None
    return value


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
@click.option(
    "--base-url",
    metavar="URL",
    callback=_check_base_url,
    help="Base URL of the API (e.g. a proxy or `modelwire serve`).",
)
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
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Give up when the server takes longer than this to connect or to send the next part "
    "of the answer [default: 10 to connect, 600 between parts].",
)
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Log each request, attempt, retry wait and sign-in refresh on stderr (no secrets).",
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
    timeout: float | None,
    verbose: bool,
) -> int:
    """Stream an answer to PROMPT; text piped on stdin comes first, as context for it (or is the
    prompt, without PROMPT). With neither, start an interactive chat that keeps the conversation.

    \b
      modelwire chat "Explain SSE in one sentence"
      git diff | modelwire chat "review this"
      modelwire chat --provider claude --reasoning low
      modelwire chat --json "hi" | jq -c 'select(.event == "TextDelta")'
    """

    provider_spec = provider_named
    text = _prompt_text(" ".join(prompt).strip())
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
    with contextlib.ExitStack() as scope:
        if verbose:
            from .progress import verbose_log

            scope.enter_context(verbose_log())
        settings = ChatSettings(
            chosen, chosen_api, chosen_model, base_url, timeout, instructions, reasoning,
            as_json, verbose,
        )  # fmt: skip
        return _run_chat(settings, text)


@dataclass(frozen=True)
class ChatSettings:
    """What a chat runs with, once the options are resolved (service, API and model chosen)."""

    service: str
    api: str
    model: str
    base_url: str | None
    #: Seconds for each of connect, read, write and pool; None: the client's defaults.
    timeout: float | None
    instructions: str | None
    reasoning: str | None
    as_json: bool
    verbose: bool


def _run_chat(settings: ChatSettings, text: str) -> int:
    from ..client import Client, Timeouts
    from ..common.errors import ModelwireError

    timeout = settings.timeout
    timeouts = (
        Timeouts(connect=timeout, read=timeout, write=timeout, pool=timeout) if timeout else None
    )
    try:
        client = Client(
            settings.service,
            settings.api,  # type: ignore[arg-type]
            base_url=settings.base_url,
            timeout=timeouts,
        )
    except ModelwireError as error:  # nothing is sent yet: the store or the arguments
        raise CommandFailed(error_message(error)) from None
    with client:
        session = _Session(client, settings)
        if text:
            try:
                session.one_shot(text)
            except ModelwireError as error:
                raise CommandFailed(error_message(error, host=session.host)) from None
            return EXIT_OK
        return session.repl()


def _prompt_text(question: str) -> str:
    """The message to send: stdin (when it is not a terminal) as context, then the question.

    Empty when there is neither, which starts the interactive chat."""
    if sys.stdin is None or sys.stdin.isatty():
        return question
    context = sys.stdin.buffer.read().decode("utf-8", errors="replace").strip()
    if context and question:
        return f"{context}\n\n{question}"
    if not context and not question:
        raise click.UsageError("stdin was empty: give a prompt as an argument or on stdin")
    return context or question


def _host(base_url: str) -> str:
    """Where requests go, as a person names it (``api.openai.com``, ``127.0.0.1:8080``)."""
    from urllib.parse import urlsplit

    return urlsplit(base_url).netloc or base_url


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


class _Stopped(KeyboardInterrupt):
    """Ctrl-C during an answer; ``partial`` is what had arrived. Still a KeyboardInterrupt, so a
    one-shot chat ends with exit code 130 as any Ctrl-C does."""

    def __init__(self, partial: Response) -> None:
        super().__init__()
        self.partial = partial


class _Session:
    """One chat: the client, the settings, the way events are shown, and the history."""

    def __init__(self, client: Client, settings: ChatSettings) -> None:
        from .output import stderr_console, stdout_console
        from .progress import Indicator

        as_json = settings.as_json
        self.client = client
        self.host = _host(client.base_url)
        self.model = settings.model  # /model changes it for the rest of the chat
        self.instructions = settings.instructions
        self.reasoning = settings.reasoning
        self.as_json = as_json
        self.out = stdout_console()
        self.err = stderr_console()
        self.history: list[Item] = []
        # The indicator shares the console the answer is written to, and only where a person
        # watches it (no indicator in JSON lines, on a pipe, or among --verbose log lines).
        self.indicator = Indicator(self.out)
        self.indicator.enabled = self.indicator.enabled and not as_json and not settings.verbose
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
        from ..common.errors import ModelwireError
        from ..common.items import Message

        try:
            response = self.turn([Message(role="user", content=text)])
        except ModelwireError:
            self._end_line()  # the error goes below what was shown of the answer
            raise
        if not self.as_json and self.err.is_terminal:
            self.err.print(f"[dim]{self._footer(response)}[/]")

    def repl(self) -> int:
        from ..common.errors import ModelwireError
        from ..common.items import Message

        with contextlib.suppress(ImportError):  # not on every platform
            import readline  # noqa: F401  (line editing and history for input())

        self.err.print(
            f"[bold]modelwire chat[/] · {self.client.provider} · {self.client.api} · "
            f"{self.model}\n[dim]{REPL_HINT}[/]"
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
            if text.startswith("//"):
                text = text[1:]  # "//etc" sends "/etc": a message may begin with a slash
            elif text.startswith("/"):
                if self.command(text):
                    return EXIT_OK
                continue
            conversation = [*self.history, Message(role="user", content=text)]
            try:
                response = self.turn(conversation)
            except KeyboardInterrupt as stopped:
                # Leaving the stream's `with` block closed the connection.
                self._end_line()
                partial = stopped.partial if isinstance(stopped, _Stopped) else None
                self._keep_partial(conversation, partial)
                continue
            except ModelwireError as error:
                self._end_line()
                show_error(error, host=self.host)
                continue
            self.history = [*conversation, *response.items]
            if not self.as_json:
                self.err.print(f"[dim]{self._footer(response)}[/]")

    def command(self, line: str) -> bool:
        """Run one of the chat's own commands; True when it is time to leave."""
        from rich.markup import escape

        name, _, argument = line.partition(" ")
        argument = argument.strip()
        if name in ("/exit", "/quit"):
            return True
        if name == "/help":
            width = max(len(usage) for usage, _ in REPL_COMMANDS)
            for usage, what in REPL_COMMANDS:
                self.err.print(f"  {escape(usage.ljust(width))}  {what}", highlight=False)
            self.err.print(
                "  Ctrl-C stops an answer (the part shown stays in the conversation); "
                "start a message with // to send one beginning with /",
                highlight=False,
            )
        elif name == "/reset":
            self.history = []
            self.err.print("[dim]conversation cleared[/]")
        elif name == "/model":
            if argument:
                self.model = argument
                self.err.print(f"[dim]model: {escape(argument)} from the next answer on[/]")
            else:
                self.err.print(f"[dim]model: {escape(self.model)}[/]")
        else:
            self.err.print(
                f"[red]unknown command {escape(name)}[/]: /help lists the commands "
                "(start with // to send a message beginning with /)",
                highlight=False,
            )
        return False

    def _keep_partial(self, conversation: list[Item], partial: Response | None) -> None:
        """An answer stopped with Ctrl-C: the text that arrived stays in the conversation,
        marked as interrupted, so the next question can refer to it and the model knows."""
        from ..common.items import Message

        if partial is not None and partial.text.strip():
            self.history = [
                *conversation,
                Message(role="assistant", content=partial.text + PARTIAL_MARK),
            ]
            self.err.print(
                "[dim]answer stopped; the part shown stays in the conversation, marked as "
                "interrupted (/reset forgets it)[/]"
            )
        else:
            self.err.print("[dim]answer stopped before any text; that question was dropped[/]")

    def turn(self, conversation: list[Item]) -> Response:
        """Stream one answer, showing each event as it arrives (and an indicator until the
        first one does)."""
        from .progress import watching_retries

        with (
            watching_retries(self.indicator, WAITING_TEXT),
            self.client.stream(
                model=self.model,
                input=conversation,
                instructions=self.instructions,
                reasoning=self.reasoning,  # type: ignore[arg-type]
                options=self._options(),
            ) as stream,
        ):
            self.indicator.show(WAITING_TEXT)
            try:
                for event in stream:
                    self.indicator.stop()
                    self.show(event)
            except KeyboardInterrupt:
                raise _Stopped(stream.response) from None
            finally:
                self.indicator.stop()
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
