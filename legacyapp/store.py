"""The HR database: accounts, teams and memberships, their ids, uniqueness and lifecycle rules.

Thread-safe: every public method is one atomic step under the store's lock and hands out JSON
snapshots, so nothing a caller holds changes under it. Bodies arrive here already validated
against `legacyapp.schema`; the store enforces what needs the data: existence, uniqueness, state.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from legacyapp.clock import Clock, timestamp
from legacyapp.errors import (
    ApiError,
    FieldError,
    account_not_found,
    invalid,
    team_not_found,
)
from legacyapp.schema import ACCOUNT, TEAM, merge_patch

FIRST_ACCOUNT_ID = 1001
FIRST_TEAM_ID = 1
_ID = re.compile(r"[0-9]{1,18}")


def parse_id(raw: str) -> int | None:
    """Path ids are ASCII digits; anything else names no record (and gets a 404)."""
    return int(raw) if _ID.fullmatch(raw) else None


def unique_key(text: str) -> str:
    """Usernames and team names collide when equal ignoring case."""
    return text.casefold()


@dataclass
class Account:
    id: int
    fields: dict[str, Any]  # every writable field, completed with nulls (schema.ACCOUNT)
    enabled: bool
    created_at: int  # epoch seconds
    updated_at: int

    def view(self) -> dict[str, Any]:
        """The fields a list filter reads, shared with the store: only for reading at once."""
        return {"id": self.id, **self.fields, "status": "enabled" if self.enabled else "disabled"}

    def json(self) -> dict[str, Any]:
        return {
            **copy.deepcopy(self.view()),
            "created_at": timestamp(self.created_at),
            "updated_at": timestamp(self.updated_at),
        }


@dataclass
class Team:
    id: int
    fields: dict[str, Any]  # schema.TEAM, completed with nulls
    created_at: int
    updated_at: int
    members: dict[int, int] = field(default_factory=dict)  # account id -> added_at

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **self.fields,
            "member_count": len(self.members),
            "created_at": timestamp(self.created_at),
            "updated_at": timestamp(self.updated_at),
        }


class Store:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self._accounts: dict[int, Account] = {}
        self._usernames: dict[str, int] = {}  # unique_key(username) -> account id
        self._teams: dict[int, Team] = {}
        self._team_names: dict[str, int] = {}
        self._next_account = FIRST_ACCOUNT_ID
        self._next_team = FIRST_TEAM_ID

    def clear(self) -> None:
        with self._lock:
            self._accounts.clear()
            self._usernames.clear()
            self._teams.clear()
            self._team_names.clear()
            self._next_account = FIRST_ACCOUNT_ID
            self._next_team = FIRST_TEAM_ID

    def _now(self) -> int:
        return int(self._clock.now())

    # -- accounts ----------------------------------------------------------------------------

    def accounts(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self._accounts[key].json() for key in sorted(self._accounts)]

    def select_accounts(
        self, keep: Callable[[Mapping[str, Any]], bool] | None, start: int, count: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """How many accounts `keep` accepts (all: None), by id order, and the `count` of them
        from `start`, as GET returns them. Only those are copied out: a page of a large
        directory holds the lock for a moment, not for a copy of every account."""
        with self._lock:
            keys = sorted(self._accounts)
            if keep is None:
                chosen = keys[start : start + count]
                return len(keys), [self._accounts[key].json() for key in chosen]
            total, window = 0, []
            for key in keys:
                account = self._accounts[key]
                if keep(account.view()):
                    if start <= total < start + count:
                        window.append(account.json())
                    total += 1
            return total, window

    def account(self, raw_id: str) -> dict[str, Any]:
        with self._lock:
            return self._account(raw_id).json()

    def create_account(self, fields: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._claim_username(fields["username"], None)
            now = self._now()
            account = Account(self._next_account, ACCOUNT.complete(fields), True, now, now)
            self._next_account += 1  # ids are never reused, even after a delete
            self._accounts[account.id] = account
            self._usernames[unique_key(fields["username"])] = account.id
            return account.json()

    def patch_account(self, raw_id: str, patch: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            account = self._account(raw_id)
            fields = ACCOUNT.complete(merge_patch(account.fields, patch))
            old, new = account.fields["username"], fields["username"]
            self._claim_username(new, account.id)
            del self._usernames[unique_key(old)]
            self._usernames[unique_key(new)] = account.id
            account.fields = fields
            account.updated_at = self._now()
            return account.json()

    def set_enabled(self, raw_id: str, enabled: bool) -> dict[str, Any]:
        with self._lock:
            account = self._account(raw_id)
            if account.enabled == enabled:
                state = "enabled" if enabled else "disabled"
                raise ApiError("invalid_state", f"account {account.id} is already {state}")
            account.enabled = enabled
            account.updated_at = self._now()
            return account.json()

    def delete_account(self, raw_id: str) -> None:
        with self._lock:
            account = self._account(raw_id)
            if account.enabled:
                raise ApiError("invalid_state", f"disable account {account.id} before deleting it")
            del self._accounts[account.id]
            del self._usernames[unique_key(account.fields["username"])]
            for team in self._teams.values():
                team.members.pop(account.id, None)

    def populate(self, count: int) -> None:
        """Adds `count` synthetic enabled accounts (for benchmarks)."""
        for number in range(1, count + 1):
            login = f"user{number:05d}@example.com"
            self.create_account(
                {
                    "username": login,
                    "first_name": "Synthetic",
                    "last_name": f"User {number:05d}",
                    "email": login,
                    "employee_number": number,
                    "external_ref": f"synthetic-{number:05d}",
                }
            )

    def _account(self, raw_id: str) -> Account:
        key = parse_id(raw_id)
        account = self._accounts.get(key) if key is not None else None
        if account is None:
            raise account_not_found(raw_id)
        return account

    def _claim_username(self, username: str, owner: int | None) -> None:
        holder = self._usernames.get(unique_key(username))
        if holder is not None and holder != owner:
            raise ApiError("conflict", f"username '{username}' is already taken")

    # -- teams -------------------------------------------------------------------------------

    def teams(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self._teams[key].json() for key in sorted(self._teams)]

    def team(self, raw_id: str) -> dict[str, Any]:
        with self._lock:
            return self._team(raw_id).json()

    def create_team(self, fields: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._claim_name(fields["name"], None)
            now = self._now()
            team = Team(self._next_team, TEAM.complete(fields), now, now)
            self._next_team += 1
            self._teams[team.id] = team
            self._team_names[unique_key(fields["name"])] = team.id
            return team.json()

    def patch_team(self, raw_id: str, patch: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            team = self._team(raw_id)
            fields = TEAM.complete(merge_patch(team.fields, patch))
            old, new = team.fields["name"], fields["name"]
            self._claim_name(new, team.id)
            del self._team_names[unique_key(old)]
            self._team_names[unique_key(new)] = team.id
            team.fields = fields
            team.updated_at = self._now()
            return team.json()

    def delete_team(self, raw_id: str) -> None:
        with self._lock:
            team = self._team(raw_id)
            del self._teams[team.id]
            del self._team_names[unique_key(team.fields["name"])]

    def members(self, raw_team_id: str) -> list[dict[str, Any]]:
        return self.select_members(raw_team_id, 0, None)[1]

    def select_members(
        self, raw_team_id: str, start: int, count: int | None
    ) -> tuple[int, list[dict[str, Any]]]:
        """How many members the team has, and `count` of them (all: None) from `start`, by
        account id: only those are written out, as select_accounts does."""
        with self._lock:
            team = self._team(raw_team_id)
            ids = sorted(team.members)
            chosen = ids[start:] if count is None else ids[start : start + count]
            window = [
                {"account_id": account_id, "added_at": timestamp(team.members[account_id])}
                for account_id in chosen
            ]
            return len(ids), window

    def add_members(self, raw_team_id: str, account_ids: list[int]) -> dict[str, list[int]]:
        """All or nothing: one unknown account id and no membership changes."""
        with self._lock:
            team = self._team(raw_team_id)
            unknown = [
                FieldError(f"account_ids[{index}]", f"no account with id {account_id}")
                for index, account_id in enumerate(account_ids)
                if account_id not in self._accounts
            ]
            if unknown:
                raise invalid(unknown)
            now = self._now()
            added: list[int] = []
            already: list[int] = []
            for account_id in account_ids:
                if account_id in team.members:
                    already.append(account_id)
                else:
                    team.members[account_id] = now
                    added.append(account_id)
            return {"added": added, "already_members": already}

    def remove_member(self, raw_team_id: str, raw_account_id: str) -> None:
        with self._lock:
            team = self._team(raw_team_id)
            account_id = parse_id(raw_account_id)
            if account_id is None or account_id not in team.members:
                raise ApiError(
                    "not_a_member", f"account {raw_account_id} is not a member of team {team.id}"
                )
            del team.members[account_id]

    def _team(self, raw_id: str) -> Team:
        key = parse_id(raw_id)
        team = self._teams.get(key) if key is not None else None
        if team is None:
            raise team_not_found(raw_id)
        return team

    def _claim_name(self, name: str, owner: int | None) -> None:
        holder = self._team_names.get(unique_key(name))
        if holder is not None and holder != owner:
            raise ApiError("conflict", f"team name '{name}' is already taken")
