"""Compile schemas/*.yaml into the typed native models under generated/.

For each OpenAPI document that carries an ``x-modelwire`` block this runs datamodel-code-generator
(pydantic v2 models) and then renders the jinja2 templates beside this file for what the generator
cannot produce: the stream event registry, the ``StreamEvent`` union and the package ``__init__``
files. The output is deterministic: the same schemas give byte-identical files, each headed with the
hash of the schema it came from.

    python codegen/generate.py                      # regenerate generated/ in place
    python codegen/generate.py --out DIR            # write into another folder
    python codegen/generate.py --schemas DIR        # read schemas from another folder
    python codegen/generate.py --check              # fail, with a diff, if generated/ is stale
"""

from __future__ import annotations

import argparse
import difflib
import filecmp
import hashlib
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"
PACKAGE = ("modelwire", "native")

# One place for the generator's options, so every run (codegen, codegen_check, tests) agrees.
DATAMODEL_CODEGEN_OPTIONS = (
    "--input-file-type", "openapi",
    "--output-model-type", "pydantic_v2.BaseModel",
    "--target-python-version", "3.11",
    "--enum-field-as-literal", "all",
    "--use-annotated",
    "--field-constraints",
    "--disable-timestamp",
    "--use-union-operator",
    "--use-standard-collections",
    "--use-double-quotes",
    "--use-type-alias",
    "--use-schema-description",
    "--use-field-description",
    "--formatters", "ruff-format",
)  # fmt: skip

# The same schema as TypedDicts (``wire.py``): the mappers' view of the JSON they read, for the
# type checker only. The pydantic-only options (field constraints, Annotated) do not apply, and the
# descriptions stay with the models.
_PYDANTIC_ONLY = frozenset(
    (
        "--use-annotated",
        "--field-constraints",
        "--use-schema-description",
        "--use-field-description",
    )
)
TYPED_DICT_OPTIONS = tuple(
    "typing.TypedDict" if option == "pydantic_v2.BaseModel" else option
    for option in DATAMODEL_CODEGEN_OPTIONS
    if option not in _PYDANTIC_ONLY
)


#: The schema extension that makes a union tagged (see schemas/CONVENTIONS.md, rule 3).
UNION = "x-modelwire-union"


class SchemaError(Exception):
    """A schema document breaks a rule of schemas/CONVENTIONS.md."""


@dataclass(frozen=True)
class ApiSpec:
    api: str
    source: Path
    sha256: str
    request: str
    response: str
    error: str
    stream_discriminator: str
    stream_events: dict[str, str]
    stream_union: str | None
    unions: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, path: Path) -> ApiSpec | None:
        raw = path.read_bytes()
        doc = yaml.safe_load(raw)
        block = doc.get("x-modelwire") if isinstance(doc, dict) else None
        if block is None:
            return None
        schemas: dict[str, Any] = doc.get("components", {}).get("schemas", {})
        spec = cls(
            api=block["api"],
            source=path,
            sha256=hashlib.sha256(raw).hexdigest(),
            request=block["request"],
            response=block["response"],
            error=block["error"],
            stream_discriminator=block["stream_discriminator"],
            stream_events=dict(block["stream_events"]),
            stream_union=block.get("stream_union"),
            unions={
                name: schema[UNION]
                for name, schema in sorted(schemas.items())
                if isinstance(schema, dict) and UNION in schema
            },
        )
        named = [spec.request, spec.response, spec.error, *spec.stream_events.values()]
        missing = sorted({name for name in named if name not in schemas})
        if missing:
            raise SchemaError(
                f"{path.name}: x-modelwire names unknown schemas: {', '.join(missing)}"
            )
        for wire_name, schema_name in spec.stream_events.items():
            prop = schemas[schema_name].get("properties", {}).get(spec.stream_discriminator, {})
            # A constant, or (response side, opened by the overlay) a constant or any string.
            pinned = [prop, *prop.get("anyOf", ())]
            consts = [option["const"] for option in pinned if "const" in option]
            if consts != [wire_name]:
                raise SchemaError(
                    f"{path.name}: {schema_name}.{spec.stream_discriminator} must be "
                    f"const {wire_name!r} (found {consts!r})"
                )
        return spec

    @property
    def module_path(self) -> str:
        return ".".join((*PACKAGE, self.api))


def header(spec: ApiSpec) -> str:
    return (
        f"# Generated by `nox -s codegen` from schemas/{spec.source.name}; do not edit.\n"
        f"# schema sha256: {spec.sha256}"
    )


def run_datamodel_codegen(
    spec: ApiSpec,
    target: Path,
    options: tuple[str, ...] = DATAMODEL_CODEGEN_OPTIONS,
    note: str = "",
) -> None:
    command = [
        sys.executable, "-m", "datamodel_code_generator",
        "--input", str(spec.source),
        "--output", str(target),
        "--custom-file-header", header(spec) + note,
        *options,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SchemaError(f"datamodel-codegen failed on {spec.source.name}:\n{result.stderr}")


def write_models(spec: ApiSpec, target: Path) -> None:
    """The pydantic v2 models, with the tagged unions of the schema."""
    run_datamodel_codegen(spec, target)
    target.write_text(tag_unions(spec, target.read_text("utf-8")), "utf-8", newline="\n")


#: What ``wire.py`` is, said in its header: the rule that keeps it off the hot path.
WIRE_NOTE = (
    "\n# TypedDict views of the wire JSON for the type checker: import only under TYPE_CHECKING"
    "\n# (a payload is never validated against them; the mappers check every value they read)."
)


def write_wire_views(spec: ApiSpec, target: Path) -> None:
    """The TypedDicts of the same schema: optional keys are ``NotRequired``."""
    run_datamodel_codegen(spec, target, TYPED_DICT_OPTIONS, WIRE_NOTE)


def _alias_pattern(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"^{re.escape(name)} = TypeAliasType\((?:[^\n]*\)\n|\n(?:.*\n)*?\)\n)", re.MULTILINE
    )


def tag_unions(spec: ApiSpec, models: str) -> str:
    """Turn each ``x-modelwire-union`` alias into a tagged union with its fallback member.

    datamodel-codegen writes a plain ``Union`` for these; the tag function (``_unions.tag_of``)
    and the fallback are ours, so a request error names the member meant by its tag and a
    response never fails on a member the schema does not know yet.
    """
    for name, union in spec.unions.items():
        pattern = _alias_pattern(name)
        if len(pattern.findall(models)) != 1:
            raise SchemaError(f"{spec.source.name}: no single type alias {name} to tag")
        fallback = union.get("fallback")
        default = union.get("default")
        if not fallback and default is None and all(len(n) == 1 for n in union["tags"].values()):
            # A strict union with one member per tag: pydantic's own discriminated union, whose
            # errors name the discriminator field itself.
            names = list(dict.fromkeys(n[0] for n in union["tags"].values()))
            alias = (
                f'{name} = TypeAliasType(\n    "{name}",\n    Annotated[\n        Union[\n'
                + "".join(f'            "{member}",\n' for member in names)
                + f'        ],\n        Field(discriminator="{union["discriminator"]}"),\n'
                + "    ],\n)\n"
            )
            models = pattern.sub(lambda _match, alias=alias: alias, models, count=1)
            continue
        members = []
        for tag, names in union["tags"].items():
            inner = ", ".join(f'"{n}"' for n in names)
            target = inner if len(names) == 1 else f"Union[{inner}]"
            members.append(f'Annotated[{target}, Tag("{tag}")]')
        if fallback:
            members.append(f'Annotated["{fallback}", Tag(FALLBACK_TAG)]')
        tags = ", ".join(f'"{tag}"' for tag in union["tags"])
        options = [f'"{union["discriminator"]}"', f"({tags},)"]
        if default is not None:
            options.append(f'default="{default}"')
        if fallback:
            options.append("fallback=True")
        alias = (
            f'{name} = TypeAliasType(\n    "{name}",\n    Annotated[\n        Union[\n'
            + "".join(f"            {member},\n" for member in members)
            + f"        ],\n        Discriminator(tag_of({', '.join(options)})),\n    ],\n)\n"
        )
        models = pattern.sub(lambda _match, alias=alias: alias, models, count=1)
    if spec.unions:
        imports = (
            "from typing import Annotated, Union\n\n"
            "from pydantic import Discriminator, Field, Tag\n\n"
            "from .._unions import FALLBACK_TAG, tag_of\n"
        )
        models = models.replace(
            "from __future__ import annotations\n",
            "from __future__ import annotations\n\n" + imports,
            1,
        )
    return models


def render(template: str, **context: Any) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template(template).render(**context)


def generate(schemas_dir: Path, out_dir: Path) -> list[Path]:
    """Write the native package for every schema in ``schemas_dir`` under ``out_dir``."""
    specs = [
        spec
        for path in sorted(schemas_dir.glob("*.yaml"))
        if (spec := ApiSpec.load(path)) is not None
    ]
    if not specs:
        raise SchemaError(f"no schema with an x-modelwire block in {schemas_dir}")
    native = out_dir.joinpath(*PACKAGE)
    native.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def write(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)

    for spec in specs:
        package = native / spec.api
        package.mkdir(parents=True, exist_ok=True)
        write_models(spec, package / "models.py")
        written.append(package / "models.py")
        write_wire_views(spec, package / "wire.py")
        written.append(package / "wire.py")
        write(package / "events.py", render("events.py.jinja2", spec=spec, header=header(spec)))
        write(package / "__init__.py", render("api_init.py.jinja2", spec=spec, header=header(spec)))
    write(native / "__init__.py", render("native_init.py.jinja2", specs=specs))
    write(native / "_unions.py", render("unions.py.jinja2"))
    write(native / "py.typed", "")
    format_python([path for path in written if path.suffix == ".py"])
    return written


def format_python(paths: list[Path]) -> None:
    """Format the rendered templates with the same (pinned) ruff the generator uses."""
    command = [sys.executable, "-m", "ruff", "format", "--quiet", "--line-length", "100",
               "--target-version", "py311", *map(str, paths)]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SchemaError(f"ruff format failed on the rendered templates:\n{result.stderr}")


def files_under(root: Path) -> set[Path]:
    return {
        path.relative_to(root)
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def compare(committed: Path, regenerated: Path) -> list[str]:
    """The differences between two generated trees, as printable lines (empty when equal)."""
    lines: list[str] = []
    ours, theirs = files_under(committed), files_under(regenerated)
    for relative in sorted(ours & theirs):
        if not filecmp.cmp(committed / relative, regenerated / relative, shallow=False):
            lines.extend(
                difflib.unified_diff(
                    (committed / relative).read_text().splitlines(keepends=True),
                    (regenerated / relative).read_text().splitlines(keepends=True),
                    f"committed/{relative}",
                    f"regenerated/{relative}",
                )
            )
    lines.extend(f"not produced by the schemas: {p}\n" for p in sorted(ours - theirs))
    lines.extend(f"missing from the committed tree: {p}\n" for p in sorted(theirs - ours))
    return lines


def install(scratch: Path, written: list[Path], out: Path) -> None:
    """Copy a finished generation into ``out`` and drop files the schemas no longer produce."""
    expected = set()
    for path in written:
        destination = out / path.relative_to(scratch)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(path.read_bytes())
        expected.add(destination)
    for stale in sorted(out.joinpath(*PACKAGE).rglob("*")):
        if stale.is_file() and stale not in expected and "__pycache__" not in stale.parts:
            stale.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--schemas", type=Path, default=ROOT / "schemas")
    parser.add_argument("--out", type=Path, default=ROOT / "generated")
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    try:
        # Generate into a scratch folder first, so a failed run leaves the target as it was.
        with tempfile.TemporaryDirectory() as scratch_name:
            scratch = Path(scratch_name)
            written = generate(args.schemas, scratch)
            if args.check:
                differences = compare(args.out.joinpath(*PACKAGE), scratch.joinpath(*PACKAGE))
                if differences:
                    sys.stdout.writelines(differences)
                    print("codegen: generated/ is stale; run `nox -s codegen`", file=sys.stderr)
                    return 1
                print(f"codegen: {args.out} is current ({len(written)} files)")
                return 0
            install(scratch, written, args.out)
    except SchemaError as error:
        print(f"codegen: {error}", file=sys.stderr)
        return 1
    print(f"codegen: wrote {len(written)} files under {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
