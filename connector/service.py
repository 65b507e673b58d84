"""The use cases Entra drives: create, read, find, replace, patch and delete users.

Each use case walks the mapping (SCIM ⇄ target attributes) and the target once, with the fewest
target calls: a PATCH of any number of attributes is one partial update, plus one lifecycle call
only when `active` changes. Target failures become SCIM errors here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

from scim2_models import (
    InvalidValueException,
)
from scim2_models.path import FilterNode

from .found_users import FoundUsers
from .mapping import Catalog
from .mapping.filters import plan
from .mapping.matching import matches
from .mapping.render import render_user
from .mapping.writes import (
    NOTHING_STORED,
    Changes,
    NeedsCurrentResource,
    Operation,
    Stored,
    compile_writes,
    resource_writes,
)
from .page_snapshots import PageSnapshots
from .targets.errors import StateRefusedError, UserNotFoundError
from .targets.model import TargetUser
from .targets.protocol import Profile, UserTarget
from .targets.query import Everyone, Query
from .turns import Turns
from .use_case import use_case

P = ParamSpec("P")
R = TypeVar("R")


class UserService:
    def __init__(self, catalog: Catalog, target: UserTarget, budget_seconds: float = 20.0) -> None:
        self.catalog = catalog
        self.target = target
        self.budget_seconds = budget_seconds
        self.snapshots: PageSnapshots[Sequence[dict[str, Any]]] = PageSnapshots()

    def render(self, user: TargetUser) -> dict[str, Any]:
        return render_user(self.catalog, user)

    @use_case
    async def create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        # A body describes the whole new resource: value filters in it select from nothing.
        changes = compile_writes(
            self.catalog, resource_writes(body), {}, lenient=True, stored=NOTHING_STORED
        )
        anchor = self.catalog.anchor_slot.target
        if not changes.profile.get(anchor):
            raise InvalidValueException(detail="userName is required")
        user = await self.target.create(changes.profile, active=changes.active is not False)
        return self.render(user)

    @use_case
    async def get(self, user_id: str) -> dict[str, Any]:
        return self.render(await self._existing(user_id))

    @use_case
    async def replace(self, user_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        known: TargetUser | None = None
        writes = resource_writes(body)
        try:
            changes = compile_writes(self.catalog, writes, {}, lenient=True)
        except NeedsCurrentResource:
            # Two aliases disagree: the stored values say which one the client changed.
            known = await self._existing(user_id)
            changes = compile_writes(self.catalog, writes, {}, lenient=True, stored=_stored(known))
        if not changes.profile.get(self.catalog.anchor_slot.target):
            raise InvalidValueException(detail="userName is required")
        # A replace clears what the body leaves out, but only attributes the mapping owns:
        # the target's other attributes are not the connector's to erase.
        for attribute in self.catalog.target_attributes():
            changes.profile.setdefault(attribute, None)
        # A body without `active` leaves the state as it is (RFC 7644 §3.5.1 lets a service
        # read an omitted readWrite attribute as not asserted): re-enabling a disabled account
        # because a client left the field out would undo a deprovisioning.
        return self.render(await self._apply(user_id, changes, known, replace=True))

    @use_case
    async def patch(self, user_id: str, operations: Sequence[Operation]) -> dict[str, Any]:
        known: TargetUser | None = None
        try:
            changes = compile_writes(self.catalog, operations)
        except NeedsCurrentResource:
            known = await self._existing(user_id)
            changes = compile_writes(
                self.catalog, operations, self.render(known), stored=_stored(known)
            )
        return self.render(await self._apply(user_id, changes, known))

    @use_case
    async def delete(self, user_id: str) -> None:
        await self.target.delete(user_id)

    @use_case
    async def query(
        self, ast: FilterNode | None, *, page_end: int, continuing: bool = False
    ) -> Sequence[dict[str, Any]]:
        """Every user the filter selects, in a stable order, rendered as they are read out.

        `continuing`: a later page of a listing, which may read the first page's snapshot;
        `page_end`: the position of the last result the page being answered shows. Only results
        that reach beyond it are kept for later pages (a lookup never is).
        """
        key = str(ast) if ast is not None else ""
        if continuing and (snapshot := self.snapshots.get(key)) is not None:
            return snapshot
        found = await self._query(ast)
        self.snapshots.put(key, found, page_end=page_end)
        return found

    async def _query(self, ast: FilterNode | None) -> Sequence[dict[str, Any]]:
        if ast is None:
            return await self._listed(Everyone())
        chosen = plan(self.catalog, ast)
        if chosen.query is not None:
            return await self._listed(chosen.query, chosen.filter)
        # A lookup (or a filter nothing can match): one user at most.
        found: TargetUser | None = None
        if chosen.by_id is not None:
            found = await self.target.get(chosen.by_id)
        elif chosen.by_login is not None:
            found = await self.target.find_by_anchor(chosen.by_login)
        resources = [self.render(found)] if found is not None else []
        return [r for r in resources if matches(chosen.filter, r)]

    async def _listed(self, query: Query, only: FilterNode | None = None) -> FoundUsers:
        """The users of every target page, kept compact (found_users.py); with `only`, those
        whose rendering the filter matches (the target's search may select more)."""
        found = FoundUsers(self.catalog)
        turns = Turns()
        async for page in self.target.pages(query):
            for user in page:
                if only is None or matches(only, self.render(user)):
                    found.add(user)
                await turns.share()  # a target's page may be large: others get turns
            del page  # let it go before the next one is read
        return found

    async def _existing(self, user_id: str) -> TargetUser:
        user = await self.target.get(user_id)
        if user is None:
            raise UserNotFoundError(user_id)
        return user

    async def _apply(
        self,
        user_id: str,
        changes: Changes,
        known: TargetUser | None = None,
        *,
        replace: bool = False,
    ) -> TargetUser:
        """One update, then one state change only if the state really changes.
        `known`: the user as just read, if it was (then it is not read again)."""
        write = self.target.replace if replace else self.target.update
        if not changes.profile:
            user = known or await self._existing(user_id)
        else:
            try:
                user = await write(user_id, changes.profile, known, active=changes.active)
            except StateRefusedError as refused:
                # The target refuses to edit a disabled user. A resent change whose edit landed
                # before its answer was lost (then the user was disabled) is already in place;
                # a change that re-enables the user enables first, then edits; otherwise the
                # refusal (and its fix) is the answer.
                if _holds(refused.user, changes.profile):
                    user = refused.user
                elif changes.active is not True or refused.user.active:
                    raise
                else:
                    await self.target.set_active(refused.user, True)
                    user = await write(user_id, changes.profile, active=True)
        if changes.active is not None:
            user = await self.target.set_active(user, changes.active)
        return user


def _holds(user: TargetUser, profile: Profile) -> bool:
    return all(user.profile.get(name) == value for name, value in profile.items())


def _stored(user: TargetUser) -> Stored:
    return Stored(user.profile, user.active)
