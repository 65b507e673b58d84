"""The mapping: Schema.xml and mapping.json tie SCIM attributes to the target's attributes."""

from __future__ import annotations

from ..settings import Settings
from .catalog import Catalog, Slot, load_catalog
from .errors import SchemaError

__all__ = ["Catalog", "SchemaError", "Slot", "load_catalog", "load_schema"]


def load_schema(settings: Settings) -> Catalog:
    """The catalog for the configured Schema.xml and mapping; raises SchemaError if they clash."""
    return load_catalog(
        settings.schema_xml_path, settings.schema_mapping_path, settings.okta_external_id_attribute
    )
