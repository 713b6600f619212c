"""OpenAI's account scoping: ``OPENAI_ORG_ID`` / ``OPENAI_PROJECT_ID`` or ``organization=`` /
``project=`` become ``OpenAI-Organization`` / ``OpenAI-Project``, as openai-python sends them
(issue 15 item 9)."""

from __future__ import annotations

import pytest

import modelwire as mw
from modelwire.auth import OpenAIKeyAuth
from modelwire.testing import FakeServer

OPENAI_KEY = "sk-proj-scoping-0001"


def sent_headers(server: FakeServer) -> list[dict[str, str]]:
    return [dict(r.headers) for r in server.requests if r.route in ("responses", "chat")]


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_the_environment_scopes_every_request(
    api: str, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj_env")
    with mw.Client("openai", api=api, api_key=OPENAI_KEY) as client:
        client.create(model="gpt-5.1", input="hi")
    [headers] = sent_headers(server)
    assert headers["openai-organization"] == "org-env"
    assert headers["openai-project"] == "proj_env"


async def test_arguments_win_over_the_environment(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj_env")
    async with mw.AsyncClient(
        "openai", api_key=OPENAI_KEY, organization="org-arg", project="proj_arg"
    ) as client:
        await client.create(model="gpt-5.1", input="hi")
    [headers] = sent_headers(server)
    assert headers["openai-organization"] == "org-arg"
    assert headers["openai-project"] == "proj_arg"


def test_without_scoping_no_header_is_sent(server: FakeServer) -> None:
    with mw.Client("openai", api_key=OPENAI_KEY, project="proj_only") as client:
        client.create(model="gpt-5.1", input="hi")
        [headers] = sent_headers(server)
    assert "openai-organization" not in headers
    assert headers["openai-project"] == "proj_only"


def test_the_auth_object_carries_the_scoping(server: FakeServer) -> None:
    auth = OpenAIKeyAuth(OPENAI_KEY, organization="org-auth")
    with mw.Client("openai", auth=auth) as client:
        client.create(model="gpt-5.1", input="hi")
    [headers] = sent_headers(server)
    assert headers["openai-organization"] == "org-auth"
    assert "org-auth" in repr(auth)
    assert OPENAI_KEY not in repr(auth)


def test_scoping_is_refused_where_it_means_nothing() -> None:
    with pytest.raises(mw.ConfigurationError, match="takes no organization"):
        mw.Client("anthropic", api_key="sk-ant-api03-x", organization="org-x")
    with pytest.raises(mw.ConfigurationError, match="go to the auth"):
        mw.Client("openai", auth=OpenAIKeyAuth(OPENAI_KEY), project="proj_x")
