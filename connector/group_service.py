"""The group use cases Entra drives: create, read, find, rename, change members, replace, delete.

Membership changes are idempotent and time-boxed: each member is one target call (or one per
batch where the target has batches), paced by the target's rate limit inside the request's
budget. When the budget runs out mid-PATCH, Entra gets 429/503 with Retry-After and resends the
same PATCH; a PATCH with many members reads the member list first, so the resend does only what
is left (a group too large to list in half the budget is listed in part, and the rest of the
member calls is sent as asked).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import aclosing
from typing import Any

from scim2_models import InvalidValueException, NotFoundException
from scim2_models.path import FilterNode

from .mapping.groups import group_matches, plan_groups, render_group
from .mapping.writes import Operation
from .page_snapshots import PageSnapshots
from .scim.groups import GroupWrite, Members, compile_group_patch, read_group
from .targets.errors import GroupNotFoundError, NameConflictError
from .targets.model import TargetGroup
from .targets.protocol import GroupTarget
from .transport.budget import remaining
from .use_case import use_case

# A change of more members than this reads the group's member list first: a resent PATCH then
# calls only for what is left, and a listing costs one call per page of members.
LIST_FIRST_ABOVE = 20
# The share of what is left of a request's budget after which listing the members first stops
# at the end of a page: the rest is for the member calls.
LISTING_SHARE = 0.5
# How many unknown ids a SCIM error names.
_NAMED = 10


class GroupService:
    def __init__(
        self,
        target: GroupTarget,
        budget_seconds: float = 20.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`clock` (monotonic seconds, as the request budget's) times a member listing against
        the budget; tests pass a fake one."""
        self.target = target
        self.budget_seconds = budget_seconds
        self._clock = clock
        self.snapshots: PageSnapshots[list[dict[str, Any]]] = PageSnapshots()

    @use_case
    async def create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        write = read_group(body)
        assert write.name is not None  # required by read_group
        group = await self._create(write.name, write.external_id)
        wanted = write.members.exactly or []
        unknown = await self.target.add_members(group.id, wanted) if wanted else []
        if unknown:
            # Not undone by deleting the group: the target may have answered with a group that
            # exists already (a resent create), which a rollback would destroy.
            raise self._not_users(unknown, "the group was created with the other members")
        return render_group(group, wanted)

    async def _create(self, name: str, external_id: str | None) -> TargetGroup:
        try:
            return await self.target.create(name, external_id)
        except NameConflictError:
            # Entra matches groups by name before creating them; a match that missed a group
            # created a moment ago (a lagging search, a lost answer) must not make a second
            # one. The group with this name is Entra's own if it has the same externalId.
            existing = await self.target.find_by_name(name)
            if existing is not None and external_id and existing.external_id == external_id:
                return existing
            raise

    @use_case
    async def get(self, group_id: str, *, with_members: bool) -> dict[str, Any]:
        group = await self._existing(group_id)
        return render_group(group, await self._members(group.id) if with_members else None)

    @use_case
    async def query(
        self,
        ast: FilterNode | None,
        *,
        with_members: bool,
        continuing: bool = False,
        page_start: int = 1,
        page_end: int,
    ) -> list[dict[str, Any]]:
        """Every group the filter selects, rendered. `continuing`: a later page of a listing,
        which may read the first page's snapshot; `page_start`, `page_end`: the positions (from
        1) of the first and last result the page being answered shows. Only results beyond it
        are kept for later pages, and members are read only for the groups on it: one member
        listing per group shown, not one per group of the whole listing."""
        key = str(ast)
        resources = self.snapshots.get(key) if continuing else None
        if resources is None:
            resources = [render_group(g, None) for g in await self._query(ast)]
            self.snapshots.put(key, resources, page_end=page_end)
        if not with_members:
            return resources
        shown = list(resources)
        for index in range(max(page_start, 1) - 1, min(page_end, len(shown))):
            try:
                members = await self._members(shown[index]["id"])
            except GroupNotFoundError:
                members = []  # deleted since the snapshot was taken: no members to show
            shown[index] = _with_members(shown[index], members)
        return shown

    async def _query(self, ast: FilterNode | None) -> list[TargetGroup]:
        plan = plan_groups(ast, self.target.capabilities.external_id)
        found: list[TargetGroup]
        if plan.by_id is not None:
            group = await self.target.get(plan.by_id)
            found = [group] if group is not None else []
            if found and plan.member is not None:
                found = found if await self.target.is_member(plan.by_id, plan.member) else []
        elif plan.by_name is not None:
            group = await self.target.find_by_name(plan.by_name)
            found = [group] if group is not None else []
        else:
            assert plan.query is not None
            found = []
            async for page in self.target.pages(plan.query):
                found.extend(page)
        return [g for g in found if group_matches(plan, render_group(g, None))]

    @use_case
    async def patch(self, group_id: str, operations: Sequence[Operation]) -> None:
        write = compile_group_patch(operations)
        if write.name is not None or write.names_external_id:
            await self._rename(await self._existing(group_id), write)
        elif write.members.empty:
            # Nothing to change (no members named, read-only attributes only): no other call
            # would tell a group that is not there, which is still a 404 (RFC 7644 §3.12).
            await self._existing(group_id)
        await self._apply(group_id, write.members)

    @use_case
    async def replace(self, group_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        write = read_group(body)
        group = await self._rename(await self._existing(group_id), write)
        await self._apply(group.id, write.members)
        return render_group(group, await self._members(group.id))

    @use_case
    async def delete(self, group_id: str) -> None:
        await self.target.delete(group_id)

    async def _rename(self, group: TargetGroup, write: GroupWrite) -> TargetGroup:
        name = write.name if write.name is not None else group.name
        external_id = write.external_id if write.names_external_id else group.external_id
        if (name, external_id) == (group.name, group.external_id):
            return group
        return await self.target.update(group, name, external_id)

    async def _apply(self, group_id: str, members: Members) -> None:
        if members.empty:
            return
        many = len(members.add) + len(members.remove) > LIST_FIRST_ABOVE
        if members.exactly is not None:
            to_add, to_remove = members.outcome(set(await self._members(group_id)))
        elif many:
            seen, whole = await self._members_in_time(group_id)
            if whole:
                to_add, to_remove = members.outcome(seen)
            else:
                # Only part of a large group was listed: a member seen needs no add, and the
                # rest is sent as asked (adding a member twice or removing a non-member is
                # harmless), so every resend still gets further.
                to_add = [u for u in members.add if u not in seen]
                to_remove = list(members.remove)
        else:
            to_add, to_remove = list(members.add), list(members.remove)
        if to_remove:
            await self.target.remove_members(group_id, to_remove)
        unknown = await self.target.add_members(group_id, to_add) if to_add else []
        if unknown:
            raise self._not_users(unknown, "the other members were applied")

    def _not_users(self, unknown: Sequence[str], outcome: str) -> InvalidValueException:
        named = ", ".join(unknown[:_NAMED]) + (" …" if len(unknown) > _NAMED else "")
        return InvalidValueException(
            detail=f"{len(unknown)} member(s) are not users of "
            f"{self.target.capabilities.name}: {named}; {outcome}"
        )

    async def _members_in_time(self, group_id: str) -> tuple[set[str], bool]:
        """The members listed, and whether that is all of them: listing stops after a page
        that ends past a share of what was left of the request's budget, as a group too large
        to list within one request would otherwise fail every resend of the PATCH the same way.
        Not after the first page: a group of one page is then listed whole however slow the
        target is (asking for the next page of it costs no call), and only a larger one in part."""
        stop_at = self._clock() + remaining() * LISTING_SHARE
        seen: set[str] = set()
        first = True
        async with aclosing(self.target.members(group_id)) as pages:
            async for page in pages:
                seen.update(page)
                if not first and self._clock() >= stop_at:
                    return seen, False
                first = False
        return seen, True

    async def _members(self, group_id: str) -> list[str]:
        found: list[str] = []
        async for page in self.target.members(group_id):
            found.extend(page)
        return found

    async def _existing(self, group_id: str) -> TargetGroup:
        group = await self.target.get(group_id)
        if group is None:
            raise GroupNotFoundError(group_id)
        return group


def _with_members(resource: dict[str, Any], members: Sequence[str]) -> dict[str, Any]:
    """A group rendered without members (as listings keep it), with them as render_group
    shows them (before meta)."""
    bare = {k: v for k, v in resource.items() if k != "meta"}
    shown = [{"value": m, "type": "User"} for m in members]
    return {**bare, "members": shown, "meta": resource["meta"]}


__all__ = ["GroupService", "NotFoundException"]
