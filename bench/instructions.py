"""Instructions per event by callgrind: ``python -m bench.instructions [--tree SRC] [STREAM...]``.

Wall-clock timings on a shared machine move by more than the changes being measured; instruction
counts do not. For each stream (``api/kind``, default: every bench stream) this runs, under
``valgrind --tool=callgrind``, one fresh interpreter per measured loop and length: it reads a body
of N deltas written beforehand (so building the body is not counted), runs the loop once, exits.
Instructions per event = (count at 3,000 deltas - count at 1,000) / (events difference): start-up,
imports and fixed costs cancel. ``PYTHONHASHSEED=0`` and gc off make repeats of one tree agree.

Loops: ``modelwire`` (``collect(decode(...))``), ``bare`` (split + json.loads), ``floor``
(split + orjson.loads).

``body:api/size`` (``body:chat/large``) counts the non-streaming path instead: ``decode_body``
against the SDK's default parse (``bench.bodies``), instructions per body = (count at 10 calls -
count at 2) / 8, gc on and both SDKs imported, as in the bench process; its ratio is SDK ÷
modelwire.

``--tree SRC`` measures modelwire from another source tree (for example
``git archive main src | tar -x -C /tmp/main``, then ``--tree /tmp/main/src``), side by side with
the same bench code. Needs valgrind; prints one row per stream.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from . import streams

SHORT, LONG = 1_000, 3_000

_CHILD = """
import gc, sys
from bench import measure, streams
loop, api, path = sys.argv[1:4]
chunks = streams.chunks(open(path, "rb").read())
work = {"modelwire": lambda: measure.modelwire_collect(api, chunks),
        "bare": lambda: measure.bare_loop(chunks),
        "floor": lambda: measure.orjson_loop(chunks)}[loop]
gc.disable()
work()
"""

_BODY_CHILD = """
import json, sys
import anthropic, openai
from bench import bodies
from modelwire.bodies import decode_body
side, api, size, calls = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
paragraphs, tools = next((p, c) for label, p, c in bodies.SIZES if label == size)
body = json.dumps(bodies.BODIES[api](paragraphs, tools)).encode()
sdk = bodies._sdk_parsers(api, body)
work = (lambda: decode_body(api, body)) if side == "modelwire" else sdk[side]
for _ in range(calls):
    work()
"""
BODY_CALLS = (2, 10)

_COLLECTED = re.compile(rb"Collected : (\d+)")


def count(*args: str, tree: str | None, child: str = _CHILD) -> int:
    """Instructions of one interpreter running ``child`` with ``args``."""
    root = Path(__file__).resolve().parent.parent
    paths = [str(root)] + ([tree] if tree else [str(root / "src")])
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": os.pathsep.join(paths)}
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, "-c", child, *args,
    ]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, check=True)
    found = _COLLECTED.search(result.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count from callgrind: {result.stderr[-500:]!r}")
    return int(found.group(1))


def per_event(loop: str, api: str, kind: str, tree: str | None, scratch: Path) -> float:
    counts = []
    events = []
    for n in (SHORT, LONG):
        body = streams.BODIES[api][kind](n)
        path = scratch / f"{api}-{kind}-{n}.sse"
        path.write_bytes(body)
        events.append(streams.count_events(body))
        counts.append(count(loop, api, str(path), tree=tree))
    return (counts[1] - counts[0]) / (events[1] - events[0])


def per_body(side: str, api: str, size: str, tree: str | None) -> float:
    low, high = (
        count(side, api, size, str(calls), tree=tree, child=_BODY_CHILD) for calls in BODY_CALLS
    )
    return (high - low) / (BODY_CALLS[1] - BODY_CALLS[0])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions")
    parser.add_argument("streams", nargs="*", help="api/kind, e.g. chat/text (default: all)")
    parser.add_argument("--tree", help="the src directory of another modelwire tree")
    parser.add_argument("--loops", default="modelwire,bare", help="comma-separated loops")
    args = parser.parse_args(argv)
    names = args.streams or [
        f"{api}/{kind}" for api in streams.BODIES for kind in streams.BODIES[api]
    ]
    loops = args.loops.split(",")
    print("| stream | " + " | ".join(f"{loop} instr/event" for loop in loops) + " | ratio |")
    print("|---" * (len(loops) + 2) + "|")
    with tempfile.TemporaryDirectory() as scratch:
        for name in names:
            if name.startswith("body:"):
                api, size = name[5:].split("/")
                sides = ["modelwire", "default"]
                figures = [per_body(side, api, size, args.tree) for side in sides]
            else:
                api, kind = name.split("/")
                figures = [per_event(loop, api, kind, args.tree, Path(scratch)) for loop in loops]
            if name.startswith("body:"):
                ratio = f"{figures[1] / figures[0]:.2f}"
            else:
                ratio = f"{figures[0] / figures[1]:.3f}" if len(figures) > 1 else "—"
            cells = " | ".join(f"{value:,.0f}" for value in figures)
            print(f"| {name} | {cells} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
