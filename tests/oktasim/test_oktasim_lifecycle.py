"""The lifecycle state machine, wrong-state errors, DELETE twice and the test hooks."""

from __future__ import annotations

import pytest
from clocks import Clock
from oktasim_harness import NO_FAULTS, Okta, error_code, serving, shared_org

server, okta = shared_org()


def _user_in(okta: Okta, status: str) -> str:
    """A user brought into `status` through the API where Okta allows it, else the hook."""
    if status == "STAGED":
        return str(okta.create(activate=False)["id"])
    if status == "PROVISIONED":
        return str(okta.create()["id"])
    user_id = str(okta.create(password=True)["id"])
    if status == "SUSPENDED":
        okta.lifecycle(user_id, "suspend")
    elif status == "DEPROVISIONED":
        okta.lifecycle(user_id, "deactivate")
    elif status == "RECOVERY":
        okta.lifecycle(user_id, "reset_password", sendEmail="false")
    elif status != "ACTIVE":
        okta.sim.force_status(user_id, status)
    assert okta.status_of(user_id) == status
    return user_id


ALL = (
    "STAGED",
    "PROVISIONED",
    "ACTIVE",
    "RECOVERY",
    "LOCKED_OUT",
    "PASSWORD_EXPIRED",
    "SUSPENDED",
    "DEPROVISIONED",
)

# operation -> (statuses it is allowed from, resulting status or None for "unchanged",
#               wrong-state HTTP status, wrong-state error code)
TABLE: dict[str, tuple[set[str], str | None, int, str]] = {
    "activate": ({"STAGED", "DEPROVISIONED"}, "ACTIVE", 403, "E0000016"),
    "reactivate": ({"PROVISIONED", "RECOVERY"}, None, 403, "E0000038"),
    "deactivate": (set(ALL) - {"DEPROVISIONED"}, "DEPROVISIONED", 404, "E0000007"),
    "suspend": ({"ACTIVE"}, "SUSPENDED", 400, "E0000001"),
    "unsuspend": ({"SUSPENDED"}, "ACTIVE", 400, "E0000001"),
    # Okta's reference: LOCKED_OUT only (an ACTIVE user blocked from unknown devices, which the
    # spec also allows, is not modelled: a plain ACTIVE user is refused).
    "unlock": ({"LOCKED_OUT"}, "ACTIVE", 403, "E0000032"),
    "reset_password": (
        {"PROVISIONED", "ACTIVE", "RECOVERY", "LOCKED_OUT", "PASSWORD_EXPIRED"},
        "RECOVERY",
        403,
        "E0000017",
    ),
    # suspendUser (spec): suspended users "can only be unsuspended or deactivated".
    "expire_password": (
        set(ALL) - {"STAGED", "DEPROVISIONED", "SUSPENDED"},
        "PASSWORD_EXPIRED",
        403,
        "E0000038",
    ),
}


@pytest.mark.parametrize("operation", sorted(TABLE))
@pytest.mark.parametrize("status", ALL)
def test_state_machine(okta: Okta, operation: str, status: str) -> None:
    allowed, result, wrong_status, wrong_code = TABLE[operation]
    user_id = _user_in(okta, status)
    params = {"sendEmail": "false"} if operation == "reset_password" else {}
    response = okta.lifecycle(user_id, operation, **params)
    if status in allowed:
        assert response.status_code == 200, response.text
        expected = result or status
        if operation == "activate":
            expected = "ACTIVE" if status == "DEPROVISIONED" else "PROVISIONED"
        assert okta.status_of(user_id) == expected
    else:
        assert (response.status_code, error_code(response)) == (wrong_status, wrong_code)
        assert okta.status_of(user_id) == status


def test_activate_sends_email_unless_told_not_to(okta: Okta) -> None:
    quiet = okta.create(activate=False)["id"]
    body = okta.lifecycle(quiet, "activate", sendEmail="false").json()
    assert set(body) == {"activationUrl", "activationToken"}
    assert body["activationUrl"] == f"{okta.url}/tokens/{body['activationToken']}/verify"
    assert okta.sim.emails_sent == []
    loud = okta.create(activate=False)["id"]
    assert okta.lifecycle(loud, "activate").json() == {}
    assert okta.sim.emails_sent == [(loud, "activation")]


def test_activate_with_password_is_active(okta: Okta) -> None:
    user_id = okta.create(activate=False, password=True)["id"]
    okta.lifecycle(user_id, "activate", sendEmail="false")
    user = okta.client.get(f"/api/v1/users/{user_id}").json()
    assert user["status"] == "ACTIVE"
    assert user["activated"] is not None


def test_lifecycle_bodies(okta: Okta) -> None:
    user_id = okta.create(password=True)["id"]
    assert okta.lifecycle(user_id, "suspend").json() == {}
    assert okta.lifecycle(user_id, "unsuspend").json() == {}
    assert okta.lifecycle(user_id, "reset_factors").json() == {}
    expired = okta.lifecycle(user_id, "expire_password").json()
    assert (expired["id"], expired["status"]) == (user_id, "PASSWORD_EXPIRED")
    temp = okta.lifecycle(user_id, "expire_password_with_temp_password").json()
    assert set(temp) == {"tempPassword"}
    reset = okta.lifecycle(user_id, "reset_password", sendEmail="false").json()
    assert reset["resetPasswordUrl"].startswith(f"{okta.url}/reset_password/")
    reactivated = okta.lifecycle(user_id, "reactivate").json()
    assert set(reactivated) == {"activationUrl", "activationToken"}
    assert okta.lifecycle(user_id, "deactivate").json() == {}


def test_a_suspended_users_password_cannot_be_expired_even_with_a_temporary_one(
    okta: Okta,
) -> None:
    user_id = _user_in(okta, "SUSPENDED")
    response = okta.lifecycle(user_id, "expire_password_with_temp_password")
    assert (response.status_code, error_code(response)) == (403, "E0000038")
    assert okta.status_of(user_id) == "SUSPENDED"


def test_a_suspended_users_links_offer_only_unsuspend_and_deactivate(okta: Okta) -> None:
    user_id = _user_in(okta, "SUSPENDED")
    links = okta.client.get(f"/api/v1/users/{user_id}").json()["_links"]
    assert sorted(links) == ["deactivate", "schema", "self", "type", "unsuspend"]


def test_reset_password_requires_send_email(okta: Okta) -> None:
    user_id = okta.create(password=True)["id"]
    response = okta.lifecycle(user_id, "reset_password")
    assert (response.status_code, error_code(response)) == (400, "E0000028")


def test_unlock_error_cause(okta: Okta) -> None:
    user_id = okta.create(activate=False)["id"]
    body = okta.lifecycle(user_id, "unlock").json()
    assert body["errorCauses"] == [{"errorSummary": "The user is not locked out."}]


def test_lifecycle_errors(okta: Okta) -> None:
    unknown_user = okta.lifecycle("00uNOBODY", "activate")
    assert (unknown_user.status_code, error_code(unknown_user)) == (404, "E0000007")
    user_id = okta.create()["id"]
    unknown_op = okta.lifecycle(user_id, "levitate")
    assert (unknown_op.status_code, error_code(unknown_op)) == (404, "E0000008")
    wrong_verb = okta.client.get(f"/api/v1/users/{user_id}/lifecycle/deactivate")
    assert (wrong_verb.status_code, error_code(wrong_verb)) == (405, "E0000022")
    chunked = okta.client.post(f"/api/v1/users/{user_id}/lifecycle/deactivate", content=iter([b""]))
    assert chunked.status_code == 411
    assert okta.status_of(user_id) == "PROVISIONED"


def test_deactivate_can_answer_204() -> None:
    with serving(deactivate_returns_204=True) as okta:
        user_id = okta.create()["id"]
        response = okta.lifecycle(user_id, "deactivate")
        assert (response.status_code, response.content) == (204, b"")


def test_delete_twice_then_404(okta: Okta) -> None:
    user_id = okta.create(password=True)["id"]
    first = okta.client.delete(f"/api/v1/users/{user_id}")
    assert (first.status_code, first.content) == (204, b"")
    assert okta.status_of(user_id) == "DEPROVISIONED"
    second = okta.client.delete(f"/api/v1/users/{user_id}")
    assert second.status_code == 204
    gone = okta.client.get(f"/api/v1/users/{user_id}")
    assert gone.status_code == 404
    assert gone.json()["errorSummary"] == f"Not found: Resource not found: {user_id} (User)"
    third = okta.client.delete(f"/api/v1/users/{user_id}")
    assert (third.status_code, error_code(third)) == (404, "E0000007")
    assert okta.sim.users() == []


def test_deleted_login_can_be_reused(okta: Okta) -> None:
    user_id = okta.create("ann@example.com")["id"]
    okta.client.delete(f"/api/v1/users/{user_id}")
    okta.client.delete(f"/api/v1/users/{user_id}")
    assert okta.create("ann@example.com")["id"] != user_id


def test_deprovisioned_users_keep_their_login(okta: Okta) -> None:
    user_id = okta.create("ann@example.com")["id"]
    okta.lifecycle(user_id, "deactivate")
    response = okta.client.post(
        "/api/v1/users",
        json={
            "profile": {
                "login": "ann@example.com",
                "email": "ann@example.com",
                "firstName": "A",
                "lastName": "B",
            }
        },
    )
    assert (response.status_code, error_code(response)) == (400, "E0000001")


def test_deprovisioned_profile_updates(okta: Okta) -> None:
    user_id = okta.create()["id"]
    okta.lifecycle(user_id, "deactivate")
    update = {"profile": {"title": "Gone"}}
    # An org as Okta ships it: refused with 403 E0000038 (Okta's support articles), both the
    # partial update and the replace.
    for method in ("POST", "PUT"):
        body = update if method == "POST" else {"profile": {**okta.sim.users()[0]["profile"]}}
        refused = okta.client.request(method, f"/api/v1/users/{user_id}", json=body)
        assert refused.status_code == 403
        assert refused.json() | {"errorId": "-"} == {
            "errorCode": "E0000038",
            "errorSummary": "This operation is not allowed in the user's current status.",
            "errorLink": "E0000038",
            "errorId": "-",
            "errorCauses": [],
        }
    okta.sim.set_deprovisioned_updates("refuse-404")
    refused = okta.client.post(f"/api/v1/users/{user_id}", json=update)
    assert (refused.status_code, error_code(refused)) == (404, "E0000007")
    okta.sim.set_deprovisioned_updates("allow")
    allowed = okta.client.post(f"/api/v1/users/{user_id}", json=update)
    assert allowed.status_code == 200
    assert allowed.json()["profile"]["title"] == "Gone"
    assert allowed.json()["status"] == "DEPROVISIONED"
    with pytest.raises(ValueError, match="mode must be one of"):
        okta.sim.set_deprovisioned_updates("sometimes")


def test_force_status_hook(okta: Okta) -> None:
    user_id = okta.create(password=True)["id"]
    okta.sim.force_status(user_id, "LOCKED_OUT")
    user = okta.client.get(f"/api/v1/users/{user_id}", headers=NO_FAULTS).json()
    assert user["status"] == "LOCKED_OUT"
    assert "unlock" in user["_links"]
    with pytest.raises(ValueError, match="unknown status"):
        okta.sim.force_status(user_id, "ACTIVATING")


def test_asynchronous_activation() -> None:
    clock = Clock()
    with serving(clock=clock, activation_ms=300) as okta:
        user = okta.create()
        assert user["transitioningToStatus"] == "ACTIVE"
        busy = okta.client.post(f"/api/v1/users/{user['id']}", json={"profile": {"title": "x"}})
        assert (busy.status_code, error_code(busy)) == (409, "E0000112")
        clock.advance(0.35)
        settled = okta.client.get(f"/api/v1/users/{user['id']}").json()
        assert "transitioningToStatus" not in settled
        done = okta.client.post(f"/api/v1/users/{user['id']}", json={"profile": {"title": "x"}})
        assert done.status_code == 200
