"""The groups this instance wrote a moment ago, for the reads Okta's search index does not show yet.

Okta's group search is eventually consistent: right after a create, rename or delete, a search
by name or externalId may miss the group or show it as it was. Entra matches a group by name
before it creates one, and on-demand provisioning does so seconds apart, so the connector
remembers its own recent writes (by id, with the group as Okta answered the write) and confirms
each remembered candidate with a consistent `GET /api/v1/groups/{id}`.

This is an optimisation that may be lost at any moment (another instance, a restart): without
it, a missed match makes Entra send the create again, Okta refuses the duplicate name, and the
target resolves the name consistently (see `OktaGroups.create`). Nothing relies on it for
correctness.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from ..model import TargetGroup

# Longer than Okta's index usually lags (seconds), short enough that little is remembered.
REMEMBER_SECONDS = 300.0
REMEMBER_GROUPS = 1000


@dataclass(frozen=True)
class _Entry:
    at: float
    group: TargetGroup | None  # None: deleted


class RecentGroups:
    def __init__(
        self,
        seconds: float = REMEMBER_SECONDS,
        size: int = REMEMBER_GROUPS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seconds = seconds
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def wrote(self, group: TargetGroup) -> None:
        self._put(group.id, group)

    def deleted(self, group_id: str) -> None:
        self._put(group_id, None)

    def named(self, name: str) -> list[str]:
        """Ids of groups written recently under this name (ignoring case)."""
        wanted = name.casefold()
        return [g.id for g in self._groups() if g.name.casefold() == wanted]

    def with_external_id(self, value: str) -> list[str]:
        return [g.id for g in self._groups() if g.external_id == value]

    def current(self, hit: TargetGroup) -> TargetGroup | None:
        """A search hit as it is now, as far as this instance knows: the group as its own later
        write left it, None if it deleted it, else the hit itself."""
        with self._lock:
            self._expire()
            entry = self._entries.get(hit.id)
        if entry is None:
            return hit
        if entry.group is None:
            return None
        ours, theirs = entry.group.last_modified or "", hit.last_modified or ""
        # Okta's timestamps are ISO 8601 in UTC with milliseconds: they compare as text.
        return hit if theirs > ours else entry.group

    def _groups(self) -> list[TargetGroup]:
        with self._lock:
            self._expire()
            return [e.group for e in self._entries.values() if e.group is not None]

    def _put(self, group_id: str, group: TargetGroup | None) -> None:
        with self._lock:
            self._entries.pop(group_id, None)
            self._entries[group_id] = _Entry(self._clock(), group)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def _expire(self) -> None:
        horizon = self._clock() - self._seconds
        while self._entries:
            oldest = next(iter(self._entries.values()))
            if oldest.at > horizon:
                return
            self._entries.popitem(last=False)
