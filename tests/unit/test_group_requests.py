"""connector/scim/groups.py and connector/mapping/groups.py: what a Group request asks, in every
shape Entra sends, and how a /Groups filter is answered."""

from __future__ import annotations

from typing import Any

import pytest
from scim2_models import (
    InvalidFilterException,
    InvalidPathException,
    InvalidSyntaxException,
    InvalidValueException,
    MutabilityException,
    NoTargetException,
    ScimFilter,
)

from connector.mapping.groups import group_matches, plan_groups, render_group
from connector.mapping.writes import Operation
from connector.scim.groups import Members, compile_group_patch, read_group
from connector.scim.patch import parse_patch
from connector.targets.model import TargetGroup
from connector.targets.query import Condition, Everyone

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def ops(*operations: dict[str, Any]) -> list[Operation]:
    return parse_patch({"schemas": [PATCH], "Operations": list(operations)})


def members(*ids: str) -> list[dict[str, Any]]:
    return [{"value": i} for i in ids]


# -- bodies ----------------------------------------------------------------------------------


def test_an_entra_create_body() -> None:
    write = read_group(
        {
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:Group",
                "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
            ],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "Sales",
            "meta": {"resourceType": "Group"},
            "members": [],
        }
    )
    assert (write.name, write.external_id, write.names_external_id) == (
        "Sales",
        "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        True,
    )
    assert write.members.exactly == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"externalId": "x"}, InvalidValueException),  # no displayName
        ({"displayName": ""}, InvalidValueException),
        # A body has no path: an attribute Groups lack is invalidSyntax (RFC 7644 §3.12).
        ({"displayName": "A", "owner": "x"}, InvalidSyntaxException),
        (
            {"displayName": "A", "members": [{"value": "g1", "type": "Group"}]},
            InvalidValueException,
        ),
        ({"displayName": "A", "members": [{"id": "u1"}]}, InvalidValueException),
        ({"displayName": "A", "members": [{"value": ".."}]}, InvalidValueException),
        ({"displayName": "A", "members": ["u1"]}, InvalidValueException),
    ],
)
def test_bodies_that_cannot_be_a_group(body: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        read_group(body)


# -- PATCH in both dialects --------------------------------------------------------------------


@pytest.mark.parametrize("op", ["Add", "add", "ADD"])
def test_adding_many_members_in_one_operation(op: str) -> None:
    write = compile_group_patch(ops({"op": op, "path": "members", "value": members("u1", "u2")}))
    assert list(write.members.add) == ["u1", "u2"]
    assert write.members.exactly is None


def test_removing_with_a_value_list_and_with_the_flag_path() -> None:
    default = ops({"op": "Remove", "path": "members", "value": [{"value": "u1", "$ref": None}]})
    flagged = ops({"op": "remove", "path": 'members[value eq "u1"]'})
    several = ops({"op": "remove", "path": 'members[value eq "u1" or value eq "u2"]'})
    assert list(compile_group_patch(default).members.remove) == ["u1"]
    assert list(compile_group_patch(flagged).members.remove) == ["u1"]
    assert list(compile_group_patch(several).members.remove) == ["u1", "u2"]


def test_removing_all_members_and_replacing_them() -> None:
    assert compile_group_patch(ops({"op": "remove", "path": "members"})).members.exactly == []
    replaced = compile_group_patch(
        ops({"op": "replace", "path": "members", "value": members("u3")})
    )
    assert replaced.members.exactly == ["u3"]


def test_operations_apply_in_order() -> None:
    write = compile_group_patch(
        ops(
            {"op": "add", "path": "members", "value": members("u1", "u2")},
            {"op": "remove", "path": 'members[value eq "u1"]'},
            {"op": "add", "path": "members", "value": members("u3")},
        )
    )
    assert list(write.members.add) == ["u2", "u3"]
    assert list(write.members.remove) == ["u1"]


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "Replace", "path": "displayName", "value": "New"},
        {"op": "replace", "value": {"displayName": "New"}},
        {"op": "add", "value": {"displayName": "New", "schemas": ["x"]}},
    ],
)
def test_rename_by_path_and_pathless(operation: dict[str, Any]) -> None:
    write = compile_group_patch(ops(operation))
    assert write.name == "New"
    assert write.members.empty


def test_external_id_replaced_added_and_removed() -> None:
    for operation in (
        {"op": "replace", "path": "externalId", "value": "e2"},
        {"op": "Add", "path": "externalId", "value": "e2"},
        {"op": "replace", "value": {"externalId": "e2"}},
    ):
        write = compile_group_patch(ops(operation))
        assert (write.names_external_id, write.external_id) == (True, "e2")
    removed = compile_group_patch(ops({"op": "remove", "path": "externalId"}))
    assert (removed.names_external_id, removed.external_id) == (True, None)


@pytest.mark.parametrize(
    ("operation", "error"),
    [
        ({"op": "remove", "path": "displayName"}, MutabilityException),
        ({"op": "replace", "path": "id", "value": "x"}, MutabilityException),
        ({"op": "add", "path": "owner", "value": "x"}, InvalidPathException),
        ({"op": "add", "path": 'members[value eq "u1"]', "value": "x"}, InvalidPathException),
        ({"op": "remove", "path": 'members[display eq "x"]'}, InvalidPathException),
        (
            {"op": "remove", "path": 'members[value eq "u1" and value eq "u2"]'},
            InvalidPathException,
        ),
        # RFC 7644 §3.5.2.2: a remove without a path is noTarget.
        ({"op": "remove", "value": {"displayName": "x"}}, NoTargetException),
        ({"op": "Remove"}, NoTargetException),
        ({"op": "add", "path": "members", "value": [{"nope": "x"}]}, InvalidValueException),
    ],
)
def test_operations_a_group_cannot_take(operation: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        compile_group_patch(ops(operation))


def test_a_member_filter_on_something_that_is_no_user_id() -> None:
    with pytest.raises(InvalidValueException, match="is not a user id"):
        compile_group_patch(ops({"op": "remove", "path": 'members[value eq ""]'}))


def test_outcome_against_the_current_members() -> None:
    plan = Members()
    plan.set_to(["u1", "u2"])
    plan.adding(["u4"])
    plan.removing(["u2"])
    assert plan.outcome({"u2", "u3"}) == (["u1", "u4"], ["u2", "u3"])
    incremental = Members()
    incremental.adding(["u1", "u2"])
    incremental.removing(["u9"])
    assert incremental.outcome({"u1", "u9"}) == (["u2"], ["u9"])


# -- filters ----------------------------------------------------------------------------------


def _plan(text: str, external_id: bool = True) -> Any:
    return plan_groups(ScimFilter(text).ast, external_id)


def test_the_filters_entra_sends() -> None:
    assert _plan('displayName eq "Sales"').by_name == "Sales"
    assert _plan('externalId eq "e1"').query == Condition("externalId", "eq", "e1")
    assert _plan('id eq "g1"').by_id == "g1"
    for text in ('id eq "g1" and members eq "u1"', 'members eq "u1" and id eq "g1"'):
        check = _plan(text)
        assert (check.by_id, check.member) == ("g1", "u1")
    assert plan_groups(None, True).query == Everyone()


@pytest.mark.parametrize(
    "text",
    [
        'displayName co "Sa"',
        'displayName eq "a" or displayName eq "b"',
        'members eq "u1"',
        'owner eq "x"',
        'displayName eq "a" and displayName eq "b"',
    ],
)
def test_filters_groups_do_not_answer(text: str) -> None:
    with pytest.raises(InvalidFilterException):
        _plan(text)


def test_external_id_filters_need_a_place_for_it() -> None:
    with pytest.raises(InvalidFilterException, match="displayName"):
        _plan('externalId eq "e1"', external_id=False)


def test_matching_and_rendering() -> None:
    group = TargetGroup("g1", "Sales", "e1", True, "group", "2026-01-01", None)
    rendered = render_group(group, None)
    assert "members" not in rendered
    assert rendered["meta"] == {"resourceType": "Group", "created": "2026-01-01"}
    assert render_group(group, ["u1"])["members"] == [{"value": "u1", "type": "User"}]
    assert group_matches(_plan('displayName eq "SALES"'), rendered)
    assert not group_matches(_plan('externalId eq "E1"'), rendered)  # externalId is caseExact
    assert group_matches(_plan('id eq "g1" and members eq "u9"'), rendered)  # members: target's
