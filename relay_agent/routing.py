"""Where a relayed request may go: the one configured local origin, nowhere else.

The relayed request-target's path is appended to the configured base path; the host always comes
from configuration. Anything that could steer the request elsewhere is refused before forwarding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, unquote, unquote_to_bytes

import httpx

# Hop-by-hop headers (RFC 9110 section 7.6.1), plus the framing headers httpx sets itself.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "host",
    }
)
# Headers that many frameworks and proxies honour to rewrite the host or the URL.
_HOST_OVERRIDES = frozenset(
    {"x-forwarded-host", "x-original-host", "x-original-url", "x-rewrite-url", "forwarded"}
)
# Characters left as they are in a path: the RFC 3986 pchar set plus '/' and existing escapes.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
# RFC 9110 section 5.6.2: methods and header names are tokens.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# A header value the agent can send as it is: visible ASCII, spaces and tabs, no line break.
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e]*")


class RejectedError(Exception):
    """The request is refused without being forwarded."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def local_url(base: httpx.URL, hybrid_connection: str, request_target: str) -> httpx.URL:
    """The local URL for a relayed request-target such as `/{hc}/Users?filter=…`."""
    if not request_target.startswith("/"):
        # absolute-form (http://other/…), authority-form or asterisk-form
        raise RejectedError(400, "Only origin-form request targets are accepted")
    if any(c in request_target for c in "\\#") or any(
        ord(c) < 0x21 or ord(c) == 0x7F for c in request_target
    ):
        raise RejectedError(400, "Invalid characters in the request target")
    path, _, query = request_target.partition("?")
    prefix = "/" + hybrid_connection
    if path == prefix or path.startswith(prefix + "/"):
        path = path[len(prefix) :]
    decoded = unquote(path)
    if "\\" in decoded or any(s in {".", ".."} for s in decoded.split("/")):
        raise RejectedError(400, "Dot segments are not accepted in the path")
    try:
        full_path = base.path.rstrip("/") + quote(path, safe=_PATH_SAFE)
        if unquote(full_path).startswith("//"):
            # Below a base URL without a path, `//host/x` would be the request-target: a
            # network-path reference that servers, frameworks and redirects read as another host.
            raise RejectedError(400, "The path must not begin with //")
        target = (full_path or "/") + (f"?{q}" if (q := _query(query)) else "")
    except UnicodeEncodeError:
        # A lone surrogate: no UTF-8 for it, so no URL.
        raise RejectedError(400, "Invalid characters in the request target") from None
    return base.copy_with(raw_path=target.encode("ascii"))


def request_method(method: str) -> str:
    """The method as it is, when HTTP can carry it (a token); RejectedError otherwise."""
    if not _TOKEN.fullmatch(method):
        raise RejectedError(400, "Invalid request method")
    return method


def _query(query: str) -> str:
    """Re-encode a query the relay re-serialized with form rules (`+` is a space)."""
    parts = []
    for item in query.split("&"):
        if item:
            name, eq, value = item.partition("=")
            encoded = _form_requote(name)
            parts.append(encoded + (eq + _form_requote(value) if eq else ""))
    return "&".join(parts)


def _form_requote(text: str) -> str:
    # Bytes, not text: an escape that is not UTF-8 (%FF) must not turn into U+FFFD (%EF%BF%BD).
    return quote(unquote_to_bytes(text.replace("+", " ")), safe="")


def request_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers for the local app; raises RejectedError for a host or URL override attempt (403)
    and for a header HTTP/1.1 cannot carry as it is (400: a name that is not a token, a value
    with a line break, a control character or a non-ASCII character)."""
    for name in headers:
        if not _TOKEN.fullmatch(name):
            raise RejectedError(400, "Invalid header name")
        if name.lower() in _HOST_OVERRIDES:
            raise RejectedError(403, f"The {name} header is not accepted")
    for name, value in headers.items():
        if not _FIELD_VALUE.fullmatch(value):
            raise RejectedError(400, f"The {name} header's value is not printable ASCII")
    return _end_to_end(headers.items())


def response_headers(headers: httpx.Headers) -> dict[str, str]:
    """Headers for the relayed response: one string per name, as the relay's JSON needs."""
    # .raw keeps the application's header-name casing; multi_items() would lower-case it.
    return _end_to_end((k.decode("latin-1"), v.decode("latin-1")) for k, v in headers.raw)


def _end_to_end(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    pairs = list(items)
    # A Connection header can name further hop-by-hop headers.
    named = {
        token.strip().lower()
        for name, value in pairs
        if name.lower() == "connection"
        for token in value.split(",")
    }
    kept: dict[str, str] = {}
    for name, value in pairs:
        lower = name.lower()
        if lower in _HOP_BY_HOP or lower in named:
            continue
        existing = next((k for k in kept if k.lower() == lower), None)
        if existing is None:
            kept[name] = value
        else:
            kept[existing] += ", " + value
    return kept
