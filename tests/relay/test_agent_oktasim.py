"""Okta API calls through the relay: sender transport → double → agent → the Okta simulator."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from oktasim import Simulator, SimulatorOptions

from .conftest import AgentFactory


@pytest.fixture
def okta() -> Iterator[tuple[Simulator, str]]:
    # The relay forwards; Okta's search and activation lag are not what is tested here.
    simulator = Simulator(SimulatorOptions(token="t", search_lag_ms=0, activation_ms=0))
    running = simulator.start(host="127.0.0.1", port=0)
    yield simulator, running.url
    running.stop()


async def test_user_lifecycle_lands_exactly_once(
    okta: tuple[Simulator, str], start_agent: AgentFactory, sender: httpx.AsyncClient
) -> None:
    simulator, url = okta
    await start_agent(local_base_url=url)
    auth = {"Authorization": "SSWS t", "Accept": "application/json"}
    profile = {
        "firstName": "Barbara",
        "lastName": "Jensen",
        "email": "bjensen@example.com",
        "login": "bjensen@example.com",
    }
    created = await sender.post(
        "/api/v1/users?activate=true", headers=auth, json={"profile": profile}
    )
    assert created.status_code == 200, created.text
    user_id = created.json()["id"]
    found = await sender.get(
        "/api/v1/users", headers=auth, params={"search": 'profile.login eq "bjensen@example.com"'}
    )
    assert [u["id"] for u in found.json()] == [user_id]
    updated = await sender.post(
        f"/api/v1/users/{user_id}", headers=auth, json={"profile": {"lastName": "Jensen-Smith"}}
    )
    assert updated.json()["profile"]["lastName"] == "Jensen-Smith"
    deactivated = await sender.post(f"/api/v1/users/{user_id}/lifecycle/deactivate", headers=auth)
    assert deactivated.status_code in {200, 204}
    deleted = await sender.delete(f"/api/v1/users/{user_id}", headers=auth)
    assert deleted.status_code == 204
    assert simulator.users() == []
    methods = [(method, target.split("?")[0]) for method, target, _ in simulator.request_log]
    assert methods.count(("POST", "/api/v1/users")) == 1
    assert methods.count(("DELETE", f"/api/v1/users/{user_id}")) == 1


async def test_wrong_app_token_is_the_apps_401(
    okta: tuple[Simulator, str], start_agent: AgentFactory, sender: httpx.AsyncClient
) -> None:
    _, url = okta
    await start_agent(local_base_url=url)
    response = await sender.get("/api/v1/users", headers={"Authorization": "SSWS wrong"})
    # The application's own 401 comes back through the listener (with Via), not as a relay error.
    assert response.status_code == 401
    assert "Via" in response.headers
