"""A target of your own, in Python: users kept in one JSON file.

This is the connector's escape hatch, the equivalent of an ECMA2Host PowerShell connector's
Import/Export scripts, for an application no description can tell. Copy this file next to
`function_app.py` (or anywhere on PYTHONPATH), then set

    TARGET=python:flatfile:create_target
    FLATFILE_PATH=/path/to/users.json

The factory receives a `TargetContext` (the connector's settings, its secret store, and the
Azure Relay transport when RELAY_* is set) and returns an object with the `UserTarget` methods
(connector/targets/protocol.py). Report failures with the errors in connector/targets/errors.py;
translate queries you cannot answer exactly into QueryNotSupportedError, never a wider search.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connector.targets.context import TargetContext
from connector.targets.errors import LoginConflictError, QueryNotSupportedError, UserNotFoundError
from connector.targets.model import TargetUser
from connector.targets.protocol import Capabilities, Profile
from connector.targets.query import ActiveIs, AllOf, AnyOf, Condition, Everyone, IdIs, Query

# The attributes this file stores, by the names mapping.json maps SCIM onto.
ATTRIBUTES = frozenset({"login", "firstName", "lastName", "email", "displayName", "title"})


class FlatFileUsers:
    capabilities = Capabilities(name="Flat file", attributes=ATTRIBUTES, partial_update=True)

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = asyncio.Lock()

    # -- the file ---------------------------------------------------------------------------

    def _load(self) -> dict[str, dict[str, Any]]:
        if not self._path.exists():
            return {}
        users: dict[str, dict[str, Any]] = json.loads(self._path.read_text(encoding="utf-8"))
        return users

    def _save(self, users: dict[str, dict[str, Any]]) -> None:
        # Write a new file and move it into place, so a crash never leaves half a file.
        temporary = self._path.with_suffix(".tmp")
        temporary.write_text(json.dumps(users, indent=2), encoding="utf-8")
        temporary.replace(self._path)

    @staticmethod
    def _user(user_id: str, row: dict[str, Any]) -> TargetUser:
        return TargetUser(
            id=user_id,
            profile=row["profile"],
            active=row["active"],
            state="active" if row["active"] else "inactive",
            created=row["created"],
            last_modified=row["modified"],
        )

    # -- reading ----------------------------------------------------------------------------

    async def get(self, user_id: str) -> TargetUser | None:
        row = self._load().get(user_id)
        return self._user(user_id, row) if row is not None else None

    async def find_by_anchor(self, value: str) -> TargetUser | None:
        for user_id, row in self._load().items():
            if str(row["profile"].get("login", "")).casefold() == value.casefold():
                return self._user(user_id, row)
        return None

    async def pages(self, query: Query) -> AsyncIterator[list[TargetUser]]:
        # The whole file is one page; the service applies the SCIM filter to what is returned,
        # so a query may return more than it selects, never less.
        if not _answerable(query):
            raise QueryNotSupportedError("the flat file target searches only by attribute eq")
        yield [self._user(i, row) for i, row in self._load().items()]

    # -- writing ----------------------------------------------------------------------------

    async def create(self, profile: Profile, *, active: bool) -> TargetUser:
        async with self._lock:
            users = self._load()
            login = str(profile.get("login") or "")
            if any(
                str(r["profile"].get("login", "")).casefold() == login.casefold()
                for r in users.values()
            ):
                raise LoginConflictError(f"{login!r} is already taken")
            now = _now()
            user_id = uuid.uuid4().hex
            users[user_id] = {
                "profile": {k: v for k, v in profile.items() if v is not None},
                "active": active,
                "created": now,
                "modified": now,
            }
            self._save(users)
            return self._user(user_id, users[user_id])

    async def update(
        self,
        user_id: str,
        changes: Profile,
        current: TargetUser | None = None,
        *,
        active: bool | None = None,
    ) -> TargetUser:
        async with self._lock:
            users = self._load()
            row = users.get(user_id)
            if row is None:
                raise UserNotFoundError(user_id)
            for name, value in changes.items():
                if value is None:
                    row["profile"].pop(name, None)
                else:
                    row["profile"][name] = value
            if active is not None:
                row["active"] = active
            row["modified"] = _now()
            self._save(users)
            return self._user(user_id, row)

    async def replace(
        self,
        user_id: str,
        profile: Profile,
        current: TargetUser | None = None,
        *,
        active: bool | None = None,
    ) -> TargetUser:
        return await self.update(user_id, profile, current, active=active)

    async def set_active(self, user: TargetUser, active: bool) -> TargetUser:
        async with self._lock:
            users = self._load()
            row = users.get(user.id)
            if row is None:
                raise UserNotFoundError(user.id)
            row["active"] = active
            row["modified"] = _now()
            self._save(users)
            return self._user(user.id, row)

    async def delete(self, user_id: str) -> None:
        async with self._lock:
            users = self._load()
            if users.pop(user_id, None) is None:
                raise UserNotFoundError(user_id)
            self._save(users)

    async def check(self) -> str:
        return f"{self._path} holds {len(self._load())} user(s)"

    async def aclose(self) -> None:
        return None


def _answerable(query: Query) -> bool:
    if isinstance(query, Condition):
        return query.op == "eq"
    if isinstance(query, AllOf | AnyOf):
        return all(_answerable(t) for t in query.terms)
    return isinstance(query, Everyone | IdIs | ActiveIs)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def create_target(context: TargetContext) -> FlatFileUsers:
    """The factory TARGET=python:flatfile:create_target names."""
    return FlatFileUsers(Path(os.environ.get("FLATFILE_PATH", "users.json")))
