"""connector/http/responses.py: an answer's body is json.dumps' bytes, however it is built."""

from __future__ import annotations

import json
from typing import Any

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


@settings(max_examples=300, deadline=None)
@given(value=JSON, slice_size=st.integers(1, 3))
def test_pieces_join_into_the_whole_encoding(value: Any, slice_size: int) -> None:
    assert encoded(value, slice_size) == json.dumps(value, ensure_ascii=False)


def test_a_long_member_list_in_a_list_response() -> None:
    group = {"id": "g", "members": [{"value": f"u{i}", "type": "User"} for i in range(1203)]}
    body = {"schemas": ["x"], "totalResults": 2, "Resources": [group, {"id": "h"}], "n": {1: 2}}
    assert encoded(body) == json.dumps(body, ensure_ascii=False)
    answer = scim_response(200, body)
    assert answer.get_body() == json.dumps(body, ensure_ascii=False).encode("utf-8")


async def test_a_large_answer_is_encoded_letting_other_requests_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    group = {"id": "g", "members": [{"value": f"u{i}", "type": "User"} for i in range(5000)]}
    monkeypatch.setattr(turns, "SLICE_SECONDS", 0.0)  # every piece is a slice's worth
    text, ran = await turns_left(lambda: encoded_sharing(group))
    assert text == json.dumps(group, ensure_ascii=False)
    assert ran >= 5000 // LIST_SLICE  # a turn at least between slices of the member list
    answer = await scim_response_sharing(200, group)
    assert answer.get_body() == text.encode("utf-8")


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
