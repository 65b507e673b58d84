"""Okta's cursor paging: the `rel="next"` line of the `Link` headers, followed on our own base URL.

Okta sends `self` and `next` as separate `Link` lines (some proxies fold them into one). The next
URL is absolute; only its path and query are kept, so the call goes to the client's base URL and
transport (the relay, for instance) with the client's credentials, never to a host a header names.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx


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
