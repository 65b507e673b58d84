"""The connector's HTTP functions: one per SCIM route, all ANONYMOUS behind our own bearer check.

Entra sends a bearer token, never a function key, so the host must not demand one; per-route
functions give per-operation metrics in Application Insights. Each route function also lets a
host that reads heads first (the local server) refuse a bad token or an oversized body unread.
Handlers are named, not imported (lazy.py): indexing the routes loads none of their modules.
"""

from __future__ import annotations

import azure.functions as func

from .lazy import HandlerRef, route_function

blueprint = func.Blueprint()  # type: ignore[no-untyped-call]

_ANONYMOUS = func.AuthLevel.ANONYMOUS

USERS = HandlerRef("handlers", "users")
SEARCH = HandlerRef("handlers", "search")
USER = HandlerRef("handlers", "user")
SERVICE_PROVIDER_CONFIG = HandlerRef("handlers", "service_provider_config")
SCHEMAS = HandlerRef("handlers", "schemas")
RESOURCE_TYPES = HandlerRef("handlers", "resource_types")
UNKNOWN = HandlerRef("handlers", "unknown")
GROUPS = HandlerRef("group_handlers", "groups")
GROUPS_SEARCH = HandlerRef("group_handlers", "groups_search")
SEARCH_ALL = HandlerRef("group_handlers", "search_all")
GROUP = HandlerRef("group_handlers", "group")


# (function name, route, handler)
ROUTES = [
    ("scim_users", "scim/v2/Users", USERS),
    ("scim_users_search", "scim/v2/Users/.search", SEARCH),
    ("scim_search", "scim/v2/.search", SEARCH_ALL),
    ("scim_user", "scim/v2/Users/{id}", USER),
    ("scim_groups", "scim/v2/Groups", GROUPS),
    ("scim_groups_search", "scim/v2/Groups/.search", GROUPS_SEARCH),
    ("scim_group", "scim/v2/Groups/{id}", GROUP),
    ("scim_service_provider_config", "scim/v2/ServiceProviderConfig", SERVICE_PROVIDER_CONFIG),
    ("scim_schemas", "scim/v2/Schemas", SCHEMAS),
    ("scim_schema", "scim/v2/Schemas/{id}", SCHEMAS),
    ("scim_resource_types", "scim/v2/ResourceTypes", RESOURCE_TYPES),
    ("scim_resource_type", "scim/v2/ResourceTypes/{id}", RESOURCE_TYPES),
    ("scim_unknown", "scim/v2/{*path}", UNKNOWN),
]

for _name, _route, _ref in ROUTES:
    blueprint.function_name(_name)(
        blueprint.route(_route, auth_level=_ANONYMOUS)(route_function(_name, _ref))
    )
