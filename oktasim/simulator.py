"""The in-process simulator: options, the request pipeline, test hooks and a running server."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from oktasim.api import UsersApi
from oktasim.errors import OktaError
from oktasim.groups import GroupStore
from oktasim.groups_api import GroupsApi
from oktasim.ids import new_type_suffix
from oktasim.index import Clock
from oktasim.messages import Request, Response
from oktasim.profile import ProfileSchema, group_schema
from oktasim.ratelimit import (
    WORKFORCE_CONCURRENCY,
    WORKFORCE_LIMITS,
    ConcurrencyGate,
    RateLimiter,
    Verdict,
    bucket_for,
    concurrency_verdict,
    token_share,
)
from oktasim.render import group_json, user_json
from oktasim.routes import Router
from oktasim.schemas import SchemasApi
from oktasim.store import DEPROVISIONED_UPDATES, REFUSE_403, Store
from simkit.faults import Fault, FaultPlan, RequestLog
from simkit.faults import Outcome as _Outcome
from simkit.running import Running
from simkit.server import serve

NO_FAULTS_HEADER = "X-Oktasim-No-Faults"
# How the latency fault waits: `time.sleep`, or in tests something that records the delay (or
# blocks until the test lets it go) instead of spending it.
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class SimulatorOptions:
    """Everything configurable. The defaults behave like a Workforce org as Okta ships it,
    without faults: its rate limits as one API token meets them (half of each bucket), its
    concurrency limit, a search index and activations that lag,
    and edits of deactivated users refused. Tests turn off what they do not exercise."""

    token: str = "t0ken"  # noqa: S105 (a well-known development default)
    custom_attributes: tuple[str, ...] = ("scimExternalId",)
    # A new org has no custom group attributes until an admin adds one.
    group_custom_attributes: tuple[str, ...] = ()
    # The token's limit in every bucket, exactly; None: its share of the Workforce limits.
    rate_limit_per_minute: int | None = None
    # "By default, each API token or OAuth 2.0 app can use up to 50% of a bucket's total rate
    # limit" (Okta, "Token and OAuth 2.0 app rate limits"); an admin can change the share.
    token_share_percent: int = 50
    rate_limit_window_s: float = 60.0
    concurrency_limit: int = WORKFORCE_CONCURRENCY  # 0 disables the limit
    latency_ms: float = 0.0
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    drop_rate: float = 0.0
    hang_s: float = 300.0  # how long a "timeout" request hangs unless the server stops first
    seed: int | None = None
    # Okta's search (and filter, q) is eventually consistent, "typically under a second"
    # (legacy Users API page): the simulator plays the slow end of typical.
    search_lag_ms: float = 1000.0
    # Activation is asynchronous (spec; an Okta engineer in okta-developer-docs#1773): during it
    # users show transitioningToStatus and updates get 409 E0000112. Okta gives no duration;
    # as long as the search lag (inference).
    activation_ms: float = 1000.0
    deactivate_returns_204: bool = False
    # Updates of DEPROVISIONED users: refused with 403 E0000038 as in every org by default
    # ("refuse"), with 404 E0000007 ("refuse-404"), or allowed ("allow", the org option on).
    deprovisioned_updates: str = REFUSE_403
    any_login: bool = False  # the org's login pattern relaxed to `.+` (default: email address)

    def __post_init__(self) -> None:
        if self.rate_limit_per_minute is not None and self.rate_limit_per_minute < 1:
            raise ValueError("rate_limit_per_minute must be at least 1")
        for name in ("concurrency_limit", "latency_ms", "hang_s", "search_lag_ms", "activation_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if not 1 <= self.token_share_percent <= 100:
            raise ValueError("token_share_percent must be between 1 and 100")
        if self.rate_limit_window_s <= 0:
            raise ValueError("rate_limit_window_s must be positive")
        if self.deprovisioned_updates not in DEPROVISIONED_UPDATES:
            raise ValueError(
                f"deprovisioned_updates must be one of {', '.join(DEPROVISIONED_UPDATES)}"
            )


# What the HTTP layer must do: answer, answer nothing and hang, or drop the connection. A hanging
# request is still in flight for Okta's concurrency limit: its `release` frees the slot, and the
# HTTP layer calls it when the hang ends.
Outcome = _Outcome[Response]


@dataclass
class _Counters:
    rate: RateLimiter
    gate: ConcurrencyGate
    faults: FaultPlan


class Simulator:
    def __init__(
        self,
        options: SimulatorOptions | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        wall_clock: Clock = time.time,
    ) -> None:
        """`clock` (monotonic seconds) drives the search index and activation lag, `sleep` the
        latency fault's wait, `wall_clock` (UTC epoch seconds) the rate-limit windows, their
        resets and the `Date` header that goes with them; tests pass fake ones."""
        self.options = options or SimulatorOptions()
        self._sleep = sleep
        self.wall_clock = wall_clock
        self._token = self.options.token
        self._lock = threading.Lock()
        self.request_log = RequestLog()
        self._store = Store(
            schema=self._user_schema(),
            rng=self._random(0),
            type_suffix=new_type_suffix(self._random(2)),
            search_lag_s=self.options.search_lag_ms / 1000,
            activation_s=self.options.activation_ms / 1000,
            deprovisioned_updates=self.options.deprovisioned_updates,
            clock=clock,
        )
        self._groups = GroupStore(
            self._store,
            group_schema(self.options.group_custom_attributes),
            rng=self._random(3),
            search_lag_s=self.options.search_lag_ms / 1000,
        )
        self._api = Router(
            UsersApi(self._store, self.options.deactivate_returns_204),
            GroupsApi(self._groups),
            SchemasApi(self._store, self._groups),
        )
        self._counters = self._fresh_counters()
        self.org_url = "http://127.0.0.1"

    def _user_schema(self) -> ProfileSchema:
        return ProfileSchema(
            self.options.custom_attributes, email_logins=not self.options.any_login
        )

    def _random(self, stream: int) -> random.Random:
        """Independent generators per purpose, so a seed fixes each stream on its own."""
        seed = self.options.seed
        return random.Random(seed * 10 + stream) if seed is not None else random.Random()

    def _fresh_counters(self) -> _Counters:
        per_minute = self.options.rate_limit_per_minute
        limits = (
            token_share(WORKFORCE_LIMITS, self.options.token_share_percent)
            if per_minute is None
            else dict.fromkeys(WORKFORCE_LIMITS, per_minute)
        )
        return _Counters(
            rate=RateLimiter(limits, self.options.rate_limit_window_s, self.wall_clock),
            gate=ConcurrencyGate(self.options.concurrency_limit),
            faults=FaultPlan(
                self.options.error_rate,
                self.options.timeout_rate,
                self.options.drop_rate,
                self._random(1),
                error_statuses=_ERROR_STATUSES,
            ),
        )

    # -- the public in-process API -----------------------------------------------------------

    def start(
        self, host: str = "127.0.0.1", port: int = 0, *, allow_non_loopback: bool = False
    ) -> RunningSimulator:
        """Serves on a background thread and returns at once; port 0 picks a free port."""
        from oktasim.server import OktaHandler  # the server imports this module

        running = serve(
            RunningSimulator,
            OktaHandler,
            self,
            host,
            port,
            name="oktasim",
            allow_non_loopback=allow_non_loopback,
        )
        self.org_url = running.url
        return running

    def users(self) -> list[dict[str, Any]]:
        """Every user in any status, as a single GET would return it."""
        now = self._store.clock()
        return [
            user_json(user, self.org_url, self._store.type_suffix, now=now)
            for user in sorted(self._store.live(), key=lambda user: user.created)
        ]

    def groups(self) -> list[dict[str, Any]]:
        """Every group, Everyone included, as a single GET would return it."""
        return [
            group_json(group, self.org_url)
            for group in sorted(self._groups.live(), key=lambda group: group.created)
        ]

    def group_members(self, group_id: str) -> list[str]:
        """The ids of a group's members (any status), as its member listing holds them.

        Raises ValueError for an unknown group id.
        """
        try:
            members = self._groups.members(group_id)
        except OktaError as error:
            raise ValueError(f"no such group: {error.summary}") from None
        return sorted(user.id for user in members)

    def add_app_group(
        self,
        name: str,
        members: Iterable[str] = (),
        *,
        description: str | None = None,
        profile: dict[str, Any] | None = None,
    ) -> str:
        """An APP_GROUP as a directory import creates it (the API cannot); returns its id.

        Raises ValueError for an unknown member id.
        """
        try:
            group = self._groups.add_app_group(name, members, description, dict(profile or {}))
        except OktaError as error:
            raise ValueError(f"cannot add app group: {error.summary}") from None
        return group.id

    @property
    def emails_sent(self) -> list[tuple[str, str]]:
        """(user id, kind) of each email Okta would have sent, e.g. ("00u…", "activation")."""
        return [(email.user_id, email.kind) for email in self._store.emails]

    def set_token(self, token: str) -> None:
        with self._lock:
            self._token = token

    def reset(self) -> None:
        """Back to a new org: users, groups, added schema attributes, counters and the log go;
        the token and options stay."""
        with self._lock:
            self._store.clear()
            self._store.rng = self._random(0)  # with a seed, ids repeat after a reset too
            self._store.schema = self._user_schema()
            self._groups.schema = group_schema(self.options.group_custom_attributes)
            self._groups.rng = self._random(3)
            self._groups.clear()
            self.request_log.clear()
            self._counters = self._fresh_counters()

    def force_status(self, user_id: str, status: str) -> None:
        """Puts a user into a status no admin call reaches, e.g. LOCKED_OUT or PASSWORD_EXPIRED."""
        self._store.force_status(user_id, status)

    def set_deprovisioned_updates(self, mode: str) -> None:
        """How updates of DEPROVISIONED users are answered: "refuse" (403 E0000038, an org
        without "Edit Deactivated User Profile Updates"), "refuse-404" or "allow"."""
        if mode not in DEPROVISIONED_UPDATES:
            raise ValueError(f"mode must be one of {', '.join(DEPROVISIONED_UPDATES)}")
        self._store.deprovisioned_updates = mode

    # -- the request pipeline ----------------------------------------------------------------

    def handle(self, request: Request) -> Outcome:
        """Runs one request: concurrency, faults, rate limit, length, auth, then the API."""
        counters = self._counters
        bucket = bucket_for(request.method, request.path)
        if request.header(NO_FAULTS_HEADER) == "1":
            verdict = counters.rate.take(bucket, count=False)
            return self._answer(request, verdict)
        if not counters.gate.enter():
            response = Response.error(OktaError("E0000047"))
            response.headers.extend(concurrency_verdict(self.wall_clock()).headers())
            return self._logged(request, Outcome(response))
        held = True
        try:
            if self.options.latency_ms > 0:
                self._sleep(self.options.latency_ms / 1000)
            decision = counters.faults.decide()
            if decision.fault is Fault.TIMEOUT:
                held = False  # the slot stays taken until the hang ends
                hanging = Outcome(
                    None, Fault.TIMEOUT, self.options.hang_s, release=counters.gate.leave
                )
                return self._logged(request, hanging)
            verdict = counters.rate.take(bucket)
            if decision.fault is Fault.ERROR:
                return self._logged(request, Outcome(_server_error(decision.status, verdict)))
            if not verdict.allowed:
                response = Response.error(OktaError("E0000047"))
                response.headers.extend(verdict.headers())
                return self._logged(request, Outcome(response))
            outcome = self._answer(request, verdict)
            if decision.fault is Fault.DROP:
                return Outcome(outcome.response, Fault.DROP, log_index=outcome.log_index)
            return outcome
        finally:
            if held:
                counters.gate.leave()

    def _answer(self, request: Request, verdict: Verdict) -> Outcome:
        response = self._authorised_response(request)
        response.headers.extend(verdict.headers())
        return self._logged(request, Outcome(response))

    def _authorised_response(self, request: Request) -> Response:
        if request.method in ("POST", "PUT") and request.body is None:
            return Response(411, _LENGTH_REQUIRED)
        authorization = request.header("Authorization")
        if authorization is None:
            return Response.error(OktaError("E0000005"))
        with self._lock:
            expected = f"SSWS {self._token}"
        if authorization != expected:
            return Response.error(OktaError("E0000011"))
        return self._api.handle(request, self.org_url)

    def _logged(self, request: Request, outcome: Outcome) -> Outcome:
        target = request.path + (f"?{request.query}" if request.query else "")
        return self.request_log.logged(request.method, target, outcome)

    def mark_unanswered(self, outcome: Outcome) -> None:
        self.request_log.mark_unanswered(outcome)


_LENGTH_REQUIRED = "411 Length Required"
# What an error fault answers: Okta's JSON 500 (E0000009), or a 502 or 503 page.
_ERROR_STATUSES = (500, 502, 503)


def _server_error(status: int, verdict: Verdict) -> Response:
    response = (
        Response.error(OktaError("E0000009"))
        if status == 500
        else Response(
            status, f"{status} {'Bad Gateway' if status == 502 else 'Service Unavailable'}"
        )
    )
    response.headers.extend(verdict.headers())
    return response


class RunningSimulator(Running):
    """A simulator serving HTTP on a background thread; stop() or use it as a context manager."""
