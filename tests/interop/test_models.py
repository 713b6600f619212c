"""``models.list()`` / ``models.retrieve()`` of both SDKs: each service's own list shape."""

from __future__ import annotations

import anthropic
import openai


def test_openai_lists_and_retrieves_models(openai_client: openai.OpenAI) -> None:
    listed = [model.id for model in openai_client.models.list()]
    model = openai_client.models.retrieve("gpt-5")

    assert "gpt-5" in listed
    assert model.object == "model"
    assert model.owned_by == "openai"


def test_anthropic_lists_pages_and_retrieves_models(anthropic_client: anthropic.Anthropic) -> None:
    everything = [model.id for model in anthropic_client.models.list()]
    first_page = anthropic_client.models.list(limit=1)
    paged = [model.id for model in anthropic_client.models.list(limit=1)]  # auto-pages
    model = anthropic_client.models.retrieve("claude-sonnet-4-5")

    assert "claude-sonnet-4-5" in everything
    assert first_page.has_more is True
    assert len(first_page.data) == 1
    assert paged == everything
    assert model.display_name == "Claude Sonnet 4.5"
    assert model.type == "model"
