"""Okta's Users API as a provisioning target: create, read, find, update, (de)activate, delete.

Each operation uses the fewest calls Okta allows and is safe to repeat: a create whose answer was
lost is resolved by reading the login back, lifecycle calls treat "already there" as done, and a
delete of a user that is already gone succeeds.

Okta's search is eventually consistent. The login is read consistently (`GET /users/{login}`);
for the other equality matches (Entra's externalId), a user this instance wrote a moment ago is
read by id (`recent.py`), and a search hit it wrote or deleted a moment ago is not taken as the
index shows it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import aclosing
from typing import Any
from urllib.parse import quote

from ...json_codec import loads
from ..errors import (
    LoginConflictError,
    RejectedError,
    StateRefusedError,
    TargetError,
    UnavailableError,
    UserNotFoundError,
)
from ..http import OutcomeUnknownError
from ..model import TargetUser
from ..pause import pause
from ..protocol import Capabilities, Profile, search
from ..query import AllOf, AnyOf, Condition, Query
from ..stamps import Clock, landed, utc_now
from .client import OktaApiError, OktaClient
from .codes import (
    Meaning,
    meaning,
    not_found,
    shared_refusal,
    taken_attribute,
    undefined_property,
)
from .paging import pages
from .recent import RecentUsers
from .schemas import USER, undeclared
from .search import render_search

log = logging.getLogger(__name__)

DEPROVISIONED = "DEPROVISIONED"
SUSPENDED = "SUSPENDED"
PAGE_SIZE = 200
# Deactivate, delete, confirm; each re-enable racing the delete adds one.
_MAX_DELETES = 5
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
        now: Clock = utc_now,
        recent: RecentUsers | None = None,
    ) -> None:
        self.client = client
        self.recent = recent or RecentUsers()
        self.activate_on_create = activate_on_create
        self.suspend = disable_mode == "suspend"
        self.external_id_attribute = external_id_attribute
        self.now = now  # the wall clock, for the stamp of a lifecycle change (stamps.py)

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
        if not is_user_id(user_id):
            return None
        data = await self._get_raw(user_id)
        if data is None or data.get("id") != user_id:
            return None
        return self.to_user(data)

    async def find_by_anchor(self, login: str) -> TargetUser | None:
        """Consistent lookup by login (GET by login, not the eventually consistent search)."""
        if not _addressable(login):
            # Okta cannot address such logins in a URL path; its search can find them (and a
            # user read by id because it held the login a moment ago may not hold it now).
            found = await search(self, _login_query(login))
            wanted = login.casefold()
            return next((u for u in found if _login_of(u).casefold() == wanted), None)
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
            if not_found(exc):
                return None
            raise _translate(exc) from exc
        data = loads(response.content)
        return data if isinstance(data, dict) else None

    def pages(self, query: Query) -> AsyncGenerator[list[TargetUser], None]:
        """Every user matching the query, page by page, deprovisioned users included.

        Users this instance deleted a moment ago are left out of every answer. An equality
        match (`externalId eq`, `emails… eq`, alone or in an `and`/`or`) first reads by id the
        users this instance wrote a moment ago with that value (`recent.py`), which the search
        may not show yet, and reads by id the search hits it wrote a moment ago, which the
        search may show as they were: one call per such user, none when there is none."""
        params = {"search": render_search(query, suspend=self.suspend), "limit": str(PAGE_SIZE)}
        remembered = _candidates(self.recent, query)
        if remembered is None:
            return self._paged(params)
        return self._matched(remembered, params)

    async def _matched(
        self, remembered: set[str], params: dict[str, str]
    ) -> AsyncGenerator[list[TargetUser], None]:
        confirmed = [u for u in [await self.get(i) for i in sorted(remembered)] if u is not None]
        if confirmed:
            yield confirmed
        async with aclosing(self._paged(params)) as searched:
            async for page in searched:
                found: list[TargetUser] = []
                for hit in page:
                    if hit.id in remembered:
                        continue  # read by id above: answered, or gone
                    if self.recent.written(hit.id):
                        current = await self.get(hit.id)  # the index may show it as it was
                        if current is None:
                            continue
                        hit = current
                    found.append(hit)
                del page
                yield found

    async def _paged(self, params: dict[str, str]) -> AsyncGenerator[list[TargetUser], None]:
        deleted = self.recent.deleted_ids()
        keep = self.to_user if not deleted else _without(deleted, self.to_user)
        try:
            async with aclosing(pages(self.client, "/api/v1/users", params, keep)) as each:
                async for users in each:
                    yield users
                    del users  # not held while the next page is read
        except OktaApiError as exc:
            if exc.body.code == "E0000031" and "search" in params:
                raise self._unsearchable(params["search"], exc) from exc
            raise _translate(exc) from exc

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
                user = self.to_user(loads(response.content))
                break
            except OutcomeUnknownError as exc:
                # The create may have landed: look before sending it again, never create twice.
                uncertain = True
                existing = await self.find_by_anchor(login)
                if existing is not None:
                    user = self._ours(existing, values)
                    break
                await pause(attempt, f"create outcome unknown ({exc})")
                attempt += 1
            except OktaApiError as exc:
                if uncertain and taken_attribute(exc) == "login":
                    # Okta says the login exists: find that user for certain, lag or not.
                    existing = await self._holder(login)
                    if existing is not None:
                        user = self._ours(existing, values)
                        break
                raise self._refusal(exc) from exc
        if not active:
            user = await self.set_active(user, False)
        self.recent.wrote(user)
        return user

    async def _holder(self, login: str) -> TargetUser | None:
        """The user holding this login, which Okta just said exists. A login Okta's GET can
        address is read that way; any other is searched (one call, usually enough), then found
        in the plain listing (`GET /api/v1/users`, one call per 200 users, only then), which
        shows users as they are rather than the lagging search index."""
        found = await self.find_by_anchor(login)
        if found is not None or _addressable(login):
            return found
        # Closed at once when left early: no call is left pending in an unfinished generator.
        async with aclosing(self._paged({"limit": str(PAGE_SIZE)})) as listing:
            async for page in listing:
                for user in page:
                    if _login_of(user).casefold() == login.casefold():
                        return user
        return None

    def _unsearchable(self, expression: str, exc: OktaApiError) -> RejectedError:
        """Okta refused a search (E0000031, e.g. "Invalid search query."): what Okta usually
        means is an attribute its user profile lacks, so the attributes searched are named,
        the externalId attribute with the fix doctor offers."""
        unquoted = _LITERAL.sub('""', expression)  # values never name attributes
        searched = list(dict.fromkeys(_SEARCHED.findall(unquoted)))
        attribute = self.external_id_attribute
        if attribute in searched:
            return RejectedError(
                f"Okta cannot search users on profile.{attribute} ({exc.detail}); "
                + undeclared(USER, attribute, attribute)
            )
        named = ", ".join(f"profile.{a}" for a in searched) or "this filter"
        return RejectedError(
            f"Okta cannot search users on {named} ({exc.detail}); an attribute the mapping "
            "stores is probably missing from Okta's user profile: add it in the Profile Editor"
        )

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
        Okta changes a state only through its lifecycle calls: `active` is left to set_active.

        A user still being activated (Okta activates asynchronously, and answers `409 E0000112`
        meanwhile) is updated again after a pause, within the request's budget: the update is
        the same whenever it lands."""
        path = _user_path(user_id)
        attempt = 0
        while True:
            try:
                response = await self.client.send("POST", path, json={"profile": dict(changes)})
                user = self.to_user(loads(response.content))
                self.recent.wrote(user)
                return user
            except OktaApiError as exc:
                refusal = meaning(exc)
                if refusal is Meaning.BUSY:
                    await pause(attempt, f"Okta is still activating the user ({exc})")
                    attempt += 1
                    continue
                if refusal in {Meaning.STATE, Meaning.NOT_FOUND}:
                    # An org without "Edit Deactivated User Profile Updates" refuses edits of a
                    # deactivated user: 403 E0000038 per Okta's support articles, 404 E0000007
                    # in one report (a 404 would make Entra drop its link to a user that exists).
                    raise await self._state_refusal(user_id, exc) from exc
                raise self._refusal(exc) from exc

    async def _state_refusal(self, user_id: str, exc: OktaApiError) -> Exception:
        user = await self.get(user_id)
        if user is None:
            return UserNotFoundError(user_id)
        if not user.active:
            return StateRefusedError(
                "Okta refuses to edit deactivated users: enable 'Edit Deactivated User Profile "
                "Updates' in Okta (Directory > People > More actions), or re-enable the user in "
                "the same change",
                user,
            )
        if meaning(exc) is Meaning.NOT_FOUND:
            return _translate(exc)
        return StateRefusedError(
            f"Okta refuses to change the user in its status {user.state} ({exc.body.code} "
            f"{exc.body.summary})",
            user,
        )

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
        """Move the user to the enabled or disabled state; a no-op when already there.

        Okta's lifecycle calls answer without the user (`{}`, `204`, an activation link), so
        the user returned is the one given in its new state, stamped with the moment Okta's
        answer arrived (stamps.py): one call, not a read after it."""
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
        stamp = landed(user.last_modified, self.now())
        changed = TargetUser(user.id, user.profile, active, state, user.created, stamp)
        self.recent.wrote(changed)
        return changed

    async def delete(self, user_id: str) -> None:
        """Really delete. Okta's DELETE of a user that is not deactivated only deactivates it, and
        one of a deactivated user removes it; so DELETEs go on until Okta answers 404 (2 calls
        for a deactivated user, 3 for another). A re-enable landing between two DELETEs (which
        makes the next one deactivate again) then costs one more, never a 204 over a user that
        stays in Okta."""
        path = _user_path(user_id)
        maybe_applied = False
        for _ in range(_MAX_DELETES):
            attempt = 0
            while True:
                try:
                    await self.client.send("DELETE", path, retry_unknown=False)
                    break
                except OutcomeUnknownError as exc:
                    maybe_applied = True
                    await pause(attempt, f"delete outcome unknown ({exc})")
                    attempt += 1
                except OktaApiError as exc:
                    if not not_found(exc):
                        raise _translate(exc) from exc
                    self.recent.deleted(user_id)  # gone for good: Okta never reuses an id
                    if not maybe_applied:
                        raise UserNotFoundError(user_id) from exc
                    return  # gone: deleted by this request's earlier DELETEs
            maybe_applied = True
        raise UnavailableError(
            f"user {user_id} was re-enabled each time the connector deleted it; the delete is "
            "retried later",
            retry_after=60,
        )

    async def check(self) -> str:
        try:
            await self.client.send("GET", "/api/v1/users", params={"limit": "1"})
        except OktaApiError as exc:
            if meaning(exc) is Meaning.FORBIDDEN:
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


# Okta's `/api/v1/users/{id}` paths, writes and lifecycle included, also take "a login, or login
# shortname (as long as the shortname is unambiguous)" (spec, parameter pathId): a SCIM id that
# is not an Okta user id would write to whichever user holds that login or short name (an id an
# ECMA2Host connector derived from its anchor, after a migration, is one). Okta's ids are
# opaque, but a user's is always `00u` and letters and digits (every recorded answer); nothing
# else is a user of this connector, answered without a call.
_USER_ID = re.compile(r"00u[0-9A-Za-z]+")
# The profile attributes a rendered search expression names, once its quoted values (escaped as
# search.py writes them) are taken out.
_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"')
_SEARCHED = re.compile(r"profile\.([A-Za-z_][A-Za-z0-9_]*)")


def is_user_id(value: str) -> bool:
    return _USER_ID.fullmatch(value) is not None  # fullmatch: `$` would let a "\n" end it


def _user_path(user_id: str) -> str:
    if not is_user_id(user_id):
        raise UserNotFoundError(user_id)
    return f"/api/v1/users/{user_id}"  # letters and digits only: nothing to escape


def _addressable(login: str) -> bool:
    """Whether `GET /api/v1/users/{login}` can name this login (Okta: not with `/` or `?`)."""
    return bool(login) and "/" not in login and "?" not in login and login.strip() == login


def _login_query(login: str) -> Query:
    return Condition("login", "eq", login)


def _login_of(user: TargetUser) -> str:
    return str(user.profile.get("login") or "")


def _candidates(recent: RecentUsers, query: Query) -> set[str] | None:
    """For a match (an equality, an `and` with one, an `or` of them): the users written
    recently that may match, those holding the values of an `and`'s equalities, of either side
    of an `or` (the service applies the whole filter to them). None for a listing."""
    if isinstance(query, Condition):
        if query.op == "eq" and query.value is not None:
            return recent.holding(query.attribute, query.value)
        return None
    if isinstance(query, AllOf):
        narrowing = [c for t in query.terms if (c := _candidates(recent, t)) is not None]
        return set.intersection(*narrowing) if narrowing else None
    if isinstance(query, AnyOf):
        sides = [_candidates(recent, t) for t in query.terms]
        return None if any(s is None for s in sides) else set().union(*(s for s in sides if s))
    return None


def _without(
    deleted: frozenset[str], to_user: Callable[[Mapping[str, Any]], TargetUser]
) -> Callable[[dict[str, Any]], TargetUser | None]:
    """A page's users but those deleted (a lagging index still shows them)."""

    def keep(data: dict[str, Any]) -> TargetUser | None:
        return None if data.get("id") in deleted else to_user(data)

    return keep


def _translate(exc: OktaApiError) -> Exception:
    """Okta's refusal in the service's terms, by its errorCode (see codes.py)."""
    shared = shared_refusal(exc, "user", "manage users")
    if shared is not None:
        return shared
    said = f"{exc.body.code} {exc.body.summary}".strip()
    match meaning(exc):
        case Meaning.NOT_FOUND:
            return UserNotFoundError(exc.body.summary)
        case Meaning.MASTERED:
            return RejectedError(
                f"Okta refuses the change: the user's profile is mastered by another system "
                f"({said}); change it there, or make Okta the profile's source"
            )
        case Meaning.STATE:
            return RejectedError(f"Okta refuses this in the user's current status ({said})")
    taken = taken_attribute(exc)
    if taken == "login":
        return LoginConflictError(exc.detail)
    if taken is not None:
        return LoginConflictError(exc.detail, anchor=False)
    return RejectedError(f"Okta rejected the request: {exc.detail}")
