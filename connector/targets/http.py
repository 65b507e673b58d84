"""One HTTP call to a target application, done right: credentials, pacing by the server's
rate-limit headers, retries within the request's time budget, and refusals reported as such.

Everything here is about getting a request answered; what the request means is the target's
job. Okta and every described REST application share this client.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import logging
import math
import os
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol
from urllib.parse import urlencode, urlsplit
from urllib.request import getproxies

import httpx

from .. import telemetry
from ..json_codec import dumps, loads
from ..transport.backoff import backoff
from ..transport.budget import MIN_ATTEMPT_SECONDS, attempt_seconds, remaining, retries_allowed
from ..transport.errors import GatewayError
from ..transport.http11 import PLAIN_BODY, Http11Transport
from ..transport.pacing import Pacer
from ..transport.ratelimit import RateLimitHeaders, retry_after
from .errors import RateLimitedError, UnavailableError
from .urls import CallUrls

log = logging.getLogger(__name__)

DEFAULT_RETRYABLE = frozenset({500, 502, 503, 504})
# One attempt's timeout at a target reached directly (through the relay: TargetContext).
ATTEMPT_TIMEOUT_SECONDS = 10.0
# How much of an error body is kept for matching and messages.
_ERROR_BODY_LIMIT = 8192
_UNREAD = object()  # an error body not decoded yet


@dataclass(frozen=True)
class Authorization:
    """What proves the connector's identity on one call: headers and/or query parameters."""

    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)


class Credentials(Protocol):
    async def authorization(self, refresh: bool) -> Authorization:
        """The current credentials; `refresh` after the target refused them (rotation)."""
        ...

    @property
    def fix(self) -> str:
        """What the admin does when the target keeps refusing them."""
        ...


class Call(NamedTuple):
    """One call to make. A NamedTuple, not a frozen dataclass: one is built per target call,
    and a frozen dataclass sets each field through object.__setattr__."""

    method: str
    path: str  # relative to the base URL, or an absolute URL on it (a paging link)
    params: Mapping[str, str] | None = None
    json: Any = None
    content: bytes | None = None
    headers: Mapping[str, str] | None = None
    # The path's template (`/accounts/{id}`), for telemetry: values never reach a record.
    template: str | None = None


class ApiError(Exception):
    """The target answered with an error that retrying will not fix (a 4xx but 401/429)."""

    # For an error a success status carries in its body: how telemetry names it (the
    # application's code, say), the status being a success. None for an error status.
    label: str | None = None

    def __init__(self, status: int, reason: str, headers: httpx.Headers, body: bytes) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.text = body[:_ERROR_BODY_LIMIT].decode("utf-8", "replace")
        self._json: Any = _UNREAD
        super().__init__(f"HTTP {status}")

    def json(self) -> Any:
        """The body as JSON, None when it is not; decoded once (a description's answer rules
        each look at it), so callers read it and leave it as it is."""
        if self._json is _UNREAD:
            try:
                self._json = loads(self.text)
            except (ValueError, RecursionError):  # nested deeper than json reads: not read
                self._json = None
        return self._json


class OutcomeUnknownError(Exception):
    """A write was sent and no answer came back: it may or may not have been applied."""


@dataclass
class _LoopState:
    """An AsyncClient and a concurrency gate belong to the event loop that made them."""

    loop: asyncio.AbstractEventLoop
    http: httpx.AsyncClient
    gate: asyncio.Semaphore
    # What carries the calls; None where httpx's client picks its own (httpcore, via a proxy).
    transport: httpx.AsyncBaseTransport | None
    # The client's headers as sent (httpx's defaults, then the target's).
    headers: list[tuple[bytes, bytes]]


_RawHeaders = list[tuple[bytes, bytes]]
BucketOf = Callable[[str, str], str]
# What the body of an answer with a success status says of a failure (a described application's
# `errorEnvelope`): the error, raised as an error status would be and recorded as a failed call
# (its `label` beside the status), or None for a success.
FailedAnswer = Callable[[httpx.Response], ApiError | None]
# A call's path as telemetry shows it: values (ids, logins) replaced, no query.
PathTemplate = Callable[[str], str]


def one_bucket(method: str, path: str) -> str:
    return "api"


class ApiClient:
    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        name: str,
        bucket_of: BucketOf = one_bucket,
        rate_limit_headers: RateLimitHeaders | None = None,
        retryable: frozenset[int] = DEFAULT_RETRYABLE,
        transport: httpx.AsyncBaseTransport | None = None,
        max_concurrency: int = 20,
        attempt_timeout: float = ATTEMPT_TIMEOUT_SECONDS,
        verify: bool | str = True,
        headers: Mapping[str, str] | None = None,
        pacer: Pacer | None = None,
        path_template: PathTemplate = telemetry.template,
        failed_answer: FailedAnswer | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._prefix = _joinable_prefix(self.base_url)
        self._urls = CallUrls(self.base_url)
        self.name = name
        self._credentials = credentials
        self._bucket_of = bucket_of
        self._path_template = path_template
        self._failed_answer = failed_answer
        self._retryable = retryable
        self._transport = transport
        self._max_concurrency = max_concurrency
        self._attempt_timeout = attempt_timeout
        self._verify = verify
        self._headers = {"Accept": "application/json", **(headers or {})}
        self._rate = rate_limit_headers or RateLimitHeaders()
        self.pacer = pacer or Pacer(headers=self._rate)
        self._state: _LoopState | None = None
        # The headers of the last call without its own headers: the client's with the last
        # authorization's (a credential's `Authorization` is the same object while its secret
        # is), so they are merged and encoded once per authorization, not on every call.
        self._sent_headers: tuple[Authorization, _RawHeaders, _RawHeaders] | None = None

    async def prepare(self) -> None:
        """Open the HTTP client on the running loop now (the app's warmup does), rather than
        in the first call: creating it builds its TLS context, and where httpx's own transport
        is used (a proxy), httpcore's first call loads anyio's backend for this loop (~40 ms)."""
        if self._loop_state().transport is None:
            import anyio.lowlevel

            await anyio.lowlevel.checkpoint()

    def _loop_state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        if self._state is None or self._state.loop is not loop or self._state.http.is_closed:
            transport = self._transport or _direct_transport(
                self.base_url, self._verify, self._max_concurrency
            )
            http = httpx.AsyncClient(
                base_url=self.base_url,
                transport=transport,
                headers=self._headers,
                # Targets authenticate every call; a session cookie is never wanted back.
                cookies=_NoCookies(),
                # Only httpx's own transport (behind a proxy) uses it: the same trust, as a
                # context (httpx deprecates a CA path), and none built where it goes unused.
                verify=_tls_context(self._verify) if transport is None else True,
                limits=httpx.Limits(
                    max_connections=self._max_concurrency,
                    max_keepalive_connections=self._max_concurrency,
                ),
            )
            self._state = _LoopState(
                loop=loop,
                http=http,
                gate=asyncio.Semaphore(self._max_concurrency),
                transport=transport,
                headers=list(http.headers.raw),
            )
        return self._state

    async def aclose(self) -> None:
        if self._state is not None:
            await self._state.http.aclose()
            self._state = None

    async def send(self, call: Call, *, retry_unknown: bool = True) -> httpx.Response:
        """Send one call, retrying what can safely be retried within the request's budget.

        `retry_unknown=False` marks a write that must not be re-sent blindly: a fault after
        sending raises OutcomeUnknownError so the caller can find out what happened.
        """
        url = self._url(call.path)
        bucket = self._bucket_of(call.method, call.path.partition("?")[0])
        writes = call.method != "GET"
        refreshed = gateway_refused = False
        attempt = 0
        while True:
            authorization = await self._credentials.authorization(False)
            try:
                response, failed = await self._attempt(bucket, call, url, authorization)
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
                    telemetry.retried("gateway refused the connector; key re-read")
                    continue
                if not retry_unknown and writes:
                    raise OutcomeUnknownError(type(exc).__name__) from exc
                await self._retry_after(attempt, str(exc), backoff(attempt))
                attempt += 1
                continue
            except httpx.TransportError as exc:
                if not retry_unknown and writes:
                    raise OutcomeUnknownError(type(exc).__name__) from exc
                reason = (
                    f"{self.name} unreachable ({type(exc).__name__}); check {self.base_url} "
                    "and the network path to it"
                )
                await self._retry_after(attempt, reason, backoff(attempt))
                attempt += 1
                continue
            self.pacer.observe(bucket, _read_headers(response.headers, self.pacer.header_names))
            if failed is not None:
                raise failed
            status = response.status_code
            if status < 400:
                return response
            body = await response.aread()
            if status == 401 and not refreshed:
                # The credentials may have been rotated: re-read them once and retry.
                refreshed = True
                await self._credentials.authorization(True)
                telemetry.retried(f"{self.name} refused the credentials; re-read them")
                continue
            if status == 401:
                raise UnavailableError(
                    f"{self.name} rejected the connector's credentials (HTTP 401); "
                    f"{self._credentials.fix}",
                    retry_after=300,
                )
            if status == 429:
                wait = retry_after(response.headers)
                if wait is None and self._rate.concurrency_rejection(response.headers):
                    wait = backoff(attempt)  # too many calls in flight: no window to wait for
                elif wait is None:
                    wait = self.pacer.wait_for_reset(response.headers)
                reason = f"{self.name} rate limit reached"
                await self._retry_after(attempt, reason, wait, rate=True)
                attempt += 1
                continue
            if status in self._retryable:
                if not retry_unknown and writes:
                    raise OutcomeUnknownError(f"HTTP {status}")
                reason = f"{self.name} answered {status}"
                # With a 503 a Retry-After is how long the outage should last (RFC 9110
                # §10.2.3): trying sooner spends calls, and past the budget Entra is told it.
                asked = retry_after(response.headers) or 0.0
                await self._retry_after(attempt, reason, max(backoff(attempt), asked))
                attempt += 1
                continue
            raise ApiError(status, response.reason_phrase, response.headers, body)

    def _check_wait(self, wait: float) -> None:
        if wait > remaining() - MIN_ATTEMPT_SECONDS:
            telemetry.budget_exhausted(429)
            raise RateLimitedError(
                f"{self.name} rate limit budget exhausted", _retry_after_seconds(wait)
            )

    async def _retry_after(
        self, attempt: int, reason: str, wait: float, *, rate: bool = False
    ) -> None:
        left = remaining()
        if wait + MIN_ATTEMPT_SECONDS > left or not retries_allowed():
            log.warning("giving up after %d attempts: %s", attempt + 1, reason)
            if retries_allowed():
                telemetry.budget_exhausted(429 if rate else 503)
            error = RateLimitedError if rate else UnavailableError
            raise error(reason, _retry_after_seconds(max(wait, 1.0)))
        log.info("retrying in %.2fs (attempt %d): %s", wait, attempt + 1, reason)
        telemetry.retried(reason)
        telemetry.waited(wait, "rate_limit" if rate else "backoff")
        await asyncio.sleep(wait)

    def _url(self, path: str) -> httpx.URL | str:
        """What the call is sent to: `path` on the base URL, joined as httpx's client joins a
        path to its base URL. A path starting with one `/` (every call the targets make) is
        joined as text, left for `_request` to parse once with the call's parameters; httpx
        parses the path, the joined URL, then the URL with its parameters again (~35 us each)."""
        if self._prefix is not None and path.startswith("/") and not path.startswith("//"):
            return self._prefix + path
        relative = httpx.URL(path)
        if relative.is_absolute_url:
            # Credentials go to the base URL's origin only; links are followed as paths on it.
            raise ValueError(f"a call's path must be relative to {self.base_url}")
        base = httpx.URL(self.base_url)
        if not base.raw_path.endswith(b"/"):
            base = base.copy_with(raw_path=base.raw_path + b"/")
        return base.copy_with(raw_path=base.raw_path + relative.raw_path.lstrip(b"/"))

    async def _attempt(
        self, bucket: str, call: Call, url: httpx.URL | str, authorization: Authorization
    ) -> tuple[httpx.Response, ApiError | None]:
        """One paced call. Pacing is decided inside the concurrency gate, so a call that waited
        for the gate is paced by what the responses meanwhile said, not by what was known before;
        the gate is not held while waiting for a paced slot."""
        state = self._loop_state()
        while True:
            async with state.gate:
                wait, taken = self.pacer.plan(bucket)
                if wait <= 0:
                    return await self._request(state, bucket, call, url, authorization)
            if taken:
                try:
                    self._check_wait(wait)
                    telemetry.waited(wait, "pacing")
                    await asyncio.sleep(wait)
                except BaseException:
                    self.pacer.abandon(bucket)
                    raise
                async with state.gate:
                    return await self._request(state, bucket, call, url, authorization)
            self._check_wait(wait)
            telemetry.waited(wait, "pacing")
            await asyncio.sleep(wait)

    async def _request(
        self,
        state: _LoopState,
        bucket: str,
        call: Call,
        url: httpx.URL | str,
        authorization: Authorization,
    ) -> tuple[httpx.Response, ApiError | None]:
        """The answer, and the failure its body says it is despite a success status."""
        timeout = attempt_seconds(self._attempt_timeout)
        params = {**call.params, **authorization.params} if call.params else authorization.params
        started_ns, started = time.time_ns(), time.perf_counter()
        try:
            request = _request_of(
                call,
                _with_params(self._urls, url, params),
                self._headers_of(state, call, authorization),
                # httpx.Timeout(timeout).as_dict(), without building the Timeout.
                {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout},
            )
            response = await _exchange(state, request)
        except BaseException as exc:
            self.pacer.abandon(bucket)  # no answer will be observed for this call
            self._report(call, None, started_ns, started, type(exc).__name__)
            raise
        failed = None
        if self._failed_answer is not None and response.status_code < 300:
            # Read here, so that the call is recorded as the failure it is, not as a 200.
            failed = self._failed_answer(response)
        self._report(
            call,
            response.status_code,
            started_ns,
            started,
            (failed.label or "failed") if failed is not None else None,
        )
        # httpx's stream refers back to its response, a cycle that only the garbage collector
        # frees: a listing's pages (~0.6 MB each) would all linger until it runs. The body is
        # read and the stream closed by now, so the stream can go.
        response.stream = httpx.ByteStream(b"")
        return response, failed

    def _headers_of(
        self, state: _LoopState, call: Call, authorization: Authorization
    ) -> _RawHeaders:
        """The call's headers as sent (`_merged`); not merged again for the same authorization
        on the same client (httpx's Request copies them: the list is never changed)."""
        if call.headers:
            return _merged(state.headers, {**call.headers, **authorization.headers})
        kept = self._sent_headers
        if kept is not None and kept[0] is authorization and kept[1] is state.headers:
            return kept[2]
        merged = _merged(state.headers, authorization.headers)
        self._sent_headers = (authorization, state.headers, merged)
        return merged

    def _report(
        self,
        call: Call,
        status: int | None,
        started_ns: int,
        started: float,
        error: str | None = None,
    ) -> None:
        telemetry.target_call(
            self.name,
            call.method,
            call.template or self._path_template(call.path),
            status,
            started_ns=started_ns,
            duration_s=time.perf_counter() - started,
            error=error,
        )


def _with_params(urls: CallUrls, url: httpx.URL | str, params: Mapping[str, str]) -> httpx.URL:
    """`url` (a text is parsed by `urls`) with `params` (urlencoded, as httpx writes them)
    after any query it has, which is kept as it is written; a name in both is sent twice, the
    parameter last. (httpx 0.28's `params=` replaces a URL's query: a call's own query and its
    credentials' parameters both go.)"""
    if isinstance(url, str) and "?" not in url and "#" not in url:
        # Parsed once with the URL, not once more as a query component.
        return urls.parse(f"{url}?{urlencode(params)}" if params else url)
    url = httpx.URL(url)
    if not params:
        return url
    added = urlencode(params).encode("ascii")
    return url.copy_with(query=url.query + b"&" + added if url.query else added)


def _request_of(
    call: Call,
    url: httpx.URL,
    headers: list[tuple[bytes, bytes]],
    timeout: dict[str, float],
) -> httpx.Request:
    """The request httpx builds from `json=` or `content=`, byte for byte: the same body and
    the same headers in the same order (`Host`, then `Content-Length: 0` for a body-less POST,
    PUT or PATCH, which Okta requires (else 411), then `headers`, then the body's length and,
    for JSON, its type; a header already in `headers` is not added again). Given a `stream`,
    httpx adds none of them itself, and builds its headers once: from `json=`, it normalises
    every header twice and scans them all for each one it adds (~15 % of a target call)."""
    if call.content is not None:
        body = call.content
    elif call.json is not None:
        body = dumps(call.json)
    else:
        body = b""
    present = {name.lower() for name, _ in headers}
    first: list[tuple[bytes, bytes]] = []
    last: list[tuple[bytes, bytes]] = []
    if b"host" not in present and url.host:
        first.append((b"Host", url.netloc))
    if body and b"content-length" not in present:
        last.append((b"Content-Length", b"%d" % len(body)))
    elif (
        not body
        and not present & {b"content-length", b"transfer-encoding"}
        and call.method.upper() in ("POST", "PUT", "PATCH")
    ):
        first.append((b"Content-Length", b"0"))
    if call.content is None and call.json is not None and b"content-type" not in present:
        last.append((b"Content-Type", b"application/json"))
    return httpx.Request(
        call.method,
        url,
        headers=first + headers + last if first or last else headers,
        stream=httpx.ByteStream(body),
        extensions={"timeout": timeout},
    )


def _read_headers(headers: httpx.Headers, names: frozenset[bytes]) -> dict[str, str]:
    """Those of the headers named in `names` (lower case), by lower-case name, repeated ones
    joined with ", " as httpx reads them: one pass over the raw headers (httpx's Headers scans
    them all per lookup, and decodes them all to list them)."""
    found: dict[str, str] = {}
    for raw_name, raw_value in headers.raw:
        lowered = raw_name.lower()
        if lowered in names:
            name, value = lowered.decode("ascii"), raw_value.decode("latin-1")
            found[name] = f"{found[name]}, {value}" if name in found else value
    return found


def _merged(
    defaults: list[tuple[bytes, bytes]], headers: Mapping[str, str]
) -> list[tuple[bytes, bytes]]:
    """The client's headers (httpx's defaults with the target's, as sent), then the call's, each
    replacing a default of its name, as httpx's `Headers.update` does; a list, so that the
    request builds its headers once. Encoded as httpx encodes text headers (ASCII)."""
    added = [(name.encode("ascii"), value.encode("ascii")) for name, value in headers.items()]
    replaced = {name.lower() for name, _ in added}
    kept = [(name, value) for name, value in defaults if name.lower() not in replaced]
    return kept + added


async def _exchange(state: _LoopState, request: httpx.Request) -> httpx.Response:
    """The answer to `request`, its body read. Behind a proxy httpx's client sends it, as it
    picks the proxy; otherwise the transport is called directly: the client's `send` adds only
    what these calls never use (auth flows, redirects, event hooks, cookies), ~7 % of the CPU
    a SCIM request costs."""
    if state.transport is None:
        return await state.http.send(request)
    try:
        response = await state.transport.handle_async_request(request)
    except httpx.RequestError as error:
        error.request = request  # as httpx's client has it: the error names what failed
        raise
    response.request = request
    try:
        plain = response.extensions.get(PLAIN_BODY)
        if plain is not None:
            # The body is the content already. httpx 0.28 keeps a read body in `_content`: the
            # same bytes `read()` would join from its decoder and chunker (~14 us an answer,
            # 5-7 % of a SCIM request).
            response._content = plain
        elif isinstance(response.stream, httpx.SyncByteStream):
            response.read()  # a body already in memory (this package's transport): no awaiting
        else:
            await response.aread()
    finally:
        await response.aclose()
    return response


def _direct_transport(
    base_url: str, verify: bool | str, max_idle: int
) -> httpx.AsyncBaseTransport | None:
    """The lighter transport for a target reached directly; None (httpx's own transport) where
    the environment names a proxy, which httpx then applies with its NO_PROXY rules. A plain
    http:// target loads no CA bundle (~30 ms of the first request): it never speaks TLS."""
    if getproxies():
        return None
    context: ssl.SSLContext | None = None
    if urlsplit(base_url).scheme != "http":
        context = _tls_context(verify)
    return Http11Transport(ssl_context=context, max_idle=max_idle)


def _tls_context(verify: bool | str) -> ssl.SSLContext:
    if isinstance(verify, str):
        # A CA bundle, a file or a directory of hashed certificates (httpx deprecates
        # verify=<str>, so the context is made here).
        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        return ssl.create_default_context(cafile=verify)
    return httpx.create_ssl_context(verify=verify)


class _NoCookies(http.cookiejar.CookieJar):
    """Keeps no cookie a target sets (Okta sets session cookies on API answers)."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None


def _joinable_prefix(base_url: str) -> str | None:
    """The base URL a path starting with `/` is appended to, or None where appending would not
    give httpx's join (a base URL with a query or fragment: `_url` then joins as httpx does)."""
    if "?" in base_url or "#" in base_url:
        return None
    return base_url.rstrip("/")


def _retry_after_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds))


TokenSource = Callable[[bool], Awaitable[str]]
"""Returns a secret value; called with True to force a re-read after the target refused it."""
