"""The directory: people by opaque string id, uniqueness of login and email, and cursor walks.

Thread-safe: every public method is one atomic step under the store's lock and hands out JSON
copies. Bodies arrive already checked by `schema`; the store enforces what needs the data."""

from __future__ import annotations

import base64
import binascii
import copy
import json
import secrets
import string
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .clock import Clock, timestamp
from .problems import Problem, invalid_request, person_not_found

_ID_ALPHABET = string.ascii_letters + string.digits
_UNIQUE = ("login", "email")


def new_id() -> str:
    return "p_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(16))


@dataclass
class _Person:
    seq: int  # creation order: the order of every listing and what a cursor remembers
    id: str
    fields: dict[str, Any]  # the complete writable record (schema.check_person)
    created_at: float
    updated_at: float

    def json(self) -> dict[str, Any]:
        record = copy.deepcopy(self.fields)
        active = record.pop("active")
        return {
            "id": self.id,
            **record,
            "active": active,
            "createdAt": timestamp(self.created_at),
            "updatedAt": timestamp(self.updated_at),
        }


Matcher = Callable[[dict[str, Any]], bool]


class Store:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._people: dict[str, _Person] = {}  # insertion order is creation order
        self._seq = 0

    def clear(self) -> None:
        with self._lock:
            self._people.clear()
            self._seq = 0

    def people(self) -> list[dict[str, Any]]:
        with self._lock:
            return [person.json() for person in self._people.values()]

    def get(self, person_id: str) -> dict[str, Any]:
        with self._lock:
            return self._find(person_id).json()

    def create(self, fields: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._check_unique(fields, None)
            person_id = new_id()
            while person_id in self._people:
                person_id = new_id()
            self._seq += 1
            now = self._clock.now()
            person = _Person(self._seq, person_id, fields, now, now)
            self._people[person_id] = person
            return person.json()

    def replace(self, person_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            person = self._find(person_id)
            self._check_unique(fields, person_id)
            person.fields = fields
            person.updated_at = self._clock.now()
            return person.json()

    def delete(self, person_id: str) -> None:
        with self._lock:
            self._find(person_id)
            del self._people[person_id]

    def page(self, matchers: list[Matcher], after: int, limit: int) -> tuple[list[Any], int | None]:
        """Up to `limit` matching people created after sequence number `after`, and the
        sequence number to continue after when the page is full (None when it is not)."""
        with self._lock:
            found: list[_Person] = []
            for person in self._people.values():
                if person.seq <= after:
                    continue
                record = person.json()
                if all(match(record) for match in matchers):
                    found.append(person)
                    if len(found) == limit:
                        break
            last = found[-1].seq if len(found) == limit else None
            return [person.json() for person in found], last

    def _find(self, person_id: str) -> _Person:
        person = self._people.get(person_id)
        if person is None:
            raise person_not_found(person_id)
        return person

    def _check_unique(self, fields: dict[str, Any], own_id: str | None) -> None:
        for key in _UNIQUE:
            wanted = fields[key].casefold()
            for other in self._people.values():
                if other.id != own_id and other.fields[key].casefold() == wanted:
                    raise Problem("conflict", f"The {key} '{fields[key]}' is already in use.")


# -- cursors -----------------------------------------------------------------------------------
# A cursor is opaque to clients; inside it names the last person of the page and the filters
# it was issued for, so that a cursor replayed with other filters is refused, not misread.


def encode_cursor(after: int, filters: Mapping[str, str]) -> str:
    raw = json.dumps({"after": after, "filters": dict(sorted(filters.items()))})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, filters: Mapping[str, str]) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        content = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        after, issued_for = content["after"], content["filters"]
    except (ValueError, UnicodeError, binascii.Error, TypeError, KeyError):
        raise invalid_request("The cursor is not valid.") from None
    if not isinstance(after, int) or isinstance(after, bool) or after < 1:
        raise invalid_request("The cursor is not valid.")
    if issued_for != dict(sorted(filters.items())):
        raise invalid_request(
            "The cursor was issued for other filters; send the same filters with it."
        )
    return after
