"""Filters Entra sends, paging, projection, and what each costs in Okta calls."""

from __future__ import annotations

import httpx
import pytest

from .harness import ECMA, ENTERPRISE, Stack, new_user, patch


def _seed(scim: httpx.Client, count: int = 3) -> list[str]:
    ids = []
    for index in range(count):
        body = new_user(f"user{index}@example.com", **{ENTERPRISE: {"manager": {"value": "m-0"}}})
        created = scim.post("/Users", json=body)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    return ids


def _ids(scim: httpx.Client, filter_: str, **params: str) -> list[str]:
    response = scim.get("/Users", params={"filter": filter_, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["totalResults"] == len(body["Resources"]) or "count" in params
    return [r["id"] for r in body["Resources"]]


def test_entra_filters(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        ids = _seed(scim)
        assert _ids(scim, 'userName eq "USER1@EXAMPLE.COM"') == [ids[1]]
        assert _ids(scim, "userName eq user1@example.com") == [ids[1]]  # unquoted value
        assert _ids(scim, 'externalId eq "user2"') == [ids[2]]
        assert _ids(scim, 'externalId eq "USER2"') == []  # externalId is case-exact
        assert _ids(scim, f'id eq "{ids[0]}"') == [ids[0]]
        assert _ids(scim, 'emails[type eq "work"].value eq "user0@example.com"') == [ids[0]]
        assert _ids(scim, 'userName eq "user0@example.com" and externalId eq "user0"') == [ids[0]]
        assert _ids(scim, 'userName eq "user0@example.com" and externalId eq "x"') == []
        assert _ids(scim, f"id eq {ids[1]} and manager eq m-0", attributes="id") == [ids[1]]
        assert _ids(scim, f"id eq {ids[1]} and manager eq other") == []
        assert _ids(scim, f'{ECMA}:login eq "user2@example.com"') == [ids[2]]
        assert _ids(scim, 'PLACEHOLDER eq "8646d011-1693-4cd3-9ee6-0d7482ca2219"') == []
        assert _ids(scim, 'PLACEHOLDER eq "user2@example.com"') == [ids[2]]
        assert sorted(_ids(scim, 'displayName pr or userName sw "user"')) == sorted(ids)


def test_soft_deleted_users_stay_findable(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        ids = _seed(scim)
        off = patch({"op": "Replace", "path": "active", "value": "False"})
        assert scim.patch(f"/Users/{ids[0]}", json=off).status_code == 200
        assert _ids(scim, "active eq false") == [ids[0]]
        assert sorted(_ids(scim, "active eq true")) == sorted(ids[1:])
        assert _ids(scim, 'externalId eq "user0"') == [ids[0]]
        assert len(_ids(scim, 'userName sw "user"')) == 3


def test_paging_echoes_start_index_and_counts_everything(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        ids = _seed(scim, 7)
        seen = []
        for start in (1, 6):
            page = scim.get("/Users", params={"startIndex": str(start), "count": "5"}).json()
            assert page["totalResults"] == 7
            assert page["startIndex"] == start
            assert page["itemsPerPage"] == len(page["Resources"])
            seen += [r["id"] for r in page["Resources"]]
        assert sorted(seen) == sorted(ids)
        empty = scim.get("/Users", params={"startIndex": "99", "count": "5"}).json()
        assert (empty["totalResults"], empty["Resources"]) == (7, [])
        zero = scim.get("/Users", params={"count": "0"}).json()
        assert (zero["totalResults"], zero["Resources"]) == (7, [])
        odd = scim.get("/Users", params={"startIndex": "-4", "count": "100000"}).json()
        assert (odd["startIndex"], len(odd["Resources"])) == (1, 7)


def test_attribute_projection(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        ids = _seed(scim, 1)
        only = scim.get(f"/Users/{ids[0]}", params={"attributes": "userName,name.givenName"})
        assert only.json() == {
            "schemas": only.json()["schemas"],
            "id": ids[0],
            "userName": "user0@example.com",
            "name": {"givenName": "user0"},
        }
        without = scim.get(f"/Users/{ids[0]}", params={"excludedAttributes": "emails"}).json()
        assert "emails" not in without
        assert without["userName"] == "user0@example.com"


@pytest.mark.parametrize(
    "filter_",
    [
        'userName eq "a',
        "userName xx 1",
        'nosuchattribute eq "x"',
        'userName ne "x"',
        'not (userName eq "x")',
        'title ew "x"',
        'nickName co "x"',
    ],
)
def test_filters_okta_cannot_answer_exactly_are_invalid(okta_stack: Stack, filter_: str) -> None:
    with okta_stack.client() as scim:
        response = scim.get("/Users", params={"filter": filter_})
        assert response.status_code == 400
        assert response.json()["scimType"] == "invalidFilter"
    assert okta_stack.calls() == []


def test_okta_calls_per_scim_operation(okta_stack: Stack) -> None:
    """The bars: probe 1, create 1, get 1, PATCH of many attributes 1 (+1 for active),
    delete at most 2."""

    def cost(action: object) -> int:
        before = len(okta_stack.calls())
        assert callable(action)
        action()
        return len(okta_stack.calls()) - before

    with okta_stack.client() as scim:
        probe = 'userName eq "0b7e3f0e-8e0c-4a6b-9f3a-1c2d3e4f5a6b"'
        assert cost(lambda: scim.get("/Users", params={"filter": probe})) == 1
        created: list[str] = []
        assert (
            cost(lambda: created.append(scim.post("/Users", json=new_user("c@x.com")).json()["id"]))
            == 1
        )
        user_id = created[0]
        assert cost(lambda: scim.get(f"/Users/{user_id}")) == 1
        assert cost(lambda: scim.get("/Users", params={"filter": 'userName eq "c@x.com"'})) == 1
        many = patch(
            {"op": "Replace", "path": "displayName", "value": "C"},
            {"op": "Replace", "path": "title", "value": "T"},
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "c2@x.com"},
            {"op": "Replace", "path": "name.givenName", "value": "G"},
            {"op": "Replace", "path": f"{ENTERPRISE}:employeeNumber", "value": "1"},
            {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": "m"},
        )
        assert cost(lambda: scim.patch(f"/Users/{user_id}", json=many)) == 1
        with_active = patch(
            {"op": "Replace", "path": "title", "value": "T2"},
            {"op": "Replace", "path": "active", "value": "False"},
        )
        assert cost(lambda: scim.patch(f"/Users/{user_id}", json=with_active)) == 2
        assert cost(lambda: scim.delete(f"/Users/{user_id}")) <= 2
    assert okta_stack.okta_users() == []


def test_later_pages_reuse_the_first_pages_snapshot(okta_stack: Stack) -> None:
    """Paging through n users costs O(n / 200) Okta calls, not O(n² / 200)."""
    with okta_stack.client() as scim:
        ids = _seed(scim, 6)
        before = len(okta_stack.calls())
        first = scim.get("/Users", params={"startIndex": "1", "count": "2"}).json()
        after_first = len(okta_stack.calls())
        assert after_first - before == 1
        scim.post("/Users", json=new_user("late@example.com"))  # after the snapshot
        seen = [r["id"] for r in first["Resources"]]
        for start in (3, 5):
            page = scim.get("/Users", params={"startIndex": str(start), "count": "2"}).json()
            assert page["totalResults"] == 6
            seen += [r["id"] for r in page["Resources"]]
        assert sorted(seen) == sorted(ids)
        assert len(okta_stack.calls()) == after_first + 1  # only the create
        fresh = scim.get("/Users", params={"startIndex": "1", "count": "2"}).json()
        assert fresh["totalResults"] == 7  # a new first page takes a new snapshot


def test_a_patch_that_needs_the_user_reads_it_once(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        body = new_user("once@example.com", phoneNumbers=[{"type": "mobile", "value": "1"}])
        user_id = scim.post("/Users", json=body).json()["id"]
        before = len(okta_stack.calls())
        removal = patch({"op": "remove", "path": 'phoneNumbers[value eq "9"]'})
        assert scim.patch(f"/Users/{user_id}", json=removal).status_code == 200
        assert len(okta_stack.calls()) - before == 1  # the read; nothing to write


def test_filters_on_a_complex_attribute_as_a_whole(okta_stack: Stack) -> None:
    """RFC 7644 §3.4.2.2: `pr` matches any value of a complex attribute, a comparison without a
    sub-attribute compares `value` where there is one and is refused where there is none."""
    with okta_stack.client() as scim:
        plain = scim.post("/Users", json=new_user("plain@example.com")).json()["id"]
        phoned = new_user(
            "phoned@example.com",
            phoneNumbers=[{"type": "mobile", "value": "+47 555 01"}],
            emails=[
                {"type": "work", "value": "phoned@example.com"},
                {"type": "home", "value": "phoned@home.test"},
            ],
        )
        rich = scim.post("/Users", json=phoned).json()["id"]
        assert sorted(_ids(scim, "emails pr")) == sorted([plain, rich])
        assert sorted(_ids(scim, "name pr")) == sorted([plain, rich])
        assert _ids(scim, "phoneNumbers pr") == [rich]
        assert _ids(scim, 'emails sw "phoned@"') == [rich]
        assert _ids(scim, 'emails eq "plain@example.com"') == [plain]
        assert _ids(scim, 'phoneNumbers sw "+47"') == [rich]
        assert _ids(scim, 'userName sw "p" and emails co "@home"') == [rich]
        before = len(okta_stack.calls())
        # Okta searches `co` on its email, not its second email: no exact search exists.
        for refused in ('name co "Tester"', 'addresses eq "Oslo"', 'emails co "home.test"'):
            answer = scim.get("/Users", params={"filter": refused})
            assert answer.status_code == 400, answer.text
            assert answer.json()["scimType"] == "invalidFilter"
        assert okta_stack.calls()[before:] == []
