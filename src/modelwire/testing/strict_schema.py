"""OpenAI's strict structured-output rules, checked the way the service checks them.

A ``json_schema`` format with ``strict: true`` (Responses ``text.format``, Chat
``response_format.json_schema``) is refused with a 400 before any answer when the schema breaks a
rule of strict mode: the root is not an object, an object is not closed
(``additionalProperties: false``), a property is missing from ``required``, or a keyword strict
mode does not take is used. The messages follow the service's (``In context=(...), ...``), so
a client's error handling meets the same text it meets in production.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Keywords the service refuses in a strict schema.
_NOT_PERMITTED = ("default", "oneOf", "patternProperties", "propertyNames", "prefixItems", "not")


def strict_schema_problem(name: str, schema: Any) -> str | None:
    """The service's message for the first strict-mode rule ``schema`` breaks; None if none."""
    prefix = f"Invalid schema for response_format '{name}': "
    if not isinstance(schema, Mapping) or schema.get("type") != "object":
        kind = schema.get("type") if isinstance(schema, Mapping) else None
        return prefix + (
            f"schema must be a JSON Schema of 'type: \"object\"', got 'type: \"{kind}\"'."
        )
    problem = _problem(schema, ())
    return prefix + problem if problem is not None else None


def _problem(node: Any, context: tuple[str, ...]) -> str | None:
    if not isinstance(node, Mapping):
        return None
    for keyword in _NOT_PERMITTED:
        if keyword in node:
            return f"In context={context!r}, '{keyword}' is not permitted."
    for defs_key in ("$defs", "definitions"):
        defs = node.get(defs_key)
        if isinstance(defs, Mapping):
            for name, definition in defs.items():
                found = _problem(definition, (*context, defs_key, str(name)))
                if found is not None:
                    return found
    properties = node.get("properties")
    if node.get("type") == "object" or isinstance(properties, Mapping):
        if node.get("additionalProperties") is not False:
            return (
                f"In context={context!r}, 'additionalProperties' is required to be supplied "
                "and to be false."
            )
        properties = properties if isinstance(properties, Mapping) else {}
        required = node.get("required")
        listed = set(required) if isinstance(required, list) else set()
        missing = [str(key) for key in properties if key not in listed]
        if missing:
            return (
                f"In context={context!r}, 'required' is required to be supplied and to be an "
                f"array including every key in properties. Missing '{missing[0]}'."
            )
        for key, sub in properties.items():
            found = _problem(sub, (*context, "properties", str(key)))
            if found is not None:
                return found
    items = node.get("items")
    if isinstance(items, Mapping):
        found = _problem(items, (*context, "items"))
        if found is not None:
            return found
    for key in ("anyOf", "allOf"):
        branches = node.get(key)
        if isinstance(branches, list):
            for index, branch in enumerate(branches):
                found = _problem(branch, (*context, key, str(index)))
                if found is not None:
                    return found
    return None
