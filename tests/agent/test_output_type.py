"""``output_type=``: parsed structured output on every API (issue 17 item 2)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pydantic
import pytest
from typing_extensions import TypedDict  # pydantic needs this one on Python < 3.12

import modelwire as mw
from modelwire.testing import FakeServer, Script

from .conftest import make_async_client, make_client


class City(pydantic.BaseModel):
    name: str
    population: int


@dataclasses.dataclass
class Town:
    name: str
    area_km2: float


class Village(TypedDict):
    name: str
    has_church: bool


def sent_schema(server: FakeServer, api: str) -> dict[str, Any]:
    """The JSON schema the request carried, from the API's own structured-output field."""
    body = server.requests[-1].json
    assert body is not None
    if api == "responses":
        fmt = body["text"]["format"]
        assert fmt["type"] == "json_schema"
        assert fmt["name"] in {"City", "Town", "Village"}
        schema: dict[str, Any] = fmt["schema"]
    elif api == "chat":
        assert body["response_format"]["type"] == "json_schema"
        schema = body["response_format"]["json_schema"]["schema"]
    else:
        assert body["output_config"]["format"]["type"] == "json_schema"
        schema = body["output_config"]["format"]["schema"]
    return schema


def test_a_pydantic_model_comes_back_validated(fake_server: FakeServer, api: str) -> None:
    with make_client(fake_server, api) as client:
        response = client.create(model="m", input="a city please", output_type=City)
    assert response.parsed == City(name="sample name", population=1)
    assert sent_schema(fake_server, api)["required"] == ["name", "population"]


def test_a_dataclass_comes_back_validated(fake_server: FakeServer, api: str) -> None:
    with make_client(fake_server, api) as client:
        response = client.create(model="m", input="a town", output_type=Town)
    assert response.parsed == Town(name="sample name", area_km2=1.5)
    assert set(sent_schema(fake_server, api)["properties"]) == {"name", "area_km2"}


def test_a_typed_dict_comes_back_validated(fake_server: FakeServer, api: str) -> None:
    with make_client(fake_server, api) as client:
        response = client.create(model="m", input="a village", output_type=Village)
    assert response.parsed == {"name": "sample name", "has_church": True}


def test_without_output_type_parsed_is_none(fake_server: FakeServer, api: str) -> None:
    with make_client(fake_server, api) as client:
        response = client.create(model="m", input="hi")
    assert response.parsed is None


def test_invalid_output_is_a_typed_error_with_the_raw_text(
    fake_server: FakeServer, api: str
) -> None:
    fake_server.queue(api, Script.text('{"name": "Lyon", "population": "many"}'))
    with make_client(fake_server, api) as client, pytest.raises(mw.OutputValidationError) as info:
        client.create(model="m", input="a city", output_type=City)
    error = info.value
    assert isinstance(error, mw.ModelwireError)
    assert error.raw == '{"name": "Lyon", "population": "many"}'
    assert [detail["loc"] for detail in error.errors()] == [("population",)]
    assert "population" in str(error)
    assert "many" not in str(error)  # the message names fields, not values
    assert error.partial.complete
    assert error.partial.text == error.raw


def test_output_that_is_not_json_is_the_same_error(fake_server: FakeServer) -> None:
    fake_server.queue("responses", Script.text("Sorry, no JSON today."))
    with (
        make_client(fake_server, "responses") as client,
        pytest.raises(mw.OutputValidationError) as info,
    ):
        client.create(model="m", input="a city", output_type=City)
    assert info.value.raw == "Sorry, no JSON today."
    assert info.value.errors()[0]["type"] == "json_invalid"


def test_the_stream_form_parses_at_the_end(fake_server: FakeServer, api: str) -> None:
    with (
        make_client(fake_server, api) as client,
        client.stream(model="m", input="a city", output_type=City) as stream,
    ):
        deltas = [event.text for event in stream if isinstance(event, mw.TextDelta)]
        assert stream.response.parsed == City(name="sample name", population=1)
    assert "".join(deltas) == stream.response.text


def test_the_stream_form_raises_at_the_end_for_invalid_output(fake_server: FakeServer) -> None:
    fake_server.queue("messages", Script.text("[1, 2]"))
    with (
        make_client(fake_server, "messages") as client,
        client.stream(model="m", input="a city", output_type=City) as stream,
    ):
        events: list[mw.Event] = []
        with pytest.raises(mw.OutputValidationError):
            events.extend(stream)
    assert any(isinstance(event, mw.Completed) for event in events)


async def test_the_async_client_parses_too(fake_server: FakeServer, api: str) -> None:
    async with make_async_client(fake_server, api) as client:
        response = await client.create(model="m", input="a city", output_type=City)
        async with client.stream(model="m", input="a town", output_type=Town) as stream:
            async for _ in stream:
                pass
    assert response.parsed == City(name="sample name", population=1)
    assert stream.response.parsed == Town(name="sample name", area_km2=1.5)


def test_output_type_and_output_schema_together_are_refused(fake_server: FakeServer) -> None:
    with make_client(fake_server, "chat") as client, pytest.raises(mw.ConfigurationError):
        client.create(model="m", input="x", output_type=City, output_schema={"type": "object"})
    assert fake_server.requests == []


def test_a_type_pydantic_cannot_describe_is_a_configuration_error(
    fake_server: FakeServer,
) -> None:
    class Opaque:
        pass

    with make_client(fake_server, "chat") as client, pytest.raises(mw.ConfigurationError):
        client.create(model="m", input="x", output_type=Opaque)
    assert fake_server.requests == []


def test_a_whole_json_answer_is_parsed_too(fake_server: FakeServer, api: str) -> None:
    with make_client(fake_server, api) as client:
        response = client.create(model="m", input="a city", output_type=City, stream=False)
    body = fake_server.requests[-1].json
    assert body is not None
    assert body.get("stream") in (None, False)
    assert response.parsed == City(name="sample name", population=1)
