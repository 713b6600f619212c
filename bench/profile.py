"""Where decode + collect and decode_body spend their time: ``python -m bench.profile [STREAM...]``.

STREAM is ``api/kind`` (``chat/text``, ``messages/tools``, ...) or ``body:api/size``
(``body:chat/small``); with none, every bench stream and the Chat bodies. Prints the cProfile
top functions by their own time (tottime), per event or per body.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import sys

from modelwire.bodies import decode_body

from . import bodies, measure, streams

TOP = 14


def profile_stream(api: str, kind: str, n: int = 20_000) -> None:
    chunks = streams.chunks(streams.BODIES[api][kind](n))
    events = streams.count_events(b"".join(chunks))
    measure.modelwire_collect(api, chunks)  # warm up
    profiler = cProfile.Profile()
    profiler.enable()
    measure.modelwire_collect(api, chunks)
    profiler.disable()
    _print(profiler, f"{api}/{kind}: decode + collect, {events} events", events, "event")


def profile_body(api: str, size: str) -> None:
    paragraphs, calls = next((p, c) for label, p, c in bodies.SIZES if label == size)
    body = json.dumps(bodies.BODIES[api](paragraphs, calls)).encode()
    repeats = 2000 if size == "small" else 20
    decode_body(api, body)  # type: ignore[arg-type]
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeats):
        decode_body(api, body)  # type: ignore[arg-type]
    profiler.disable()
    _print(profiler, f"body {api}/{size}: decode_body, {len(body):,} bytes", repeats, "body")


def _print(profiler: cProfile.Profile, title: str, per: int, unit: str) -> None:
    stats = pstats.Stats(profiler)
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)  # type: ignore[attr-defined]
    total = sum(row[1][2] for row in rows)
    print(f"\n## {title}: {total / per * 1e6:.2f} µs/{unit} under cProfile\n")
    print(f"| function | calls/{unit} | own µs/{unit} | share |")
    print("|---|---|---|---|")
    for (path, line, name), (_, calls, own, _, _) in rows[:TOP]:
        where = path.split("/src/", 1)[-1] if "/src/" in path else path.rsplit("/", 1)[-1]
        print(
            f"| {where}:{line} {name} | {calls / per:.2f} | {own / per * 1e6:.3f} "
            f"| {own / total:.0%} |"
        )


def main(targets: list[str]) -> None:
    if not targets:
        targets = [f"{api}/{kind}" for api, kinds in streams.BODIES.items() for kind in kinds]
        targets += ["body:chat/small", "body:chat/large"]
    for target in targets:
        if target.startswith("body:"):
            api, size = target[5:].split("/")
            profile_body(api, size)
        else:
            api, kind = target.split("/")
            profile_stream(api, kind)


if __name__ == "__main__":
    main(sys.argv[1:])
