"""The People API (`/v1/people`): routes, scopes, query parameters, bodies and answers.

Order of checks after the bearer token: route (404), method (405), scope (403), query
parameters (400), the person named in the path (404), Content-Type (415), JSON syntax (400),
field rules (400 validation-error), then uniqueness (409)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from .messages import JSON, Request, Response
from .oauth import Grant, require_scope
from .problems import Problem, invalid_request
from .schema import check_person
from .store import Matcher, Store, decode_cursor, encode_cursor

PREFIX = "/v1/people"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
FILTERS = ("filter.login", "filter.email", "filter.active", "filter.employeeId")


@dataclass(frozen=True)
class _Route:
    scope: str
    params: tuple[str, ...]  # the query parameters it accepts
    handler: Callable[[PeopleApi, Request, dict[str, str], str], Response]


class PeopleApi:
    def __init__(self, store: Store) -> None:
        self.store = store

    def handle(self, request: Request, grant: Grant) -> Response:
        """Answers an authenticated request; every refusal is a problem document."""
        segments = request.path.split("/")
        if request.path == PREFIX:
            routes, person_id = _COLLECTION, ""
        elif request.path.startswith(PREFIX + "/") and len(segments) == 4 and segments[3]:
            routes, person_id = _PERSON, unquote(segments[3])
        else:
            raise Problem("not-found", f"There is no resource at {request.path}.")
        route = routes.get(request.method)
        if route is None:
            allowed = ", ".join(routes)
            raise Problem(
                "method-not-allowed",
                f"{request.method} is not allowed here; use {allowed}.",
                headers=[("Allow", allowed)],
            )
        require_scope(grant, route.scope)
        params = _query(request.query, route.params)
        if person_id:
            self.store.get(person_id)  # an unknown person is a 404 whatever the body says
        return route.handler(self, request, params, person_id)

    def list_people(self, _: Request, params: dict[str, str], __: str) -> Response:
        limit = _limit(params.get("limit"))
        filters = {name: value for name, value in params.items() if name in FILTERS}
        matchers = [_matcher(name, value) for name, value in filters.items()]
        cursor = params.get("cursor")
        after = 0 if cursor is None else decode_cursor(cursor, filters)
        results, last = self.store.page(matchers, after, limit)
        next_cursor = None if last is None else encode_cursor(last, filters)
        return Response(200, {"results": results, "nextCursor": next_cursor})

    def create_person(self, request: Request, _: dict[str, str], __: str) -> Response:
        person = self.store.create(check_person(_json_object(request), path_id=None))
        return Response(201, person, [("Location", f"{PREFIX}/{person['id']}")])

    def get_person(self, _: Request, __: dict[str, str], person_id: str) -> Response:
        return Response(200, self.store.get(person_id))

    def replace_person(self, request: Request, _: dict[str, str], person_id: str) -> Response:
        fields = check_person(_json_object(request), path_id=person_id)
        return Response(200, self.store.replace(person_id, fields))

    def delete_person(self, _: Request, __: dict[str, str], person_id: str) -> Response:
        self.store.delete(person_id)
        return Response(204)


_COLLECTION = {
    "GET": _Route("people:read", ("limit", "cursor", *FILTERS), PeopleApi.list_people),
    "POST": _Route("people:write", (), PeopleApi.create_person),
}
_PERSON = {
    "GET": _Route("people:read", (), PeopleApi.get_person),
    "PUT": _Route("people:write", (), PeopleApi.replace_person),
    "DELETE": _Route("people:write", (), PeopleApi.delete_person),
}


def _query(query: str, accepted: tuple[str, ...]) -> dict[str, str]:
    """Strict: only the route's parameters, each at most once, none empty."""
    params: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name not in accepted:
            known = ", ".join(accepted) if accepted else "none"
            raise invalid_request(
                f"Unknown query parameter '{name}'; this endpoint accepts: {known}."
            )
        if name in params:
            raise invalid_request(f"The query parameter '{name}' is repeated.")
        if not value:
            raise invalid_request(f"The query parameter '{name}' must not be empty.")
        params[name] = value
    return params


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
        raise invalid_request(f"limit must be an integer from 1 to {MAX_LIMIT}.")
    return int(raw)


def _matcher(name: str, value: str) -> Matcher:
    if name == "filter.active":
        if value not in ("true", "false"):
            raise invalid_request("filter.active must be true or false.")
        return lambda person: person["active"] is (value == "true")
    if name == "filter.employeeId":
        return lambda person: person["work"]["employeeId"] == value
    key = name.removeprefix("filter.")
    wanted = value.casefold()
    return lambda person: person[key].casefold() == wanted


def _json_object(request: Request) -> dict[str, Any]:
    if request.media_type() != JSON:
        raise Problem("unsupported-media-type", f"Send the body as {JSON}.")
    try:
        body = json.loads(request.body.decode("utf-8"), parse_constant=_no_constants)
        # Lone surrogates ("\ud800") parse, but could never be sent back as UTF-8.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeError, RecursionError):
        raise invalid_request("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise invalid_request("The request body must be a JSON object.")
    return body


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
