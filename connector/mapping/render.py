"""Builds the SCIM view of a target user from its profile and status, through the catalog.

Values come back exactly as they were stored, so what Entra wrote is what Entra reads.

A listing renders thousands of users through the same catalog, so what each slot needs (where
its value comes from, where it goes) is worked out once per catalog (`Catalog.render_plan`),
and the walk over a user is a loop over plain tuples. The order of the attributes in a
resource still follows the slots a user has values for, exactly as a walk of `catalog.slots`
gives it.
"""

from __future__ import annotations

from typing import Any

from ..targets.model import TargetUser
from .catalog import Catalog
from .definitions import CORE_USER, ECMA2HOST_USER, ENTERPRISE_USER

# Where a slot's value comes from.
_PROFILE, _ACTIVE, _STATUS_TEXT = 0, 1, 2
# The scopes a value goes into: the core resource, then the extensions in the order their
# schemas are listed.
_EXTENSIONS = (ENTERPRISE_USER, ECMA2HOST_USER)
_SCOPES = (CORE_USER, *_EXTENSIONS)

# (source, target attribute, scope index, attr, type or None, sub or None)
_Step = tuple[int, str, int, str, str | None, str | None]
# (steps, the active text, the inactive text)
RenderPlan = tuple[tuple[_Step, ...], str, str]


def compile_plan(catalog: Catalog) -> RenderPlan:
    """The steps render_user takes for `catalog` (kept as `catalog.render_plan`)."""
    steps: list[_Step] = []
    for slot in catalog.slots:
        if slot.is_active:
            source = _STATUS_TEXT if slot.schema == ECMA2HOST_USER else _ACTIVE
        else:
            source = _PROFILE
        scope = _SCOPES.index(slot.schema)
        steps.append((source, slot.target, scope, slot.attr, slot.type, slot.sub))
    values = catalog.status_values
    return tuple(steps), values.active, values.inactive


def render_user(catalog: Catalog, user: TargetUser, location: str | None = None) -> dict[str, Any]:
    steps, active_text, inactive_text = catalog.render_plan
    profile = user.profile.get
    active = user.active
    core: dict[str, Any] = {}
    scopes: tuple[dict[str, Any], ...] = (core, {}, {})
    elements: dict[tuple[str, str], dict[str, Any]] = {}
    for source, target, scope_index, attr, type_, sub in steps:
        if source == _PROFILE:
            value = profile(target)
            if value is None or value == "":
                continue
        elif source == _ACTIVE:
            value = active
        else:
            value = active_text if active else inactive_text
        scope = scopes[scope_index]
        if sub is None:
            scope[attr] = value
        elif type_ is None:
            scope.setdefault(attr, {})[sub] = value
        else:
            element = elements.get((attr, type_))
            if element is None:
                element = elements[(attr, type_)] = {}
                scope.setdefault(attr, []).append(element)
            element[sub] = value
    for (_, type_), element in elements.items():
        element["type"] = type_

    schemas = [CORE_USER]
    resource: dict[str, Any] = {"schemas": schemas, "id": user.id, **core}
    for urn, values in zip(_EXTENSIONS, scopes[1:], strict=True):
        if values:
            schemas.append(urn)
            resource[urn] = values
    resource["meta"] = resource_meta("User", user.created, user.last_modified, location)
    return resource


def resource_meta(
    resource_type: str, created: str | None, last_modified: str | None, location: str | None = None
) -> dict[str, Any]:
    """A resource's `meta`: what the target does not say is left out, not sent empty."""
    meta: dict[str, Any] = {"resourceType": resource_type}
    if created:
        meta["created"] = created
    if last_modified:
        meta["lastModified"] = last_modified
    if location:
        meta["location"] = location
    return meta
