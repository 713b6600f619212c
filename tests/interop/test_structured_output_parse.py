"""The official openai SDK's ``parse`` and modelwire's ``output_type`` on the same type, against
the emulator: the same strict schema on the wire, the same parsed value back (brief "polish"
item 1; issue 17 item 2)."""

from __future__ import annotations

import json
from typing import Any

import openai
import pydantic

import modelwire as mw
from modelwire.testing import FakeServer, Script

from .conftest import OPENAI_KEY


class Stop(pydantic.BaseModel):
    station: str
    platform: str | None = None


class Journey(pydantic.BaseModel):
    origin: Stop
    stops: list[Stop]
    note: str | None = None
    changes: int


ANSWER = {
    "origin": {"station": "Lyon", "platform": None},
    "stops": [{"station": "Dijon", "platform": "2"}, {"station": "Paris", "platform": None}],
    "note": None,
    "changes": 1,
}


def ours(server: FakeServer, api: str) -> mw.Client:
    return mw.Client("openai", api, api_key=OPENAI_KEY, base_url=server.base_url("openai"))


def recorded(server: FakeServer) -> dict[str, Any]:
    body = server.requests[-1].json
    assert body is not None
    return body


def test_responses_parse_and_output_type_agree(
    fake_server: FakeServer, openai_client: openai.OpenAI
) -> None:
    fake_server.queue("responses", Script.text(json.dumps(ANSWER)))
    theirs = openai_client.responses.parse(model="gpt-5", input="a journey", text_format=Journey)
    their_format = recorded(fake_server)["text"]["format"]
    fake_server.queue("responses", Script.text(json.dumps(ANSWER)))
    with ours(fake_server, "responses") as client:
        mine = client.create(model="gpt-5", input="a journey", output_type=Journey)
    my_format = recorded(fake_server)["text"]["format"]
    assert my_format == their_format
    assert my_format["strict"] is True
    assert mine.parsed == theirs.output_parsed == Journey.model_validate(ANSWER)


def test_chat_parse_and_output_type_agree(
    fake_server: FakeServer, openai_client: openai.OpenAI
) -> None:
    fake_server.queue("chat", Script.text(json.dumps(ANSWER)))
    theirs = openai_client.chat.completions.parse(
        model="gpt-5",
        messages=[{"role": "user", "content": "a journey"}],
        response_format=Journey,
    )
    their_format = recorded(fake_server)["response_format"]
    fake_server.queue("chat", Script.text(json.dumps(ANSWER)))
    with ours(fake_server, "chat") as client:
        mine = client.create(model="gpt-5", input="a journey", output_type=Journey)
    my_format = recorded(fake_server)["response_format"]
    assert my_format == their_format
    assert my_format["json_schema"]["strict"] is True
    assert mine.parsed == theirs.choices[0].message.parsed == Journey.model_validate(ANSWER)


def test_the_emulators_own_answer_parses_the_same_on_both(
    fake_server: FakeServer, openai_client: openai.OpenAI
) -> None:
    theirs = openai_client.responses.parse(model="gpt-5", input="a journey", text_format=Journey)
    with ours(fake_server, "responses") as client:
        mine = client.create(model="gpt-5", input="a journey", output_type=Journey)
    assert mine.parsed == theirs.output_parsed
    assert isinstance(mine.parsed, Journey)
