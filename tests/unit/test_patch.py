"""connector/scim/patch.py: reading PatchOp bodies in every shape Entra sends."""

from __future__ import annotations

from typing import Any

import pytest
from scim2_models import InvalidSyntaxException, InvalidValueException

from connector.mapping.writes import Operation
from connector.scim.patch import MAX_OPERATIONS, PATCH_SCHEMA, parse_patch


def _body(*operations: Any, **extra: Any) -> dict[str, Any]:
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations), **extra}


def test_op_case_and_member_names_are_case_insensitive() -> None:
    body = {
        "SCHEMAS": [PATCH_SCHEMA.replace("PatchOp", "patchop").upper()],  # URNs in any case
        "operations": [
            {"OP": "Replace", "Path": "active", "Value": "False"},
            {"op": "ADD", "path": "nickName", "value": "Babs"},
            {"op": "remove", "path": "title"},
        ],
    }
    assert parse_patch(body) == [
        Operation("replace", "active", "False"),
        Operation("add", "nickName", "Babs"),
        Operation("remove", "title", None),
    ]


def test_pathless_and_empty_path() -> None:
    value = {"displayName": "Bjfe", "name.givenName": "Kkom"}
    assert parse_patch(_body({"op": "replace", "value": value})) == [
        Operation("replace", None, value)
    ]
    assert parse_patch(_body({"op": "replace", "path": "", "value": value})) == [
        Operation("replace", None, value)
    ]


def test_remove_with_value_keeps_it() -> None:
    operation = {"op": "Remove", "path": "members", "value": [{"value": "u1"}]}
    assert parse_patch(_body(operation)) == [Operation("remove", "members", [{"value": "u1"}])]


@pytest.mark.parametrize(
    "body",
    [
        [],
        "x",
        {"Operations": [{"op": "add", "path": "a", "value": "b"}]},
        {"schemas": PATCH_SCHEMA, "Operations": [{"op": "add", "path": "a", "value": "b"}]},
        {"schemas": ["urn:other"], "Operations": [{"op": "add", "path": "a", "value": "b"}]},
        {"schemas": [PATCH_SCHEMA]},
        {"schemas": [PATCH_SCHEMA], "Operations": []},
        {"schemas": [PATCH_SCHEMA], "Operations": {"op": "add"}},
        _body("add"),
        _body({"op": "merge", "path": "a", "value": "b"}),
        _body({"path": "a", "value": "b"}),
        _body({"op": 1, "path": "a", "value": "b"}),
        _body({"op": "add", "path": 5, "value": "b"}),
    ],
)
def test_malformed_bodies_are_invalid_syntax(body: Any) -> None:
    with pytest.raises(InvalidSyntaxException) as info:
        parse_patch(body)
    assert info.value.scim_type == "invalidSyntax"


def test_error_names_the_operation_index() -> None:
    body = _body({"op": "add", "path": "a", "value": "b"}, {"op": "move", "path": "a"})
    with pytest.raises(InvalidSyntaxException, match=r"Operations\[1\]\.op"):
        parse_patch(body)


def test_pathless_add_needs_a_value() -> None:
    with pytest.raises(InvalidValueException, match="needs a value"):
        parse_patch(_body({"op": "Add"}))
    # With a path, a null value is a clear and is accepted.
    assert parse_patch(_body({"op": "add", "path": "title"})) == [Operation("add", "title", None)]


def test_operation_count_limit() -> None:
    operation = {"op": "replace", "path": "title", "value": "x"}
    assert len(parse_patch(_body(*[operation] * MAX_OPERATIONS))) == MAX_OPERATIONS
    with pytest.raises(InvalidValueException, match="at most"):
        parse_patch(_body(*[operation] * (MAX_OPERATIONS + 1)))
