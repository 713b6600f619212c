"""The one table of wire APIs: it matches the generated models, every entry has every part, and
nothing in the package loads a module by a computed name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

import modelwire as mw
from modelwire import native
from modelwire.apis import WIRE_APIS, ApiName, WireApi, register_wire_api, wire_api
from modelwire.services import SERVICES

SRC = Path(__file__).resolve().parents[2] / "src" / "modelwire"


def test_the_table_holds_exactly_the_apis_with_generated_models() -> None:
    assert set(WIRE_APIS) == set(native.APIS)


def test_the_api_name_type_names_exactly_the_apis_with_generated_models() -> None:
    assert set(get_args(ApiName)) == set(native.APIS)


@pytest.mark.parametrize("name", sorted(WIRE_APIS))
def test_every_wire_api_has_every_part(name: str) -> None:
    api = wire_api(name)
    assert api.name == name
    assert isinstance(api.options_type, type)
    for part in (api.build_body, api.new_mapper, api.error_from_body, api.rate_limits):
        assert callable(part)
    assert api.new_mapper().api == name
    assert api.validate is not None


def test_every_service_path_names_a_wire_api_in_the_table() -> None:
    for service in SERVICES.values():
        assert set(service.paths) <= set(WIRE_APIS), service.name


def test_an_unknown_api_is_a_configuration_error_naming_the_known_ones() -> None:
    with pytest.raises(mw.ConfigurationError, match="responses, chat, messages"):
        wire_api("gemini")


def test_registering_a_taken_name_needs_replace() -> None:
    with pytest.raises(mw.ConfigurationError, match="already registered"):
        register_wire_api(wire_api("chat"))


def test_no_module_is_loaded_by_a_computed_name() -> None:
    """Only the lazy top-level ``__getattr__`` re-exports import by name (and only names from
    their own fixed tables)."""
    computed = re.compile(r"import_module\(f[\"']")
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text()
        for match in computed.finditer(text):
            enclosing = text.rfind("\ndef ", 0, match.start())
            if not text.startswith("\ndef __getattr__", enclosing):
                offenders.append(path.relative_to(SRC).as_posix())
    assert offenders == []


def test_a_wire_api_is_one_frozen_object() -> None:
    assert all(isinstance(api, WireApi) for api in WIRE_APIS.values())
    with pytest.raises(AttributeError):
        wire_api("chat").name = "other"  # type: ignore[misc]
