"""Recent query results, so that the later pages of one listing read the snapshot its first
page took instead of walking every Okta page again.

Entra's account discovery and the validation suites page through `GET /Users` with `startIndex`;
each page needs `totalResults`, which Okta can only give by listing everything. Keeping the
first page's result briefly turns a walk of n users from O(n²) Okta calls into O(n). Lookups by
id or userName never use it, and losing it (a new instance, a restart) only costs calls.

Only a listing with results beyond the page that took it is kept: a lookup answers on one
page, so Entra's probes between two pages never push a listing out.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

SNAPSHOT_SECONDS = 60.0
MAX_SNAPSHOTS = 4

Resources = TypeVar("Resources", bound=Sequence[dict[str, Any]])


class PageSnapshots(Generic[Resources]):
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Resources]] = OrderedDict()

    def get(self, key: str) -> Resources | None:
        entry = self._entries.get(key)
        if entry is None or self._clock() - entry[0] > SNAPSHOT_SECONDS:
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: str, resources: Resources, *, page_end: int) -> None:
        """Keep `resources` for the later pages of the listing whose first page ends at
        `page_end` (a position from 1); not when that page shows them all."""
        if len(resources) <= page_end:
            return
        self._entries[key] = (self._clock(), resources)
        self._entries.move_to_end(key)
        while len(self._entries) > MAX_SNAPSHOTS:
            self._entries.popitem(last=False)
