"""UserService.query: a listing's later pages read its snapshot, whatever lookups run between
them; only results that reach beyond the page answered are kept."""

from __future__ import annotations

from collections.abc import AsyncIterator

from connector.mapping import Catalog
from connector.page_snapshots import MAX_SNAPSHOTS
from connector.scim.filters import parse_filter
from connector.service import UserService
from connector.targets.model import TargetUser
from connector.targets.protocol import Capabilities
from connector.targets.query import Everyone, Query

PAGE = 7  # the fake target's page size


class ListedTarget:
    """Just enough of a UserTarget to list, search by login and read by id; counts its pages."""

    capabilities = Capabilities(name="Fake", attributes=None, partial_update=True)

    def __init__(self, count: int) -> None:
        self.users = [
            TargetUser(f"id{i}", {"login": f"u{i}@example.com"}, True, "ACTIVE", None, None)
            for i in range(count)
        ]
        self.pages_read = 0

    async def pages(self, query: Query) -> AsyncIterator[list[TargetUser]]:
        assert isinstance(query, Everyone)
        for start in range(0, len(self.users), PAGE):
            self.pages_read += 1
            yield self.users[start : start + PAGE]

    async def get(self, user_id: str) -> TargetUser | None:
        return next((u for u in self.users if u.id == user_id), None)

    async def find_by_anchor(self, value: str) -> TargetUser | None:
        return next((u for u in self.users if u.profile["login"] == value), None)


def _service(catalog: Catalog, count: int) -> tuple[UserService, ListedTarget]:
    target = ListedTarget(count)
    return UserService(catalog, target), target  # type: ignore[arg-type]


async def test_lookups_between_pages_leave_the_listing_alone(catalog: Catalog) -> None:
    service, target = _service(catalog, 30)
    first = await service.query(None, page_end=10)
    assert len(first) == 30
    read = target.pages_read
    assert read == 5
    for index in range(MAX_SNAPSHOTS + 2):
        probe = parse_filter(f'userName eq "u{index}@example.com"')
        assert [r["id"] for r in await service.query(probe, page_end=10)] == [f"id{index}"]
        by_id = parse_filter(f'id eq "id{index}"')
        assert len(await service.query(by_id, page_end=10)) == 1
    later = await service.query(None, continuing=True, page_end=20)
    assert target.pages_read == read
    assert [r["id"] for r in later[10:20]] == [f"id{i}" for i in range(10, 20)]
    assert later[10:20] == [service.render(u) for u in target.users[10:20]]


async def test_a_listing_the_page_holds_whole_is_not_kept(catalog: Catalog) -> None:
    service, target = _service(catalog, 12)
    assert len(await service.query(None, page_end=12)) == 12
    assert len(await service.query(None, continuing=True, page_end=24)) == 12
    assert target.pages_read == 4  # read twice: nothing was kept the first time
    assert len(await service.query(None, continuing=True, page_end=11)) == 12
    assert len(await service.query(None, continuing=True, page_end=22)) == 12
    assert target.pages_read == 6  # the third read was kept, and served the fourth
