"""Offline type check of Bicep resource declarations against Bicep's own type definitions.

The definitions are the ones the Bicep compiler ships (Azure/bicep-types-az, generated from the
Azure REST API specs), extracted for exactly the ``type@apiVersion`` pairs the templates use into
``bicep_types/types.json.gz`` (see ``bicep_types/README.md`` for the source and how to refresh
it). Each declaration is checked for:

- a ``type@apiVersion`` that exists, written at a scope where ARM accepts that type;
- a ``parent`` of the right type;
- unknown properties at every level the value can be followed (``properties``, ``siteConfig``,
  ``functionAppConfig``, objects inside arrays, the entries of ``union(...)`` of object
  variables, both branches of a ternary);
- read-only properties that are set, required properties that are missing;
- literals that break a string-literal or enum type, or the minimum/maximum of a number or the
  length of a string or array; open enums (a documented list plus "any string") are held to the
  documented list too, because ARM usually rejects what Swagger does not list;
- kind mismatches (string, int, bool, object, array) for literals and for expressions whose kind
  is evident (a typed parameter, a function with a fixed return type, a resource property read
  through these same definitions, a module output).

What cannot be followed offline (``listKeys()``, ``??``, an untyped loop variable, an object
parameter's contents) is skipped, never guessed.
"""

from __future__ import annotations

import difflib
import gzip
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ._bicep_ast import (
    Arr,
    BicepFile,
    Declaration,
    Entry,
    Evaluator,
    Lit,
    Obj,
    OneOf,
    ResourcePropertyKind,
    Typed,
    Unknown,
    Value,
    bicep_file,
    declarations,
    kind_of,
    scalar_kind,
)

DATA_DIR = Path(__file__).resolve().parent / "bicep_types"
DATA_FILE = DATA_DIR / "types.json.gz"

# Property flags and scope bits of the bicep-types format.
REQUIRED = 1
READ_ONLY = 2
SCOPE_BITS = {
    "tenant": 1,
    "managementGroup": 2,
    "subscription": 4,
    "resourceGroup": 8,
    "extension": 16,
}
# Keywords of a resource body that are Bicep's, not the resource type's.
BICEP_KEYWORDS = {"parent", "scope", "dependsOn"}
EXISTING_KEYS = {"name", "parent", "scope"}

TypeNode = dict[str, Any]


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    resource: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        return f"{self.file}:{self.line}: {self.resource}{where}: {self.message}"


class TypeSet:
    """The types of one ``type@apiVersion``: a list in the bicep-types format, ``$ref`` s into it,
    and the indexes of its ``ResourceType`` entries (one per scope variant)."""

    def __init__(self, entry: dict[str, Any]) -> None:
        self.path: str = entry["path"]
        self.types: list[TypeNode] = entry["types"]
        self.resources: list[TypeNode] = [self.types[i] for i in entry["resources"]]

    def deref(self, reference: dict[str, str]) -> TypeNode:
        return self.types[int(reference["$ref"].rsplit("/", 1)[1])]


class TypeData:
    def __init__(self, document: dict[str, Any]) -> None:
        self.source: dict[str, str] = document["source"]
        self._versions: dict[str, list[str]] = document["apiVersions"]
        self._resources = {key.lower(): value for key, value in document["resources"].items()}
        self.references: list[str] = sorted(document["resources"])

    @classmethod
    def load(cls, path: Path = DATA_FILE) -> TypeData:
        return cls(json.loads(gzip.decompress(path.read_bytes())))

    def versions(self, type_name: str) -> list[str] | None:
        return self._versions.get(type_name.lower())

    def resource(self, type_name: str, api_version: str) -> TypeSet | None:
        entry = self._resources.get(f"{type_name}@{api_version}".lower())
        return TypeSet(entry) if entry is not None else None


@cache
def type_data() -> TypeData:
    return TypeData.load()


def _render(path: tuple[str, ...]) -> str:
    text = ""
    for part in path:
        text += part if part.startswith("[") or not text else f".{part}"
    return text


def _describe(value: Lit | Obj | Arr | Typed) -> str:
    if isinstance(value, Lit):
        return f"{scalar_kind(value.value)} {value.value!r}"
    return kind_of(value)


_TYPE_KINDS = {
    "StringType": "string",
    "StringLiteralType": "string",
    "IntegerType": "int",
    "BooleanType": "bool",
    "ObjectType": "object",
    "DiscriminatedObjectType": "object",
    "ArrayType": "array",
    "NullType": "null",
}


class _Checker:
    def __init__(
        self, data: TypeData, decl: Declaration, types: TypeSet | None, root: Path
    ) -> None:
        self.data = data
        self.decl = decl
        self.types = types
        self.root = root
        self.problems: list[Problem] = []

    def report(self, line: int, path: tuple[str, ...], message: str) -> None:
        self.problems.append(
            Problem(
                file=_relative(self.decl.file, self.root),
                line=line,
                resource=f"{self.decl.symbol} ({self.decl.type_reference})",
                path=_render(path),
                message=message,
            )
        )

    # -- values against types ------------------------------------------------------------------

    def check(self, value: Value, type_node: TypeNode, path: tuple[str, ...]) -> None:
        assert self.types is not None
        if isinstance(value, OneOf):
            for option in value.options:
                self.check(option, type_node, path)
            return
        if isinstance(value, Unknown):
            return
        kind = type_node["$type"]
        if kind == "AnyType":
            return
        if kind == "UnionType":
            self._union(value, type_node, path)
            return
        if isinstance(value, Lit) and value.value is None:
            return  # null leaves an optional property unset
        if isinstance(value, Typed) and value.choices is not None and kind != "ObjectType":
            for choice in value.choices:
                self.check(Lit(choice, value.line), type_node, path)
            return
        expected = _TYPE_KINDS.get(kind)
        if expected is None:
            return  # function types and the like: nothing to check a value against
        actual = kind_of(value)
        if actual != expected:
            self.report(_line(value), path, f"expected {expected}, got {_describe(value)}")
            return
        if kind == "StringLiteralType" and isinstance(value, Lit):
            if value.value != type_node["value"]:
                expected_text = f"must be {type_node['value']!r}, got {value.value!r}"
                self.report(value.line, path, expected_text)
        elif kind == "StringType" and isinstance(value, Lit) and isinstance(value.value, str):
            self._length(value.line, path, len(value.value), type_node, "characters")
        elif kind == "IntegerType" and isinstance(value, Lit) and isinstance(value.value, int):
            low, high = type_node.get("minValue"), type_node.get("maxValue")
            if (low is not None and value.value < low) or (high is not None and value.value > high):
                self.report(value.line, path, f"{value.value} is outside [{low}, {high}]")
        elif kind == "ArrayType" and isinstance(value, Arr):
            if not value.comprehension:
                self._length(value.line, path, len(value.items), type_node, "items")
            item_type = self.types.deref(type_node["itemType"])
            for index, item in enumerate(value.items):
                mark = "[*]" if value.comprehension else f"[{index}]"
                self.check(item, item_type, (*path, mark))
        elif kind == "ObjectType" and isinstance(value, Obj):
            additional = type_node.get("additionalProperties")
            self._object(value, type_node["properties"], additional, path)
        elif kind == "DiscriminatedObjectType" and isinstance(value, Obj):
            self._discriminated(value, type_node, path)

    def _length(
        self, line: int, path: tuple[str, ...], size: int, type_node: TypeNode, unit: str
    ) -> None:
        low, high = type_node.get("minLength"), type_node.get("maxLength")
        if low is not None and size < low:
            self.report(line, path, f"{size} {unit}, at least {low} required")
        if high is not None and size > high:
            self.report(line, path, f"{size} {unit}, at most {high} allowed")

    def _union(
        self, value: Lit | Obj | Arr | Typed, type_node: TypeNode, path: tuple[str, ...]
    ) -> None:
        assert self.types is not None
        elements = [self.types.deref(e) for e in type_node["elements"]]
        literals = [e["value"] for e in elements if e["$type"] == "StringLiteralType"]
        values: list[Lit] = []
        if isinstance(value, Lit) and isinstance(value.value, str):
            values = [value]
        elif isinstance(value, Typed) and value.choices is not None:
            values = [Lit(c, value.line) for c in value.choices if isinstance(c, str)]
        if literals and values and not isinstance(value, Obj | Arr):
            is_open = any(e["$type"] == "StringType" for e in elements)
            note = " (Bicep accepts any string here; ARM checks the documented list)"
            shown = ", ".join(repr(v) for v in literals)
            for literal in values:
                if literal.value not in literals:
                    message = f"{literal.value!r} is not one of {shown}{note if is_open else ''}"
                    self.report(literal.line, path, message)
            return
        best: list[Problem] | None = None
        for element in elements:
            trial = _Checker(self.data, self.decl, self.types, self.root)
            trial.check(value, element, path)
            if not trial.problems:
                return
            if best is None or len(trial.problems) < len(best):
                best = trial.problems
        if best is not None:
            self.problems.extend(best)

    def _object(
        self,
        value: Obj,
        properties: dict[str, TypeNode],
        additional: dict[str, str] | None,
        path: tuple[str, ...],
        *,
        skip: frozenset[str] = frozenset(),
    ) -> None:
        assert self.types is not None
        seen: set[str] = set()
        for entry in value.entries:
            if entry.key is None:
                if additional is not None:
                    self.check(entry.value, self.types.deref(additional), (*path, "[*]"))
                continue
            seen.add(entry.key)
            if entry.key in skip:
                continue
            self._entry(entry, properties, additional, path)
        if value.partial:
            return
        for name, spec in properties.items():
            flags = spec["flags"]
            if flags & REQUIRED and not flags & READ_ONLY and name not in seen:
                self.report(value.line, path, f"required property {name!r} is missing")

    def _entry(
        self,
        entry: Entry,
        properties: dict[str, TypeNode],
        additional: dict[str, str] | None,
        path: tuple[str, ...],
    ) -> None:
        assert self.types is not None
        assert entry.key is not None
        spec = properties.get(entry.key)
        here = (*path, entry.key)
        if spec is None:
            if additional is not None:
                self.check(entry.value, self.types.deref(additional), here)
                return
            self.report(entry.line, here, f"unknown property{_suggestion(entry.key, properties)}")
            return
        if spec["flags"] & READ_ONLY and not spec["flags"] & REQUIRED:
            self.report(entry.line, here, "read-only property is set")
            return
        self.check(entry.value, self.types.deref(spec["type"]), here)

    def _discriminated(
        self,
        value: Obj,
        type_node: TypeNode,
        path: tuple[str, ...],
        *,
        skip: frozenset[str] = frozenset(),
    ) -> None:
        assert self.types is not None
        key = type_node["discriminator"]
        base: dict[str, TypeNode] = type_node["baseProperties"]
        elements: dict[str, dict[str, str]] = type_node["elements"]
        written = [e for e in value.entries if e.key == key]
        if not written:
            self.report(value.line, path, f"required property {key!r} is missing")
            return
        candidates = _literal_strings(written[0].value)
        if candidates is None:
            # The variant cannot be known: check only what every variant has.
            common = {k: v for k, v in base.items()}
            names = {
                name for ref in elements.values() for name in self.types.deref(ref)["properties"]
            }
            known = [e for e in value.entries if e.key is None or e.key in common or e.key in names]
            self._object(Obj(tuple(known), value.line, partial=True), common, None, path, skip=skip)
            return
        for candidate, line in candidates:
            if candidate not in elements:
                shown = ", ".join(repr(k) for k in sorted(elements))
                self.report(line, (*path, key), f"{candidate!r} is not one of {shown}")
                continue
            variant = self.types.deref(elements[candidate])
            merged = {**base, **variant["properties"]}
            self._object(
                value, merged, variant.get("additionalProperties"), path, skip=skip | {key}
            )

    # -- the declaration -----------------------------------------------------------------------

    def declaration(self, evaluator: Evaluator, bicep: BicepFile) -> None:
        decl = self.decl
        if self.types is None:
            self.report(decl.line, (), _missing_type_message(self.data, decl))
            return
        resource = _pick_resource(self.types, decl)
        scopes = resource["readableScopes" if decl.existing else "writableScopes"]
        bit = SCOPE_BITS.get(decl.scope)
        if bit is not None and not scopes & bit:
            verb = "read" if decl.existing else "deployed"
            self.report(decl.line, (), f"cannot be {verb} at {decl.scope} scope")
        if decl.parent is not None:
            self._parent(bicep)
        body = evaluator.evaluate(decl.body, decl.loops)
        assert isinstance(body, Obj), f"{decl.symbol}: the body is not an object"
        body_type = self.types.deref(resource["body"])
        if decl.existing:
            extra = [e for e in body.entries if e.key not in EXISTING_KEYS]
            for entry in extra:
                self.report(
                    entry.line,
                    (entry.key or "[*]",),
                    "an existing resource takes only name, scope and parent",
                )
            body = Obj(tuple(e for e in body.entries if e.key == "name"), body.line, partial=True)
        if body_type["$type"] == "DiscriminatedObjectType":
            self._discriminated(body, body_type, (), skip=frozenset(BICEP_KEYWORDS))
        else:
            self._object(
                body,
                body_type["properties"],
                body_type.get("additionalProperties"),
                (),
                skip=frozenset(BICEP_KEYWORDS),
            )
        for entry in body.entries:
            if entry.key == "dependsOn" and not isinstance(entry.value, Arr | Unknown):
                self.report(entry.line, ("dependsOn",), "dependsOn takes an array")

    def _parent(self, bicep: BicepFile) -> None:
        decl = self.decl
        parent = bicep.resources.get(decl.parent or "")
        if parent is None:
            self.report(decl.line, ("parent",), f"{decl.parent!r} is not a resource of this file")
            return
        expected = decl.type.rsplit("/", 1)[0]
        if parent.type.lower() != expected.lower():
            self.report(
                decl.line, ("parent",), f"parent {parent.symbol} is {parent.type}, not {expected}"
            )


def _pick_resource(types: TypeSet, decl: Declaration) -> TypeNode:
    """A type may have one ResourceType per scope; prefer the one valid where it is written."""
    key = "readableScopes" if decl.existing else "writableScopes"
    bit = SCOPE_BITS.get(decl.scope, 0)
    for resource in types.resources:
        if resource[key] & bit:
            return resource
    return types.resources[0]


def _missing_type_message(data: TypeData, decl: Declaration) -> str:
    versions = data.versions(decl.type)
    if versions is None:
        return (
            f"no type data for {decl.type}: unknown resource type, or new to these templates "
            "(add it with tests/infra/bicep_types/regenerate.py)"
        )
    if decl.api_version not in versions:
        recent = ", ".join(versions[-6:])
        return f"API version {decl.api_version!r} does not exist for {decl.type} (latest: {recent})"
    return (
        f"{decl.type_reference} exists but is not in the committed type data "
        "(run tests/infra/bicep_types/regenerate.py)"
    )


def _suggestion(key: str, properties: dict[str, TypeNode]) -> str:
    same = [name for name in properties if name.lower() == key.lower()]
    close = same or difflib.get_close_matches(key, list(properties), n=1, cutoff=0.8)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _literal_strings(value: Value) -> list[tuple[str, int]] | None:
    if isinstance(value, Lit) and isinstance(value.value, str):
        return [(value.value, value.line)]
    if isinstance(value, Typed) and value.choices is not None:
        return [(c, value.line) for c in value.choices if isinstance(c, str)]
    if isinstance(value, OneOf):
        found: list[tuple[str, int]] = []
        for option in value.options:
            inner = _literal_strings(option)
            if inner is None:
                return None
            found.extend(inner)
        return found
    return None


def _line(value: Lit | Obj | Arr | Typed) -> int:
    return value.line


REPO_ROOT = Path(__file__).resolve().parents[2]


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def resource_property_kind(data: TypeData) -> ResourcePropertyKind:
    """The resolver the evaluator uses for ``symbol.a.b``: the kind of that property per the
    declaration's own type, or None when the path cannot be followed."""

    def resolve(decl: Declaration, path: tuple[str, ...]) -> str | None:
        types = data.resource(decl.type, decl.api_version)
        if types is None or not path:
            return None
        node = types.deref(_pick_resource(types, decl)["body"])
        for name in path:
            if node["$type"] == "DiscriminatedObjectType":
                props = dict(node["baseProperties"])
                for ref in node["elements"].values():
                    props.update(types.deref(ref)["properties"])
            elif node["$type"] == "ObjectType":
                props = node["properties"]
            else:
                return None
            spec = props.get(name) or next(
                (v for k, v in props.items() if k.lower() == name.lower()), None
            )
            if spec is None:
                return None
            node = types.deref(spec["type"])
        if node["$type"] == "UnionType":
            kinds = {_TYPE_KINDS.get(types.deref(e)["$type"]) for e in node["elements"]}
            return kinds.pop() if len(kinds) == 1 else None
        return _TYPE_KINDS.get(node["$type"])

    return resolve


def check_file(path: Path, data: TypeData | None = None, root: Path = REPO_ROOT) -> list[Problem]:
    """Every problem of every resource declaration in one file, sorted by line."""
    data = data or type_data()
    bicep = bicep_file(path)
    evaluator = Evaluator(bicep, resource_property_kind(data))
    problems: list[Problem] = []
    for decl in declarations(path):
        checker = _Checker(data, decl, data.resource(decl.type, decl.api_version), root)
        checker.declaration(evaluator, bicep)
        problems.extend(checker.problems)
    return sorted(set(problems))


def check_files(
    paths: list[Path], data: TypeData | None = None, root: Path = REPO_ROOT
) -> list[Problem]:
    return [problem for path in paths for problem in check_file(path, data, root)]


def type_references(paths: list[Path]) -> set[str]:
    """Every ``type@apiVersion`` declared in these files (what the type data must hold)."""
    return {d.type_reference for path in paths for d in declarations(path)}


__all__ = [
    "DATA_FILE",
    "Problem",
    "TypeData",
    "check_file",
    "check_files",
    "type_data",
    "type_references",
]
