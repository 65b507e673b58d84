"""Bicep resource declarations and their values, read from tree-sitter's syntax tree.

pycep-parser (used by the structure tests) drops line numbers and folds expressions into nested
dicts; the type check needs every property's line and a clear line between a *literal* and an
*expression*. This module walks the tree itself and gives:

- `declarations(path)`: every resource declaration in a file, nested child resources included,
  with its full type, API version, deployment scope and body;
- `Evaluator`: turns a value node into a `Value`: a literal, an object or array literal, a value
  whose *type* is evident (a typed parameter, an ``@allowed`` list, a function with a fixed return
  type, a resource property read through the type data, a module output), alternatives (both
  branches of a ternary, ``union(...)`` of objects) or `Unknown` when nothing can be said offline.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from tree_sitter_language_pack import get_parser

if TYPE_CHECKING:  # installed with tree-sitter-language-pack
    from tree_sitter import Node

Scalar = str | int | bool | None


# --- Values ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lit:
    """A literal written in the template (or reached through variables)."""

    value: Scalar
    line: int


@dataclass(frozen=True)
class Entry:
    key: str | None  # None: a computed key ('${expr}': ...)
    line: int
    value: Value


@dataclass(frozen=True)
class Obj:
    entries: tuple[Entry, ...]
    line: int
    # True when some entries could not be known (union() with a parameter, for instance): then
    # a missing required property cannot be concluded.
    partial: bool = False


@dataclass(frozen=True)
class Arr:
    items: tuple[Value, ...]
    line: int
    comprehension: bool = False  # [for ...]: one item stands for all, the length is unknown


@dataclass(frozen=True)
class Typed:
    """Not a literal, but of an evident kind; ``choices`` when an ``@allowed`` list bounds it."""

    kind: str  # string, int, bool, object, array, null
    line: int
    choices: tuple[Scalar, ...] | None = None


@dataclass(frozen=True)
class OneOf:
    """The value is one of these (the branches of a ternary, merged ``union()`` alternatives)."""

    options: tuple[Value, ...]


@dataclass(frozen=True)
class Unknown:
    line: int


Value = Lit | Obj | Arr | Typed | OneOf | Unknown

# Loop variables in scope: (name, the array it walks), or (name, None) for an index.
Loops = tuple[tuple[str, "Node | None"], ...]


def kind_of(value: Lit | Obj | Arr | Typed) -> str:
    if isinstance(value, Obj):
        return "object"
    if isinstance(value, Arr):
        return "array"
    if isinstance(value, Typed):
        return value.kind
    return scalar_kind(value.value)


def scalar_kind(value: Scalar) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: bool is an int in Python
        return "bool"
    return "int" if isinstance(value, int) else "string"


# --- Files and symbols -------------------------------------------------------------------------


def _text(node: Node) -> str:
    return node.text.decode() if node.text is not None else ""


def line_of(node: Node) -> int:
    return node.start_point[0] + 1


@cache
def _tree(path: Path) -> Node:
    return get_parser("bicep").parse(path.read_bytes()).root_node


def _named(node: Node) -> list[Node]:
    return [c for c in node.named_children if c.type not in ("comment", "diagnostic_comment")]


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str  # string, int, bool, object, array, or the text of another type
    allowed: tuple[Scalar, ...] | None
    min_value: int | None
    max_value: int | None
    default: Node | None
    line: int


@dataclass(frozen=True)
class Output:
    name: str
    type: str
    value: Node


@dataclass(frozen=True)
class Declaration:
    """One resource declaration. ``scope`` is where ARM writes it: tenant, managementGroup,
    subscription, resourceGroup or extension (a ``scope:`` onto another resource)."""

    file: Path
    symbol: str
    type: str
    api_version: str
    existing: bool
    line: int
    body: Node  # the object node
    scope: str
    parent: str | None  # symbol of the parent resource (nested or `parent:`)
    loops: Loops = ()

    @property
    def type_reference(self) -> str:
        return f"{self.type}@{self.api_version}"


@dataclass(frozen=True)
class Module:
    symbol: str
    path: Path  # resolved; only local modules are used in this repo


@dataclass
class BicepFile:
    path: Path
    target_scope: str
    parameters: dict[str, Parameter]
    variables: dict[str, Node]
    outputs: dict[str, Output]
    modules: dict[str, Module]
    resources: dict[str, Declaration]


def _string_literal(node: Node) -> str | None:
    """The text of a string without interpolation, escapes decoded; None otherwise."""
    if node.type != "string":
        return None
    delimiter = node.children[0].type if node.children else "'"
    parts: list[str] = []
    for child in node.children[1:-1]:
        if child.type == "string_content":
            parts.append(_text(child))
        elif child.type == "escape_sequence":
            parts.append(_unescape(_text(child)))
        else:  # interpolation
            return None
    text = "".join(parts)
    if delimiter == "'''" and text.startswith(("\r\n", "\n")):
        text = text.split("\n", 1)[1]  # a multi-line string drops its first line break
    return text


_ESCAPES = {"\\'": "'", "\\\\": "\\", "\\n": "\n", "\\r": "\r", "\\t": "\t", "\\$": "$"}


def _unescape(sequence: str) -> str:
    if sequence in _ESCAPES:
        return _ESCAPES[sequence]
    match = re.fullmatch(r"\\u\{([0-9A-Fa-f]+)\}", sequence)
    return chr(int(match.group(1), 16)) if match else sequence


def _decorator_calls(node: Node) -> dict[str, list[Node]]:
    """Decorators written just before a declaration: name -> argument nodes."""
    found: dict[str, list[Node]] = {}
    previous = node.prev_named_sibling
    while previous is not None and previous.type == "comment":
        previous = previous.prev_named_sibling
    if previous is None or previous.type != "decorators":
        return found
    for decorator in _named(previous):
        call = _named(decorator)[0]
        if call.type != "call_expression":
            continue
        function = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        if function is not None and arguments is not None:
            found[_text(function)] = _named(arguments)
    return found


def _scalar_literal(node: Node) -> tuple[bool, Scalar]:
    if node.type == "number":
        return True, int(_text(node))
    if node.type == "boolean":
        return True, _text(node) == "true"
    if node.type == "null":
        return True, None
    text = _string_literal(node)
    return (text is not None), text


def _parameter(node: Node) -> Parameter:
    children = _named(node)
    name = _text(children[0])
    type_text = _text(children[1]) if len(children) > 1 else ""
    default = children[2] if len(children) > 2 else None
    decorators = _decorator_calls(node)
    allowed: tuple[Scalar, ...] | None = None
    if decorators.get("allowed"):
        values = []
        for item in _named(decorators["allowed"][0]):
            ok, value = _scalar_literal(item)
            if ok:
                values.append(value)
        allowed = tuple(values)

    def bound(name: str) -> int | None:
        args = decorators.get(name)
        if not args:
            return None
        ok, value = _scalar_literal(args[0])
        return value if ok and isinstance(value, int) and not isinstance(value, bool) else None

    return Parameter(
        name=name,
        type=type_text,
        allowed=allowed,
        min_value=bound("minValue"),
        max_value=bound("maxValue"),
        default=default,
        line=line_of(node),
    )


def _split_type(reference: str) -> tuple[str, str]:
    type_name, _, version = reference.partition("@")
    return type_name, version


def _body_of(value: Node, loops: list[tuple[str, Node | None]]) -> Node:
    """The object of ``= {...}``, ``= if (c) {...}``, ``= [for x in y: {...}]`` (loops nest);
    the loop variables met on the way are appended to ``loops``."""
    node = value
    while node.type in ("for_statement", "if_statement"):
        if node.type == "for_statement":
            initializer = node.child_by_field_name("initializer")
            body = node.child_by_field_name("body")
            assert body is not None, f"line {line_of(node)}: a loop without a body"
            parameters = [c for c in _named(node) if c.type == "for_loop_parameters"]
            rest = [
                c
                for c in _named(node)
                if c.type != "for_loop_parameters" and c != body and c != initializer
            ]
            iterable = rest[0] if rest else None
            if initializer is not None:
                loops.append((_text(initializer), iterable))
            for group in parameters:
                for child in _named(group):
                    source = iterable if child.type == "loop_variable" else None
                    loops.append((_text(child), source))
            node = body
        else:
            node = _named(node)[-1]
    return node


def _property_value(body: Node, key: str) -> Node | None:
    for prop in _named(body):
        if prop.type != "object_property":
            continue
        children = _named(prop)
        if len(children) == 2 and _key_text(children[0]) == key:
            return children[1]
    return None


def _key_text(node: Node) -> str | None:
    if node.type == "identifier":
        return _text(node)
    return _string_literal(node)


def _declarations(
    bicep: BicepFile,
    node: Node,
    parent: Declaration | None,
    out: dict[str, Declaration],
) -> None:
    children = _named(node)
    symbol = _text(children[0])
    type_name, version = _split_type(_string_literal(children[1]) or "")
    existing = any(c.type == "existing" for c in node.children)
    loops: list[tuple[str, Node | None]] = list(parent.loops) if parent else []
    body = _body_of(children[-1], loops)
    parent_symbol: str | None = None
    if parent is not None:  # nested: the type and the version are relative to the parent's
        type_name = f"{parent.type}/{type_name}"
        version = version or parent.api_version
        parent_symbol = parent.symbol
    else:
        written_parent = _property_value(body, "parent")
        if written_parent is not None:
            parent_symbol = _text(written_parent)
    scope = bicep.target_scope
    written_scope = _property_value(body, "scope")
    if written_scope is not None:
        scope = _scope_of(written_scope)
    elif parent is not None:
        scope = parent.scope
    declaration = Declaration(
        file=bicep.path,
        symbol=symbol,
        type=type_name,
        api_version=version,
        existing=existing,
        line=line_of(node),
        body=body,
        scope=scope,
        parent=parent_symbol,
        loops=tuple(loops),
    )
    out[symbol] = declaration
    for prop in _named(body):
        nested = [c for c in _named(prop) if c.type == "resource_declaration"]
        for child in nested:
            _declarations(bicep, child, declaration, out)


_SCOPE_FUNCTIONS = {
    "tenant": "tenant",
    "managementGroup": "managementGroup",
    "subscription": "subscription",
    "resourceGroup": "resourceGroup",
}


def _scope_of(node: Node) -> str:
    if node.type == "call_expression":
        function = node.child_by_field_name("function")
        name = _text(function) if function is not None else ""
        return _SCOPE_FUNCTIONS.get(name, "unknown")
    return "extension"  # a resource symbol (or an expression yielding one)


@cache
def bicep_file(path: Path) -> BicepFile:
    root = _tree(path)
    bicep = BicepFile(
        path=path,
        target_scope="resourceGroup",
        parameters={},
        variables={},
        outputs={},
        modules={},
        resources={},
    )
    for node in _named(root):
        children = _named(node)
        if node.type == "target_scope_assignment":
            bicep.target_scope = _string_literal(children[-1]) or "unknown"
        elif node.type == "parameter_declaration":
            parameter = _parameter(node)
            bicep.parameters[parameter.name] = parameter
        elif node.type == "variable_declaration":
            bicep.variables[_text(children[0])] = children[-1]
        elif node.type == "output_declaration":
            bicep.outputs[_text(children[0])] = Output(
                _text(children[0]), _text(children[1]), children[-1]
            )
        elif node.type == "module_declaration":
            target = _string_literal(children[1]) or ""
            bicep.modules[_text(children[0])] = Module(
                _text(children[0]), (path.parent / target).resolve()
            )
    for node in _named(root):
        if node.type == "resource_declaration":
            _declarations(bicep, node, None, bicep.resources)
    return bicep


def declarations(path: Path) -> list[Declaration]:
    return sorted(bicep_file(path).resources.values(), key=lambda d: d.line)


def body_entries(body: Node) -> Iterator[tuple[str | None, Node, Node]]:
    """``(key, key node, value node)`` for each property of an object node, nested resource
    declarations left out (they are declarations of their own)."""
    for prop in _named(body):
        if prop.type != "object_property":
            continue
        children = _named(prop)
        if len(children) != 2:
            continue  # a nested resource_declaration
        yield _key_text(children[0]), children[0], children[1]


# --- Evaluation --------------------------------------------------------------------------------

# Functions whose result kind does not depend on their arguments.
_RETURNS = {
    "string": (
        "guid uniqueString toLower toUpper format replace substring trim string base64 "
        "base64ToString uri uriComponent uriComponentToString dataUri dataUriToString newGuid "
        "utcNow padLeft join subscriptionResourceId resourceId tenantResourceId "
        "extensionResourceId managementGroupResourceId loadTextContent loadFileAsBase64 "
        "dateTimeAdd dateTimeFromEpoch"
    ),
    "int": "int length indexOf lastIndexOf min max dateTimeToEpoch",
    "bool": "bool empty contains startsWith endsWith equals",
    "array": "split range array createArray items map filter sort flatten",
    "object": "toObject",
}
RETURN_KINDS = {name: kind for kind, names in _RETURNS.items() for name in names.split()}

# Properties of the deployment functions that are certainly strings.
_CONTEXT_STRINGS = {
    "tenant": {"tenantId", "countryCode", "displayName"},
    "subscription": {"id", "subscriptionId", "tenantId", "displayName"},
    "resourceGroup": {"id", "name", "location", "type", "managedBy"},
}

_BOOLEAN_OPERATORS = {"==", "!=", "=~", "!~", "<", "<=", ">", ">=", "&&", "||"}
_NUMBER_OPERATORS = {"+", "-", "*", "/", "%"}
_MAX_ALTERNATIVES = 16

# (resource declaration, property path) -> kind of the property, or None when unresolvable.
ResourcePropertyKind = Callable[[Declaration, tuple[str, ...]], str | None]


class Evaluator:
    """Evaluates value nodes of one file. ``resource_property`` resolves ``symbol.a.b`` reads
    through the type data (the type check supplies it)."""

    def __init__(self, bicep: BicepFile, resource_property: ResourcePropertyKind) -> None:
        self.bicep = bicep
        self.resource_property = resource_property
        self._active: set[str] = set()

    def evaluate(self, node: Node, loops: Loops = ()) -> Value:
        line = line_of(node)
        kind = node.type
        if kind == "parenthesized_expression":
            return self.evaluate(_named(node)[0], loops)
        if kind == "string":
            text = _string_literal(node)
            return Lit(text, line) if text is not None else Typed("string", line)
        if kind in ("number", "boolean", "null"):
            return Lit(_scalar_literal(node)[1], line)
        if kind == "object":
            return self._object(node, loops)
        if kind == "array":
            items = tuple(self.evaluate(c, loops) for c in _named(node))
            return Arr(items, line)
        if kind == "for_statement":
            inner = list(loops)
            body = _body_of(node, inner)
            return Arr((self.evaluate(body, tuple(inner)),), line, comprehension=True)
        if kind == "ternary_expression":
            branches = [node.child_by_field_name(f) for f in ("consequence", "alternative")]
            return _one_of([self.evaluate(b, loops) for b in branches if b is not None])
        if kind == "unary_expression":
            operator = node.child_by_field_name("operator")
            return Typed("bool" if operator is not None and _text(operator) == "!" else "int", line)
        if kind == "binary_expression":
            operator = node.child_by_field_name("operator")
            op = _text(operator) if operator is not None else ""
            if op in _BOOLEAN_OPERATORS:
                return Typed("bool", line)
            if op in _NUMBER_OPERATORS:
                return Typed("int", line)
            return Unknown(line)
        if kind == "identifier":
            return self._identifier(_text(node), line, loops)
        if kind == "call_expression":
            return self._call(node, loops)
        if kind == "member_expression":
            return self._member(node, loops)
        return Unknown(line)

    def _object(self, node: Node, loops: Loops) -> Obj:
        entries = tuple(
            Entry(key, line_of(key_node), self.evaluate(value, loops))
            for key, key_node, value in body_entries(node)
        )
        return Obj(entries, line_of(node))

    def _identifier(self, name: str, line: int, loops: Loops) -> Value:
        for variable, iterable in reversed(loops):
            if variable == name:
                return self._loop_item(iterable, line, loops)
        if name in self.bicep.parameters:
            parameter = self.bicep.parameters[name]
            primitive = parameter.type
            if primitive in ("string", "int", "bool", "object", "array"):
                return Typed(primitive, line, parameter.allowed)
            return Unknown(line)
        if name in self.bicep.variables:
            if name in self._active:  # a cycle; Bicep itself rejects it
                return Unknown(line)
            self._active.add(name)
            try:
                return self.evaluate(self.bicep.variables[name])
            finally:
                self._active.discard(name)
        if name in ("true", "false"):
            return Lit(name == "true", line)
        return Unknown(line)

    def _loop_item(self, iterable: Node | None, line: int, loops: Loops) -> Value:
        """An index is an int; an item is one of the array's items when the array is known."""
        if iterable is None:
            return Typed("int", line)
        outer = tuple((n, i) for n, i in loops if i is not iterable)
        array = self.evaluate(iterable, outer)
        if isinstance(array, Arr) and not array.comprehension and array.items:
            return _one_of(list(array.items))
        return Unknown(line)

    def _call(self, node: Node, loops: Loops) -> Value:
        line = line_of(node)
        function = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if function is None or function.type != "identifier":
            return Unknown(line)  # e.g. sendRule.listKeys()
        name = _text(function)
        args = _named(arguments) if arguments is not None else []
        if name == "union":
            return self._union([self.evaluate(a, loops) for a in args], line)
        if name in RETURN_KINDS:
            return Typed(RETURN_KINDS[name], line)
        return Unknown(line)

    def _union(self, values: list[Value], line: int) -> Value:
        alternatives: list[list[Value]] = [[]]
        for value in values:
            options = list(value.options) if isinstance(value, OneOf) else [value]
            alternatives = [[*a, o] for a in alternatives for o in options]
            if len(alternatives) > _MAX_ALTERNATIVES:
                return Typed("object", line)
        merged: list[Value] = []
        for alternative in alternatives:
            if all(
                isinstance(v, Arr) or (isinstance(v, Typed) and v.kind == "array")
                for v in alternative
            ):
                merged.append(Typed("array", line))
                continue
            entries: dict[str | None, Entry] = {}
            computed: list[Entry] = []
            partial = False
            for value in alternative:
                if isinstance(value, Obj):
                    partial = partial or value.partial
                    for entry in value.entries:
                        if entry.key is None:
                            computed.append(entry)
                        else:
                            entries[entry.key] = entry  # later arguments win, as in ARM
                elif isinstance(value, Typed) and value.kind == "object":
                    partial = True
                else:
                    return Unknown(line)
            merged.append(Obj((*entries.values(), *computed), line, partial))
        return _one_of(merged)

    def _member(self, node: Node, loops: Loops) -> Value:
        line = line_of(node)
        path: list[str] = []
        base = node
        while base.type == "member_expression":
            prop = base.child_by_field_name("property")
            obj = base.child_by_field_name("object")
            if prop is None or obj is None:
                return Unknown(line)
            path.insert(0, _text(prop))
            base = obj
        if base.type == "call_expression":
            function = base.child_by_field_name("function")
            name = _text(function) if function is not None else ""
            if len(path) == 1 and path[0] in _CONTEXT_STRINGS.get(name, set()):
                return Typed("string", line)
            return Unknown(line)
        if base.type != "identifier":
            return Unknown(line)
        name = _text(base)
        if any(variable == name for variable, _ in loops) or name in self.bicep.variables:
            return _navigate(self._identifier(name, line, loops), path, line)
        if name in self.bicep.resources:
            kind = self.resource_property(self.bicep.resources[name], tuple(path))
            return Typed(kind, line) if kind else Unknown(line)
        if name in self.bicep.modules and len(path) == 2 and path[0] == "outputs":
            target = bicep_file(self.bicep.modules[name].path)
            output = target.outputs.get(path[1])
            if output is not None and output.type in ("string", "int", "bool", "object", "array"):
                return Typed(output.type, line)
        return Unknown(line)


def _navigate(value: Value, path: list[str], line: int) -> Value:
    """``value.a.b`` for object literals (and each alternative of a OneOf)."""
    if not path:
        return value
    if isinstance(value, OneOf):
        return _one_of([_navigate(option, path, line) for option in value.options])
    if not isinstance(value, Obj):
        return Unknown(line)
    found = [e.value for e in value.entries if e.key == path[0]]
    return _navigate(found[0], path[1:], line) if len(found) == 1 else Unknown(line)


def _one_of(values: list[Value]) -> Value:
    flat: list[Value] = []
    for value in values:
        flat.extend(value.options if isinstance(value, OneOf) else [value])
    return flat[0] if len(flat) == 1 else OneOf(tuple(flat))
