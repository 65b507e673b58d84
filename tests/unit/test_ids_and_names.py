"""connector/scim/ids.py and connector/names.py: what an id may be, and names in any case."""

from __future__ import annotations

from typing import Any

import pytest

from connector.names import folded, key_of, value_of
from connector.scim.ids import MAX_ID_LENGTH, valid_id


@pytest.mark.parametrize(
    "value",
    ["00u1abcdefghijklmnop", "ada@example.com", "Ünïcødé", "a b", "x" * MAX_ID_LENGTH, "a\x80"],
)
def test_ids_that_are_accepted(value: str) -> None:
    assert valid_id(value)


@pytest.mark.parametrize(
    "value",
    ["", "x" * (MAX_ID_LENGTH + 1), ".", "..", " a", "a ", "a\u2028", "a\x00b", "\x1f", "a\x7f"],
)
def test_ids_that_are_refused(value: str) -> None:
    assert not valid_id(value)


def test_a_name_is_found_in_any_case_first_spelling_first() -> None:
    mapping: dict[Any, Any] = {1: "not a name", "Value": "first", "value": "second"}
    assert key_of(mapping, "VALUE") == "Value"
    assert value_of(mapping, "value") == "first"
    assert key_of(mapping, "path") is None
    assert value_of(mapping, "path") is None


def test_an_object_folded_by_name_keeps_each_names_first_spelling() -> None:
    mapping: dict[Any, Any] = {"Op": "Replace", "op": "add", 2: "not a name", "PATH": "title"}
    assert folded(mapping) == {"op": "Replace", "path": "title"}
    assert folded(mapping)["op"] == value_of(mapping, "op")
