"""Asking for reasoning streams its summary by default on Responses (issue 17 item 7)."""

from __future__ import annotations

from typing import Any

import modelwire as mw
from modelwire.auth.store import FileStore
from modelwire.testing import FakeServer

from ..auth.helpers import sign_in_chatgpt
from .conftest import make_client


def sent(server: FakeServer, route: str) -> dict[str, Any]:
    body = server.requests_to(route)[-1].json
    assert body is not None
    return body


def test_reasoning_effort_alone_asks_for_an_auto_summary_and_streams_it(
    fake_server: FakeServer,
) -> None:
    with (
        make_client(fake_server, "responses") as client,
        client.stream(model="m", input="hi", reasoning="low") as stream,
    ):
        deltas = [e for e in stream if isinstance(e, mw.ReasoningDelta)]
    assert sent(fake_server, "responses")["reasoning"] == {"effort": "low", "summary": "auto"}
    assert deltas
    assert all(delta.reasoning_kind == "summary" for delta in deltas)
    assert stream.response.reasoning


def test_a_summary_the_caller_chose_is_kept(fake_server: FakeServer) -> None:
    options = mw.ResponsesOptions(reasoning_summary="detailed")
    with make_client(fake_server, "responses") as client:
        client.create(model="m", input="hi", reasoning="low", options=options)
    assert sent(fake_server, "responses")["reasoning"] == {"effort": "low", "summary": "detailed"}


def test_summary_none_sends_no_summary_request(fake_server: FakeServer) -> None:
    options = mw.ResponsesOptions(reasoning_summary="none")
    with make_client(fake_server, "responses") as client:
        response = client.create(model="m", input="hi", reasoning="low", options=options)
    assert sent(fake_server, "responses")["reasoning"] == {"effort": "low"}
    assert response.reasoning == ""


def test_no_reasoning_asked_sends_no_reasoning(fake_server: FakeServer) -> None:
    with make_client(fake_server, "responses") as client:
        client.create(model="m", input="hi")
    assert "reasoning" not in sent(fake_server, "responses")


def test_the_chatgpt_backend_gets_the_summary_too(
    signed_in_env: FakeServer, file_store: FileStore
) -> None:
    sign_in_chatgpt(file_store)
    with mw.Client("chatgpt") as client:
        response = client.create(input="hi", reasoning="low")
    assert sent(signed_in_env, "chatgpt")["reasoning"] == {"effort": "low", "summary": "auto"}
    assert response.reasoning
