"""What the Groups routes do with a request, in terms of the protocol and the group service.

Without a group target (a described application with no `groups:` section), queries answer an
empty list, as Entra's Test Connection needs, and writes answer 501 saying to turn group
provisioning off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import azure.functions as func
from scim2_models import InvalidFilterException, NotFoundException, SCIMException

from ..group_service import GroupService
from ..scim.listing import Joined, keeps
from ..scim.patch import parse_patch
from ..scim.requests import (
    Paging,
    query_param,
    read_json,
    read_paging,
    read_resource,
    search_params,
)
from . import handlers
from .responses import scim_response, scim_response_sharing
from .runtime import runtime
from .shaping import (
    allow,
    check_shaping,
    filter_of,
    listed,
    location,
    params_of,
    route_id,
    shaped,
)


class GroupsNotImplementedError(SCIMException):
    status = 501
    _default_detail = (
        "This target provisions no groups; turn group provisioning off in Entra "
        "(Provisioning > Mappings > Provision Microsoft Entra ID Groups = No), or describe the "
        "application's groups (docs/targets.md)"
    )


def _service() -> GroupService | None:
    return runtime().groups


def wants_members(params: dict[str, str]) -> bool:
    """Members are listed only when the answer shows them: `excludedAttributes=members` is the
    cheap path (no member listing at all), and `attributes=` without members leaves them out
    too, as the projection of the answer does."""
    attributes = query_param(params, "attributes")
    return keeps(attributes, query_param(params, "excludedAttributes"), "members")


async def groups(req: func.HttpRequest) -> func.HttpResponse:
    method = allow(req, "GET", "POST")
    service = _service()
    params = params_of(req)
    if method == "POST":
        if service is None:
            raise GroupsNotImplementedError
        check_shaping(params)
        created = await service.create(read_resource(req.get_body()))
        return scim_response(201, shaped(req, created), {"Location": location(req, created)})
    return await _query(req, params)


async def groups_search(req: func.HttpRequest) -> func.HttpResponse:
    """POST /Groups/.search (RFC 7644 §3.4.3): the query travels in a SearchRequest body."""
    allow(req, "POST")
    return await _query(req, search_params(read_resource(req.get_body())))


async def search_all(req: func.HttpRequest) -> func.HttpResponse:
    """POST /.search: users and groups alike (RFC 7644 §3.4.3), each kind answering the filter
    where it can; a filter neither kind can answer is invalidFilter."""
    allow(req, "POST")
    params = search_params(read_resource(req.get_body()))
    paging = read_paging(params)
    check_shaping(params)
    found: list[Sequence[dict[str, Any]]] = []
    refused: list[InvalidFilterException] = []
    try:
        found.append(await handlers.users_found(params, paging))
    except InvalidFilterException as error:
        refused.append(error)
    # The groups follow the users in the joined list: their part of the page starts later.
    before = len(found[0]) if found else 0
    try:
        found.append(await groups_found(params, paging, before=before))
    except InvalidFilterException as error:
        refused.append(error)
    if len(refused) == 2:
        raise refused[0]
    return await listed(req, Joined(found), paging, params)


async def _query(req: func.HttpRequest, params: dict[str, str]) -> func.HttpResponse:
    paging = read_paging(params)
    check_shaping(params)
    return await listed(req, await groups_found(params, paging), paging, params)


async def groups_found(
    params: dict[str, str], paging: Paging, *, before: int = 0
) -> Sequence[dict[str, Any]]:
    """The groups a query selects; `before`: how many results of another kind precede them in
    the list the page is taken from (members are read for the groups on the page only)."""
    service = _service()
    if service is None:
        # Entra's Test Connection needs an empty list here, not a 404.
        return []
    return await service.query(
        filter_of(params),
        with_members=wants_members(params),
        continuing=paging.start_index > 1,
        page_start=paging.start_index - before,
        page_end=paging.end - before,
    )


async def group(req: func.HttpRequest) -> func.HttpResponse:
    method = allow(req, "GET", "PUT", "PATCH", "DELETE")
    service = _service()
    group_id = route_id(req, "Group")
    if service is None:
        if method == "GET":
            raise NotFoundException(detail="Group not found: this target provisions no groups")
        raise GroupsNotImplementedError
    if method in ("GET", "PUT"):
        check_shaping(params_of(req))
    if method == "GET":
        found = await service.get(group_id, with_members=wants_members(params_of(req)))
        return await scim_response_sharing(200, shaped(req, found))
    if method == "PUT":
        replaced = await service.replace(group_id, read_resource(req.get_body()))
        return await scim_response_sharing(200, shaped(req, replaced))
    if method == "PATCH":
        # Microsoft asks for 204 here, and not to echo what may be thousands of members.
        await service.patch(group_id, parse_patch(read_json(req.get_body())))
        return scim_response(204)
    await service.delete(group_id)
    return scim_response(204)
