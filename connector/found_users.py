"""The users one query found, kept compact until a page of the answer shows them.

A listing's first page must say how many users the query selects (`totalResults`), so it reads
every page the target has; the later pages of the same listing are then served from what it read
(`page_snapshots.py`), without a call. Rendered resources take ~2.5 KB a user (25 MB for 10,000),
and the first page shows 100 of them. So each user is kept as the values rendering reads (id,
state, timestamps, the mapped attributes, in the catalog's order), as JSON in zlib-compressed
blocks of 100 users (~50 bytes a user), and a page renders only its own users, when asked.

JSON holds every value a target hands over (each came from JSON, or is answered as JSON), so a
user renders from its row exactly as from the target's record.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from typing import Any

from .mapping import Catalog
from .mapping.render import render_user
from .slices import Slices
from .targets.model import TargetUser

ROWS_PER_BLOCK = 100
# Fast compression: a block of 100 bench users is ~30 KB of JSON, 0.4 ms to compress.
_LEVEL = 1
_HEAD = 4  # id, active, created, last_modified; the mapped attributes follow

Row = list[Any]


class FoundUsers(Slices[dict[str, Any]]):
    """Users in the order they were added; indexing or slicing renders them."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        # Everything render_user reads of a profile: the targets of the catalog's slots.
        self._attributes = tuple(catalog.target_attributes())
        self._blocks: list[bytes] = []
        self._open: list[Row] = []
        self._count = 0

    def add(self, user: TargetUser) -> None:
        row = [user.id, user.active, user.created, user.last_modified]
        row += map(user.profile.get, self._attributes)
        self._open.append(row)
        self._count += 1
        if len(self._open) == ROWS_PER_BLOCK:
            # ASCII JSON: a lone surrogate a target handed over survives as its escape.
            text = json.dumps(self._open, separators=(",", ":"))
            self._blocks.append(zlib.compress(text.encode("ascii"), _LEVEL))
            self._open = []

    def __len__(self) -> int:
        return self._count

    def _run(self, start: int, stop: int) -> list[dict[str, Any]]:
        return [self._render(row) for row in self._rows(start, stop)]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self._render(row) for row in self._rows(0, self._count))

    def _rows(self, start: int, stop: int) -> Iterator[Row]:
        """Rows start..stop-1, decompressing only the blocks that hold them."""
        while start < stop:
            number, offset = divmod(start, ROWS_PER_BLOCK)
            if number < len(self._blocks):
                block: list[Row] = json.loads(zlib.decompress(self._blocks[number]))
            else:
                block = self._open
            taken = block[offset : offset + stop - start]
            if not taken:
                return
            yield from taken
            start += len(taken)

    def _render(self, row: Row) -> dict[str, Any]:
        user_id, active, created, last_modified = row[:_HEAD]
        profile = dict(zip(self._attributes, row[_HEAD:], strict=True))
        user = TargetUser(user_id, profile, active, "", created, last_modified)
        return render_user(self._catalog, user)
