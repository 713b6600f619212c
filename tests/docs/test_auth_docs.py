"""What docs/auth.md and docs/calls.md state about the sign-in modes is what the code does
(issue 15 items 6 and 8, issue 14 item 1): the table of configuration variables names every
variable the config classes read with the defaults they hold, the terms section links both
services' terms, and the streaming-only mode the docs name is the one the code streams for."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from modelwire.auth.config import (
    CHATGPT_HEADERS,
    CLAUDE_OAUTH_BETA,
    ChatGPTOAuthConfig,
    ClaudeOAuthConfig,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
AUTH = (DOCS / "auth.md").read_text(encoding="utf-8")
CALLS = (DOCS / "calls.md").read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + len(heading) + 2)
    return text[start : end if end != -1 else len(text)]


def variable_table() -> dict[str, str]:
    rows = re.findall(
        r"^\| `(MODELWIRE_[A-Z_]+)` \| (.*) \|$",
        section(AUTH, "### Endpoints are configuration"),
        re.M,
    )
    return dict(rows)


def configured_variables() -> dict[str, str]:
    """Each variable the two config classes read, with the default of the field it sets."""
    variables: dict[str, str] = {}
    for config in (ChatGPTOAuthConfig(), ClaudeOAuthConfig()):
        defaults = {f.name: getattr(config, f.name) for f in fields(config)}
        for name, variable in type(config).ENV.items():
            variables[variable] = str(defaults[name])
    variables[ChatGPTOAuthConfig.ORIGINATOR_ENV] = ChatGPTOAuthConfig().originator
    return variables


def test_every_configuration_variable_is_in_the_docs_with_its_default() -> None:
    table = variable_table()
    for variable, default in configured_variables().items():
        assert variable in table, variable
        assert table[variable] == f"`{default}`", variable


def test_the_header_and_beta_variables_are_in_the_docs_with_their_defaults() -> None:
    table = variable_table()
    chatgpt_defaults = ", ".join(f'"{k}": "{v}"' for k, v in CHATGPT_HEADERS.items())
    assert "{" + chatgpt_defaults + "}" in table[ChatGPTOAuthConfig.HEADERS_ENV]
    assert table[ClaudeOAuthConfig.BETAS_ENV].startswith(f"`{CLAUDE_OAUTH_BETA}`")
    assert ClaudeOAuthConfig().betas == (CLAUDE_OAUTH_BETA,)
    assert ClaudeOAuthConfig.HEADERS_ENV in table


def test_no_variable_in_the_docs_table_is_unknown_to_the_code() -> None:
    known = set(configured_variables()) | {
        ChatGPTOAuthConfig.HEADERS_ENV,
        ClaudeOAuthConfig.BETAS_ENV,
        ClaudeOAuthConfig.HEADERS_ENV,
    }
    assert set(variable_table()) <= known


@pytest.mark.parametrize(
    "link",
    [
        "https://code.claude.com/docs/en/legal-and-compliance",
        "https://www.anthropic.com/legal/consumer-terms",
        "https://developers.openai.com/codex/auth",
        "https://openai.com/policies/terms-of-use",
    ],
)
def test_the_terms_section_links_each_services_terms(link: str) -> None:
    assert f"({link})" in section(AUTH, "## What the services' terms say about the sign-in modes")


def test_the_terms_say_who_is_responsible_and_that_modelwire_never_disguises_itself() -> None:
    terms = " ".join(
        section(AUTH, "## What the services' terms say about the sign-in modes").split()
    )
    assert "You are responsible for using each mode within the terms" in terms
    assert "never disguises itself" in terms
    assert "`SubscriptionRefusedError`" in terms


def test_the_docs_name_the_mode_that_only_streams() -> None:
    """What the code does is tests/client/test_nonstreaming.py::
    test_the_chatgpt_backend_streams_under_create; this pins that the docs say it."""
    only_streams = " ".join(CALLS[CALLS.index("**Modes that only stream.**") :].split()[:40])
    assert 'provider="chatgpt"' in only_streams
    assert "`stream: true`" in only_streams
    assert "`create(stream=False)` streams and collects" in only_streams
