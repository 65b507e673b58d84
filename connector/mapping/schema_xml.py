"""Reads an ECMA2Host `Schema.xml`: the object type, its attributes and its anchor."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# The file is the operator's own configuration, read once at start-up, never request input.
from xml.etree import ElementTree

from .errors import SchemaError

# RFC 7643 §2.1's ATTRNAME: what a SCIM path, filter or `attributes` list can name.
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class XmlAttribute:
    name: str
    data_type: str
    is_anchor: bool
    is_multi_valued: bool


@dataclass(frozen=True)
class XmlSchema:
    object_type: str
    attributes: tuple[XmlAttribute, ...]

    @property
    def anchor(self) -> XmlAttribute:
        return next(a for a in self.attributes if a.is_anchor)


def _text(element: ElementTree.Element, tag: str, where: str) -> str:
    child = element.find(tag)
    if child is None or not (child.text or "").strip():
        raise SchemaError(f"{where}: <{tag}> is missing")
    return (child.text or "").strip()


def _flag(element: ElementTree.Element, tag: str) -> bool:
    child = element.find(tag)
    return child is not None and (child.text or "").strip().lower() in {"1", "true"}


def read_schema_xml(path: Path) -> XmlSchema:
    try:
        root = ElementTree.parse(path).getroot()  # noqa: S314
    except (OSError, ElementTree.ParseError) as exc:
        raise SchemaError(f"cannot read {path}: {exc}") from exc
    types = root.findall("./Types/SchemaType")
    if len(types) != 1:
        raise SchemaError(f"{path}: expected exactly one <SchemaType>, found {len(types)}")
    schema_type = types[0]
    object_type = _text(schema_type, "Name", str(path))
    attributes = []
    for element in schema_type.findall("./Attributes/SchemaAttribute"):
        name = _text(element, "Name", f"{path}: a <SchemaAttribute>")
        attributes.append(
            XmlAttribute(
                name=name,
                data_type=_text(element, "DataType", f"{path}: attribute {name}"),
                is_anchor=_flag(element, "IsAnchor"),
                is_multi_valued=_flag(element, "IsMultiValued"),
            )
        )
    anchors = [a.name for a in attributes if a.is_anchor]
    if len(anchors) != 1:
        raise SchemaError(f"{path}: expected exactly one anchor attribute, found {anchors}")
    for attribute in attributes:
        if not _ATTRIBUTE_NAME.fullmatch(attribute.name):
            raise SchemaError(
                f"{path}{_line_of(path, attribute.name)}: attribute {attribute.name!r} cannot be "
                "named in a SCIM path or filter (RFC 7643 §2.1); rename it with letters, digits, "
                "- and _ only, starting with a letter (Entra takes the names from /Schemas)"
            )
    names = [a.name.lower() for a in attributes]
    if len(set(names)) != len(names):
        raise SchemaError(f"{path}: attribute names must be unique (ignoring case)")
    for attribute in attributes:
        if attribute.is_multi_valued:
            raise SchemaError(
                f"{path}: attribute {attribute.name} is multi-valued; Entra cannot provision "
                "multi-valued custom attributes, use single-valued ones"
            )
    return XmlSchema(object_type=object_type, attributes=tuple(attributes))


def _line_of(path: Path, name: str) -> str:
    """`:<line>` of the <Name> element that holds `name`, or "" when it cannot be told."""
    spelled = re.compile(rf"<Name>\s*{re.escape(name)}\s*</Name>")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    return next((f":{n}" for n, line in enumerate(lines, start=1) if spelled.search(line)), "")
