"""One HTTP call to Okta, done right: auth, pacing, retries within the budget, error bodies.

Everything here is about getting a request answered; what the request means is `users.py`'s job.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ...transport.backoff import backoff
from ...transport.budget import remaining
from ...transport.errors import GatewayError
from ...transport.pacing import Pacer
from ..errors import RateLimitedError, UnavailableError

log = logging.getLogger(__name__)

TokenSource = Callable[[bool], Awaitable[str]]
"""Returns the Okta API token; called with True to force a re-read after a 401."""

_USER_PATH = re.compile(r"^/api/v1/users/[^/]+$")
_RETRYABLE_STATUS = {500, 502, 503, 504}
# Never answer later than this many seconds into a request, whatever the budget says.
_MIN_ATTEMPT_SECONDS = 0.5


def bucket_of(method: str, path: str) -> str:
    """Okta's rate-limit bucket for a call: exact path first, then the longest prefix."""
    if path == "/api/v1/users" and method in {"GET", "POST"}:
        return "users"
    if _USER_PATH.match(path):
        return "user-read" if method == "GET" else "user-write"
    return "api"


@dataclass(frozen=True)
class OktaErrorBody:
    status: int
    code: str
    summary: str
    causes: list[str]


class OktaApiError(Exception):
    """Okta answered with an error (a 4xx other than 401 and 429)."""

    def __init__(self, body: OktaErrorBody) -> None:
        self.body = body
        super().__init__(f"Okta {body.status} {body.code}: {body.summary}")

    @property
    def detail(self) -> str:
        return "; ".join(self.body.causes) if self.body.causes else self.body.summary


class OutcomeUnknownError(Exception):
    """A write was sent and no answer came back: it may or may not have been applied."""


def _error_body(response: httpx.Response) -> OktaErrorBody:
    try:
        data = response.json()
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    causes = [
        str(c.get("errorSummary"))
        for c in data.get("errorCauses") or []
        if isinstance(c, dict) and c.get("errorSummary")
    ]
    return OktaErrorBody(
        status=response.status_code,
        code=str(data.get("errorCode") or ""),
        summary=str(data.get("errorSummary") or response.reason_phrase),
        causes=causes,
    )


@dataclass
class _LoopState:
    """An AsyncClient and a concurrency gate belong to the event loop that made them."""

    loop: asyncio.AbstractEventLoop
    http: httpx.AsyncClient
    gate: asyncio.Semaphore


class OktaClient:
    def __init__(
        self,
        base_url: str,
        token: TokenSource,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        max_concurrency: int = 20,
        attempt_timeout: float = 10.0,
        pacer: Pacer | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._transport = transport
        self._max_concurrency = max_concurrency
        self._attempt_timeout = attempt_timeout
        self.pacer = pacer or Pacer()
        self._state: _LoopState | None = None

    def _loop_state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        if self._state is None or self._state.loop is not loop or self._state.http.is_closed:
            self._state = _LoopState(
                loop=loop,
                http=httpx.AsyncClient(
                    base_url=self.base_url,
                    transport=self._transport,
                    headers={"Accept": "application/json"},
                    limits=httpx.Limits(
                        max_connections=self._max_concurrency,
                        max_keepalive_connections=self._max_concurrency,
                    ),
                ),
                gate=asyncio.Semaphore(self._max_concurrency),
            )
        return self._state

    async def aclose(self) -> None:
        if self._state is not None:
            await self._state.http.aclose()
            self._state = None

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        retry_unknown: bool = True,
    ) -> httpx.Response:
        """Send one call, retrying what can safely be retried within the request's budget.

        `retry_unknown=False` marks a write that must not be re-sent blindly: a fault after
        sending raises OutcomeUnknownError so the caller can find out what happened.
        """
        bucket = bucket_of(method, path)
        refreshed = gateway_refused = False
        attempt = 0
        while True:
            token = await self._token(False)
            try:
                response = await self._attempt(bucket, method, path, params, json, token)
            except GatewayError as exc:
                # A gateway (the relay) refused us: the request never reached the target, and
                # waiting will not fix a setting.
                if exc.refused:
                    if gateway_refused:
                        raise UnavailableError(
                            f"Azure Relay refused the connector (HTTP {exc.status_code}); check "
                            "RELAY_NAMESPACE, RELAY_HYBRID_CONNECTION, RELAY_SEND_RULE_NAME and "
                            "the relay-send-key secret (python -m connector doctor)",
                            retry_after=300,
                        ) from exc
                    gateway_refused = True  # the transport re-signs with a freshly read key
                    continue
                if not retry_unknown and method != "GET":
                    raise OutcomeUnknownError(type(exc).__name__) from exc
                await self._retry_after(attempt, str(exc), backoff(attempt))
                attempt += 1
                continue
            except httpx.TransportError as exc:
                if not retry_unknown and method != "GET":
                    raise OutcomeUnknownError(type(exc).__name__) from exc
                reason = f"Okta unreachable ({type(exc).__name__})"
                await self._retry_after(attempt, reason, backoff(attempt))
                attempt += 1
                continue
            self.pacer.observe(bucket, response.headers)
            status = response.status_code
            if status < 400:
                return response
            if status == 401 and not refreshed:
                # The token may have been rotated in the vault: re-read it once and retry.
                refreshed = True
                await self._token(True)
                continue
            if status == 401:
                raise UnavailableError(
                    "Okta rejected the connector's API token; put a valid token in "
                    "the vault secret okta-api-token (or OKTA_API_TOKEN locally)",
                    retry_after=300,
                )
            if status == 429:
                concurrency = response.headers.get("x-rate-limit-limit") == "0"
                wait = (
                    backoff(attempt) if concurrency else self.pacer.wait_for_reset(response.headers)
                )
                await self._retry_after(attempt, "Okta rate limit reached", wait, rate=True)
                attempt += 1
                continue
            if status in _RETRYABLE_STATUS:
                if not retry_unknown and method != "GET":
                    raise OutcomeUnknownError(f"HTTP {status}")
                await self._retry_after(attempt, f"Okta answered {status}", backoff(attempt))
                attempt += 1
                continue
            raise OktaApiError(_error_body(response))

    def _check_wait(self, wait: float) -> None:
        if wait > remaining() - _MIN_ATTEMPT_SECONDS:
            raise RateLimitedError("Okta rate limit budget exhausted", _retry_after(wait))

    async def _retry_after(
        self, attempt: int, reason: str, wait: float, *, rate: bool = False
    ) -> None:
        left = remaining()
        if wait + _MIN_ATTEMPT_SECONDS > left:
            log.warning("giving up after %d attempts: %s", attempt + 1, reason)
            error = RateLimitedError if rate else UnavailableError
            raise error(reason, _retry_after(max(wait, 1.0)))
        log.info("retrying in %.2fs (attempt %d): %s", wait, attempt + 1, reason)
        await asyncio.sleep(wait)

    async def _attempt(
        self,
        bucket: str,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        json: Any,
        token: str,
    ) -> httpx.Response:
        """One paced call. Pacing is decided inside the concurrency gate, so a call that waited
        for the gate is paced by what the responses meanwhile said, not by what was known before;
        the gate is not held while waiting for a paced slot."""
        state = self._loop_state()
        while True:
            async with state.gate:
                wait, taken = self.pacer.plan(bucket)
                if wait <= 0:
                    return await self._request(state, bucket, method, path, params, json, token)
            if taken:
                try:
                    self._check_wait(wait)
                    await asyncio.sleep(wait)
                except BaseException:
                    self.pacer.abandon(bucket)
                    raise
                async with state.gate:
                    return await self._request(state, bucket, method, path, params, json, token)
            self._check_wait(wait)
            await asyncio.sleep(wait)

    async def _request(
        self,
        state: _LoopState,
        bucket: str,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        json: Any,
        token: str,
    ) -> httpx.Response:
        timeout = max(_MIN_ATTEMPT_SECONDS, min(self._attempt_timeout, remaining()))
        # httpx sends `Content-Length: 0` on a body-less POST, which Okta requires (else 411).
        headers = {"Authorization": f"SSWS {token}"}
        try:
            return await state.http.request(
                method, path, params=params, json=json, headers=headers, timeout=timeout
            )
        except BaseException:
            self.pacer.abandon(bucket)  # no answer will be observed for this call
            raise


def _retry_after(seconds: float) -> int:
    return max(1, math.ceil(seconds))
