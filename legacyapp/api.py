"""The Ledgerline HR API v2 itself: routes, methods, bodies, paging, filters and answers.

Order of checks for one request, after authentication: route (404), method (405), the record
named in the path (404), Content-Type (415), JSON syntax and envelope (400), field rules (422),
then the data's own rules: uniqueness and state (409)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from legacyapp.errors import ApiError, FieldError, bad_request, invalid
from legacyapp.filters import ACCOUNT_FIELDS, TEAM_FIELDS, parse
from legacyapp.schema import ACCOUNT, TEAM
from legacyapp.store import Store

API_PREFIX = "/api/v2"
JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
MAX_BODY_BYTES = 1024 * 1024
MAX_BATCH = 20
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # raw, still percent-encoded, without the query
    query: str
    headers: Mapping[str, str]  # names lower-cased
    body: bytes = b""
    framing: str | None = None  # "bad_length" or "too_large": the body was not read

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def params(self) -> dict[str, str]:
        """When a parameter repeats, the last one wins."""
        return dict(parse_qsl(self.query, keep_blank_values=True))

    @property
    def target(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")


@dataclass
class Response:
    status: int
    body: dict[str, Any] | str | None = None  # JSON object, an HTML page, or no body
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def error(cls, error: ApiError) -> Response:
        return cls(error.status, error.body(), list(error.headers))


# (api, request, path placeholders, base url) -> response
Handler = Callable[["LedgerlineApi", Request, list[str], str], Response]


class LedgerlineApi:
    def __init__(self, store: Store) -> None:
        self.store = store

    def handle(self, request: Request, base_url: str) -> Response:
        """Answers an authenticated request; every refusal is an error body, never a trace."""
        try:
            return self._route(request, base_url)
        except ApiError as error:
            return Response.error(error)

    def _route(self, request: Request, base_url: str) -> Response:
        if request.framing == "bad_length":
            raise bad_request("invalid Content-Length header")
        if request.framing == "too_large":
            raise ApiError("payload_too_large", f"request body exceeds {MAX_BODY_BYTES} bytes")
        if not request.path.startswith(API_PREFIX + "/"):
            raise _no_route(request)
        segments = [unquote(part) for part in request.path[len(API_PREFIX) + 1 :].split("/")]
        for pattern, handlers in _ROUTES:
            values = _match(pattern, segments)
            if values is None:
                continue
            handler = handlers.get(request.method)
            if handler is None:
                allowed = ", ".join(handlers)
                raise ApiError(
                    "method_not_allowed",
                    f"method {request.method} is not allowed here; allowed: {allowed}",
                    headers=[("Allow", allowed)],
                )
            return handler(self, request, values, base_url)
        raise _no_route(request)

    # -- accounts ----------------------------------------------------------------------------

    def list_accounts(self, request: Request, _: list[str], base_url: str) -> Response:
        params = request.params()
        page, per_page = _paging(params)
        tests: list[Callable[[Mapping[str, Any]], bool]] = []
        for name in ("username", "email"):
            if name in params:
                tests.append(_equal_ignoring_case(name, params[name]))
        if "external_ref" in params:
            tests.append(_equal("external_ref", params["external_ref"]))
        if "employee_number" in params:
            raw = params["employee_number"]
            number = _number(raw)
            if number is None:
                raise bad_request("employee_number must be a non-negative integer")
            tests.append(_equal("employee_number", number))
        if "status" in params:
            if params["status"] not in ("enabled", "disabled"):
                raise bad_request("status must be 'enabled' or 'disabled'")
            tests.append(_equal("status", params["status"]))
        if "filter" in params:
            tests.append(parse(params["filter"], ACCOUNT_FIELDS))
        start = (page - 1) * per_page
        total, window = self.store.select_accounts(
            (lambda item: all(test(item) for test in tests)) if tests else None, start, per_page
        )
        return _paged(window, total, page, per_page)

    def get_account(self, _: Request, ids: list[str], base_url: str) -> Response:
        return Response(200, {"data": self.store.account(ids[0])})

    def create_account(self, request: Request, _: list[str], base_url: str) -> Response:
        data = _envelope(_json_object(request, JSON))
        _raise_if(ACCOUNT.check_create(data))
        account = self.store.create_account(data)
        location = f"{base_url}{API_PREFIX}/accounts/{account['id']}"
        return Response(201, {"data": account}, [("Location", location)])

    def patch_account(self, request: Request, ids: list[str], base_url: str) -> Response:
        self.store.account(ids[0])
        patch = _json_object(request, MERGE_PATCH)
        _raise_if(ACCOUNT.check_patch(patch))
        return Response(200, {"data": self.store.patch_account(ids[0], patch)})

    def enable_account(self, _: Request, ids: list[str], base_url: str) -> Response:
        return Response(200, {"data": self.store.set_enabled(ids[0], True)})

    def disable_account(self, _: Request, ids: list[str], base_url: str) -> Response:
        return Response(200, {"data": self.store.set_enabled(ids[0], False)})

    def delete_account(self, _: Request, ids: list[str], base_url: str) -> Response:
        self.store.delete_account(ids[0])
        return Response(204)

    # -- teams -------------------------------------------------------------------------------

    def list_teams(self, request: Request, _: list[str], base_url: str) -> Response:
        params = request.params()
        page, per_page = _paging(params)
        tests: list[Callable[[Mapping[str, Any]], bool]] = []
        if "name" in params:
            tests.append(_equal_ignoring_case("name", params["name"]))
        if "external_ref" in params:
            tests.append(_equal("external_ref", params["external_ref"]))
        if "filter" in params:
            tests.append(parse(params["filter"], TEAM_FIELDS))
        teams = [item for item in self.store.teams() if all(test(item) for test in tests)]
        return _page(teams, page, per_page)

    def get_team(self, _: Request, ids: list[str], base_url: str) -> Response:
        return Response(200, {"data": self.store.team(ids[0])})

    def create_team(self, request: Request, _: list[str], base_url: str) -> Response:
        data = _envelope(_json_object(request, JSON))
        _raise_if(TEAM.check_create(data))
        team = self.store.create_team(data)
        location = f"{base_url}{API_PREFIX}/teams/{team['id']}"
        return Response(201, {"data": team}, [("Location", location)])

    def patch_team(self, request: Request, ids: list[str], base_url: str) -> Response:
        self.store.team(ids[0])
        patch = _json_object(request, MERGE_PATCH)
        _raise_if(TEAM.check_patch(patch))
        return Response(200, {"data": self.store.patch_team(ids[0], patch)})

    def delete_team(self, _: Request, ids: list[str], base_url: str) -> Response:
        self.store.delete_team(ids[0])
        return Response(204)

    def list_members(self, request: Request, ids: list[str], base_url: str) -> Response:
        page, per_page = _paging(request.params())
        total, window = self.store.select_members(ids[0], (page - 1) * per_page, per_page)
        return _paged(window, total, page, per_page)

    def add_members(self, request: Request, ids: list[str], base_url: str) -> Response:
        self.store.team(ids[0])
        data = _envelope(_json_object(request, JSON))
        account_ids = _account_ids(data)
        return Response(200, {"data": self.store.add_members(ids[0], account_ids)})

    def remove_member(self, _: Request, ids: list[str], base_url: str) -> Response:
        self.store.remove_member(ids[0], ids[1])
        return Response(204)


_ROUTES: list[tuple[tuple[str, ...], dict[str, Handler]]] = [
    (
        ("accounts",),
        {"GET": LedgerlineApi.list_accounts, "POST": LedgerlineApi.create_account},
    ),
    (
        ("accounts", "{}"),
        {
            "GET": LedgerlineApi.get_account,
            "PATCH": LedgerlineApi.patch_account,
            "DELETE": LedgerlineApi.delete_account,
        },
    ),
    (("accounts", "{}", "enable"), {"POST": LedgerlineApi.enable_account}),
    (("accounts", "{}", "disable"), {"POST": LedgerlineApi.disable_account}),
    (("teams",), {"GET": LedgerlineApi.list_teams, "POST": LedgerlineApi.create_team}),
    (
        ("teams", "{}"),
        {
            "GET": LedgerlineApi.get_team,
            "PATCH": LedgerlineApi.patch_team,
            "DELETE": LedgerlineApi.delete_team,
        },
    ),
    (
        ("teams", "{}", "members"),
        {"GET": LedgerlineApi.list_members, "POST": LedgerlineApi.add_members},
    ),
    (("teams", "{}", "members", "{}"), {"DELETE": LedgerlineApi.remove_member}),
]


def _match(pattern: tuple[str, ...], segments: list[str]) -> list[str] | None:
    """The placeholder values when the path fits the pattern; `{}` is one non-empty segment."""
    if len(pattern) != len(segments):
        return None
    values: list[str] = []
    for expected, actual in zip(pattern, segments, strict=True):
        if expected == "{}":
            if not actual:
                return None
            values.append(actual)
        elif expected != actual:
            return None
    return values


def _no_route(request: Request) -> ApiError:
    return ApiError("not_found", f"no such endpoint: {request.method} {request.path}")


def _raise_if(problems: list[FieldError]) -> None:
    if problems:
        raise invalid(problems)


def _json_object(request: Request, media_type: str) -> dict[str, Any]:
    sent = request.header("Content-Type") or ""
    if sent.split(";", 1)[0].strip().lower() != media_type:
        raise ApiError("unsupported_media_type", f"Content-Type must be {media_type}")
    try:
        body = json.loads(request.body.decode("utf-8"), parse_constant=_no_constants)
        # Lone surrogates (\ud800) parse, but could never be stored or sent back as UTF-8.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeError, RecursionError):
        raise bad_request("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad_request("request body must be a JSON object")
    return body


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _envelope(body: dict[str, Any]) -> dict[str, Any]:
    if "data" not in body:
        raise bad_request('the request body must be wrapped in the envelope {"data": {...}}')
    for key in body:
        if key != "data":
            raise bad_request(f"unexpected top-level key '{key}'; only \"data\" is allowed")
    data = body["data"]
    if not isinstance(data, dict):
        raise bad_request('"data" must be a JSON object')
    return data


def _account_ids(data: dict[str, Any]) -> list[int]:
    """The batch's shape: 1 to MAX_BATCH distinct integers; existence is the store's check."""
    problems = [FieldError(key, "unknown field") for key in data if key != "account_ids"]
    raw = data.get("account_ids")
    if raw is None:
        problems.append(FieldError("account_ids", "is required"))
    elif not isinstance(raw, list):
        problems.append(FieldError("account_ids", "must be an array of account ids"))
    elif not raw:
        problems.append(FieldError("account_ids", f"must list 1 to {MAX_BATCH} account ids"))
    elif len(raw) > MAX_BATCH:
        problems.append(
            FieldError("account_ids", f"at most {MAX_BATCH} account ids per call, got {len(raw)}")
        )
    else:
        first_seen: dict[int, int] = {}
        for index, value in enumerate(raw):
            name = f"account_ids[{index}]"
            if isinstance(value, bool) or not isinstance(value, int):
                problems.append(FieldError(name, "must be an integer"))
            elif value in first_seen:
                problems.append(FieldError(name, f"duplicate of account_ids[{first_seen[value]}]"))
            else:
                first_seen[value] = index
    _raise_if(problems)
    assert isinstance(raw, list)
    return list(raw)


def _number(raw: str) -> int | None:
    if not _DIGITS.fullmatch(raw):
        return None
    try:
        return int(raw)
    except ValueError:  # more digits than Python converts
        return None


def _positive(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    number = _number(raw)
    if number is None or number < 1:
        raise bad_request(f"{name} must be a positive integer")
    return number


def _paging(params: dict[str, str]) -> tuple[int, int]:
    page = _positive(params, "page", 1)
    per_page = min(_positive(params, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    return page, per_page


def _page(items: list[dict[str, Any]], page: int, per_page: int) -> Response:
    start = (page - 1) * per_page
    return _paged(items[start : start + per_page], len(items), page, per_page)


def _paged(window: list[dict[str, Any]], total: int, page: int, per_page: int) -> Response:
    meta = {
        "page": page,
        "per_page": per_page,
        "total": total,
        "total_pages": math.ceil(total / per_page),
    }
    return Response(200, {"data": window, "meta": meta})


def _equal(name: str, wanted: object) -> Callable[[Mapping[str, Any]], bool]:
    return lambda item: item[name] == wanted


def _equal_ignoring_case(name: str, wanted: str) -> Callable[[Mapping[str, Any]], bool]:
    key = wanted.casefold()
    return lambda item: isinstance(item[name], str) and item[name].casefold() == key
