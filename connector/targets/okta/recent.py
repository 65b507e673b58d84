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
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Hashable
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
    keys: tuple[Hashable, ...]  # what the record is found by (see `_keys`), as it was written


class _Recent(ABC, Generic[Record]):
    """The latest own write of each record, by id, for `seconds`; at most `size` of them.

    Each record is also indexed by what it is looked for by (`_keys`): a lookup reads one entry
    of the index, where scanning a full memory took ~130 us, on every search of a bulk run."""

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
        # By key, the ids of the records holding it, oldest write first (a dict keeps order).
        self._index: dict[Hashable, dict[str, None]] = {}
        self._deleted: set[str] = set()
        self._lock = threading.Lock()

    @abstractmethod
    def _keys(self, record: Record) -> tuple[Hashable, ...]:
        """What a record is looked for by (each kind says)."""

    def wrote(self, record: Record) -> None:
        self._put(record.id, record)

    def deleted(self, record_id: str) -> None:
        self._put(record_id, None)

    def deleted_ids(self) -> frozenset[str]:
        """The ids this instance deleted recently (Okta never gives an id to another record)."""
        with self._lock:
            self._expire()
            return frozenset(self._deleted)

    def _entry(self, record_id: str) -> _Entry[Record] | None:
        with self._lock:
            self._expire()
            return self._entries.get(record_id)

    def _holding(self, key: Hashable) -> list[str]:
        """Ids of the records written recently with `key`, oldest write first."""
        with self._lock:
            self._expire()
            return list(self._index.get(key, ()))

    def _put(self, record_id: str, record: Record | None) -> None:
        with self._lock:  # the keys too: a kind may look for more of them meanwhile (_rekey)
            keys = self._keys(record) if record is not None else ()
            previous = self._entries.pop(record_id, None)
            if previous is not None:
                self._unindex(record_id, previous)
            self._entries[record_id] = _Entry(self._clock(), record, keys)
            if record is None:
                self._deleted.add(record_id)
            for key in keys:
                self._index.setdefault(key, {})[record_id] = None
            while len(self._entries) > self._size:
                self._unindex(*self._entries.popitem(last=False))

    def _expire(self) -> None:
        horizon = self._clock() - self._seconds
        while self._entries:
            oldest = next(iter(self._entries.values()))
            if oldest.at > horizon:
                return
            self._unindex(*self._entries.popitem(last=False))

    def _rekey(self) -> None:
        """Index every record remembered again, by the keys `_keys` gives now (the lock held)."""
        for record_id, entry in list(self._entries.items()):
            if entry.record is None:
                continue
            self._unindex(record_id, entry)
            keys = self._keys(entry.record)
            self._entries[record_id] = _Entry(entry.at, entry.record, keys)  # in its place
            for key in keys:
                self._index.setdefault(key, {})[record_id] = None

    def _unindex(self, record_id: str, entry: _Entry[Record]) -> None:
        if entry.record is None:
            self._deleted.discard(record_id)
        for key in entry.keys:
            holders = self._index[key]
            del holders[record_id]
            if not holders:
                del self._index[key]


class RecentGroups(_Recent[TargetGroup]):
    def _keys(self, record: TargetGroup) -> tuple[Hashable, ...]:
        named = ("name", record.name.casefold())
        external = record.external_id
        return (named, ("externalId", external)) if external is not None else (named,)

    def named(self, name: str) -> list[str]:
        """Ids of groups written recently under this name (ignoring case)."""
        return self._holding(("name", name.casefold()))

    def with_external_id(self, value: str) -> list[str]:
        return self._holding(("externalId", value))

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
    """Users are indexed by the attributes looked for so far (Entra filters on one or two,
    `externalId` mostly), not by all twenty of a profile: each write indexes a few values."""

    # The attributes looked for so far; an instance's own set from its first lookup on.
    _asked: frozenset[str] = frozenset()

    def _keys(self, record: TargetUser) -> tuple[Hashable, ...]:
        profile = record.profile
        return tuple(
            (attribute, held.casefold())
            for attribute in self._asked
            if isinstance(held := profile.get(attribute), str)
        )

    def holding(self, attribute: str, value: str) -> set[str]:
        """Ids of users written recently with this value of the attribute, ignoring case as
        Okta's search does (the service applies SCIM's own comparison to what is answered)."""
        with self._lock:
            if attribute not in self._asked:
                self._asked = self._asked | {attribute}
                self._rekey()  # once per attribute: the users remembered so far, indexed by it
        return set(self._holding((attribute, value.casefold())))

    def written(self, user_id: str) -> bool:
        """Whether this instance wrote the user recently (a search hit may show it as it was)."""
        entry = self._entry(user_id)
        return entry is not None and entry.record is not None
