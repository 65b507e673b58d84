"""Walks a list endpoint page by page, in whichever paging style the application uses: page
numbers, offsets, a cursor in the body, a next URL in the body, or a `Link` header."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from ..errors import UnavailableError
from . import pointer
from .description import Paging

# A safety net against an application whose cursor never ends (a bug, or a loop).
MAX_PAGES = 100_000


@dataclass(frozen=True)
class Page:
    records: list[Any]
    body: Any
    headers: httpx.Headers


# One link-value of a Link header (RFC 8288 section 3): `<URI>` and its parameters, up to the
# comma before the next one. A comma inside the brackets (`?fields=id,name`) or inside a quoted
# parameter (`title="a, b"`) belongs to that link.
_LINK_VALUE = re.compile(r'<([^>]*)>((?:[^,"]|"(?:[^"\\]|\\.)*")*)')
_LINK_PARAM = re.compile(r';\s*([^;=\s]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^;]*))?')


def next_link(lines: list[str]) -> str | None:
    """The `rel="next"` URL among Link header lines (RFC 8288)."""
    for line in lines:
        for link in _LINK_VALUE.finditer(line):
            for param in _LINK_PARAM.finditer(link.group(2)):
                name, value = param.group(1), (param.group(2) or "").strip()
                # rel is a space-separated list of relation types, compared ignoring case.
                if name.lower() == "rel" and "next" in value.strip('"').lower().split():
                    return link.group(1).strip()
    return None


def relative(url: str, base_url: str, current: str = "") -> str:
    """A next-page URL as a path relative to the base URL, with its query as written (a name may
    be repeated, `?fields=id&fields=email`, and a cursor's escapes are the application's). Its
    host is not used: the request goes to the configured application, the configured way
    (through the relay, the application names itself by a host the connector cannot reach), and
    credentials never go anywhere else. A relative link (`?page=2`, `people?cursor=x`) is
    resolved against the page that gave it, at `current` under the base URL (RFC 3986 section
    5.1.3)."""
    base = urlsplit(base_url)
    parts = urlsplit(urljoin(base_url.rstrip("/") + (current or "/"), url))
    prefix = base.path.rstrip("/")
    if not (parts.path == prefix or parts.path.startswith(prefix + "/")):
        raise UnavailableError(
            f"the application's next-page link {url!r} leaves its base URL {base_url}; the "
            "connector follows links on the configured application only",
            retry_after=300,
        )
    path = parts.path[len(prefix) :] or "/"
    return f"{path}?{parts.query}" if parts.query else path


class Pager:
    """Yields the records of every page of one listing request."""

    def __init__(
        self,
        paging: Paging,
        base_url: str,
        fetch: Callable[[str, Mapping[str, str]], Any],
    ) -> None:
        self._paging = paging
        self._base_url = base_url
        self._fetch = fetch
        self._total = pointer.parse(paging.total) if paging.total else None

    async def pages(self, path: str, params: Mapping[str, str]) -> AsyncGenerator[list[Any], None]:
        paging = self._paging
        query = dict(params)
        number, offset, seen = paging.first_page, 0, 0
        if paging.size_param is not None:
            # Sent on the first request of every style; page, offset and cursor requests keep
            # it, next-page links carry their own.
            query[paging.size_param] = str(paging.page_size)
        cursors: set[str] = set()
        links: set[str] = set()
        previous: list[Any] | None = None
        for _ in range(MAX_PAGES):
            if paging.style == "page":
                query[paging.page_param] = str(number)
            elif paging.style == "offset":
                query[paging.offset_param] = str(offset)
            page: Page = await self._fetch(path, query)
            records = page.records
            if records:
                yield records
            seen += len(records)
            if paging.style in {"page", "offset"}:
                total = pointer.resolve(page.body, self._total) if self._total else None
                if isinstance(total, int) and not isinstance(total, bool):
                    # The total says when the listing ends: an application may answer fewer
                    # records than asked (a page size above its largest, lowered), so a short
                    # page is not the last one here.
                    if not records or seen >= total:
                        return
                elif len(records) < paging.page_size:
                    return
                if records == previous:
                    raise UnavailableError(
                        f"the application answered the same page twice; it ignores "
                        f"{paging.page_param if paging.style == 'page' else paging.offset_param}",
                        retry_after=300,
                    )
                previous = records
                number += 1
                offset += len(records)
                continue
            if paging.style == "cursor":
                assert paging.next_cursor is not None
                cursor = pointer.resolve(page.body, pointer.parse(paging.next_cursor))
                if cursor in (None, "") or not records:
                    return
                text = str(cursor)
                if text in cursors:
                    raise UnavailableError(
                        "the application handed out the same cursor twice; its paging loops",
                        retry_after=300,
                    )
                cursors.add(text)
                query[paging.cursor_param] = text
                continue
            if paging.style == "next-url":
                assert paging.next_url is not None
                url = pointer.resolve(page.body, pointer.parse(paging.next_url))
            elif paging.style == "link-header":
                url = next_link(page.headers.get_list("link"))
            else:
                return
            if not isinstance(url, str) or not url or not records:
                return
            # The link's query replaces the first request's: it is sent as the link has it.
            path, query = relative(url, self._base_url, path), {}
            if path in links:
                raise UnavailableError(
                    "the application handed out the same next-page link twice; its paging loops",
                    retry_after=300,
                )
            links.add(path)
        raise UnavailableError(f"the listing did not end after {MAX_PAGES} pages", retry_after=300)
