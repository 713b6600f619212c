"""Parsed structured output: ``output_type=City`` asks for JSON matching City's schema and gives
the answer back validated as a City.

Any type pydantic's ``TypeAdapter`` takes works (a pydantic model, a dataclass, a TypedDict, a
``list[...]``...). Its JSON schema goes out through each API's own structured-output field (the
same plumbing as ``output_schema``: Responses ``text.format``, Chat ``response_format``, Messages
``output_config.format``); the collected text is validated back into the type.

OpenAI's two APIs get the schema in strict mode (``strict: true``, the way the official openai
SDK's ``parse`` sends it), so the service holds the model to it token by token. Strict mode wants
every object closed (``additionalProperties: false``), every property required and no defaults:
:func:`strict_json_schema` rewrites pydantic's schema mechanically, making each optional field
required but nullable, and :meth:`OutputSpec.parse` drops the nulls the model had to write for
them, so pydantic's defaults apply as if the field had been left out. A type strict mode cannot
express (a free-form ``dict[str, X]``, a root that is not an object, tuples, several ``allOf``
parts) goes out as pydantic describes it with ``strict: false`` instead: the service would refuse
it as strict.

Messages has no strict switch; the anthropic SDK's rules apply instead
(:func:`messages_json_schema`): objects closed, keywords the service does not take moved into the
description.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Hashable
from dataclasses import dataclass, field
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
    #: The strict-mode form OpenAI's APIs get (None: strict mode cannot express the type).
    strict_schema: dict[str, Any] | None = None
    #: Why strict mode cannot express the type (None when it can).
    not_strict_because: str | None = None
    #: The form Messages gets (the anthropic SDK's rules).
    messages_schema: dict[str, Any] = field(default_factory=dict)

    def parse(self, response: Response[Any]) -> _T:
        """The response's text validated as the type; OutputValidationError when it is not.

        Nulls that only the strict schema allowed (an optional field the model had to fill) are
        dropped first, so the field takes its default."""
        from pydantic import ValidationError

        text = response.text
        if self.strict_schema is not None:
            text = _without_filled_nulls(text, self.schema)
        try:
            return self.adapter.validate_json(text)
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
    try:
        strict: dict[str, Any] | None = strict_json_schema(schema)
        not_strict_because = None
    except NotStrictError as error:
        strict, not_strict_because = None, str(error)
    return OutputSpec(
        name=name,
        schema=schema,
        adapter=adapter,
        strict_schema=strict,
        not_strict_because=not_strict_because,
        messages_schema=messages_json_schema(schema),
    )


# -- OpenAI strict mode ---------------------------------------------------------------------------


class NotStrictError(ModelwireError):
    """A JSON schema that OpenAI's strict mode cannot express; the message says where and why."""


# Keywords strict mode refuses outright, and what they usually come from.
_NOT_STRICT_KEYWORDS = {
    "patternProperties": "an object with pattern-named properties",
    "propertyNames": "an object with constrained property names",
    "unevaluatedProperties": "an object with unevaluated properties",
    "prefixItems": "a tuple (prefixItems)",
    "dependentRequired": "properties that depend on each other",
    "dependentSchemas": "properties that depend on each other",
    "if": "a conditional schema (if/then/else)",
    "not": "a negated schema (not)",
}


def strict_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (as pydantic builds it) rewritten for OpenAI's strict mode (input untouched).

    Every object gets ``additionalProperties: false`` and lists every property in ``required``;
    an optional property becomes nullable (``anyOf [..., {"type": "null"}]``) unless it already
    accepts null; defaults are dropped (strict mode refuses them); ``oneOf`` (pydantic's
    discriminated unions, whose branches exclude each other) becomes ``anyOf`` without the
    ``discriminator`` mapping; a ``$ref`` with sibling keywords is inlined (strict mode takes a
    ``$ref`` only alone). NotStrictError when the type cannot be strict: an open object
    (``dict[str, X]``, ``extra="allow"``), a root that is not an object, a tuple, several ``allOf``
    parts or another keyword strict mode refuses.
    """
    root = copy.deepcopy(schema)
    ref = root.get("$ref")
    if isinstance(ref, str):  # a RootModel: {"$ref": ..., "$defs": ...}
        root.pop("$ref")
        root.update({**copy.deepcopy(_resolve(ref, root)), **root})
    if root.get("type") != "object":
        raise NotStrictError("strict mode needs an object at the root of the schema")
    result: dict[str, Any] = _strict(root, (), root, depth=0)
    if result.get("type") != "object":
        raise NotStrictError("strict mode needs an object at the root of the schema")
    return result


def _strict(node: Any, path: tuple[str, ...], root: dict[str, Any], *, depth: int) -> Any:
    if not isinstance(node, dict):
        return node
    if depth > 64:
        raise NotStrictError(f"the schema nests too deeply at {_where(path)}")
    for keyword, meaning in _NOT_STRICT_KEYWORDS.items():
        if keyword in node:
            raise NotStrictError(f"{meaning} at {_where(path)} has no strict form")
    for defs_key in ("$defs", "definitions"):
        defs = node.get(defs_key)
        if isinstance(defs, dict):
            for name, definition in defs.items():
                defs[name] = _strict(definition, (*path, defs_key, name), root, depth=depth + 1)
    ref = node.get("$ref")
    if isinstance(ref, str) and len(node) > 1:
        # Strict mode takes a $ref only alone: inline its target under the sibling keywords.
        target = _resolve(ref, root)
        merged = {**copy.deepcopy(target), **{k: v for k, v in node.items() if k != "$ref"}}
        return _strict(merged, path, root, depth=depth + 1)
    node.pop("default", None)
    node.pop("discriminator", None)
    if "oneOf" in node:
        node["anyOf"] = [*node.pop("oneOf"), *node.get("anyOf", [])]
    all_of = node.get("allOf")
    if isinstance(all_of, list):
        if len(all_of) != 1:
            raise NotStrictError(f"several allOf parts at {_where(path)} have no strict form")
        node.pop("allOf")
        merged = {**copy.deepcopy(all_of[0]), **node}
        return _strict(merged, path, root, depth=depth + 1)
    properties = node.get("properties")
    if node.get("type") == "object" or isinstance(properties, dict):
        extra = node.get("additionalProperties", False)
        if extra is not False:
            raise NotStrictError(
                f"the object at {_where(path)} takes free-form keys (a dict[str, ...] or "
                "extra='allow'); strict mode needs every key named"
            )
        node["additionalProperties"] = False
        properties = properties if isinstance(properties, dict) else {}
        required = set(node.get("required") or ())
        for key, sub in list(properties.items()):
            strict_sub = _strict(sub, (*path, "properties", key), root, depth=depth + 1)
            if key not in required and not _accepts_null(strict_sub, root):
                # The field's own words stay on the field, beside the union they now head.
                labels = {k: strict_sub.pop(k) for k in ("title", "description") if k in strict_sub}
                strict_sub = {"anyOf": [strict_sub, {"type": "null"}], **labels}
            properties[key] = strict_sub
        node["properties"] = properties
        node["required"] = list(properties)
    items = node.get("items")
    if isinstance(items, dict):
        node["items"] = _strict(items, (*path, "items"), root, depth=depth + 1)
    elif items is not None and items is not True:
        raise NotStrictError(f"the array at {_where(path)} has no strict form")
    any_of = node.get("anyOf")
    if isinstance(any_of, list):
        node["anyOf"] = [
            _strict(branch, (*path, "anyOf", str(index)), root, depth=depth + 1)
            for index, branch in enumerate(any_of)
        ]
    return node


def _where(path: tuple[str, ...]) -> str:
    return "/".join(path) or "the root"


def _resolve(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise NotStrictError(f"the reference {ref!r} points outside the schema")
    target: Any = root
    for part in ref[2:].split("/"):
        if not isinstance(target, dict) or part not in target:
            raise NotStrictError(f"the reference {ref!r} points nowhere")
        target = target[part]
    if not isinstance(target, dict):
        raise NotStrictError(f"the reference {ref!r} is not a schema")
    return target


def _accepts_null(node: Any, root: dict[str, Any], depth: int = 0) -> bool:
    if not isinstance(node, dict) or depth > 32:
        return False
    ref = node.get("$ref")
    if isinstance(ref, str):
        try:
            return _accepts_null(_resolve(ref, root), root, depth + 1)
        except NotStrictError:
            return False
    kind = node.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    if "const" in node and node["const"] is None:
        return True
    if None in (node.get("enum") or ()):
        return True
    return any(
        _accepts_null(branch, root, depth + 1)
        for key in ("anyOf", "oneOf")
        for branch in node.get(key) or ()
    )


def _without_filled_nulls(text: str, schema: dict[str, Any]) -> str:
    """``text`` without the nulls strict mode made the model write for optional fields that do
    not take null (pydantic's ``schema`` says which); unchanged when it is not JSON."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if _drop_filled_nulls(value, schema, schema, depth=0):
        return json.dumps(value)
    return text


def _drop_filled_nulls(value: Any, node: Any, root: dict[str, Any], *, depth: int) -> bool:
    """Drops them in place; whether anything was dropped."""
    if not isinstance(node, dict) or depth > 64:
        return False
    ref = node.get("$ref")
    if isinstance(ref, str):
        try:
            node = {**_resolve(ref, root), **{k: v for k, v in node.items() if k != "$ref"}}
        except NotStrictError:
            return False
    dropped = False
    all_of = node.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1:
        dropped |= _drop_filled_nulls(value, all_of[0], root, depth=depth + 1)
    if isinstance(value, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            required = set(node.get("required") or ())
            for key, sub in properties.items():
                if key not in value:
                    continue
                if value[key] is None and key not in required and not _accepts_null(sub, root):
                    del value[key]
                    dropped = True
                else:
                    dropped |= _drop_filled_nulls(value[key], sub, root, depth=depth + 1)
            return dropped
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        for element in value:
            dropped |= _drop_filled_nulls(element, node["items"], root, depth=depth + 1)
        return dropped
    branches = [*(node.get("anyOf") or ()), *(node.get("oneOf") or ())]
    branch = _matching_branch(value, branches, root)
    if branch is not None:
        dropped |= _drop_filled_nulls(value, branch, root, depth=depth + 1)
    return dropped


def _matching_branch(value: Any, branches: list[Any], root: dict[str, Any]) -> Any:
    """The union branch ``value`` most likely came from: for an object, the first object branch
    that names all its keys and whose constants (a discriminator tag) it matches."""
    for branch in branches:
        resolved = branch
        if isinstance(branch, dict) and isinstance(branch.get("$ref"), str):
            try:
                resolved = _resolve(branch["$ref"], root)
            except NotStrictError:
                continue
        if not isinstance(resolved, dict):
            continue
        if isinstance(value, list) and resolved.get("type") == "array":
            return resolved
        properties = resolved.get("properties")
        if (
            isinstance(value, dict)
            and isinstance(properties, dict)
            and set(value) <= set(properties)
        ):
            tags = {
                key: sub["const"]
                for key, sub in properties.items()
                if isinstance(sub, dict) and "const" in sub
            }
            if all(value.get(key, tag) == tag for key, tag in tags.items()):
                return resolved
    return None


# -- Messages -------------------------------------------------------------------------------------

# The string formats Messages takes (the anthropic SDK's list); others go into the description.
_MESSAGES_STRING_FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid"}
)


def messages_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` in the form Messages' structured output takes, by the anthropic SDK's rules.

    Objects get ``additionalProperties: false`` (``required`` stays as pydantic wrote it: Messages
    takes optional properties), ``oneOf`` becomes ``anyOf``, a string ``format`` outside the
    supported list, ``minItems`` above 1 and any other keyword the service does not take move into
    the description as ``{keyword: value}``, so the model may still follow them.
    """
    result: dict[str, Any] = _for_messages(copy.deepcopy(schema), depth=0)
    return result


def _for_messages(node: Any, *, depth: int) -> Any:
    if not isinstance(node, dict) or depth > 64:
        return node
    result: dict[str, Any] = {}
    rest = dict(node)
    defs = rest.pop("$defs", None)
    if isinstance(defs, dict):
        result["$defs"] = {
            name: _for_messages(definition, depth=depth + 1) for name, definition in defs.items()
        }
    ref = rest.pop("$ref", None)
    if ref is not None:
        result["$ref"] = ref
        return result
    kind = rest.pop("type", None)
    any_of = rest.pop("anyOf", None)
    one_of = rest.pop("oneOf", None)
    all_of = rest.pop("allOf", None)
    enum = rest.get("enum")
    if isinstance(enum, list) and enum and all(_is_primitive(v) for v in enum):
        result["enum"] = rest.pop("enum")
    if "const" in rest and _is_primitive(rest["const"]):
        result["const"] = rest.pop("const")
    literal = "enum" in result or "const" in result
    if literal:
        kind = None
    union = any_of if isinstance(any_of, list) else one_of
    if isinstance(union, list):
        result["anyOf"] = [_for_messages(branch, depth=depth + 1) for branch in union]
    elif isinstance(all_of, list):
        result["allOf"] = [_for_messages(part, depth=depth + 1) for part in all_of]
    elif kind is not None:
        result["type"] = kind
    for key in ("description", "title"):
        if key in rest:
            result[key] = rest.pop(key)
    if kind == "object":
        properties = rest.pop("properties", {})
        result["properties"] = {
            key: _for_messages(sub, depth=depth + 1) for key, sub in properties.items()
        }
        rest.pop("additionalProperties", None)
        result["additionalProperties"] = False
        if "required" in rest:
            result["required"] = list(rest.pop("required"))
    elif kind == "string":
        if rest.get("format") in _MESSAGES_STRING_FORMATS:
            result["format"] = rest.pop("format")
    elif kind == "array":
        if "items" in rest:
            result["items"] = _for_messages(rest.pop("items"), depth=depth + 1)
        if rest.get("minItems") in (0, 1):
            result["minItems"] = rest.pop("minItems")
    rest.pop("discriminator", None)
    if rest:
        described = ", ".join(f"{key}: {value}" for key, value in rest.items())
        before = result.get("description")
        result["description"] = (f"{before}\n\n" if before else "") + "{" + described + "}"
    return result


def _is_primitive(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)
