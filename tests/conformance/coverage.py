"""The coverage table of issue 13: per SDK and category, how many members the pinned SDK knows,
how many our schemas have, and how many of the SDK's we cover (and the known gaps that explain
any difference). It reads the same unions, literals and request types as test_sdk_coverage.py.

    python -m tests.conformance.coverage        # prints a Markdown table
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

from . import test_sdk_coverage as sdk

#: The order the categories are shown in (the issue's list).
CATEGORIES = (
    "stream events",
    "output items",
    "input items",
    "tools",
    "content blocks",
    "deltas",
    "stop reasons",
    "finish reasons",
    "error types",
    "request fields",
)
PACKAGE_OF_API = {"responses": "openai", "chat": "openai", "messages": "anthropic"}


@dataclass(frozen=True)
class Row:
    package: str
    api: str
    category: str
    upstream: int
    ours: int
    covered: int
    known_gaps: int


def rows() -> list[Row]:
    """One row per (API, category): the distinct tags, values or field names of the category (a
    Responses tool is counted once though the SDK has a request and a response tool union)."""
    theirs: dict[tuple[str, str], set[str]] = {}
    ours: dict[tuple[str, str], set[str]] = {}
    checks_of: dict[tuple[str, str], set[str]] = {}

    def add(api: str, category: str, check: str, upstream: set[str], mine: set[str]) -> None:
        theirs.setdefault((api, category), set()).update(upstream)
        ours.setdefault((api, category), set()).update(mine)
        checks_of.setdefault((api, category), set()).add(check)

    for union in sdk.UNIONS:
        tags = set(sdk.our_union(union.api, union.ours)["tags"])
        add(union.api, union.category, union.ours, sdk.sdk_tags(union.sdk), tags)
    for literal in sdk.LITERALS:
        values = sdk.our_values(literal.api, literal.ours)
        upstream = sdk.literals(sdk.resolve(literal.sdk))
        add(literal.api, literal.category, literal.ours, upstream, values)
    for api, sdk_types in sdk.REQUESTS:
        request = sdk.document(api)["x-modelwire"]["request"]
        mine = set(sdk.schemas(api)[request]["properties"])
        upstream = {name for dotted in sdk_types for name in sdk.field_names(sdk.resolve(dotted))}
        add(api, "request fields", "request fields", upstream, mine)
    gaps = sdk.known_gaps()
    result = []
    for (api, category), upstream in theirs.items():
        mine = ours[(api, category)]
        gap_count = sum(
            1
            for (gap_api, check, _) in gaps
            if gap_api == api and check in checks_of[(api, category)]
        )
        result.append(
            Row(
                PACKAGE_OF_API[api],
                api,
                category,
                len(upstream),
                len(mine),
                len(upstream & mine),
                gap_count,
            )
        )
    order = {name: i for i, name in enumerate(CATEGORIES)}
    apis = list(PACKAGE_OF_API)
    return sorted(result, key=lambda r: (apis.index(r.api), order.get(r.category, len(order))))


def table() -> str:
    lines = [
        "| SDK | API | category | upstream | ours | upstream covered | known gaps |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows():
        version = metadata.version(row.package)
        lines.append(
            f"| {row.package} {version} | {row.api} | {row.category} | {row.upstream} | "
            f"{row.ours} | {row.covered} | {row.known_gaps} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
