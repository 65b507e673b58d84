"""Renders a target-neutral query as an Okta `search` expression, every value escaped.

Values only ever appear inside a quoted string literal with `\\` and `"` escaped, so nothing a
SCIM client sends can add an operator, a parenthesis or an `or` to the expression.
"""

from __future__ import annotations

from ..errors import QueryNotSupportedError
from ..query import ActiveIs, AllOf, AnyOf, Condition, Everyone, IdIs, Query

STATUSES = (
    "STAGED",
    "PROVISIONED",
    "ACTIVE",
    "RECOVERY",
    "LOCKED_OUT",
    "PASSWORD_EXPIRED",
    "SUSPENDED",
    "DEPROVISIONED",
)
# Okta's search supports `co` only on these four profile attributes.
CONTAINS_ATTRIBUTES = {"firstName", "lastName", "email", "login"}
OPERATORS = {"eq", "sw", "co", "gt", "ge", "lt", "le", "pr"}


def literal(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _status_in(statuses: tuple[str, ...]) -> str:
    return "(" + " or ".join(f"status eq {literal(s)}" for s in statuses) + ")"


def render_search(query: Query, *, suspend: bool) -> str:
    if isinstance(query, Everyone):
        return _status_in(STATUSES)
    if isinstance(query, IdIs):
        return f"id eq {literal(query.value)}"
    if isinstance(query, ActiveIs):
        inactive = ("SUSPENDED", "DEPROVISIONED") if suspend else ("DEPROVISIONED",)
        chosen = tuple(s for s in STATUSES if (s not in inactive) == query.value)
        return _status_in(chosen)
    if isinstance(query, Condition):
        if query.op not in OPERATORS:
            raise QueryNotSupportedError(f"Okta search has no operator {query.op!r}")
        if query.op == "co" and query.attribute not in CONTAINS_ATTRIBUTES:
            raise QueryNotSupportedError(
                f"Okta searches `co` only on {sorted(CONTAINS_ATTRIBUTES)}, not {query.attribute}"
            )
        if query.op == "pr":
            return f"profile.{query.attribute} pr"
        return f"profile.{query.attribute} {query.op} {literal(query.value or '')}"
    if isinstance(query, AllOf):
        # The parts Okta can search narrow the candidates; the service applies the whole
        # filter to them, so leaving out a part Okta cannot express keeps the answer exact.
        parts: list[str] = []
        refused: list[QueryNotSupportedError] = []
        for term in query.terms:
            try:
                parts.append(render_search(term, suspend=suspend))
            except QueryNotSupportedError as error:
                refused.append(error)
        if not parts:
            raise refused[0]
        return "(" + " and ".join(parts) + ")"
    if isinstance(query, AnyOf):
        return "(" + " or ".join(render_search(t, suspend=suspend) for t in query.terms) + ")"
    raise QueryNotSupportedError(f"unsupported query {query!r}")
