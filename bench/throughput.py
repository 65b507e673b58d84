"""Throughput under Okta's rate limit, and Okta calls per SCIM operation.

Starts the Okta simulator in this process with a per-bucket limit of L requests per window of W
seconds (`rate_limit_window_s`; Okta's real window is 60 s), serves the connector over local HTTP
in front of it, fires a burst of 5 x L SCIM creates and reports:

- achieved creates per window as a fraction of L (goal >= 0.9),
- 429s Okta answered (goal 0 while pacing), counted from the simulator's request log,
- SCIM-side failures (goal 0; a SCIM 429/503 counts as a failure here).

Then it counts the Okta calls each SCIM operation costs (probe, create, get, PATCH of many
attributes, PATCH with an active change, delete) against an unlimited simulator.

    python -m bench.throughput [--limit L] [--window W] [--clients C] [--burst-factor 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bodies import ENTERPRISE, patch_body, user_body  # noqa: E402
from connector.cli.local_host import RunningServer, start  # noqa: E402
from connector.http.runtime import reset_runtime  # noqa: E402
from oktasim import Simulator, SimulatorOptions  # noqa: E402

OKTA_TOKEN = "bench-okta-token"
BEARER = "bench-scim-bearer"
# The connector's default budget; a burst must fit in it without SCIM 429s.
BUDGET_SECONDS = "20"
# The conditions bench/RESULTS.md was measured under: Okta's search index and activation do not
# lag (the simulator's defaults lag as Okta's do; what is measured here is pacing and calls).
NO_LAG: dict[str, Any] = {"search_lag_ms": 0.0, "activation_ms": 0.0}

_server: RunningServer | None = None


def connector_server() -> RunningServer:
    global _server
    if _server is None:
        import function_app

        _server = start(function_app.app, ROOT / "host.json", "127.0.0.1", 0)
    return _server


@contextmanager
def running_stack(options: SimulatorOptions, **env: str) -> Iterator[tuple[Simulator, str]]:
    """A simulator and the connector pointed at it; yields (simulator, tenant URL)."""
    sim = Simulator(options)
    running = sim.start(host="127.0.0.1", port=0)
    saved = dict(os.environ)
    for name in ("KEY_VAULT_URL", "ENTRA_TENANT_ID", "RELAY_NAMESPACE", "OKTA_MAX_CONCURRENCY"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "OKTA_ORG_URL": running.url,
            "OKTA_API_TOKEN": OKTA_TOKEN,
            "SCIM_BEARER_TOKEN": BEARER,
            "REQUEST_BUDGET_SECONDS": BUDGET_SECONDS,
            "LOG_LEVEL": "WARNING",
            **env,
        }
    )
    reset_runtime()
    try:
        yield sim, f"{connector_server().url}/api/scim/v2"
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_runtime()
        running.stop()


@dataclass
class BurstResult:
    limit: int
    window_s: float
    clients: int
    requested: int
    elapsed_s: float = 0.0
    scim_status: Counter[int] = field(default_factory=Counter)
    okta_status: Counter[int] = field(default_factory=Counter)
    okta_calls: int = 0
    okta_creates: int = 0
    per_window: list[int] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return sum(n for status, n in self.scim_status.items() if status != 201)

    @property
    def okta_429(self) -> int:
        return self.okta_status[429]

    @property
    def fraction(self) -> float:
        """Achieved creates per window over the whole burst, as a share of the limit."""
        created = self.scim_status[201]
        windows = self.elapsed_s / self.window_s
        return created / windows / self.limit if windows > 0 else 0.0


async def _burst(tenant: str, count: int, clients: int) -> tuple[list[tuple[int, float]], float]:
    """Creates `count` users through at most `clients` concurrent SCIM requests."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)
    results: list[tuple[int, float]] = []
    run = uuid.uuid4().hex[:8]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=tenant,
        headers={"Authorization": f"Bearer {BEARER}"},
        timeout=120,
        limits=limits,
    ) as scim:
        started = time.monotonic()

        async def worker() -> None:
            while True:
                try:
                    n = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                body = user_body(f"bench{n}.{run}@example.com")
                try:
                    response = await scim.post("/Users", json=body)
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                results.append((status, time.monotonic() - started))

        await asyncio.gather(*(worker() for _ in range(clients)))
    return results, started


def burst(limit: int, window_s: float, clients: int, factor: int, seed: int) -> BurstResult:
    options = SimulatorOptions(
        token=OKTA_TOKEN,
        **NO_LAG,
        rate_limit_per_minute=limit,
        rate_limit_window_s=window_s,
        seed=seed,
    )
    result = BurstResult(limit, window_s, clients, factor * limit)
    with running_stack(options) as (sim, tenant):
        outcomes, _ = asyncio.run(_burst(tenant, result.requested, clients))
        log = list(sim.request_log)
    result.elapsed_s = max(t for _, t in outcomes)
    result.scim_status = Counter(status for status, _ in outcomes)
    result.okta_calls = len(log)
    result.okta_status = Counter(status for _, _, status in log)
    result.okta_creates = sum(
        1
        for method, path, status in log
        if method == "POST" and path.startswith("/api/v1/users?") and status == 200
    )
    windows = int(result.elapsed_s // window_s) + 1
    result.per_window = [0] * windows
    for status, t in outcomes:
        if status == 201:
            result.per_window[min(int(t // window_s), windows - 1)] += 1
    return result


def calls_per_operation() -> list[tuple[str, int, int, list[str]]]:
    """(operation, SCIM status, Okta calls, the calls) for each Entra-like operation."""
    rows: list[tuple[str, int, int, list[str]]] = []
    options = SimulatorOptions(token=OKTA_TOKEN, concurrency_limit=0, **NO_LAG)
    with (
        running_stack(options) as (sim, tenant),
        httpx.Client(
            base_url=tenant, headers={"Authorization": f"Bearer {BEARER}"}, timeout=60
        ) as scim,
    ):

        def measure(name: str, method: str, url: str, body: Any = None) -> httpx.Response:
            before = len(sim.request_log)
            response = scim.request(method, url, json=body)
            calls = sim.request_log[before:]
            shown = [f"{m} {p.split('?')[0]}" for m, p, _ in calls]
            rows.append((name, response.status_code, len(calls), shown))
            return response

        probe = f'userName eq "{uuid.uuid4()}"'
        measure("probe (userName eq <random guid>)", "GET", f"/Users?filter={probe}")
        created = measure("create (active)", "POST", "/Users", user_body("ops@example.com"))
        user_id = created.json()["id"]
        match = '/Users?filter=userName eq "ops@example.com"'
        measure("match (userName eq existing)", "GET", match)
        measure("get by id", "GET", f"/Users/{user_id}")
        many = patch_body(
            {"op": "Replace", "path": "displayName", "value": "Ops Person"},
            {"op": "Replace", "path": "title", "value": "Engineer"},
            {"op": "Replace", "path": "name.givenName", "value": "Ops"},
            {"op": "Replace", "path": "name.familyName", "value": "Person"},
            {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "IT"},
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "ops@example.com"},
        )
        measure("PATCH 6 attributes", "PATCH", f"/Users/{user_id}", many)
        soft = patch_body(
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Replace", "path": "title", "value": "Former"},
        )
        measure("PATCH active=false + 1 attribute", "PATCH", f"/Users/{user_id}", soft)
        only = patch_body({"op": "Replace", "path": "active", "value": "True"})
        measure("PATCH active=true only", "PATCH", f"/Users/{user_id}", only)
        measure("delete", "DELETE", f"/Users/{user_id}")
        measure("delete again (already gone)", "DELETE", f"/Users/{user_id}")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--limit", type=int, default=200, help="requests per window per bucket")
    parser.add_argument("--window", type=float, default=20.0, help="rate-limit window, seconds")
    parser.add_argument("--clients", type=int, default=25, help="concurrent SCIM requests")
    parser.add_argument("--burst-factor", type=int, default=5, help="creates = factor x limit")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--skip-calls", action="store_true", help="skip calls per operation")
    args = parser.parse_args(argv)

    result = burst(args.limit, args.window, args.clients, args.burst_factor, args.seed)
    print(
        f"burst: {result.requested} creates, limit {result.limit} per {result.window_s:g} s "
        f"window, {result.clients} concurrent SCIM clients, budget {BUDGET_SECONDS} s"
    )
    print(f"  elapsed                       {result.elapsed_s:.1f} s")
    print(f"  achieved / limit per window   {result.fraction:.3f}  (goal >= 0.9)")
    print(f"  creates per elapsed window    {result.per_window}")
    print(f"  Okta 429s                     {result.okta_429}  (goal 0)")
    print(f"  SCIM failures (non-201)       {result.failures}  {dict(result.scim_status)}")
    print(f"  Okta calls / status           {result.okta_calls}  {dict(result.okta_status)}")
    print(f"  Okta users created            {result.okta_creates}")
    if not args.skip_calls:
        print("Okta calls per SCIM operation:")
        for name, status, calls, shown in calls_per_operation():
            print(f"  {name:36} SCIM {status}  Okta calls {calls}: {', '.join(shown)}")
    ok = result.fraction >= 0.9 and result.okta_429 == 0 and result.failures == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
