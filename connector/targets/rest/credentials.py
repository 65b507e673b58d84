"""The ways a described application is authenticated: none, Basic, an API key, a static bearer
token, or OAuth2 client credentials. Every secret is named in the description and read through
the connector's secret store (Key Vault in Azure, the environment locally), never from the file.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote_plus

import httpx

from ... import redact
from ...json_codec import loads
from ...secrets import NamedSecret, SecretStore
from ...transport.budget import attempt_seconds
from ..errors import UnavailableError
from ..http import Authorization, Credentials
from ..secret_source import secret_token
from . import pointer
from .description import ApiKeyAuth, Auth, BasicAuth, BearerAuth, NoAuth, OAuth2Auth

# A token is renewed this long before the expiry its issuer announced.
EXPIRY_MARGIN_SECONDS = 60.0
# When the issuer says nothing about expiry, a token is reused this long.
UNANNOUNCED_LIFETIME_SECONDS = 300.0


def _fix(name: str) -> str:
    return (
        f"put the right value in the vault secret {name} (or {NamedSecret(name).env_name} locally)"
    )


class NoCredentials:
    fix = "the application asks for credentials: describe them under auth:"

    async def authorization(self, refresh: bool) -> Authorization:
        return Authorization()


class BasicCredentials:
    def __init__(self, spec: BasicAuth, store: SecretStore) -> None:
        self._username = spec.username
        self._password = secret_token(
            store, NamedSecret(spec.password_secret), "password", spec.password_secret
        )
        self.fix = _fix(spec.password_secret) + f" and check the user name {spec.username!r}"

    async def authorization(self, refresh: bool) -> Authorization:
        pair = f"{self._username}:{await self._password(refresh)}".encode()
        return Authorization(headers={"Authorization": f"Basic {base64.b64encode(pair).decode()}"})


class ApiKeyCredentials:
    def __init__(self, spec: ApiKeyAuth, store: SecretStore) -> None:
        self._spec = spec
        self._key = secret_token(store, NamedSecret(spec.secret), "API key", spec.secret)
        self.fix = _fix(spec.secret)

    async def authorization(self, refresh: bool) -> Authorization:
        value = self._spec.prefix + await self._key(refresh)
        if self._spec.header is not None:
            return Authorization(headers={self._spec.header: value})
        assert self._spec.query is not None  # one of the two, checked by the format
        return Authorization(params={self._spec.query: value})


class BearerCredentials:
    def __init__(self, spec: BearerAuth, store: SecretStore) -> None:
        self._scheme = spec.scheme
        self._token = secret_token(store, NamedSecret(spec.secret), "token", spec.secret)
        self.fix = _fix(spec.secret)

    async def authorization(self, refresh: bool) -> Authorization:
        return Authorization(
            headers={"Authorization": f"{self._scheme} {await self._token(refresh)}"}
        )


@dataclass
class _Token:
    value: str
    renew_at: float


class OAuth2ClientCredentials:
    """Fetches a token with the client credentials grant and reuses it until shortly before
    its expiry; after the application refused it, fetches a new one (once per refusal)."""

    def __init__(
        self,
        spec: OAuth2Auth,
        store: SecretStore,
        http: Callable[[], httpx.AsyncClient],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._spec = spec
        self._secret = secret_token(
            store, NamedSecret(spec.client_secret), "OAuth2 client secret", spec.client_secret
        )
        self._http = http
        self._clock = clock
        self._token: _Token | None = None
        self._lock = asyncio.Lock()
        self._token_pointer = pointer.parse(spec.token_pointer)
        self._expires_pointer = pointer.parse(spec.expires_pointer)
        self._client_id = (
            secret_token(
                store, NamedSecret(spec.client_id_secret), "OAuth2 client id", spec.client_id_secret
            )
            if spec.client_id_secret is not None
            else None
        )
        checked = (
            f"the client id {spec.client_id!r}"
            if spec.client_id is not None
            else f"the client id in the secret {spec.client_id_secret}"
        )
        self.fix = _fix(spec.client_secret) + f" and check {checked}"

    async def authorization(self, refresh: bool) -> Authorization:
        seen = self._token
        async with self._lock:
            # Another caller may have renewed it while this one waited.
            token = self._token
            if token is None or self._clock() >= token.renew_at or (refresh and token is seen):
                token = self._token = await self._fetch(refresh_secret=refresh)
        return Authorization(headers={"Authorization": f"Bearer {token.value}"})

    async def _fetch(self, *, refresh_secret: bool) -> _Token:
        response = await self._request(await self._secret(refresh_secret))
        if _oauth_error(response) == "invalid_client" and not refresh_secret:
            # The client secret may have been rotated: read it again and ask once more.
            response = await self._request(await self._secret(True))
        if response.status_code >= 400:
            raise UnavailableError(self._refusal(response), retry_after=300)
        try:
            body = loads(response.content)
        except ValueError:
            body = None
        value = pointer.resolve(body, self._token_pointer)
        if not isinstance(value, str) or not value:
            raise UnavailableError(
                f"the token endpoint {self._spec.token_url} answered without a token at "
                f"{self._spec.token_pointer}; check auth.tokenPointer in the description",
                retry_after=300,
            )
        lifetime = pointer.resolve(body, self._expires_pointer)
        seconds = (
            float(lifetime)
            if isinstance(lifetime, int | float) and not isinstance(lifetime, bool)
            else UNANNOUNCED_LIFETIME_SECONDS
        )
        renew = max(seconds - EXPIRY_MARGIN_SECONDS, seconds / 2)
        return _Token(value, self._clock() + renew)

    def _refusal(self, response: httpx.Response) -> str:
        """The token endpoint's refusal in its own words (RFC 6749 §5.2), and what to fix."""
        error = _oauth_error(response)
        described = _oauth_field(response, "error_description")
        words = f"{error}: {described}" if error and described else error or described
        said = f": {redact.redact(words[:300])}" if words else ""
        what = "client credentials" if error == "invalid_client" else "token request"
        start = (
            f"the token endpoint {self._spec.token_url} refused the {what} "
            f"(HTTP {response.status_code}{said})"
        )
        if error in {"invalid_scope", "unauthorized_client"}:
            return f"{start}; check auth.scope and the client's permissions in the application"
        if error in {"invalid_request", "unsupported_grant_type"}:
            return f"{start}; check auth.params and auth.clientAuth in the description"
        return f"{start}; {self.fix}"

    async def _request(self, secret: str) -> httpx.Response:
        spec = self._spec
        client_id = spec.client_id or ""
        if self._client_id is not None:
            client_id = await self._client_id(False)
        form = {"grant_type": "client_credentials", **spec.params}
        if spec.scope:
            form["scope"] = spec.scope
        headers = {"Accept": "application/json"}
        if spec.client_auth == "basic":
            pair = f"{_form_quote(client_id)}:{_form_quote(secret)}".encode()
            headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
        else:
            form |= {"client_id": client_id, "client_secret": secret}
        client = self._http()
        # As an API call's attempt: the client's timeout, and never past the SCIM request's
        # budget (a slow token endpoint must not hold the request after Entra gave up on it).
        try:
            return await client.post(
                spec.token_url,
                data=form,
                headers=headers,
                timeout=attempt_seconds(client.timeout.read),
            )
        except httpx.HTTPError as exc:
            raise UnavailableError(
                f"the token endpoint {spec.token_url} is unreachable ({type(exc).__name__})",
                retry_after=30,
            ) from exc


def _oauth_field(response: httpx.Response, name: str) -> str:
    try:
        body = loads(response.content)
    except ValueError:
        return ""
    value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""


def _oauth_error(response: httpx.Response) -> str:
    """The OAuth error code of a refusal; `invalid_client` also for a bare 401."""
    if response.status_code < 400:
        return ""
    return _oauth_field(response, "error") or (
        "invalid_client" if response.status_code == 401 else ""
    )


def _form_quote(value: str) -> str:
    # RFC 6749 §2.3.1: client id and secret are form-encoded before Basic encoding.
    return quote_plus(value)


def credentials_for(
    spec: Auth, store: SecretStore, token_http: Callable[[], httpx.AsyncClient]
) -> Credentials:
    if isinstance(spec, NoAuth):
        return NoCredentials()
    if isinstance(spec, BasicAuth):
        return BasicCredentials(spec, store)
    if isinstance(spec, ApiKeyAuth):
        return ApiKeyCredentials(spec, store)
    if isinstance(spec, BearerAuth):
        return BearerCredentials(spec, store)
    return OAuth2ClientCredentials(spec, store, token_http)
