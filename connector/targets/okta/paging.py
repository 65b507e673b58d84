"""Okta's cursor paging: the `rel="next"` line of the `Link` headers, followed on our own base URL.

Okta sends `self` and `next` as separate `Link` lines (some proxies fold them into one). The next
URL is absolute; only its path and query are kept, so the call goes to the client's base URL and
transport (the relay, for instance) with the client's credentials, never to a host a header names.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import httpx

from ...turns import Turns
from ..json_items import array_items
from .client import OktaClient

Kept = TypeVar("Kept")


async def pages(
    client: OktaClient,
    path: str,
    params: dict[str, str],
    keep: Callable[[dict[str, Any]], Kept | None],
) -> AsyncGenerator[list[Kept], None]:
    """Each page of a listing, as what `keep` makes of its objects (None: left out). Each object
    is decoded on its own and the loop let run between slices, and nothing of a page is kept past
    its turn: a listing of the whole org holds one page at a time. OktaApiError as sent."""
    turns = Turns()
    while True:
        response = await client.send("GET", path, params=params)
        following = next_page(response, client.base_url)
        items = array_items(response.content)
        del response
        page: list[Kept] = []
        for item in items or ():
            if isinstance(item, dict) and (kept := keep(item)) is not None:
                page.append(kept)
            await turns.share()
        del items
        item = kept = None  # the page's last object is not held past its page either
        yield page
        del page
        if following is None:
            return
        path, params = following


def next_link(lines: list[str]) -> str | None:
    """The `rel="next"` URL among Link header lines."""
    for line in lines:
        for part in line.split(","):
            url, _, params = part.partition(";")
            if 'rel="next"' in params.replace(" ", "") or "rel=next" in params.replace(" ", ""):
                return url.strip().strip("<>")
    return None


def next_page(response: httpx.Response, base_url: str) -> tuple[str, dict[str, str]] | None:
    """(path relative to `base_url`, query) of the next page, or None on the last page."""
    url = next_link(response.headers.get_list("link"))
    if url is None:
        return None
    parts = urlsplit(url)
    path = parts.path
    prefix = urlsplit(base_url).path.rstrip("/")
    if prefix and path.startswith(prefix + "/"):
        path = path[len(prefix) :]
    return path, dict(parse_qsl(parts.query))
