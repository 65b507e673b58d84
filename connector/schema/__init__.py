"""Schema mapping: the packaged Schema.xml and the SCIM ⇄ Okta attribute map."""

from __future__ import annotations

from ..config import Settings
from .catalog import Catalog, Slot, load_catalog
from .errors import SchemaError

__all__ = ["Catalog", "SchemaError", "Slot", "load_catalog", "load_schema"]


def load_schema(settings: Settings | None = None) -> Catalog:
    """The catalog for the configured Schema.xml and mapping; raises SchemaError if they clash."""
    settings = settings or Settings.from_env()
    return load_catalog(
        settings.schema_xml_path, settings.mapping_path, settings.external_id_attribute
    )
