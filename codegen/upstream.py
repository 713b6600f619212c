"""Read the pinned upstream SDKs' type definitions as plain JSON-schema structure.

The official ``openai`` and ``anthropic`` packages describe every wire shape as Python types:
pydantic models for what the server sends, ``TypedDict``s (``*Param``) for what a client sends, and
named ``Union`` aliases (often tagged with a discriminator) for the choices between them. This
module walks those types from a few roots and returns a *raw document*: one component per class or
named union, with structure only (names, types, enum values, optionality, discriminators) and no
prose. ``codegen/schemas.py`` turns the raw document into ``schemas/*.yaml``;
``codegen/spec_diff.py`` compares the raw documents of two SDK versions.

    python codegen/upstream.py raw API [--lenient]   # print the raw document of one API as JSON
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import sys
import tomllib
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import typing_extensions
import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
LOCK = SCHEMAS / "upstream.lock"
OVERLAY = SCHEMAS / "overlay"
APIS = ("responses", "chat", "messages")

#: Marks a raw component as a class the server sends (pydantic) or the client sends (TypedDict).
SIDE = "x-modelwire-side"
#: Describes a union component: its discriminator, the members per tag, default tag, fallback.
UNION = "x-modelwire-union"
#: On a request union: the response shapes the SDK lets a client send back through it.
SENDBACK = "x-modelwire-sendback"
#: Where a raw component came from (module:qualname), for reports; dropped from schemas/*.yaml.
ORIGIN = "x-modelwire-origin"


class UpstreamError(Exception):
    """The installed SDKs do not match the lock file, or a type cannot be described."""


def read_lock(path: Path = LOCK) -> dict[str, dict[str, str]]:
    """The pinned packages: name -> {version, wheel, sha256}."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    packages: dict[str, dict[str, str]] = data["packages"]
    return packages


def check_installed(lock: dict[str, dict[str, str]]) -> None:
    """Refuse to derive from SDK versions other than the pinned ones."""
    wrong = []
    for name, pin in sorted(lock.items()):
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != pin["version"]:
            wrong.append(f"{name} {installed} (pinned {pin['version']})")
    if wrong:
        raise UpstreamError(
            "installed SDKs differ from schemas/upstream.lock: "
            + ", ".join(wrong)
            + "; run `pip install -e '.[dev]'`"
        )


def read_overlay(api: str, directory: Path = OVERLAY) -> dict[str, Any]:
    overlay: dict[str, Any] = yaml.safe_load((directory / f"{api}.yaml").read_text("utf-8"))
    return overlay


def resolve(dotted: str) -> Any:
    """``package.module:Name`` -> the object."""
    module_name, _, attribute = dotted.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def pascal(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_") if part)


def _is_class_shape(tp: Any) -> bool:
    return isinstance(tp, type) and (_is_model(tp) or typing_extensions.is_typeddict(tp))


def _is_model(tp: Any) -> bool:
    try:
        from pydantic import BaseModel
    except ImportError:  # pragma: no cover - pydantic is a dependency
        return False
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _response_shape(tp: Any) -> bool:
    """A pydantic model, or a union of them: something the server sends."""
    tp = _strip_wrappers(tp)
    if typing_extensions.get_origin(tp) in (typing.Union, types.UnionType):
        return any(_response_shape(arg) for arg in typing_extensions.get_args(tp))
    return _is_model(tp)


def _property_info(metadata_items: tuple[Any, ...]) -> tuple[str | None, str | None]:
    """(alias, discriminator) from the SDKs' ``PropertyInfo`` annotations."""
    alias = discriminator = None
    for item in metadata_items:
        if type(item).__name__ == "PropertyInfo":
            alias = getattr(item, "alias", None) or alias
            discriminator = getattr(item, "discriminator", None) or discriminator
    return alias, discriminator


def _literal_values(tp: Any) -> list[Any] | None:
    """The values of a Literal annotation (through Optional/Required/Annotated), else None."""
    tp = _strip_wrappers(tp)
    origin = typing_extensions.get_origin(tp)
    if origin in (typing.Literal, typing_extensions.Literal):
        return list(typing_extensions.get_args(tp))
    if origin in (typing.Union, types.UnionType):
        values: list[Any] = []
        for arg in typing_extensions.get_args(tp):
            if arg is type(None):
                continue
            inner = _literal_values(arg)
            if inner is None:
                return None
            values.extend(inner)
        return values or None
    return None


def _strip_wrappers(tp: Any) -> Any:
    while True:
        origin = typing_extensions.get_origin(tp)
        if origin in (
            typing.Required,
            typing.NotRequired,
            typing_extensions.Required,
            typing_extensions.NotRequired,
            typing_extensions.ReadOnly,
        ):
            tp = typing_extensions.get_args(tp)[0]
        elif origin is typing_extensions.Annotated:
            tp = tp.__origin__
        else:
            return tp


@dataclass
class Field:
    wire_name: str
    annotation: Any
    required: bool


def class_fields(cls: type) -> list[Field]:
    """The wire fields of a pydantic model or TypedDict, in declaration order."""
    try:
        if _is_model(cls):
            hints = model_hints(cls)
        else:
            hints = typing_extensions.get_type_hints(cls, include_extras=True)
    except Exception as error:  # a forward reference the SDK only imports for type checkers
        message = f"cannot resolve the annotations of {cls.__qualname__}: {error}"
        raise UpstreamError(message) from error
    fields: list[Field] = []
    if _is_model(cls):
        for name, info in cls.model_fields.items():  # type: ignore[attr-defined]
            annotation = hints.get(name, info.annotation)
            alias, _ = _property_info(getattr(annotation, "__metadata__", ()))
            fields.append(Field(info.alias or alias or name, annotation, info.is_required()))
        return fields
    for name, annotation in hints.items():
        alias, _ = _property_info(getattr(annotation, "__metadata__", ()))
        fields.append(Field(alias or name, annotation, typed_dict_required(cls, name, annotation)))
    return fields


def typed_dict_required(cls: type, name: str, annotation: Any) -> bool:
    """Whether a TypedDict key is required, read from its evaluated annotation: the SDKs write
    annotations as strings, which Python 3.11 cannot see ``Required[...]`` in."""
    origin = typing_extensions.get_origin(annotation)
    if origin in (typing.Required, typing_extensions.Required):
        return True
    if origin in (typing.NotRequired, typing_extensions.NotRequired):
        return False
    # Unwrapped: required when the class that declared it is total (Python knows that much).
    return name in cls.__required_keys__  # type: ignore[attr-defined]


def model_hints(cls: type) -> dict[str, Any]:
    """The evaluated annotations of a pydantic model's fields (the SDK's base class has
    annotations only a type checker can resolve, so only the fields' own are evaluated)."""
    wanted = set(cls.model_fields)  # type: ignore[attr-defined]
    hints: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        namespace = vars(sys.modules[klass.__module__])
        for name, value in inspect.get_annotations(klass).items():
            if name in wanted:
                hints[name] = (
                    eval(value, namespace, dict(vars(klass))) if isinstance(value, str) else value
                )
    return hints


class AliasIndex:
    """Union alias values -> (module, name), preferring an alias defined in its own module."""

    def __init__(self) -> None:
        self.names: dict[Any, tuple[str, str]] = {}

    @staticmethod
    def rank(module_name: str, name: str) -> tuple[bool, str, str]:
        return (pascal(module_name.rsplit(".", 1)[-1]) != name, name, module_name)

    def add(self, value: Any, module_name: str, name: str) -> None:
        try:
            current = self.names.get(value)
        except TypeError:  # an unhashable annotation: cannot be looked up either
            return
        if current is None or self.rank(module_name, name) < self.rank(*current):
            self.names[value] = (module_name, name)

    def get(self, value: Any) -> tuple[str, str] | None:
        try:
            return self.names.get(value)
        except TypeError:
            return None


def alias_index(prefixes: tuple[str, ...]) -> AliasIndex:
    """(module, name) of every union alias the loaded SDK modules define, by value.

    A field annotated with a module-level ``Name: TypeAlias = Union[...]`` holds that union (or
    one equal to it: typing caches equal unions), so the union can be traced back to its name.
    When several aliases are equal, the one defined in the module named after it wins.
    """
    index = AliasIndex()
    for module_name in sorted(sys.modules):
        if not module_name.startswith(prefixes):
            continue
        module = sys.modules[module_name]
        for name, value in sorted(vars(module).items()):
            if not name[:1].isupper() or isinstance(value, type):
                continue
            origin = typing_extensions.get_origin(value)
            if origin is typing_extensions.Annotated:
                origin = typing_extensions.get_origin(value.__origin__)
            if origin not in (typing.Union, types.UnionType):
                continue
            index.add(value, module_name, name)
    return index


def import_all(package: str) -> None:
    """Import every module of an SDK's ``types`` package so alias names can be found."""
    import pkgutil

    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        if info.name.startswith(f"{package}.lib"):
            continue
        importlib.import_module(info.name)


@dataclass
class RawDocument:
    """Components keyed by an upstream key (module.qualname), plus how to name them."""

    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    base_names: dict[str, str] = field(default_factory=dict)
    #: inline unions: key -> (owner key, field name), named after their owner at the end.
    owners: dict[str, tuple[str, str]] = field(default_factory=dict)


class Walker:
    """Turns upstream Python types into raw JSON-schema components."""

    def __init__(self, aliases: AliasIndex) -> None:
        self.aliases = aliases
        self.doc = RawDocument()
        #: the side of the class whose fields are being walked (a union takes its owner's side)
        self.side = "response"

    # -- entry points ---------------------------------------------------------------------
    def add_root(self, tp: Any) -> str:
        """Walk one root type; returns its component key."""
        schema = self.schema(tp, owner=None, field_name=None)
        ref = schema.get("$ref")
        if ref is None:
            raise UpstreamError(f"root {tp!r} is not a class or named union")
        return str(ref)

    # -- types ----------------------------------------------------------------------------
    def schema(self, tp: Any, owner: str | None, field_name: str | None) -> dict[str, Any]:
        named = self.aliases.get(tp)
        origin = typing_extensions.get_origin(tp)
        if origin in (
            typing.Required,
            typing.NotRequired,
            typing_extensions.Required,
            typing_extensions.NotRequired,
            typing_extensions.ReadOnly,
        ):
            return self.schema(typing_extensions.get_args(tp)[0], owner, field_name)
        if origin is typing_extensions.Annotated:
            _, discriminator = _property_info(tp.__metadata__)
            inner = tp.__origin__
            if typing_extensions.get_origin(inner) in (typing.Union, types.UnionType):
                return self.union(inner, named or self.aliases.get(inner), discriminator,
                                  owner, field_name)  # fmt: skip
            return self.schema(inner, owner, field_name)
        if origin in (typing.Union, types.UnionType):
            return self.union(tp, named, None, owner, field_name)
        if origin in (typing.Literal, typing_extensions.Literal):
            return literal_schema(list(typing_extensions.get_args(tp)))
        if _is_class_shape(tp):
            return {"$ref": self.class_component(tp)}
        return self.plain(tp, origin, owner, field_name)

    def plain(
        self, tp: Any, origin: Any, owner: str | None, field_name: str | None
    ) -> dict[str, Any]:
        args = typing_extensions.get_args(tp)
        if tp is str:
            return {"type": "string"}
        if tp is bool:
            return {"type": "boolean"}
        if tp is int:
            return {"type": "integer"}
        if tp is float:
            return {"type": "number"}
        if tp is type(None):
            return {"type": "null"}
        if tp is datetime:
            return {"type": "string", "format": "date-time"}
        if tp is date:
            return {"type": "string", "format": "date"}
        if tp is bytes or origin is typing.IO or getattr(tp, "__name__", "") == "PathLike":
            return {"type": "string", "format": "binary"}
        if tp in (object, typing.Any) or tp is typing_extensions.Any:
            return {}
        if origin in (dict, typing.Mapping) or tp in (dict, typing.Dict):  # noqa: UP006
            value = args[1] if len(args) == 2 else object
            values = self.schema(value, owner, field_name)
            return {"type": "object", "additionalProperties": values or True}
        name = getattr(origin, "__name__", "") or getattr(tp, "__name__", "")
        if origin in (list, tuple, set, frozenset) or name in (
            "Iterable", "Sequence", "SequenceNotStr", "List", "Set",
        ):  # fmt: skip
            item = args[0] if args else object
            return {"type": "array", "items": self.schema(item, owner, field_name)}
        if tp in (list, typing.List):  # noqa: UP006
            return {"type": "array", "items": {}}
        raise UpstreamError(f"no JSON shape for {tp!r} (in {owner}.{field_name})")

    def union(
        self,
        tp: Any,
        named: tuple[str, str] | None,
        discriminator: str | None,
        owner: str | None,
        field_name: str | None,
    ) -> dict[str, Any]:
        args = list(typing_extensions.get_args(tp))
        nullable = type(None) in args
        members = [arg for arg in args if arg is not type(None)]
        if len(members) == 1:
            schema = self.schema(members[0], owner, field_name)
            return nullable_schema(schema) if nullable else schema
        sendback: list[Any] = []
        if self.side == "request" and not all(_response_shape(m) for m in members):
            # A request union that also takes response shapes (blocks sent back as received):
            # the request members are checked strictly, the response ones become a send-back
            # rule (codegen/schemas.py widens the request members to every field they carry).
            sendback = [m for m in members if _response_shape(m)]
            members = [m for m in members if not _response_shape(m)]
        classes = [_strip_wrappers(m) for m in members]
        tagged = all(_is_class_shape(c) for c in classes)
        discriminator = discriminator or (common_literal_field(classes) if tagged else None)
        if named is None and discriminator is None:
            schema = {"anyOf": [self.schema(m, owner, field_name) for m in members]}
            if all(set(s) == {"enum"} or set(s) == {"const", "type"} for s in schema["anyOf"]):
                schema = merge_literals(schema["anyOf"])
            return nullable_schema(schema) if nullable else schema
        if named is not None:
            key = f"{named[0]}.{named[1]}"
            base = named[1]
        else:
            assert owner is not None
            assert field_name is not None
            key = f"{owner}.{field_name}"
            self.doc.owners[key] = (owner, field_name)
            base = ""
        if key not in self.doc.components:
            self.doc.components[key] = {}  # reserve first: unions can be recursive
            self.doc.base_names[key] = base
            if tagged:
                self.side = "response" if any(_is_model(c) for c in classes) else "request"
            component: dict[str, Any] = {
                SIDE: self.side,
                "anyOf": [self.schema(m, key, field_name or "member") for m in members],
                ORIGIN: key,
            }
            if discriminator is not None and tagged:
                component[UNION] = union_tags(classes, component["anyOf"], discriminator)
            if sendback:
                outer = self.side
                self.side = "response"
                component[SENDBACK] = [self.schema(m, key, "sent_back")["$ref"] for m in sendback]
                self.side = outer
            self.doc.components[key] = component
        ref = {"$ref": key}
        return nullable_schema(ref) if nullable else ref

    def class_component(self, cls: type) -> str:
        key = f"{cls.__module__}.{cls.__qualname__}"
        if key in self.doc.components:
            return key
        self.doc.components[key] = {}
        self.doc.base_names[key] = cls.__name__
        side = "response" if _is_model(cls) else "request"
        properties: dict[str, Any] = {}
        required: list[str] = []
        outer, self.side = self.side, side
        for item in class_fields(cls):
            self.side = side
            properties[item.wire_name] = self.schema(item.annotation, key, item.wire_name)
            if item.required:
                required.append(item.wire_name)
        self.side = outer
        component: dict[str, Any] = {"type": "object", SIDE: side, ORIGIN: key}
        if required:
            component["required"] = required
        component["properties"] = properties
        self.doc.components[key] = component
        return key


def literal_schema(values: list[Any]) -> dict[str, Any]:
    if all(isinstance(v, str) for v in values):
        if len(values) == 1:
            return {"type": "string", "const": values[0]}
        # Sorted: typing caches Literal types by their set of values, so the order the SDK
        # wrote them in depends on which module was imported first.
        return {"type": "string", "enum": sorted(set(values))}
    if len(values) == 1:
        return {"const": values[0]}
    return {"enum": values}


def merge_literals(schemas: list[dict[str, Any]]) -> dict[str, Any]:
    values: list[Any] = []
    for schema in schemas:
        values.extend(schema["enum"] if "enum" in schema else [schema["const"]])
    return literal_schema(values)


def nullable_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema that also admits null, 3.1 style."""
    if set(schema) <= {"type", "format"} and isinstance(schema.get("type"), str):
        return {**schema, "type": [schema["type"], "null"]}
    if "anyOf" in schema and set(schema) == {"anyOf"}:
        if {"type": "null"} in schema["anyOf"]:
            return schema
        return {"anyOf": [*schema["anyOf"], {"type": "null"}]}
    return {"anyOf": [schema, {"type": "null"}]}


def common_literal_field(classes: list[type]) -> str | None:
    """The field every member pins with a Literal ("type" preferred), if there is one."""
    candidates: list[str] | None = None
    for cls in classes:
        literal = [
            f.wire_name for f in class_fields(cls) if _literal_values(f.annotation) is not None
        ]
        candidates = literal if candidates is None else [c for c in candidates if c in literal]
    if not candidates:
        return None
    return "type" if "type" in candidates else candidates[0]


def union_tags(
    classes: list[type], member_schemas: list[dict[str, Any]], discriminator: str
) -> dict[str, Any]:
    tags: dict[str, list[str]] = {}
    default: str | None = None
    for cls, schema in zip(classes, member_schemas, strict=True):
        by_name = {f.wire_name: f for f in class_fields(cls)}
        found = by_name.get(discriminator)
        values = _literal_values(found.annotation) if found is not None else None
        if found is None or values is None:
            raise UpstreamError(f"{cls.__qualname__} has no literal {discriminator!r}")
        for value in values:
            tags.setdefault(str(value), []).append(schema["$ref"])
        if not found.required and default is None:
            default = str(values[0])
    union: dict[str, Any] = {"discriminator": discriminator, "tags": tags}
    if default is not None:
        union["default"] = default
    return union


def name_components(
    raw: RawDocument, overlay: dict[str, Any], *, lenient: bool = False
) -> dict[str, str]:
    """key -> final schema name: the SDK's names, Beta dropped, ``Param`` on every request shape,
    the overlay's renames, and a module prefix where two shapes would share a name."""
    strip = tuple(overlay.get("strip_prefixes", ()))
    renames: dict[str, str] = overlay.get("renames", {})

    def base(key: str) -> str:
        name = raw.base_names[key]
        for prefix in strip:
            if name.startswith(prefix) and name[len(prefix) :][:1].isupper():
                name = name[len(prefix) :]
        name = name.replace("_", "")  # as datamodel-codegen would name the class
        if raw.components[key].get(SIDE) == "request" and not name.endswith("Param"):
            name += "Param"
        return name

    names: dict[str, str] = {}
    pending = [k for k in raw.components if k not in raw.owners]
    groups: dict[str, list[str]] = {}
    for key in pending:
        groups.setdefault(base(key), []).append(key)
    for name, keys in groups.items():
        for key in keys:
            if len(keys) == 1:
                names[key] = name
                continue
            module = key.rsplit(".", 1)[0]
            if "." in raw.base_names[key]:
                module = key[: -len(raw.base_names[key]) - 1]
            home = module.rsplit(".", 1)[-1]
            if name.endswith("Param"):
                home = home.removesuffix("_param")
            for prefix in strip:
                home = home.removeprefix(prefix.lower() + "_")
            prefix_name = pascal(home)
            names[key] = name if name.startswith(prefix_name) else prefix_name + name
    # Inline unions are named after their owner and field, owners first.
    for key in sorted(raw.owners, key=lambda k: k.count(".")):
        owner, field_name = raw.owners[key]
        names[key] = (
            names[owner].removesuffix("Param")
            + pascal(field_name)
            + ("Param" if names[owner].endswith("Param") else "")
        )
    for source, target in renames.items():
        matched = [k for k in names if names[k] == source or k == source]
        if not matched and not lenient:
            raise UpstreamError(f"overlay renames {source!r}, which the SDK does not define")
        for key in matched:
            names[key] = target
    seen: dict[str, str] = {}
    for key, name in sorted(names.items()):
        if name in seen:
            raise UpstreamError(
                f"two shapes would be called {name}: {seen[name]} and {key}; add a rename"
            )
        if name.lower() in {n.lower() for n in seen}:
            raise UpstreamError(f"{name} differs from another name only in case; add a rename")
        seen[name] = key
    return names


def rewrite_refs(value: Any, names: dict[str, str]) -> Any:
    """Swap upstream keys for ``#/components/schemas/Name`` references, recursively."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str) and not item.startswith("#"):
                out[key] = f"#/components/schemas/{names[item]}"
            else:
                out[key] = rewrite_refs(item, names)
        return out
    if isinstance(value, list):
        if value and all(isinstance(v, str) and v in names for v in value):
            return [names[v] for v in value]
        return [rewrite_refs(v, names) for v in value]
    return value


def raw_document(
    api: str, overlay: dict[str, Any] | None = None, *, lenient: bool = False
) -> dict[str, Any]:
    """The API's shapes as the installed SDK defines them: {schemas, roots, version}.

    ``lenient`` (for comparing with another release) lets an overlay rename miss."""
    overlay = overlay if overlay is not None else read_overlay(api)
    package = overlay["package"]
    import_all(f"{package}.types")
    walker = Walker(alias_index((f"{package}.types",)))
    roots: dict[str, str] = {}
    for role, dotted in overlay["roots"].items():
        roots[role] = walker.add_root(resolve(dotted))
    for dotted in overlay.get("also", ()):
        walker.add_root(resolve(dotted))
    names = name_components(walker.doc, overlay, lenient=lenient)
    schemas = {names[key]: rewrite_refs(c, names) for key, c in walker.doc.components.items()}
    for schema in schemas.values():
        union = schema.get(UNION)
        if union:
            union["tags"] = {
                tag: [ref.rsplit("/", 1)[-1] for ref in refs] for tag, refs in union["tags"].items()
            }
    return {
        "api": api,
        "package": package,
        "version": metadata.version(package),
        "roots": {role: names[key] for role, key in roots.items()},
        "schemas": dict(sorted(schemas.items())),
    }


_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    lenient = "--lenient" in args
    args = [a for a in args if a != "--lenient"]
    if len(args) != 2 or args[0] != "raw" or args[1] not in APIS:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        document = raw_document(args[1], lenient=lenient)
    except UpstreamError as error:
        print(f"upstream: {error}", file=sys.stderr)
        return 1
    json.dump(document, sys.stdout, indent=1, sort_keys=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
