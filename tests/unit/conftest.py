"""Shared fixtures for the per-layer unit tests: the packaged catalog and small Schema.xml files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connector.mapping import Catalog, load_catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The catalog built from the packaged Schema.xml and mapping.json."""
    return load_catalog()


def schema_xml(attributes: list[tuple[str, bool, bool]], *, object_type: str = "Person") -> str:
    """A Schema.xml text; each attribute is (name, is_anchor, is_multi_valued)."""
    parts = [
        "<SchemaAttribute>"
        f"<Name>{name}</Name><DataType>String</DataType>"
        f"<IsMultiValued>{int(multi)}</IsMultiValued><IsAnchor>{int(anchor)}</IsAnchor>"
        "</SchemaAttribute>"
        for name, anchor, multi in attributes
    ]
    return (
        '<?xml version="1.0" encoding="utf-8"?><Schema><Types><SchemaType>'
        f"<Name>{object_type}</Name><Attributes>{''.join(parts)}</Attributes>"
        "</SchemaType></Types></Schema>"
    )


def write_files(directory: Path, xml_text: str, mapping: dict[str, Any] | str) -> tuple[Path, Path]:
    xml_path = directory / "Schema.xml"
    mapping_path = directory / "mapping.json"
    xml_path.write_text(xml_text, encoding="utf-8")
    text = mapping if isinstance(mapping, str) else json.dumps(mapping)
    mapping_path.write_text(text, encoding="utf-8")
    return xml_path, mapping_path
