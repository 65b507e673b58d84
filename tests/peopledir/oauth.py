"""OAuth 2.0 client credentials (RFC 6749 section 4.4): the token endpoint, and the bearer
check (RFC 6750) that every API request passes before anything else is looked at."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_plus

from .clock import Clock
from .messages import Request, Response
from .problems import Problem

FORM = "application/x-www-form-urlencoded"
SCOPES = ("people:read", "people:write")
REALM = 'realm="peopledir"'
_NO_STORE = [("Cache-Control", "no-store"), ("Pragma", "no-cache")]


@dataclass(frozen=True)
class Grant:
    """What an access token stands for."""

    scopes: frozenset[str]
    expires_at: float


class _OAuthError(Exception):
    """An RFC 6749 section 5.2 error: `{"error", "error_description"}`, 400 or 401."""

    def __init__(self, error: str, description: str) -> None:
        self.error = error
        self.description = description
        super().__init__(f"{error}: {description}")

    def response(self) -> Response:
        headers = list(_NO_STORE)
        status = 400
        if self.error == "invalid_client":
            status = 401
            headers.append(("WWW-Authenticate", f"Basic {REALM}"))
        body = {"error": self.error, "error_description": self.description}
        return Response(status, body, headers)


class TokenService:
    """One registered client; tokens are opaque, random and live `lifetime_s` seconds.
    Issuing a token does not revoke earlier ones."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        scopes: tuple[str, ...],
        lifetime_s: int,
        clock: Clock,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._scopes = scopes
        self._lifetime_s = lifetime_s
        self._clock = clock
        self._grants: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def revoke_all(self) -> None:
        with self._lock:
            self._grants.clear()

    # -- POST /oauth2/token ------------------------------------------------------------------

    def token_endpoint(self, request: Request) -> Response:
        try:
            params = _form(request)
            self._authenticate_client(request, params)
            if params["grant_type"] != "client_credentials":
                raise _OAuthError(
                    "unsupported_grant_type", "Only grant_type=client_credentials is supported."
                )
            scopes = self._granted_scopes(params.get("scope"))
        except _OAuthError as error:
            return error.response()
        token = "pdt_" + secrets.token_urlsafe(32)
        now = self._clock.now()
        with self._lock:
            for known, grant in list(self._grants.items()):
                if now >= grant.expires_at:
                    del self._grants[known]
            self._grants[token] = Grant(frozenset(scopes), now + self._lifetime_s)
        body = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self._lifetime_s,
            "scope": " ".join(scopes),
        }
        return Response(200, body, list(_NO_STORE))

    def _authenticate_client(self, request: Request, params: dict[str, str]) -> None:
        authorization = request.header("Authorization")
        if authorization is not None:
            scheme, _, credentials = authorization.strip().partition(" ")
            if scheme.lower() != "basic":
                raise _OAuthError("invalid_client", "Client authentication failed.")
            if "client_secret" in params:
                raise _OAuthError(
                    "invalid_request", "Use only one client authentication method per request."
                )
            client_id, secret = _basic_credentials(credentials.strip())
            if params.get("client_id", client_id) != client_id:
                raise _OAuthError("invalid_client", "Client authentication failed.")
        elif "client_id" in params and "client_secret" in params:
            client_id, secret = params["client_id"], params["client_secret"]
        else:
            raise _OAuthError("invalid_client", "Client authentication is required.")
        # Both comparisons always run, so timing does not tell which one failed.
        id_ok = hmac.compare_digest(client_id.encode(), self._client_id.encode())
        secret_ok = hmac.compare_digest(secret.encode(), self._client_secret.encode())
        if not (id_ok and secret_ok):
            raise _OAuthError("invalid_client", "Client authentication failed.")

    def _granted_scopes(self, requested: str | None) -> list[str]:
        if requested is None:
            return list(self._scopes)
        names = requested.split(" ")
        if not requested or "" in names:
            raise _OAuthError("invalid_scope", "scope must be scope names separated by spaces.")
        for name in names:
            if name not in self._scopes:
                raise _OAuthError("invalid_scope", f"The scope '{name}' is not available.")
        return [name for name in self._scopes if name in names]

    # -- the bearer check --------------------------------------------------------------------

    def authenticate(self, request: Request) -> Grant:
        """The grant behind the request's bearer token; a 401 problem otherwise."""
        scheme, _, token = (request.header("Authorization") or "").strip().partition(" ")
        if scheme.lower() != "bearer":
            raise Problem(
                "unauthorized",
                "Send an access token in the Authorization header: Bearer <token>.",
                headers=[("WWW-Authenticate", f"Bearer {REALM}")],
            )
        with self._lock:
            grant = self._grants.get(token.strip())
        if grant is None:
            raise _invalid_token("The access token is invalid.")
        if self._clock.now() >= grant.expires_at:
            raise _invalid_token("The access token has expired.")
        return grant


def require_scope(grant: Grant, scope: str) -> None:
    if scope not in grant.scopes:
        challenge = f'Bearer {REALM}, error="insufficient_scope", scope="{scope}"'
        raise Problem(
            "insufficient-scope",
            f"This operation needs the scope '{scope}'.",
            headers=[("WWW-Authenticate", challenge)],
        )


def _invalid_token(description: str) -> Problem:
    challenge = f'Bearer {REALM}, error="invalid_token", error_description="{description}"'
    return Problem("unauthorized", description, headers=[("WWW-Authenticate", challenge)])


def _form(request: Request) -> dict[str, str]:
    """The token request's parameters: form-encoded body only, none repeated, grant_type set."""
    if request.media_type() != FORM:
        raise _OAuthError("invalid_request", f"The request body must be {FORM}.")
    if request.query:
        raise _OAuthError("invalid_request", "Send the parameters in the body, not the URL.")
    try:
        pairs = parse_qsl(request.body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise _OAuthError("invalid_request", "The request body is not UTF-8.") from None
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise _OAuthError("invalid_request", f"The parameter '{name}' is repeated.")
        params[name] = value
    if "grant_type" not in params:
        raise _OAuthError("invalid_request", "The parameter 'grant_type' is required.")
    return params


def _basic_credentials(encoded: str) -> tuple[str, str]:
    """RFC 6749 section 2.3.1: base64 of form-encoded id, a colon, form-encoded secret."""
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _OAuthError("invalid_client", "Client authentication failed.") from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise _OAuthError("invalid_client", "Client authentication failed.")
    return unquote_plus(client_id), unquote_plus(secret)
