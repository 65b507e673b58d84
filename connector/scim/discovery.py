"""Discovery documents: ServiceProviderConfig, ResourceTypes and Schemas (RFC 7643 §5–7).

`/Schemas` is generated from the catalog: the RFC definitions of only those attributes the
mapping stores (so every advertised attribute round-trips), plus the ECMA2Host extension with
one string attribute per Schema.xml attribute, in its original spelling.
"""

from __future__ import annotations

from typing import Any

from scim2_models import Context, EnterpriseUser, Group, User

from ..mapping import Catalog, Slot
from ..mapping.definitions import CORE_USER, ECMA2HOST_USER, ENTERPRISE_USER
from ..mapping.groups import GROUP_SCHEMA
from ..targets.protocol import GroupCapabilities

SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
_SELECTOR_SUBS = {"type"}


def service_provider_config(base_url: str) -> dict[str, Any]:
    return {
        "schemas": [SPC_SCHEMA],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": 200},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "The Secret Token configured in Entra, sent as a Bearer token.",
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{base_url}/ServiceProviderConfig",
        },
    }


def resource_types(
    catalog: Catalog, base_url: str, groups: GroupCapabilities | None = None
) -> list[dict[str, Any]]:
    extensions = [{"schema": ENTERPRISE_USER, "required": False}]
    if catalog.ecma_view:
        extensions.append({"schema": ECMA2HOST_USER, "required": False})
    types = [
        {
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "User accounts, stored in the target application",
            "schema": CORE_USER,
            "schemaExtensions": extensions,
            "meta": {"resourceType": "ResourceType", "location": f"{base_url}/ResourceTypes/User"},
        }
    ]
    # Groups only where the target provisions them: saying otherwise would invite Entra to try.
    if groups is not None:
        types.append(
            {
                "schemas": [RESOURCE_TYPE_SCHEMA],
                "id": "Group",
                "name": "Group",
                "endpoint": "/Groups",
                "description": f"Groups of users, stored in {groups.name}",
                "schema": GROUP_SCHEMA,
                "schemaExtensions": [],
                "meta": {
                    "resourceType": "ResourceType",
                    "location": f"{base_url}/ResourceTypes/Group",
                },
            }
        )
    return types


def _group_attributes() -> list[dict[str, Any]]:
    """The RFC's Group attributes the connector keeps: displayName, and members by value (a
    member's `display` and `$ref` are not stored, so they are not advertised)."""
    dumped = Group.to_schema().model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    kept = []
    for attribute in dumped["attributes"]:
        attribute = dict(attribute)
        if attribute["name"] == "displayName":
            attribute["required"] = True
        if attribute["name"] == "members":
            attribute["subAttributes"] = [
                s for s in attribute["subAttributes"] if s["name"] in {"value", "type"}
            ]
        kept.append(attribute)
    return kept


def _rfc_attributes(model: type[User[Any]] | type[EnterpriseUser]) -> list[dict[str, Any]]:
    dumped = model.to_schema().model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    attributes: list[dict[str, Any]] = dumped["attributes"]
    return attributes


def _trimmed(
    catalog: Catalog, schema: str, attributes: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    kept = []
    for attribute in attributes:
        slots = [
            s
            for s in catalog.slots_of(schema, attribute["name"])
            if catalog.stateful or not s.is_active
        ]
        if not slots:
            continue
        attribute = dict(attribute)
        required = {s.sub for s in slots if s.target in catalog.required_targets}
        # A target user always has a state: `active` is always there, true or false.
        attribute["required"] = bool(required) or any(s.is_active for s in slots)
        subs = attribute.get("subAttributes")
        if subs:
            stored = {s.sub for s in slots}
            types = catalog.types_of(attribute["name"]) if schema == CORE_USER else []
            trimmed = []
            for sub in subs:
                if sub["name"] in stored:
                    trimmed.append({**sub, "required": sub["name"] in required})
                elif sub["name"] in _SELECTOR_SUBS and types:
                    trimmed.append({**sub, "canonicalValues": types})
            attribute["subAttributes"] = trimmed
        kept.append(attribute)
    return kept


def _ecma_type(catalog: Catalog, slot: Slot) -> dict[str, Any]:
    """Schema.xml says String; a copy of a core reference (the same target attribute) is
    checked as one, so it is advertised as one."""
    if slot.target in catalog.reference_targets:
        return {"type": "reference", "referenceTypes": ["external"]}
    return {"type": "string"}


def _ecma_description(catalog: Catalog, name: str, slot: Slot) -> str:
    described = f"{name} ({catalog.xml.object_type} in Schema.xml)"
    if slot.target in catalog.reference_targets:
        described += "; an absolute URL, as the core attribute it is stored with"
    return described


def _schema(
    base_url: str, urn: str, name: str, description: str, attributes: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "schemas": [SCHEMA_SCHEMA],
        "id": urn,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": f"{base_url}/Schemas/{urn}"},
    }


def schemas(
    catalog: Catalog, base_url: str, groups: GroupCapabilities | None = None
) -> list[dict[str, Any]]:
    targets = {s.attr: s for s in catalog.slots if s.schema == ECMA2HOST_USER}
    status = catalog.status_values
    ecma = [
        {
            "name": attribute.name,
            **_ecma_type(catalog, targets[attribute.name]),
            "multiValued": False,
            "description": _ecma_description(catalog, attribute.name, targets[attribute.name]),
            "required": attribute.is_anchor,
            "caseExact": False,
            "mutability": "readWrite",
            "returned": "default",
            "uniqueness": "server" if attribute.is_anchor else "none",
        }
        | (
            {"canonicalValues": [status.active, status.inactive]}
            if targets[attribute.name].is_active
            else {}
        )
        for attribute in catalog.xml.attributes
        if attribute.name in targets and (catalog.stateful or not targets[attribute.name].is_active)
    ]
    documents = [
        _schema(
            base_url,
            CORE_USER,
            "User",
            "User Account",
            _trimmed(catalog, CORE_USER, _rfc_attributes(User)),
        ),
        _schema(
            base_url,
            ENTERPRISE_USER,
            "EnterpriseUser",
            "Enterprise user",
            _trimmed(catalog, ENTERPRISE_USER, _rfc_attributes(EnterpriseUser)),
        ),
    ]
    if catalog.ecma_view:
        documents.append(
            _schema(
                base_url,
                ECMA2HOST_USER,
                "ECMA2HostUser",
                "Attributes of the ECMA2Host Schema.xml",
                ecma,
            )
        )
    if groups is not None:
        documents.append(_schema(base_url, GROUP_SCHEMA, "Group", "Group", _group_attributes()))
    return documents
