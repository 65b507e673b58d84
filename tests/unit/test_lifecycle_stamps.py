"""The user a lifecycle change answers with carries the change's own time (stamps.py), not the
stamp of the change before it, and costs no read after the lifecycle call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from connector.mapping import Catalog
from connector.mapping.writes import Operation
from connector.service import UserService
from connector.targets.stamps import landed
from connector.transport.budget import request_budget

from .okta_sim import Org, okta_users, options, org

LATER = datetime(2091, 5, 6, 7, 8, 9, 123_456, tzinfo=UTC)
LATER_TEXT = "2091-05-06T07:08:09.123Z"


def test_a_write_is_stamped_with_the_moment_its_answer_arrived() -> None:
    assert landed("2025-09-29T02:17:20.000Z", LATER) == LATER_TEXT
    assert landed(None, LATER) == LATER_TEXT
    # Another zone is the same moment, written in UTC as Okta writes its stamps.
    assert landed(None, LATER.astimezone(timezone(timedelta(hours=-7)))) == LATER_TEXT


def test_a_stamp_never_goes_back_behind_the_targets_own() -> None:
    """The connector's clock a little behind Okta's: the target's later stamp stands."""
    ahead = "2091-05-06T07:08:09.500Z"
    assert landed(ahead, LATER) == ahead
    # A described application's format (whole seconds) compares as the moment it names.
    assert landed("2091-05-06T07:08:10Z", LATER) == "2091-05-06T07:08:10Z"
    assert landed("2091-05-06T07:08:09Z", LATER) == LATER_TEXT


@pytest.mark.parametrize("before", ["yesterday", "1700000000", "2091-05-06T07:08:09"])
def test_a_stamp_with_nothing_comparable_before_is_the_moment_itself(before: str) -> None:
    assert landed(before, LATER) == LATER_TEXT


def _lifecycle_calls(okta: Org, mark: int) -> list[tuple[str, str]]:
    return [(m, p.rsplit("/", 1)[-1]) for m, p, _ in okta.calls_since(mark)]


@pytest.mark.parametrize("disable_mode", ["deactivate", "suspend"])
async def test_okta_lifecycle_changes_answer_with_their_own_time(disable_mode: str) -> None:
    with org() as okta:
        user_id = okta.user("stamp@example.com")
        okta.sim.force_status(user_id, "ACTIVE")
        async with okta_users(okta, disable_mode=disable_mode, now=lambda: LATER) as users:
            with request_budget(10):
                before = await users.get(user_id)
                assert before is not None
                assert before.last_modified is not None
                assert before.last_modified < LATER_TEXT
                mark = okta.mark()
                off = await users.set_active(before, False)
                on = await users.set_active(off, True)
        assert (off.active, off.last_modified) == (False, LATER_TEXT)
        assert (on.active, on.last_modified) == (True, LATER_TEXT)
        # One call per change: no read after a lifecycle call.
        ops = ["suspend", "unsuspend"] if disable_mode == "suspend" else ["deactivate", "activate"]
        assert _lifecycle_calls(okta, mark) == [("POST", op) for op in ops]


async def test_a_patch_of_active_answers_with_the_time_of_the_change(catalog: Catalog) -> None:
    """PATCH title + active=false: the update's answer carries Okta's stamp of the edit, the
    deactivation right after it answers `{}`; the SCIM answer shows the deactivation's time.
    Two Okta calls, as before: the partial update and the lifecycle call."""
    with org(options(deprovisioned_updates="allow")) as okta:
        user_id = okta.user("patched@example.com")
        async with okta_users(okta, now=lambda: LATER) as users:
            service = UserService(catalog, users)
            mark = okta.mark()
            answer = await service.patch(
                user_id,
                [
                    Operation("replace", "title", "Engineer"),
                    Operation("replace", "active", False),
                ],
            )
            assert okta.calls_since(mark) == [
                ("POST", f"/api/v1/users/{user_id}", 200),
                ("POST", f"/api/v1/users/{user_id}/lifecycle/deactivate", 200),
            ]
            assert (answer["title"], answer["active"]) == ("Engineer", False)
            assert answer["meta"]["lastModified"] == LATER_TEXT
            # Okta's own stamp, which a read shows, is no later than the one answered.
            read = await service.get(user_id)
            assert read["active"] is False
            assert read["meta"]["lastModified"] <= LATER_TEXT
        stored = next(u for u in okta.sim.users() if u["id"] == user_id)
        assert stored["status"] == "DEPROVISIONED"
