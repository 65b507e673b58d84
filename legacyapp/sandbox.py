"""The in-process sandbox: options, the request pipeline, test hooks and a running server."""

from __future__ import annotations

import hmac
import random
import threading
from dataclasses import dataclass
from typing import Any

from legacyapp.api import LedgerlineApi, Request, Response
from legacyapp.clock import Clock
from legacyapp.errors import ApiError
from legacyapp.ratelimit import RateLimiter, Verdict
from legacyapp.store import Store
from simkit.clock import SystemClock
from simkit.faults import Fault, FaultPlan, RequestLog, check_rates
from simkit.faults import Outcome as _Outcome
from simkit.running import Running
from simkit.server import serve

NO_FAULTS_HEADER = "X-Legacyapp-No-Faults"
API_KEY_HEADER = "X-Api-Key"


@dataclass(frozen=True)
class SandboxOptions:
    """Everything configurable; the defaults are Ledgerline's own limits without faults."""

    api_key: str = "k3y"
    rate_limit: int = 300  # requests per window and API key
    rate_window_s: float = 60.0
    latency_ms: float = 0.0
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    drop_rate: float = 0.0
    hang_s: float = 300.0  # how long a "timeout" request hangs unless the server stops first
    seed: int | None = None
    accounts: int = 0  # synthetic accounts present at start and after every reset
    # Ledgerline's legacy answer style: the API's own refusals answered 200 with
    # {"success": false, "error": …}, and its JSON successes marked "success": true. Off: the
    # documented statuses.
    errors_with_200: bool = False

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ValueError("api_key must not be empty")
        if self.rate_limit < 1:
            raise ValueError("rate_limit must be at least 1")
        if self.rate_window_s <= 0:
            raise ValueError("rate_window_s must be positive")
        for name in ("latency_ms", "hang_s", "accounts"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        check_rates(self.error_rate, self.timeout_rate, self.drop_rate)


# What the HTTP layer must do: answer, answer nothing and hang, or drop the connection.
Outcome = _Outcome[Response]


class Sandbox:
    def __init__(self, options: SandboxOptions | None = None, clock: Clock | None = None) -> None:
        self.options = options or SandboxOptions()
        self.clock: Clock = clock or SystemClock()
        self.request_log = RequestLog()
        self.base_url = "http://127.0.0.1"  # until start() knows the port; used in Location
        self._lock = threading.Lock()
        self._store = Store(self.clock)
        self._api = LedgerlineApi(self._store)
        self._rate, self._faults = self._fresh_counters()
        self._store.populate(self.options.accounts)

    def _fresh_counters(self) -> tuple[RateLimiter, FaultPlan]:
        seed = self.options.seed
        rng = random.Random(seed) if seed is not None else random.Random()
        faults = FaultPlan(
            self.options.error_rate,
            self.options.timeout_rate,
            self.options.drop_rate,
            rng,
            error_statuses=_ERROR_STATUSES,
        )
        return RateLimiter(self.options.rate_limit, self.options.rate_window_s), faults

    # -- the public in-process API -----------------------------------------------------------

    def start(
        self, host: str = "127.0.0.1", port: int = 0, *, allow_non_loopback: bool = False
    ) -> RunningSandbox:
        """Serves on a background thread and returns at once; port 0 picks a free port."""
        from legacyapp.server import LedgerlineHandler  # the server imports this module

        running = serve(
            RunningSandbox,
            LedgerlineHandler,
            self,
            host,
            port,
            name="legacyapp",
            allow_non_loopback=allow_non_loopback,
        )
        self.base_url = running.url
        return running

    def accounts(self) -> list[dict[str, Any]]:
        """Every account, by id, as GET /api/v2/accounts/{id} returns it under "data"."""
        return self._store.accounts()

    def teams(self) -> list[dict[str, Any]]:
        """Every team, by id, as GET /api/v2/teams/{id} returns it under "data"."""
        return self._store.teams()

    def members(self, team_id: int) -> list[int]:
        """The team's member account ids, ascending; ValueError for an unknown team."""
        try:
            return [member["account_id"] for member in self._store.members(str(team_id))]
        except ApiError as error:
            raise ValueError(error.message) from None

    def reset(self) -> None:
        """Back to the starting data (ids from 1001 and 1), fresh counters, empty log."""
        with self._lock:
            self._store.clear()
            self._store.populate(self.options.accounts)
            self.request_log.clear()
            self._rate, self._faults = self._fresh_counters()

    # -- the request pipeline ----------------------------------------------------------------

    def handle(self, request: Request) -> Outcome:
        """Runs one request: latency, faults, rate limit, authentication, then the API."""
        rate, faults = self._rate, self._faults
        key = request.header(API_KEY_HEADER) or ""
        if request.header(NO_FAULTS_HEADER) == "1":
            return self._answer(request, rate.take(key, self.clock.now(), count=False))
        if self.options.latency_ms > 0:
            self.clock.sleep(self.options.latency_ms / 1000)
        decision = faults.decide()
        if decision.fault is Fault.TIMEOUT:
            return self._logged(request, Outcome(None, Fault.TIMEOUT, self.options.hang_s))
        verdict = rate.take(key, self.clock.now())
        if decision.fault is Fault.ERROR:
            return self._logged(request, Outcome(_server_error(decision.status, verdict)))
        if not verdict.allowed:
            return self._logged(request, Outcome(_rate_limited(verdict)))
        outcome = self._answer(request, verdict)
        if decision.fault is Fault.DROP:
            return Outcome(outcome.response, Fault.DROP, log_index=outcome.log_index)
        return outcome

    def _answer(self, request: Request, verdict: Verdict) -> Outcome:
        response = self._authorised_response(request)
        response.headers.extend(verdict.headers())
        return self._logged(request, Outcome(response))

    def _authorised_response(self, request: Request) -> Response:
        sent = request.header(API_KEY_HEADER) or ""
        if not hmac.compare_digest(sent.encode(), self.options.api_key.encode()):
            return Response.error(ApiError("unauthorized", "missing or invalid API key"))
        response = self._api.handle(request, self.base_url)
        return _with_200_errors(response) if self.options.errors_with_200 else response

    def _logged(self, request: Request, outcome: Outcome) -> Outcome:
        return self.request_log.logged(request.method, request.target, outcome)

    def mark_unanswered(self, outcome: Outcome) -> None:
        self.request_log.mark_unanswered(outcome)


def _with_200_errors(response: Response) -> Response:
    """An answer of the API in the legacy style: a refusal (4xx) is a 200 whose body says
    `"success": false` beside the usual error; a JSON success says `"success": true`. What
    comes from in front of the API (401 for the key, 429, the faults) keeps its status."""
    if not isinstance(response.body, dict):
        return response  # no body (204), or a page that is not JSON
    if 400 <= response.status < 500:
        return Response(200, {"success": False, **response.body}, response.headers)
    if response.status >= 300:
        return response  # no success, and no refusal of the API's: its status says it
    return Response(response.status, {"success": True, **response.body}, response.headers)


# What an error fault answers: the application's JSON 500, or the proxy's 503 page.
_ERROR_STATUSES = (500, 503)


def _server_error(status: int, verdict: Verdict) -> Response:
    if status == 500:
        response = Response.error(ApiError("internal", "internal server error"))
    else:
        response = Response(status, _PROXY_503)
    response.headers.extend(verdict.headers())
    return response


def _rate_limited(verdict: Verdict) -> Response:
    error = ApiError(
        "rate_limited",
        f"rate limit of {verdict.limit} requests exceeded; retry in {verdict.reset_s} s",
        headers=[("Retry-After", str(verdict.reset_s)), *verdict.headers()],
    )
    return Response.error(error)


# The reverse proxy's own page when the application behind it does not answer.
_PROXY_503 = (
    "<!DOCTYPE html>\n<html>\n<head><title>503 Service Unavailable</title></head>\n"
    "<body>\n<h1>503 Service Unavailable</h1>\n"
    "<p>The upstream application is not available. Please try again later.</p>\n"
    "</body>\n</html>\n"
)


class RunningSandbox(Running):
    """A sandbox serving HTTP on a background thread; stop() or use it as a context manager."""
