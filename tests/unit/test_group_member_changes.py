"""connector/group_service.py: how a PATCH with many member changes is sent, for a group whose
member list is quick to read, for one too large to read within the request's budget, and for a
target slow to answer the first page."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import cast

from connector.group_service import LIST_FIRST_ABOVE, GroupService
from connector.mapping.writes import Operation
from connector.targets.protocol import GroupTarget

# Listing stops after the page that ends past half of it. Time is a fake clock the pages move
# (the budget itself is real, and long enough never to run out here).
BUDGET_SECONDS = 60.0
ASKED = [f"u-{n:02}" for n in range(LIST_FIRST_ABOVE + 5)]
# Already in the group: "u-00" on its first page, "u-01" on its second.
PAGES = [["u-00", "u-gone"], ["u-01"], ["u-02"]]


class Group:
    """The member calls a group target gets. Its member list is `pages` (PAGES unless given);
    `pauses` says how long each page takes to come (on the fake clock `now`), and a page past
    the last pause never comes."""

    def __init__(self, pauses: list[float], pages: list[list[str]] = PAGES) -> None:
        self.pages = pages
        self.pauses = pauses
        self.now = 1000.0
        self.pages_read = 0
        self.closed = False
        self.added: list[str] = []
        self.removed: list[str] = []

    def clock(self) -> float:
        return self.now

    async def members(self, group_id: str) -> AsyncGenerator[list[str], None]:
        try:
            for page, pause in zip(self.pages, self.pauses, strict=False):
                self.now += pause
                await asyncio.sleep(0)
                self.pages_read += 1
                yield page
            if len(self.pauses) < len(self.pages):
                await asyncio.Event().wait()  # more pages than the budget has time for
        finally:
            self.closed = True

    async def add_members(self, group_id: str, user_ids: list[str]) -> list[str]:
        self.added += user_ids
        return []

    async def remove_members(self, group_id: str, user_ids: list[str]) -> None:
        self.removed += user_ids


async def _patch(group: Group) -> None:
    service = GroupService(
        cast(GroupTarget, group), budget_seconds=BUDGET_SECONDS, clock=group.clock
    )
    operations = [
        Operation("add", "members", [{"value": user_id} for user_id in ASKED]),
        Operation("remove", 'members[value eq "u-gone"]', None),
        Operation("remove", 'members[value eq "u-never"]', None),
    ]
    async with asyncio.timeout(10):  # a listing nothing stops fails the test, not hangs it
        await service.patch("g-1", operations)


async def test_many_changes_to_a_group_quick_to_list_send_only_what_is_left() -> None:
    group = Group([0.0, 0.0, 0.0])
    await _patch(group)
    assert group.added == ASKED[3:]
    assert group.removed == ["u-gone"]  # u-never is no member: nothing to remove
    assert (group.pages_read, group.closed) == (3, True)


async def test_a_group_too_large_to_list_in_time_is_listed_in_part() -> None:
    # The second page ends past half the budget: listing stops there, and its pages close. A
    # member seen needs no add; the rest is sent as asked (idempotent), so a resend gets
    # further instead of listing past the budget each time.
    group = Group([0.0, BUDGET_SECONDS])
    await _patch(group)
    assert group.added == ASKED[2:]
    assert group.removed == ["u-gone", "u-never"]
    assert (group.pages_read, group.closed) == (2, True)


async def test_a_group_of_one_page_is_listed_whole_however_slow() -> None:
    # One page that ends past half the budget: a slow target, not a large group. The list is
    # whole, and only what is left is sent.
    group = Group([BUDGET_SECONDS * 0.6], pages=[["u-00", "u-01", "u-gone"]])
    await _patch(group)
    assert group.added == ASKED[2:]
    assert group.removed == ["u-gone"]
