"""The generated native models against example payloads written from the API references."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from ..support import FIXTURES

APIS = ("responses", "chat", "messages")


def examples(api: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = yaml.safe_load(
        (FIXTURES / "native" / f"{api}_examples.yaml").read_text()
    )
    return data


def native(api: str) -> Any:
    return importlib.import_module(f"modelwire.native.{api}")


CASES = [
    pytest.param(api, index, example, id=f"{api}-{index}-{example['schema']}")
    for api in APIS
    for index, example in enumerate(examples(api))
]


@pytest.mark.parametrize(("api", "index", "example"), CASES)
def test_example_validates_and_round_trips_unchanged(
    api: str, index: int, example: dict[str, Any]
) -> None:
    model: type[BaseModel] = getattr(native(api), example["schema"])
    instance = model.model_validate(example["payload"])
    dumped = instance.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert dumped == example["payload"]


@pytest.mark.parametrize("api", APIS)
def test_every_stream_event_has_a_model_and_an_example(api: str) -> None:
    module = native(api)
    covered = {example["schema"] for example in examples(api)}
    for wire_name, model in module.EVENT_TYPES.items():
        assert issubclass(model, BaseModel), wire_name
        assert model.__name__ in covered, f"no example payload for {wire_name}"


@pytest.mark.parametrize("api", APIS)
def test_registry_keys_match_each_models_discriminator(api: str) -> None:
    module = native(api)
    for wire_name, model in module.EVENT_TYPES.items():
        field = model.model_fields[module.DISCRIMINATOR]
        assert wire_name in str(field.annotation), (wire_name, field.annotation)


@pytest.mark.parametrize("api", APIS)
def test_request_models_reject_a_misspelt_field(api: str) -> None:
    module = native(api)
    request = next(
        e["payload"] for e in examples(api) if e["schema"] == module.REQUEST_MODEL.__name__
    )
    with pytest.raises(ValidationError, match="max_tokenz"):
        module.REQUEST_MODEL.model_validate({**request, "max_tokenz": 10})


@pytest.mark.parametrize("api", APIS)
def test_response_side_models_keep_unknown_fields(api: str) -> None:
    module = native(api)
    final = next(
        e["payload"] for e in examples(api) if e["schema"] == module.RESPONSE_MODEL.__name__
    )
    instance = module.RESPONSE_MODEL.model_validate({**final, "brand_new_field": {"x": 1}})
    assert instance.model_extra is not None
    assert instance.model_extra["brand_new_field"] == {"x": 1}


@pytest.mark.parametrize("api", APIS)
def test_stream_event_union_dispatches_on_the_discriminator(api: str) -> None:
    from pydantic import TypeAdapter

    module = native(api)
    adapter: TypeAdapter[Any] = TypeAdapter(module.StreamEvent)
    for example in examples(api):
        model = getattr(module, example["schema"])
        if model in module.EVENT_TYPES.values():
            assert type(adapter.validate_python(example["payload"])) is model
