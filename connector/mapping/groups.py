"""Groups between SCIM and the target: the SCIM view of a target group, and how a SCIM filter on
/Groups is answered (by id, by name, by externalId, by membership, or by a listing).

A group has a fixed mapping (Entra's default: displayName, externalId, members), so there is no
file for it: `displayName` is the target's group name, `externalId` wherever the target keeps it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scim2_models import InvalidFilterException
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
)

from ..targets.model import TargetGroup
from ..targets.query import Condition, Everyone, Query
from .render import resource_meta

GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def render_group(group: TargetGroup, members: Sequence[str] | None) -> dict[str, Any]:
    """`members` None: not read (excludedAttributes=members), so not shown at all."""
    resource: dict[str, Any] = {
        "schemas": [GROUP_SCHEMA],
        "id": group.id,
        "displayName": group.name,
    }
    if group.external_id:
        resource["externalId"] = group.external_id
    if members is not None:
        resource["members"] = [{"value": m, "type": "User"} for m in members]
    resource["meta"] = resource_meta("Group", group.created, group.last_modified)
    return resource


@dataclass(frozen=True)
class GroupPlan:
    """How to find the groups a filter selects; `filter` is then applied to each of them."""

    filter: FilterNode | None
    by_id: str | None = None
    by_name: str | None = None
    member: str | None = None  # with by_id: is this user a member?
    query: Query | None = None


def plan_groups(ast: FilterNode | None, external_id: bool) -> GroupPlan:
    if ast is None:
        return GroupPlan(None, query=Everyone())
    terms = _and_terms(ast)
    comparisons: dict[str, str] = {}
    for term in terms:
        name, value = _equality(term)
        if name in comparisons:
            raise InvalidFilterException(detail=f"{name} is compared twice")
        comparisons[name] = value
    member = comparisons.pop("members", None)
    if member is not None and "id" not in comparisons:
        raise InvalidFilterException(
            detail='a membership check names the group too: id eq "<group>" and members eq "<user>"'
        )
    if "id" in comparisons:
        return GroupPlan(ast, by_id=comparisons["id"], member=member)
    if "displayname" in comparisons:
        return GroupPlan(ast, by_name=comparisons["displayname"])
    if "externalid" in comparisons:
        if not external_id:
            raise InvalidFilterException(
                detail="this target does not keep a group's externalId; match groups on "
                "displayName in Entra"
            )
        return GroupPlan(ast, query=Condition("externalId", "eq", comparisons["externalid"]))
    raise InvalidFilterException(
        detail="Groups are filtered with eq on id, displayName, externalId"
    )


def _and_terms(ast: FilterNode) -> tuple[FilterNode, ...]:
    if isinstance(ast, LogicalExpr) and ast.op == LogicalOperator.and_:
        return tuple(t for term in ast.terms for t in _and_terms(term))
    return (ast,)


def _equality(term: FilterNode) -> tuple[str, str]:
    if not (
        isinstance(term, Comparison)
        and term.op == CompareOperator.eq
        and isinstance(term.value, str)
        and term.attr_path.uri in (None, GROUP_SCHEMA)
    ):
        raise InvalidFilterException(
            detail="Groups are filtered with eq (and `and`): displayName, externalId, id, members"
        )
    path: AttrPath = term.attr_path
    name = path.attr.lower()
    if name == "members" and path.sub_attr not in (None, "value"):
        raise InvalidFilterException(detail="members are compared by value")
    if name not in {"id", "displayname", "externalid", "members"} or (
        name != "members" and path.sub_attr is not None
    ):
        raise InvalidFilterException(detail=f"Groups cannot be filtered on {path}")
    return name, term.value


def group_matches(plan: GroupPlan, resource: dict[str, Any]) -> bool:
    """The plan's comparisons on a rendered group (members excepted: checked by the target)."""
    if plan.filter is None:
        return True
    for term in _and_terms(plan.filter):
        name, value = _equality(term)
        if name == "members":
            continue
        actual = {
            "id": resource.get("id"),
            "displayname": resource.get("displayName"),
            "externalid": resource.get("externalId"),
        }[name]
        if not isinstance(actual, str):
            return False
        # displayName compares ignoring case (RFC 7643: caseExact false); ids exactly.
        if name == "displayname" and actual.casefold() != value.casefold():
            return False
        if name != "displayname" and actual != value:
            return False
    return True
