"""Calls the one configured local application with a relayed request.

Statelessly: requests of different senders share the connection pool, never a cookie (the
client keeps no cookie jar), and each is refused or forwarded on its own merits.
"""

from __future__ import annotations

import asyncio
import logging
from http.cookiejar import Cookie, CookieJar
from typing import Any

import httpx

from relay_agent.logsafe import agent_logger, printable
from relay_agent.protocol import LocalResponse, RelayedRequest
from relay_agent.routing import (
    RejectedError,
    local_url,
    request_headers,
    request_method,
    response_headers,
)

logger: logging.Logger = agent_logger()


class _NoCookies(CookieJar):
    """A jar that keeps nothing: a Set-Cookie answered to one sender must never ride along on
    another sender's request (the Cookie header a sender sends is forwarded as it is)."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None

    def set_cookie(self, cookie: Cookie) -> None:
        return None


def _plain(status: int, reason: str) -> LocalResponse:
    return LocalResponse(status, reason, {"Content-Type": "text/plain"}, reason.encode())


class Forwarder:
    def __init__(
        self,
        base_url: str,
        hybrid_connection: str,
        timeout_seconds: float,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base = httpx.URL(base_url)
        self._hybrid_connection = hybrid_connection
        self._timeout = timeout_seconds
        # trust_env=False: proxy variables meant for the relay connection must not divert local
        # calls, and redirects are returned to the sender rather than followed anywhere.
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=timeout_seconds,
            trust_env=False,
            follow_redirects=False,
            cookies=_NoCookies(),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def forward(self, request: RelayedRequest, body: bytes) -> LocalResponse:
        """The local app's answer, or the agent's own (400/403 refused, 503 unreachable or too
        slow, 500 for a bug); never raises."""
        try:
            return await self._forward(request, body)
        except Exception as error:  # a bug must still be an answer, and leave the agent running
            logger.error(
                "could not forward a request: %s: %s", type(error).__name__, printable(str(error))
            )
            return _plain(500, "The relay agent could not forward the request")

    async def _forward(self, request: RelayedRequest, body: bytes) -> LocalResponse:
        try:
            method = request_method(request.method)
            url = local_url(self._base, self._hybrid_connection, request.target)
            headers = request_headers(request.headers)
        except RejectedError as refused:
            return _plain(refused.status, refused.reason)
        headers["Host"] = self._base.netloc.decode("ascii")
        outgoing = self._client.build_request(method, url, headers=headers, content=body)
        try:
            # One deadline for the whole exchange, below the relay's 60 s, so the sender gets
            # our 503 rather than the relay's 504.
            async with asyncio.timeout(self._timeout):
                response = await self._client.send(outgoing, stream=True)
                try:
                    # Raw bytes: Content-Encoding is passed through, not undone.
                    content = b"".join([chunk async for chunk in response.aiter_raw()])
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.TimeoutException):
            return _plain(503, "Local application timed out")
        except httpx.HTTPError:
            return _plain(503, "Local application unreachable")
        status, reason = response.status_code, response.reason_phrase
        if status in {502, 504}:
            # The relay reserves 502 and 504 for itself; the connector must be able to tell
            # a relay failure from an application failure.
            status, reason = 503, f"Local application answered {response.status_code} {reason}"
        return LocalResponse(status, reason, response_headers(response.headers), content)
