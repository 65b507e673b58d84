"""The Users API itself: routes, query parameters, bodies and Okta's responses."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter

from oktasim.errors import OktaError
from oktasim.messages import (
    Request,
    Response,
    flag,
    id_page,
    json_body,
    keyed_page,
    link_headers,
    page_limit,
)
from oktasim.render import user_json
from oktasim.search import Mode, compile_expression, sort_key
from oktasim.store import Store, User

MAX_LIMIT = 200
Q_LIMIT = 10


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
        segments = request.segments()
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
        body = json_body(request)
        user = self.store.create(
            body,
            activate=flag(request, "activate", True),
            provider=flag(request, "provider", False),
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

        # Sorting is for `search` only, and `sortOrder` counts only with a `sortBy` (reference
        # 5.2; spec, listUsers). Elsewhere both are ignored, not refused: no error is documented.
        sort_by = request.param("sortBy") if search is not None else None
        if sort_by is None:
            users.sort(key=attrgetter("id"))
            page, cursor = id_page(users, request, limit)
            return self._page(request, org_url, page, limit, cursor)
        descending = (request.param("sortOrder") or "asc").lower() == "desc"
        key = sort_key(sort_by, names, type_id)
        keyed = sorted(
            ((key(user), user) for user in users), key=lambda pair: pair[0], reverse=descending
        )
        page, cursor = keyed_page(keyed, request, limit, key_length=2, descending=descending)
        return self._page(request, org_url, page, limit, cursor)

    @staticmethod
    def _limit(request: Request, default: int) -> int:
        # Undocumented above 200; Okta's maximum is 200, so larger values are clamped.
        return page_limit(request, default, MAX_LIMIT)

    def _page(
        self,
        request: Request,
        org_url: str,
        users: list[User],
        limit: int,
        next_cursor: str | None,
    ) -> Response:
        headers = link_headers(request, f"{org_url}/api/v1/users", limit, next_cursor)
        now = self.store.clock()
        body = [
            user_json(user, org_url, self.store.type_suffix, now=now, full_links=False)
            for user in users
        ]
        return Response(200, body, headers)

    # -- one user ----------------------------------------------------------------------------

    def _user(self, user: User, org_url: str) -> Response:
        return Response(
            200, user_json(user, org_url, self.store.type_suffix, now=self.store.clock())
        )

    def _get(self, id_or_login: str, org_url: str) -> Response:
        return self._user(self.store.get(id_or_login), org_url)

    def _update(self, request: Request, user_id: str, org_url: str, *, replace: bool) -> Response:
        body = json_body(request)
        return self._user(self.store.update(user_id, body, replace=replace), org_url)

    def _delete(self, user_id: str) -> Response:
        self.store.delete(user_id)
        return Response(204)

    # -- lifecycle ---------------------------------------------------------------------------

    def _activate(self, request: Request, user_id: str, org_url: str) -> Response:
        send_email = flag(request, "sendEmail", True)
        token = self.store.activate(user_id, send_email)
        if send_email:
            return Response(200, {})
        return Response(200, _activation(org_url, token))

    def _reactivate(self, request: Request, user_id: str, org_url: str) -> Response:
        token = self.store.reactivate(user_id, flag(request, "sendEmail", False))
        return Response(200, _activation(org_url, token))

    def _deactivate(self, request: Request, user_id: str, org_url: str) -> Response:
        self.store.deactivate(user_id, flag(request, "sendEmail", False))
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
        send_email = flag(request, "sendEmail", False)
        token = self.store.reset_password(user_id, send_email)
        if send_email:
            return Response(200, {})
        return Response(200, {"resetPasswordUrl": f"{org_url}/reset_password/{token}"})

    def _expire_password(self, request: Request, user_id: str, org_url: str) -> Response:
        temporary = flag(request, "tempPassword", False)
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
