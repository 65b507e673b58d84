"""The users and groups this instance wrote a moment ago, for the reads Okta's search index does
not show yet.

Okta's search is eventually consistent: right after a create, an update or a delete, a search by
name, externalId or any other attribute may miss the record or show it as it was. Entra matches
before it creates (a group by name, a user by userName and then externalId), and on-demand
provisioning does so seconds apart, so the connector remembers its own recent writes (by id,
with the record as Okta answered the write, or that it was deleted) and confirms each
remembered candidate with a consistent `GET /api/v1/groups/{id}` or `GET /api/v1/users/{id}`.

This is an optimisation that may be lost at any moment (another instance, a restart): without
it, a missed match makes Entra send the create again, and Okta refuses the duplicate (a group's
name, a user's login), which the target resolves consistently (see `OktaGroups.create`,
`OktaUsers.create`). Nothing relies on it for correctness, and nothing remembered is answered
without Okta's word for it now: a candidate is read by id first, so one whose values another
instance changed since, or that it deleted, is not answered.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from ..model import TargetGroup, TargetUser

# Longer than Okta's index usually lags (seconds), short enough that little is remembered.
REMEMBER_SECONDS = 300.0
REMEMBER_RECORDS = 1000  # of each kind: users, groups


class _Written(Protocol):
    @property
    def id(self) -> str: ...


Record = TypeVar("Record", bound=_Written)


@dataclass(frozen=True)
class _Entry(Generic[Record]):
    at: float
    record: Record | None  # None: deleted


class _Recent(Generic[Record]):
    """The latest own write of each record, by id, for `seconds`; at most `size` of them."""

    def __init__(
        self,
        seconds: float = REMEMBER_SECONDS,
        size: int = REMEMBER_RECORDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seconds = seconds
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[str, _Entry[Record]] = OrderedDict()
        self._lock = threading.Lock()

    def wrote(self, record: Record) -> None:
        self._put(record.id, record)

    def deleted(self, record_id: str) -> None:
        self._put(record_id, None)

    def deleted_ids(self) -> frozenset[str]:
        """The ids this instance deleted recently (Okta never gives an id to another record)."""
        with self._lock:
            self._expire()
            return frozenset(i for i, e in self._entries.items() if e.record is None)

    def _entry(self, record_id: str) -> _Entry[Record] | None:
        with self._lock:
            self._expire()
            return self._entries.get(record_id)

    def _records(self) -> list[Record]:
        with self._lock:
            self._expire()
            return [e.record for e in self._entries.values() if e.record is not None]

    def _put(self, record_id: str, record: Record | None) -> None:
        with self._lock:
            self._entries.pop(record_id, None)
            self._entries[record_id] = _Entry(self._clock(), record)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def _expire(self) -> None:
        horizon = self._clock() - self._seconds
        while self._entries:
            oldest = next(iter(self._entries.values()))
            if oldest.at > horizon:
                return
            self._entries.popitem(last=False)


class RecentGroups(_Recent[TargetGroup]):
    def named(self, name: str) -> list[str]:
        """Ids of groups written recently under this name (ignoring case)."""
        wanted = name.casefold()
        return [g.id for g in self._records() if g.name.casefold() == wanted]

    def with_external_id(self, value: str) -> list[str]:
        return [g.id for g in self._records() if g.external_id == value]

    def current(self, hit: TargetGroup) -> TargetGroup | None:
        """A search hit as it is now, as far as this instance knows: the group as its own later
        write left it, None if it deleted it, else the hit itself."""
        entry = self._entry(hit.id)
        if entry is None:
            return hit
        if entry.record is None:
            return None
        ours, theirs = entry.record.last_modified or "", hit.last_modified or ""
        # Okta's timestamps are ISO 8601 in UTC with milliseconds: they compare as text.
        return hit if theirs > ours else entry.record


class RecentUsers(_Recent[TargetUser]):
    def holding(self, attribute: str, value: str) -> set[str]:
        """Ids of users written recently with this value of the attribute, ignoring case as
        Okta's search does (the service applies SCIM's own comparison to what is answered)."""
        wanted = value.casefold()
        return {
            u.id
            for u in self._records()
            if isinstance(held := u.profile.get(attribute), str) and held.casefold() == wanted
        }

    def written(self, user_id: str) -> bool:
        """Whether this instance wrote the user recently (a search hit may show it as it was)."""
        entry = self._entry(user_id)
        return entry is not None and entry.record is not None
