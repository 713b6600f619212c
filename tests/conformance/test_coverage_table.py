"""The coverage table (tests/conformance/coverage.py) has every category of issue 13 and no
shortfall: what the pinned SDKs know is covered, or listed in schemas/known-gaps.yaml."""

from __future__ import annotations

from .coverage import rows, table


def test_the_table_has_every_category_the_issue_names() -> None:
    categories = {row.category for row in rows()}
    assert categories >= {
        "stream events",
        "output items",
        "input items",
        "tools",
        "content blocks",
        "deltas",
        "stop reasons",
        "error types",
    }
    assert {row.package for row in rows()} == {"openai", "anthropic"}


def test_every_upstream_member_is_covered_or_a_known_gap() -> None:
    for row in rows():
        assert row.covered + row.known_gaps == row.upstream, row


def test_the_table_prints_one_line_per_row() -> None:
    assert len(table().splitlines()) == len(rows()) + 2
