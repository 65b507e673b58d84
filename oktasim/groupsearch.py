"""What groups' `filter` and `search` expressions may name (Okta's Groups API reference).

`filter`: `id`, `type` (eq) and `lastUpdated`, `lastMembershipUpdated` (eq and comparisons).
`search`: any profile attribute, `id`, `type`, `created`, `lastUpdated`, `lastMembershipUpdated`
and `source.id`, with `eq` and `sw`, `co` only on `profile.name` and `profile.description`, and
comparisons on dates.
"""

from __future__ import annotations

from typing import Any

from oktasim.errors import invalid_search
from oktasim.groups import Group
from oktasim.search import Mode, Rules

GROUP_DATES = frozenset({"created", "lastUpdated", "lastMembershipUpdated"})
_ORDERING = frozenset({"eq", "gt", "ge", "lt", "le"})
_FILTER_DATES = frozenset({"lastUpdated", "lastMembershipUpdated"})
_CONTAINS = frozenset({"profile.name", "profile.description"})


class GroupRules(Rules):
    def __init__(self, mode: Mode, profile_names: frozenset[str]) -> None:
        super().__init__(mode, GROUP_DATES)
        self.profile_names = profile_names

    def check(self, attribute: str, operator: str) -> None:
        if self.mode is Mode.FILTER:
            allowed = (attribute in ("id", "type") and operator == "eq") or (
                attribute in _FILTER_DATES and operator in _ORDERING
            )
        elif attribute in GROUP_DATES:
            allowed = operator in _ORDERING
        else:
            known = attribute in ("id", "type", "source.id") or (
                attribute.startswith("profile.") and attribute[8:] in self.profile_names
            )
            allowed = known and (
                operator in ("eq", "sw") or (operator == "co" and attribute in _CONTAINS)
            )
        if not allowed:
            raise invalid_search()

    def value_of(self, record: Any, attribute: str) -> Any:
        group: Group = record
        if attribute.startswith("profile."):
            return group.profile.get(attribute[8:])
        return {
            "id": group.id,
            "type": group.type,
            "source.id": group.source_id,
            "created": group.created,
            "lastUpdated": group.last_updated,
            "lastMembershipUpdated": group.last_membership_updated,
        }[attribute]

    def identity(self, record: Any) -> str:
        group: Group = record
        return group.id
