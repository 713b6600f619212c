"""What README and docs/testing.md state as facts is what the code does (issue 17 items 9 and
16): the topics a new user reaches for are documented, the defaults the README quotes are the
code's own, and the environment docs/testing.md prints is the one ``modelwire serve`` and
``modelwire env`` print."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from modelwire.apis.messages.request import DEFAULT_MAX_TOKENS, THINKING_BUDGETS
from modelwire.cli.env import emulator_at, emulator_environment, export_lines
from modelwire.services import provider

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
TESTING = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
FLAT_README = " ".join(README.split())  # line breaks of the prose aside


@pytest.mark.parametrize(
    "topic",
    [
        "output_type=",
        "client.run(",
        "count_tokens",
        "mw.Timeouts(",
        "max_retries",
        "http_client=",
        "HTTPS_PROXY",
        "default_headers=",
        "Without `model=`",
        "max_tokens",
        "`ToolCallDone.call` holds the finished",
    ],
)
def test_the_readme_documents_what_users_reach_for(topic: str) -> None:
    assert topic in README


def test_the_default_models_the_readme_quotes_are_the_services_own() -> None:
    openai, anthropic = provider("openai").default_models, provider("anthropic").default_models
    chatgpt, claude = provider("chatgpt").default_models, provider("claude").default_models
    assert openai["responses"] == openai["chat"]
    assert anthropic["messages"] == claude["messages"]
    assert (
        f"Without `model=`, a call uses the service's default for the API: "
        f"`{openai['responses']}` (OpenAI, Responses and Chat), "
        f"`{chatgpt['responses']}` (ChatGPT sign-in), "
        f"`{claude['messages']}` (Anthropic and Claude)."
    ) in FLAT_README


def test_the_max_tokens_and_thinking_budgets_the_readme_quotes_are_the_codes() -> None:
    budgets = " / ".join(str(THINKING_BUDGETS[e]) for e in ("minimal", "low", "medium", "high"))
    assert (
        f"without `max_output_tokens=`, {DEFAULT_MAX_TOKENS} is sent (plus the thinking budget "
        f"when `reasoning=` asks for thinking: {budgets} for minimal / low / medium / high)"
    ) in FLAT_README
    assert f"max_tokens: {DEFAULT_MAX_TOKENS}" in README  # the snippet's comment


def test_docs_testing_shows_the_lines_serve_and_env_print() -> None:
    """The banner docs/testing.md shows is the environment ``modelwire env`` builds for the same
    URL (the throwaway home's name aside), line for line."""
    [banner] = re.findall(r"```console\n\$ modelwire serve --port 8080\n(.*?)```", TESTING, re.S)
    shown = [line for line in banner.splitlines() if line.startswith("export ")]
    home = next(line for line in shown if line.startswith("export MODELWIRE_HOME="))
    expected = export_lines(
        emulator_environment(emulator_at("http://127.0.0.1:8080"), home.partition("=")[2])
    )
    assert shown == expected
    assert 'eval "$(modelwire env --url http://127.0.0.1:8080)"' in TESTING
