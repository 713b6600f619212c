"""Lazy access to the generated native models, so nothing generated loads before it is needed."""

from __future__ import annotations

from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError

if TYPE_CHECKING:
    from pydantic import BaseModel


@cache
def native_module(api: str) -> ModuleType:
    """``modelwire.native.<api>``, imported on first use (the generated package loads it)."""
    from .. import native

    if api not in native.APIS:
        raise ConfigurationError(f"the {api!r} API has no generated models in modelwire.native")
    module: ModuleType = getattr(native, api)
    return module


def event_model(api: str, wire_name: str) -> type[BaseModel] | None:
    """The generated model of one stream event, or None when the schema does not know it."""
    registry: dict[str, type[BaseModel]] = native_module(api).EVENT_TYPES
    return registry.get(wire_name)


def validate_event(api: str, wire_name: str, payload: dict[str, Any]) -> BaseModel | dict[str, Any]:
    """The payload as its generated event model (the raw dict for an event the schema lacks)."""
    model = event_model(api, wire_name)
    return payload if model is None else model.model_validate(payload)


def validate_as(api: str, schema_name: str, payload: dict[str, Any]) -> BaseModel:
    """The payload validated as the generated model called ``schema_name``."""
    model: type[BaseModel] = getattr(native_module(api), schema_name)
    return model.model_validate(payload)
