"""The attribute catalog: every SCIM attribute the connector stores, and where in the target it
lives.

A *slot* is one scalar SCIM value with one home in the target: `userName`, `name.givenName`,
`emails[type eq "work"].value`, an enterprise attribute, or an ECMA2Host attribute. Multi-valued
SCIM attributes become a fixed set of slots keyed by `type`, which is what lets a PATCH be turned
into a partial update without reading the user first.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from scim2_models import Path as ScimPath
from scim2_models.path import AttrPath, CompareOperator, Comparison, ValuePath

from ..targets.protocol import Capabilities
from .definitions import (
    CORE_USER,
    ECMA2HOST_USER,
    RFC_ATTRIBUTES,
    Shape,
    canonical_sub,
)
from .errors import SchemaError
from .references import is_reference
from .schema_xml import XmlSchema, read_schema_xml

if TYPE_CHECKING:
    from .render import RenderPlan

ACTIVE = "@active"
EXTERNAL_ID = "@externalId"
_OKTA_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
PACKAGED_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Slot:
    schema: str
    attr: str
    type: str | None
    sub: str | None
    target: str

    @property
    def is_active(self) -> bool:
        return self.target == ACTIVE

    def matches(self, schema: str, attr: str, type_: str | None, sub: str | None) -> bool:
        return (
            self.schema.lower() == schema.lower()
            and self.attr.lower() == attr.lower()
            and _lower(self.type) == _lower(type_)
            and _lower(self.sub) == _lower(sub)
        )


def _lower(value: str | None) -> str | None:
    return value.lower() if value is not None else None


@dataclass(frozen=True)
class StatusValues:
    active: str
    inactive: str


@dataclass(frozen=True)
class Catalog:
    slots: tuple[Slot, ...]
    xml: XmlSchema
    status_values: StatusValues
    # Target attributes a create must carry (Okta: login, firstName, lastName, email).
    required_targets: frozenset[str] = frozenset()
    # False when the mapping has no `ecma2host` section: no ECMA2Host extension is exposed.
    ecma_view: bool = True
    # False when the target has no disabled state: `active` is then not advertised, and a write
    # of false is refused by the target (Entra deletes instead of disabling).
    stateful: bool = True

    def find(self, schema: str, attr: str, type_: str | None, sub: str | None) -> Slot | None:
        """The first slot that `matches` these names (in any case), or None."""
        # Callers mostly name slots as the mapping spells them: no lower-casing then.
        exact = self._by_spelling.get((schema, attr, type_, sub))
        if exact is not None:
            return exact
        return self._by_names.get((schema.lower(), attr.lower(), _lower(type_), _lower(sub)))

    def slots_of(self, schema: str, attr: str) -> list[Slot]:
        """The slots of one attribute (names in any case), in mapping order."""
        return list(self._by_attribute.get((schema.lower(), attr.lower()), ()))

    @cached_property
    def render_plan(self) -> RenderPlan:
        """How render.py turns a target user into SCIM with this catalog, worked out once."""
        from .render import compile_plan  # render reads the catalog: imported on first use

        return compile_plan(self)

    # Indexes of the slots, built on first use: every write of a request looks slots up by name
    # several times, and scanning them all lower-casing each name was most of a POST's mapping
    # time. The catalog is frozen, so an index never goes stale (`replace` makes a new catalog).
    @cached_property
    def _by_names(self) -> dict[tuple[str, str, str | None, str | None], Slot]:
        index: dict[tuple[str, str, str | None, str | None], Slot] = {}
        for slot in self.slots:
            key = (slot.schema.lower(), slot.attr.lower(), _lower(slot.type), _lower(slot.sub))
            index.setdefault(key, slot)
        return index

    @cached_property
    def _by_spelling(self) -> dict[tuple[str, str, str | None, str | None], Slot]:
        """`_by_names` keyed by the slots' own spelling: only the slot found in any case."""
        index: dict[tuple[str, str, str | None, str | None], Slot] = {}
        for slot in self.slots:
            lowered = (slot.schema.lower(), slot.attr.lower(), _lower(slot.type), _lower(slot.sub))
            if self._by_names[lowered] is slot:
                index.setdefault((slot.schema, slot.attr, slot.type, slot.sub), slot)
        return index

    @cached_property
    def _by_attribute(self) -> dict[tuple[str, str], tuple[Slot, ...]]:
        index: dict[tuple[str, str], list[Slot]] = {}
        for slot in self.slots:
            index.setdefault((slot.schema.lower(), slot.attr.lower()), []).append(slot)
        return {key: tuple(slots) for key, slots in index.items()}

    @cached_property
    def _ecma_names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for attribute in self.xml.attributes:
            names.setdefault(attribute.name.lower(), attribute.name)
        return names

    def types_of(self, attr: str) -> list[str]:
        """The `type` values a multi-valued core attribute has slots for, in mapping order."""
        seen: list[str] = []
        for slot in self.slots_of(CORE_USER, attr):
            if slot.type is not None and slot.type not in seen:
                seen.append(slot.type)
        return seen

    def ecma_attribute(self, name: str) -> str | None:
        """The Schema.xml spelling of an ECMA2Host attribute name given in any case."""
        if not self.ecma_view:
            return None
        return self._ecma_names.get(name.lower())

    @cached_property
    def anchor_slot(self) -> Slot:
        return next(s for s in self.slots if s.schema == CORE_USER and s.attr == "userName")

    @cached_property
    def anchor_paths(self) -> tuple[AttrPath, AttrPath]:
        """The paths a filter names the anchor by: `userName`, and its ECMA2Host name."""
        return AttrPath(self.anchor_slot.attr), AttrPath(self.xml.anchor.name, None, ECMA2HOST_USER)

    @cached_property
    def reference_targets(self) -> frozenset[str]:
        """Target attributes holding a SCIM reference (a URL), whichever slot writes them: an
        ECMA2Host copy of `profileUrl` is read back as the core reference too."""
        return frozenset(s.target for s in self.slots if is_reference(s.schema, s.attr, s.sub))

    def target_attributes(self) -> list[str]:
        """Every target attribute the connector reads or writes, in mapping order."""
        names: list[str] = []
        for slot in self.slots:
            if not slot.is_active and slot.target not in names:
                names.append(slot.target)
        return names

    def fitted(self, capabilities: Capabilities) -> Catalog:
        """This catalog for a target: every attribute the mapping stores must have a home in it,
        and `active` is only advertised where the target has a disabled state."""
        if capabilities.attributes is not None:
            missing = [a for a in self.target_attributes() if a not in capabilities.attributes]
            if missing:
                raise SchemaError(
                    f"the mapping stores {', '.join(missing)}, which {capabilities.name} has no "
                    "place for: add each to the description's users.attributes, or remove it "
                    "from the mapping (mapping.json)"
                )
        return replace(self, stateful=capabilities.disabled_state)


def _core_slot(path: str, target: str) -> Slot:
    """Turn a mapping key such as `emails[type eq "work"].value` into a slot."""
    try:
        node = ScimPath(path).ast
    except Exception as exc:
        raise SchemaError(f"mapping path {path!r} is not a SCIM attribute path: {exc}") from exc
    type_: str | None = None
    if isinstance(node, ValuePath):
        condition = node.val_filter
        if not (
            isinstance(condition, Comparison)
            and condition.attr_path.attr.lower() == "type"
            and condition.op == CompareOperator.eq
            and isinstance(condition.value, str)
            and node.sub_attr is not None
        ):
            raise SchemaError(
                f'mapping path {path!r}: only `attr[type eq "x"].sub` selects an element'
            )
        type_ = condition.value
        attr_path = AttrPath(node.attr_path.attr, node.sub_attr, node.attr_path.uri)
    elif isinstance(node, AttrPath):
        attr_path = node
    else:
        raise SchemaError(f"mapping path {path!r} is not an attribute path")
    schema = attr_path.uri or CORE_USER
    known = RFC_ATTRIBUTES.get(schema)
    if known is None:
        raise SchemaError(f"mapping path {path!r}: unknown schema {schema}")
    shape = known.get(attr_path.attr.lower())
    if shape is None or shape.shape is Shape.READ_ONLY:
        raise SchemaError(f"mapping path {path!r}: {attr_path.attr} is not a writable attribute")
    sub = attr_path.sub_attr
    if shape.shape is Shape.SIMPLE and sub is not None:
        raise SchemaError(f"mapping path {path!r}: {shape.name} has no sub-attributes")
    if shape.shape is not Shape.SIMPLE:
        canonical = canonical_sub(shape, sub) if sub else None
        if canonical is None or canonical in {"type", "primary", "display", "$ref"}:
            raise SchemaError(f"mapping path {path!r}: name a storable sub-attribute")
        sub = canonical
    if shape.shape is Shape.MULTI and type_ is None:
        raise SchemaError(f'mapping path {path!r}: select the element with [type eq "..."]')
    if shape.name == "active" and target != ACTIVE:
        raise SchemaError("mapping: `active` must map to @active (the user's enabled state)")
    return Slot(schema, shape.name, type_, sub, target)


def _check_target(key: str, target: str) -> None:
    if target in {ACTIVE, EXTERNAL_ID}:
        return
    if not _OKTA_NAME.match(target):
        raise SchemaError(f"mapping: {key!r} maps to {target!r}, which is not an attribute name")


def build_catalog(xml: XmlSchema, mapping: dict[str, object], external_id_attr: str) -> Catalog:
    scim = mapping.get("scim")
    ecma_view = "ecma2host" in mapping
    ecma = mapping.get("ecma2host", {xml.anchor.name: "login"})
    status = mapping.get("statusValues", {"active": "Active", "inactive": "Inactive"})
    required = mapping.get("required", [])
    if not isinstance(scim, dict) or not isinstance(ecma, dict) or not isinstance(status, dict):
        raise SchemaError("mapping: `scim`, `ecma2host` and `statusValues` must be objects")
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        raise SchemaError("mapping: `required` must be a list of target attribute names")
    if mapping.get("objectType", xml.object_type) != xml.object_type:
        raise SchemaError(
            f"mapping is for object type {mapping.get('objectType')!r}, "
            f"Schema.xml declares {xml.object_type!r}"
        )
    if not _OKTA_NAME.match(external_id_attr):
        raise SchemaError(f"OKTA_EXTERNAL_ID_ATTRIBUTE {external_id_attr!r} is not a valid name")

    slots: list[Slot] = []
    for key, target in scim.items():
        if not isinstance(target, str):
            raise SchemaError(f"mapping: {key!r} must map to a string")
        _check_target(key, target)
        slot = _core_slot(key, external_id_attr if target == EXTERNAL_ID else target)
        if any(s.matches(slot.schema, slot.attr, slot.type, slot.sub) for s in slots):
            raise SchemaError(f"mapping: {key!r} is mapped twice")
        slots.append(slot)
    used = [s.target for s in slots if not s.is_active]
    duplicates = {t for t in used if used.count(t) > 1}
    if duplicates:
        raise SchemaError(f"mapping: target attributes mapped from two SCIM paths: {duplicates}")
    if not any(s.attr == "userName" and s.schema == CORE_USER for s in slots):
        raise SchemaError("mapping: `userName` must be mapped (it is the matching attribute)")

    declared = {a.name for a in xml.attributes}
    for name in ecma:
        if name not in declared:
            raise SchemaError(f"mapping: ecma2host attribute {name!r} is not in Schema.xml")
    for attribute in xml.attributes if ecma_view else ():
        target = ecma.get(attribute.name)
        if not isinstance(target, str):
            raise SchemaError(f"mapping: Schema.xml attribute {attribute.name!r} is not mapped")
        _check_target(attribute.name, target)
        resolved = external_id_attr if target == EXTERNAL_ID else target
        slots.append(Slot(ECMA2HOST_USER, attribute.name, None, None, resolved))

    anchor_target = ecma.get(xml.anchor.name)
    username = next(s for s in slots if s.attr == "userName" and s.schema == CORE_USER)
    stored = {s.target for s in slots}
    for name in required:
        if name not in stored:
            raise SchemaError(f"mapping: required attribute {name!r} is not mapped from SCIM")
    if anchor_target != username.target:
        raise SchemaError(
            f"mapping: the anchor {xml.anchor.name!r} maps to {anchor_target!r} but userName "
            f"maps to {username.target!r}; they must be the same target attribute"
        )
    active, inactive = status.get("active"), status.get("inactive")
    if not isinstance(active, str) or not isinstance(inactive, str) or active == inactive:
        raise SchemaError("mapping: statusValues needs distinct `active` and `inactive` strings")
    return Catalog(
        tuple(slots), xml, StatusValues(active, inactive), frozenset(required), ecma_view
    )


def load_catalog(
    xml_path: Path | None = None,
    mapping_path: Path | None = None,
    external_id_attr: str = "scimExternalId",
) -> Catalog:
    xml = read_schema_xml(xml_path or PACKAGED_DIR / "Schema.xml")
    path = mapping_path or PACKAGED_DIR / "mapping.json"
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SchemaError(f"cannot read mapping {path}: {exc}") from exc
    if not isinstance(mapping, dict):
        raise SchemaError(f"mapping {path} must be a JSON object")
    return build_catalog(xml, mapping, external_id_attr)
