"""Performance of the connector (issue 12), measured side by side in one run.

    python -m bench.perf [--quick] [--sizes 1000,10000] [--only cold,first,overhead,okta,rest]
                         [--json FILE] [--profile-dir DIR] [--no-profile]

1. Cold start: `import function_app` vs a bare `import azure.functions`, each in fresh
   processes (median, ratio), and the modules of largest cumulative import time.
2. First request: a fresh connector process (bench/perf_host.py) answers its first probe, then
   warm ones; the difference is what each new instance pays once.
3. Per-request overhead: for GET by id, the probe (`userName eq <random>`), POST and a
   5-operation PATCH, the SCIM round trip minus the direct round trip of the equivalent Okta
   call, both timed in this run, interleaved, on keep-alive connections, against an unlimited
   Okta simulator; the connector's CPU per request (event-loop thread, whole process), and
   where the loop's time goes, by package (cProfile).
4. Listings (bench/perf_listings.py) over N users seeded into Okta through its own API: a full
   pass of `GET /Users?startIndex=…&count=100`, its target calls, the connector's memory growth,
   re-listing when probes run between pages, and probe latency while the first page is built;
   one `GET /Groups/{id}` of a group with N members.
5. The same for the REST target (the Ledgerline sandbox with N accounts, samples/legacyapp) and
   a Ledgerline team of N members.

Three processes: this one (the clients), the target (bench/perf_target.py) and the connector,
so each one's CPU and memory is its own. The full run takes 4-8 minutes on 2 shared cores (most
of it the sandbox's listings at N = 10,000); `--quick` uses N = 300 and 2,000 and fewer
repetitions (~1.5 minutes). Nothing here asserts a timing: the numbers are
for reading, and bench/RESULTS.md records them with the command.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import perf_listings  # noqa: E402
from bench.bodies import ENTERPRISE, patch_body, user_body  # noqa: E402
from bench.perf_listings import FIRST_ACCOUNT_ID, ListingResult, user_probe  # noqa: E402
from bench.perf_stack import (  # noqa: E402
    Connector,
    Http,
    PerfError,
    Target,
    child_env,
    seed_okta_group,
    seed_okta_users,
    seed_rest_team,
)
from bench.perf_stats import (  # noqa: E402
    ImportLine,
    Profile,
    mb,
    median,
    ms,
    parse_importtime,
    percentile,
    short_path,
    summarise,
    top_imports,
)

SECTIONS = ("cold", "first", "overhead", "okta", "rest")


@dataclass(frozen=True)
class Plan:
    quick: bool
    sizes: tuple[int, ...]
    import_runs: int
    importtime_runs: int
    first_request_runs: int
    warm_probes: int
    iterations: int  # timed SCIM and direct calls per operation
    heavy_repeats: int  # heavy requests during which probes are timed
    idle_probes: int
    profile: bool
    profile_dir: str
    page_size: int = 100
    probed_pages: int = 5  # pages walked with probes between them (the case)
    probes_between: int = 5

    def profile_path(self, name: str) -> str:
        return str(Path(self.profile_dir) / f"{name.replace(' ', '-').lower()}.prof")


def plan_from(args: argparse.Namespace) -> Plan:
    quick = bool(args.quick)
    sizes = args.sizes or ((300, 2000) if quick else (1000, 10000))
    return Plan(
        quick=quick,
        sizes=tuple(sizes),
        import_runs=3 if quick else 9,
        importtime_runs=1 if quick else 3,
        first_request_runs=2 if quick else 5,
        warm_probes=10 if quick else 30,
        iterations=60 if quick else 400,
        heavy_repeats=1 if quick else 3,
        idle_probes=50 if quick else 200,
        profile=not args.no_profile,
        profile_dir=args.profile_dir or tempfile.mkdtemp(prefix="perf-profiles-"),
    )


def _print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for number, row in enumerate(cells):
        line = "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        print("  " + line.rstrip())
        if number == 0:
            print("  " + "  ".join("-" * w for w in widths))


def _print_profile(title: str, profile: Profile, per: int = 1) -> None:
    shares = ", ".join(f"{p} {s:.0%}" for p, s in profile.by_package[:8] if s >= 0.01)
    print(f"  {title}: {ms(profile.total_s / per)} profiled per request; {shares}")
    print("    own time:   " + "; ".join(f"{ms(t / per)} {f}" for f, t in profile.top_self[:5]))
    print("    branches:   " + "; ".join(f"{ms(t / per)} {f}" for f, t in profile.branches[:5]))


# -- 1. cold start --------------------------------------------------------------------------------

_IMPORT = "import time; t = time.perf_counter(); import {0}; print(time.perf_counter() - t)"


@dataclass
class ColdStart:
    azure_functions: list[float]
    function_app: list[float]
    top: list[tuple[str, str | None, float, float]]  # module, parent, cumulative s, self s

    @property
    def ratio(self) -> float:
        return median(self.function_app) / median(self.azure_functions)


def _python(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, *args],
        cwd=ROOT,
        env=child_env({"LOG_LEVEL": "WARNING"}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise PerfError(f"python {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done


def _import_s(module: str) -> float:
    return float(_python(["-c", _IMPORT.format(module)]).stdout.strip().splitlines()[-1])


def cold_start(plan: Plan) -> ColdStart:
    _import_s("function_app")  # compiles any stale bytecode; not counted
    bare, app = [], []
    for _ in range(plan.import_runs):  # interleaved, so drift on a shared machine hits both
        bare.append(_import_s("azure.functions"))
        app.append(_import_s("function_app"))
    runs: list[list[ImportLine]] = []
    for _ in range(plan.importtime_runs):
        runs.append(
            parse_importtime(
                _python(["-X", "importtime", "-c", _IMPORT.format("function_app")]).stderr
            )
        )
    top = [
        (line.module, line.parent, cumulative, line.self_us / 1e6)
        for line, cumulative in top_imports(runs, 14)
    ]
    return ColdStart(bare, app, top)


def print_cold(cold: ColdStart, plan: Plan) -> None:
    print(f"\n1. Cold start ({plan.import_runs} fresh processes each, interleaved)")
    rows = [
        (name, ms(median(v)), ms(min(v)), ms(max(v)))
        for name, v in (
            ("import azure.functions", cold.azure_functions),
            ("import function_app", cold.function_app),
        )
    ]
    _print_table(("", "median", "min", "max"), rows)
    print(
        f"  ratio function_app / azure.functions: {cold.ratio:.2f}x  (bar: <= 2.5x and <= 200 ms)"
    )
    print(f"  largest cumulative imports (python -X importtime, median of {plan.importtime_runs}):")
    _print_table(
        ("module", "cumulative", "self", "imported by"),
        [(m, ms(c), ms(s), parent or "-") for m, parent, c, s in cold.top],
    )


# -- 2. first request -----------------------------------------------------------------------------


@dataclass
class FirstRequest:
    import_s: list[float]
    first_s: list[float]
    warm_p50_s: list[float]
    profile: Profile | None = None  # of the first probe, in one more fresh process

    @property
    def extra_s(self) -> float:
        return median([f - w for f, w in zip(self.first_s, self.warm_p50_s, strict=True)])


def _probe_s(client: Http) -> float:
    answer = client.call("GET", user_probe())
    if answer.status != 200:
        raise PerfError(f"probe answered {answer.status}: {answer.body[:300]!r}")
    return answer.seconds


def first_request(plan: Plan, target: Target) -> FirstRequest:
    result = FirstRequest([], [], [])
    for _ in range(plan.first_request_runs):
        with Connector(target.settings()) as connector:
            client = connector.client()
            client.connect()  # the TCP connection is not the connector's cost
            result.import_s.append(connector.import_s)
            result.first_s.append(_probe_s(client))
            warm = [_probe_s(client) for _ in range(plan.warm_probes)]
            result.warm_p50_s.append(percentile(warm, 50))
            client.close()
    if plan.profile:
        with Connector(target.settings()) as connector:
            client = connector.client()
            client.connect()
            connector.command("profile", "on")
            _probe_s(client)
            path = plan.profile_path("first-request")
            connector.command("profile", "off", path)
            result.profile = summarise(path)
            client.close()
    return result


def print_first(first: FirstRequest, plan: Plan) -> None:
    print(f"\n2. First request after start ({plan.first_request_runs} fresh connector processes)")
    _print_table(
        ("", "median", "min", "max"),
        [
            (name, ms(median(v)), ms(min(v)), ms(max(v)))
            for name, v in (
                ("import function_app (in the host)", first.import_s),
                ("first probe", first.first_s),
                (f"warm probe p50 (of {plan.warm_probes})", first.warm_p50_s),
            )
        ],
    )
    print(f"  first - warm: {ms(first.extra_s)}  (bar: <= 10 ms)")
    if first.profile is not None:
        _print_profile("profile of a first probe", first.profile)


# -- 3. per-request overhead ----------------------------------------------------------------------

Call = tuple[str, str, Any, int]  # method, path, body, expected status


@dataclass
class Operation:
    name: str
    scim: Callable[[int], Call]
    direct: Callable[[int], Call]


@dataclass
class OverheadRow:
    name: str
    okta_calls: list[str]
    scim_s: list[float] = field(default_factory=list)
    direct_s: list[float] = field(default_factory=list)
    loop_cpu_s: float = 0.0  # per SCIM request, the event-loop thread's (handlers, client)
    process_cpu_s: float = 0.0  # per SCIM request, the whole connector process's
    profile: Profile | None = None

    def at(self, q: float) -> tuple[float, float, float]:
        scim, direct = percentile(self.scim_s, q), percentile(self.direct_s, q)
        return scim, direct, scim - direct


def okta_profile(login: str) -> dict[str, Any]:
    given = login.partition("@")[0]
    return {
        "login": login,
        "email": login,
        "firstName": given,
        "lastName": "Bench",
        "scimExternalId": given,
    }


def overhead_operations(user_id: str, run: str) -> list[Operation]:
    def patch(i: int) -> Call:
        operations = [
            {"op": "Replace", "path": "displayName", "value": f"Person {i}"},
            {"op": "Replace", "path": "title", "value": f"Engineer {i}"},
            {"op": "Replace", "path": "name.givenName", "value": f"Given {i}"},
            {"op": "Replace", "path": "name.familyName", "value": f"Family {i}"},
            {"op": "Add", "path": f"{ENTERPRISE}:department", "value": f"Dept {i}"},
        ]
        return "PATCH", f"/Users/{user_id}", patch_body(*operations), 200

    def update(i: int) -> Call:
        profile = {
            "displayName": f"Person {i}",
            "title": f"Engineer {i}",
            "firstName": f"Given {i}",
            "lastName": f"Family {i}",
            "department": f"Dept {i}",
        }
        return "POST", f"/api/v1/users/{user_id}", {"profile": profile}, 200

    return [
        Operation(
            "GET /Users/{id}",
            lambda i: ("GET", f"/Users/{user_id}", None, 200),
            lambda i: ("GET", f"/api/v1/users/{user_id}", None, 200),
        ),
        Operation(
            "probe userName eq <random>",
            lambda i: ("GET", user_probe(), None, 200),
            lambda i: ("GET", f"/api/v1/users/{uuid.uuid4()}", None, 404),
        ),
        Operation(
            "POST /Users",
            lambda i: ("POST", "/Users", user_body(f"s{i}.{run}@example.com"), 201),
            lambda i: (
                "POST",
                "/api/v1/users?activate=true",
                {"profile": okta_profile(f"d{i}.{run}@example.com")},
                200,
            ),
        ),
        Operation("PATCH 5 operations", patch, update),
    ]


def timed(client: Http, call: Call) -> float:
    method, path, body, status = call
    answer = client.call(method, path, body)
    if answer.status != status:
        raise PerfError(
            f"{method} {path}: expected {status}, got {answer.status}: {answer.body[:300]!r}"
        )
    return answer.seconds


def _shown(calls: list[tuple[str, str, int]], user_id: str) -> list[str]:
    shown = []
    for method, path, _ in calls:
        parts = path.split("?")[0].split("/")
        parts = ["{id}" if p == user_id else p for p in parts]
        if len(parts) == 5 and parts[3] == "users" and parts[4] != "{id}":
            parts[4] = "{login}"
        shown.append(f"{method} {'/'.join(parts)}")
    return shown


def overhead(plan: Plan, target: Target) -> list[OverheadRow]:
    admin = target.client()
    made = admin.call(
        "POST", "/api/v1/users?activate=true", {"profile": okta_profile("overhead@example.com")}
    )
    user_id = str(made.json()["id"])
    admin.close()
    run = uuid.uuid4().hex[:8]
    rows = []
    with Connector(target.settings()) as connector:
        scim, direct = connector.client(), target.counted_client()
        scim.connect()
        direct.connect()
        for number, operation in enumerate(overhead_operations(user_id, run)):
            base = (number + 1) * 100_000
            for i in range(20):  # warm-up, not counted
                timed(scim, operation.scim(base + i))
                timed(direct, operation.direct(base + i))
            mark = target.mark()
            timed(scim, operation.scim(base + 50))
            row = OverheadRow(operation.name, _shown(target.calls_since(mark), user_id))
            cpu = connector.command("cpu")
            for i in range(plan.iterations):
                row.scim_s.append(timed(scim, operation.scim(base + 1000 + i)))
                row.direct_s.append(timed(direct, operation.direct(base + 1000 + i)))
            used = connector.command("cpu")
            row.loop_cpu_s = (used["loop"] - cpu["loop"]) / plan.iterations
            row.process_cpu_s = (used["process"] - cpu["process"]) / plan.iterations
            if plan.profile:
                connector.command("profile", "on")
                for i in range(100):
                    timed(scim, operation.scim(base + 90_000 + i))
                path = plan.profile_path(f"op-{number}")
                connector.command("profile", "off", path)
                row.profile = summarise(path)
            rows.append(row)
        scim.close()
        direct.close()
    return rows


def print_overhead(rows: list[OverheadRow], plan: Plan) -> None:
    print(
        f"\n3. Per-request overhead: SCIM round trip - direct Okta round trip "
        f"({plan.iterations} of each, interleaved, keep-alive, unlimited oktasim)"
    )
    table = []
    for row in rows:
        s50, d50, o50 = row.at(50)
        s95, d95, o95 = row.at(95)
        cpu = (ms(row.loop_cpu_s), ms(row.process_cpu_s))
        table.append((row.name, ms(s50), ms(d50), ms(o50), ms(s95), ms(d95), ms(o95), *cpu))
    _print_table(
        (
            "operation",
            "SCIM p50",
            "Okta p50",
            "overhead p50",
            "SCIM p95",
            "Okta p95",
            "overhead p95",
            "loop CPU",
            "process CPU",
        ),
        table,
    )
    print("  (bar: overhead p50 <= 1.0 ms each; CPU per SCIM request, measured without profiling)")
    for row in rows:
        print(f"  {row.name}: Okta calls {', '.join(row.okta_calls)}")
    if any(row.profile for row in rows):
        print("  profiles (cProfile inflates the times; read the shares):")
    for row in rows:
        if row.profile is not None:
            _print_profile(row.name, row.profile, per=100)


# -- 4. and 5. listings ---------------------------------------------------------------------------


def okta_listings(plan: Plan) -> list[ListingResult]:
    results = []
    with Target("okta") as target:
        admin = target.client()
        admin.connect()
        users: list[str] = []
        for n in plan.sizes:
            started = time.monotonic()
            users += seed_okta_users(admin, len(users), n)
            group = seed_okta_group(admin, f"perf-{n}", users[:n])
            took = time.monotonic() - started
            print(f"  (seeded Okta to {n} users and a group of {n} in {took:.1f} s)")
            for listing in (
                perf_listings.okta_users(target, n, plan.page_size, users[0]),
                perf_listings.okta_group(target, n, group),
            ):
                results.append(perf_listings.measure(listing, plan))
                print_listing(results[-1])
        admin.close()
    return results


def rest_listings(plan: Plan) -> list[ListingResult]:
    results = []
    for n in plan.sizes:
        with Target("rest", accounts=n) as target:
            admin = target.client()
            admin.connect()
            started = time.monotonic()
            accounts = list(range(FIRST_ACCOUNT_ID, FIRST_ACCOUNT_ID + n))
            team = seed_rest_team(admin, f"perf-{n}", accounts)
            took = time.monotonic() - started
            print(f"  (Ledgerline with {n} accounts; seeded a team of {n} in {took:.1f} s)")
            admin.close()
            for listing in (
                perf_listings.rest_users(target, n, plan.page_size, str(FIRST_ACCOUNT_ID)),
                perf_listings.rest_team(target, n, team),
            ):
                results.append(perf_listings.measure(listing, plan))
                print_listing(results[-1])
    return results


def print_listing(r: ListingResult) -> None:
    print(f"  {r.name}, N = {r.n:,} ({r.requests} SCIM request{'s' if r.requests > 1 else ''}):")
    timing = f"first {ms(r.first_s)}"
    if r.direct_s is not None:
        timing += f" (its target calls made directly: {ms(r.direct_s)})"
    if r.requests > 1 and r.failure is None:
        timing += f", later pages p50 {ms(r.later_p50_s)}, whole pass {r.total_s:.2f} s"
    print(f"    time              {timing}; connector CPU {r.cpu_s:.2f} s")
    print(
        f"    target calls      {r.listing_calls} listing calls ({r.calls} in all), "
        f"bar <= {r.bar_calls}"
    )
    print(
        f"    memory            RSS {r.rss_before / 1e6:.0f} MB before, growth {mb(r.rss_growth)}, "
        f"peak growth {mb(r.peak_rss_growth)}"
        + (
            f"; tracemalloc peak {mb(r.traced_peak)}, retained {mb(r.traced_retained)}"
            if r.failure is None
            else ""
        )
        + "  (bar: growth <= 5 MB)"
    )
    if r.failure is not None:
        print(f"    FAILED            {r.failure}")
    if r.traced_retained > 1_000_000:
        held = "; ".join(f"{mb(size)} {short_path(line)}" for line, size in r.retained_by)
        print(f"    retained by       {held}")
    if r.relisting is not None:
        x = r.relisting
        print(
            f"    probes between    after the pass, {x.probes_between} probes before each of "
            f"pages 2..{x.pages}: {x.relisted_pages} of {x.pages - 1} re-listed "
            f"({x.later_listing_calls} listing calls; bar: none)"
            + (f"; FAILED {x.failure}" if x.failure else "")
        )
    if r.during_probes:
        d, i, t = r.during_probes, r.idle_probes, r.direct_probes
        heavy = "first page" if r.requests > 1 else "request"
        print(
            f"    probe latency     {r.probe_name}: idle p50 {ms(percentile(i, 50))} "
            f"p99 {ms(percentile(i, 99))} (the target's own call: p50 {ms(percentile(t, 50))}); "
            f"during the {heavy}: p50 {ms(percentile(d, 50))} p99 {ms(percentile(d, 99))} "
            f"max {ms(max(d))} ({len(d)} probes; bar: p99 <= 20 ms)"
            + (f"; the {heavy} FAILED: {r.during_failure}" if r.during_failure else "")
        )
    if r.profile is not None:
        _print_profile(
            "profile of the " + ("first page" if r.requests > 1 else "request"), r.profile
        )


# -- the bars of issue 12 --------------------------------------------------------------------------


def _bar_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []

    def row(name: str, measured: str, bar: str, met: bool) -> None:
        rows.append((name, measured, bar, "yes" if met else "NO"))

    cold: ColdStart | None = results.get("cold")
    if cold is not None:
        app = median(cold.function_app)
        row("import function_app", ms(app), "<= 200 ms", app <= 0.2)
        row("  / import azure.functions", f"{cold.ratio:.2f}x", "<= 2.5x", cold.ratio <= 2.5)
    first: FirstRequest | None = results.get("first")
    if first is not None:
        row("first request - warm", ms(first.extra_s), "<= 10 ms", first.extra_s <= 0.01)
    for op in results.get("overhead", []):
        o50 = op.at(50)[2]
        row(f"overhead p50, {op.name}", ms(o50), "<= 1.0 ms", o50 <= 0.001)
    for r in results.get("okta", []) + results.get("rest", []):
        name = f"{r.name}, N={r.n:,}"
        if r.failure is not None:
            row(name, "FAILED", "complete passes", False)
        growth = max(r.rss_growth, r.traced_peak)
        row(f"{name}: memory growth", mb(growth), "<= 5 MB", growth <= 5_000_000)
        calls = str(r.listing_calls)
        row(f"{name}: target calls", calls, f"<= {r.bar_calls}", r.listing_calls <= r.bar_calls)
        if r.relisting is not None:
            x = r.relisting
            relisted = f"{x.relisted_pages} of {x.pages - 1}"
            row(f"{name}: re-listed after probes", relisted, "0", x.relisted_pages == 0)
        if r.during_probes:
            p99 = percentile(r.during_probes, 99)
            row(f"{name}: probe p99 during", ms(p99), "<= 20 ms", p99 <= 0.02)
    return rows


def print_bars(results: dict[str, Any]) -> None:
    rows = _bar_rows(results)
    if rows:
        print(
            "\nThe bars of issue 12 (memory growth: the larger of RSS growth and tracemalloc peak)"
        )
        _print_table(("measure", "measured", "bar", "met"), rows)


# -- the run --------------------------------------------------------------------------------------


def _machine() -> str:
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller N, fewer repetitions")
    parser.add_argument(
        "--sizes",
        type=lambda text: tuple(int(n) for n in text.split(",")),
        help="directory sizes N, comma-separated (default 1000,10000; --quick 300,2000)",
    )
    parser.add_argument(
        "--only",
        type=lambda text: tuple(text.split(",")),
        default=SECTIONS,
        help=f"sections to run, comma-separated, of {','.join(SECTIONS)}",
    )
    parser.add_argument("--json", help="also write every number to this file")
    parser.add_argument("--profile-dir", help="keep the cProfile files here (default: a temp dir)")
    parser.add_argument("--no-profile", action="store_true", help="skip the profiles")
    args = parser.parse_args(argv)
    unknown = set(args.only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    plan = plan_from(args)
    started = time.monotonic()
    print(f"bench.perf{' --quick' if plan.quick else ''}: {_machine()}, sizes {plan.sizes}")
    results: dict[str, Any] = {"machine": _machine(), "plan": asdict(plan)}
    only = set(args.only)
    clock = time.monotonic()

    def took() -> None:
        nonlocal clock
        print(f"  ({time.monotonic() - clock:.0f} s)")
        clock = time.monotonic()

    if "cold" in only:
        results["cold"] = cold = cold_start(plan)
        print_cold(cold, plan)
        took()
    if only & {"first", "overhead"}:
        with Target("okta") as target:
            if "first" in only:
                results["first"] = first = first_request(plan, target)
                print_first(first, plan)
                took()
            if "overhead" in only:
                results["overhead"] = rows = overhead(plan, target)
                print_overhead(rows, plan)
                took()
    if "okta" in only:
        print(f"\n4. Listings, Okta (page size {plan.page_size}, Entra's count on GET /Users)")
        results["okta"] = okta_listings(plan)
        took()
    if "rest" in only:
        print(f"\n5. Listings, REST target (Ledgerline sandbox, page size {plan.page_size})")
        results["rest"] = rest_listings(plan)
        took()
    print_bars(results)
    print(f"\nfinished in {time.monotonic() - started:.0f} s; profiles in {plan.profile_dir}")
    if args.json:
        Path(args.json).write_text(json.dumps(_plain(results), indent=1), encoding="utf-8")
    return 0


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


if __name__ == "__main__":
    raise SystemExit(main())
