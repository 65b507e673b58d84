"""Listings at scale, for `bench.perf`: a full pass of `GET /Users?startIndex=…&count=…` over a
directory of N users, or one `GET /Groups/{id}` of a group with N members, against a connector in
a fresh process of its own.

For each listing: its time, the target calls it cost against the bar ⌈N/P⌉ + 1 (P: the target's
largest page), the connector process's memory growth (RSS, peak RSS, and tracemalloc's peak in a
second fresh process, since tracing slows everything it sees), whether later pages list the
whole directory again when unrelated probes run between pages, the latency of probes sent while
the heavy request (the first page, or the group) is being built, and a profile of that request.

The Ledgerline sandbox reads every account on every list call (~0.3 s per call at 10,000), so
its listings are measured with fewer later pages and one heavy request while probing.
"""

from __future__ import annotations

import math
import random
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bench.perf_stack import Answer, Connector, Http, PerfError, Target, clients, with_query
from bench.perf_stats import Profile, percentile, summarise

ProbeMaker = Callable[[], str]
FIRST_ACCOUNT_ID = 1001  # the Ledgerline sandbox numbers its synthetic accounts from here
# Probing during a heavy request goes on until there are enough probes for a p99, within bounds.
MIN_PROBES = 200
MAX_HEAVY_REPEATS = 50
MAX_PROBING_SECONDS = 30.0


def user_probe() -> str:
    """Entra's most frequent request: a lookup of a userName that does not exist."""
    return with_query("/Users", filter=f'userName eq "{uuid.uuid4()}"')


def okta_probe() -> str:
    """What the connector asks Okta for that probe: a read by login (404)."""
    return f"/api/v1/users/{uuid.uuid4()}"


@dataclass(frozen=True)
class Listing:
    """One listing to measure: the SCIM requests of a full pass and how to judge them."""

    name: str
    target: Target
    n: int
    page: int  # the target's largest page, for the bar
    pages: list[str]  # SCIM paths of a full pass, in order
    warm: list[str]  # requests that load the code paths before the baseline is taken
    is_listing_call: Callable[[str, str], bool]  # (method, target path) -> part of the listing
    check: Callable[[list[Answer]], str | None]  # a problem with the pass's answers, or None
    # The request timed while the heavy one is built, and the target's own equivalent of it.
    probe_name: str = "userName eq <random>"
    probe: ProbeMaker = user_probe
    direct_probe: ProbeMaker = okta_probe
    probed_pages: int = 5  # the first and the later pages with probes between (the issue's: 5)
    heavy_repeats: int = 3  # at most this many heavy requests while probing
    # Replay the pass's target calls directly, for the target's own share of the time.
    replay: bool = True

    @property
    def bar_calls(self) -> int:
        return math.ceil(self.n / self.page) + 1


class ListingPlan(Protocol):
    """What `measure` reads of bench.perf.Plan."""

    @property
    def probes_between(self) -> int: ...
    @property
    def idle_probes(self) -> int: ...
    @property
    def heavy_repeats(self) -> int: ...
    @property
    def profile(self) -> bool: ...

    def profile_path(self, name: str) -> str: ...


@dataclass
class Relisting:
    pages: int  # the first page (of the full pass just made) and the later pages after probes
    probes_between: int
    later_listing_calls: int  # target listing calls made by pages 2..pages
    relisted_pages: int  # later pages that made any listing call
    failure: str | None = None


@dataclass
class ListingResult:
    name: str
    n: int
    requests: int
    bar_calls: int
    first_s: float = 0.0
    later_p50_s: float = 0.0
    total_s: float = 0.0
    calls: int = 0
    listing_calls: int = 0
    rss_before: int = 0
    rss_growth: int = 0
    peak_rss_growth: int = 0
    traced_peak: int = 0
    traced_retained: int = 0
    retained_by: list[tuple[str, int]] = field(default_factory=list)  # source line, bytes
    cpu_s: float = 0.0  # the connector process's CPU time for the pass (all threads)
    direct_s: float | None = None  # the pass's target calls replayed directly, one by one
    relisting: Relisting | None = None
    probe_name: str = ""
    idle_probes: list[float] = field(default_factory=list)
    direct_probes: list[float] = field(default_factory=list)  # the target's own, idle
    during_probes: list[float] = field(default_factory=list)
    during_failure: str | None = None
    profile: Profile | None = None
    failure: str | None = None  # the pass did not complete: what the connector answered


def _walk(client: Http, paths: Sequence[str]) -> list[Answer]:
    """The answers in order, up to and including the first that is not a 200."""
    answers = []
    for path in paths:
        answers.append(client.call("GET", path))
        if answers[-1].status != 200:
            break
    return answers


def _failure(answers: list[Answer], paths: Sequence[str]) -> str | None:
    last = answers[-1]
    if last.status == 200:
        return None
    shown = last.body[:200].decode(errors="replace")
    return (
        f"GET {paths[len(answers) - 1]} answered {last.status} after {last.seconds:.1f} s: {shown}"
    )


def _replayed(target: Target, calls: list[tuple[str, str, int]]) -> float:
    """Seconds the target takes to answer the same GETs again, sent one after the other."""
    with clients(target.counted_client) as (direct,):
        direct.connect()
        return sum(direct.call("GET", path).seconds for method, path, _ in calls if method == "GET")


def _probe(client: Http, probe: ProbeMaker) -> float:
    answer = client.call("GET", probe())
    if answer.status != 200:
        raise PerfError(f"probe answered {answer.status}: {answer.body[:300]!r}")
    return answer.seconds


def _warmed(connector: Connector, listing: Listing) -> Http:
    client = connector.client()
    client.connect()
    for _ in range(3):
        _probe(client, user_probe)
    _walk(client, listing.warm)
    return client


def _relisting(listing: Listing, client: Http, probes: int) -> Relisting:
    """Right after a full pass (its first page took the snapshot): `probes` unrelated probes
    before each of the next later pages, and the listing calls those pages then make."""
    walked = listing.pages[1 : listing.probed_pages]
    result = Relisting(len(walked) + 1, probes, 0, 0)
    mark = listing.target.mark()
    for path in walked:
        for _ in range(probes):
            _probe(client, user_probe)
        before = listing.target.mark()
        result.failure = _failure(_walk(client, [path]), [path])
        made = listing.target.calls_since(before)
        result.relisted_pages += any(listing.is_listing_call(m, t) for m, t, _ in made)
        if result.failure is not None:
            break
    result.later_listing_calls = sum(
        1 for m, t, _ in listing.target.calls_since(mark) if listing.is_listing_call(m, t)
    )
    return result


def probes_during(
    connector: Connector, heavy: str, repeats: int, probe: ProbeMaker
) -> tuple[list[float], str | None]:
    """Latencies of probes sent back to back, on their own connection, while `heavy` is
    requested on another: `repeats` times, and more (within bounds) until there are enough
    probes for a p99. Also what went wrong with `heavy`, if anything."""
    started, done = threading.Event(), threading.Event()
    failures: list[str] = []
    latencies: list[float] = []

    def run() -> None:
        client = connector.client()
        began = time.monotonic()
        try:
            client.connect()
            started.set()
            made = 0
            while made < repeats or (
                len(latencies) < MIN_PROBES
                and made < MAX_HEAVY_REPEATS
                and time.monotonic() - began < MAX_PROBING_SECONDS
            ):
                answer = client.call("GET", heavy)
                made += 1
                if answer.status != 200:
                    failures.append(f"GET {heavy}: {answer.status}")
                    return
        except Exception as problem:  # reported by the caller, never swallowed
            failures.append(repr(problem))
        finally:
            started.set()
            done.set()
            client.close()

    worker = threading.Thread(target=run, daemon=True)
    prober = connector.client()
    prober.connect()
    _probe(prober, probe)
    worker.start()
    started.wait(timeout=60)
    try:
        while not done.is_set():
            latencies.append(_probe(prober, probe))
    finally:
        prober.close()
        worker.join(timeout=300)
    return latencies, (failures[0] if failures else None)


def measure(listing: Listing, plan: ListingPlan) -> ListingResult:
    """Every measure of one listing, each connector in a fresh process."""
    result = ListingResult(listing.name, listing.n, len(listing.pages), listing.bar_calls)
    result.probe_name = listing.probe_name
    settings = listing.target.settings()
    with Connector(settings) as connector:
        client = _warmed(connector, listing)
        before = connector.memory()
        connector.command("reset-peak")
        cpu = connector.command("cpu")["process"]
        mark = listing.target.mark()
        answers = _walk(client, listing.pages)
        calls = listing.target.calls_since(mark)
        result.cpu_s = connector.command("cpu")["process"] - cpu
        after = connector.memory()
        result.first_s = answers[0].seconds
        result.total_s = sum(a.seconds for a in answers)
        result.calls = len(calls)
        result.listing_calls = sum(1 for m, t, _ in calls if listing.is_listing_call(m, t))
        result.rss_before = before["rss"]
        result.rss_growth = after["rss"] - before["rss"]
        result.peak_rss_growth = after["hwm"] - before["rss"]
        result.failure = _failure(answers, listing.pages) or listing.check(answers)
        if listing.replay:
            result.direct_s = _replayed(listing.target, calls)
        if result.failure is not None:
            return result  # the rest would only repeat the failure
        later = [a.seconds for a in answers[1:]]
        result.later_p50_s = percentile(later, 50) if later else 0.0
        if len(listing.pages) > 1:
            result.relisting = _relisting(listing, client, plan.probes_between)
        result.idle_probes = [_probe(client, listing.probe) for _ in range(plan.idle_probes)]
        with clients(listing.target.counted_client) as (direct,):
            direct.connect()
            probes = (direct.call("GET", listing.direct_probe()) for _ in range(plan.idle_probes))
            result.direct_probes = [answer.seconds for answer in probes]
        repeats = min(plan.heavy_repeats, listing.heavy_repeats)
        result.during_probes, result.during_failure = probes_during(
            connector, listing.pages[0], repeats, listing.probe
        )
        client.close()
        if plan.profile:
            # A fresh connection: probing during a slow listing can outlast the server's
            # keep-alive idle limit (30 s), which closes the first one.
            client = connector.client()
            client.connect()
            connector.command("profile", "on")
            _walk(client, listing.pages[:1])
            path = plan.profile_path(f"{listing.name}-{listing.n}")
            connector.command("profile", "off", path)
            result.profile = summarise(path)
            client.close()
    with Connector(settings) as connector:
        client = _warmed(connector, listing)
        connector.command("trace", "on")
        start = connector.memory()
        traced_failure = _failure(_walk(client, listing.pages), listing.pages)
        if traced_failure is not None:
            result.failure = f"the traced pass: {traced_failure}"
        end = connector.memory()
        result.traced_peak = end["traced_peak"] - start["traced"]
        result.traced_retained = end["traced"] - start["traced"]
        top = connector.command("trace", "top", "4")["top"]
        result.retained_by = [(str(line), int(size)) for line, size in top]
        client.close()
    return result


# -- the listings ---------------------------------------------------------------------------------


def _pages(n: int, size: int) -> list[str]:
    return [f"/Users?startIndex={start}&count={size}" for start in range(1, n + 1, size)]


def _users_check(n: int) -> Callable[[list[Answer]], str | None]:
    def check(answers: list[Answer]) -> str | None:
        bodies = [a.json() for a in answers]
        total = {b.get("totalResults") for b in bodies}
        ids = {r["id"] for b in bodies for r in b.get("Resources", [])}
        if total != {n} or len(ids) != n:
            return f"expected {n} users, got totalResults {total} and {len(ids)} distinct ids"
        return None

    return check


def _members_check(n: int) -> Callable[[list[Answer]], str | None]:
    def check(answers: list[Answer]) -> str | None:
        members = {m["value"] for m in answers[0].json().get("members", [])}
        return None if len(members) == n else f"expected {n} members, got {len(members)}"

    return check


def _group_warm() -> list[str]:
    return [with_query("/Groups", filter=f'displayName eq "{uuid.uuid4()}"')]


def _user_warm(user_id: str) -> list[str]:
    return [f"/Users/{user_id}", with_query("/Users", filter=f'externalId eq "{uuid.uuid4()}"')]


def okta_users(target: Target, n: int, page_size: int, some_user: str) -> Listing:
    def is_listing(method: str, path: str) -> bool:
        return method == "GET" and (path == "/api/v1/users" or path.startswith("/api/v1/users?"))

    return Listing(
        "Okta users",
        target,
        n,
        200,
        _pages(n, page_size),
        _user_warm(some_user),
        is_listing,
        _users_check(n),
    )


def okta_group(target: Target, n: int, group_id: str) -> Listing:
    # The pass over the members is their pages (the bar's "full pass of N"); the read of the
    # group itself that GET /Groups/{id} makes first is counted "in all" beside it.
    def is_listing(method: str, path: str) -> bool:
        return method == "GET" and path.split("?")[0] == f"/api/v1/groups/{group_id}/users"

    return Listing(
        "Okta group members",
        target,
        n,
        1000,
        [f"/Groups/{group_id}"],
        _group_warm(),
        is_listing,
        _members_check(n),
    )


def rest_users(target: Target, n: int, page_size: int, some_user: str) -> Listing:
    def is_listing(method: str, path: str) -> bool:
        base, _, query = path.partition("?")
        return method == "GET" and base == "/api/v2/accounts" and "username=" not in query

    return Listing(
        "REST users",
        target,
        n,
        100,
        _pages(n, page_size),
        _user_warm(some_user),
        is_listing,
        _users_check(n),
        **_rest_probes(n),
    )


def rest_team(target: Target, n: int, team_id: str) -> Listing:
    def is_listing(method: str, path: str) -> bool:  # as okta_group's: the member pages
        return method == "GET" and path.split("?")[0] == f"/api/v2/teams/{team_id}/members"

    return Listing(
        "REST team members",
        target,
        n,
        100,
        [f"/Groups/{team_id}"],
        _group_warm(),
        is_listing,
        _members_check(n),
        **_rest_probes(n),
    )


def _rest_probes(n: int) -> dict[str, Any]:
    """The sandbox answers `username=` by reading every account (~0.3 s at 10,000), which
    would time the sandbox, not the connector: probes during a listing are reads by id there.
    Every page of a listing costs the sandbox as much, so fewer pages and one heavy request."""
    first = FIRST_ACCOUNT_ID

    def by_id() -> str:
        return f"/Users/{random.randrange(first, first + n)}"

    def direct() -> str:
        return f"/api/v2/accounts/{random.randrange(first, first + n)}"

    return {
        "probe_name": "GET /Users/{id}",
        "probe": by_id,
        "direct_probe": direct,
        "probed_pages": 2,
        "heavy_repeats": 1,
        "replay": False,
    }
