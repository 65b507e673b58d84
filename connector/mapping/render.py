"""Builds the SCIM view of a target user from its profile and status, through the catalog.

Values come back exactly as they were stored, so what Entra wrote is what Entra reads.
"""

from __future__ import annotations

from typing import Any

from ..targets.model import TargetUser
from .catalog import Catalog, Slot
from .definitions import CORE_USER, ECMA2HOST_USER, ENTERPRISE_USER


def _slot_value(catalog: Catalog, slot: Slot, user: TargetUser) -> Any:
    if slot.is_active:
        if slot.schema == ECMA2HOST_USER:
            values = catalog.status_values
            return values.active if user.active else values.inactive
        return user.active
    value = user.profile.get(slot.target)
    return value if value not in (None, "") else None


def render_user(catalog: Catalog, user: TargetUser, location: str | None = None) -> dict[str, Any]:
    core: dict[str, Any] = {}
    extensions: dict[str, dict[str, Any]] = {ENTERPRISE_USER: {}, ECMA2HOST_USER: {}}
    elements: dict[tuple[str, str], dict[str, Any]] = {}
    for slot in catalog.slots:
        value = _slot_value(catalog, slot, user)
        if value is None:
            continue
        scope = core if slot.schema == CORE_USER else extensions[slot.schema]
        if slot.type is not None and slot.sub is not None:
            element = elements.get((slot.attr, slot.type))
            if element is None:
                element = elements[(slot.attr, slot.type)] = {}
                scope.setdefault(slot.attr, []).append(element)
            element[slot.sub] = value
        elif slot.sub is not None:
            scope.setdefault(slot.attr, {})[slot.sub] = value
        else:
            scope[slot.attr] = value
    for (_, type_), element in elements.items():
        element["type"] = type_

    schemas = [CORE_USER] + [urn for urn, values in extensions.items() if values]
    resource: dict[str, Any] = {"schemas": schemas, "id": user.id, **core}
    for urn, values in extensions.items():
        if values:
            resource[urn] = values
    meta: dict[str, Any] = {"resourceType": "User"}
    if user.created:
        meta["created"] = user.created
    if user.last_modified:
        meta["lastModified"] = user.last_modified
    if location:
        meta["location"] = location
    resource["meta"] = meta
    return resource
