"""Derive schemas/{responses,chat,messages}.yaml from the pinned SDKs plus our overlay.

    python codegen/schemas.py            # rewrite schemas/*.yaml (nox -s schemas)
    python codegen/schemas.py --check    # fail, with a diff, when stale (nox -s schemas_check)

Three steps, all mechanical:

1. ``codegen/upstream.py`` reads the pinned SDKs' types into a raw document (structure only).
2. The tolerance rules of schemas/CONVENTIONS.md are applied by code: what the server sends stays
   open to new fields, enum values and union members (a typed ``Unknown*`` fallback per union);
   what a client sends is strict; a request union that the SDK lets carry response shapes, or that
   the overlay pairs with a response union, accepts every field the response shape has.
3. ``schemas/overlay/<api>.yaml`` (ours) names the roots and applies the documented per-field fixes.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import json
import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from upstream import (
    APIS,
    ORIGIN,
    SCHEMAS,
    SENDBACK,
    SIDE,
    UNION,
    UpstreamError,
    check_installed,
    raw_document,
    read_lock,
    read_overlay,
)

REF = "#/components/schemas/"
NUMERIC = ("number", "integer", "array", ["number", "null"], ["integer", "null"])

#: Raw documents already read in this process, by (api, overlay): reading the SDK is the slow part.
_RAW: dict[tuple[str, str], dict[str, Any]] = {}


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def ref_name(schema: dict[str, Any]) -> str | None:
    target = schema.get("$ref")
    return target.removeprefix(REF) if isinstance(target, str) else None


def derive(api: str, raw: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """The schema document of one API: the raw SDK shapes, our rules, our overlay."""
    schemas: dict[str, dict[str, Any]] = copy.deepcopy(raw["schemas"])
    for schema in schemas.values():
        schema.pop(ORIGIN, None)
    apply_fixes(schemas, overlay)
    discriminator_positions = {
        (member, union["discriminator"])
        for schema in schemas.values()
        if (union := schema.get(UNION))
        for members in union["tags"].values()
        for member in members
    }
    # The stream's own discriminator stays exact: it is how an event finds its model (unless the
    # overlay opens it, for the one event of Chat whose name some servers leave empty).
    discriminator_positions.add((raw["roots"]["stream"], overlay["stream"]["discriminator"]))
    discriminator_positions -= {
        (fix["schema"], field) for fix in overlay.get("fixes", ()) for field in fix.get("open", ())
    }
    for name, schema in list(schemas.items()):
        side = schema.get(SIDE)
        if "properties" in schema:
            schema["additionalProperties"] = side == "response"
            if side == "response":
                for prop_name, prop in schema["properties"].items():
                    if (name, prop_name) not in discriminator_positions:
                        schema["properties"][prop_name] = open_enums(prop)
                # What the server sends is required only where it names the shape: the SDKs
                # mark fields required that real and compatible servers leave out (usage
                # details, sequence numbers), and a missing field must not make `.native` fail.
                kept = [
                    field
                    for field in schema.get("required", [])
                    if (name, field) in discriminator_positions
                    or field in overlay.get("required", {}).get(name, ())
                ]
                if kept:
                    schema["required"] = kept
                else:
                    schema.pop("required", None)
            if side == "request":
                # The SDKs mark some fields required that may be null (Required[Optional[X]]);
                # the API takes a missing one as null, so they are optional.
                required = [
                    field
                    for field in schema.get("required", [])
                    if not admits_null(schema["properties"].get(field, {}))
                ]
                if required:
                    schema["required"] = required
                else:
                    schema.pop("required", None)
        union = schema.get(UNION)
        if union is not None and side == "response":
            fallback = f"Unknown{name}"
            schemas[fallback] = fallback_schema(union["discriminator"])
            schema["anyOf"].append(ref(fallback))
            union["fallback"] = fallback
    for pair in overlay.get("sendback", ()):
        schemas[pair["request"]].setdefault(SENDBACK, []).append(pair["response"])
    for name in sorted(schemas):
        for response_name in schemas[name].pop(SENDBACK, []):
            widen(schemas, name, response_name, set())
    relax(schemas, overlay)
    for schema in schemas.values():
        union = schema.get(UNION)
        if union is not None and "default" in union:
            # The members a missing discriminator selects do not require it.
            for member in union["tags"][union["default"]]:
                target = schemas[member]
                if union["discriminator"] in target.get("required", ()):
                    target["required"].remove(union["discriminator"])
                    if not target["required"]:
                        del target["required"]
    for name, extra in overlay.get("schemas", {}).items():
        if name in schemas:
            raise UpstreamError(f"overlay schema {name} would replace an SDK shape")
        schemas[name] = extra
    apply_late_fixes(schemas, overlay)
    stream_union = schemas[raw["roots"]["stream"]]
    for tag, name in overlay["stream"].get("extra_events", {}).items():
        # Events the SDK reads off the stream by hand join the stream union before its fallback.
        stream_union[UNION]["tags"][tag] = [name]
        stream_union["anyOf"].insert(len(stream_union["anyOf"]) - 1, ref(name))
    roots = raw["roots"]
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": overlay["title"],
            "version": f"{raw['package']} {raw['version']}",
            "description": (
                "Derived by `nox -s schemas` from the pinned SDK's type definitions (see "
                "SOURCES.md) and schemas/overlay; do not edit by hand."
            ),
        },
        "x-modelwire": modelwire_block(api, roots, schemas, overlay),
        "paths": {},
        "components": {"schemas": dict(sorted(schemas.items()))},
    }
    return document


def admits_null(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(admits_null(option) for option in schema.get("anyOf", ()))


def fallback_schema(discriminator: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": "A member this schema does not know yet, kept whole with its raw fields.",
        SIDE: "response",
        "additionalProperties": True,
        "required": [discriminator],
        "properties": {discriminator: {"type": "string"}},
    }


def open_enums(schema: dict[str, Any]) -> dict[str, Any]:
    """A response-side value set the server may grow: the known values, or any string."""
    if schema.get("type") in ("string", ["string", "null"]) and (
        "enum" in schema or "const" in schema
    ):
        values = schema.get("enum", [schema.get("const")])
        known = {"type": "string", "enum": values} if len(values) > 1 else {
            "type": "string", "const": values[0]
        }  # fmt: skip
        options = [known, {"type": "string"}]
        if schema["type"] != "string":
            options.append({"type": "null"})
        return {"anyOf": options}
    if "anyOf" in schema:
        options = [open_enums(option) for option in schema["anyOf"]]
        if any("anyOf" in option for option in options):
            flat = []
            for option in options:
                flat.extend(option["anyOf"] if set(option) == {"anyOf"} else [option])
            options = list({repr(o): o for o in flat}.values())
        return {**schema, "anyOf": options}
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return {**schema, "items": open_enums(schema["items"])}
    return schema


def resolve(schemas: dict[str, dict[str, Any]], schema: dict[str, Any]) -> str | None:
    """The component a property points at (through a nullable wrapper), if any."""
    name = ref_name(schema)
    if name is not None:
        return name
    options = [o for o in schema.get("anyOf", []) if o != {"type": "null"}]
    if len(options) == 1:
        return ref_name(options[0])
    return None


def union_members(schemas: dict[str, dict[str, Any]], name: str) -> dict[str, list[str]]:
    union = schemas[name].get(UNION)
    return {} if union is None else union["tags"]


def counterpart(schemas: dict[str, dict[str, Any]], candidates: list[str], response: str) -> str:
    """The request member that is the sent-back form of ``response`` among members sharing a
    tag (a Responses "message" is an easy input, an input or an output message): its own
    ``*Param``, else the one with the most fields in common."""
    if response + "Param" in candidates:
        return response + "Param"
    fields = set(schemas[response].get("properties", ()))
    return max(
        candidates,
        key=lambda name: (len(fields & set(schemas[name].get("properties", ()))), name),
    )


def widen(
    schemas: dict[str, dict[str, Any]], request: str, response: str, seen: set[tuple[str, str]]
) -> None:
    """Let the request shape ``request`` take everything the response shape ``response`` has:
    what a client received it may send back as it is."""
    if (request, response) in seen or request == response:
        return
    seen.add((request, response))
    req, resp = schemas[request], schemas[response]
    if UNION in resp and UNION in req:
        req_tags, resp_tags = req[UNION]["tags"], resp[UNION]["tags"]
        for tag, members in resp_tags.items():
            if tag not in req_tags:
                # A member the request union lacks: the received shape itself is sent back.
                req_tags[tag] = list(members)
                for member in members:
                    if ref(member) not in req["anyOf"]:
                        req["anyOf"].append(ref(member))
                continue
            for response_member in members:
                widen(schemas, counterpart(schemas, req_tags[tag], response_member),
                      response_member, seen)  # fmt: skip
        return
    if "properties" not in req or "properties" not in resp:
        return
    for prop_name, prop in resp["properties"].items():
        if prop_name not in req["properties"]:
            req["properties"][prop_name] = prop
            continue
        inner_req = resolve(schemas, req["properties"][prop_name])
        inner_resp = resolve(schemas, prop)
        if inner_req is None or inner_resp is None:
            req_items = req["properties"][prop_name].get("items")
            resp_items = prop.get("items")
            if isinstance(req_items, dict) and isinstance(resp_items, dict):
                inner_req, inner_resp = resolve(schemas, req_items), resolve(schemas, resp_items)
        if inner_req is not None and inner_resp is not None:
            widen(schemas, inner_req, inner_resp, seen)


def relax(schemas: dict[str, dict[str, Any]], overlay: dict[str, Any]) -> None:
    """Required-ness as real servers have it: fields some servers omit become optional."""
    for target, fields in overlay.get("optional", {}).items():
        names = [n for n, s in schemas.items() if "properties" in s] if target == "*" else [target]
        for name in names:
            schema = schemas.get(name)
            if schema is None:
                raise UpstreamError(f"overlay makes fields of {name} optional; no such schema")
            if "required" in schema:
                schema["required"] = [f for f in schema["required"] if f not in fields]
                if not schema["required"]:
                    del schema["required"]


def apply_fixes(schemas: dict[str, dict[str, Any]], overlay: dict[str, Any]) -> None:
    """The overlay's per-field fixes that shape the SDK data before our rules run."""
    for fix in overlay.get("fixes", ()):
        if fix.get("late"):
            continue
        apply_fix(schemas, fix)


def apply_late_fixes(schemas: dict[str, dict[str, Any]], overlay: dict[str, Any]) -> None:
    for fix in overlay.get("fixes", ()):
        if fix.get("late"):
            apply_fix(schemas, fix)


def apply_fix(schemas: dict[str, dict[str, Any]], fix: dict[str, Any]) -> None:
    name = fix["schema"]
    if name not in schemas:
        raise UpstreamError(f"overlay fix for {name}, which the SDK does not define")
    schema = schemas[name]
    for prop in fix.get("drop", ()):
        if prop not in schema.get("properties", {}):
            raise UpstreamError(f"overlay drops {name}.{prop}, which the SDK does not define")
        del schema["properties"][prop]
        if prop in schema.get("required", []):
            schema["required"].remove(prop)
    for prop, value in fix.get("properties", {}).items():
        schema.setdefault("properties", {})[prop] = value
    if "required" in fix:
        schema["required"] = list(fix["required"])
        if not schema["required"]:
            del schema["required"]
    for prop in fix.get("open", ()):
        if schema.get("properties", {}).get(prop, {}).get("const") is None:
            raise UpstreamError(f"overlay opens {name}.{prop}, which is not a constant")
    for prop, values in fix.get("enum_add", {}).items():
        target = schema["properties"][prop]
        found = target.get("enum", [target["const"]] if "const" in target else None)
        if found is None:
            raise UpstreamError(f"overlay adds enum values to {name}.{prop}, not an enum")
        target.pop("const", None)
        target["enum"] = [*found, *(v for v in values if v not in found)]
    for prop, limits in fix.get("limits", {}).items():
        target = schema["properties"][prop]
        numeric = [o for o in target.get("anyOf", [target]) if o.get("type") in NUMERIC]
        if not numeric:
            raise UpstreamError(f"overlay limits {name}.{prop}, not a number or an array")
        for option in numeric:
            option.update(limits)
    if "default_tag" in fix:
        schema[UNION]["default"] = fix["default_tag"]


def pinned_value(schema: dict[str, Any]) -> Any:
    """The constant a discriminator pins, also when the response side opened it to any string."""
    if "const" in schema:
        return schema["const"]
    return next(option["const"] for option in schema.get("anyOf", ()) if "const" in option)


def modelwire_block(
    api: str, roots: dict[str, str], schemas: dict[str, dict[str, Any]], overlay: dict[str, Any]
) -> dict[str, Any]:
    stream = overlay["stream"]
    discriminator = stream["discriminator"]
    root = roots["stream"]
    events: dict[str, str] = {}
    if UNION in schemas[root]:
        for tag, members in schemas[root][UNION]["tags"].items():
            events[tag] = members[0]
    else:
        events[pinned_value(schemas[root]["properties"][discriminator])] = root
    for tag, name in stream.get("extra_events", {}).items():
        events[tag] = name
    block: dict[str, Any] = {
        "api": api,
        "request": roots["request"],
        "response": roots["response"],
        "error": roots.get("error", overlay.get("error")),
        "stream_discriminator": discriminator,
        "stream_events": events,
    }
    if UNION in schemas[root]:
        block["stream_union"] = root
    return block


def render(document: dict[str, Any]) -> str:
    header = (
        "# Generated by `nox -s schemas` from the pinned SDKs (schemas/upstream.lock) and\n"
        "# schemas/overlay; do not edit. The update procedure is in schemas/SOURCES.md.\n"
    )
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    return header + body


def documents(schemas_dir: Path = SCHEMAS) -> dict[str, str]:
    """schemas/<api>.yaml text for every API, as the pins and the overlay produce it."""
    check_installed(read_lock(schemas_dir / "upstream.lock"))
    out = {}
    for api in APIS:
        overlay = read_overlay(api, schemas_dir / "overlay")
        key = (api, json.dumps(overlay, sort_keys=True))
        if key not in _RAW:
            _RAW[key] = raw_document(api, overlay)
        raw = _RAW[key]
        out[f"{api}.yaml"] = render(derive(api, raw, overlay))
    return out


def stale(schemas_dir: Path = SCHEMAS) -> list[str]:
    """Diff lines between the committed schemas and what the pins + overlay produce."""
    lines: list[str] = []
    for name, text in documents(schemas_dir).items():
        path = schemas_dir / name
        committed = path.read_text(encoding="utf-8") if path.exists() else ""
        if committed != text:
            lines.extend(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    f"committed/{name}",
                    f"derived/{name}",
                    n=1,
                )
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    try:
        if args.check:
            differences = stale()
            if differences:
                sys.stdout.writelines(differences[:400])
                print("schemas: schemas/*.yaml are stale; run `nox -s schemas`", file=sys.stderr)
                return 1
            print("schemas: schemas/*.yaml are what the pins and the overlay produce")
            return 0
        for name, text in documents().items():
            (SCHEMAS / name).write_text(text, encoding="utf-8", newline="\n")
            print(f"schemas: wrote schemas/{name}")
    except UpstreamError as error:
        print(f"schemas: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
