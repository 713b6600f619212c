"""Lazy access to the generated native models, so nothing generated loads before it is needed.

Validation failures surface as :class:`~modelwire.common.errors.NativeValidationError`: a wire
payload that does not fit its model is bad input from the server, so it gets a modelwire error
(pydantic's details kept on it), never pydantic's own exception.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError, NativeValidationError

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


def _validated(model: type[BaseModel], payload: dict[str, Any]) -> BaseModel:
    from pydantic import ValidationError

    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise NativeValidationError(model.__name__, error) from None


def validate_event(api: str, wire_name: str, payload: dict[str, Any]) -> BaseModel | dict[str, Any]:
    """The payload as its generated event model (the raw dict for an event the schema lacks)."""
    model = event_model(api, wire_name)
    return payload if model is None else _validated(model, payload)


def validate_as(api: str, schema_name: str, payload: dict[str, Any]) -> BaseModel:
    """The payload validated as the generated model called ``schema_name``."""
    model: type[BaseModel] = getattr(native_module(api), schema_name)
    return _validated(model, payload)
