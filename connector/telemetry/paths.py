"""Paths of target calls as templates: the route stays, the values (ids, logins) do not.

A segment is kept only when it reads like a route word (`api`, `v1`, `users`, `lifecycle`,
`deactivate`); anything else, such as `00u1abcd`, `alice%40example.com` or `42`, becomes `{}`.
A target that puts a plain-word value in a path (say `/employees/jdoe`) passes its own template
function to `ApiClient`, as Okta does for `/api/v1/users/{id or login}`.
"""

from __future__ import annotations

import functools
import re

_ROUTE_WORD = re.compile(r"^(?:[a-z][a-z_-]{0,39}|v\d{1,2}(?:\.\d{1,2})?|\.search|\{\})$")


def template(path: str) -> str:
    """`path` without its query, every segment that is not a route word replaced by `{}`."""
    bare = path.split("?", 1)[0].split("#", 1)[0]
    # Most calls go to a few paths (a create, a search, Okta's `/api/v1/users/{}` once its id is
    # replaced): those are worked out once. A long one is not kept.
    return _template_of(bare) if len(bare) <= _CACHED_LENGTH else _segments(bare)


_CACHED_LENGTH = 200


@functools.lru_cache(maxsize=1024)
def _template_of(bare: str) -> str:
    return _segments(bare)


def _segments(bare: str) -> str:
    return "/".join(s if not s or _ROUTE_WORD.match(s) else "{}" for s in bare.split("/"))
