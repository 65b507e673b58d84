"""Memberships: adding and removing members, listing a group's members and a user's groups,
what each group type refuses, and what deleting users and groups does to memberships."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from oktasim_harness import Okta, error_code, next_url, profile, raw_links, serving, shared_org

server, okta = shared_org()


def _member_ids(okta: Okta, group_id: str, **params: str) -> list[str]:
    response = okta.client.get(f"/api/v1/groups/{group_id}/users", params=params)
    assert response.status_code == 200, response.text
    return [user["id"] for user in response.json()]


def _group_names(okta: Okta, user: str) -> list[str]:
    response = okta.client.get(f"/api/v1/users/{user}/groups")
    assert response.status_code == 200, response.text
    return sorted(group["profile"]["name"] for group in response.json())


def _remove(okta: Okta, group_id: str, user_id: str) -> httpx.Response:
    return okta.client.delete(f"/api/v1/groups/{group_id}/users/{user_id}")


def _group(okta: Okta, group_id: str) -> dict[str, str]:
    body: dict[str, str] = okta.client.get(f"/api/v1/groups/{group_id}").json()
    return body


# -- add and remove --------------------------------------------------------------------------


def test_add_is_204_and_idempotent(okta: Okta) -> None:
    user = okta.create()
    group = okta.create_group("Sales")
    first = okta.add_member(group["id"], user["id"])
    assert (first.status_code, first.content) == (204, b"")
    after_first = _group(okta, group["id"])
    assert after_first["lastMembershipUpdated"] >= group["lastMembershipUpdated"]
    assert after_first["lastUpdated"] == group["lastUpdated"]
    again = okta.add_member(group["id"], user["id"])
    assert (again.status_code, again.content) == (204, b"")
    assert _group(okta, group["id"]) == after_first  # nothing changed
    assert _member_ids(okta, group["id"]) == [user["id"]]


def test_remove_is_204_even_for_a_user_who_is_not_a_member(okta: Okta) -> None:
    user = okta.create()
    group = okta.create_group("Sales")
    okta.add_member(group["id"], user["id"])
    removed = _remove(okta, group["id"], user["id"])
    assert (removed.status_code, removed.content) == (204, b"")
    assert _member_ids(okta, group["id"]) == []
    unchanged = _group(okta, group["id"])
    not_a_member = _remove(okta, group["id"], user["id"])
    assert (not_a_member.status_code, not_a_member.content) == (204, b"")
    assert _group(okta, group["id"]) == unchanged


def test_an_add_without_a_body_length_is_411(okta: Okta) -> None:
    user = okta.create()
    group = okta.create_group("Sales")
    response = okta.client.put(
        f"/api/v1/groups/{group['id']}/users/{user['id']}", content=iter([b""])
    )
    assert response.status_code == 411
    assert _member_ids(okta, group["id"]) == []


def test_unknown_group_or_user_is_404(okta: Okta) -> None:
    user = okta.create("ann@example.com")
    group = okta.create_group("Sales")
    no_group = okta.add_member("00gNOPE", user["id"])
    assert (no_group.status_code, error_code(no_group)) == (404, "E0000007")
    assert no_group.json()["errorSummary"] == "Not found: Resource not found: 00gNOPE (UserGroup)"
    no_user = okta.add_member(group["id"], "00uNOPE")
    assert (no_user.status_code, error_code(no_user)) == (404, "E0000007")
    assert no_user.json()["errorSummary"] == "Not found: Resource not found: 00uNOPE (User)"
    # The membership paths take a user id, not a login.
    by_login = okta.add_member(group["id"], "ann@example.com")
    assert (by_login.status_code, error_code(by_login)) == (404, "E0000007")
    assert (_remove(okta, "00gNOPE", user["id"]).status_code) == 404
    assert (_remove(okta, group["id"], "00uNOPE").status_code) == 404
    members = okta.client.get("/api/v1/groups/00gNOPE/users")
    assert (members.status_code, error_code(members)) == (404, "E0000007")


def test_wrong_methods_on_membership_paths(okta: Okta) -> None:
    user = okta.create()
    group = okta.create_group("Sales")
    get_one = okta.client.get(f"/api/v1/groups/{group['id']}/users/{user['id']}")
    assert (get_one.status_code, error_code(get_one)) == (405, "E0000022")
    post_list = okta.client.post(f"/api/v1/groups/{group['id']}/users", json={})
    assert post_list.status_code == 405


def test_a_deactivated_user_stays_a_member_and_can_be_added(okta: Okta) -> None:
    kept = okta.create()
    added = okta.create()
    group = okta.create_group("Sales")
    okta.add_member(group["id"], kept["id"])
    okta.lifecycle(kept["id"], "deactivate")
    okta.lifecycle(added["id"], "deactivate")
    assert okta.add_member(group["id"], added["id"]).status_code == 204
    members = okta.client.get(f"/api/v1/groups/{group['id']}/users").json()
    assert {member["id"]: member["status"] for member in members} == {
        kept["id"]: "DEPROVISIONED",
        added["id"]: "DEPROVISIONED",
    }


# -- group types -----------------------------------------------------------------------------


def test_everyone_holds_every_user_and_its_members_cannot_change(okta: Okta) -> None:
    everyone = okta.everyone()
    active = okta.create()
    gone = okta.create()
    okta.lifecycle(gone["id"], "deactivate")
    assert sorted(_member_ids(okta, everyone["id"])) == sorted([active["id"], gone["id"]])
    added = okta.add_member(everyone["id"], active["id"])
    # What Okta answered to adding a user to Everyone (terraform-provider-okta#903).
    assert (added.status_code, error_code(added)) == (501, "E0000060")
    assert added.json()["errorSummary"] == "Unsupported operation."
    # What Okta answered to removing one (okta-sdk-java#314).
    removed = _remove(okta, everyone["id"], active["id"])
    assert (removed.status_code, error_code(removed)) == (403, "E0000006")
    assert active["id"] in _member_ids(okta, everyone["id"])


def test_everyone_membership_time_follows_users_arriving_and_leaving(okta: Okta) -> None:
    before = okta.everyone()["lastMembershipUpdated"]
    user = okta.create()
    after_create = okta.everyone()["lastMembershipUpdated"]
    assert after_create >= before
    okta.client.delete(f"/api/v1/users/{user['id']}")
    assert okta.everyone()["lastMembershipUpdated"] == after_create  # only deactivated
    okta.client.delete(f"/api/v1/users/{user['id']}")
    assert okta.everyone()["lastMembershipUpdated"] >= after_create
    assert _member_ids(okta, okta.everyone()["id"]) == []


def test_app_group_members_cannot_change_through_the_api(okta: Okta) -> None:
    member = okta.create()
    outsider = okta.create()
    group_id = okta.sim.add_app_group("Engineering", [member["id"]])
    added = okta.add_member(group_id, outsider["id"])
    assert (added.status_code, error_code(added)) == (403, "E0000006")
    removed = _remove(okta, group_id, member["id"])
    assert (removed.status_code, error_code(removed)) == (403, "E0000006")
    assert _member_ids(okta, group_id) == [member["id"]]


# -- listing members -------------------------------------------------------------------------


def test_members_are_listed_like_users_with_cursor_paging(okta: Okta) -> None:
    group = okta.create_group("Sales")
    users = sorted(okta.create()["id"] for _ in range(5))
    for user_id in users:
        okta.add_member(group["id"], user_id)
    first = okta.client.get(f"/api/v1/groups/{group['id']}/users", params={"limit": "2"})
    links = raw_links(first)
    base = f"{okta.url}/api/v1/groups/{group['id']}/users"
    assert links[0] == f'<{base}?limit=2>; rel="self"'
    assert links[1].startswith(f"<{base}?after=")
    assert links[1].endswith('rel="next"')
    entry = first.json()[0]
    assert entry["_links"] == {"self": {"href": f"{okta.url}/api/v1/users/{entry['id']}"}}
    assert set(entry) >= {"id", "status", "profile", "credentials", "type"}
    seen: list[str] = [user["id"] for user in first.json()]
    url = next_url(first)
    while url is not None:
        assert parse_qs(urlsplit(url).query)["limit"] == ["2"]
        page = okta.client.get(url)
        seen.extend(user["id"] for user in page.json())
        url = next_url(page)
    assert seen == users


def test_members_default_to_1000_a_page_and_no_more(okta: Okta) -> None:
    group = okta.create_group("Sales")
    base = f"{okta.url}/api/v1/groups/{group['id']}/users"
    plain = okta.client.get(f"/api/v1/groups/{group['id']}/users")
    assert raw_links(plain) == [f'<{base}?limit=1000>; rel="self"']
    huge = okta.client.get(f"/api/v1/groups/{group['id']}/users", params={"limit": "5000"})
    assert raw_links(huge) == [f'<{base}?limit=1000>; rel="self"']
    bad = okta.client.get(f"/api/v1/groups/{group['id']}/users", params={"limit": "-1"})
    assert (bad.status_code, error_code(bad)) == (400, "E0000001")
    cursor = okta.client.get(f"/api/v1/groups/{group['id']}/users", params={"after": "%%%"})
    assert (cursor.status_code, error_code(cursor)) == (400, "E0000029")


# -- a user's groups -------------------------------------------------------------------------


def test_a_users_groups_include_everyone_and_accept_a_login(okta: Okta) -> None:
    user = okta.create("ann.lee@example.com")
    sales = okta.create_group("Sales")
    okta.create_group("Ops")
    okta.add_member(sales["id"], user["id"])
    assert _group_names(okta, user["id"]) == ["Everyone", "Sales"]
    assert _group_names(okta, "ann.lee@example.com") == ["Everyone", "Sales"]
    assert _group_names(okta, "ann.lee") == ["Everyone", "Sales"]
    response = okta.client.get(f"/api/v1/users/{user['id']}/groups")
    # A recorded response carries limit=200 although none was asked for (2025).
    assert raw_links(response) == [
        f'<{okta.url}/api/v1/users/{user["id"]}/groups?limit=200>; rel="self"'
    ]
    assert response.json()[0]["_links"]["users"]["href"].startswith(f"{okta.url}/api/v1/groups/")


def test_a_users_groups_page(okta: Okta) -> None:
    user = okta.create()
    for number in range(3):
        okta.add_member(okta.create_group(f"Team {number}")["id"], user["id"])
    first = okta.client.get(f"/api/v1/users/{user['id']}/groups", params={"limit": "3"})
    url = next_url(first)
    assert url is not None
    rest = okta.client.get(url).json()
    names = [group["profile"]["name"] for group in first.json() + rest]
    assert sorted(names) == ["Everyone", "Team 0", "Team 1", "Team 2"]


def test_unknown_users_groups(okta: Okta) -> None:
    response = okta.client.get("/api/v1/users/00uNOPE/groups")
    assert (response.status_code, error_code(response)) == (404, "E0000007")
    wrong = okta.client.post("/api/v1/users/00uNOPE/groups", json={})
    assert (wrong.status_code, error_code(wrong)) == (405, "E0000022")


# -- deletions -------------------------------------------------------------------------------


def test_a_user_created_with_group_ids_is_a_member_of_those_groups(okta: Okta) -> None:
    # CreateUserRequest.groupIds (spec): "the list of group IDs of groups that the user is
    # added to at the time of creation".
    sales, ops = okta.create_group("Sales"), okta.create_group("Ops")
    body = {"profile": profile("ann@example.com"), "groupIds": [sales["id"], ops["id"]]}
    created = okta.client.post("/api/v1/users", json=body, params={"activate": "false"})
    assert created.status_code == 200, created.text
    user = created.json()["id"]
    assert _member_ids(okta, sales["id"]) == [user]
    assert _member_ids(okta, ops["id"]) == [user]
    assert _group_names(okta, user) == ["Everyone", "Ops", "Sales"]
    assert _group(okta, sales["id"])["lastMembershipUpdated"] >= sales["lastMembershipUpdated"]


@pytest.mark.parametrize("kind", ["unknown", "app group", "Everyone"])
def test_a_create_naming_a_group_it_cannot_join_creates_nobody(okta: Okta, kind: str) -> None:
    """The same refusals as adding the member afterwards (inference: Okta documents none for
    groupIds), and no user is left behind."""
    sales = okta.create_group("Sales")["id"]
    refused = {
        "unknown": ("00gunknown0000000000", 404, "E0000007"),
        "app group": (okta.sim.add_app_group("Engineering"), 403, "E0000006"),
        "Everyone": (okta.everyone()["id"], 501, "E0000060"),
    }
    group, status, code = refused[kind]
    body = {"profile": profile("ann@example.com"), "groupIds": [sales, group]}
    answer = okta.client.post("/api/v1/users", json=body)
    assert (answer.status_code, error_code(answer)) == (status, code)
    assert okta.client.get("/api/v1/users/ann@example.com").status_code == 404
    assert _member_ids(okta, sales) == []


def test_deleting_a_user_removes_its_memberships_deactivating_does_not(okta: Okta) -> None:
    user = okta.create()
    other = okta.create()
    sales = okta.create_group("Sales")
    for user_id in (user["id"], other["id"]):
        okta.add_member(sales["id"], user_id)
    engineering = okta.sim.add_app_group("Engineering", [user["id"]])
    okta.client.delete(f"/api/v1/users/{user['id']}")
    assert user["id"] in _member_ids(okta, sales["id"])
    before = _group(okta, sales["id"])["lastMembershipUpdated"]
    okta.client.delete(f"/api/v1/users/{user['id']}")
    assert _member_ids(okta, sales["id"]) == [other["id"]]
    assert _member_ids(okta, engineering) == []
    assert _group(okta, sales["id"])["lastMembershipUpdated"] >= before


def test_a_new_user_with_a_recycled_login_is_not_a_member(okta: Okta) -> None:
    first = okta.create("ann@example.com")
    group = okta.create_group("Sales")
    okta.add_member(group["id"], first["id"])
    okta.client.delete(f"/api/v1/users/{first['id']}")
    okta.client.delete(f"/api/v1/users/{first['id']}")
    second = okta.create("ann@example.com")
    assert _member_ids(okta, group["id"]) == []
    assert _group_names(okta, second["id"]) == ["Everyone"]


def test_deleting_a_group_leaves_its_members_in_their_other_groups(okta: Okta) -> None:
    user = okta.create()
    sales = okta.create_group("Sales")
    ops = okta.create_group("Ops")
    okta.add_member(sales["id"], user["id"])
    okta.add_member(ops["id"], user["id"])
    okta.client.delete(f"/api/v1/groups/{sales['id']}")
    assert _group_names(okta, user["id"]) == ["Everyone", "Ops"]
    assert okta.client.get(f"/api/v1/users/{user['id']}").json()["status"] == "PROVISIONED"


def test_membership_changes_count_against_the_groups_bucket() -> None:
    with serving(rate_limit_per_minute=2) as okta:
        user = okta.create()
        group = okta.create_group("Sales")
        statuses = [okta.add_member(group["id"], user["id"]).status_code for _ in range(2)]
        assert statuses == [204, 204]
        assert okta.client.get("/api/v1/groups").status_code == 429
        assert okta.client.get(f"/api/v1/groups/{group['id']}").status_code == 200


def test_the_group_members_hook_reads_without_a_request(okta: Okta) -> None:
    users = sorted([okta.create()["id"] for _ in range(3)])
    group = okta.create_group("Hooked")
    for user in users[:2]:
        okta.add_member(group["id"], user)
    logged = len(okta.sim.request_log)
    assert okta.sim.group_members(group["id"]) == users[:2]
    everyone = next(g["id"] for g in okta.sim.groups() if g["type"] == "BUILT_IN")
    assert okta.sim.group_members(everyone) == users
    assert len(okta.sim.request_log) == logged
    with pytest.raises(ValueError, match="no such group"):
        okta.sim.group_members("00gnosuchgroup0000000")
