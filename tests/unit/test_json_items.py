"""connector/targets/json_items.py: a JSON array decoded item by item is the array decoded whole."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.targets.json_items import array_items

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=12,
)


def _decoded(body: bytes) -> Any:
    found = array_items(body)
    return None if found is None else list(found)


@given(
    value=JSON, indent=st.sampled_from([None, 0, 2]), encoding=st.sampled_from(["utf-8", "utf-16"])
)
def test_items_are_those_of_the_whole_decoding(
    value: Any, indent: int | None, encoding: str
) -> None:
    body = json.dumps(value, indent=indent, ensure_ascii=False).encode(encoding, "surrogatepass")
    assert _decoded(body) == (value if isinstance(value, list) else None)


@pytest.mark.parametrize(
    "body",
    [b"", b"[", b"[1,]", b"[1 2]", b"[1] x", b'[{"id": 1}', b"{", b"\xff\xfe\x00", b"[1]]"],
)
def test_what_is_not_json_fails_as_json_loads_does(body: bytes) -> None:
    try:
        json.loads(body)
    except ValueError as error:
        expected = type(error)
    else:
        pytest.fail(f"{body!r} decodes")
    with pytest.raises(expected):
        _decoded(body)


def test_whitespace_around_and_between_items() -> None:
    assert _decoded(b' \n[ 1 ,\t{"a": [ ]} ,"x" ] \r\n') == [1, {"a": []}, "x"]
    assert _decoded(b"[ ]") == []
    assert _decoded(b'{"errorCode": "E0000007"}') is None
