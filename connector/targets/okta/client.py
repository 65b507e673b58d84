"""Okta's side of an HTTP call: its rate-limit buckets, the SSWS token, its error bodies.

The call itself (pacing, retries within the budget, refusals) is the shared transport client's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ... import telemetry
from ...transport.pacing import Pacer
from ..http import ATTEMPT_TIMEOUT_SECONDS, ApiClient, ApiError, Authorization, Call, TokenSource

_USER_PATH = re.compile(r"^/api/v1/users/[^/]+$")
_GROUP_PATH = re.compile(r"^/api/v1/groups/(?!rules$)[^/]+$")


def bucket_of(method: str, path: str) -> str:
    """Okta's rate-limit bucket for a call: exact path first, then the longest prefix.

    Groups follow Okta's "Management rate limits" table: `/api/v1/groups/{id}` alone is one
    bucket (get, replace, delete); `/api/v1/groups` and everything else under it, so the member
    calls `/groups/{id}/users…`, is the other. A user's groups (`/users/{id}/groups`) and the
    profile schemas match neither the users' rows nor the groups', so they count with the rest.
    The headers of each answer correct the pacer wherever Okta counts differently.
    """
    if path == "/api/v1/users" and method in {"GET", "POST"}:
        return "users"
    if _USER_PATH.match(path):
        return "user-read" if method == "GET" else "user-write"
    if _GROUP_PATH.match(path):
        return "group"
    if path == "/api/v1/groups" or path.startswith("/api/v1/groups/"):
        return "groups"
    return "api"


def path_template(path: str) -> str:
    """A call's path for telemetry: `/api/v1/users/{id or login}` never shows the login."""
    return telemetry.template(_USER_SEGMENT.sub("/api/v1/users/{}", path.split("?", 1)[0]))


_USER_SEGMENT = re.compile(r"^/api/v1/users/[^/]+")


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


def _error_body(error: ApiError) -> OktaErrorBody:
    data = error.json()
    if not isinstance(data, dict):
        data = {}
    causes = [
        str(c.get("errorSummary"))
        for c in data.get("errorCauses") or []
        if isinstance(c, dict) and c.get("errorSummary")
    ]
    return OktaErrorBody(
        status=error.status,
        code=str(data.get("errorCode") or ""),
        summary=str(data.get("errorSummary") or error.reason),
        causes=causes,
    )


class SswsToken:
    """Okta's API token, sent as `Authorization: SSWS <token>`."""

    fix = "put a valid token in the vault secret okta-api-token (or OKTA_API_TOKEN locally)"

    def __init__(self, token: TokenSource) -> None:
        self._token = token
        # The last token's authorization: one per value, not one built on every call (the
        # client reads it and never changes it).
        self._last: tuple[str, Authorization] | None = None

    async def authorization(self, refresh: bool) -> Authorization:
        token = await self._token(refresh)
        last = self._last
        if last is None or last[0] != token:
            last = self._last = (token, Authorization(headers={"Authorization": f"SSWS {token}"}))
        return last[1]


class OktaClient:
    def __init__(
        self,
        base_url: str,
        token: TokenSource,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        max_concurrency: int = 20,
        attempt_timeout: float = ATTEMPT_TIMEOUT_SECONDS,
        pacer: Pacer | None = None,
    ) -> None:
        self.api = ApiClient(
            base_url,
            SswsToken(token),
            name="Okta",
            bucket_of=bucket_of,
            path_template=path_template,
            transport=transport,
            max_concurrency=max_concurrency,
            attempt_timeout=attempt_timeout,
            pacer=pacer,
        )

    @property
    def base_url(self) -> str:
        return self.api.base_url

    @property
    def pacer(self) -> Pacer:
        return self.api.pacer

    async def prepare(self) -> None:
        await self.api.prepare()

    async def aclose(self) -> None:
        await self.api.aclose()

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | None = None,
        retry_unknown: bool = True,
    ) -> httpx.Response:
        """One call (see `ApiClient.send`); Okta's error answers raise OktaApiError.
        `content=b""` sends an empty body with `Content-Length: 0` (Okta answers a body-less
        PUT with 411)."""
        try:
            return await self.api.send(
                Call(method, path, params=params, json=json, content=content),
                retry_unknown=retry_unknown,
            )
        except ApiError as error:
            raise OktaApiError(_error_body(error)) from error
