"""Parsed structured output: ``output_type=City`` asks for JSON matching City's schema and gives
the answer back validated as a City.

Any type pydantic's ``TypeAdapter`` takes works (a pydantic model, a dataclass, a TypedDict, a
``list[...]``...). Its JSON schema goes out through each API's own structured-output field (the
same plumbing as ``output_schema``: Responses ``text.format``, Chat ``response_format``, Messages
``output_config.format``); the collected text is validated back into the type.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from .errors import ConfigurationError, ModelwireError, shortened

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from .response import Response

_T = TypeVar("_T")

# Responses and Chat take schema names of at most 64 of these characters.
_NAME_CHARACTERS = re.compile(r"[^a-zA-Z0-9_-]+")


class OutputValidationError(ModelwireError):
    """The model's answer does not validate as the requested ``output_type``.

    ``raw`` is the text the model produced (``""`` when it refused: see ``partial.refusal``),
    ``partial`` the whole Response, :meth:`errors` pydantic's details. The message names the
    failing fields and pydantic's reasons, not the values.
    """

    raw: str
    partial: Response[Any]
    validation_error: Any

    def __init__(self, output_type: str, raw: str, response: Response[Any], error: Any) -> None:
        self.raw = raw
        self.partial = response
        self.validation_error = error
        details = error.errors(include_url=False, include_input=False)
        problems = [
            f"{'.'.join(str(part) for part in d['loc']) or '<root>'}: {d['msg']}"
            for d in details[:8]
        ]
        if len(details) > len(problems):
            problems.append(f"... and {len(details) - len(problems)} more")
        stop = f" (stop reason: {response.stop_reason})" if response.stop_reason else ""
        super().__init__(
            shortened(
                f"the model's output is not a valid {output_type}{stop}:\n  "
                + "\n  ".join(problems)
            )
        )

    def errors(self) -> list[Any]:
        """pydantic's details (``type``, ``loc``, ``msg``, ``input``, ...), one per problem."""
        details: list[Any] = self.validation_error.errors()
        return details


@dataclass(frozen=True, slots=True)
class OutputSpec(Generic[_T]):
    """What one ``output_type`` needs: the schema (and its name) sent, the adapter to validate."""

    name: str
    schema: dict[str, Any]
    adapter: TypeAdapter[_T]

    def parse(self, response: Response[Any]) -> _T:
        """The response's text validated as the type; OutputValidationError when it is not."""
        from pydantic import ValidationError

        try:
            return self.adapter.validate_json(response.text)
        except ValidationError as error:
            raise OutputValidationError(self.name, response.text, response, error) from None


def output_spec(output_type: type[_T]) -> OutputSpec[_T]:
    """The spec of ``output_type``; ConfigurationError when pydantic cannot describe it."""
    try:
        spec: OutputSpec[_T] = _cached_spec(cast(Hashable, output_type))
    except TypeError:  # unhashable: a type built on the fly
        spec = _build_spec(output_type)
    return spec


@lru_cache(maxsize=256)
def _cached_spec(output_type: Hashable) -> OutputSpec[Any]:
    return _build_spec(output_type)


def _build_spec(output_type: Any) -> OutputSpec[Any]:
    from pydantic import PydanticSchemaGenerationError, PydanticUserError, TypeAdapter

    if isinstance(output_type, str | dict):
        raise ConfigurationError(
            "output_type takes a type (a pydantic model, dataclass or TypedDict); "
            "give a JSON schema as output_schema= instead"
        )
    try:
        adapter: TypeAdapter[Any] = TypeAdapter(output_type)
        schema = adapter.json_schema()
    except (PydanticSchemaGenerationError, PydanticUserError, TypeError) as error:
        raise ConfigurationError(
            f"output_type {output_type!r} has no JSON schema pydantic can build: {error}"
        ) from None
    raw_name = getattr(output_type, "__name__", None) or str(schema.get("title") or "output")
    name = _NAME_CHARACTERS.sub("_", raw_name)[:64] or "output"
    return OutputSpec(name=name, schema=schema, adapter=adapter)
