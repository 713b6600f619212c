"""Everything the pinned SDKs know is in our schemas: union members, literal values, request fields.

The installed ``openai`` and ``anthropic`` packages are the pinned ones (schemas/upstream.lock,
pyproject's dev dependencies). Each check below reads one SDK union, literal or request type by
plain introspection (independently of the derivation in codegen/) and fails on a member, value
or field our schema lacks, unless schemas/known-gaps.yaml lists it with a reason.
"""

from __future__ import annotations

import importlib
import types
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typing_extensions
import yaml
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
UNION = "x-modelwire-union"


@dataclass(frozen=True)
class UnionCheck:
    category: str
    sdk: str  # module:Name of the SDK's union alias
    api: str
    ours: str  # our union: a schema name, or Schema.field (the union that field holds)


@dataclass(frozen=True)
class LiteralCheck:
    category: str
    sdk: str  # module:Name of a Literal alias, or module:Class.field
    api: str
    ours: str  # Schema.field


R, C, M = "responses", "chat", "messages"
OR, OC = "openai.types.responses", "openai.types.chat"
AT, AB = "anthropic.types", "anthropic.types.beta"

UNIONS = [
    UnionCheck("stream events", f"{OR}:ResponseStreamEvent", R, "ResponseStreamEvent"),
    UnionCheck("output items", f"{OR}:ResponseOutputItem", R, "OutputItem"),
    UnionCheck("input items", f"{OR}:ResponseInputItemParam", R, "InputItem"),
    UnionCheck("tools", f"{OR}:ToolParam", R, "ToolParam"),
    UnionCheck("tools", f"{OR}:Tool", R, "Tool"),
    UnionCheck("content blocks", f"{OR}:ResponseInputContentParam", R, "ResponseInputContentParam"),
    UnionCheck("content blocks", f"{OR}:ResponseInputContent", R, "ResponseInputContent"),
    UnionCheck(
        "content blocks", f"{OR}.response_output_message:Content", R, "ResponseOutputMessageContent"
    ),
    UnionCheck("stream events", f"{AB}:BetaRawMessageStreamEvent", M, "MessageStreamEvent"),
    UnionCheck("stream events", f"{AT}:RawMessageStreamEvent", M, "MessageStreamEvent"),
    UnionCheck("content blocks", f"{AB}:BetaContentBlock", M, "ContentBlock"),
    UnionCheck("content blocks", f"{AT}:ContentBlock", M, "ContentBlock"),
    UnionCheck("content blocks", f"{AB}:BetaContentBlockParam", M, "ContentBlockParam"),
    UnionCheck("content blocks", f"{AT}:ContentBlockParam", M, "ContentBlockParam"),
    UnionCheck("deltas", f"{AB}:BetaRawContentBlockDelta", M, "ContentBlockDelta"),
    UnionCheck("deltas", f"{AT}:RawContentBlockDelta", M, "ContentBlockDelta"),
    UnionCheck("tools", f"{AB}:BetaToolUnionParam", M, "ToolUnionParam"),
    UnionCheck("tools", f"{AT}:ToolUnionParam", M, "ToolUnionParam"),
    UnionCheck("error types", f"{AT}:BetaErrorObject", M, "ErrorObject"),
    UnionCheck("error types", f"{AT}.shared:ErrorObject", M, "ErrorObject"),
    UnionCheck(
        "input items", f"{OC}:ChatCompletionMessageParam", C, "CreateChatCompletionRequest.messages"
    ),
    UnionCheck(
        "content blocks",
        f"{OC}:ChatCompletionContentPartParam",
        C,
        "ChatCompletionContentPartParam",
    ),
    UnionCheck("tools", f"{OC}:ChatCompletionToolUnionParam", C, "ChatCompletionToolUnionParam"),
    UnionCheck(
        "output items",
        f"{OC}:ChatCompletionMessageToolCallUnion",
        C,
        "ChatCompletionMessageToolCallUnion",
    ),
    UnionCheck(
        "input items",
        f"{OC}:ChatCompletionMessageToolCallUnionParam",
        C,
        "ChatCompletionMessageToolCallUnionParam",
    ),
]

LITERALS = [
    LiteralCheck("stop reasons", f"{AB}:BetaStopReason", M, "Message.stop_reason"),
    LiteralCheck("stop reasons", f"{AT}:StopReason", M, "Message.stop_reason"),
    LiteralCheck("stop reasons", f"{OR}:Response.status", R, "Response.status"),
    LiteralCheck(
        "stop reasons", f"{OR}.response:IncompleteDetails.reason", R, "IncompleteDetails.reason"
    ),
    LiteralCheck("error types", f"{OR}:ResponseError.code", R, "ResponseError.code"),
    LiteralCheck(
        "finish reasons",
        f"{OC}.chat_completion:Choice.finish_reason",
        C,
        "ChatCompletionChoice.finish_reason",
    ),
    LiteralCheck(
        "finish reasons",
        f"{OC}.chat_completion_chunk:Choice.finish_reason",
        C,
        "ChatCompletionChunkChoice.finish_reason",
    ),
]

STREAMING = ("Streaming", "NonStreaming")
REQUESTS = [
    (R, [f"{OR}.response_create_params:ResponseCreateParams{kind}" for kind in STREAMING]),
    (C, [f"{OC}.completion_create_params:CompletionCreateParams{kind}" for kind in STREAMING]),
    (M, [f"{AB}.message_create_params:MessageCreateParams{kind}" for kind in STREAMING]),
    (M, [f"{AT}.message_create_params:MessageCreateParams{kind}" for kind in STREAMING]),
]


# -- the SDK side -----------------------------------------------------------------------------
def resolve(dotted: str) -> Any:
    module, _, name = dotted.partition(":")
    owner, _, field = name.partition(".")
    value = getattr(importlib.import_module(module), owner)
    if field:
        return field_annotation(value, field)
    return value


def field_annotation(cls: type, field: str) -> Any:
    if issubclass(cls, BaseModel):
        return cls.model_fields[field].annotation
    return typing_extensions.get_type_hints(cls)[field]


def strip(tp: Any) -> Any:
    while typing_extensions.get_origin(tp) is typing_extensions.Annotated:
        tp = tp.__origin__
    return tp


def members(tp: Any) -> list[Any]:
    """The classes of a (nested) union."""
    tp = strip(tp)
    if typing_extensions.get_origin(tp) in (typing.Union, types.UnionType):
        found: list[Any] = []
        for arg in typing_extensions.get_args(tp):
            found.extend(members(arg))
        return found
    return [] if tp is type(None) else [tp]


def literals(tp: Any) -> set[str]:
    values: set[str] = set()
    for member in members(tp):
        if typing_extensions.get_origin(member) in (typing.Literal, typing_extensions.Literal):
            values.update(str(v) for v in typing_extensions.get_args(member))
    return values


def discriminator_of(classes: list[type]) -> str:
    common = None
    for cls in classes:
        fields = {name for name in field_names(cls) if literals(field_annotation(cls, name))}
        common = fields if common is None else common & fields
    assert common, f"no common literal field in {classes}"
    return "type" if "type" in common else sorted(common)[0]


def field_names(cls: type) -> list[str]:
    if issubclass(cls, BaseModel):
        return list(cls.model_fields)
    return list(typing_extensions.get_type_hints(cls))


def sdk_tags(dotted: str) -> set[str]:
    classes = [m for m in members(resolve(dotted)) if isinstance(m, type)]
    field = discriminator_of(classes)
    tags: set[str] = set()
    for cls in classes:
        tags |= literals(field_annotation(cls, field))
    return tags


# -- our side ---------------------------------------------------------------------------------
@cache
def document(api: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((SCHEMAS / f"{api}.yaml").read_text("utf-8"))
    return loaded


def schemas(api: str) -> dict[str, Any]:
    found: dict[str, Any] = document(api)["components"]["schemas"]
    return found


def refs(schema: Any) -> list[str]:
    """Every component a schema points at, through arrays and unions (not into components)."""
    if not isinstance(schema, dict):
        return []
    found = [schema["$ref"].rsplit("/", 1)[-1]] if "$ref" in schema else []
    for option in schema.get("anyOf", ()):
        found.extend(refs(option))
    found.extend(refs(schema.get("items")))
    return found


def our_union(api: str, locator: str) -> dict[str, Any]:
    name, _, field = locator.partition(".")
    if field:
        prop = schemas(api)[name]["properties"][field]
        name = next(n for n in refs(prop) if UNION in schemas(api)[n])
    union: dict[str, Any] = schemas(api)[name][UNION]
    return union


def our_values(api: str, locator: str) -> set[str]:
    name, _, field = locator.partition(".")

    def collect(schema: dict[str, Any]) -> set[str]:
        values = {str(v) for v in schema.get("enum", ()) if v is not None}
        if "const" in schema:
            values.add(str(schema["const"]))
        for option in schema.get("anyOf", ()):
            values |= collect(option)
        return values

    return collect(schemas(api)[name]["properties"][field])


@cache
def known_gaps() -> dict[tuple[str, str, str], str]:
    entries = yaml.safe_load((SCHEMAS / "known-gaps.yaml").read_text("utf-8")) or []
    gaps = {}
    for entry in entries:
        assert entry.get("reason"), f"a known gap needs a reason: {entry}"
        gaps[(entry["api"], entry["check"], entry["value"])] = entry["reason"]
    return gaps


def unexplained(api: str, check: str, missing: set[str]) -> list[str]:
    return sorted(v for v in missing if (api, check, v) not in known_gaps())


# -- the checks -------------------------------------------------------------------------------
@pytest.mark.parametrize("check", UNIONS, ids=lambda c: f"{c.api}-{c.sdk.split(':')[1]}")
def test_every_union_member_of_the_sdk_is_in_our_schema(check: UnionCheck) -> None:
    union = our_union(check.api, check.ours)
    missing = sdk_tags(check.sdk) - set(union["tags"])
    assert unexplained(check.api, check.ours, missing) == []


@pytest.mark.parametrize("check", UNIONS, ids=lambda c: f"{c.api}-{c.sdk.split(':')[1]}")
def test_every_union_has_its_generated_alias_and_response_unions_a_fallback(
    check: UnionCheck,
) -> None:
    module = importlib.import_module(f"modelwire.native.{check.api}")
    name, _, field = check.ours.partition(".")
    if field:
        name = next(n for n in refs(schemas(check.api)[name]["properties"][field]))
    assert hasattr(module, name)
    union = our_union(check.api, check.ours)
    if schemas(check.api)[name].get("x-modelwire-side") == "response":
        assert hasattr(module, union["fallback"])
    else:
        assert "fallback" not in union


@pytest.mark.parametrize("check", LITERALS, ids=lambda c: f"{c.api}-{c.sdk.split(':')[1]}")
def test_every_literal_value_of_the_sdk_is_in_our_schema(check: LiteralCheck) -> None:
    expected = literals(resolve(check.sdk))
    assert expected, f"{check.sdk} has no literal values"
    missing = expected - our_values(check.api, check.ours)
    assert unexplained(check.api, check.ours, missing) == []


@pytest.mark.parametrize(("api", "sdk_types"), REQUESTS, ids=lambda v: str(v)[:40])
def test_every_request_field_of_the_sdk_is_in_our_request_schema(
    api: str, sdk_types: list[str]
) -> None:
    request = document(api)["x-modelwire"]["request"]
    ours = set(schemas(api)[request]["properties"])
    theirs = {name for dotted in sdk_types for name in field_names(resolve(dotted))}
    assert unexplained(api, "request fields", theirs - ours) == []


def test_every_known_gap_is_still_a_gap() -> None:
    """A gap that closed leaves the list, so the list stays short and true."""
    checks = {(c.api, c.ours): c for c in UNIONS} | {(c.api, c.ours): c for c in LITERALS}
    for api, check, value in known_gaps():
        if check == "request fields":
            request = document(api)["x-modelwire"]["request"]
            assert value not in schemas(api)[request]["properties"], (api, check, value)
        elif isinstance(checks.get((api, check)), UnionCheck):
            assert value not in our_union(api, check)["tags"], (api, check, value)
        else:
            assert value not in our_values(api, check), (api, check, value)


def coverage() -> list[tuple[str, str, int, int, int]]:
    """(api, category, upstream members, our members, upstream members we have) per category."""
    rows: dict[tuple[str, str], tuple[set[str], set[str]]] = {}
    for check in UNIONS:
        theirs, ours = rows.setdefault((check.api, check.category), (set(), set()))
        prefix = check.ours + ":"
        theirs.update(prefix + tag for tag in sdk_tags(check.sdk))
        ours.update(prefix + tag for tag in our_union(check.api, check.ours)["tags"])
    return [
        (api, category, len(theirs), len(ours), len(theirs & ours))
        for (api, category), (theirs, ours) in sorted(rows.items())
    ]


def test_the_coverage_table_has_no_shortfall() -> None:
    for api, category, upstream, _ours, covered in coverage():
        assert covered == upstream, (api, category)


if __name__ == "__main__":
    for row in coverage():
        print("| {} | {} | {} | {} | {} |".format(*row))
