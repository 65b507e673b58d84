"""The connector's HTTP functions: one per SCIM route, all ANONYMOUS behind our own bearer check.

Entra sends a bearer token, never a function key, so the host must not demand one; per-route
functions give per-operation metrics in Application Insights. `checked_before_body` lets a host
that reads heads first (the local server) refuse a bad token or an oversized body unread.
"""

from __future__ import annotations

import azure.functions as func

from . import group_handlers, handlers
from .endpoint import checked_before_body, scim_endpoint

blueprint = func.Blueprint()  # type: ignore[no-untyped-call]

_ANONYMOUS = func.AuthLevel.ANONYMOUS


@blueprint.function_name("scim_users")
@blueprint.route("scim/v2/Users", auth_level=_ANONYMOUS)
@checked_before_body(handlers.users)
async def scim_users(req: func.HttpRequest) -> func.HttpResponse:
    return await scim_endpoint(handlers.users)(req)


@blueprint.function_name("scim_users_search")
@blueprint.route("scim/v2/Users/.search", auth_level=_ANONYMOUS)
@checked_before_body(handlers.search)
async def scim_users_search(req: func.HttpRequest) -> func.HttpResponse:
    return await scim_endpoint(handlers.search)(req)


@blueprint.function_name("scim_search")
@blueprint.route("scim/v2/.search", auth_level=_ANONYMOUS)
@checked_before_body(handlers.search)
async def scim_search(req: func.HttpRequest) -> func.HttpResponse:
    return await scim_endpoint(group_handlers.search_all)(req)


@blueprint.function_name("scim_user")
@blueprint.route("scim/v2/Users/{id}", auth_level=_ANONYMOUS)
@checked_before_body(handlers.user)
async def scim_user(req: func.HttpRequest) -> func.HttpResponse:
    return await scim_endpoint(handlers.user)(req)


@blueprint.function_name("scim_groups")
@blueprint.route("scim/v2/Groups", auth_level=_ANONYMOUS)
@checked_before_body(group_handlers.groups)
async def scim_groups(req: func.HttpRequest) -> func.HttpResponse:
    return await scim_endpoint(group_handlers.groups)(req)


@blueprint.function_name("scim_groups_search")
@blueprint.route("scim/v2/Groups/.search", auth_level=_ANONYMOUS)
async def scim_groups_search(req: func.HttpRequest) -> func.HttpResponse:
    return await scim_endpoint(group_handlers.groups_search)(req)


@blueprint.function_name("scim_group")
@blueprint.route("scim/v2/Groups/{id}", auth_level=_ANONYMOUS)
@checked_before_body(group_handlers.group)
async def scim_group(req: func.HttpRequest) -> func.HttpResponse:
    return await scim_endpoint(group_handlers.group)(req)


@blueprint.function_name("scim_service_provider_config")
@blueprint.route("scim/v2/ServiceProviderConfig", auth_level=_ANONYMOUS)
@checked_before_body(handlers.service_provider_config)
async def scim_service_provider_config(req: func.HttpRequest) -> func.HttpResponse:
    return await scim_endpoint(handlers.service_provider_config)(req)


@blueprint.function_name("scim_schemas")
@blueprint.route("scim/v2/Schemas", auth_level=_ANONYMOUS)
@checked_before_body(handlers.schemas)
async def scim_schemas(req: func.HttpRequest) -> func.HttpResponse:
    return await scim_endpoint(handlers.schemas)(req)


@blueprint.function_name("scim_schema")
@blueprint.route("scim/v2/Schemas/{id}", auth_level=_ANONYMOUS)
@checked_before_body(handlers.schemas)
async def scim_schema(req: func.HttpRequest) -> func.HttpResponse:
    return await scim_endpoint(handlers.schemas)(req)


@blueprint.function_name("scim_resource_types")
@blueprint.route("scim/v2/ResourceTypes", auth_level=_ANONYMOUS)
@checked_before_body(handlers.resource_types)
async def scim_resource_types(req: func.HttpRequest) -> func.HttpResponse:
    return await scim_endpoint(handlers.resource_types)(req)


@blueprint.function_name("scim_resource_type")
@blueprint.route("scim/v2/ResourceTypes/{id}", auth_level=_ANONYMOUS)
@checked_before_body(handlers.resource_types)
async def scim_resource_type(req: func.HttpRequest) -> func.HttpResponse:
    return await scim_endpoint(handlers.resource_types)(req)


@blueprint.function_name("scim_unknown")
@blueprint.route("scim/v2/{*path}", auth_level=_ANONYMOUS)
@checked_before_body(handlers.unknown)
async def scim_unknown(req: func.HttpRequest) -> func.HttpResponse:
    return await scim_endpoint(handlers.unknown)(req)
