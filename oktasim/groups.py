"""The group directory: Okta groups, imported app groups and the built-in Everyone group, their
memberships, name uniqueness and what each group type refuses.

It shares the user store's lock, so a membership never outlives its user or group.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oktasim.errors import OktaError, group_not_found, validation_failed
from oktasim.ids import new_app_id, new_group_id
from oktasim.index import Clock, LaggedIndex
from oktasim.profile import NOT_UNIQUE, ProfileSchema, body_profile, drop_nulls
from oktasim.store import Store, User
from oktasim.timestamps import utc_now

OKTA_GROUP = "OKTA_GROUP"  # managed through the API
APP_GROUP = "APP_GROUP"  # imported from a directory; profile and members are the import's
BUILT_IN = "BUILT_IN"  # Everyone: every user, managed by Okta alone
USER_GROUP_CLASS = "okta:user_group"
DIRECTORY_GROUP_CLASS = "okta:windows_security_principal"
EVERYONE = {"name": "Everyone", "description": "All users in your organization"}


@dataclass
class Group:
    id: str
    type: str
    created: datetime
    last_updated: datetime
    last_membership_updated: datetime
    profile: dict[str, Any]
    object_class: str = USER_GROUP_CLASS
    source_id: str | None = None  # the importing app of an APP_GROUP


def name_key(name: str) -> str:
    """Group names collide ignoring case (an assumption; Okta does not say)."""
    return name.casefold()


class GroupStore:
    """Every public method is one atomic step under the (shared) store lock."""

    def __init__(
        self,
        users: Store,
        schema: ProfileSchema,
        rng: random.Random,
        search_lag_s: float = 0.0,
        clock: Clock | None = None,
    ) -> None:
        self.users = users
        self.schema = schema
        self.rng = rng
        self._lock = users.lock
        self._groups: dict[str, Group] = {}
        self._members: dict[str, set[str]] = {}  # OKTA_GROUP / APP_GROUP id -> user ids
        self._names: dict[str, set[str]] = {}  # name_key -> ids of every group with that name
        self._index: LaggedIndex[Group] = LaggedIndex(search_lag_s, clock or users.clock)
        self.everyone_id = ""
        users.created_listeners.append(self._user_created)
        users.removed_listeners.append(self._user_removed)
        users.initial_groups = self
        self.clear()

    # -- reads -------------------------------------------------------------------------------

    def get(self, group_id: str) -> Group:
        with self._lock:
            return self._by_id(group_id)

    def live(self) -> list[Group]:
        with self._lock:
            return list(self._groups.values())

    def indexed(self) -> list[Group]:
        """What the eventually consistent search index shows."""
        with self._lock:
            return self._index.view()

    def members(self, group_id: str) -> list[User]:
        """Strongly consistent; a deactivated user stays a member until deleted."""
        with self._lock:
            group = self._by_id(group_id)
            if group.type == BUILT_IN:
                return self.users.live()
            return [self.users.by_id(user_id) for user_id in self._members[group.id]]

    def member_ids(self, group_id: str) -> list[str]:
        """The members' ids in ascending order (a member list's). Only the ids are copied under
        the lock, so a large group does not hold up every other request while a page of it is
        looked up; `users.some_by_id` then finds the page's users."""
        with self._lock:
            group = self._by_id(group_id)
            ids = self.users.ids() if group.type == BUILT_IN else list(self._members[group.id])
        ids.sort()
        return ids

    def groups_of(self, user_id: str) -> list[Group]:
        with self._lock:
            return [
                group
                for group in self._groups.values()
                if group.type == BUILT_IN or user_id in self._members[group.id]
            ]

    def searchable_profile_names(self) -> frozenset[str]:
        """The group schema's attributes plus whatever imported app groups carry."""
        with self._lock:
            imported = {
                name
                for group in self._groups.values()
                if group.type == APP_GROUP
                for name in group.profile
            }
            return self.schema.names | frozenset(imported)

    # -- writes ------------------------------------------------------------------------------

    def create(self, body: dict[str, Any]) -> Group:
        """Always an OKTA_GROUP: app groups come from imports, never from this call."""
        profile = drop_nulls(body_profile(body))
        self.schema.validate(profile)
        with self._lock:
            self._check_unique(str(profile["name"]), None)
            now = utc_now()
            group = Group(self._fresh_id(), OKTA_GROUP, now, now, now, profile)
            self._members[group.id] = set()
            self._commit(group)
            return group

    def replace(self, group_id: str, body: dict[str, Any]) -> Group:
        """PUT: the sent profile replaces the whole profile."""
        profile = drop_nulls(body_profile(body))
        with self._lock:
            group = self._edit(group_id)
            if group.type != OKTA_GROUP:
                raise OktaError("E0000006")
            self.schema.validate(profile)
            self._check_unique(str(profile["name"]), group.id)
            group.profile = profile
            group.last_updated = utc_now()
            self._commit(group)
            return group

    def delete(self, group_id: str) -> None:
        """Removes the group and its memberships, never the member users."""
        with self._lock:
            group = self._by_id(group_id)
            if group.type == BUILT_IN:
                raise OktaError("E0000006")
            del self._groups[group.id]
            del self._members[group.id]
            self._unname(group)
            self._index.publish(group.id, None)

    def add_member(self, group_id: str, user_id: str) -> None:
        """Idempotent: adding a member again changes nothing and still succeeds."""
        with self._lock:
            group = self._by_id(group_id)
            self.users.by_id(user_id)
            self._check_joinable(group)
            members = self._members[group.id]
            if user_id not in members:
                members.add(user_id)
                self._touch_memberships(group.id, utc_now())

    def check_joinable(self, group_ids: list[str]) -> None:
        """A create's `groupIds` (spec: the groups the user "is added to at the time of
        creation") meet the refusals a later add would (inference: none is documented)."""
        with self._lock:
            for group_id in group_ids:
                self._check_joinable(self._by_id(group_id))

    def join(self, user_id: str, group_ids: list[str], at: datetime) -> None:
        """The new user joins groups `check_joinable` accepted, in the same step as its create."""
        with self._lock:
            for group_id in group_ids:
                self._members[group_id].add(user_id)
                self._touch_memberships(group_id, at)

    def remove_member(self, group_id: str, user_id: str) -> None:
        """Removing a user who is not a member succeeds and changes nothing."""
        with self._lock:
            group = self._by_id(group_id)
            self.users.by_id(user_id)
            if group.type in (BUILT_IN, APP_GROUP):
                raise OktaError("E0000006")
            members = self._members[group.id]
            if user_id in members:
                members.discard(user_id)
                self._touch_memberships(group.id, utc_now())

    def add_app_group(
        self,
        name: str,
        members: Iterable[str],
        description: str | None,
        extra_profile: dict[str, Any],
    ) -> Group:
        """What a directory import creates: imports do not check names, so an app group may
        share its name with any other group."""
        with self._lock:
            member_ids = set(members)
            for user_id in member_ids:
                self.users.by_id(user_id)
            now = utc_now()
            profile = drop_nulls({"name": name, "description": description, **extra_profile})
            group = Group(
                self._fresh_id(),
                APP_GROUP,
                now,
                now,
                now,
                profile,
                object_class=DIRECTORY_GROUP_CLASS,
                source_id=new_app_id(self.rng),
            )
            self._members[group.id] = member_ids
            self._commit(group)
            return group

    def strip_attribute(self, name: str) -> None:
        """A custom attribute left the group schema: its values leave every Okta group."""
        with self._lock:
            for group in list(self._groups.values()):
                if group.type != APP_GROUP and name in group.profile:
                    edited = copy.deepcopy(group)
                    del edited.profile[name]
                    self._commit(edited)

    def clear(self) -> None:
        """Back to a new org: only the Everyone group."""
        with self._lock:
            self._groups.clear()
            self._members.clear()
            self._names.clear()
            self._index.clear()
            now = utc_now()
            everyone = Group(self._fresh_id(), BUILT_IN, now, now, now, dict(EVERYONE))
            self.everyone_id = everyone.id
            self._commit(everyone)

    # -- internals ---------------------------------------------------------------------------

    def _user_created(self, user_id: str, at: datetime) -> None:
        self._touch_memberships(self.everyone_id, at)

    def _user_removed(self, user_id: str, at: datetime) -> None:
        for group_id, members in self._members.items():
            if user_id in members:
                members.discard(user_id)
                self._touch_memberships(group_id, at)
        self._touch_memberships(self.everyone_id, at)

    def _touch_memberships(self, group_id: str, at: datetime) -> None:
        group = copy.deepcopy(self._groups[group_id])
        group.last_membership_updated = at
        self._commit(group)

    @staticmethod
    def _check_joinable(group: Group) -> None:
        if group.type == BUILT_IN:
            raise OktaError("E0000060")
        if group.type == APP_GROUP:
            raise OktaError("E0000006")

    def _check_unique(self, name: str, owner: str | None) -> None:
        """The API refuses a name any group already has, whatever that group's type."""
        if self._names.get(name_key(name), set()) - {owner}:
            raise validation_failed([("name", NOT_UNIQUE)])

    def _unname(self, group: Group) -> None:
        key = name_key(str(group.profile["name"]))
        holders = self._names[key]
        holders.discard(group.id)
        if not holders:
            del self._names[key]

    def _fresh_id(self) -> str:
        while True:
            candidate = new_group_id(self.rng)
            if candidate not in self._groups:
                return candidate

    def _by_id(self, group_id: str) -> Group:
        group = self._groups.get(group_id)
        if group is None:
            raise group_not_found(group_id)
        return group

    def _edit(self, group_id: str) -> Group:
        """A private copy to change; stored records are never mutated, so readers need no copy."""
        return copy.deepcopy(self._by_id(group_id))

    def _commit(self, group: Group) -> None:
        previous = self._groups.get(group.id)
        if previous is not None:
            self._unname(previous)
        self._names.setdefault(name_key(str(group.profile["name"])), set()).add(group.id)
        self._groups[group.id] = group
        self._index.publish(group.id, group)
