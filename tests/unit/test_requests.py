"""connector/scim/requests.py: request bodies and paging parameters."""

from __future__ import annotations

import json

import pytest
from scim2_models import InvalidSyntaxException, InvalidValueException

from connector.scim.requests import (
    MAX_BODY_BYTES,
    MAX_PAGE_SIZE,
    Paging,
    PayloadTooLargeError,
    query_param,
    read_json,
    read_paging,
    read_resource,
)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, Paging(1, None)),
        ({"startIndex": "5", "count": "10"}, Paging(5, 10)),
        ({"STARTINDEX": " 3 ", "Count": "7"}, Paging(3, 7)),
        ({"startIndex": "0", "count": "-4"}, Paging(1, 0)),
        ({"startIndex": "-100"}, Paging(1, None)),
        ({"count": "100000"}, Paging(1, MAX_PAGE_SIZE)),
        ({"count": "0"}, Paging(1, 0)),
        ({"startIndex": "", "count": "  "}, Paging(1, None)),
        ({"aadOptscim062020": "", "count": "2"}, Paging(1, 2)),
    ],
)
def test_paging(params: dict[str, str], expected: Paging) -> None:
    assert read_paging(params) == expected


def test_a_page_ends_where_its_count_reaches() -> None:
    assert Paging(101, 100).end == 200
    assert Paging(1, None).end == MAX_PAGE_SIZE
    assert Paging(5, 0).end == 4


@pytest.mark.parametrize(
    "params", [{"startIndex": "one"}, {"count": "1.5"}, {"count": "0x10"}, {"count": "9" * 5000}]
)
def test_paging_needs_integers(params: dict[str, str]) -> None:
    with pytest.raises(InvalidValueException, match="must be an integer") as info:
        read_paging(params)
    assert len(info.value.detail or "") < 120


def test_query_param_ignores_case() -> None:
    assert query_param({"Filter": 'userName eq "a"'}, "filter") == 'userName eq "a"'
    assert query_param({"filter": "x"}, "attributes") is None


def test_read_json_and_resource() -> None:
    assert read_json(b' {"userName": "\xc3\xa5"} ') == {"userName": "å"}
    assert read_resource(b'{"a": [1]}') == {"a": [1]}
    with pytest.raises(InvalidSyntaxException, match="must be a JSON object"):
        read_resource(b"[1, 2]")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b'{"a": "\xff"}', "not UTF-8"),
        (b"{'a': 1}", "not JSON"),
        (b'{"a": ', "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nests too deeply"),
        (b"[" * 1000 + b"]" * 1000, "nests too deeply"),  # orjson reads it, json does not
        # Not JSON (RFC 8259 has no such values), and no target could be sent them: a client's
        # mistake, not a 500 when the target's request is encoded.
        (b'{"userName": "a", "x": NaN}', "NaN is not a JSON value"),
        (b'{"a": [Infinity]}', "Infinity is not a JSON value"),
        (b'{"a": -Infinity}', "-Infinity is not a JSON value"),
        (b'{"a": 1e400}', "1e400 is past the range of a number"),
    ],
)
def test_bad_bodies(body: bytes, message: str) -> None:
    with pytest.raises(InvalidSyntaxException, match=message) as info:
        read_json(body)
    assert info.value.status == 400


def test_body_size_limit() -> None:
    fitting = json.dumps({"a": "x" * (MAX_BODY_BYTES - 9)}).encode()
    assert len(fitting) == MAX_BODY_BYTES
    assert read_json(fitting) == {"a": "x" * (MAX_BODY_BYTES - 9)}
    with pytest.raises(PayloadTooLargeError) as info:
        read_json(fitting + b" ")
    assert info.value.status == 413


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        (rb'{"a": "\ud800"}', True),  # half a surrogate pair, escaped
        (rb'{"\udfff": 1}', True),  # in a name too
        (rb'{"a": ["x", {"b": "\uD83D"}]}', True),  # however deep, in any case
        (rb'{"a": "\\ud800"}', False),  # an escaped backslash, then text: no escape at all
        (rb'{"a": "\ud83d\ude00"}', False),  # a whole pair
        ('{"a": "é😀"}'.encode(), False),
    ],
)
def test_only_text_is_read(body: bytes, refused: bool) -> None:
    if refused:
        with pytest.raises(InvalidSyntaxException, match="lone surrogate"):
            read_json(body)
    else:
        assert isinstance(read_json(body), dict)
