"""A described REST application's users as a provisioning target.

Every call is what the description says: method, path template, body shape, where the record
is in the answer. Each operation is safe to repeat, as the Okta target's are: a create whose
answer was lost is resolved by looking the anchor up, "already in that state" and "already gone"
are successes, and a query the description cannot express is refused, never widened.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

from ...turns import Turns
from ..errors import (
    LoginConflictError,
    QueryNotSupportedError,
    RejectedError,
    UnavailableError,
    UserNotFoundError,
)
from ..http import ApiError, Call, OutcomeUnknownError
from ..model import TargetUser
from ..pause import pause
from ..protocol import Capabilities, Profile, search
from ..query import ActiveIs, AllOf, AnyOf, Condition, Everyone, IdIs, Query
from ..stamps import Clock, landed, utc_now
from . import pointer
from .answers import answered
from .calls import Calls, find_path, find_query, json_of, render
from .description import Description, Find
from .paging import Page, Pager
from .values import codecs, same_value, text

log = logging.getLogger(__name__)


class RestUsers:
    def __init__(
        self, description: Description, calls: Calls, base_url: str, now: Clock = utc_now
    ) -> None:
        self.description = description
        self._calls = calls
        self.base_url = base_url
        self.now = now  # the wall clock, for the stamp of a state change (stamps.py)
        users = description.users
        self.capabilities = Capabilities(
            name=description.name,
            attributes=frozenset(users.attributes),
            partial_update=users.update.style != "replace",
            disabled_state=users.state is not None,
        )
        self._codecs = codecs(users.attributes)
        self._id = pointer.parse(users.id)
        self._state = pointer.parse(users.state.pointer) if users.state else None
        self._pager = Pager(users.listing.paging, base_url, self._page)

    # -- reading ----------------------------------------------------------------------------

    def to_user(self, record: Any, where_from: str) -> TargetUser:
        raw_id = pointer.resolve(record, self._id)
        if raw_id is None or isinstance(raw_id, dict | list):
            raise UnavailableError(
                f"{self.description.name} answered a record without an id at "
                f"{self.description.users.id} ({where_from}); check users.id in "
                f"{self._calls.at(('users', 'id'))}",
                retry_after=300,
            )
        profile = {name: codec.read(record) for name, codec in self._codecs.items()}
        active, word = True, "enabled"
        state = self.description.users.state
        if state is not None and self._state is not None:
            value = pointer.resolve(record, self._state)
            active = any(same_value(v, value) for v in state.enabled_values)
            word = text(value) if value is not None else ""
        users = self.description.users
        created = pointer.resolve(record, pointer.parse(users.created)) if users.created else None
        modified = (
            pointer.resolve(record, pointer.parse(users.last_modified))
            if users.last_modified
            else None
        )
        return TargetUser(
            id=text(raw_id),
            profile=profile,
            active=active,
            state=word,
            created=text(created) if created is not None else None,
            last_modified=text(modified) if modified is not None else None,
            record=record,
        )

    def _whole(self, record: Any) -> bool:
        """Whether a write's answer holds the user's record, not an acknowledgement such as
        `{"id": 7}` or the changed fields only: read as the user, its missing anchor would be
        missing in SCIM, and its missing state would read as disabled (a disable then skipped)."""
        if record is None:
            return False
        anchor = self._codecs[self.description.users.anchor].tokens
        return pointer.exists(record, anchor) and (
            self._state is None or pointer.exists(record, self._state)
        )

    async def get(self, user_id: str) -> TargetUser | None:
        try:
            user_id.encode("utf-8")
        except UnicodeEncodeError:
            return None  # `id eq "\ud800"`: no path can carry it, and no record has it
        record = await self._get_record(user_id)
        if record is None:
            return None
        user = self.to_user(record, "users.get")
        # An application may find a record by something other than its id (a padded number,
        # a login in the id's place): only the record with exactly this id is the user.
        return user if user.id == user_id else None

    async def _get_record(self, user_id: str) -> Any:
        op = self.description.users.get
        call = self._calls.call(op, {"id": user_id})
        try:
            response = await self._calls.send(call)
        except ApiError as error:
            meaning, _ = self._calls.answers.meaning(error)
            if meaning == "not-found":
                return None
            raise self._calls.failure(error) from error
        self._calls.readable(response, call)
        return self._calls.record(response, op)

    async def find_by_anchor(self, value: str) -> TargetUser | None:
        anchor = self.description.users.anchor
        found = await search(self, Condition(anchor, "eq", value))
        for user in found:
            stored = user.profile.get(anchor)
            # The application may match more loosely (prefix, contains): only the whole value is
            # the user.
            if isinstance(stored, str) and stored.casefold() == value.casefold():
                return user
        return None

    async def pages(self, query: Query) -> AsyncIterator[list[TargetUser]]:
        if isinstance(query, IdIs):
            user = await self.get(query.value)
            if user is not None:
                yield [user]
            return
        if isinstance(query, AnyOf):
            # Every branch must be answerable: check them all before the first call.
            self._validate(query)
            seen: set[str] = set()
            for term in query.terms:
                async for page in self.pages(term):
                    fresh = [u for u in page if u.id not in seen]
                    seen.update(u.id for u in fresh)
                    if fresh:
                        yield fresh
            return
        if isinstance(query, AllOf):
            # One term the application can answer narrows the candidates; the service applies
            # the whole filter to them, so the answer is exact.
            chosen = self._answerable(query)
            async for page in self.pages(chosen):
                yield page
            return
        planned = self._plan(query)
        if planned is None:
            return  # a value the application cannot even hold: nobody matches it
        find, value = planned
        if find is not None and find.path is not None:
            async for page in self._lookup(find, value):
                yield page
            return
        listing = self.description.users.listing
        params = dict(listing.query)
        if find is not None:
            params |= find_query(find, value)
        turns = Turns()
        try:
            async for records in self._pager.pages(listing.path, params):
                users = []
                for record in records:
                    users.append(self.to_user(record, "users.list"))
                    await turns.share()
                del records
                yield users
        except ApiError as error:
            # The application refused the listing (e.g. a find value it cannot take): say so in
            # its words, as a lookup path does.
            raise self._calls.failure(error) from error

    def _answerable(self, query: AllOf) -> Query:
        """The first term of an `and` the application can answer by itself."""
        for term in query.terms:
            try:
                self._validate(term)
            except QueryNotSupportedError:
                continue
            return term
        raise QueryNotSupportedError(
            f"{self.description.name}'s description has no find for any part of this filter"
        )

    def _validate(self, query: Query) -> None:
        """Raise QueryNotSupportedError unless the application can answer `query`."""
        if isinstance(query, AllOf):
            self._answerable(query)
        elif isinstance(query, AnyOf):
            for term in query.terms:
                self._validate(term)
        elif not isinstance(query, IdIs):
            self._plan(query)

    def _plan(self, query: Query) -> tuple[Find | None, str] | None:
        """(the find to use, the value in the application's terms) — (None, "") for a full
        listing; None when no record can match; QueryNotSupportedError when not expressible."""
        if isinstance(query, Everyone):
            return None, ""
        finds = self.description.users.find
        if isinstance(query, ActiveIs):
            state = self.description.users.state
            found = next(((i, f) for i, f in enumerate(finds) if f.attribute == "active"), None)
            if found is None or state is None:
                raise QueryNotSupportedError(
                    f"{self.description.name}'s description has no find on active"
                )
            values = state.enabled_values if query.value else state.disabled_values
            return self._sendable(*found, text(values[0]))
        if isinstance(query, Condition):
            found = next(
                (
                    (i, f)
                    for i, f in enumerate(finds)
                    if f.attribute == query.attribute and f.op == query.op
                ),
                None,
            )
            if found is None:
                raise QueryNotSupportedError(
                    f"{self.description.name} cannot be searched by {query.attribute} "
                    f"{query.op} (add a find to the description to allow it)"
                )
            try:
                encoded = self._codecs[query.attribute].encode(query.value)
            except RejectedError:
                return None
            return self._sendable(*found, text(encoded) if encoded is not None else "")
        raise QueryNotSupportedError(f"{self.description.name} cannot answer this filter")

    def _sendable(self, index: int, find: Find, value: str) -> tuple[Find, str]:
        """(find, value), once the value is known to stay inside any quotes it is written in
        (`index`: the find's place in the description, for the error)."""
        self._calls.sendable(find, value, "users", index)
        return find, value

    async def _lookup(self, find: Find, value: str) -> AsyncIterator[list[TargetUser]]:
        assert find.path is not None
        call = Call("GET", find_path(find, value), template=find.path)
        try:
            response = await self._calls.send(call)
        except ApiError as error:
            meaning, _ = self._calls.answers.meaning(error)
            if meaning == "not-found":
                return
            raise self._calls.failure(error) from error
        self._calls.readable(response, call)
        found = self._calls.extract(response, find.result)
        records = found if isinstance(found, list) else [found] if found is not None else []
        users = [self.to_user(r, "users.find") for r in records if isinstance(r, dict)]
        if users:
            yield users

    async def _page(self, path: str, params: Mapping[str, str]) -> Page:
        call = Call("GET", path, params=params)
        response = await self._calls.send(call)
        self._calls.readable(response, call)
        body = json_of(response)
        listing = self.description.users.listing
        records = pointer.resolve(body, pointer.parse(listing.result) if listing.result else ())
        if not isinstance(records, list):
            raise UnavailableError(
                f"{self.description.name}'s list answer has no list at "
                f"{self.description.users.listing.result or '(the whole body)'}; check "
                f"users.list.result in {self._calls.at(('users', 'list'))}",
                retry_after=300,
            )
        return Page([r for r in records if isinstance(r, dict)], body, response.headers)

    # -- writing ----------------------------------------------------------------------------

    async def create(self, profile: Profile, *, active: bool) -> TargetUser:
        users = self.description.users
        values = {k: v for k, v in profile.items() if v is not None}
        record: dict[str, Any] = {}
        for name, codec in self._codecs.items():
            encoded = codec.encode(values.get(name), creating=True)
            if encoded is not None:
                pointer.place(record, codec.tokens, encoded)
        state = users.state
        if state is not None and state.enable is None and self._state is not None:
            chosen = state.enabled_values[0] if active else state.disabled_values[0]
            pointer.place(record, self._state, chosen)
        op = users.create
        call = self._calls.write(op, op.path, self._calls.body(op, record))
        anchor = str(values.get(users.anchor) or "")
        attempt, uncertain = 0, False
        while True:
            try:
                response = await self._calls.send(call, retry_unknown=False)
                created = self._calls.record(response, op)
                user = (
                    self.to_user(created, "users.create")
                    if self._whole(created)
                    else await self._created(
                        anchor, self._calls.created_id(response, call, created, self._id, users.get)
                    )
                )
                break
            except OutcomeUnknownError as exc:
                # The create may have landed: look before sending it again, never create twice.
                uncertain = True
                existing = await self.find_by_anchor(anchor)
                if existing is not None:
                    user = self._ours(existing, values)
                    break
                await pause(attempt, f"create outcome unknown ({exc})")
                attempt += 1
            except ApiError as error:
                meaning, message = self._calls.answers.meaning(error)
                if meaning == "conflict" and uncertain:
                    existing = await self.find_by_anchor(anchor)
                    if existing is not None:
                        user = self._ours(existing, values)
                        break
                if meaning == "conflict":
                    raise LoginConflictError(message, anchor=False) from error
                raise self._calls.failure(error) from error
        if not active and user.active:
            user = await self.set_active(user, False)
        return user

    async def _created(self, anchor: str, created_id: str | None) -> TargetUser:
        """The new user when the create's answer carries no whole record: read by the id the
        answer gives or its Location names (`created_id`), else by its anchor (an application's
        search may lag its writes)."""
        user = await self.get(created_id) if created_id is not None else None
        if user is None:
            user = await self.find_by_anchor(anchor)
        if user is None:
            raise UnavailableError(
                f"{self.description.name} accepted the new user but it cannot be found by "
                f"{self.description.users.anchor} yet; Entra will retry",
                retry_after=60,
            )
        return user

    def _ours(self, existing: TargetUser, sent: Mapping[str, str]) -> TargetUser:
        """The user found after an uncertain create is ours if it holds what was sent."""
        for name, value in sent.items():
            codec = self._codecs[name]
            if existing.profile.get(name) != codec.decode(codec.encode(value, creating=True)):
                anchor = sent.get(self.description.users.anchor)
                raise LoginConflictError(f"{anchor!r} is already taken")
        return existing

    async def update(
        self,
        user_id: str,
        changes: Profile,
        current: TargetUser | None = None,
        *,
        active: bool | None = None,
    ) -> TargetUser:
        encoded = {name: self._codecs[name].encode(value) for name, value in changes.items()}
        state = self.description.users.state
        if active is None or state is None or state.enable is not None:
            return await self._patch(user_id, encoded, current)
        # The state is a field of the record: the same update carries it (one call, not two).
        value = state.enabled_values[0] if active else state.disabled_values[0]
        if current is not None and current.active == active:
            return await self._patch(user_id, encoded, current)
        return await self._patch(user_id, encoded, current, value, with_state=True)

    async def replace(
        self,
        user_id: str,
        profile: Profile,
        current: TargetUser | None = None,
        *,
        active: bool | None = None,
    ) -> TargetUser:
        # Every attribute the connector owns is in `profile` (None clears); the application's
        # other fields are not the connector's, and an update leaves them as they are.
        return await self.update(user_id, profile, current, active=active)

    async def _patch(
        self,
        user_id: str,
        encoded: Mapping[str, Any],
        current: TargetUser | None,
        state: Any = None,
        *,
        with_state: bool = False,
    ) -> TargetUser:
        """One update of the encoded values (by attribute name), and of the state if asked."""
        op = self.description.users.update
        changes: list[tuple[tuple[str, ...], Any]] = [
            (self._codecs[name].tokens, value) for name, value in encoded.items()
        ]
        if with_state and self._state is not None:
            changes.append((self._state, state))
        path = render(op.path, {"id": user_id})
        record = None
        if op.style == "replace":
            record = current.record if current is not None and current.record else None
            if record is None:
                record = await self._get_record(user_id)
                if record is None:
                    raise UserNotFoundError(user_id)
        call = self._calls.update(op, path, changes, record)
        try:
            response = await self._calls.send(call)
        except ApiError as error:
            meaning, message = self._calls.answers.meaning(error)
            if meaning == "not-found":
                raise UserNotFoundError(user_id) from error
            if meaning == "conflict":
                raise LoginConflictError(message, anchor=False) from error
            raise self._calls.failure(error) from error
        record = self._calls.record(response, op)
        if not self._whole(record):
            # No record in the answer (e.g. 204), or only a part of it: read it back.
            fresh = await self.get(user_id)
            if fresh is None:
                raise UserNotFoundError(user_id)
            return fresh
        return self.to_user(record, "users.update")

    async def set_active(self, user: TargetUser, active: bool) -> TargetUser:
        """The state action's answer is the user when it holds the whole record; an
        acknowledgement (`204`, `{"id": 7}`) gives the user in its new state, stamped with the
        moment the answer arrived (stamps.py) rather than read back (one call, not two)."""
        if user.active == active:
            return user
        state = self.description.users.state
        if state is None:
            raise RejectedError(
                f"{self.description.name} has no disabled state in its description; users "
                "can only be deleted"
            )
        action = state.enable if active else state.disable
        if action is None:
            value = state.enabled_values[0] if active else state.disabled_values[0]
            return await self._patch(user.id, {}, user, value, with_state=True)
        try:
            response = await self._calls.send(self._calls.call(action, {"id": user.id}))
        except ApiError as error:
            meaning, _ = self._calls.answers.meaning(error)
            if meaning == "already-done":
                # Nothing changed now: when the state got there, the application did not say.
                return _with_state(user, active, user.last_modified)
            if meaning == "not-found":
                raise UserNotFoundError(user.id) from error
            raise self._calls.failure(error) from error
        record = self._calls.record(response, action)
        if self._whole(record):
            return self.to_user(record, "users.state")
        return _with_state(user, active, landed(user.last_modified, self.now()))

    async def delete(self, user_id: str) -> None:
        users = self.description.users
        known_to_exist = False
        if users.delete.disable_first:
            # The application deletes only disabled users: disable (a no-op when it already
            # is), then delete. Two calls, and the first proves the user exists.
            assert users.state is not None
            await self._disable(user_id)
            known_to_exist = True
        call = self._calls.call(users.delete, {"id": user_id})
        if not await self._calls.delete(call, known_to_exist=known_to_exist):
            raise UserNotFoundError(user_id)

    async def _disable(self, user_id: str) -> None:
        state = self.description.users.state
        assert state is not None
        if state.disable is None:
            await self._patch(user_id, {}, None, state.disabled_values[0], with_state=True)
            return
        action = state.disable
        try:
            await self._calls.send(self._calls.call(action, {"id": user_id}))
        except ApiError as error:
            meaning, _ = self._calls.answers.meaning(error)
            if meaning == "already-done":
                return
            if meaning == "not-found":
                raise UserNotFoundError(user_id) from error
            raise self._calls.failure(error) from error

    # -- doctor -----------------------------------------------------------------------------

    async def check(self) -> str:
        listing = self.description.users.listing
        params = dict(listing.query)
        paging = listing.paging
        if paging.size_param:
            params[paging.size_param] = "1"
        if paging.style == "page":
            params[paging.page_param] = str(paging.first_page)
        try:
            page = await self._page(listing.path, params)
        except ApiError as error:
            refused = self._calls.answers.refused(error)
            raise UnavailableError(
                str(refused)
                if refused
                else f"{self.description.name} answered {answered(error)} to GET {listing.path}: "
                f"{self._calls.answers.meaning(error)[1]}; check connection.baseUrl and users.list",
                retry_after=300,
            ) from error
        for record in page.records[:1]:
            self.to_user(record, "users.list")
        return (
            f"{self.description.name} at {self.base_url} answered GET {listing.path} "
            f"({len(page.records)} record(s) read)"
        )

    async def prepare(self) -> None:
        await self._calls.api.prepare()

    async def aclose(self) -> None:
        await self._calls.aclose()


def _with_state(user: TargetUser, active: bool, last_modified: str | None) -> TargetUser:
    word = "enabled" if active else "disabled"
    return TargetUser(user.id, user.profile, active, word, user.created, last_modified, user.record)
