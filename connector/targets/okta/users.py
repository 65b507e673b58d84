"""Okta's Users API as a provisioning target: create, read, find, update, (de)activate, delete.

Each operation uses the fewest calls Okta allows and is safe to repeat: a create whose answer was
lost is resolved by reading the login back, lifecycle calls treat "already there" as done, and a
delete of a user that is already gone succeeds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from ...transport.backoff import backoff
from ...transport.budget import remaining
from ..errors import (
    LoginConflictError,
    RejectedError,
    StateRefusedError,
    TargetError,
    UnavailableError,
    UserNotFoundError,
)
from ..http import OutcomeUnknownError
from ..json_items import array_items
from ..model import TargetUser
from ..protocol import Capabilities, Profile, search
from ..query import Condition, Query
from .client import OktaApiError, OktaClient, undefined_property
from .paging import next_link as _next_link
from .schemas import USER, undeclared
from .search import render_search

log = logging.getLogger(__name__)

DEPROVISIONED = "DEPROVISIONED"
SUSPENDED = "SUSPENDED"
PAGE_SIZE = 200
# Users decoded between two turns of the event loop (well under a millisecond of work).
_DECODE_SLICE = 50
_QUIET = {"sendEmail": "false"}


class OktaUsers:
    capabilities = Capabilities(name="Okta", attributes=None, partial_update=True)

    def __init__(
        self,
        client: OktaClient,
        *,
        activate_on_create: bool = True,
        disable_mode: str = "deactivate",
        external_id_attribute: str = "scimExternalId",
    ) -> None:
        self.client = client
        self.activate_on_create = activate_on_create
        self.suspend = disable_mode == "suspend"
        self.external_id_attribute = external_id_attribute

    # -- reading ----------------------------------------------------------------------------

    def to_user(self, data: Mapping[str, Any]) -> TargetUser:
        status = str(data.get("status") or "")
        inactive = {DEPROVISIONED, SUSPENDED} if self.suspend else {DEPROVISIONED}
        profile = data.get("profile")
        return TargetUser(
            id=str(data.get("id")),
            profile=profile if isinstance(profile, dict) else {},
            active=status not in inactive,
            state=status,
            created=data.get("created"),
            last_modified=data.get("lastUpdated"),
        )

    async def get(self, user_id: str) -> TargetUser | None:
        """The user with this id. Okta also accepts a login here; a SCIM id is only an id."""
        data = await self._get_raw(user_id)
        if data is None or data.get("id") != user_id:
            return None
        return self.to_user(data)

    async def find_by_anchor(self, login: str) -> TargetUser | None:
        """Consistent lookup by login (GET by login, not the eventually consistent search)."""
        if not login or "/" in login or "?" in login or login.strip() != login:
            # Okta cannot address such logins in a URL path; its search can find them.
            found = await search(self, _login_query(login))
            return found[0] if found else None
        data = await self._get_raw(login)
        if data is None:
            return None
        stored = str((data.get("profile") or {}).get("login") or "")
        # Okta also matches a login's short name; only the whole login is a match.
        if stored.casefold() != login.casefold():
            return None
        return self.to_user(data)

    async def _get_raw(self, id_or_login: str) -> dict[str, Any] | None:
        try:
            response = await self.client.send("GET", f"/api/v1/users/{quote(id_or_login, safe='')}")
        except OktaApiError as exc:
            if exc.body.status == 404:
                return None
            raise _translate(exc) from exc
        data = response.json()
        return data if isinstance(data, dict) else None

    async def pages(self, query: Query) -> AsyncIterator[list[TargetUser]]:
        """Every user matching the query, page by page, deprovisioned users included."""
        params: dict[str, str] = {
            "search": render_search(query, suspend=self.suspend),
            "limit": str(PAGE_SIZE),
        }
        path = "/api/v1/users"
        while True:
            try:
                response = await self.client.send("GET", path, params=params)
            except OktaApiError as exc:
                raise _translate(exc) from exc
            next_url = _next_link(response.headers.get_list("link"))
            # Each user decoded on its own, the loop let run between slices, and nothing of the
            # page kept past its turn: a listing of the whole org holds one page at a time.
            items = array_items(response.content)
            del response
            if items is not None:
                users: list[TargetUser] = []
                for count, item in enumerate(items, 1):
                    if isinstance(item, dict):
                        users.append(self.to_user(item))
                    if count % _DECODE_SLICE == 0:
                        await asyncio.sleep(0)
                del items
                yield users
                del users
            if next_url is None:
                return
            # Follow the cursor but stay on our own base URL (and transport, e.g. the relay).
            parts = urlsplit(next_url)
            path, params = parts.path, dict(parse_qsl(parts.query))

    # -- writing ----------------------------------------------------------------------------

    async def create(self, profile: Profile, *, active: bool) -> TargetUser:
        values = {k: v for k, v in profile.items() if v is not None}
        activate = active and self.activate_on_create
        params = {"activate": "true" if activate else "false"}
        login = str(values.get("login") or "")
        attempt, uncertain = 0, False
        while True:
            try:
                response = await self.client.send(
                    "POST",
                    "/api/v1/users",
                    params=params,
                    json={"profile": values},
                    retry_unknown=False,
                )
                user = self.to_user(response.json())
                break
            except OutcomeUnknownError as exc:
                # The create may have landed: look before sending it again, never create twice.
                uncertain = True
                existing = await self.find_by_anchor(login)
                if existing is not None:
                    user = self._ours(existing, values)
                    break
                await self._pause(attempt, f"create outcome unknown ({exc})")
                attempt += 1
            except OktaApiError as exc:
                if uncertain and _duplicate_login(exc):
                    existing = await self.find_by_anchor(login)
                    if existing is not None:
                        user = self._ours(existing, values)
                        break
                raise self._refusal(exc) from exc
        if not active:
            user = await self.set_active(user, False)
        return user

    def _refusal(self, exc: OktaApiError) -> Exception:
        """A refused write; an attribute Okta's user profile lacks is named, with the fix."""
        attribute = undefined_property(exc)
        if attribute is not None:
            return RejectedError(undeclared(USER, attribute, self.external_id_attribute))
        return _translate(exc)

    def _ours(self, existing: TargetUser, sent: Mapping[str, str]) -> TargetUser:
        if all(existing.profile.get(k) == v for k, v in sent.items()):
            return existing
        raise LoginConflictError(f"login {sent.get('login')!r} is already taken")

    async def update(
        self,
        user_id: str,
        changes: Profile,
        current: TargetUser | None = None,
        *,
        active: bool | None = None,
    ) -> TargetUser:
        """One partial update (`POST /users/{id}`): unsent attributes stay, `None` clears.
        Okta changes a state only through its lifecycle calls: `active` is left to set_active."""
        try:
            response = await self.client.send(
                "POST", f"/api/v1/users/{quote(user_id, safe='')}", json={"profile": dict(changes)}
            )
        except OktaApiError as exc:
            if exc.body.status == 404:
                # Okta answers 404 to an edit of a deactivated user unless the org allows it;
                # a 404 would make Entra drop its link to a user that exists.
                user = await self.get(user_id)
                if user is not None and not user.active:
                    raise StateRefusedError(
                        "Okta refuses to edit deactivated users: enable 'Edit Deactivated User "
                        "Profile Updates' in Okta, or re-enable the user in the same change",
                        user,
                    ) from exc
            raise self._refusal(exc) from exc
        return self.to_user(response.json())

    async def replace(
        self,
        user_id: str,
        profile: Profile,
        current: TargetUser | None = None,
        *,
        active: bool | None = None,
    ) -> TargetUser:
        # A partial update naming every owned attribute leaves Okta's other attributes alone,
        # which a PUT of the whole profile would erase.
        return await self.update(user_id, profile, current)

    async def set_active(self, user: TargetUser, active: bool) -> TargetUser:
        """Move the user to the enabled or disabled state; a no-op when already there."""
        if user.active == active:
            return user
        if active:
            op, state = (
                ("unsuspend", "ACTIVE") if user.state == SUSPENDED else ("activate", "PROVISIONED")
            )
        elif self.suspend and user.state == "ACTIVE":
            op, state = "suspend", SUSPENDED
        else:
            # Okta suspends only ACTIVE users; STAGED or PROVISIONED ones can only be deactivated.
            op, state = "deactivate", DEPROVISIONED
        params = _QUIET if op in {"activate", "deactivate"} else None
        try:
            await self.client.send(
                "POST", f"/api/v1/users/{quote(user.id, safe='')}/lifecycle/{op}", params=params
            )
        except OktaApiError as exc:
            current = await self.get(user.id)
            if current is None:
                raise UserNotFoundError(user.id) from exc
            if current.active != active:
                raise _translate(exc) from exc
            return current  # a concurrent or repeated call already got it there
        return TargetUser(user.id, user.profile, active, state, user.created, user.last_modified)

    async def delete(self, user_id: str) -> None:
        """Really delete: Okta's first DELETE only deactivates, the second removes."""
        path = f"/api/v1/users/{quote(user_id, safe='')}"
        maybe_applied = False
        for step in (1, 2):
            attempt = 0
            while True:
                try:
                    await self.client.send("DELETE", path, retry_unknown=False)
                    break
                except OutcomeUnknownError as exc:
                    maybe_applied = True
                    await self._pause(attempt, f"delete outcome unknown ({exc})")
                    attempt += 1
                except OktaApiError as exc:
                    if exc.body.status != 404:
                        raise _translate(exc) from exc
                    if step == 1 and not maybe_applied:
                        raise UserNotFoundError(user_id) from exc
                    return  # gone already: a deprovisioned user goes on the first call
            maybe_applied = True

    async def check(self) -> str:
        try:
            await self.client.send("GET", "/api/v1/users", params={"limit": "1"})
        except OktaApiError as exc:
            if exc.body.status == 403:
                raise TargetError(
                    f"{self.client.base_url} refused the token access to users (403); create "
                    "the token as an admin who can read and manage users"
                ) from exc
            raise TargetError(
                f"{self.client.base_url} answered {exc.body.status} to GET /api/v1/users?limit=1; "
                "check that OKTA_ORG_URL is the org's base URL, e.g. https://example.okta.com"
            ) from exc
        return f"{self.client.base_url} accepted the API token"

    async def prepare(self) -> None:
        await self.client.prepare()

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _pause(self, attempt: int, reason: str) -> None:
        wait = backoff(attempt)
        if wait + 0.5 > remaining():
            raise UnavailableError(reason, retry_after=max(1, round(wait)))
        log.info("retrying in %.2fs: %s", wait, reason)
        await asyncio.sleep(wait)


def _login_query(login: str) -> Query:
    return Condition("login", "eq", login)


def _duplicate_login(exc: OktaApiError) -> bool:
    return exc.body.code == "E0000001" and any(
        "already exists" in cause for cause in exc.body.causes
    )


def _translate(exc: OktaApiError) -> Exception:
    body = exc.body
    if body.status == 404:
        return UserNotFoundError(body.summary)
    if _duplicate_login(exc):
        return LoginConflictError(exc.detail)
    if body.status == 409:
        return UnavailableError(f"Okta is busy with this user: {body.summary}", retry_after=60)
    if body.status in {403}:
        return UnavailableError(
            f"Okta refused the connector ({body.code} {body.summary}); grant the API token's "
            "admin the rights to manage users",
            retry_after=300,
        )
    return RejectedError(f"Okta rejected the request: {exc.detail}")
