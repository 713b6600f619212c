"""The spec_diff report on two small synthetic raw documents (no SDK download, no network)."""

from __future__ import annotations

from typing import Any

from .support import codegen_module

UNION = "x-modelwire-union"


def raw(version: str, schemas: dict[str, Any]) -> dict[str, Any]:
    return {"api": "responses", "package": "openai", "version": version, "schemas": schemas}


def event(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"type": "string", "const": name}, **fields},
    }


OLD = raw(
    "1.0.0",
    {
        "StreamEvent": {
            "anyOf": [{"$ref": "Delta"}, {"$ref": "Done"}],
            UNION: {"discriminator": "type", "tags": {"delta": ["Delta"], "done": ["Done"]}},
        },
        "Delta": event("delta", text={"type": "string"}),
        "Done": event("done", status={"type": "string", "enum": ["completed", "failed"]}),
        "Legacy": event("legacy"),
    },
)
NEW = raw(
    "1.1.0",
    {
        "StreamEvent": {
            "anyOf": [{"$ref": "Delta"}, {"$ref": "Done"}, {"$ref": "Thought"}],
            UNION: {
                "discriminator": "type",
                "tags": {"delta": ["Delta"], "done": ["Done"], "thought": ["Thought"]},
            },
        },
        "Delta": event("delta", text={"type": "string"}, obfuscation={"type": "string"}),
        "Done": event(
            "done",
            status={
                "anyOf": [{"type": "string", "enum": ["completed", "paused"]}, {"type": "null"}]
            },
        ),
        "Thought": event("thought"),
    },
)


def report(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    spec_diff = codegen_module("spec_diff")
    lines: list[str] = spec_diff.diff(spec_diff.catalog(old), spec_diff.catalog(new))
    return lines


def test_a_new_union_member_is_reported() -> None:
    assert "  + StreamEvent: thought" in report(OLD, NEW)


def test_a_removed_union_member_is_reported() -> None:
    assert "  - StreamEvent: thought" in report(NEW, OLD)


def test_shapes_added_and_removed_are_reported() -> None:
    lines = report(OLD, NEW)
    assert lines[lines.index("shapes added:") + 1] == "  + Thought"
    assert lines[lines.index("shapes removed:") + 1] == "  - Legacy"


def test_fields_added_are_reported_with_their_optionality() -> None:
    assert "  + Delta.obfuscation (optional)" in report(OLD, NEW)


def test_enum_values_added_and_removed_are_reported() -> None:
    lines = report(OLD, NEW)
    assert "  + Done.status = 'paused'" in lines
    assert "  - Done.status = 'failed'" in lines


def test_identical_documents_report_nothing() -> None:
    assert report(OLD, OLD) == []
