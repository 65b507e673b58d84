"""Okta's Groups API as a group target: `OKTA_GROUP`s created, renamed, deleted, and their members
changed one call per member.

The SCIM id is the Okta group id; displayName is `profile.name`; externalId lives in a custom group
profile attribute (OKTA_GROUP_EXTERNAL_ID_ATTRIBUTE). Only `OKTA_GROUP`s are the connector's to
manage: groups imported from a directory (`APP_GROUP`) and the built-in Everyone are never listed
or matched by name, and a write that reaches one anyway is refused with what to do.

Okta's search is eventually consistent, so reads that must not miss a group use what is
consistent: `GET /groups/{id}`, the plain group listing, and the refusal of a duplicate name
(`E0000001`). A group this instance wrote a moment ago is confirmed by id (`recent.py`); a create
refused for a taken name finds the holder by search, then by the plain listing, and is the
existing group when that group carries the same externalId (Entra's own, created a moment ago
by a request whose answer was lost or whose match missed it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing
from typing import Any
from urllib.parse import quote

from ...json_codec import loads
from ..errors import (
    GroupNotFoundError,
    NameConflictError,
    NotWritableError,
    QueryNotSupportedError,
    RejectedError,
    TargetError,
)
from ..http import OutcomeUnknownError
from ..model import TargetGroup
from ..pause import pause
from ..protocol import GroupCapabilities
from ..query import Condition, Everyone, IdIs, Query
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
from .recent import RecentGroups
from .schemas import GROUP, undeclared
from .search import literal
from .users import is_user_id

log = logging.getLogger(__name__)

OKTA_GROUP = "OKTA_GROUP"
APP_GROUP = "APP_GROUP"
BUILT_IN = "BUILT_IN"
# Okta's largest pages: groups 200, a group's members 1000, a user's groups 200.
GROUPS_PAGE = 200
MEMBERS_PAGE = 1000
USER_GROUPS_PAGE = 200
# Member calls in flight at once for one request: enough that Okta's rate limit, not the
# latency of one call, is the ceiling; the client's own gate and pacer still apply.
MEMBER_CONCURRENCY = 8


class OktaGroups:
    capabilities = GroupCapabilities(name="Okta", external_id=True)

    def __init__(
        self,
        client: OktaClient,
        *,
        external_id_attribute: str = "scimExternalId",
        recent: RecentGroups | None = None,
    ) -> None:
        self.client = client
        self.attribute = external_id_attribute
        self.recent = recent or RecentGroups()

    # -- reading ----------------------------------------------------------------------------

    def to_group(self, data: Mapping[str, Any]) -> TargetGroup:
        raw = data.get("profile")
        profile: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
        kind = str(data.get("type") or "")
        external = profile.get(self.attribute)
        # A membership change is a change of the group too (SCIM meta.lastModified).
        stamps = [s for s in (data.get("lastUpdated"), data.get("lastMembershipUpdated")) if s]
        return TargetGroup(
            id=str(data.get("id")),
            name=str(profile.get("name") or ""),
            external_id=external if isinstance(external, str) and external else None,
            writable=kind == OKTA_GROUP,
            kind=kind,
            created=data.get("created"),
            last_modified=max(stamps) if stamps else None,
            record=dict(data),
        )

    def _current(self, data: Mapping[str, Any]) -> TargetGroup | None:
        """A search hit as it is now, as far as this instance knows (recent.py)."""
        return self.recent.current(self.to_group(data))

    async def get(self, group_id: str) -> TargetGroup | None:
        """Any group by id (strongly consistent), whatever its type."""
        try:
            response = await self.client.send("GET", _group_path(group_id))
        except OktaApiError as exc:
            if not_found(exc):
                return None
            raise self._failure(exc) from exc
        data = loads(response.content)
        if not isinstance(data, dict) or data.get("id") != group_id:
            return None
        return self.to_group(data)

    async def find_by_name(self, name: str) -> TargetGroup | None:
        """The `OKTA_GROUP` with this name: a group this instance wrote a moment ago is read by
        id, others are searched (one call; Okta's names are unique, so one hit is the answer)."""
        # Closed at once when left early: no call is left pending in an unfinished generator.
        async with aclosing(self.pages(Condition("name", "eq", name))) as pages:
            async for page in pages:
                if page:
                    return page[0]
        return None

    async def pages(self, query: Query) -> AsyncGenerator[list[TargetGroup], None]:
        """`OKTA_GROUP`s only: Entra cannot manage the others. Everyone is the plain listing
        (Okta's live data, not the lagging index); name and externalId are searched."""
        if isinstance(query, Everyone):
            async with aclosing(self._listing()) as listing:
                async for page in listing:
                    yield [g for g in page if g.writable]
            return
        if isinstance(query, IdIs):
            group = await self.get(query.value)
            yield [group] if group is not None and group.writable else []
            return
        if (
            not isinstance(query, Condition)
            or query.op != "eq"
            or query.value is None
            or query.attribute not in {"name", "externalId"}
        ):
            raise QueryNotSupportedError(
                "Okta groups are found by name or externalId equality, or listed whole"
            )
        # Each generator below closes the one it reads from when it is closed early itself.
        async with aclosing(self._equal(query.attribute, query.value)) as equal:
            async for page in equal:
                yield page

    async def _equal(self, attribute: str, value: str) -> AsyncGenerator[list[TargetGroup], None]:
        def matches(group: TargetGroup) -> bool:
            if not group.writable:
                return False
            if attribute == "name":
                return group.name.casefold() == value.casefold()
            return group.external_id == value

        by_name = attribute == "name"
        remembered = self.recent.named(value) if by_name else self.recent.with_external_id(value)
        confirmed = [g for g in [await self.get(i) for i in remembered] if g and matches(g)]
        if confirmed:
            yield confirmed
            if by_name:
                return  # names are unique among Okta groups: nothing else can match
        seen = {g.id for g in confirmed}
        field = "profile.name" if by_name else f"profile.{self.attribute}"
        async with aclosing(self._searched(f"{field} eq {literal(value)}", field)) as searched:
            async for page in searched:
                found = [g for g in page if g.id not in seen and matches(g)]
                seen.update(g.id for g in found)
                yield found

    async def _searched(
        self, expression: str, field: str
    ) -> AsyncGenerator[list[TargetGroup], None]:
        params = {"search": expression, "limit": str(GROUPS_PAGE)}
        try:
            read = pages(self.client, "/api/v1/groups", params, self._current)
            async with aclosing(read) as found:
                async for page in found:
                    yield page
        except OktaApiError as exc:
            if exc.body.code == "E0000031" and field != "profile.name":
                raise RejectedError(
                    f"Okta cannot search groups on {field} ({exc.body.summary}); the attribute "
                    "is probably missing from Okta's group profile: `python -m connector "
                    "doctor` checks it, `--fix` adds it"
                ) from exc
            raise self._failure(exc) from exc

    async def _listing(self) -> AsyncGenerator[list[TargetGroup], None]:
        """Every group of every type, from Okta's live data (no search index involved)."""
        try:
            read = pages(self.client, "/api/v1/groups", {"limit": str(GROUPS_PAGE)}, self.to_group)
            async with aclosing(read) as every:
                async for page in every:
                    yield page
        except OktaApiError as exc:
            raise self._failure(exc) from exc

    async def members(self, group_id: str) -> AsyncGenerator[list[str], None]:
        """The members' ids, page by page. A page is 1,000 whole user objects: each is decoded
        on its own and only its id kept (paging.pages)."""
        path, params = f"{_group_path(group_id)}/users", {"limit": str(MEMBERS_PAGE)}
        try:
            async with aclosing(pages(self.client, path, params, _id_of)) as each:
                async for ids in each:
                    yield ids
        except OktaApiError as exc:
            if not_found(exc):
                raise GroupNotFoundError(group_id) from exc
            raise self._failure(exc) from exc

    async def is_member(self, group_id: str, user_id: str) -> bool:
        """One call for a user in up to 200 groups: the user's groups, not the group's members
        (which may be thousands). Okta's `/users/{id}/groups` also takes a login or login short
        name (spec, pathId), which would answer for whichever user holds it: a value that is
        not an Okta user id is no member's SCIM id, and a member of nothing."""
        if not is_user_id(user_id):
            return False
        path = f"/api/v1/users/{user_id}/groups"  # letters and digits only: nothing to escape
        try:
            read = pages(self.client, path, {"limit": str(USER_GROUPS_PAGE)}, _id_of)
            async with aclosing(read) as ids:
                async for page in ids:
                    if group_id in page:
                        return True
        except OktaApiError as exc:
            if not_found(exc):
                return False  # not a user: a member of nothing
            raise self._failure(exc) from exc
        return False

    # -- writing ----------------------------------------------------------------------------

    async def create(self, name: str, external_id: str | None) -> TargetGroup:
        """A new `OKTA_GROUP`. When Okta refuses the name as taken and the group holding it
        carries this externalId, that group is returned: it is this same Entra group, created
        a moment ago (a lost answer, or a match that missed it). NameConflictError otherwise."""
        profile: dict[str, str] = {"name": name}
        if external_id:
            profile[self.attribute] = external_id
        attempt, uncertain = 0, False
        while True:
            try:
                response = await self.client.send(
                    "POST", "/api/v1/groups", json={"profile": profile}, retry_unknown=False
                )
                group = self.to_group(loads(response.content))
                self.recent.wrote(group)
                return group
            except OutcomeUnknownError as exc:
                # It may have landed: sending it again either creates it or is refused for
                # the taken name, which then finds the group that landed.
                uncertain = True
                await pause(attempt, f"group create outcome unknown ({exc})")
                attempt += 1
            except OktaApiError as exc:
                if taken_attribute(exc) == "name":
                    return await self._taken(name, external_id, uncertain)
                raise self._failure(exc) from exc

    async def _taken(self, name: str, external_id: str | None, uncertain: bool) -> TargetGroup:
        holder = await self._holder(name)
        if holder is not None and holder.writable:
            same = external_id is not None and holder.external_id == external_id
            # Without an externalId, only our own lost create can hold exactly this name.
            resent = uncertain and external_id is None and holder.name == name
            if same or resent:
                self.recent.wrote(holder)
                return holder
        raise NameConflictError(_conflict(name, holder))

    async def _holder(self, name: str) -> TargetGroup | None:
        """Whichever group holds the name Okta just refused: consistently, since the search
        may not show a group created a moment ago. Search first (one call, usually enough),
        then the plain listing, page by page."""
        found = await self.find_by_name(name)
        if found is not None:
            return found
        other: TargetGroup | None = None
        async with aclosing(self._listing()) as listing:
            async for page in listing:
                for group in page:
                    if group.name.casefold() == name.casefold():
                        if group.writable:
                            return group
                        other = other or group
        return other

    async def update(self, group: TargetGroup, name: str, external_id: str | None) -> TargetGroup:
        """Okta has no partial group update: the whole profile as just read, with the name and
        externalId changed (the description and other attributes kept), in one PUT."""
        if not group.writable:
            raise NotWritableError(_not_writable(group))
        record = group.record
        if not isinstance(record, dict):
            read = await self.get(group.id)
            if read is None:
                raise GroupNotFoundError(group.id)
            record = read.record
        current = record.get("profile")
        profile = dict(current) if isinstance(current, dict) else {}
        profile["name"] = name
        if external_id:
            profile[self.attribute] = external_id
        else:
            profile.pop(self.attribute, None)  # the PUT replaces the profile: absent is cleared
        try:
            response = await self.client.send(
                "PUT", _group_path(group.id), json={"profile": profile}
            )
        except OktaApiError as exc:
            if taken_attribute(exc) == "name":
                raise NameConflictError(_conflict(name, await self.find_by_name(name))) from exc
            raise self._failure(exc) from exc
        updated = self.to_group(loads(response.content))
        self.recent.wrote(updated)
        return updated

    async def delete(self, group_id: str) -> None:
        """One DELETE; a resend after a lost answer that finds the group gone is done."""
        maybe_applied, attempt = False, 0
        while True:
            try:
                await self.client.send("DELETE", _group_path(group_id), retry_unknown=False)
                break
            except OutcomeUnknownError as exc:
                maybe_applied = True
                await pause(attempt, f"group delete outcome unknown ({exc})")
                attempt += 1
            except OktaApiError as exc:
                if not_found(exc) and maybe_applied:
                    break
                if not_found(exc):
                    raise GroupNotFoundError(group_id) from exc
                raise await self._refused(exc, group_id) from exc
        self.recent.deleted(group_id)

    async def add_members(self, group_id: str, user_ids: Sequence[str]) -> list[str]:
        """`PUT /groups/{gid}/users/{uid}` per member (already a member: 204 all the same);
        the ids Okta answers 404 for are not users of Okta."""
        return await self._each(group_id, user_ids, "PUT")

    async def remove_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        """`DELETE /groups/{gid}/users/{uid}` per member; not a member (204) or not a user
        (404) is no error."""
        await self._each(group_id, user_ids, "DELETE")

    async def _each(self, group_id: str, user_ids: Sequence[str], method: str) -> list[str]:
        """One call per user, MEMBER_CONCURRENCY at a time. The first failure stops new calls
        (those in flight finish) and is raised: every call is idempotent, so a resend of the
        whole request redoes nothing wrong. Returns the users Okta does not know, in order."""
        wanted = list(dict.fromkeys(user_ids))
        queue = iter(wanted)
        unknown: dict[str, OktaApiError] = {}
        failures: list[Exception] = []

        async def worker() -> None:
            for user_id in queue:
                if failures:
                    return
                path = f"{_group_path(group_id)}/users/{quote(user_id, safe='')}"
                try:
                    await self.client.send(method, path, content=b"" if method == "PUT" else None)
                except OktaApiError as exc:
                    if not_found(exc) and "(UserGroup)" not in exc.body.summary:
                        unknown[user_id] = exc
                        continue
                    failures.append(exc)
                    return
                except (TargetError, OutcomeUnknownError) as exc:
                    failures.append(exc)
                    return

        await asyncio.gather(*(worker() for _ in range(min(MEMBER_CONCURRENCY, len(wanted)))))
        if failures:
            first = failures[0]
            if isinstance(first, OktaApiError):
                if not_found(first):
                    raise GroupNotFoundError(group_id) from first
                raise await self._refused(first, group_id) from first
            raise first
        ambiguous = [u for u, exc in unknown.items() if u not in exc.body.summary]
        if ambiguous and await self.get(group_id) is None:
            raise GroupNotFoundError(group_id)
        return [u for u in wanted if u in unknown]

    async def _refused(self, exc: OktaApiError, group_id: str) -> Exception:
        """A write Okta refused: a group the API may not change (said by the group's type, read
        only now, on the refusal), or a token without the rights."""
        if exc.body.code == "E0000060":
            return NotWritableError(_not_writable_kind(BUILT_IN, "Everyone"))
        if exc.body.code == "E0000006":
            group = await self.get(group_id)
            if group is None:
                return GroupNotFoundError(group_id)
            if not group.writable:
                return NotWritableError(_not_writable(group))
        return self._failure(exc)

    def _failure(self, exc: OktaApiError) -> Exception:
        """Okta's refusal in the service's terms, by its errorCode (see codes.py)."""
        attribute = undefined_property(exc)
        if attribute is not None:
            return RejectedError(undeclared(GROUP, attribute, self.attribute))
        if meaning(exc) is Meaning.NOT_FOUND:
            return GroupNotFoundError(exc.body.summary)
        shared = shared_refusal(exc, "group", "manage groups and their members")
        return shared or RejectedError(f"Okta rejected the request: {exc.detail}")

    async def prepare(self) -> None:
        await self.client.prepare()

    async def aclose(self) -> None:
        await self.client.aclose()


def _group_path(group_id: str) -> str:
    return f"/api/v1/groups/{quote(group_id, safe='')}"


def _not_writable(group: TargetGroup) -> str:
    return _not_writable_kind(group.kind, group.name)


def _not_writable_kind(kind: str, name: str) -> str:
    if kind == BUILT_IN:
        return (
            f"{name!r} is Okta's built-in group of every user: Okta alone manages it and refuses "
            "changes; take this group out of the Entra app's provisioning scope"
        )
    if kind == APP_GROUP:
        return (
            f"Okta group {name!r} is imported from a directory (APP_GROUP): its name and members "
            "come from that directory and Okta refuses changes through the API; change it in "
            "the directory, or take this group out of the Entra app's provisioning scope"
        )
    return f"Okta does not let the connector change group {name!r} (type {kind or 'unknown'})"


def _conflict(name: str, holder: TargetGroup | None) -> str:
    if holder is None:
        return f"Okta already has a group named {name!r}"
    if holder.kind == BUILT_IN:
        return f"{holder.name!r} is Okta's built-in group of every user; rename the Entra group"
    if holder.kind == APP_GROUP:
        return (
            f"Okta group {holder.name!r} ({holder.id}) is imported from a directory "
            "(APP_GROUP) and cannot be managed by the connector; rename the Entra group or take "
            "it out of the provisioning scope"
        )
    return f"Okta group {holder.name!r} ({holder.id}) already has this name"


def _id_of(user_or_group: dict[str, Any]) -> str | None:
    return str(user_or_group["id"]) if user_or_group.get("id") else None
