"""The URL of each call to a target, parsed as httpx parses it, without parsing the target's
base URL again on every call.

httpx checks every character of a URL in Python: ~20 us a call, 8-10 % of the work of a SCIM
request, most of it spent on the base URL, which never changes. A call's URL is nearly always
that base plus a path and query built from percent-encoded values, which httpx keeps exactly
as written; for those the base's parse is reused and only the rest is checked, by one regular
expression. Anything else is parsed by httpx itself.
"""

from __future__ import annotations

import re

import httpx
from httpx import _urlparse

# What httpx's parser leaves as it is: unreserved and sub-delimiter characters, ":", "@", "/"
# and complete %XX escapes in the path; the same and "?" in the query. Nothing non-printable,
# nothing non-ASCII, no "#". (httpx 0.28 `_urlparse`: PATH_SAFE and QUERY_SAFE allow more.)
_KEPT_AS_WRITTEN = re.compile(
    r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*"
    r"(?:\?(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?"
)
# httpx refuses a longer URL; such a text is left to httpx, to be refused the same way.
_MAX_URL_LENGTH = 65536
# A scheme and an authority, as httpx's parser splits them off.
_ORIGIN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")


class CallUrls:
    """Parses the URLs of calls under one base URL: `parse(text)` is `httpx.URL(text)`."""

    def __init__(self, base_url: str) -> None:
        self._base_text = base_url
        self._parts: _urlparse.ParseResult | None = None
        try:
            parts = httpx.URL(base_url)._uri_reference
        except httpx.InvalidURL:
            # Not an error here: `parse` leaves each call's URL to httpx, which refuses it as
            # the call is made. Raised here, it would escape the start's configuration checks
            # (it is no ValueError) and fail every request, the health check and unauthorized
            # ones included.
            return
        written = _ORIGIN.match(base_url)
        # Reusable only where the base is read as written: its path kept as it is and nothing
        # after it. The base plus a rest kept as written then parses into the base's parts with
        # that rest after its path.
        reusable = (
            written is not None
            and base_url[written.end() :] == parts.path
            and parts.query is None
            and parts.fragment is None
            and not _has_dot_segment(parts.path)
        )
        self._parts = parts if reusable else None

    def parse(self, text: str) -> httpx.URL:
        parts, base = self._parts, self._base_text
        if (
            parts is None
            or len(text) > _MAX_URL_LENGTH
            or not text.startswith(base)
            or not text.startswith("/", len(base))
        ):
            return httpx.URL(text)
        path, separator, query = text[len(base) :].partition("?")
        if _KEPT_AS_WRITTEN.fullmatch(text, len(base)) is None or _has_dot_segment(path):
            return httpx.URL(text)
        # httpx 0.28 keeps a URL's parsed parts in `_uri_reference`: a URL is made from them as
        # httpx's own `URL(url)` copies them. tests/unit/test_call_urls.py compares each
        # kind of text with httpx's parse, so a change there fails a test, not a call.
        url = httpx.URL.__new__(httpx.URL)
        url._uri_reference = parts._replace(
            path=parts.path + path, query=query if separator else None
        )
        return url


def _has_dot_segment(path: str) -> bool:
    """Whether httpx would drop `.` or `..` segments from `path` (RFC 3986 §5.2.4)."""
    if "." not in path:
        return False
    return any(segment in (".", "..") for segment in path.split("/"))
