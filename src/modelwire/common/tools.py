"""Tool definitions: one neutral shape, from a dict, a pydantic model or a typed function."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError

if TYPE_CHECKING:
    from pydantic import BaseModel


@dataclass(slots=True)
class Tool:
    """A function tool the model may call: a name, a description and a JSON schema for arguments.

    ``strict`` asks APIs that support it (OpenAI) to hold the model to the schema exactly.
    """

    name: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool | None = None

    @classmethod
    def from_model(cls, model: type[Any], *, name: str | None = None) -> Tool:
        """A tool whose arguments are a pydantic model; the model's docstring is the description."""
        schema: dict[str, Any] = model.model_json_schema()
        schema.pop("title", None)
        description = schema.pop("description", "") or inspect.getdoc(model) or ""
        return cls(name=name or _snake(model.__name__), description=description, parameters=schema)

    @classmethod
    def from_function(cls, function: Callable[..., Any], *, name: str | None = None) -> Tool:
        """A tool from a typed function: parameters from its annotations, described by the
        docstring's Args/Parameters section (Google, NumPy or reST style); the description is
        the rest of the docstring (its short and long description)."""
        description, parameter_descriptions = _described(function)
        schema: dict[str, Any] = arguments_model(function).model_json_schema()
        schema.pop("title", None)
        for parameter, prop in schema.get("properties", {}).items():
            prop.pop("title", None)
            described = parameter_descriptions.get(parameter)
            if described and "description" not in prop:
                prop["description"] = described
        return cls(name=name or function.__name__, description=description, parameters=schema)


def arguments_model(function: Callable[..., Any]) -> type[BaseModel]:
    """A pydantic model of the function's parameters: the tool's schema, and what validates and
    coerces the arguments a model sends before the function is called."""
    from pydantic import create_model

    try:
        # String annotations (``from __future__ import annotations``) resolved in the function's
        # module, so the schema sees the real types.
        signature = inspect.signature(function, eval_str=True)
    except NameError as error:
        raise ConfigurationError(
            f"tool {function.__name__!r}: an annotation names something its module does not "
            f"define ({error})"
        ) from None
    fields: dict[str, Any] = {}
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise ConfigurationError(
                f"tool {function.__name__!r}: *args/**kwargs cannot be described as a schema"
            )
        if parameter.annotation is inspect.Parameter.empty:
            raise ConfigurationError(
                f"tool {function.__name__!r}: parameter {parameter.name!r} needs a type annotation"
            )
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        fields[parameter.name] = (parameter.annotation, default)
    model: type[BaseModel] = create_model(f"{function.__name__}_arguments", **fields)
    return model


def _described(function: Callable[..., Any]) -> tuple[str, dict[str, str]]:
    """The docstring's description (without its sections) and each parameter's description."""
    text = inspect.getdoc(function)
    if not text:
        return "", {}
    from docstring_parser import ParseError, parse

    try:
        docstring = parse(text)
    except ParseError:  # not one of the styles: the whole text describes the tool
        return text, {}
    description = "\n\n".join(
        part for part in (docstring.short_description, docstring.long_description) if part
    )
    return description, {
        param.arg_name: param.description for param in docstring.params if param.description
    }


ToolLike = Tool | dict[str, Any] | type | Callable[..., Any]


def as_tool(value: ToolLike) -> Tool:
    """A Tool from a Tool, a name/description/parameters dict, a model or a function."""
    if isinstance(value, Tool):
        return value
    if isinstance(value, dict):
        if "name" not in value:
            raise ConfigurationError(f"tool dict without a 'name': {sorted(value)}")
        unknown = set(value) - {"name", "description", "parameters", "input_schema", "strict"}
        if unknown:
            raise ConfigurationError(
                f"tool {value['name']!r}: unknown keys {sorted(unknown)}; expected name, "
                "description, parameters, strict (hosted tools go in the provider options)"
            )
        parameters = value.get("parameters", value.get("input_schema"))
        return Tool(
            name=value["name"],
            description=value.get("description", ""),
            parameters=parameters
            if parameters is not None
            else {"type": "object", "properties": {}},
            strict=value.get("strict"),
        )
    if isinstance(value, type) and hasattr(value, "model_json_schema"):
        return Tool.from_model(value)
    if callable(value):
        return Tool.from_function(value)
    raise ConfigurationError(f"not a tool definition: {value!r}")


def _snake(name: str) -> str:
    out: list[str] = []
    for index, char in enumerate(name):
        if char.isupper() and index and not name[index - 1].isupper():
            out.append("_")
        out.append(char.lower())
    return "".join(out)
