"""Reads what a Group request asks (RFC 7643 §4.2, RFC 7644 §3.5.2), in every shape Entra sends:
a name, an externalId, and membership changes in order.

Memberships are collected as an ordered plan (add these, remove those, or set exactly these)
so that the service can apply them with idempotent calls: adding a member that is there and
removing one that is not are successes, which makes a resent PATCH safe.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scim2_models import (
    InvalidPathException,
    InvalidSyntaxException,
    InvalidValueException,
    MutabilityException,
    NoTargetException,
)
from scim2_models import Path as ScimPath
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    ValuePath,
)

from ..mapping.groups import GROUP_SCHEMA
from ..mapping.writes import ADD, REMOVE, Operation
from ..names import key_of
from .ids import valid_id

_READ_ONLY = {"id", "meta", "schemas"}
_MEMBER_KEYS = {"value", "$ref", "type", "display"}


@dataclass
class Members:
    """Membership changes, in the order they were asked for."""

    # The whole member list, when the request sets it (PUT, replace, remove without a filter).
    exactly: list[str] | None = None
    add: dict[str, None] = field(default_factory=dict)
    remove: dict[str, None] = field(default_factory=dict)

    def set_to(self, ids: Iterable[str]) -> None:
        self.exactly = list(dict.fromkeys(ids))
        self.add.clear()
        self.remove.clear()

    def adding(self, ids: Iterable[str]) -> None:
        for user_id in ids:
            self.remove.pop(user_id, None)
            self.add[user_id] = None

    def removing(self, ids: Iterable[str]) -> None:
        for user_id in ids:
            self.add.pop(user_id, None)
            self.remove[user_id] = None

    @property
    def empty(self) -> bool:
        return self.exactly is None and not self.add and not self.remove

    def outcome(self, current: set[str]) -> tuple[list[str], list[str]]:
        """(to add, to remove) against the current members."""
        final = set(self.exactly) if self.exactly is not None else set(current)
        final = (final | set(self.add)) - set(self.remove)
        ordered = [*(self.exactly or []), *self.add]
        to_add = [u for u in dict.fromkeys(ordered) if u in final and u not in current]
        return to_add, sorted(current - final)


@dataclass
class GroupWrite:
    """What a POST, PUT or PATCH asks of one group. `name`/`external_id` are only set when the
    request names them (`external_id` None then means clear)."""

    name: str | None = None
    names_external_id: bool = False
    external_id: str | None = None
    members: Members = field(default_factory=Members)


def read_group(body: Mapping[str, Any]) -> GroupWrite:
    """A POST or PUT body: the whole group."""
    write = GroupWrite()
    members: list[str] = []
    for key, value in body.items():
        name = key.lower() if isinstance(key, str) else ""
        if name in _READ_ONLY:
            continue
        if name == "displayname":
            write.name = _name(value)
        elif name == "externalid":
            write.names_external_id = True
            write.external_id = _external_id(value)
        elif name == "members":
            members = _member_ids(value)
        else:
            # A body has no path: an attribute the schema lacks is invalidSyntax (RFC 7644 §3.12).
            raise InvalidSyntaxException(detail=f"Groups have no attribute {key!r}")
    if write.name is None:
        raise InvalidValueException(detail="displayName is required")
    write.members.set_to(members)
    return write


def compile_group_patch(operations: Iterable[Operation]) -> GroupWrite:
    write = GroupWrite()
    for operation in operations:
        if not operation.path:
            _pathless(write, operation)
            continue
        try:
            node = ScimPath(operation.path).ast
        except Exception as exc:
            raise InvalidPathException(detail=f"invalid path {operation.path!r}") from exc
        if isinstance(node, ValuePath):
            _member_filter(write, operation, node)
        elif isinstance(node, AttrPath) and node.sub_attr is None and _core(node.uri):
            _attribute(write, operation.op, node.attr, operation.value)
        else:
            raise InvalidPathException(detail=f"Groups have no attribute {operation.path!r}")
    return write


def _pathless(write: GroupWrite, operation: Operation) -> None:
    if operation.op == REMOVE:
        # RFC 7644 §3.5.2.2: a remove with no path is noTarget.
        raise NoTargetException(detail="a remove operation needs a path")
    if not isinstance(operation.value, dict):
        raise InvalidValueException(detail="an operation without a path needs an object value")
    for key, value in operation.value.items():
        if isinstance(key, str) and key.lower() in _READ_ONLY:
            continue
        _attribute(write, operation.op, str(key), value)


def _attribute(write: GroupWrite, op: str, attribute: str, value: Any) -> None:
    name = attribute.lower()
    if name == "displayname":
        if op == REMOVE:
            raise MutabilityException(detail="displayName is required and cannot be removed")
        write.name = _name(value)
    elif name == "externalid":
        write.names_external_id = True
        write.external_id = None if op == REMOVE else _external_id(value)
    elif name == "members":
        if op == REMOVE and value is None:
            write.members.set_to([])  # Microsoft's "remove all members"
        elif op == REMOVE:
            write.members.removing(_member_ids(value))
        elif op == ADD:
            write.members.adding(_member_ids(value))
        else:
            write.members.set_to(_member_ids(value))
    elif name in _READ_ONLY:
        raise MutabilityException(detail=f"{attribute} is read-only")
    else:
        raise InvalidPathException(detail=f"Groups have no attribute {attribute!r}")


def _member_filter(write: GroupWrite, operation: Operation, node: ValuePath) -> None:
    """`members[value eq "id"]` (Entra's removal with aadOptscim062020); `or` of several."""
    if node.attr_path.attr.lower() != "members" or not _core(node.attr_path.uri):
        raise InvalidPathException(detail=f"{node} does not select group members")
    if node.sub_attr is not None or operation.op != REMOVE:
        raise InvalidPathException(
            detail=f"{node}: only remove is supported on a member filter; add members with "
            '{"op": "add", "path": "members", "value": [{"value": "<id>"}]}'
        )
    write.members.removing(_filtered_ids(node.val_filter))


def _filtered_ids(condition: FilterNode) -> list[str]:
    if isinstance(condition, LogicalExpr) and condition.op == LogicalOperator.or_:
        return [i for term in condition.terms for i in _filtered_ids(term)]
    if (
        isinstance(condition, Comparison)
        and condition.op == CompareOperator.eq
        and condition.attr_path.attr.lower() == "value"
        and isinstance(condition.value, str)
    ):
        return [_id(condition.value)]
    raise InvalidPathException(detail='a member filter is value eq "<id>" (or several with or)')


def _core(uri: str | None) -> bool:
    return uri is None or uri.lower() == GROUP_SCHEMA.lower()


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueException(detail="displayName must be a non-empty string")
    return value


def _external_id(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidValueException(detail="externalId must be a string")
    return value


def _member_ids(value: Any) -> list[str]:
    if value is None:
        return []
    elements = value if isinstance(value, list) else [value]
    ids = []
    for element in elements:
        if not isinstance(element, dict):
            raise InvalidValueException(detail='members are objects: [{"value": "<user id>"}]')
        for key in element:
            if not isinstance(key, str) or key.lower() not in _MEMBER_KEYS:
                raise InvalidValueException(detail=f"a member has no attribute {key!r}")
        kind = element.get(key_of(element, "type") or "type")
        if isinstance(kind, str) and kind.lower() == "group":
            raise InvalidValueException(
                detail="nested groups are not provisioned: members must be users"
            )
        member = element.get(key_of(element, "value") or "value")
        if not isinstance(member, str):
            raise InvalidValueException(detail='each member needs its user id as "value"')
        ids.append(_id(member))
    return ids


def _id(value: str) -> str:
    if not valid_id(value):
        raise InvalidValueException(detail=f"{value[:80]!r} is not a user id")
    return value
