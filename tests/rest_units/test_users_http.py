"""The description's connection settings as the shared client applies them: rate-limit headers
of its own names and units, statuses it declares retryable, and fixed headers."""

from __future__ import annotations

from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest

from connector.targets.errors import RateLimitedError, UnavailableError
from connector.targets.rest.loading import DescriptionError
from connector.transport.budget import request_budget

from .helpers import ScriptedApp, account, lost, reply, rest_target

SERVER_NOW = 1_767_225_600  # 2026-01-01T00:00:00Z, sent as the server's Date
DATE = formatdate(SERVER_NOW, usegmt=True)


def rate_limited(reset_value: str, **names: str) -> Any:
    headers = {
        names.get("limit", "X-RateLimit-Limit"): "300",
        names.get("remaining", "X-RateLimit-Remaining"): "0",
        names.get("reset", "X-RateLimit-Reset"): reset_value,
        "Date": DATE,
    }
    return reply(429, {"error": {"code": "rate_limited", "message": "slow down"}}, headers=headers)


async def test_a_rate_limit_reset_in_seconds_left_past_the_budget(tmp_path: Path) -> None:
    # The sample says Ledgerline's reset header counts the seconds left.
    app = ScriptedApp().on("GET", "/accounts/1", rate_limited("45"))
    with request_budget(2.0), pytest.raises(RateLimitedError) as caught:
        await rest_target(tmp_path, app).get("1")
    assert caught.value.retry_after == 45
    assert len(app.calls) == 1  # the reset is past the budget: no waiting, no second call


async def test_rate_limit_headers_of_other_names_and_units(tmp_path: Path) -> None:
    def hr_headers(data: dict[str, Any]) -> None:
        data["rateLimit"] = {
            "limitHeader": "RateLimit-Limit",
            "remainingHeader": "RateLimit-Remaining",
            "resetHeader": "RateLimit-Reset-Ms",
            "resetUnit": "epoch-milliseconds",
        }

    names = {"limit": "RateLimit-Limit", "remaining": "RateLimit-Remaining"}
    answer = rate_limited(str((SERVER_NOW + 30) * 1000), reset="RateLimit-Reset-Ms", **names)
    app = ScriptedApp().on("GET", "/accounts/1", answer)
    with request_budget(2.0), pytest.raises(RateLimitedError) as caught:
        await rest_target(tmp_path, app, hr_headers).get("1")
    assert caught.value.retry_after == 30


async def test_a_429_with_a_short_retry_after_is_retried(tmp_path: Path) -> None:
    app = ScriptedApp().on(
        "GET",
        "/accounts/1",
        reply(429, headers={"Retry-After": "0"}),
        reply(200, {"data": account(1)}),
    )
    with request_budget(5.0):
        assert await rest_target(tmp_path, app).get("1") is not None
    assert len(app.calls) == 2


def retry_520(data: dict[str, Any]) -> None:
    data["errors"].append({"status": [520, 521], "means": "retryable"})


async def test_a_status_the_description_declares_retryable_is_retried(tmp_path: Path) -> None:
    app = ScriptedApp().on(
        "GET", "/accounts/1", reply(520), reply(521), reply(200, {"data": account(1)})
    )
    with request_budget(5.0):
        assert await rest_target(tmp_path, app, retry_520).get("1") is not None
    assert len(app.calls) == 3


async def test_an_undeclared_5xx_is_not_retried_and_not_the_requests_fault(
    tmp_path: Path,
) -> None:
    app = ScriptedApp().on("GET", "/accounts/1", reply(520, text="origin error"))
    with request_budget(5.0), pytest.raises(UnavailableError) as caught:
        await rest_target(tmp_path, app).get("1")
    assert caught.value.reason == "Ledgerline HR: origin error"
    assert len(app.calls) == 1


async def test_a_retryable_answer_to_a_create_is_an_unknown_outcome(tmp_path: Path) -> None:
    # 520 may come after the application did the work: look before creating again.
    app = ScriptedApp()
    app.on("POST", "/accounts", reply(520), reply(201, {"data": account(1001)}))
    app.on("GET", "/accounts", reply(200, {"data": [], "meta": {"total": 0}}))
    profile = {"login": "ada@example.com"}
    with request_budget(5.0):
        user = await rest_target(tmp_path, app, retry_520).create(profile, active=True)
    assert user.id == "1001"
    assert app.requests() == [("POST", "/accounts"), ("GET", "/accounts"), ("POST", "/accounts")]


async def test_reads_are_retried_after_a_lost_answer_within_the_budget(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts/1", lost, reply(200, {"data": account(1)}))
    with request_budget(5.0):
        assert await rest_target(tmp_path, app).get("1") is not None
    assert len(app.calls) == 2


async def test_fixed_headers_go_on_every_call(tmp_path: Path) -> None:
    def tenant_header(data: dict[str, Any]) -> None:
        data["connection"]["headers"] = {"X-Tenant": "acme"}

    app = ScriptedApp().on("GET", "/accounts/1", reply(200, {"data": account(1)}))
    with request_budget(5.0):
        await rest_target(tmp_path, app, tenant_header).get("1")
    assert app.calls[0].headers["x-tenant"] == "acme"


def test_credentials_in_fixed_headers_are_refused(tmp_path: Path) -> None:
    def bad(data: dict[str, Any]) -> None:
        data["connection"]["headers"] = {"Authorization": "Basic xyz"}

    with pytest.raises(DescriptionError, match="put credentials under auth:"):
        rest_target(tmp_path, ScriptedApp(), bad)


async def test_a_target_base_url_setting_overrides_the_description(tmp_path: Path) -> None:
    app = ScriptedApp()
    app.on("GET", "/accounts/1", reply(200, {"data": account(1)}))
    target = rest_target(tmp_path, app, settings={"TARGET_BASE_URL": "http://127.0.0.1:9/api/v2/"})
    with request_budget(5.0):
        await target.get("1")
    assert target.base_url == "http://127.0.0.1:9/api/v2"
    assert app.calls[0].host == "127.0.0.1"


def redirect(status: int) -> Any:
    location = "https://ledgerline.corp.example/api/v2/accounts/1001?session=s3cr3t-session"
    return reply(status, text="<html>Moved</html>", headers={"Location": location})


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_a_redirect_is_no_success_and_says_what_to_set(tmp_path: Path, status: int) -> None:
    # Taken as a success, a redirect (http:// to https://, a sign-in proxy) made a delete or a
    # disable report done with nothing done, and a read find nobody.
    app = ScriptedApp()
    app.on("GET", "/accounts/1001", redirect(status))
    app.on("POST", "/accounts/1001/disable", redirect(status))
    app.on("DELETE", "/accounts/1001", redirect(status))
    target = rest_target(tmp_path, app, lambda data: data["users"]["delete"].pop("disableFirst"))
    user = target.to_user(account(1001), "test")
    for attempt in (target.get("1001"), target.set_active(user, False), target.delete("1001")):
        with request_budget(5.0), pytest.raises(UnavailableError) as caught:
            await attempt
        assert (
            f"with {status}, a redirect to https://ledgerline.corp.example/api/v2/accounts/1001;"
            in (caught.value.reason)
        )
        assert caught.value.reason.endswith(
            "the connector does not follow redirects: set connection.baseUrl (or "
            "TARGET_BASE_URL) to the application's API address"
        )
        assert "s3cr3t" not in caught.value.reason
        assert caught.value.retry_after == 300
    assert app.requests() == [
        ("GET", "/accounts/1001"),
        ("POST", "/accounts/1001/disable"),
        ("DELETE", "/accounts/1001"),
    ]
