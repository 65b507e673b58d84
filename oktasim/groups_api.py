"""The Groups API: `/api/v1/groups…` and a user's groups (`/api/v1/users/{id}/groups`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oktasim.errors import OktaError
from oktasim.groups import Group, GroupStore
from oktasim.groupsearch import GroupRules
from oktasim.messages import (
    Request,
    Response,
    id_page,
    ids_page,
    json_body,
    keyed_page,
    link_headers,
    page_limit,
)
from oktasim.render import group_json, user_json
from oktasim.search import Mode, Predicate, compile_rules, rules_sort_key

# Listing groups: the legacy page's "200 for most orgs" (default and maximum), not the spec's
# 10000; `q` returns at most 300 by default and never pages (spec, listGroups `q`).
MAX_LIMIT = 200
Q_LIMIT = 300
Q_MAX_LIMIT = 10000
# Members: the spec's default of 1000; no maximum is documented, so 1000 is also the ceiling.
MEMBERS_LIMIT = 1000
# A user's groups: recorded responses page them with limit=200 when none was asked for.
USER_GROUPS_LIMIT = 200


class GroupsApi:
    def __init__(self, store: GroupStore) -> None:
        self.store = store

    def handle(self, request: Request, org_url: str) -> Response:
        try:
            return self._route(request, org_url)
        except OktaError as error:
            return Response.error(error)

    def _route(self, request: Request, org_url: str) -> Response:
        segments = request.segments()
        handlers: dict[str, Callable[[], Response]]
        if segments[:3] == ["api", "v1", "users"] and len(segments) == 5:
            user = segments[3]
            handlers = {"GET": lambda: self._user_groups(request, user, org_url)}
        elif segments[:3] != ["api", "v1", "groups"]:
            raise OktaError("E0000008")
        elif len(segments) == 3:
            handlers = {
                "GET": lambda: self._list(request, org_url),
                "POST": lambda: self._group(self.store.create(json_body(request)), org_url),
            }
        elif len(segments) == 4:
            group_id = segments[3]
            handlers = {
                "GET": lambda: self._group(self.store.get(group_id), org_url),
                "PUT": lambda: self._group(
                    self.store.replace(group_id, json_body(request)), org_url
                ),
                "DELETE": lambda: self._deleted(group_id),
            }
        elif len(segments) == 5 and segments[4] == "users":
            group_id = segments[3]
            handlers = {"GET": lambda: self._members(request, group_id, org_url)}
        elif len(segments) == 6 and segments[4] == "users":
            group_id, user_id = segments[3], segments[5]
            handlers = {
                "PUT": lambda: self._membership(self.store.add_member, group_id, user_id),
                "DELETE": lambda: self._membership(self.store.remove_member, group_id, user_id),
            }
        else:
            raise OktaError("E0000008")
        handler = handlers.get(request.method)
        if handler is None:
            raise OktaError("E0000022")
        return handler()

    # -- groups ------------------------------------------------------------------------------

    @staticmethod
    def _group(group: Group, org_url: str) -> Response:
        return Response(200, group_json(group, org_url))

    def _deleted(self, group_id: str) -> Response:
        self.store.delete(group_id)
        return Response(204)

    def _list(self, request: Request, org_url: str) -> Response:
        q, filter_, search = (request.param(name) for name in ("q", "filter", "search"))
        if filter_ is not None and search is not None:
            raise OktaError("E0000033")
        names = self.store.searchable_profile_names()
        conditions: list[Predicate] = []
        if filter_ is not None:
            conditions.append(compile_rules(filter_, GroupRules(Mode.FILTER, names)))
        if search is not None:
            conditions.append(compile_rules(search, GroupRules(Mode.SEARCH, names)))
        # Sorting is for `search` only, and `sortOrder` counts only with a `sortBy` (spec,
        # listGroups); elsewhere both are ignored (no error is documented), as for users.
        sort_by = request.param("sortBy") if search is not None else None
        key = _by_id if sort_by is None else rules_sort_key(sort_by, GroupRules(Mode.SEARCH, names))
        if q is not None:
            limit = page_limit(request, Q_LIMIT, Q_MAX_LIMIT)
        else:
            limit = page_limit(request, MAX_LIMIT, MAX_LIMIT)
        # Only the plain listing reads live data; q, filter and search read the search index.
        queried = q is not None or bool(conditions)
        groups = self.store.indexed() if queried else self.store.live()
        groups = [group for group in groups if all(matches(group) for matches in conditions)]
        if q is not None:
            return self._found(groups, q, limit, org_url)
        descending = sort_by is not None and (request.param("sortOrder") or "").lower() == "desc"
        keyed = sorted(
            ((key(group), group) for group in groups), key=lambda pair: pair[0], reverse=descending
        )
        page, cursor = keyed_page(
            keyed, request, limit, key_length=1 if sort_by is None else 2, descending=descending
        )
        headers = link_headers(request, f"{org_url}/api/v1/groups", limit, cursor)
        return Response(200, [group_json(group, org_url) for group in page], headers)

    @staticmethod
    def _found(groups: list[Group], q: str, limit: int, org_url: str) -> Response:
        """`q`: names starting with the text, ignoring case, exact matches first; one page and
        no `Link` header (none was recorded on `q` responses)."""
        wanted = q.casefold()
        hits = [g for g in groups if str(g.profile.get("name", "")).casefold().startswith(wanted)]
        hits.sort(
            key=lambda g: (str(g.profile["name"]).casefold() != wanted, g.profile["name"], g.id)
        )
        return Response(200, [group_json(group, org_url) for group in hits[:limit]])

    # -- memberships -------------------------------------------------------------------------

    def _membership(
        self, change: Callable[[str, str], None], group_id: str, user_id: str
    ) -> Response:
        change(group_id, user_id)
        return Response(204)

    def _members(self, request: Request, group_id: str, org_url: str) -> Response:
        limit = page_limit(request, MEMBERS_LIMIT, MEMBERS_LIMIT)
        page_ids, cursor = ids_page(self.store.member_ids(group_id), request, limit)
        page = self.store.users.some_by_id(page_ids)
        suffix, now = self.store.users.type_suffix, self.store.users.clock()
        body = [user_json(user, org_url, suffix, now=now, full_links=False) for user in page]
        return Response(200, body, link_headers(request, org_url + request.path, limit, cursor))

    def _user_groups(self, request: Request, id_or_login: str, org_url: str) -> Response:
        user = self.store.users.get(id_or_login)
        groups = sorted(self.store.groups_of(user.id), key=lambda group: group.id)
        limit = page_limit(request, USER_GROUPS_LIMIT, USER_GROUPS_LIMIT)
        page, cursor = id_page(groups, request, limit)
        body: list[dict[str, Any]] = [group_json(group, org_url) for group in page]
        return Response(200, body, link_headers(request, org_url + request.path, limit, cursor))


def _by_id(group: Group) -> list[str]:
    return [group.id]
