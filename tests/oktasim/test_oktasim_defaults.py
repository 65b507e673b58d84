"""The simulator's defaults are an org as Okta ships it: a lagging search index and activation,
edits of deactivated users refused, the Workforce concurrency limit, and a hanging request that
stays in flight (holding its concurrency slot) until it ends."""

from __future__ import annotations

import contextlib
import threading

import httpx
from clocks import Clock
from oktasim_harness import TOKEN, error_code, profile

from oktasim import Simulator, SimulatorOptions
from oktasim.__main__ import _parser, options_from
from oktasim.messages import Request
from simkit.faults import Fault


def test_the_defaults_are_okta_s_hard_case() -> None:
    defaults = SimulatorOptions()
    assert defaults.search_lag_ms == 1000.0
    assert defaults.activation_ms == 1000.0
    assert defaults.deprovisioned_updates == "refuse"
    assert defaults.concurrency_limit == 75
    assert options_from(_parser().parse_args(["--token", "t"])) == SimulatorOptions(token="t")
    off = options_from(
        _parser().parse_args(
            [
                "--token",
                "t",
                "--search-lag-ms",
                "0",
                "--activation-ms",
                "0",
                "--deprovisioned-updates",
                "allow",
                "--concurrency-limit",
                "0",
            ]
        )
    )
    assert (off.search_lag_ms, off.activation_ms) == (0.0, 0.0)
    assert (off.deprovisioned_updates, off.concurrency_limit) == ("allow", 0)


def test_a_default_org_lags_on_search_and_activation() -> None:
    clock = Clock()
    with (
        Simulator(SimulatorOptions(token=TOKEN), clock=clock).start() as running,
        httpx.Client(base_url=running.url, headers={"Authorization": f"SSWS {TOKEN}"}) as okta,
    ):
        created = okta.post("/api/v1/users", json={"profile": profile("lag@example.com")})
        assert created.status_code == 200
        user = created.json()
        assert user["transitioningToStatus"] == "ACTIVE"
        search = {"search": 'profile.login eq "lag@example.com"'}
        assert okta.get("/api/v1/users", params=search).json() == []
        title = {"profile": {"title": "x"}}
        busy = okta.post(f"/api/v1/users/{user['id']}", json=title)
        assert (busy.status_code, error_code(busy)) == (409, "E0000112")
        clock.advance(1.0)
        assert [u["id"] for u in okta.get("/api/v1/users", params=search).json()] == [user["id"]]
        assert "transitioningToStatus" not in okta.get(f"/api/v1/users/{user['id']}").json()
        assert okta.post(f"/api/v1/users/{user['id']}", json=title).status_code == 200


def _request() -> Request:
    return Request("GET", "/api/v1/users", "", {"authorization": f"SSWS {TOKEN}"}, None)


def test_a_hanging_request_holds_its_concurrency_slot_until_it_ends() -> None:
    sim = Simulator(SimulatorOptions(token=TOKEN, concurrency_limit=1, timeout_rate=1.0))
    hanging = sim.handle(_request())
    assert hanging.fault is Fault.TIMEOUT
    refused = sim.handle(_request())
    assert refused.response is not None
    assert refused.response.status == 429
    assert ("X-Rate-Limit-Limit", "0") in refused.response.headers
    assert hanging.release is not None
    hanging.release()  # the hang ended
    assert sim.handle(_request()).fault is Fault.TIMEOUT  # admitted again (and hangs again)


def test_the_served_hang_frees_its_slot_when_it_ends() -> None:
    sim = Simulator(
        # Long enough that the second request surely arrives while the first still hangs.
        SimulatorOptions(token=TOKEN, concurrency_limit=1, timeout_rate=1.0, hang_s=2.0)
    )
    with sim.start() as running:
        url = f"{running.url}/api/v1/users"
        headers = {"Authorization": f"SSWS {TOKEN}"}
        logged = threading.Event()

        def hang() -> None:
            # The connection closes with no answer when the hang ends.
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(url, headers=headers, timeout=10)

        first = threading.Thread(target=hang)
        first.start()
        for _ in range(500):  # until the simulator holds the first request
            if sim.request_log:
                logged.set()
                break
            logged.wait(0.01)
        assert logged.is_set()
        during = httpx.get(url, headers=headers, timeout=10)
        assert during.status_code == 429
        assert during.headers["X-Rate-Limit-Limit"] == "0"
        first.join(timeout=10)
        assert not first.is_alive()
        after = threading.Thread(target=hang)
        after.start()
        after.join(timeout=10)
    # The third request was admitted (it hung, status 0), not refused for the ended hang.
    assert [status for _, _, status in sim.request_log] == [0, 429, 0]
