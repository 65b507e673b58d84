"""SCIM `reference` values (RFC 7643 §2.3.7): what a profile or photo URL must look like.

`/Schemas` advertises `profileUrl` (and `photos.value`) as references to external resources;
the RFC calls both a URL, so a stored value must be an absolute URI (RFC 3986 §3). Anything else
is refused on every write path, core or ECMA2Host alike, since both write the same attribute and
every read returns it as the core reference.
"""

from __future__ import annotations

import re
import string

from .definitions import CORE_USER

# (schema, attribute, sub-attribute) of the User attributes RFC 7643 types as `reference`
# that a mapping may store (`groups.$ref` and `manager.$ref` are never stored).
REFERENCES = frozenset({(CORE_USER, "profileUrl", None), (CORE_USER, "photos", "value")})

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*$")
_PORT = re.compile(r"^[0-9]*$")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# RFC 3986 §2: unreserved, reserved and the percent sign of an escape; nothing else.
_URI_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")


def is_reference(schema: str, attr: str, sub: str | None) -> bool:
    return (schema, attr, sub) in REFERENCES


def is_absolute_uri(value: str) -> bool:
    """An RFC 3986 URI with a scheme, e.g. https://example.com/users/ada or mailto:ada@x.test."""
    scheme, colon, rest = value.partition(":")
    if not colon or not rest or not _SCHEME.match(scheme):
        return False
    if any(c not in _URI_CHARACTERS for c in rest) or _BAD_ESCAPE.search(rest):
        return False
    if rest.count("#") > 1:
        return False
    if not rest.startswith("//"):
        return "[" not in rest and "]" not in rest  # brackets only enclose an IPv6 host
    authority, path = _split_authority(rest[2:])
    return _valid_authority(authority) and "[" not in path and "]" not in path


def _split_authority(text: str) -> tuple[str, str]:
    end = min((i for i in (text.find(c) for c in "/?#") if i >= 0), default=len(text))
    return text[:end], text[end:]


def _valid_authority(authority: str) -> bool:
    host_port = authority.rpartition("@")[2]
    if host_port.startswith("["):
        host, bracket, port = host_port[1:].partition("]")
        if not bracket or not host or (port and not port.startswith(":")):
            return False
        return _PORT.match(port[1:]) is not None
    if "[" in host_port or "]" in host_port:
        return False
    host, _, port = host_port.partition(":")
    return bool(host) and _PORT.match(port) is not None
