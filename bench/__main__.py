"""Run the benchmarks and print the figures: `nox -s bench` (or `python -m bench` in the dev env).

python -m bench                 # everything, default sizes, then the targets of issue 18
python -m bench --repeat 3      # everything three times; the targets show the spread min-max
python -m bench --quick         # smaller streams, one timing each (a smoke run)
python -m bench --only bodies   # one section (throughput, bodies, scaling, memory, import, e2e)
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

from . import bodies, measure, streams
from .targets import Targets

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


def throughput(targets: Targets, n: int, runs: int) -> None:
    heading(
        f"Decode + map, events/s ({n} deltas per stream, "
        f"{streams.CHUNK}-byte chunks, best of {runs})"
    )
    columns = (
        "api/stream", "events", "orjson loop", "bare loop", "modelwire", "+collect", "SDK raw",
        "SDK accum", "cost vs bare", "cost vs floor", "vs SDK raw", "vs SDK accum",
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
            floor = measure.best_of(runs, measure.orjson_loop, chunks)
            bare = measure.best_of(runs, measure.bare_loop, chunks)
            ours = measure.best_of(runs, measure.modelwire_decode, api, chunks)
            ours_collect = measure.best_of(runs, measure.modelwire_collect, api, chunks)
            raw = measure.best_of(runs, measure.sdk_raw, api, sdk_client)
            accumulate = measure.best_of(runs, measure.sdk_accumulate, api, sdk_client)

            def rate(seconds: float, events: int = events) -> str:
                return f"{events / seconds:,.0f}"

            print(
                f"| {api}/{kind} | {events} | {rate(floor)} | {rate(bare)} | {rate(ours)} "
                f"| {rate(ours_collect)} | {rate(raw)} | {rate(accumulate)} "
                f"| {ours_collect / bare:.2f}x | {ours_collect / floor:.2f}x "
                f"| {raw / ours_collect:.1f}x | {accumulate / ours_collect:.1f}x |"
            )
            stream = f"{api}/{kind}"
            targets.add(f"{stream}: SDK raw ÷ modelwire decode+collect", raw / ours_collect,
                        ">=", 5)  # fmt: skip
            targets.add(f"{stream}: SDK accum ÷ modelwire decode+collect",
                        accumulate / ours_collect, ">=", 10)  # fmt: skip
            targets.add(f"{stream}: modelwire cost ÷ bare split+json.loads", ours_collect / bare,
                        "<=", 1.0)  # fmt: skip
            targets.add(f"{stream}: modelwire cost ÷ split+orjson floor", ours_collect / floor)
    print(
        "\nvs SDK: SDK time ÷ modelwire decode+collect time (above 1: modelwire is faster). "
        "cost vs bare / floor: modelwire decode+collect time ÷ the bare split + json.loads loop's "
        "/ the split + orjson loop's (below 1: modelwire is faster)."
    )


def non_streaming(targets: Targets, budget: float) -> None:
    heading(
        "Non-streaming: a JSON body -> decode_body vs the SDK's own parse path (µs per body, "
        "fastest interleaved batch)"
    )
    print(
        "| api | body | bytes | modelwire µs | + arguments read µs | SDK default µs "
        "| SDK strict µs | model_validate_json µs | default ÷ modelwire | strict ÷ modelwire "
        "| model_validate_json ÷ modelwire |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in bodies.measure(budget):
        print(
            f"| {row['api']} | {row['body']} | {row['bytes']:,} | {row['modelwire_us']:.1f} "
            f"| {row['modelwire_read_us']:.1f} | {row['sdk_default_us']:.1f} "
            f"| {row['sdk_strict_us']:.1f} "
            f"| {row['sdk_model_validate_json_us']:.1f} | {row['ratio_default']:.2f}x "
            f"| {row['ratio_strict']:.2f}x | {row['ratio_model_validate_json']:.2f}x |"
        )
        name = f"body {row['api']}/{row['body']}"
        targets.add(f"{name}: SDK parse ÷ decode_body", row["ratio_default"], ">=", 3)
        targets.add(
            f"{name}: SDK parse ÷ decode_body + arguments read",
            row["ratio_default_read"],
        )
        targets.add(f"{name}: SDK strict parse ÷ decode_body", row["ratio_strict"])
        targets.add(
            f"{name}: SDK model_validate_json ÷ decode_body", row["ratio_model_validate_json"]
        )
    print()
    print(
        "SDK default: the SDK's own path (response.json() + the client's _process_response_data, "
        "which constructs the model without validating); SDK strict: the same on a client made "
        "with _strict_response_validation=True (json.loads + validate_type); model_validate_json: "
        "pydantic-core parsing and validating the bytes in one pass. + arguments read: "
        "decode_body, then every tool call's arguments read (parsed on first read; the SDKs "
        "leave them as text)."
    )


def scaling(targets: Targets, runs: int, quick: bool) -> None:
    sizes = (1_000, 4_000) if quick else (1_000, 10_000, 100_000)
    heading("Scaling: per-event cost of decode + collect as streams grow (µs/event)")
    print("| api | " + " | ".join(f"{n // 1000}k" for n in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for api in streams.BODIES:
        cells = []
        for n in sizes:
            chunks = streams.chunks(streams.BODIES[api]["text"](n))
            events = streams.count_events(b"".join(chunks))
            measure.modelwire_collect(api, chunks)  # warm up: first-call costs are not per event
            seconds = measure.best_of(runs, measure.modelwire_collect, api, chunks)
            cells.append(seconds / events * 1e6)
        print(f"| {api} | " + " | ".join(f"{cell:.2f}" for cell in cells) + " |")
        # The largest against the middle size: the smallest carries fixed costs over few events.
        grow = f"{sizes[-1] // 1000}k ÷ {sizes[-2] // 1000}k"
        targets.add(f"scaling {api}/text: µs per event {grow}", cells[-1] / cells[-2], "<=", 1.5)
    fragments = (1_000, 4_000) if quick else (5_000, 20_000)
    heading("Scaling: tool-argument fragments, µs/fragment (3 parallel calls)")
    print("| api | " + " | ".join(f"{n:,} fragments" for n in fragments) + " |")
    print("|---|" + "---|" * len(fragments))
    for api in streams.BODIES:
        cells = []
        for n in fragments:
            chunks = streams.chunks(streams.BODIES[api]["tools"](n))
            events = streams.count_events(b"".join(chunks))
            measure.modelwire_collect(api, chunks)
            seconds = measure.best_of(runs, measure.modelwire_collect, api, chunks)
            cells.append(seconds / events * 1e6)
        print(f"| {api} | " + " | ".join(f"{cell:.2f}" for cell in cells) + " |")
        grow = f"{fragments[-1] // 1000}k ÷ {fragments[0] // 1000}k"
        targets.add(f"scaling {api}/tools: µs per fragment {grow}", cells[-1] / cells[0],
                    "<=", 1.5)  # fmt: skip
    print("\nanthropic messages.stream on the same Messages tool streams, µs/fragment:")
    for n in fragments:
        chunks = streams.chunks(streams.messages_tools(n))
        events = streams.count_events(b"".join(chunks))
        theirs = measure.best_of(1, measure.sdk_accumulate, "messages",
                                 measure.anthropic_client(chunks))  # fmt: skip
        print(f"    {n:,} fragments: {theirs / events * 1e6:.2f}")


def memory(targets: Targets, quick: bool) -> None:
    sizes = (1_000, 4_000) if quick else (1_000, 100_000)
    heading("Memory: tracemalloc peak while decoding (events not kept)")
    print(f"| api | {sizes[0]:,} events | {sizes[1]:,} events | peak growth ÷ answer growth |")
    print("|---|---|---|---|")
    for api in streams.BODIES:
        peaks, answers = [], []
        for n in sizes:
            chunks = streams.chunks(streams.BODIES[api]["text"](n))
            answers.append(len(measure.modelwire_collect(api, chunks).text))
            gc.collect()
            tracemalloc.start()
            measure.modelwire_decode(api, chunks)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            peaks.append(peak)
        # What may grow is the answer itself (held by the collector, the finished item and, in
        # Responses, the four done events that repeat it); per-event state would add tens of
        # bytes per event, several times the ~7 bytes of text a delta carries.
        growth = (peaks[1] - peaks[0]) / (answers[1] - answers[0])
        print(f"| {api} | {peaks[0] / 1024:,.0f} KiB | {peaks[1] / 1024:,.0f} KiB | {growth:.1f} |")
        targets.add(f"memory {api}: peak growth ÷ answer growth, {sizes[0] // 1000}k→"
                    f"{sizes[1] // 1000}k events", growth, "<=", 8)  # fmt: skip


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
    parser.add_argument("--quick", action="store_true", help="small sizes, one timing each")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run every section N times; targets show the spread")  # fmt: skip
    parser.add_argument("--events", type=int, metavar="N",
                        help="deltas per throughput and end-to-end stream (default 20000; "
                        "--quick: 1000)")  # fmt: skip
    parser.add_argument(
        "--only", choices=["throughput", "bodies", "scaling", "memory", "import", "e2e"]
    )
    args = parser.parse_args()
    n, runs = (1_000, 1) if args.quick else (20_000, 3)
    n = args.events or n
    print("# modelwire benchmarks")
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
          f"{platform.release()}; Python {platform.python_version()}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
    print(f"versions: {versions()}")
    targets = Targets()
    sections = {
        "throughput": lambda: throughput(targets, n, runs),
        "bodies": lambda: non_streaming(targets, 0.3 if args.quick else 2.0),
        "scaling": lambda: scaling(targets, 1 if args.quick else 2, args.quick),
        "memory": lambda: memory(targets, args.quick),
        "import": lambda: import_time(1 if args.quick else 7),
    }
    from . import e2e

    sections["e2e"] = lambda: e2e.run(targets, n, quick=args.quick)
    for repeat in range(args.repeat):
        if args.repeat > 1:
            print(f"\n# Repeat {repeat + 1} of {args.repeat}")
        for name, section in sections.items():
            if args.only in (None, name):
                section()
    targets.print(args.repeat)
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
