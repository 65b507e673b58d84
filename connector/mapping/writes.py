"""Turns SCIM writes (a POST/PUT body or PATCH operations) into changes to target attributes.

Every write lands on catalog slots, so the outcome is a flat `{okta attribute: value}` dict plus
an optional new `active` state: exactly one partial update and at most one state change.
Operations apply in order; a later write to the same slot wins.

Several slots can share one target attribute: a core attribute and its ECMA2Host copy
(`displayName` and `…:ECMA2Host:2.0:User:displayName`, `active` and `…:status`). A client that
reads a user gets both and may send both back with only one changed, so within one operation
(a POST/PUT body, one path-less PATCH value) the value that differs from the stored one wins; two
values that both differ are refused, naming both. A create has nothing stored, so two different
values there are always refused. Only such a disagreement, or a value filter that does not name a
`type`, needs the current user; `NeedsCurrentResource` asks the caller to read it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scim2_models import (
    InvalidPathException,
    InvalidSyntaxException,
    InvalidValueException,
    MutabilityException,
    NoTargetException,
    SCIMException,
)
from scim2_models import Path as ScimPath
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    ValuePath,
)

from .catalog import ACTIVE, Catalog, Slot
from .definitions import (
    CORE_USER,
    ECMA2HOST_USER,
    ENTERPRISE_USER,
    RFC_ATTRIBUTES,
    AttributeShape,
    Shape,
    canonical_sub,
)
from .matching import matches
from .references import is_absolute_uri

ADD, REPLACE, REMOVE = "add", "replace", "remove"
_SELECTORS = {"type", "primary", "display", "$ref"}
# The schema URNs by their lower-case spelling (URNs are matched in any case).
_EXTENSIONS = {urn.lower(): urn for urn in (ENTERPRISE_USER, ECMA2HOST_USER)}
_SCHEMAS = {urn.lower(): urn for urn in (CORE_USER, ENTERPRISE_USER, ECMA2HOST_USER)}
_CORE_USER_LOWER = CORE_USER.lower()


class NeedsCurrentResource(Exception):
    """The write selects elements by something other than `type`, or two aliases of one target
    attribute disagree: read the user first."""


@dataclass(frozen=True)
class Stored:
    """The target's values before the write: what decides between aliases that disagree."""

    profile: Mapping[str, Any]
    active: bool | None  # None: no user exists yet

    def value(self, target: str) -> Any:
        value = self.profile.get(target)
        return None if value in (None, "") else value


# A create: nothing is stored, so any two different values for one attribute disagree.
NOTHING_STORED = Stored({}, None)


@dataclass(frozen=True)
class Operation:
    op: str
    path: str | None
    value: Any
    # A whole POST/PUT body rather than a PATCH operation: it has no `path`, so an attribute name
    # the schemas lack makes a body that does not conform to them, `invalidSyntax` rather than
    # PATCH's `invalidPath` (RFC 7644 §3.12, Table 9).
    body: bool = False


@dataclass
class Changes:
    profile: dict[str, str | None] = field(default_factory=dict)
    active: bool | None = None

    @property
    def empty(self) -> bool:
        return not self.profile and self.active is None


class WriteCompiler:
    def __init__(
        self,
        catalog: Catalog,
        current: Mapping[str, Any] | None = None,
        *,
        lenient: bool = False,
        stored: Stored | None = None,
    ) -> None:
        self.catalog = catalog
        self.current = current
        # POST/PUT bodies carry read-only attributes (id, meta) that clients may echo back.
        self.lenient = lenient
        self.stored = stored
        self._references = catalog.reference_targets
        self.changes = Changes()
        # What the slots of the operation being applied claim, per target attribute.
        self._claims: dict[str, dict[Slot, str | None]] = {}
        self._active_claims: dict[Slot, bool] = {}

    def apply(self, operation: Operation) -> None:
        self._claims, self._active_claims = {}, {}
        try:
            self._apply(operation)
        except InvalidPathException as exc:
            if not operation.body:
                raise
            raise InvalidSyntaxException(detail=exc.detail) from exc
        anchor = self.catalog.anchor_slot.target
        for target, claims in self._claims.items():
            if len(claims) == 1:
                (value,) = claims.values()  # one slot wrote it: nothing to agree on
            else:
                value = self._agreed(claims, self._stored_value(target))
            if value is None and target == anchor:
                # userName and its ECMA2Host copy are one attribute: neither name clears it.
                named = " and ".join(_describe(s) for s, v in claims.items() if v is None)
                raise InvalidValueException(detail=f"{named} is required and cannot be cleared")
            self.changes.profile[target] = value
        if self._active_claims:
            stored = self.stored.active if self.stored is not None else None
            self.changes.active = self._agreed(self._active_claims, stored)

    def _stored_value(self, target: str) -> Any:
        return self.stored.value(target) if self.stored is not None else None

    def _agreed(self, claims: Mapping[Slot, Any], stored: Any) -> Any:
        """One value for one target attribute from every slot the operation wrote to it."""
        distinct = list(dict.fromkeys(claims.values()))
        if len(distinct) == 1:
            return distinct[0]
        if self.stored is None:
            raise NeedsCurrentResource
        changed = {slot: v for slot, v in claims.items() if v != stored}
        if len(set(changed.values())) == 1:
            return next(iter(changed.values()))
        named = " and ".join(_describe(s) for s in changed)
        raise InvalidValueException(
            detail=f"{named} set the same attribute of the user to different values; send one "
            "of them, or the same value in each"
        )

    def _apply(self, operation: Operation) -> None:
        op = operation.op
        if operation.path is None or operation.path == "":
            if op == REMOVE:
                # RFC 7644 §3.5.2.2: a remove with no path is noTarget.
                raise NoTargetException(detail="a remove operation needs a path")
            self._pathless(op, operation.value)
            return
        extension = _extension(operation.path)
        if extension is not None:
            # A bare extension URN as the path targets the whole extension object.
            if op == REMOVE:
                self._clear(s for s in self.catalog.slots if s.schema == extension)
            else:
                self._pathless(op, {extension: operation.value})
            return
        try:
            node = _parsed(operation.path)
        except SCIMException:
            raise
        except Exception as exc:
            raise InvalidPathException(detail=f"invalid path {operation.path!r}") from exc
        self._node(op, node, operation.value)

    # -- dispatch ---------------------------------------------------------------------------

    def _pathless(self, op: str, value: Any) -> None:
        if not isinstance(value, dict):
            raise InvalidValueException(detail="an operation without a path needs an object value")
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidPathException(detail="attribute names must be strings")
            lowered = key.lower()
            if lowered == "schemas":
                continue
            schema = _extension(key) or (CORE_USER if lowered == _CORE_USER_LOWER else None)
            if schema is not None:
                if item is None:
                    continue
                if not isinstance(item, dict):
                    raise InvalidValueException(detail=f"{key} must be an object")
                for sub_key, sub_item in item.items():
                    if isinstance(sub_key, str) and sub_key.lower() == "schemas":
                        continue
                    self._node(op, _attr_path(sub_key, schema), sub_item)
                continue
            try:
                node = _parsed(key)
            except Exception as exc:
                raise InvalidPathException(detail=f"unknown attribute {key!r}") from exc
            if isinstance(node, AttrPath) and isinstance(item, dict) and not _served(node.uri):
                # An extension object under its URN; the parser took the URN's last segment
                # (`User`) for an attribute, so name the URN whole.
                raise InvalidPathException(
                    detail=f"unknown schema {key}: the schemas served here are listed at /Schemas"
                )
            self._node(op, node, item)

    def _node(self, op: str, node: object, value: Any) -> None:
        if isinstance(node, AttrPath):
            self._attr(op, node, value)
        elif isinstance(node, ValuePath):
            self._value_path(op, node, value)
        else:
            raise InvalidPathException(detail="a path must name an attribute")

    def _attr(self, op: str, path: AttrPath, value: Any) -> None:
        schema = _schema(path.uri)
        if schema == ECMA2HOST_USER:
            self._ecma(op, path, value)
            return
        shape = RFC_ATTRIBUTES[schema].get(path.attr.lower())
        if shape is None and path.uri is None:
            # Entra's legacy client names the enterprise `manager` without its URN.
            shape = RFC_ATTRIBUTES[ENTERPRISE_USER].get(path.attr.lower())
            schema = ENTERPRISE_USER
        if shape is None:
            raise InvalidPathException(detail=f"unknown attribute {path.attr!r}")
        if shape.shape is Shape.READ_ONLY:
            if self.lenient:
                return
            raise MutabilityException(detail=f"{shape.name} is read-only")
        if shape.shape is Shape.SIMPLE:
            if path.sub_attr is not None:
                raise InvalidPathException(detail=f"{shape.name} has no sub-attributes")
            self._write(self.catalog.find(schema, shape.name, None, None), op, value)
        elif shape.shape is Shape.COMPLEX:
            self._complex(op, schema, shape, path.sub_attr, value)
        else:
            self._multi(op, shape, path.sub_attr, value)

    def _ecma(self, op: str, path: AttrPath, value: Any) -> None:
        name = self.catalog.ecma_attribute(path.attr)
        if name is None or path.sub_attr is not None:
            raise InvalidPathException(detail=f"unknown ECMA2Host attribute {path.attr!r}")
        self._write(self.catalog.find(ECMA2HOST_USER, name, None, None), op, value)

    # -- complex single-valued: name, manager -------------------------------------------------

    def _complex(
        self, op: str, schema: str, shape: AttributeShape, sub: str | None, value: Any
    ) -> None:
        if sub is not None:
            canonical = canonical_sub(shape, sub)
            if canonical is None:
                raise InvalidPathException(detail=f"{shape.name} has no sub-attribute {sub!r}")
            self._write(self.catalog.find(schema, shape.name, None, canonical), op, value)
            return
        if op == REMOVE or value is None or value == "":
            for slot in self.catalog.slots_of(schema, shape.name):
                self._set(slot, None)
            return
        # Entra sends a manager as a bare id, and its legacy client as a one-element array.
        if isinstance(value, list):
            value = value[0] if value else {"value": None}
        if isinstance(value, str):
            value = {"value": value}
        if not isinstance(value, dict):
            raise InvalidValueException(detail=f"{shape.name} must be an object")
        for key, item in value.items():
            canonical = canonical_sub(shape, key) if isinstance(key, str) else None
            if canonical is None:
                raise InvalidPathException(detail=f"{shape.name} has no sub-attribute {key!r}")
            self._write(self.catalog.find(schema, shape.name, None, canonical), op, item)

    # -- multi-valued: emails, phoneNumbers, addresses, ... ------------------------------------

    def _multi(self, op: str, shape: AttributeShape, sub: str | None, value: Any) -> None:
        if sub is not None:
            canonical = canonical_sub(shape, sub)
            if canonical is None:
                raise InvalidPathException(detail=f"{shape.name} has no sub-attribute {sub!r}")
            types = self._current_types(shape, None)
            _require_target(types, op, value, f"{shape.name}.{canonical}")
            for type_ in types:
                self._element_sub(op, shape, type_, canonical, value)
            return
        if op == REMOVE:
            self._clear(self.catalog.slots_of(CORE_USER, shape.name))
            return
        elements = value if isinstance(value, list) else [value]
        if op == REPLACE or value is None:
            self._clear(self.catalog.slots_of(CORE_USER, shape.name))
        seen: set[str] = set()
        for element in elements:
            if element is None:
                continue
            if not isinstance(element, dict):
                raise InvalidValueException(detail=f"{shape.name} elements must be objects")
            element_type = _element_type(element) or self._default_type(shape)
            # Two elements of one type: the first one stands, as Entra's own tests expect.
            if element_type is None or element_type.lower() in seen:
                continue
            seen.add(element_type.lower())
            self._element(op, shape, element_type, element)

    def _value_path(self, op: str, node: ValuePath, value: Any) -> None:
        schema = _schema(node.attr_path.uri)
        shape = RFC_ATTRIBUTES.get(schema, {}).get(node.attr_path.attr.lower())
        if shape is None or shape.shape is not Shape.MULTI or node.attr_path.sub_attr:
            raise InvalidPathException(detail=f"{node} does not select a multi-valued attribute")
        sub = None
        if node.sub_attr is not None:
            sub = canonical_sub(shape, node.sub_attr)
            if sub is None:
                raise InvalidPathException(
                    detail=f"{shape.name} has no sub-attribute {node.sub_attr!r}"
                )
        if not self.catalog.slots_of(CORE_USER, shape.name):
            return
        types = self._selected_types(shape, node.val_filter)
        _require_target(types, op, value, str(node))
        for type_ in types:
            if sub is not None:
                self._element_sub(op, shape, type_, sub, value)
            elif op == REMOVE:
                self._clear(self._typed_slots(shape, type_))
            else:
                element = _described_element(node.val_filter)
                if isinstance(value, dict):
                    element.update(value)
                elif value is not None:
                    raise InvalidValueException(detail=f"{node} needs an object value")
                self._element(op, shape, type_, element)

    def _selected_types(self, shape: AttributeShape, condition: FilterNode) -> list[str]:
        described = _described_type(condition)
        if described is not None:
            return [described]
        return self._current_types(shape, condition)

    def _current_types(self, shape: AttributeShape, condition: FilterNode | None) -> list[str]:
        if self.current is None:
            raise NeedsCurrentResource
        elements = self.current.get(shape.name) or []
        return [
            str(element["type"])
            for element in elements
            if element.get("type") and (condition is None or matches(condition, element))
        ]

    def _default_type(self, shape: AttributeShape) -> str | None:
        types = self.catalog.types_of(shape.name)
        return types[0] if types else None

    def _element(self, op: str, shape: AttributeShape, type_: str, element: dict[str, Any]) -> None:
        if op == REPLACE:
            self._clear(self._typed_slots(shape, type_))
        for key, item in element.items():
            canonical = canonical_sub(shape, key) if isinstance(key, str) else None
            if canonical is None:
                raise InvalidPathException(detail=f"{shape.name} has no sub-attribute {key!r}")
            if canonical not in _SELECTORS:
                self._element_sub(op, shape, type_, canonical, item)

    def _typed_slots(self, shape: AttributeShape, type_: str) -> list[Slot]:
        return [s for s in self.catalog.slots_of(CORE_USER, shape.name) if _is(s, type_)]

    def _element_sub(
        self, op: str, shape: AttributeShape, type_: str, sub: str, value: Any
    ) -> None:
        if sub in _SELECTORS:
            return
        self._write(self.catalog.find(CORE_USER, shape.name, type_, sub), op, value)

    # -- values ------------------------------------------------------------------------------

    def _clear(self, slots: Iterable[Slot]) -> None:
        for slot in slots:
            self._set(slot, None)

    def _write(self, slot: Slot | None, op: str, value: Any) -> None:
        if slot is None:
            # SCIM defines the attribute but this mapping gives it no home in the target (Entra's
            # default mapping sends fax numbers, for one): accepted and not stored.
            return
        self._set(slot, None if op == REMOVE else value)

    def _set(self, slot: Slot, value: Any) -> None:
        if slot.target == ACTIVE:  # slot.is_active, without a property call per write
            self._active_claims[slot] = self._active(slot, value)
            return
        if value is None or value == "":
            self._claims.setdefault(slot.target, {})[slot] = None
            return
        if not isinstance(value, str):
            raise InvalidValueException(
                detail=f"{_describe(slot)} must be a string, got {type(value).__name__}"
            )
        if slot.target in self._references and not is_absolute_uri(value):
            raise InvalidValueException(
                detail=f"{_describe(slot)} must be an absolute URL such as "
                "https://example.com/people/ada (the attribute is a SCIM reference)"
            )
        self._claims.setdefault(slot.target, {})[slot] = value

    def _active(self, slot: Slot, value: Any) -> bool:
        if value is None:
            raise InvalidValueException(
                detail=f"{_describe(slot)} cannot be removed; set it to true or false"
            )
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            lowered = value.strip().lower()
            status = self.catalog.status_values
            if lowered in {"true", status.active.lower()}:
                return True
            if lowered in {"false", status.inactive.lower()}:
                return False
        raise InvalidValueException(detail=f"{_describe(slot)} must be true or false")


def _schema(uri: str | None) -> str:
    if uri is None:
        return CORE_USER
    schema = _SCHEMAS.get(uri.lower())
    if schema is None:
        raise InvalidPathException(detail=f"unknown schema {uri}")
    return schema


def _served(uri: str | None) -> bool:
    return uri is None or uri.lower() in _SCHEMAS


def _require_target(types: list[str], op: str, value: Any, path: str) -> None:
    """A write that selects no element and cannot describe one has nowhere to go (RFC 7644
    §3.5.2.3 noTarget); only a filter naming the `type` lets Add create the element."""
    if not types and op != REMOVE and value is not None:
        raise NoTargetException(
            detail=f'{path} matches no element; select it by type, e.g. emails[type eq "work"]'
        )


def _extension(path: str) -> str | None:
    if ":" not in path:
        return None  # an attribute name (the common case), not a URN
    return _EXTENSIONS.get(path.strip().lower())


def _parsed(path: str) -> object:
    """`path`'s syntax tree (immutable: scim2-models' nodes are frozen). Clients write the same
    few attribute names and paths in every request, so short ones are parsed once."""
    return _parsed_short(path) if len(path) <= _CACHED_PATH_LENGTH else ScimPath(path).ast


# Longer than any attribute path Entra writes; a long one (a client's mistake, or an attack on
# the cache) is parsed every time rather than kept.
_CACHED_PATH_LENGTH = 200


@functools.lru_cache(maxsize=512)
def _parsed_short(path: str) -> object:
    return ScimPath(path).ast


def _attr_path(key: str, schema: str) -> AttrPath:
    attr, _, sub = key.partition(".")
    try:
        return AttrPath(attr, sub or None, schema)
    except ValueError as exc:
        raise InvalidPathException(detail=f"unknown attribute {key!r}") from exc


def _element_type(element: Mapping[str, Any]) -> str | None:
    for key, value in element.items():
        if isinstance(key, str) and key.lower() == "type" and isinstance(value, str) and value:
            return value
    return None


def _is(slot: Slot, type_: str) -> bool:
    return slot.type is not None and slot.type.lower() == type_.lower()


def _equalities(condition: FilterNode) -> list[Comparison] | None:
    terms = (
        condition.terms
        if isinstance(condition, LogicalExpr) and condition.op == LogicalOperator.and_
        else (condition,)
    )
    if all(isinstance(t, Comparison) and t.op == CompareOperator.eq for t in terms):
        return [t for t in terms if isinstance(t, Comparison)]
    return None


def _described_type(condition: FilterNode) -> str | None:
    """The `type` an `eq`-only filter pins down, which lets Add create the element."""
    for term in _equalities(condition) or []:
        if term.attr_path.attr.lower() == "type" and isinstance(term.value, str):
            return term.value
    return None


def _described_element(condition: FilterNode) -> dict[str, Any]:
    return {
        term.attr_path.attr: term.value
        for term in _equalities(condition) or []
        if term.attr_path.attr.lower() != "type"
    }


def _describe(slot: Slot) -> str:
    where = f'[type eq "{slot.type}"]' if slot.type else ""
    sub = f".{slot.sub}" if slot.sub else ""
    prefix = "" if slot.schema == CORE_USER else f"{slot.schema}:"
    return f"{prefix}{slot.attr}{where}{sub}"


def compile_writes(
    catalog: Catalog,
    operations: Iterable[Operation],
    current: Mapping[str, Any] | None = None,
    *,
    lenient: bool = False,
    stored: Stored | None = None,
) -> Changes:
    """`stored`: the user's target values, when read (NOTHING_STORED for a create)."""
    compiler = WriteCompiler(catalog, current, lenient=lenient, stored=stored)
    for operation in operations:
        compiler.apply(operation)
    return compiler.changes


def resource_writes(body: Mapping[str, Any]) -> list[Operation]:
    """A POST/PUT body is a path-less replace of every attribute it carries."""
    return [Operation(REPLACE, None, dict(body), body=True)]
