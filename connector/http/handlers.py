"""What the Users and discovery routes do with a request, in terms of the protocol and the
service (Groups: group_handlers.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import azure.functions as func
from scim2_models import NotFoundException

from ..scim import discovery
from ..scim.errors import error_body
from ..scim.listing import LIST_SCHEMA
from ..scim.patch import parse_patch
from ..scim.requests import Paging, read_json, read_paging, read_resource, search_params
from .responses import scim_response, user_response
from .runtime import runtime
from .shaping import (
    allow,
    base_url,
    check_shaping,
    filter_of,
    listed,
    location,
    params_of,
    route_id,
    shaped,
)


async def users(req: func.HttpRequest) -> func.HttpResponse:
    service = runtime().service
    if allow(req, "GET", "POST") == "POST":
        check_shaping(params_of(req))
        created = await service.create(read_resource(req.get_body()))
        return user_response(201, shaped(req, created), {"Location": location(req, created)})
    return await _query(req, params_of(req))


async def search(req: func.HttpRequest) -> func.HttpResponse:
    """POST /Users/.search (RFC 7644 §3.4.3): the query travels in a SearchRequest body."""
    allow(req, "POST")
    return await _query(req, search_params(read_resource(req.get_body())))


async def _query(req: func.HttpRequest, params: dict[str, str]) -> func.HttpResponse:
    paging = read_paging(params)
    check_shaping(params)
    return await listed(req, await users_found(params, paging), paging, params)


async def users_found(params: dict[str, str], paging: Paging) -> Sequence[dict[str, Any]]:
    return await runtime().service.query(
        filter_of(params), continuing=paging.start_index > 1, page_end=paging.end
    )


async def user(req: func.HttpRequest) -> func.HttpResponse:
    service = runtime().service
    method = allow(req, "GET", "PUT", "PATCH", "DELETE")
    user_id = route_id(req, "User")
    if method != "DELETE":
        check_shaping(params_of(req))
    if method == "GET":
        return user_response(200, shaped(req, await service.get(user_id)))
    if method == "PUT":
        return user_response(
            200, shaped(req, await service.replace(user_id, read_resource(req.get_body())))
        )
    if method == "PATCH":
        operations = parse_patch(read_json(req.get_body()))
        return user_response(200, shaped(req, await service.patch(user_id, operations)))
    await service.delete(user_id)
    return scim_response(204)


async def service_provider_config(req: func.HttpRequest) -> func.HttpResponse:
    allow(req, "GET")
    return scim_response(200, discovery.service_provider_config(base_url(req)))


def _listed(items: list[dict[str, Any]], req: func.HttpRequest) -> func.HttpResponse:
    allow(req, "GET")
    item_id = req.route_params.get("id")
    if item_id:
        for item in items:
            if str(item["id"]).lower() == item_id.lower():
                return scim_response(200, item)
        return scim_response(404, error_body(404, f"{item_id} not found"))
    return scim_response(
        200,
        {
            "schemas": [LIST_SCHEMA],
            "totalResults": len(items),
            "Resources": items,
            "startIndex": 1,
            "itemsPerPage": len(items),
        },
    )


async def resource_types(req: func.HttpRequest) -> func.HttpResponse:
    current = runtime()
    groups = current.groups.target.capabilities if current.groups is not None else None
    return _listed(discovery.resource_types(current.catalog, base_url(req), groups), req)


async def schemas(req: func.HttpRequest) -> func.HttpResponse:
    current = runtime()
    groups = current.groups.target.capabilities if current.groups is not None else None
    return _listed(discovery.schemas(current.catalog, base_url(req), groups), req)


async def unknown(req: func.HttpRequest) -> func.HttpResponse:
    """Anything else under the Tenant URL: a SCIM 404, not the host's bare one."""
    raise NotFoundException(detail=f"No SCIM endpoint at {base_url(req)}/{_route_path(req)}")


def _route_path(req: func.HttpRequest) -> str:
    return str(req.route_params.get("path") or "")[:200]
