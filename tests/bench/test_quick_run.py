"""The bench harness cannot rot: its quick run executes and prints every target line of issue 18.

Nothing here is timed and no figure is checked; whether a target is met is the bench's report,
not a test result.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APIS = ("responses", "chat", "messages")
STREAM_KINDS = ("text", "tools", "reasoning")


def expected_target_lines() -> list[str]:
    lines = []
    for api in APIS:
        for kind in STREAM_KINDS:
            stream = f"{api}/{kind}"
            lines += [
                f"| {stream}: SDK raw ÷ modelwire decode+collect | ≥ 5x |",
                f"| {stream}: SDK accum ÷ modelwire decode+collect | ≥ 10x |",
                f"| {stream}: modelwire cost ÷ bare split+json.loads | ≤ 1x |",
                f"| {stream}: modelwire cost ÷ split+orjson floor | — |",
            ]
        for size in ("small", "large"):
            lines += [
                f"| body {api}/{size}: SDK parse ÷ decode_body | ≥ 3x |",
                f"| body {api}/{size}: SDK parse ÷ decode_body + arguments read | — |",
                f"| body {api}/{size}: SDK strict parse ÷ decode_body | — |",
                f"| body {api}/{size}: SDK model_validate_json ÷ decode_body | — |",
            ]
        lines += [
            f"| scaling {api}/text: µs per event 4k ÷ 1k | ≤ 1.5x |",
            f"| scaling {api}/tools: µs per fragment 4k ÷ 1k | ≤ 1.5x |",
            f"| memory {api}: peak growth ÷ answer growth, 1k→4k events | ≤ 8x |",
            f"| e2e {api}: modelwire CPU/event ÷ httpx2 alone CPU/chunk | — |",
            f"| e2e {api}: SDK CPU/event ÷ modelwire CPU/event | — |",
        ]
    return lines


@pytest.mark.slow
def test_quick_run_prints_every_target() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    table = run.stdout.split("## Targets (issue 18)", 1)
    assert len(table) == 2, run.stdout[-3000:]
    rows = [line for line in table[1].splitlines() if line.startswith("| ")]
    for expected in expected_target_lines():
        matching = [row for row in rows if row.startswith(expected)]
        assert matching, f"target line missing: {expected}"
        assert matching[0].rstrip().endswith(("| met |", "| MISSED |", "| reported |"))
    assert len(rows) == 1 + len(expected_target_lines())  # the header row, then the targets
