"""``output_type=`` in OpenAI's strict mode: what goes over the wire, what comes back (issue 17
item 2, brief "polish" item 1)."""

from __future__ import annotations

import json
from typing import Any, Literal

import pydantic
import pytest

import modelwire as mw
from modelwire.common.output import messages_json_schema, output_spec, strict_json_schema
from modelwire.testing import FakeServer, Script

from .conftest import make_client

OPENAI_APIS = ("responses", "chat")


class Address(pydantic.BaseModel):
    street: str
    postcode: str | None = None


class Person(pydantic.BaseModel):
    name: str
    nickname: str | None = None
    age: int = 30
    home: Address
    past_homes: list[Address] = pydantic.Field(default_factory=list, description="oldest first")
    tags: list[str]


class Cat(pydantic.BaseModel):
    kind: Literal["cat"]
    lives: int = 9


class Dog(pydantic.BaseModel):
    kind: Literal["dog"]
    good: bool = True


class Pet(pydantic.BaseModel):
    pet: Cat | Dog = pydantic.Field(discriminator="kind")


class Inventory(pydantic.BaseModel):
    counts: dict[str, int]


def sent_format(server: FakeServer, api: str) -> dict[str, Any]:
    """The structured-output format of the last request, as the emulator recorded it."""
    body = server.requests[-1].json
    assert body is not None
    if api == "responses":
        fmt: dict[str, Any] = body["text"]["format"]
        return fmt
    assert body["response_format"]["type"] == "json_schema"
    chat_fmt: dict[str, Any] = body["response_format"]["json_schema"]
    return chat_fmt


def objects_in(schema: Any) -> list[dict[str, Any]]:
    """Every object schema inside ``schema``, definitions included."""
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            found.append(schema)
        for value in schema.values():
            found.extend(objects_in(value))
    elif isinstance(schema, list):
        for value in schema:
            found.extend(objects_in(value))
    return found


@pytest.mark.parametrize("api", OPENAI_APIS)
def test_the_request_carries_a_strict_schema(fake_server: FakeServer, api: str) -> None:
    with make_client(fake_server, api) as client:
        client.create(model="m", input="a person", output_type=Person)
    fmt = sent_format(fake_server, api)
    assert fmt["strict"] is True
    assert fmt["name"] == "Person"
    schema = fmt["schema"]
    objects = objects_in(schema)
    assert {obj.get("title") for obj in objects} == {"Person", "Address"}
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert obj["required"] == list(obj["properties"])
    assert "default" not in json.dumps(schema)
    # an optional field that takes no null is made nullable; its description stays on it
    assert schema["properties"]["age"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]
    assert schema["properties"]["past_homes"]["description"] == "oldest first"
    assert schema["properties"]["nickname"]["anyOf"] == [{"type": "string"}, {"type": "null"}]


@pytest.mark.parametrize("api", OPENAI_APIS)
def test_optional_fields_round_trip_from_nulls_to_defaults(
    fake_server: FakeServer, api: str
) -> None:
    answer = {
        "name": "Ada",
        "nickname": None,
        "age": None,
        "home": {"street": "1 Loop Road", "postcode": None},
        "past_homes": None,
        "tags": ["maths"],
    }
    fake_server.queue(api, Script.text(json.dumps(answer)))
    with make_client(fake_server, api) as client:
        response = client.create(model="m", input="a person", output_type=Person)
    assert response.parsed == Person(name="Ada", home=Address(street="1 Loop Road"), tags=["maths"])
    assert response.parsed.age == 30
    assert response.parsed.past_homes == []
    assert json.loads(response.text) == answer  # the text is what the model wrote


@pytest.mark.parametrize("api", OPENAI_APIS)
def test_nested_models_and_lists_come_back_whole(fake_server: FakeServer, api: str) -> None:
    answer = {
        "name": "Ada",
        "nickname": "A",
        "age": 36,
        "home": {"street": "1 Loop Road", "postcode": "L1"},
        "past_homes": [{"street": "2 Old Lane", "postcode": None}],
        "tags": [],
    }
    fake_server.queue(api, Script.text(json.dumps(answer)))
    with make_client(fake_server, api) as client:
        response = client.create(model="m", input="a person", output_type=Person)
    assert response.parsed is not None
    assert response.parsed.past_homes == [Address(street="2 Old Lane")]
    assert response.parsed.model_dump() == {
        **answer,
        "past_homes": [{"street": "2 Old Lane", "postcode": None}],
    }


@pytest.mark.parametrize("api", OPENAI_APIS)
def test_the_emulators_own_answer_to_a_strict_schema_validates(
    fake_server: FakeServer, api: str
) -> None:
    with make_client(fake_server, api) as client:
        response = client.create(model="m", input="a person", output_type=Person)
    assert isinstance(response.parsed, Person)


@pytest.mark.parametrize("api", OPENAI_APIS)
def test_a_discriminated_union_goes_strict_as_any_of(fake_server: FakeServer, api: str) -> None:
    fake_server.queue(api, Script.text('{"pet": {"kind": "dog", "good": null}}'))
    with make_client(fake_server, api) as client:
        response = client.create(model="m", input="a pet", output_type=Pet)
    fmt = sent_format(fake_server, api)
    assert fmt["strict"] is True
    assert "oneOf" not in json.dumps(fmt["schema"])
    assert "discriminator" not in json.dumps(fmt["schema"])
    assert response.parsed == Pet(pet=Dog(kind="dog"))


@pytest.mark.parametrize("api", OPENAI_APIS)
def test_a_free_form_dict_falls_back_to_non_strict(fake_server: FakeServer, api: str) -> None:
    fake_server.queue(api, Script.text('{"counts": {"apples": 3}}'))
    with make_client(fake_server, api) as client:
        response = client.create(model="m", input="count", output_type=Inventory)
    fmt = sent_format(fake_server, api)
    assert fmt["strict"] is False
    assert fmt["schema"] == Inventory.model_json_schema()
    assert response.parsed == Inventory(counts={"apples": 3})
    assert "dict[str, ...]" in str(output_spec(Inventory).not_strict_because)


def test_a_root_that_is_not_an_object_falls_back_to_non_strict(fake_server: FakeServer) -> None:
    fake_server.queue("responses", Script.text('[{"street": "x", "postcode": null}]'))
    with make_client(fake_server, "responses") as client:
        response = client.create(model="m", input="addresses", output_type=list[Address])
    assert sent_format(fake_server, "responses")["strict"] is False
    assert response.parsed == [Address(street="x")]


def test_strict_mode_cannot_express_these_types() -> None:
    for unexpressible in (dict[str, int], tuple[int, str], list[Address], Inventory):
        schema = pydantic.TypeAdapter(unexpressible).json_schema()
        with pytest.raises(mw.ModelwireError):
            strict_json_schema(schema)


def test_the_strict_rewrite_leaves_pydantics_schema_alone() -> None:
    schema = Person.model_json_schema()
    before = json.dumps(schema, sort_keys=True)
    strict_json_schema(schema)
    assert json.dumps(schema, sort_keys=True) == before


@pytest.mark.parametrize("api", OPENAI_APIS)
def test_the_emulator_refuses_a_strict_schema_with_an_optional_property(
    fake_server: FakeServer, api: str
) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name"],
        "additionalProperties": False,
    }
    fmt = {"name": "Person", "schema": schema, "strict": True}
    extra: dict[str, Any] = (
        {"text": {"format": {"type": "json_schema", **fmt}}}
        if api == "responses"
        else {"response_format": {"type": "json_schema", "json_schema": fmt}}
    )
    with make_client(fake_server, api) as client, pytest.raises(mw.BadRequestError) as info:
        client.create(model="m", input="a person", extra_body=extra)
    assert "Invalid schema for response_format 'Person'" in str(info.value)
    assert "'required' is required to be supplied" in str(info.value)
    assert "Missing 'age'" in str(info.value)


def test_messages_gets_the_anthropic_sdks_form(fake_server: FakeServer) -> None:
    with make_client(fake_server, "messages") as client:
        response = client.create(model="m", input="a person", output_type=Person)
    body = fake_server.requests[-1].json
    assert body is not None
    schema = body["output_config"]["format"]["schema"]
    assert schema == messages_json_schema(Person.model_json_schema())
    for obj in objects_in(schema):
        assert obj["additionalProperties"] is False
    # Messages takes optional properties: required stays as pydantic wrote it
    assert schema["required"] == ["name", "home", "tags"]
    assert "default" not in schema["properties"]["age"]
    assert "{default: 30}" in schema["properties"]["age"]["description"]
    assert isinstance(response.parsed, Person)
