"""Filters on a complex attribute as a whole against a described REST application (RFC 7644
§3.4.2.2): answered exactly where the description can, a 400 with no listing where it cannot,
never an empty 200."""

from __future__ import annotations

from functools import partial

import httpx
from endpoint.harness import new_user

from .harness import ledgerline_stack


def test_complex_attribute_filters_against_ledgerline() -> None:
    with ledgerline_stack() as rest, rest.client() as scim:
        body = new_user(
            "ada@example.com",
            emails=[
                {"type": "work", "value": "ada@example.com"},
                {"type": "home", "value": "ada@home.test"},
            ],
        )
        created = scim.post("/Users", json=body)
        assert created.status_code == 201, created.text
        user_id = created.json()["id"]

        def found(filter_: str) -> list[str]:
            answer = scim.get("/Users", params={"filter": filter_})
            assert answer.status_code == 200, answer.text
            return [r["id"] for r in answer.json()["Resources"]]

        # Narrowed by a part the application can find, the whole filter is applied exactly.
        assert found('userName eq "ada@example.com" and emails co "home.test"') == [user_id]
        assert found('userName eq "ada@example.com" and name pr') == [user_id]
        assert found('userName eq "ada@example.com" and phoneNumbers pr') == []
        # Nothing in the description finds by `pr`, or by the home address: say so, list nothing.
        for refused in ("emails pr", "name pr", 'emails eq "ada@home.test"', 'name co "A"'):
            calls = rest.calls_during(partial(_refused, scim, refused))
            assert calls == [], refused


def _refused(scim: httpx.Client, filter_: str) -> None:
    answer = scim.get("/Users", params={"filter": filter_})
    assert answer.status_code == 400, (filter_, answer.text)
    assert answer.json()["scimType"] == "invalidFilter"
