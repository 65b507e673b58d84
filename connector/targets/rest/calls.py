"""The calls every described resource makes: templates filled and escaped, bodies shaped as the
description says (envelope, fixed values, update styles), records found in answers, and error
answers turned into the target's failures."""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx

from ... import redact
from ...json_codec import dumps, loads
from ...url_text import shown
from ..errors import QueryNotSupportedError, RejectedError, UnavailableError
from ..http import ApiClient, ApiError, Call, OutcomeUnknownError
from ..pause import pause
from . import pointer, quoting
from .answers import Answers
from .description import Find, Operation, UpdateOperation, WriteOperation, placeholders
from .loading import Marks, where
from .paging import relative
from .values import text

log = logging.getLogger(__name__)

MEDIA_TYPES = {
    "merge-patch": "application/merge-patch+json",
    "json-patch": "application/json-patch+json",
}

Change = tuple[tuple[str, ...], Any]
"""A value to write at a pointer (None clears)."""


def segment(value: str) -> str:
    """A value escaped as one path segment: a `/` or `?` in it never changes the URL."""
    return quote(value, safe="")


def render(template: str, values: Mapping[str, str]) -> str:
    """A path template with each placeholder's value escaped as one path segment."""
    rendered = template
    for name in placeholders(template):
        rendered = rendered.replace("{" + name + "}", segment(values[name]))
    return rendered


def find_query(find: Find, value: str) -> dict[str, str]:
    """A find's query parameters with the value placed, escaped for the quotes of the
    application's filter language it is between (httpx percent-encodes parameters itself)."""
    return {name: quoting.fill(t, value, find.escape) for name, t in find.query.items()}


def find_path(find: Find, value: str) -> str:
    """A find's lookup path with the value placed: escaped for any quotes it is between, then
    as one path segment."""
    assert find.path is not None
    return quoting.fill(find.path, value, find.escape, segment)


def named(call: Call) -> str:
    """How messages name a call: its template, else its path without a query (a next-page link
    carries its own query, which may echo a credential sent in the query)."""
    return call.template or call.path.partition("?")[0]


def json_of(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return loads(response.content)
    except ValueError:
        return None


class Calls:
    """One described application's plumbing, shared by its users and its groups."""

    def __init__(
        self,
        api: ApiClient,
        answers: Answers,
        name: str,
        source: Path,
        marks: Marks,
        closing: Callable[[], Awaitable[None]],
    ) -> None:
        self.api = api
        self.answers = answers
        self.name = name
        self._source = source
        self._marks = marks
        self._closing = closing

    async def aclose(self) -> None:
        await self._closing()

    async def send(self, call: Call, *, retry_unknown: bool = True) -> httpx.Response:
        """The call's successful answer; ApiError for an error answer, a success status whose
        body says it failed (`errorEnvelope`, which the client reads as `failed_answer`, so
        that the call is recorded as failed) included. An error the rules call retryable by
        its code is retried here as the client retries a retryable status: within the budget,
        and never blindly for a write (`retry_unknown=False`)."""
        attempt = 0
        while True:
            try:
                response = await self.api.send(call, retry_unknown=retry_unknown)
            except ApiError as error:
                # A status the client does not retry, or an error envelope; its code may be
                # retryable.
                failed = error
            else:
                if 300 <= response.status_code < 400:
                    # Not a success: nothing was done (a delete or a disable would have
                    # reported done) and the body is no record (a read would have found
                    # nobody). Not followed either: credentials go to the configured
                    # application only.
                    raise UnavailableError(self._redirected(call, response), retry_after=300)
                return response
            meaning, message = self.answers.meaning(failed)
            if meaning != "retryable":
                raise failed
            if not retry_unknown and call.method != "GET":
                raise OutcomeUnknownError(f"{self.name}: {message}") from failed
            await pause(attempt, f"{self.name}: {message}")
            attempt += 1

    def _redirected(self, call: Call, response: httpx.Response) -> str:
        location = response.headers.get("location")
        to = f" to {redact.redact(shown(location))}" if location else ""
        return (
            f"{self.name} answered {call.method} {named(call)} with "
            f"{response.status_code}, a redirect{to}; the connector does not follow redirects: "
            "set connection.baseUrl (or TARGET_BASE_URL) to the application's API address"
        )

    def call(self, op: Operation, values: Mapping[str, str]) -> Call:
        """A body-less call of `op` with its placeholders filled."""
        return Call(op.method, render(op.path, values), params=op.query or None, template=op.path)

    def write(self, op: WriteOperation, path: str, body: Any, media: str | None = None) -> Call:
        """`path`: the operation's path with its placeholders filled."""
        media = op.content_type or media
        if media is None:
            return Call(op.method, path, params=op.query or None, json=body, template=op.path)
        return Call(
            op.method,
            path,
            params=op.query or None,
            content=dumps(body),
            headers={"Content-Type": media},
            template=op.path,
        )

    def body(self, op: WriteOperation, record: Any) -> Any:
        """The record with the operation's fixed values, inside its envelope if it has one."""
        if isinstance(record, dict):
            for where_to, value in op.fixed.items():
                pointer.place(record, pointer.parse(where_to), value)
        if op.envelope:
            wrapped: dict[str, Any] = {}
            pointer.place(wrapped, pointer.parse(op.envelope), record)
            return wrapped
        return record

    def update(
        self, op: UpdateOperation, path: str, changes: Sequence[Change], record: Any
    ) -> Call:
        """The update call in the description's style; `record` is the current record, needed
        (and only used) by `replace`."""
        body: Any
        if op.style == "replace":
            body = copy.deepcopy(record)
            for tokens, value in changes:
                pointer.place(body, tokens, value)
            for omitted in op.omit:
                pointer.remove(body, pointer.parse(omitted))
        elif op.style == "json-patch":
            body = [
                {"op": "remove", "path": pointer.render(tokens)}
                if value is None
                else {"op": "add", "path": pointer.render(tokens), "value": value}
                for tokens, value in changes
            ]
        else:
            body = {}
            for tokens, value in changes:
                pointer.place(body, tokens, value)
        return self.write(op, path, self.body(op, body), MEDIA_TYPES.get(op.style))

    async def delete(self, call: Call, *, known_to_exist: bool = False) -> bool:
        """Send a delete until it has an answer; False when there was nothing to delete.
        A delete whose answer was lost is sent again: `not-found` then means it had landed."""
        attempt = 0
        while True:
            try:
                await self.send(call, retry_unknown=False)
                return True
            except OutcomeUnknownError as exc:
                known_to_exist = True
                await pause(attempt, f"delete outcome unknown ({exc})")
                attempt += 1
            except ApiError as error:
                meaning, _ = self.answers.meaning(error)
                if meaning == "already-done":
                    return True
                if meaning == "not-found":
                    return known_to_exist  # gone already (an earlier attempt, or someone else)
                raise self.failure(error) from error

    def readable(self, response: httpx.Response, call: Call) -> None:
        """Raise unless a read's answer is JSON (or empty): a web page where the API should be
        (a baseUrl without the API's path, a proxy's page) holds no record, and is no "nobody"
        either (a get would be a 404, a lookup would let Entra create the user again)."""
        if not response.content.strip():
            return
        try:
            loads(response.content)
        except ValueError:
            kind = response.headers.get("content-type", "no Content-Type").split(";")[0]
            raise UnavailableError(
                f"{self.name} answered {call.method} {named(call)} with "
                f"{response.status_code} and a body that is not JSON ({kind}); check "
                "connection.baseUrl (or TARGET_BASE_URL): it is the address of the "
                "application's API, path included",
                retry_after=300,
            ) from None

    def created_id(
        self,
        response: httpx.Response,
        call: Call,
        answered: Any,
        id_at: tuple[str, ...],
        get: Operation,
    ) -> str | None:
        """The id of the record a create made, when its answer is not the whole record: the id
        the answer holds (`{"id": 7}`), else the one its Location names; None when neither does
        (the caller then looks the record up by what it wrote)."""
        raw_id = pointer.resolve(answered, id_at)
        if isinstance(raw_id, str | int) and not isinstance(raw_id, bool):
            return text(raw_id)
        return self._located(response, call, get)

    def _located(self, response: httpx.Response, call: Call, get: Operation) -> str | None:
        """The id a create's `201 Created` names in its Location (RFC 9110 section 15.3.2), when
        that is the address `get` reads a record at (`/accounts/42` for `/accounts/{id}`); None
        otherwise (another status, another address)."""
        location = response.headers.get("location")
        if response.status_code != 201 or not location:
            return None
        try:
            # A relative Location is relative to the create's URL; its host is not used.
            path = relative(location, self.api.base_url, call.path).partition("?")[0]
        except UnavailableError:
            return None
        literal = [re.escape(part) for part in get.path.split("{id}")]
        found = re.fullmatch("([^/]+)".join(literal), path)
        return unquote(found.group(1)) if found is not None and found.lastindex == 1 else None

    def extract(self, response: httpx.Response, result: str | None) -> Any:
        return pointer.resolve(json_of(response), pointer.parse(result) if result else ())

    def record(self, response: httpx.Response, op: Operation) -> Any:
        """The record in an answer, or None when it carries none (e.g. a 204)."""
        if not response.content:
            return None
        found = self.extract(response, op.result)
        return found if isinstance(found, dict) else None

    def failure(self, error: ApiError) -> Exception:
        refused = self.answers.refused(error)
        if refused is not None:
            return refused
        meaning, message = self.answers.meaning(error)
        if meaning == "retryable" or (meaning is None and error.status >= 500):
            # A server error is the application's trouble, not the request's: Entra retries.
            return UnavailableError(f"{self.name}: {message}", retry_after=60)
        return RejectedError(f"{self.name} rejected the request: {message}")

    def sendable(self, find: Find, value: str, section: str, index: int) -> None:
        """QueryNotSupportedError, before any call, when `value` would leave the quotes the
        find writes it between and the description does not say how the application escapes
        there (`escape`): sent, it would be refused by the application or match more."""
        for template in find.templates():
            held = quoting.refused(template, value, find.escape)
            if held is not None:
                loc = (section, "find", index)
                raise QueryNotSupportedError(
                    f"{self.name}'s description does not say how its filter language escapes "
                    f"inside quotes, and the value searched for holds {held}: add `escape: "
                    f"backslash` or `escape: double` to {section}.find[{index}] "
                    f"({self.at(loc)}), as the application's reference says"
                )

    def at(self, loc: tuple[str | int, ...]) -> str:
        """`file:line:col` of a part of the description, for messages."""
        return where(self._marks, loc, self._source)
