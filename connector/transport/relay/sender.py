"""An httpx transport that sends the target's requests through an Azure Relay Hybrid Connection.

The target code builds requests for its own base URL; this transport re-addresses each one to
`https://<namespace>/<hc><path>?<query>` and adds the relay's SAS token. Everything else (method,
headers including the application's own `Authorization`, body) passes through unchanged, so the
target never knows whether it talks directly or through the relay.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable

import httpx

from connector.settings import RelaySettings
from connector.transport.errors import GatewayError
from connector.transport.http11 import Http11Transport
from connector.transport.relay.sas import resource_uri
from connector.transport.relay.tokens import SasTokenCache

logger = logging.getLogger(__name__)

# Statuses the relay service answers itself (without `Via`): token refused (401/403), unknown
# hybrid connection (404), no listener connected (502, or 503 per one table), listener timeout
# (504), service error (500).
_RELAY_STATUSES = frozenset({401, 403, 404, 500, 502, 503, 504})
_CAUSES = {
    401: "the relay refused the Send token (check the Send key)",
    403: "the Send rule lacks the Send right on this hybrid connection",
    404: "the hybrid connection does not exist",
    500: "relay service error",
    502: "no listener is connected",
    503: "no listener is connected",
    504: "the listener did not answer in time",
}
# The longest one call carried by the relay is waited for, where a direct call gets its target's
# own per-attempt timeout (10 s): the on-premises agent answers 503 once the local application
# has not answered within its --timeout (50 s by default, at most 55 s), and the relay answers
# 504 itself after 60 s. Within a SCIM request the attempt also ends with the request's budget.
ATTEMPT_LIMIT_SECONDS = 55.0
_TRACKING_ID = re.compile(r"TrackingId:\s*([A-Za-z0-9_.:-]+)")
# How much of an error body to search for the TrackingId.
_ERROR_BODY_LIMIT = 4096


class RelayUnavailableError(GatewayError):
    """The relay itself answered with an error, so the request never reached the application."""

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request,
        status_code: int,
        tracking_id: str | None,
    ) -> None:
        super().__init__(message, request=request, status_code=status_code)
        self.tracking_id = tracking_id


class RelaySenderTransport(httpx.AsyncBaseTransport):
    def __init__(
        self,
        settings: RelaySettings,
        send_key: Callable[[], Awaitable[str]],
        *,
        inner: httpx.AsyncBaseTransport | None = None,
        token_ttl_seconds: int = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._inner = inner if inner is not None else Http11Transport()
        self._tokens = SasTokenCache(
            resource_uri(settings.namespace, settings.hybrid_connection),
            settings.rule_name,
            send_key,
            ttl_seconds=token_ttl_seconds,
            clock=clock,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        relayed = self._relayed(request, await self._tokens.get())
        response = await self._inner.handle_async_request(relayed)
        # `Via` means the listener answered: whatever the status, it is the application's.
        if "via" in response.headers or response.status_code not in _RELAY_STATUSES:
            return response
        raise await self._unavailable(request, response)

    async def aclose(self) -> None:
        await self._inner.aclose()

    def _relayed(self, request: httpx.Request, token: str) -> httpx.Request:
        url = httpx.URL(self._settings.base_url + request.url.raw_path.decode("ascii"))
        headers = request.headers.copy()
        headers["Host"] = url.netloc.decode("ascii")
        # The relay stops at `ServiceBusAuthorization` and passes `Authorization` through.
        headers["ServiceBusAuthorization"] = token
        # The relay does not do 100-continue; waiting for it would only add latency.
        headers.pop("Expect", None)
        return httpx.Request(
            request.method,
            url,
            headers=headers,
            stream=request.stream,
            extensions=request.extensions,
        )

    async def _unavailable(
        self, request: httpx.Request, response: httpx.Response
    ) -> RelayUnavailableError:
        status = response.status_code
        reason = response.extensions.get("reason_phrase", b"")
        text = reason.decode("latin-1") if isinstance(reason, bytes) else ""
        try:
            # Relay error bodies are a short JSON document; read it only to find the TrackingId.
            body = await response.aread()
        finally:
            await response.aclose()
        text += " " + body[:_ERROR_BODY_LIMIT].decode("utf-8", "replace")
        match = _TRACKING_ID.search(text)
        tracking_id = match.group(1) if match else None
        if status == 401:
            # The key may have been rotated: sign the next attempt with a freshly read key.
            self._tokens.invalidate()
        cause = _CAUSES[status]
        logger.warning(
            "relay: the on-premises agent is unreachable through hybrid connection %s/%s: "
            "relay answered %d (%s), TrackingId %s",
            self._settings.namespace,
            self._settings.hybrid_connection,
            status,
            cause,
            tracking_id or "-",
        )
        return RelayUnavailableError(
            f"Azure Relay answered {status}: {cause}; the on-premises agent is unreachable",
            request=request,
            status_code=status,
            tracking_id=tracking_id,
        )
