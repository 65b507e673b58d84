"""The connector's HTTP functions: one per SCIM route, all ANONYMOUS behind our own bearer check.

Entra sends a bearer token, never a function key, so the host must not demand one; per-route
functions give per-operation metrics in Application Insights. `checked_before_body` lets a host
that reads heads first (the local server) refuse a bad token or an oversized body unread.
Handlers are named, not imported (lazy.py): indexing the routes loads none of their modules.
"""

from __future__ import annotations

import azure.functions as func

from .lazy import HandlerRef, checked_before_body, serve

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


@blueprint.function_name("scim_users")
@blueprint.route("scim/v2/Users", auth_level=_ANONYMOUS)
@checked_before_body(USERS)
async def scim_users(req: func.HttpRequest) -> func.HttpResponse:
    return await serve(USERS, req)


@blueprint.function_name("scim_users_search")
@blueprint.route("scim/v2/Users/.search", auth_level=_ANONYMOUS)
@checked_before_body(SEARCH)
async def scim_users_search(req: func.HttpRequest) -> func.HttpResponse:
    return await serve(SEARCH, req)


@blueprint.function_name("scim_search")
@blueprint.route("scim/v2/.search", auth_level=_ANONYMOUS)
@checked_before_body(SEARCH)
async def scim_search(req: func.HttpRequest) -> func.HttpResponse:
    return await serve(SEARCH_ALL, req)


@blueprint.function_name("scim_user")
@blueprint.route("scim/v2/Users/{id}", auth_level=_ANONYMOUS)
@checked_before_body(USER)
async def scim_user(req: func.HttpRequest) -> func.HttpResponse:
    return await serve(USER, req)


@blueprint.function_name("scim_groups")
@blueprint.route("scim/v2/Groups", auth_level=_ANONYMOUS)
@checked_before_body(GROUPS)
async def scim_groups(req: func.HttpRequest) -> func.HttpResponse:
    return await serve(GROUPS, req)


@blueprint.function_name("scim_groups_search")
@blueprint.route("scim/v2/Groups/.search", auth_level=_ANONYMOUS)
async def scim_groups_search(req: func.HttpRequest) -> func.HttpResponse:
    return await serve(GROUPS_SEARCH, req)


@blueprint.function_name("scim_group")
@blueprint.route("scim/v2/Groups/{id}", auth_level=_ANONYMOUS)
@checked_before_body(GROUP)
async def scim_group(req: func.HttpRequest) -> func.HttpResponse:
    return await serve(GROUP, req)


@blueprint.function_name("scim_service_provider_config")
@blueprint.route("scim/v2/ServiceProviderConfig", auth_level=_ANONYMOUS)
@checked_before_body(SERVICE_PROVIDER_CONFIG)
async def scim_service_provider_config(req: func.HttpRequest) -> func.HttpResponse:
    return await serve(SERVICE_PROVIDER_CONFIG, req)


@blueprint.function_name("scim_schemas")
@blueprint.route("scim/v2/Schemas", auth_level=_ANONYMOUS)
@checked_before_body(SCHEMAS)
async def scim_schemas(req: func.HttpRequest) -> func.HttpResponse:
    return await serve(SCHEMAS, req)


@blueprint.function_name("scim_schema")
@blueprint.route("scim/v2/Schemas/{id}", auth_level=_ANONYMOUS)
@checked_before_body(SCHEMAS)
async def scim_schema(req: func.HttpRequest) -> func.HttpResponse:
    return await serve(SCHEMAS, req)


@blueprint.function_name("scim_resource_types")
@blueprint.route("scim/v2/ResourceTypes", auth_level=_ANONYMOUS)
@checked_before_body(RESOURCE_TYPES)
async def scim_resource_types(req: func.HttpRequest) -> func.HttpResponse:
    return await serve(RESOURCE_TYPES, req)


@blueprint.function_name("scim_resource_type")
@blueprint.route("scim/v2/ResourceTypes/{id}", auth_level=_ANONYMOUS)
@checked_before_body(RESOURCE_TYPES)
async def scim_resource_type(req: func.HttpRequest) -> func.HttpResponse:
    return await serve(RESOURCE_TYPES, req)


@blueprint.function_name("scim_unknown")
@blueprint.route("scim/v2/{*path}", auth_level=_ANONYMOUS)
@checked_before_body(UNKNOWN)
async def scim_unknown(req: func.HttpRequest) -> func.HttpResponse:
    return await serve(UNKNOWN, req)
