"""Run the benchmarks and print the figures: `nox -s bench` (or `python -m bench` in the dev env).

python -m bench                 # everything, default sizes
python -m bench --quick         # smaller streams, fewer repeats (a smoke run)
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import os
import platform
import statistics
import subprocess
import sys
import tracemalloc

from . import measure, streams

SDK_FOR = {"responses": "openai", "chat": "openai", "messages": "anthropic"}


def heading(text: str) -> None:
    print(f"\n## {text}\n")


def versions() -> str:
    names = ["modelwire", "openai", "anthropic", "httpx2", "pydantic", "orjson"]
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} (absent)")
    return ", ".join(found)


def throughput(n: int, runs: int) -> None:
    heading(
        f"Decode + map, events/s ({n} deltas per stream, "
        f"{streams.CHUNK}-byte chunks, best of {runs})"
    )
    columns = (
        "api/stream", "events", "bare loop", "modelwire", "+collect", "SDK raw", "SDK accum",
        "vs bare", "vs SDK raw", "vs SDK accum",
    )  # fmt: skip
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for api, kinds in streams.BODIES.items():
        for kind, build in kinds.items():
            body = build(n)
            chunks = streams.chunks(body)
            events = streams.count_events(body)
            sdk_client = (
                measure.openai_client(chunks)
                if SDK_FOR[api] == "openai"
                else measure.anthropic_client(chunks)
            )
            bare = measure.best_of(runs, measure.bare_loop, chunks)
            ours = measure.best_of(runs, measure.modelwire_decode, api, chunks)
            ours_collect = measure.best_of(runs, measure.modelwire_collect, api, chunks)
            raw = measure.best_of(runs, measure.sdk_raw, api, sdk_client)
            accumulate = measure.best_of(runs, measure.sdk_accumulate, api, sdk_client)

            def rate(seconds: float, events: int = events) -> str:
                return f"{events / seconds:,.0f}"

            print(
                f"| {api}/{kind} | {events} | {rate(bare)} | {rate(ours)} | {rate(ours_collect)} "
                f"| {rate(raw)} | {rate(accumulate)} | {bare / ours_collect:.2f}x "
                f"| {raw / ours_collect:.1f}x | {accumulate / ours_collect:.1f}x |"
            )
    print(
        "\nRatios compare modelwire decode+collect with each column: "
        "above 1 means modelwire is faster."
    )


def scaling(runs: int) -> None:
    heading("Scaling: per-event cost of decode + collect as streams grow (µs/event)")
    print("| api | 1k | 10k | 100k |")
    print("|---|---|---|---|")
    for api in streams.BODIES:
        cells = []
        for n in (1_000, 10_000, 100_000):
            chunks = streams.chunks(streams.BODIES[api]["text"](n))
            events = streams.count_events(b"".join(chunks))
            measure.modelwire_collect(api, chunks)  # warm up: first-call costs are not per event
            seconds = measure.best_of(runs, measure.modelwire_collect, api, chunks)
            cells.append(f"{seconds / events * 1e6:.2f}")
        print(f"| {api} | " + " | ".join(cells) + " |")
    heading("Scaling: tool-argument fragments, µs/fragment (Messages; 3 parallel calls)")
    print("| fragments | modelwire | anthropic messages.stream |")
    print("|---|---|---|")
    for n in (5_000, 20_000):
        chunks = streams.chunks(streams.messages_tools(n))
        events = streams.count_events(b"".join(chunks))
        ours = measure.best_of(runs, measure.modelwire_collect, "messages", chunks)
        client = measure.anthropic_client(chunks)
        theirs = measure.best_of(1, measure.sdk_accumulate, "messages", client)
        print(f"| {n} | {ours / events * 1e6:.2f} | {theirs / events * 1e6:.2f} |")


def memory() -> None:
    heading("Memory: tracemalloc peak while decoding (events not kept)")
    print("| api | 1k events | 100k events |")
    print("|---|---|---|")
    for api in streams.BODIES:
        cells = []
        for n in (1_000, 100_000):
            chunks = streams.chunks(streams.BODIES[api]["text"](n))
            gc.collect()
            tracemalloc.start()
            measure.modelwire_decode(api, chunks)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            cells.append(f"{peak / 1024:,.0f} KiB")
        print(f"| {api} | " + " | ".join(cells) + " |")


def import_time(repeats: int = 7) -> None:
    heading(f"Import time (fresh interpreter, median of {repeats}, minus an empty interpreter)")

    def median_of(code: str) -> float:
        times = []
        for _ in range(repeats):
            out = subprocess.run(
                [sys.executable, "-c", f"import time; t = time.perf_counter(); {code}; "
                 "print(time.perf_counter() - t)"],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            times.append(float(out.stdout))
        return statistics.median(times)

    ours = median_of("import modelwire")
    theirs = median_of("import openai")
    anthropic_time = median_of("import anthropic")
    print("| module | ms |")
    print("|---|---|")
    print(f"| modelwire | {ours * 1000:.1f} |")
    print(f"| openai | {theirs * 1000:.1f} |")
    print(f"| anthropic | {anthropic_time * 1000:.1f} |")
    print(f"\nmodelwire / openai = {ours / theirs:.2f} (target <= 0.20)")
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import modelwire"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    rows = []
    for line in out.stderr.splitlines()[1:]:
        parts = line.split("|")
        if len(parts) == 3:
            rows.append((int(parts[1].strip()), parts[2].rstrip()))
    print("\nTop cumulative imports under `import modelwire` (µs):")
    for cumulative, name in sorted(rows, reverse=True)[:8]:
        print(f"    {cumulative:>8}  {name.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description="modelwire benchmarks")
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    parser.add_argument("--only", choices=["throughput", "scaling", "memory", "import", "e2e"])
    args = parser.parse_args()
    n, runs = (2_000, 1) if args.quick else (20_000, 3)
    print("# modelwire benchmarks")
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
          f"{platform.release()}; Python {platform.python_version()}")  # fmt: skip
    print(f"versions: {versions()}")
    sections = {
        "throughput": lambda: throughput(n, runs),
        "scaling": lambda: scaling(1 if args.quick else 2),
        "memory": memory,
        "import": import_time,
    }
    try:
        from . import e2e

        sections["e2e"] = lambda: e2e.run(quick=args.quick)
    except ImportError as error:  # the embedded server needs the [server] extra
        print(f"\n(end-to-end section skipped: {error})")
    for name, section in sections.items():
        if args.only in (None, name):
            section()


if __name__ == "__main__":
    main()
