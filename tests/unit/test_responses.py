"""connector/http/responses.py: an answer's body is `answer_bytes`' (orjson's), however it is
built; where orjson cannot encode a value whole (`json` then does), the same JSON value."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector import turns
from connector.http.responses import (
    LIST_SLICE,
    SCIM_MEDIA_TYPE,
    encoded,
    encoded_sharing,
    scim_response,
    scim_response_sharing,
    user_response,
)
from connector.json_codec import answer_bytes

from .loop_turns import turns_left

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=4)
    | st.just("\ud800")
)
KEYS = st.text(max_size=3) | st.integers(0, 3)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=7) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=40,
)


def _outcome(encode: Any) -> Any:
    try:
        return encode()
    except (TypeError, ValueError) as error:  # UnicodeEncodeError: a lone surrogate
        return type(error)


@settings(max_examples=300, deadline=None)
@given(value=JSON, slice_size=st.integers(1, 3))
def test_pieces_join_into_the_whole_encoding(value: Any, slice_size: int) -> None:
    whole = _outcome(lambda: answer_bytes(value))
    pieces = _outcome(lambda: encoded(value, slice_size))
    try:
        orjson.dumps(value)
    except orjson.JSONEncodeError:
        # Encoded by json where orjson cannot (a key that is not text, an integer past 64 bits):
        # the same value, a float perhaps written longer.
        if isinstance(whole, bytes):
            assert json.loads(pieces) == json.loads(whole)
        else:
            assert pieces == whole
    else:
        assert pieces == whole == orjson.dumps(value)


def test_nan_and_infinity_are_answered_as_null() -> None:
    # json would write NaN, which no JSON reader (Entra's included) accepts.
    value = {"a": [float("nan"), float("inf"), -float("inf")], "b": 1.5}
    assert encoded(value) == b'{"a":[null,null,null],"b":1.5}'


def test_a_long_member_list_in_a_list_response() -> None:
    group = {"id": "g", "members": [{"value": f"u{i}", "type": "User"} for i in range(1203)]}
    body = {"schemas": ["x"], "totalResults": 2, "Resources": [group, {"id": "h"}], "n": {1: 2}}
    assert encoded(body) == json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    answer = scim_response(200, body)
    assert answer.get_body() == encoded(body)
    assert json.loads(answer.get_body()) == json.loads(json.dumps(body))


async def test_a_large_answer_is_encoded_letting_other_requests_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    group = {"id": "g", "members": [{"value": f"u{i}", "type": "User"} for i in range(5000)]}
    monkeypatch.setattr(turns, "SLICE_SECONDS", 0.0)  # every piece is a slice's worth
    body, ran = await turns_left(lambda: encoded_sharing(group))
    assert body == orjson.dumps(group)
    assert ran >= 5000 // LIST_SLICE  # a turn at least between slices of the member list
    answer = await scim_response_sharing(200, group)
    assert answer.get_body() == body


def test_a_user_response_is_the_scim_response_of_the_same_user() -> None:
    user = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "00u1",
        "userName": "zoë@example.com",
        "emails": [{"value": "zoë@example.com", "type": "work"}],
        "meta": {"resourceType": "User"},
    }
    headers = {"Location": "https://x/api/scim/v2/Users/00u1"}
    mine, general = user_response(201, user, dict(headers)), scim_response(201, user, headers)
    assert mine.get_body() == general.get_body()
    assert (mine.status_code, mine.mimetype, mine.charset) == (201, SCIM_MEDIA_TYPE, "utf-8")
    assert dict(mine.headers) == dict(general.headers)
