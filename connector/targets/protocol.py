"""What every target implements, and what it tells the layers above about itself.

The service, `doctor` and `serve` know a target only through `UserTarget`. A target translates
the target-neutral `Query` into its own search syntax (or refuses it with QueryNotSupportedError,
never widening it), reports failures as `targets.errors`, and makes each operation safe to
repeat: Entra resends whatever did not get a clear answer.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from .model import TargetGroup, TargetUser
from .query import Query

Profile = Mapping[str, str | None]
"""Attribute values by the connector's names; None clears an attribute."""


@dataclass(frozen=True)
class Capabilities:
    # How messages name the application ("Okta", "Ledgerline HR").
    name: str
    # The attributes the target can store, by the connector's names; None: whatever the mapping
    # names (Okta's profile is extended in Okta itself, which the connector cannot see offline).
    # /Schemas advertises only attributes the target stores, so everything round-trips.
    attributes: frozenset[str] | None
    # False when the application can only replace a whole record: every update then reads the
    # record first (one more call), which the service avoids by passing what it has read.
    partial_update: bool
    # False when users cannot be disabled, only deleted: `active` is then not advertised.
    disabled_state: bool = True


class UserTarget(Protocol):
    @property
    def capabilities(self) -> Capabilities: ...

    async def get(self, user_id: str) -> TargetUser | None:
        """The user with this id, or None. Ids are opaque; an anchor is never an id."""
        ...

    async def find_by_anchor(self, value: str) -> TargetUser | None:
        """The user whose anchor (userName) equals `value` ignoring case, from a consistent
        read where the application has one."""
        ...

    def pages(self, query: Query) -> AsyncIterator[list[TargetUser]]:
        """Every user the query selects, page by page as the application pages them, inactive
        users included. Raises QueryNotSupportedError for a query it cannot answer exactly."""
        ...

    async def create(self, profile: Profile, *, active: bool) -> TargetUser:
        """A new user; LoginConflictError when the anchor is taken by another user."""
        ...

    async def update(
        self,
        user_id: str,
        changes: Profile,
        current: TargetUser | None = None,
        *,
        active: bool | None = None,
    ) -> TargetUser:
        """Change only the attributes in `changes`. `current`: the user as just read, if the
        caller has it (saves a read on targets without partial updates). `active`: the state
        to set in the same call where the target keeps it with the attributes (others ignore
        it, and the caller changes the state afterwards if it still differs)."""
        ...

    async def replace(
        self,
        user_id: str,
        profile: Profile,
        current: TargetUser | None = None,
        *,
        active: bool | None = None,
    ) -> TargetUser:
        """Set every attribute in `profile` (None clears), leaving attributes the connector
        does not own as they are; `active` as for `update`."""
        ...

    async def set_active(self, user: TargetUser, active: bool) -> TargetUser:
        """Enable or disable; a no-op when the user is already in that state."""
        ...

    async def delete(self, user_id: str) -> None:
        """Remove the user for good; UserNotFoundError if there was none to begin with."""
        ...

    async def check(self) -> str:
        """The cheapest authenticated read, for `doctor`: what was checked, or a TargetError
        whose message says what to fix."""
        ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class GroupCapabilities:
    name: str
    # Whether the target keeps SCIM's externalId for a group (Okta: in a custom group profile
    # attribute); without it, externalId is not advertised and cannot be filtered on.
    external_id: bool


class GroupTarget(Protocol):
    """Groups and their memberships. Every membership change is idempotent: adding a member
    that is there and removing one that is not are successes, so a resent PATCH is safe."""

    @property
    def capabilities(self) -> GroupCapabilities: ...

    async def get(self, group_id: str) -> TargetGroup | None: ...

    async def find_by_name(self, name: str) -> TargetGroup | None:
        """The group with this name (ignoring case), as consistently as the target allows."""
        ...

    def pages(self, query: Query) -> AsyncIterator[list[TargetGroup]]:
        """Every group the query selects (on `name`, `externalId`, or Everyone); raises
        QueryNotSupportedError for a query it cannot answer exactly."""
        ...

    async def create(self, name: str, external_id: str | None) -> TargetGroup:
        """A new group; NameConflictError when the name is taken by another group."""
        ...

    async def update(self, group: TargetGroup, name: str, external_id: str | None) -> TargetGroup:
        """Give the group this name and externalId (a rename is a read and a write where the
        target replaces whole groups)."""
        ...

    async def delete(self, group_id: str) -> None:
        """Remove the group (its members stay users); GroupNotFoundError if there is none."""
        ...

    def members(self, group_id: str) -> AsyncGenerator[list[str], None]:
        """The ids of the group's users, page by page (closed when left early)."""
        ...

    async def is_member(self, group_id: str, user_id: str) -> bool: ...

    async def add_members(self, group_id: str, user_ids: Sequence[str]) -> list[str]:
        """Add the users; returns the ids that are not users of the target (all others are
        members afterwards)."""
        ...

    async def remove_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        """Remove the users; ids that are not members (or not users) are no error."""
        ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class Targets:
    """What TARGET builds: the users' target and, where the target has them, groups."""

    users: UserTarget
    groups: GroupTarget | None = None

    async def prepare(self) -> None:
        """Open, on the running loop, what the first call would (HTTP clients), for targets
        that say how: an optional `prepare()` method (the packaged targets have one; any
        other opens its clients on first use)."""
        for target in (self.users, self.groups):
            prepare = getattr(target, "prepare", None)
            if callable(prepare):
                await prepare()

    async def aclose(self) -> None:
        await self.users.aclose()
        if self.groups is not None:
            await self.groups.aclose()


async def search(target: UserTarget, query: Query) -> list[TargetUser]:
    """Every user the query selects, all pages read."""
    found: list[TargetUser] = []
    async for page in target.pages(query):
        found.extend(page)
    return found
