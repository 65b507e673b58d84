"""One PATCH adding 1,000 members under Okta's membership rate limit, and Okta calls per group
operation.

Starts the Okta simulator in this process with every bucket limited to L calls per window of W
seconds (Okta's groups bucket, which the member calls `PUT /groups/{id}/users/{uid}` count
against, is 500 a minute on Workforce; the window is shortened so the run takes seconds, and
the request budget with it), serves the connector over local HTTP in front of it, and sends one
SCIM PATCH adding N members. The connector adds what it can within its budget, then answers 429
with Retry-After; the client resends the same PATCH as Entra would (waiting Retry-After, capped
at a small bound), and each resend lists the members first and adds only the rest. Reports:

- achieved membership calls per window as a fraction of L over the run (goal >= 0.9),
- 429s Okta answered (goal 0: the connector paces under the limit),
- every member present exactly once at the end, no SCIM 5xx,
- then the Okta calls each group operation costs, against an unlimited simulator.

    python -m bench.groups [--limit L] [--window W] [--budget B] [--members N]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bodies import patch_body, user_body  # noqa: E402
from bench.throughput import BEARER, NO_LAG, OKTA_TOKEN, running_stack  # noqa: E402
from oktasim import Simulator, SimulatorOptions  # noqa: E402

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ATTRIBUTE = "scimExternalId"
ENTRA_ATTEMPTS = 100


def _admin(sim: Simulator) -> httpx.Client:
    """An Okta admin's own calls (set-up): never limited, never counted toward a bucket."""
    return httpx.Client(
        base_url=sim.org_url,
        headers={"Authorization": f"SSWS {OKTA_TOKEN}", "X-Oktasim-No-Faults": "1"},
        timeout=30,
    )


def _setup(sim: Simulator, members: int) -> tuple[str, list[str]]:
    """A group and `members` users, made directly in Okta (Entra creates them first)."""
    with _admin(sim) as admin:
        made = admin.post("/api/v1/groups", json={"profile": {"name": "Bench", ATTRIBUTE: "e-b"}})
        made.raise_for_status()
        users = []
        for n in range(members):
            login = f"member{n}@example.com"
            body = {"profile": {"login": login, "email": login, "firstName": "M", "lastName": "B"}}
            answer = admin.post("/api/v1/users", params={"activate": "false"}, json=body)
            answer.raise_for_status()
            users.append(str(answer.json()["id"]))
    return str(made.json()["id"]), users


@dataclass
class MembersResult:
    limit: int
    window_s: float
    budget_s: float
    members: int
    elapsed_s: float = 0.0
    scim_status: Counter[int] = field(default_factory=Counter)
    waits: list[float] = field(default_factory=list)
    okta_status: Counter[int] = field(default_factory=Counter)
    member_calls: int = 0
    bucket_calls: int = 0  # every call of the groups bucket: member calls and member listings
    present: int = 0
    distinct: int = 0
    expected: bool = False

    @property
    def windows(self) -> float:
        return self.elapsed_s / self.window_s

    @property
    def fraction(self) -> float:
        """Membership calls per window over the whole run, as a share of the limit."""
        return self.member_calls / self.windows / self.limit if self.windows > 0 else 0.0

    @property
    def scim_5xx(self) -> int:
        return sum(n for status, n in self.scim_status.items() if status >= 500)


async def _patch_until_done(
    tenant: str, group_id: str, users: list[str], longest_wait: float, result: MembersResult
) -> None:
    body = patch_body({"op": "Add", "path": "members", "value": [{"value": u} for u in users]})
    async with httpx.AsyncClient(
        base_url=tenant, headers={"Authorization": f"Bearer {BEARER}"}, timeout=300
    ) as scim:
        started = time.monotonic()
        for _ in range(ENTRA_ATTEMPTS):
            response = await scim.patch(f"/Groups/{group_id}", json=body)
            result.scim_status[response.status_code] += 1
            if response.status_code == 204:
                break
            if response.status_code not in {429, 503}:
                raise RuntimeError(f"unexpected answer {response.status_code}: {response.text}")
            wait = min(float(response.headers.get("retry-after") or 1), longest_wait)
            result.waits.append(wait)
            await asyncio.sleep(wait)
        result.elapsed_s = time.monotonic() - started


def members_run(
    limit: int, window_s: float, budget_s: float, members: int, longest_wait: float, seed: int
) -> MembersResult:
    options = SimulatorOptions(
        token=OKTA_TOKEN,
        **NO_LAG,
        rate_limit_per_minute=limit,
        rate_limit_window_s=window_s,
        group_custom_attributes=(ATTRIBUTE,),
        seed=seed,
    )
    result = MembersResult(limit, window_s, budget_s, members)
    with running_stack(options, REQUEST_BUDGET_SECONDS=str(budget_s)) as (sim, tenant):
        group_id, users = _setup(sim, members)
        mark = len(sim.request_log)
        asyncio.run(_patch_until_done(tenant, group_id, users, longest_wait, result))
        log = sim.request_log[mark:]
        present = sim.group_members(group_id)
    member_path = f"/api/v1/groups/{group_id}/users"
    result.okta_status = Counter(status for _, _, status in log)
    result.member_calls = sum(1 for m, p, _ in log if m == "PUT" and p.startswith(member_path))
    result.bucket_calls = sum(1 for _, p, _ in log if p.startswith(member_path))
    result.present = len(present)
    result.distinct = len(set(present))
    result.expected = set(present) == set(users)
    return result


# -- Okta calls per group operation ---------------------------------------------------------------


def _group_body(name: str, external_id: str) -> dict[str, Any]:
    return {"schemas": [GROUP], "displayName": name, "externalId": external_id, "members": []}


def _shown(calls: list[tuple[str, str, int]], ids: dict[str, str]) -> list[str]:
    """Calls with ids as placeholders, repeats counted (`5 x PUT …/groups/{id}/users/{uid}`)."""
    counted: Counter[str] = Counter()
    for method, target, _ in calls:
        path = "/".join(ids.get(part, part) for part in target.split("?")[0].split("/"))
        counted[f"{method} {path}"] += 1
    return [call if n == 1 else f"{n} x {call}" for call, n in counted.items()]


def calls_per_operation(k: int = 5) -> list[tuple[str, int, int, list[str]]]:
    """(operation, SCIM status, Okta calls, the calls) for each Entra-like group operation."""
    rows: list[tuple[str, int, int, list[str]]] = []
    options = SimulatorOptions(
        token=OKTA_TOKEN, concurrency_limit=0, group_custom_attributes=(ATTRIBUTE,), **NO_LAG
    )
    with (
        running_stack(options) as (sim, tenant),
        httpx.Client(
            base_url=tenant, headers={"Authorization": f"Bearer {BEARER}"}, timeout=60
        ) as scim,
    ):
        users = [
            scim.post("/Users", json=user_body(f"g{n}@example.com")).json()["id"]
            for n in range(k + 1)
        ]

        ids: dict[str, str] = {u: "{uid}" for u in users}

        def measure(name: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
            before = len(sim.request_log)
            response = scim.request(method, url, **kwargs)
            calls = sim.request_log[before:]
            rows.append((name, response.status_code, len(calls), _shown(calls, ids)))
            return response

        light = {"excludedAttributes": "members"}
        probe = {"filter": f'displayName eq "{uuid.uuid4()}"', **light}
        measure("probe (displayName eq <random guid>)", "GET", "/Groups", params=probe)
        created = measure("create", "POST", "/Groups", json=_group_body("Ops", "e-ops"))
        gid = created.json()["id"]
        ids[gid] = "{id}"
        match = {"filter": 'displayName eq "Ops"', **light}
        measure("match (displayName eq, just created)", "GET", "/Groups", params=match)
        by_external = {"filter": 'externalId eq "e-ops"', **light}
        measure("match (externalId eq, just created)", "GET", "/Groups", params=by_external)
        measure("get without members", "GET", f"/Groups/{gid}", params=light)
        rename = patch_body({"op": "Replace", "path": "displayName", "value": "Ops EMEA"})
        measure("rename (path)", "PATCH", f"/Groups/{gid}", json=rename)
        pathless = patch_body({"op": "replace", "value": {"displayName": "Ops Europe"}})
        measure("rename (path-less)", "PATCH", f"/Groups/{gid}", json=pathless)
        add = patch_body(
            {"op": "Add", "path": "members", "value": [{"value": u} for u in users[:k]]}
        )
        measure(f"add {k} members", "PATCH", f"/Groups/{gid}", json=add)
        measure(f"add the same {k} again", "PATCH", f"/Groups/{gid}", json=add)
        check = {"filter": f'id eq "{gid}" and members eq "{users[0]}"', **light}
        measure("membership check", "GET", "/Groups", params=check)
        one = patch_body({"op": "remove", "path": f'members[value eq "{users[0]}"]'})
        measure("remove 1 member (filter path)", "PATCH", f"/Groups/{gid}", json=one)
        measure(f"get with {k - 1} members", "GET", f"/Groups/{gid}")
        measure("delete", "DELETE", f"/Groups/{gid}")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--limit", type=int, default=500, help="calls per window per bucket")
    parser.add_argument("--window", type=float, default=15.0, help="rate-limit window, seconds")
    parser.add_argument("--budget", type=float, default=5.0, help="REQUEST_BUDGET_SECONDS")
    parser.add_argument("--members", type=int, default=1000, help="members added by the PATCH")
    parser.add_argument(
        "--longest-wait", type=float, default=2.0, help="cap on the client's Retry-After wait"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-calls", action="store_true", help="skip calls per operation")
    args = parser.parse_args(argv)

    r = members_run(
        args.limit, args.window, args.budget, args.members, args.longest_wait, args.seed
    )
    print(
        f"one PATCH adding {r.members} members, limit {r.limit} per {r.window_s:g} s window, "
        f"request budget {r.budget_s:g} s, Retry-After waits capped at {args.longest_wait:g} s"
    )
    print(f"  elapsed                          {r.elapsed_s:.1f} s ({r.windows:.2f} windows)")
    print(f"  membership calls / limit         {r.fraction:.3f}  (goal >= 0.9)")
    print(f"  membership calls                 {r.member_calls}")
    print(f"  groups-bucket calls (+ listings) {r.bucket_calls}")
    print(f"  SCIM answers                     {dict(r.scim_status)}  (5xx: {r.scim_5xx})")
    print(f"  client waits (s)                 {[round(w, 1) for w in r.waits]}")
    print(f"  Okta answers                     {dict(r.okta_status)}")
    print(f"  Okta 429s                        {r.okta_status[429]}  (goal 0)")
    print(
        f"  members at the end               {r.present} ({r.distinct} distinct, "
        f"{'exactly the ones asked for' if r.expected else 'NOT the ones asked for'})"
    )
    if not args.skip_calls:
        print("Okta calls per group operation:")
        for name, status, calls, shown in calls_per_operation():
            print(f"  {name:38} SCIM {status}  Okta calls {calls}: {', '.join(shown)}")
    ok = (
        r.fraction >= 0.9
        and r.okta_status[429] == 0
        and r.scim_5xx == 0
        and r.expected
        and r.present == r.distinct == r.members
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
