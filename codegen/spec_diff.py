"""What changes in the wire shapes between the pinned SDKs and another release.

    python codegen/spec_diff.py                         # pinned vs the newest release on PyPI
    python codegen/spec_diff.py --to 3.58.0             # pinned openai vs openai 3.58.0
    python codegen/spec_diff.py --package anthropic --to 2.16.0

The other release is installed (without dependencies) into a temporary folder with pip and read
by ``codegen/upstream.py`` in a subprocess with that folder first on the path, so the pinned SDK in
the environment is untouched. The report lists, per API: union members added or removed (stream
events, output and input items, tools, content blocks, deltas, ...), shapes added or removed, and
per shape the fields and enum values added or removed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from upstream import LOCK, UNION, read_lock

UPSTREAM = Path(__file__).resolve().parent / "upstream.py"

Catalog = dict[str, Any]


def catalog(raw: dict[str, Any]) -> Catalog:
    """The comparable facts of one raw document: unions with their tags, shapes with their
    fields (and whether required) and the enum values of each field."""
    unions: dict[str, list[str]] = {}
    shapes: dict[str, dict[str, Any]] = {}
    for name, schema in raw["schemas"].items():
        union = schema.get(UNION)
        if union is not None:
            unions[name] = sorted(union["tags"])
        if "properties" not in schema:
            continue
        required = set(schema.get("required", ()))
        fields = {}
        enums = {}
        for field_name, prop in schema["properties"].items():
            fields[field_name] = "required" if field_name in required else "optional"
            values = enum_values(prop)
            if values:
                enums[field_name] = sorted(values)
        shapes[name] = {"fields": fields, "enums": enums}
    return {"version": raw.get("version"), "unions": unions, "shapes": shapes}


def enum_values(schema: dict[str, Any]) -> list[str]:
    values: list[str] = []
    if "const" in schema:
        values.append(str(schema["const"]))
    values.extend(str(v) for v in schema.get("enum", ()) if v is not None)
    for option in schema.get("anyOf", ()):
        values.extend(enum_values(option))
    if isinstance(schema.get("items"), dict):
        values.extend(enum_values(schema["items"]))
    return sorted(set(values))


def diff(old: Catalog, new: Catalog) -> list[str]:
    """Readable lines: what ``new`` has that ``old`` lacks (+) and the reverse (-)."""
    lines: list[str] = []

    def section(title: str, body: list[str]) -> None:
        if body:
            lines.append(title)
            lines.extend(f"  {line}" for line in body)

    union_lines: list[str] = []
    for name in sorted(set(old["unions"]) | set(new["unions"])):
        before, after = set(old["unions"].get(name, ())), set(new["unions"].get(name, ()))
        if name not in old["unions"]:
            union_lines.append(f"+ {name} (new union: {', '.join(sorted(after))})")
            continue
        if name not in new["unions"]:
            union_lines.append(f"- {name} (union removed)")
            continue
        union_lines.extend(f"+ {name}: {tag}" for tag in sorted(after - before))
        union_lines.extend(f"- {name}: {tag}" for tag in sorted(before - after))
    section("union members (events, items, tools, blocks, deltas, ...):", union_lines)

    old_shapes, new_shapes = old["shapes"], new["shapes"]
    section("shapes added:", [f"+ {n}" for n in sorted(set(new_shapes) - set(old_shapes))])
    section("shapes removed:", [f"- {n}" for n in sorted(set(old_shapes) - set(new_shapes))])
    field_lines: list[str] = []
    for name in sorted(set(old_shapes) & set(new_shapes)):
        before, after = old_shapes[name], new_shapes[name]
        for field_name in sorted(set(after["fields"]) - set(before["fields"])):
            field_lines.append(f"+ {name}.{field_name} ({after['fields'][field_name]})")
        for field_name in sorted(set(before["fields"]) - set(after["fields"])):
            field_lines.append(f"- {name}.{field_name}")
        for field_name in sorted(set(before["fields"]) & set(after["fields"])):
            was, now = before["fields"][field_name], after["fields"][field_name]
            if was != now:
                field_lines.append(f"~ {name}.{field_name}: {was} -> {now}")
            old_values = set(before["enums"].get(field_name, ()))
            new_values = set(after["enums"].get(field_name, ()))
            field_lines.extend(
                f"+ {name}.{field_name} = {v!r}" for v in sorted(new_values - old_values)
            )
            field_lines.extend(
                f"- {name}.{field_name} = {v!r}" for v in sorted(old_values - new_values)
            )
    section("fields and enum values:", field_lines)
    return lines


def newest_version(package: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", package],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = re.search(rf"^{re.escape(package)} \(([^)]+)\)", result.stdout, re.MULTILINE)
    if match is None:
        raise SystemExit(f"spec_diff: cannot read the newest {package} from pip")
    return match.group(1)


def raw_json(api: str, path: Path | None) -> dict[str, Any]:
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(path), env.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, str(UPSTREAM), "raw", api, "--lenient"],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"spec_diff: reading {api} failed:\n{result.stderr}")
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--package", choices=sorted(read_lock(LOCK)), action="append")
    parser.add_argument("--to", help="the other release (default: the newest on PyPI)")
    args = parser.parse_args(argv)
    lock = read_lock(LOCK)
    packages = args.package or sorted(lock)
    if args.to and len(packages) != 1:
        parser.error("--to needs one --package (openai or anthropic)")
    for package in packages:
        pin = lock[package]
        version = args.to or newest_version(package)
        print(f"== {package} {pin['version']} (pinned) -> {version}")
        if version == pin["version"]:
            print("  the pin is the newest release; nothing to compare")
            continue
        with tempfile.TemporaryDirectory(prefix="spec-diff-") as scratch:
            subprocess.run(
                [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                 "--target", scratch, f"{package}=={version}"],
                check=True,
            )  # fmt: skip
            for api in pin.get("apis", ()):
                lines = diff(catalog(raw_json(api, None)), catalog(raw_json(api, Path(scratch))))
                print(f"-- {api}")
                print("\n".join(lines) if lines else "  no change in the wire shapes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
