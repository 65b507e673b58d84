"""The in-process Peopledir: options, the request pipeline, test hooks and a running server.

Pipeline for one request: rate limit (429), body framing (411/413), then either the token
endpoint or the bearer check (401) followed by the People API. Every response carries the
RateLimit fields."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from simkit.clock import SystemClock
from simkit.running import Running
from simkit.server import serve

from .api import PeopleApi
from .clock import Clock
from .messages import Request, Response
from .oauth import SCOPES, TokenService
from .problems import Problem
from .ratelimit import RateLimiter, Verdict
from .store import Store

TOKEN_PATH = "/oauth2/token"
MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class PeopledirOptions:
    """Everything configurable; the defaults are the documented Peopledir limits."""

    client_id: str = "peopledir-test-client"
    client_secret: str = "peopledir-test-secret"
    scopes: tuple[str, ...] = SCOPES  # what the client may be granted
    token_lifetime_s: int = 3600
    rate_limit: int = 3000  # requests per window, for the whole tenant
    rate_window_s: int = 60

    def __post_init__(self) -> None:
        if not self.client_id or not self.client_secret:
            raise ValueError("client_id and client_secret must not be empty")
        unknown = set(self.scopes) - set(SCOPES)
        if unknown or not self.scopes:
            raise ValueError(f"scopes must be a non-empty subset of {SCOPES}")
        for name in ("token_lifetime_s", "rate_limit", "rate_window_s"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")


class PeopledirApp:
    def __init__(self, options: PeopledirOptions | None = None, clock: Clock | None = None) -> None:
        self.options = options or PeopledirOptions()
        self.clock: Clock = clock or SystemClock()
        self.request_log: list[tuple[str, str, int]] = []  # (method, path and query, status)
        self._lock = threading.Lock()
        self._store = Store(self.clock)
        self._api = PeopleApi(self._store)
        self._tokens = self._fresh_tokens()
        self._rate = self._fresh_limiter()

    def _fresh_tokens(self) -> TokenService:
        o = self.options
        return TokenService(o.client_id, o.client_secret, o.scopes, o.token_lifetime_s, self.clock)

    def _fresh_limiter(self) -> RateLimiter:
        return RateLimiter(self.options.rate_limit, self.options.rate_window_s)

    # -- the public in-process API -----------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> RunningPeopledir:
        """Serves on a background thread and returns at once; port 0 picks a free port."""
        from .server import PeopledirHandler  # the server imports this module

        return serve(RunningPeopledir, PeopledirHandler, self, host, port, name="peopledir")

    def people(self) -> list[dict[str, Any]]:
        """Every person in creation order, as GET /v1/people/{id} returns them."""
        return self._store.people()

    def revoke_tokens(self) -> None:
        """Every access token issued so far stops working (as an administrator can do)."""
        self._tokens.revoke_all()

    def reset(self) -> None:
        """No people, no tokens, a fresh rate-limit window, an empty log."""
        with self._lock:
            self._store.clear()
            self._tokens = self._fresh_tokens()
            self._rate = self._fresh_limiter()
            self.request_log.clear()

    # -- the request pipeline ----------------------------------------------------------------

    def handle(self, request: Request, framing: str | None = None) -> Response:
        verdict = self._rate.take(self.clock.now())
        try:
            response = self._respond(request, framing, verdict)
        except Problem as problem:
            response = Response.problem(problem)
        except Exception:  # a bug must still answer as the API does, never with a trace
            response = Response.problem(Problem("internal", "Something went wrong on our side."))
        response.headers.extend(verdict.headers())
        with self._lock:
            self.request_log.append((request.method, request.target, response.status))
        return response

    def _respond(self, request: Request, framing: str | None, verdict: Verdict) -> Response:
        if not verdict.allowed:
            raise Problem(
                "rate-limited",
                f"The limit of {verdict.limit} requests per {verdict.window_s} seconds is "
                f"reached; retry in {verdict.reset_s} seconds.",
                headers=[("Retry-After", str(verdict.reset_s))],
            )
        if framing == "length_required":
            raise Problem("length-required", "Send request bodies with a Content-Length.")
        if framing == "too_large":
            raise Problem(
                "payload-too-large", f"Request bodies are limited to {MAX_BODY_BYTES} bytes."
            )
        if request.path == TOKEN_PATH:
            if request.method != "POST":
                raise Problem(
                    "method-not-allowed",
                    f"{request.method} is not allowed here; use POST.",
                    headers=[("Allow", "POST")],
                )
            return self._tokens.token_endpoint(request)
        grant = self._tokens.authenticate(request)
        return self._api.handle(request, grant)


class RunningPeopledir(Running):
    """A Peopledir serving HTTP on a background thread; stop() or use it as a context manager."""

    @property
    def token_url(self) -> str:
        return self.url + TOKEN_PATH
