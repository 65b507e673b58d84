"""The Users API itself: routes, query parameters, bodies and Okta's responses."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

from oktasim.errors import OktaError
from oktasim.render import user_json
from oktasim.search import Mode, compile_expression, sort_key
from oktasim.store import Store, User

MAX_LIMIT = 200
Q_LIMIT = 10
JSON = "application/json"


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # raw, still percent-encoded, without the query
    query: str
    headers: Mapping[str, str]  # names lower-cased
    body: bytes | None  # None when the request carried no Content-Length

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def params(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query, keep_blank_values=True)

    def param(self, name: str) -> str | None:
        for key, value in self.params():
            if key == name:
                return value
        return None


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-serialisable; None means an empty body
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def error(cls, error: OktaError) -> Response:
        return cls(error.status, error.body())


def _flag(request: Request, name: str, default: bool) -> bool:
    raw = request.param(name)
    if raw is None:
        return default
    if raw.lower() not in ("true", "false"):
        raise OktaError("E0000001", name, [f"{name}: Invalid value"])
    return raw.lower() == "true"


def _json_body(request: Request) -> dict[str, Any]:
    content_type = request.header("Content-Type")
    if request.body:
        if content_type is None:
            raise OktaError("E0000018")
        if content_type.split(";", 1)[0].strip().lower() != JSON:
            raise OktaError("E0000021")
    try:
        body = json.loads(request.body or b"")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise OktaError("E0000003") from None
    if not isinstance(body, dict):
        raise OktaError("E0000003")
    return body


def _encode_cursor(key: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, length: int) -> list[str]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        key = None
    if (
        not isinstance(key, list)
        or len(key) != length
        or not all(isinstance(part, str) for part in key)
    ):
        raise OktaError("E0000029", causes=["Invalid cursor."])
    return key


class UsersApi:
    def __init__(self, store: Store, deactivate_returns_204: bool = False) -> None:
        self.store = store
        self.deactivate_returns_204 = deactivate_returns_204

    def handle(self, request: Request, org_url: str) -> Response:
        try:
            return self._route(request, org_url)
        except OktaError as error:
            return Response.error(error)

    def _route(self, request: Request, org_url: str) -> Response:
        segments = [unquote(part) for part in request.path.split("/")[1:]]
        if segments and segments[-1] == "" and len(segments) > 1:
            segments.pop()
        if segments[:3] != ["api", "v1", "users"]:
            raise OktaError("E0000008")
        handlers: dict[str, Callable[[], Response]]
        if len(segments) == 3:
            handlers = {
                "GET": lambda: self._list(request, org_url),
                "POST": lambda: self._create(request, org_url),
            }
        elif len(segments) == 4:
            target = segments[3]
            handlers = {
                "GET": lambda: self._get(target, org_url),
                "POST": lambda: self._update(request, target, org_url, replace=False),
                "PUT": lambda: self._update(request, target, org_url, replace=True),
                "DELETE": lambda: self._delete(target),
            }
        elif len(segments) == 6 and segments[4] == "lifecycle":
            target, operation = segments[3], segments[5]
            if operation not in _LIFECYCLE:
                raise OktaError("E0000008")
            handlers = {
                "POST": lambda: _LIFECYCLE[operation](self, request, target, org_url),
            }
        else:
            raise OktaError("E0000008")
        handler = handlers.get(request.method)
        if handler is None:
            raise OktaError("E0000022")
        return handler()

    # -- collection --------------------------------------------------------------------------

    def _create(self, request: Request, org_url: str) -> Response:
        body = _json_body(request)
        user = self.store.create(
            body,
            activate=_flag(request, "activate", True),
            provider=_flag(request, "provider", False),
            next_login=request.param("nextLogin"),
        )
        return self._user(user, org_url)

    def _list(self, request: Request, org_url: str) -> Response:
        q, filter_, search = (request.param(name) for name in ("q", "filter", "search"))
        if filter_ is not None and search is not None:
            raise OktaError("E0000033")
        limit = self._limit(request, Q_LIMIT if q is not None and search is None else MAX_LIMIT)
        names = self.store.schema.names
        type_id = self.store.type_id
        if filter_ is not None or search is not None:
            mode = Mode.FILTER if filter_ is not None else Mode.SEARCH
            matches = compile_expression(filter_ or search or "", mode, names, type_id)
            users = [user for user in self.store.indexed() if matches(user)]
        elif q is not None:
            users = [
                user
                for user in self.store.indexed()
                if user.status != "DEPROVISIONED" and _q_matches(user, q)
            ]
            users.sort(key=lambda user: user.id)
            return self._page(request, org_url, users[:limit], limit, next_cursor=None)
        else:
            users = [user for user in self.store.live() if user.status != "DEPROVISIONED"]

        sort_by = request.param("sortBy") if search is not None else None
        descending = (request.param("sortOrder") or "asc").lower() == "desc"
        key = _by_id if sort_by is None else sort_key(sort_by, names, type_id)
        keyed = sorted(
            ((key(user), user) for user in users), key=lambda pair: pair[0], reverse=descending
        )
        after = request.param("after")
        if after is not None:
            start = _decode_cursor(after, 1 if sort_by is None else 2)
            keyed = [(k, user) for k, user in keyed if (k < start if descending else k > start)]
        page = keyed[:limit]
        cursor = _encode_cursor(page[-1][0]) if len(page) == limit else None
        return self._page(request, org_url, [user for _, user in page], limit, cursor)

    @staticmethod
    def _limit(request: Request, default: int) -> int:
        raw = request.param("limit")
        if raw is None:
            return default
        try:
            limit = int(raw)
        except ValueError:
            raise OktaError("E0000001", "limit", ["limit: Invalid value"]) from None
        if limit < 1:
            raise OktaError("E0000001", "limit", ["limit: Invalid value"])
        # Undocumented above 200; Okta's maximum is 200, so larger values are clamped.
        return min(limit, MAX_LIMIT)

    def _page(
        self,
        request: Request,
        org_url: str,
        users: list[User],
        limit: int,
        next_cursor: str | None,
    ) -> Response:
        others = [(k, v) for k, v in request.params() if k not in ("after", "limit")]
        base = f"{org_url}/api/v1/users?"
        own_after = [("after", v) for k, v in request.params() if k == "after"]
        headers = [
            (
                "Link",
                f'<{base}{urlencode([*own_after, ("limit", str(limit)), *others])}>; rel="self"',
            )
        ]
        if next_cursor is not None:
            query = urlencode([("after", next_cursor), ("limit", str(limit)), *others])
            headers.append(("Link", f'<{base}{query}>; rel="next"'))
        body = [
            user_json(user, org_url, self.store.type_suffix, full_links=False) for user in users
        ]
        return Response(200, body, headers)

    # -- one user ----------------------------------------------------------------------------

    def _user(self, user: User, org_url: str) -> Response:
        return Response(200, user_json(user, org_url, self.store.type_suffix))

    def _get(self, id_or_login: str, org_url: str) -> Response:
        return self._user(self.store.get(id_or_login), org_url)

    def _update(self, request: Request, user_id: str, org_url: str, *, replace: bool) -> Response:
        body = _json_body(request)
        return self._user(self.store.update(user_id, body, replace=replace), org_url)

    def _delete(self, user_id: str) -> Response:
        self.store.delete(user_id)
        return Response(204)

    # -- lifecycle ---------------------------------------------------------------------------

    def _activate(self, request: Request, user_id: str, org_url: str) -> Response:
        send_email = _flag(request, "sendEmail", True)
        token = self.store.activate(user_id, send_email)
        if send_email:
            return Response(200, {})
        return Response(200, _activation(org_url, token))

    def _reactivate(self, request: Request, user_id: str, org_url: str) -> Response:
        token = self.store.reactivate(user_id, _flag(request, "sendEmail", False))
        return Response(200, _activation(org_url, token))

    def _deactivate(self, request: Request, user_id: str, org_url: str) -> Response:
        self.store.deactivate(user_id, _flag(request, "sendEmail", False))
        return Response(204) if self.deactivate_returns_204 else Response(200, {})

    def _suspend(self, request: Request, user_id: str, org_url: str) -> Response:
        self.store.suspend(user_id)
        return Response(200, {})

    def _unsuspend(self, request: Request, user_id: str, org_url: str) -> Response:
        self.store.unsuspend(user_id)
        return Response(200, {})

    def _unlock(self, request: Request, user_id: str, org_url: str) -> Response:
        self.store.unlock(user_id)
        return Response(200, {})

    def _reset_password(self, request: Request, user_id: str, org_url: str) -> Response:
        if request.param("sendEmail") is None:
            raise OktaError("E0000028", causes=["sendEmail: The parameter is required."])
        send_email = _flag(request, "sendEmail", False)
        token = self.store.reset_password(user_id, send_email)
        if send_email:
            return Response(200, {})
        return Response(200, {"resetPasswordUrl": f"{org_url}/reset_password/{token}"})

    def _expire_password(self, request: Request, user_id: str, org_url: str) -> Response:
        temporary = _flag(request, "tempPassword", False)
        user, temp = self.store.expire_password(user_id, temporary)
        if temporary:
            return Response(200, {"tempPassword": temp})
        return self._user(user, org_url)

    def _expire_with_temp(self, request: Request, user_id: str, org_url: str) -> Response:
        _, temp = self.store.expire_password(user_id, temporary=True)
        return Response(200, {"tempPassword": temp})

    def _reset_factors(self, request: Request, user_id: str, org_url: str) -> Response:
        self.store.reset_factors(user_id)
        return Response(200, {})


def _by_id(user: User) -> list[str]:
    return [user.id]


def _activation(org_url: str, token: str) -> dict[str, str]:
    return {"activationUrl": f"{org_url}/tokens/{token}/verify", "activationToken": token}


def _q_matches(user: User, q: str) -> bool:
    wanted = q.casefold()
    return any(
        isinstance(user.profile.get(name), str)
        and str(user.profile[name]).casefold().startswith(wanted)
        for name in ("firstName", "lastName", "email")
    )


_LIFECYCLE: dict[str, Callable[[UsersApi, Request, str, str], Response]] = {
    "activate": UsersApi._activate,
    "reactivate": UsersApi._reactivate,
    "deactivate": UsersApi._deactivate,
    "suspend": UsersApi._suspend,
    "unsuspend": UsersApi._unsuspend,
    "unlock": UsersApi._unlock,
    "reset_password": UsersApi._reset_password,
    "expire_password": UsersApi._expire_password,
    "expire_password_with_temp_password": UsersApi._expire_with_temp,
    "reset_factors": UsersApi._reset_factors,
}
