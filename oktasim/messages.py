"""Requests and responses as every API module sees them, and the parsing they all share:
JSON bodies, boolean flags, `limit`, opaque cursors and the two-line `Link` header."""

from __future__ import annotations

import base64
import binascii
import json
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qsl, unquote, urlencode

from oktasim.errors import OktaError

JSON = "application/json"


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # raw, still percent-encoded, without the query
    query: str
    headers: Mapping[str, str]  # names lower-cased
    body: bytes | None  # None when the request carried no Content-Length

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def params(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query, keep_blank_values=True)

    def param(self, name: str) -> str | None:
        for key, value in self.params():
            if key == name:
                return value
        return None

    def segments(self) -> list[str]:
        """The decoded path segments, e.g. ["api", "v1", "users", "00u…"]; a trailing / ignored."""
        segments = [unquote(part) for part in self.path.split("/")[1:]]
        if segments and segments[-1] == "" and len(segments) > 1:
            segments.pop()
        return segments


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-serialisable; None means an empty body
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def error(cls, error: OktaError) -> Response:
        return cls(error.status, error.body())


def flag(request: Request, name: str, default: bool) -> bool:
    raw = request.param(name)
    if raw is None:
        return default
    if raw.lower() not in ("true", "false"):
        raise OktaError("E0000001", name, [f"{name}: Invalid value"])
    return raw.lower() == "true"


def json_body(request: Request) -> dict[str, Any]:
    content_type = request.header("Content-Type")
    if request.body:
        if content_type is None:
            raise OktaError("E0000018")
        if content_type.split(";", 1)[0].strip().lower() != JSON:
            raise OktaError("E0000021")
    try:
        body = json.loads(request.body or b"")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise OktaError("E0000003") from None
    if not isinstance(body, dict):
        raise OktaError("E0000003")
    return body


def page_limit(request: Request, default: int, maximum: int) -> int:
    """`limit` below 1 or not a number is refused; above the maximum it is clamped."""
    raw = request.param("limit")
    if raw is None:
        return default
    try:
        limit = int(raw)
    except ValueError:
        raise OktaError("E0000001", "limit", ["limit: Invalid value"]) from None
    if limit < 1:
        raise OktaError("E0000001", "limit", ["limit: Invalid value"])
    return min(limit, maximum)


def encode_cursor(key: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list[str]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        key = None
    if (
        not isinstance(key, list)
        or len(key) != length
        or not all(isinstance(part, str) for part in key)
    ):
        raise OktaError("E0000029", causes=["Invalid cursor."])
    return key


def link_headers(
    request: Request, url: str, limit: int, next_cursor: str | None
) -> list[tuple[str, str]]:
    """`self` then `next` as separate `Link` lines, as Okta sends them; `next` keeps the query."""
    others = [(k, v) for k, v in request.params() if k not in ("after", "limit")]
    own_after = [("after", v) for k, v in request.params() if k == "after"]
    self_query = urlencode([*own_after, ("limit", str(limit)), *others])
    headers = [("Link", f'<{url}?{self_query}>; rel="self"')]
    if next_cursor is not None:
        next_query = urlencode([("after", next_cursor), ("limit", str(limit)), *others])
        headers.append(("Link", f'<{url}?{next_query}>; rel="next"'))
    return headers


class _WithId(Protocol):
    @property
    def id(self) -> str: ...


Record = TypeVar("Record", bound=_WithId)
Item = TypeVar("Item")


def id_page(
    records: Sequence[Record], request: Request, limit: int
) -> tuple[list[Record], str | None]:
    """`keyed_page` for records already in ascending id order, the default order of a list:
    the cursor's place is found by bisection, with no key built or compared for every record
    (the caller's sort remains the one pass over the whole list)."""
    return _page_after(records, request, limit, attrgetter("id"))


def ids_page(ids: Sequence[str], request: Request, limit: int) -> tuple[list[str], str | None]:
    """`id_page` for the ids alone, so that only the page's records need to be looked up."""
    return _page_after(ids, request, limit, str)


def _page_after(
    items: Sequence[Item], request: Request, limit: int, id_of: Callable[[Item], str]
) -> tuple[list[Item], str | None]:
    start = 0
    after = request.param("after")
    if after is not None:
        (last,) = decode_cursor(after, 1)
        start = bisect_right(items, last, key=id_of)
    page = list(items[start : start + limit])
    cursor = encode_cursor([id_of(page[-1])]) if len(page) == limit else None
    return page, cursor


def keyed_page(
    keyed: list[tuple[list[str], Any]],
    request: Request,
    limit: int,
    *,
    key_length: int = 1,
    descending: bool = False,
) -> tuple[list[Any], str | None]:
    """One page of records already sorted by key, after the request's cursor, and the next
    cursor whenever the page is full (Okta announces a next page even if it turns out empty)."""
    after = request.param("after")
    if after is not None:
        start = decode_cursor(after, key_length)
        keyed = [(k, record) for k, record in keyed if (k < start if descending else k > start)]
    page = keyed[:limit]
    cursor = encode_cursor(page[-1][0]) if len(page) == limit else None
    return [record for _, record in page], cursor
