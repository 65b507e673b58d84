"""What each SCIM route does with a request, in terms of the protocol and the service."""

from __future__ import annotations

from typing import Any

import azure.functions as func
from scim2_models import InvalidValueException, NotFoundException, SCIMException

from ..scim import discovery
from ..scim.errors import error_body
from ..scim.filters import parse_filter
from ..scim.listing import LIST_SCHEMA, list_response, project
from ..scim.patch import parse_patch
from ..scim.requests import query_param, read_json, read_paging, read_resource
from .responses import scim_response
from .runtime import runtime

_MARKER = "/scim/v2"


class MethodNotAllowedError(SCIMException):
    status = 405
    _default_detail = "This endpoint does not support that HTTP method"


def _allow(req: func.HttpRequest, *methods: str) -> str:
    method = str(req.method).upper()
    if method not in methods:
        raise MethodNotAllowedError(
            detail=f"{method} is not supported here; use {', '.join(methods)}"
        )
    return method


class GroupsNotImplementedError(SCIMException):
    status = 501
    _default_detail = (
        "Groups are not provisioned by this connector yet; remove group provisioning from the "
        "Entra attribute mappings (Provisioning > Mappings > Provision Microsoft Entra ID Groups "
        "= No)"
    )


def base_url(req: func.HttpRequest) -> str:
    """The Tenant URL this request came through, e.g. https://host/api/scim/v2."""
    url = str(req.url).split("?", 1)[0]
    index = url.lower().find(_MARKER)
    return url[: index + len(_MARKER)] if index >= 0 else url.rstrip("/")


def _params(req: func.HttpRequest) -> dict[str, str]:
    return dict(req.params)


def _located(req: func.HttpRequest, resource: dict[str, Any]) -> dict[str, Any]:
    # A copy: listed resources may be shared by the pages of one snapshot.
    location = f"{base_url(req)}/Users/{resource['id']}"
    return {**resource, "meta": {**resource["meta"], "location": location}}


def _shaped(
    req: func.HttpRequest, resource: dict[str, Any], params: dict[str, str] | None = None
) -> dict[str, Any]:
    params = _params(req) if params is None else params
    return project(
        _located(req, resource),
        query_param(params, "attributes"),
        query_param(params, "excludedAttributes"),
    )


def _user_id(req: func.HttpRequest) -> str:
    user_id = str(req.route_params.get("id") or "")
    if not user_id.strip():
        raise NotFoundException(detail="User not found")
    return user_id


async def users(req: func.HttpRequest) -> func.HttpResponse:
    service = runtime().service
    if _allow(req, "GET", "POST") == "POST":
        created = await service.create(read_resource(req.get_body()))
        location = f"{base_url(req)}/Users/{created['id']}"
        return scim_response(201, _shaped(req, created), {"Location": location})
    return await _query(req, _params(req))


async def search(req: func.HttpRequest) -> func.HttpResponse:
    """POST .search (RFC 7644 §3.4.3): the query travels in a SearchRequest body."""
    _allow(req, "POST")
    body = read_resource(req.get_body())
    params: dict[str, str] = {}
    for key, value in body.items():
        if key.lower() == "schemas":
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            params[key] = ",".join(value)
        elif isinstance(value, str | int) and not isinstance(value, bool):
            params[key] = str(value)
        else:
            raise InvalidValueException(detail=f"{key} has an invalid value")
    return await _query(req, params)


async def _query(req: func.HttpRequest, params: dict[str, str]) -> func.HttpResponse:
    paging = read_paging(params)
    text = query_param(params, "filter")
    ast = parse_filter(text) if text is not None and text.strip() else None
    found = await runtime().service.query(ast, continuing=paging.start_index > 1)
    body = list_response(found, paging)
    body["Resources"] = [_shaped(req, r, params) for r in body["Resources"]]
    return scim_response(200, body)


async def user(req: func.HttpRequest) -> func.HttpResponse:
    service = runtime().service
    method = _allow(req, "GET", "PUT", "PATCH", "DELETE")
    user_id = _user_id(req)
    if method == "GET":
        return scim_response(200, _shaped(req, await service.get(user_id)))
    if method == "PUT":
        return scim_response(
            200, _shaped(req, await service.replace(user_id, read_resource(req.get_body())))
        )
    if method == "PATCH":
        operations = parse_patch(read_json(req.get_body()))
        return scim_response(200, _shaped(req, await service.patch(user_id, operations)))
    await service.delete(user_id)
    return scim_response(204)


async def groups(req: func.HttpRequest) -> func.HttpResponse:
    if req.method.upper() != "GET":
        raise GroupsNotImplementedError
    params = _params(req)
    paging = read_paging(params)
    text = query_param(params, "filter")
    if text is not None and text.strip():
        parse_filter(text)  # a malformed filter is still a 400, as for users
    # No group exists here; Entra's Test Connection needs this to be an empty list, not a 404.
    return scim_response(200, list_response([], paging))


async def group(req: func.HttpRequest) -> func.HttpResponse:
    if req.method.upper() == "GET":
        raise NotFoundException(detail="Group not found: groups are not provisioned yet")
    raise GroupsNotImplementedError


async def service_provider_config(req: func.HttpRequest) -> func.HttpResponse:
    _allow(req, "GET")
    return scim_response(200, discovery.service_provider_config(base_url(req)))


def _listed(items: list[dict[str, Any]], req: func.HttpRequest) -> func.HttpResponse:
    _allow(req, "GET")
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
    return _listed(discovery.resource_types(runtime().catalog, base_url(req)), req)


async def schemas(req: func.HttpRequest) -> func.HttpResponse:
    return _listed(discovery.schemas(runtime().catalog, base_url(req)), req)


async def unknown(req: func.HttpRequest) -> func.HttpResponse:
    """Anything else under the Tenant URL: a SCIM 404, not the host's bare one."""
    raise NotFoundException(detail=f"No SCIM endpoint at {base_url(req)}/{_route_path(req)}")


def _route_path(req: func.HttpRequest) -> str:
    return str(req.route_params.get("path") or "")[:200]
