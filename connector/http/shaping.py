"""What every SCIM route shares: the allowed methods, the Tenant URL, ids from the route, and
a resource shaped for the answer (its location, `attributes`/`excludedAttributes`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import azure.functions as func
from scim2_models import NotFoundException, SCIMException
from scim2_models.path import FilterNode

from ..scim.filters import parse_filter
from ..scim.ids import valid_id
from ..scim.listing import check_projection, list_response, project
from ..scim.requests import Paging, query_param
from .responses import scim_response_sharing

_MARKER = "/scim/v2"


class MethodNotAllowedError(SCIMException):
    status = 405
    _default_detail = "This endpoint does not support that HTTP method"


def allow(req: func.HttpRequest, *methods: str) -> str:
    method = str(req.method).upper()
    if method not in methods:
        raise MethodNotAllowedError(
            detail=f"{method} is not supported here; use {', '.join(methods)}"
        )
    return method


def base_url(req: func.HttpRequest) -> str:
    """The Tenant URL this request came through, e.g. https://host/api/scim/v2."""
    url = str(req.url).split("?", 1)[0]
    index = url.lower().find(_MARKER)
    return url[: index + len(_MARKER)] if index >= 0 else url.rstrip("/")


def params_of(req: func.HttpRequest) -> dict[str, str]:
    return dict(req.params)


def route_id(req: func.HttpRequest, kind: str) -> str:
    """The `{id}` of the route; one that can be no target's id is simply not found."""
    resource_id = str(req.route_params.get("id") or "")
    if not valid_id(resource_id):
        raise NotFoundException(detail=f"{kind} not found")
    return resource_id


def location(req: func.HttpRequest, resource: dict[str, Any]) -> str:
    return f"{base_url(req)}/{resource['meta']['resourceType']}s/{resource['id']}"


def _located(req: func.HttpRequest, resource: dict[str, Any]) -> dict[str, Any]:
    # A copy: listed resources may be shared by the pages of one snapshot.
    return {**resource, "meta": {**resource["meta"], "location": location(req, resource)}}


def check_shaping(params: dict[str, str]) -> None:
    """Refuse a bad `attributes`/`excludedAttributes` before the request reads or writes
    anything: found only while shaping the answer, the 400 would come after a create or PATCH
    was applied (and a client would resend it), and a listing that found nothing would pass."""
    check_projection(query_param(params, "attributes"), query_param(params, "excludedAttributes"))


def shaped(
    req: func.HttpRequest, resource: dict[str, Any], params: dict[str, str] | None = None
) -> dict[str, Any]:
    params = params_of(req) if params is None else params
    return project(
        _located(req, resource),
        query_param(params, "attributes"),
        query_param(params, "excludedAttributes"),
    )


def filter_of(params: dict[str, str]) -> FilterNode | None:
    """The request's `filter`, parsed; None without one."""
    text = query_param(params, "filter")
    return parse_filter(text) if text is not None and text.strip() else None


async def listed(
    req: func.HttpRequest, found: Sequence[dict[str, Any]], paging: Paging, params: dict[str, str]
) -> func.HttpResponse:
    """A ListResponse of one page of `found`, each resource shaped for the answer."""
    body = list_response(found, paging)
    body["Resources"] = [shaped(req, r, params) for r in body["Resources"]]
    return await scim_response_sharing(200, body)
