"""A described REST application's groups and memberships as a provisioning target.

Memberships are changed one member per call or in batches, as the description says; every
change is idempotent (a member already there, or already gone, is a success). A batch the
application refuses whole (one unknown id fails all, as some do) is split until the refused ids
are found, so the other members are still added.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from contextlib import aclosing
from typing import Any

from ..errors import (
    GroupNotFoundError,
    NameConflictError,
    QueryNotSupportedError,
    UnavailableError,
)
from ..http import ApiError, Call, OutcomeUnknownError
from ..model import TargetGroup
from ..pause import pause
from ..protocol import GroupCapabilities
from ..query import Condition, Everyone, IdIs, Query
from . import pointer
from .calls import Calls, Change, find_path, find_query, json_of, render
from .description import Find, Groups, ListOperation, MemberOperation
from .paging import Page, Pager
from .values import text

# Members added or removed one per call at once, so the rate limit, not latency, is the ceiling.
MEMBER_CONCURRENCY = 4


class RestGroups:
    def __init__(self, spec: Groups, calls: Calls, base_url: str) -> None:
        self.spec = spec
        self._calls = calls
        self.capabilities = GroupCapabilities(
            name=calls.name, external_id=spec.external_id is not None
        )
        self._id = pointer.parse(spec.id)
        self._name = pointer.parse(spec.name)
        self._external = pointer.parse(spec.external_id) if spec.external_id else None
        self._member = pointer.parse(spec.members.member)
        self._pager = Pager(spec.listing.paging, base_url, self._fetcher(spec.listing))
        members = spec.members.listing
        self._member_pager = Pager(members.paging, base_url, self._fetcher(members))

    # -- reading ----------------------------------------------------------------------------

    def to_group(self, record: Any) -> TargetGroup:
        raw_id = pointer.resolve(record, self._id)
        name = pointer.resolve(record, self._name)
        if raw_id is None or isinstance(raw_id, dict | list) or not isinstance(name, str):
            raise UnavailableError(
                f"{self._calls.name} answered a group without an id at {self.spec.id} or a "
                f"name at {self.spec.name}; check {self._calls.at(('groups',))}",
                retry_after=300,
            )
        external = pointer.resolve(record, self._external) if self._external else None
        created = pointer.resolve(record, pointer.parse(self.spec.created or "/-"))
        modified = pointer.resolve(record, pointer.parse(self.spec.last_modified or "/-"))
        return TargetGroup(
            id=text(raw_id),
            name=name,
            external_id=text(external) if external not in (None, "") else None,
            writable=True,
            kind="group",
            created=text(created) if self.spec.created and created is not None else None,
            last_modified=(
                text(modified) if self.spec.last_modified and modified is not None else None
            ),
            record=record,
        )

    def _whole(self, record: Any) -> bool:
        """Whether a write's answer holds the group's record, not an acknowledgement such as
        `{"id": 5}` (which has no name: read as the group, it failed as a broken answer)."""
        return record is not None and isinstance(pointer.resolve(record, self._name), str)

    async def get(self, group_id: str) -> TargetGroup | None:
        call = self._calls.call(self.spec.get, {"id": group_id})
        try:
            response = await self._calls.send(call)
        except ApiError as error:
            if self._calls.answers.meaning(error)[0] == "not-found":
                return None
            raise self._calls.failure(error) from error
        self._calls.readable(response, call)
        record = self._calls.record(response, self.spec.get)
        group = self.to_group(record) if record is not None else None
        return group if group is not None and group.id == group_id else None

    async def find_by_name(self, name: str) -> TargetGroup | None:
        # Closed at once when left early, with the page reads under it.
        async with aclosing(self.pages(Condition("name", "eq", name))) as pages:
            async for page in pages:
                for group in page:
                    if group.name.casefold() == name.casefold():
                        return group
        return None

    async def pages(self, query: Query) -> AsyncGenerator[list[TargetGroup], None]:
        if isinstance(query, IdIs):
            group = await self.get(query.value)
            if group is not None:
                yield [group]
            return
        params = dict(self.spec.listing.query)
        if isinstance(query, Condition):
            find, value = self._find(query), query.value or ""
            if find.path is not None:
                async with aclosing(self._lookup(find, value)) as found:
                    async for page in found:
                        yield page
                return
            params |= find_query(find, value)
        elif not isinstance(query, Everyone):
            raise QueryNotSupportedError(f"{self._calls.name}'s groups cannot answer this filter")
        async with aclosing(self._pager.pages(self.spec.listing.path, params)) as listing:
            async for records in listing:
                yield [self.to_group(r) for r in records]

    def _find(self, query: Condition) -> Find:
        """The find that answers `query`, once its value is known to stay inside any quotes
        it is written in; QueryNotSupportedError otherwise, before any call."""
        for index, find in enumerate(self.spec.find):
            if find.attribute == query.attribute and query.op == "eq":
                self._calls.sendable(find, query.value or "", "groups", index)
                return find
        raise QueryNotSupportedError(
            f"{self._calls.name}'s groups cannot be searched by {query.attribute} {query.op}"
        )

    async def _lookup(self, find: Find, value: str) -> AsyncGenerator[list[TargetGroup], None]:
        assert find.path is not None
        call = Call("GET", find_path(find, value), template=find.path)
        try:
            response = await self._calls.send(call)
        except ApiError as error:
            if self._calls.answers.meaning(error)[0] == "not-found":
                return
            raise self._calls.failure(error) from error
        self._calls.readable(response, call)
        found = self._calls.extract(response, find.result)
        records = found if isinstance(found, list) else [found] if found is not None else []
        groups = [self.to_group(r) for r in records if isinstance(r, dict)]
        if groups:
            yield groups

    def _fetcher(self, listing: ListOperation) -> Callable[[str, Mapping[str, str]], Any]:
        """How the pager fetches one page of `listing` (groups, or one group's members)."""

        async def fetch(path: str, params: Mapping[str, str]) -> Page:
            call = Call("GET", path, params=params)
            response = await self._calls.send(call)
            self._calls.readable(response, call)
            body = json_of(response)
            records = pointer.resolve(body, _result(listing.result))
            if not isinstance(records, list):
                raise UnavailableError(
                    f"{self._calls.name}'s list answer for {path.partition('?')[0]} has no list at "
                    f"{listing.result or '(the whole body)'}; check the groups section in "
                    f"{self._calls.at(('groups',))}",
                    retry_after=300,
                )
            return Page(records, body, response.headers)

        return fetch

    # -- writing ----------------------------------------------------------------------------

    def _changes(self, name: str, external_id: str | None) -> list[Change]:
        changes: list[Change] = [(self._name, name)]
        if self._external is not None:
            changes.append((self._external, external_id))
        return changes

    async def create(self, name: str, external_id: str | None) -> TargetGroup:
        op = self.spec.create
        record: dict[str, Any] = {}
        for tokens, value in self._changes(name, external_id):
            if value is not None:
                pointer.place(record, tokens, value)
        call = self._calls.write(op, op.path, self._calls.body(op, record))
        attempt = 0
        while True:
            try:
                response = await self._calls.send(call, retry_unknown=False)
            except OutcomeUnknownError as exc:
                # The create may have landed: look before sending it again. A group holding
                # the name with another externalId is another Entra group, not this create's:
                # sending again then meets the application's refusal of the taken name.
                existing = await self.find_by_name(name)
                if existing is not None and (
                    self._external is None or existing.external_id == external_id
                ):
                    return existing
                await pause(attempt, f"group create outcome unknown ({exc})")
                attempt += 1
                continue
            except ApiError as error:
                meaning, message = self._calls.answers.meaning(error)
                if meaning == "conflict":
                    raise NameConflictError(message) from error
                raise self._calls.failure(error) from error
            created = self._calls.record(response, op)
            if self._whole(created):
                return self.to_group(created)
            # No record in the answer (a bare 201), or only its id (`{"id": 5}`): read it back,
            # by that id or the one the 201's Location names, else by name.
            created_id = self._calls.created_id(response, call, created, self._id, self.spec.get)
            found = await self.get(created_id) if created_id is not None else None
            if found is None:
                found = await self.find_by_name(name)
            if found is None:
                raise UnavailableError(
                    f"{self._calls.name} accepted the new group {name!r} but it cannot be found "
                    "by name yet; Entra will retry",
                    retry_after=60,
                )
            return found

    async def update(self, group: TargetGroup, name: str, external_id: str | None) -> TargetGroup:
        op = self.spec.update
        record = group.record
        if op.style == "replace" and not isinstance(record, dict):
            fresh = await self.get(group.id)
            if fresh is None:
                raise GroupNotFoundError(group.id)
            record = fresh.record
        path = render(op.path, {"id": group.id})
        call = self._calls.update(op, path, self._changes(name, external_id), record)
        try:
            response = await self._calls.send(call)
        except ApiError as error:
            meaning, message = self._calls.answers.meaning(error)
            if meaning == "not-found":
                raise GroupNotFoundError(group.id) from error
            if meaning == "conflict":
                raise NameConflictError(message) from error
            raise self._calls.failure(error) from error
        updated = self._calls.record(response, op)
        if self._whole(updated):
            return self.to_group(updated)
        fresh = await self.get(group.id)
        if fresh is None:
            raise GroupNotFoundError(group.id)
        return fresh

    async def delete(self, group_id: str) -> None:
        call = self._calls.call(self.spec.delete, {"id": group_id})
        if not await self._calls.delete(call):
            raise GroupNotFoundError(group_id)

    async def prepare(self) -> None:
        await self._calls.api.prepare()

    async def aclose(self) -> None:
        await self._calls.aclose()

    # -- members ----------------------------------------------------------------------------

    async def members(self, group_id: str) -> AsyncGenerator[list[str], None]:
        listing = self.spec.members.listing
        path = render(listing.path, {"id": group_id})
        try:
            # Closed at once when left early, with the page reads under it.
            async with aclosing(self._member_pager.pages(path, dict(listing.query))) as pages:
                async for records in pages:
                    yield [self._member_id(r) for r in records]
        except ApiError as error:
            if self._calls.answers.meaning(error)[0] == "not-found":
                raise GroupNotFoundError(group_id) from error
            raise self._calls.failure(error) from error

    def _member_id(self, entry: Any) -> str:
        raw = pointer.resolve(entry, self._member)
        if raw is None or isinstance(raw, dict | list):
            raise UnavailableError(
                f"{self._calls.name} listed a member without a user id at "
                f"{self.spec.members.member or '(the entry)'}; check groups.members.member in "
                f"{self._calls.at(('groups', 'members'))}",
                retry_after=300,
            )
        return text(raw)

    async def is_member(self, group_id: str, user_id: str) -> bool:
        async with aclosing(self.members(group_id)) as members:
            async for page in members:
                if user_id in page:
                    return True
        return False

    async def add_members(self, group_id: str, user_ids: Sequence[str]) -> list[str]:
        op = self.spec.members.add
        writable, unknown = _typed(op, user_ids)
        group = _GroupCheck(self, group_id)
        if unknown and not writable:
            await group.exists()  # no call to send: only a read tells a group that is gone
        if op.ids is None:
            refused = await self._one_by_one(group, op, writable, adding=True)
        else:
            refused = []
            for start in range(0, len(writable), op.batch):
                refused += await self._batch(group, op, writable[start : start + op.batch])
        return unknown + refused

    async def remove_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        op = self.spec.members.remove
        writable, unknown = _typed(op, user_ids)  # an id the app cannot even hold is no member
        group = _GroupCheck(self, group_id)
        if unknown and not writable:
            await group.exists()  # no call to send: only a read tells a group that is gone
        if op.ids is None:
            await self._one_by_one(group, op, writable, adding=False)
            return
        for start in range(0, len(writable), op.batch):
            await self._batch(group, op, writable[start : start + op.batch], adding=False)

    async def _one_by_one(
        self, group: _GroupCheck, op: MemberOperation, user_ids: Sequence[str], *, adding: bool
    ) -> list[str]:
        gate = asyncio.Semaphore(MEMBER_CONCURRENCY)
        # The first failure fails the request: the calls not yet sent are not (those in flight
        # finish), or they would go on changing the group after the answer.
        failed = False

        async def one(user_id: str) -> str | None:
            nonlocal failed
            async with gate:
                if failed:
                    return None
                path = render(op.path, {"id": group.group_id, "member": user_id})
                try:
                    return await self._member_call(
                        group, self._calls.write(op, path, None), user_id, adding
                    )
                except BaseException:
                    failed = True
                    raise

        results = await asyncio.gather(*(one(u) for u in user_ids))
        return [u for u in results if u is not None]

    async def _batch(
        self,
        group: _GroupCheck,
        op: MemberOperation,
        user_ids: Sequence[str],
        *,
        adding: bool = True,
    ) -> list[str]:
        """One call for the batch; a batch refused whole is split until the refused ids are
        found (one unknown user must not keep the others out)."""
        if not user_ids:
            return []
        assert op.ids is not None
        record: dict[str, Any] = {}
        ids = [int(u) if op.id_type == "integer" else u for u in user_ids]
        pointer.place(record, pointer.parse(op.ids), ids)
        path = render(op.path, {"id": group.group_id})
        call = self._calls.write(op, path, self._calls.body(op, record))
        try:
            await self._calls.send(call)
            return []
        except ApiError as error:
            meaning, _ = self._calls.answers.meaning(error)
            if meaning == "already-done":
                return []
            # A 403 no rule explains is the connector's rights, whichever members are sent.
            refused = self._calls.answers.refused(error)
            if meaning not in {"rejected", "not-found", None} or error.status >= 500 or refused:
                raise self._calls.failure(error) from error
            if meaning == "not-found":
                await group.exists()
            if len(user_ids) == 1:
                return list(user_ids) if adding else []
        middle = len(user_ids) // 2
        return await self._batch(group, op, user_ids[:middle], adding=adding) + await self._batch(
            group, op, user_ids[middle:], adding=adding
        )

    async def _member_call(
        self, group: _GroupCheck, call: Call, user_id: str, adding: bool
    ) -> str | None:
        """One member in one call; the id when the application refuses it as a member. Not
        found for a removal is nothing to remove (a non-member, a non-user) unless the group
        is gone, which the group check tells."""
        try:
            await self._calls.send(call)
            return None
        except ApiError as error:
            meaning, _ = self._calls.answers.meaning(error)
            if meaning == "already-done":
                return None
            if meaning == "not-found" and not adding:
                await group.exists()
                return None
            if meaning in {"not-found", "rejected"} and error.status < 500:
                await group.exists()
                return user_id
            raise self._calls.failure(error) from error


class _GroupCheck:
    """Whether the group of one membership change exists, read at most once for the whole
    request: any refused member or batch may mean the group is gone, and the first refusal's
    read answers for all the others (those refused meanwhile wait for it)."""

    def __init__(self, groups: RestGroups, group_id: str) -> None:
        self.group_id = group_id
        self._groups = groups
        self._lock = asyncio.Lock()
        self._found: bool | None = None

    async def exists(self) -> None:
        """Returns when the group exists; GroupNotFoundError when it is gone."""
        async with self._lock:
            if self._found is None:
                self._found = await self._groups.get(self.group_id) is not None
        if not self._found:
            raise GroupNotFoundError(self.group_id)


def _result(result: str | None) -> tuple[str, ...]:
    return pointer.parse(result) if result else ()


def _typed(op: MemberOperation, user_ids: Sequence[str]) -> tuple[list[str], list[str]]:
    """(ids the application can hold, ids it cannot: not users of it, with no call)."""
    if op.id_type != "integer":
        return list(user_ids), []
    good = [u for u in user_ids if u.isascii() and u.isdigit()]
    return good, [u for u in user_ids if u not in good]
