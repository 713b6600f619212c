"""Run the corpus checks outside pytest and write FAILURES.md: every failing record, grouped by
cause (the check, the exception, the mapper or model at fault, a fragment of the payload).

    python -m tests.corpus.report            # writes tests/corpus/FAILURES.md
"""

from __future__ import annotations

import re
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import test_corpus as checks
from .harvest import Record, figures

REPORT = Path(__file__).with_name("FAILURES.md")
_SRC = re.compile(r"(src|generated)/modelwire/(.+\.py)$")
_VOLATILE = re.compile(r"\b\d+\b|'[^']{24,}'|\"[^\"]{24,}\"")


@dataclass
class Cause:
    check: str
    exception: str
    message: str
    where: str
    fragment: str
    test_ids: list[str] = field(default_factory=list)
    record_ids: set[str] = field(default_factory=set)

    @property
    def shape(self) -> str:
        """What the payload carries that the model refused, without the model's name."""
        shape = self.message.split(": ", 1)[1] if self.exception == "ValidationError" else ""
        return shape.split(" does not match")[0] or f"{self.exception}: {self.message}"


def _where(error: BaseException) -> str:
    """The innermost frame in modelwire's own code and the generated model that refused, if any."""
    model = ""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ValidationError):
            model = f"generated model {cause.title}"
        cause = cause.__cause__
    frame_name = ""
    for frame in traceback.extract_tb(error.__traceback__):
        match = _SRC.search(frame.filename.replace("\\", "/"))
        if match:
            frame_name = f"{match.group(1)}/modelwire/{match.group(2)}:{frame.name}"
    if frame_name and model:
        return f"{frame_name} -> {model}"
    return frame_name or model or "what modelwire collected (compared with tests/corpus/reading.py)"


def _describe(error: BaseException) -> tuple[str, str, str]:
    """(exception, message to group by, payload fragment)."""
    cause: BaseException = error
    while not isinstance(cause, ValidationError) and cause.__cause__ is not None:
        cause = cause.__cause__
    if isinstance(cause, ValidationError):
        first = cause.errors()[0]
        loc = ".".join("[]" if isinstance(p, int) else str(p) for p in first["loc"])
        fragment = repr(first.get("input"))[:160]
        message = f"{cause.title}: {first['type']} at {loc}: {first['msg']}"
        return type(error).__name__, message, fragment
    text = str(error).splitlines()[0] if str(error) else ""
    return type(error).__name__, _VOLATILE.sub("…", text)[:200], text[:160]


def _cases() -> list[tuple[str, str, str, Callable[[], Any]]]:
    cases: list[tuple[str, str, str, Callable[[], Any]]] = []

    def add(test: Callable[..., Any], record: Record, *args: str) -> None:
        name = test.__name__
        suffix = "".join(f"-{a}" for a in args)
        cases.append((name, f"{name}[{record.id}{suffix}]", record.id, lambda: test(record, *args)))

    for record in checks.STREAMS:
        for chunking in ("whole", "random-cuts", "small-pieces"):
            add(checks.test_stream_decodes_and_collects, record, chunking)
        add(checks.test_native_never_raises_on_server_events, record)
        add(checks.test_every_stream_payload_validates, record)
        add(checks.test_collected_answer_matches_the_payloads, record)
    for record in checks.BODIES:
        for check in checks.BODY_CHECKS:
            add(checks.test_json_body, record, check)
    return cases


def main() -> int:
    causes: dict[tuple[str, str, str, str], Cause] = {}
    cases = _cases()
    per_check: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for check, test_id, record_id, run in cases:
        per_check[check][0] += 1
        try:
            run()
        except Exception as error:
            per_check[check][1] += 1
            exception, message, fragment = _describe(error)
            key = (check, exception, message, _where(error))
            cause = causes.setdefault(key, Cause(check, exception, message, key[3], fragment))
            cause.test_ids.append(test_id)
            cause.record_ids.add(record_id)
    REPORT.write_text(_render(causes, per_check, len(cases)), encoding="utf-8")
    failed = sum(len(c.test_ids) for c in causes.values())
    print(f"{len(cases) - failed} passed, {failed} failed; {len(causes)} causes in {REPORT.name}")
    return 0


def _vendors(record_ids: set[str]) -> str:
    """Which API and vendor the records come from, e.g. "chat/mistral 19"."""
    by_id = {record.id: record for record in checks.RECORDS}
    counts = Counter(f"{by_id[i].api}/{by_id[i].vendor}" for i in record_ids)
    return ", ".join(f"{name} {count}" for name, count in counts.most_common())


def _render(
    causes: dict[tuple[str, str, str, str], Cause], per_check: dict[str, list[int]], total: int
) -> str:
    records = checks.RECORDS
    streams = len(checks.STREAMS)
    failed = sum(len(c.test_ids) for c in causes.values())
    lines = [
        "# Corpus failures on today's code",
        "",
        "Written by `python -m tests.corpus.report` (the same checks as `test_corpus.py`, run",
        "outside pytest). Records: "
        f"{len(records)} ({streams} streams, {len(records) - streams} JSON bodies); "
        f"checks: {total}, failing: {failed}.",
        "",
        "| check | run | failing |",
        "|---|---|---|",
        *(f"| `{name}` | {run} | {bad} |" for name, (run, bad) in sorted(per_check.items())),
        "",
        "## The corpus",
        "",
        "```",
        figures(records),
        "```",
        "",
        "## By what the payload carries",
        "",
        "| refused shape (or failed comparison) | checks failing | records |",
        "|---|---|---|",
    ]
    shapes: dict[str, tuple[int, set[str]]] = {}
    for cause in causes.values():
        count, ids = shapes.get(cause.shape, (0, set()))
        shapes[cause.shape] = (count + len(cause.test_ids), ids | cause.record_ids)
    for shape, (count, ids) in sorted(shapes.items(), key=lambda item: -item[1][0]):
        lines.append(f"| `{shape}` | {count} | {len(ids)} ({_vendors(ids)}) |")
    lines += ["", "## Causes, most frequent first", ""]
    ordered = sorted(causes.values(), key=lambda c: (-len(c.test_ids), c.check, c.message))
    for number, cause in enumerate(ordered, 1):
        lines += [
            f"### {number}. `{cause.check}`: {cause.exception} ({len(cause.test_ids)})",
            "",
            f"- message: `{cause.message}`",
            f"- where: `{cause.where}`",
            f"- records: {len(cause.record_ids)} ({_vendors(cause.record_ids)})",
            f"- payload fragment (first case): `{cause.fragment}`",
            "- test ids:",
            "",
            *(f"  - `{test_id}`" for test_id in cause.test_ids),
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
