"""The way to a described application: its base URL, TLS, credentials, rate-limit headers and
retryable statuses, made into the shared HTTP client and the call plumbing its resources use."""

from __future__ import annotations

import asyncio
import os
import ssl
from pathlib import Path

import httpx

from ...transport.ratelimit import RateLimitHeaders
from ..context import TargetContext
from ..http import DEFAULT_RETRYABLE, ApiClient
from .answers import Answers
from .calls import Calls
from .credentials import credentials_for
from .description import Description, OAuth2Auth
from .loading import DescriptionError, Marks, where


def base_url(description: Description, context: TargetContext) -> str:
    return (context.settings.target_base_url or description.connection.base_url).rstrip("/")


def issuer_trust(ca_bundle: str | None, ssl_cert_file: Path | None) -> ssl.SSLContext:
    """The TLS trust for an identity provider elsewhere (an absolute tokenUrl), which receives
    the client secret: always verified, whatever `verifyTls` says of the application, and
    trusted as other services are (SSL_CERT_FILE, else httpx's CA bundle) as well as by the
    application's `caBundle` (an issuer of the same private CA)."""
    context = (
        ssl.create_default_context(cafile=str(ssl_cert_file))
        if ssl_cert_file
        else httpx.create_ssl_context()
    )
    if ca_bundle:
        if os.path.isdir(ca_bundle):
            context.load_verify_locations(capath=ca_bundle)
        else:
            context.load_verify_locations(cafile=ca_bundle)
    return context


def _check_ca_bundle(ca_bundle: str, source: Path, marks: Marks) -> None:
    """A caBundle that cannot be loaded stops the start, with its line: found at the first call
    instead, it failed every request (a 500) and `doctor` with it."""
    if os.path.isdir(ca_bundle):
        return  # a directory of hashed certificates is read certificate by certificate, later
    try:
        ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise DescriptionError(
            [
                f"{where(marks, ('connection', 'caBundle'), source)}: connection.caBundle: "
                f"{ca_bundle!r} cannot be loaded ({reason}); give the path, on the machine the "
                "connector runs on, of a PEM file with the CA certificate(s) that signed the "
                "application's certificate"
            ]
        ) from None


def _beside(source: Path, path: str | None) -> str | None:
    """A file the description names: a relative path is next to the description, whichever
    directory the worker runs in."""
    if not path:
        return None
    return path if os.path.isabs(path) else str(source.parent / path)


def connect(description: Description, context: TargetContext, source: Path, marks: Marks) -> Calls:
    d = description
    settings = context.settings
    ca_bundle = _beside(source, d.connection.ca_bundle)
    if ca_bundle:
        _check_ca_bundle(ca_bundle, source, marks)
    url = base_url(d, context)
    retryable = set(DEFAULT_RETRYABLE)
    for rule in d.errors:
        # A rule that also names a code is the caller's to retry (Calls.send): the client
        # goes by status alone, and would retry the status's other codes too.
        if rule.means == "retryable" and rule.code is None:
            retryable |= rule.statuses
    verify: bool | str = d.connection.verify_tls
    if verify and ca_bundle:
        verify = ca_bundle
    elif verify and settings.ssl_cert_file:
        verify = str(settings.ssl_cert_file)
    token_clients: dict[asyncio.AbstractEventLoop, httpx.AsyncClient] = {}
    answers = Answers(d.errors, d.name, d.error_envelope)

    def token_client() -> httpx.AsyncClient:
        """The client for OAuth2 token requests: a path on the base URL goes the API's way
        (through the relay if set); an absolute URL is reached directly."""
        loop = asyncio.get_running_loop()
        client = token_clients.get(loop)
        if client is None or client.is_closed:
            auth = d.auth
            direct = isinstance(auth, OAuth2Auth) and auth.token_url.startswith("https://")
            client = token_clients[loop] = httpx.AsyncClient(
                base_url=url + "/",
                # The relay forwards paths to the application only: an identity provider's
                # absolute URL is reached directly.
                transport=None if direct else context.transport,
                verify=issuer_trust(ca_bundle, settings.ssl_cert_file) if direct else verify,
                # Through the relay, as long as an API call may take there (the agent's limit).
                timeout=d.connection.timeout_seconds
                if direct
                else context.attempt_timeout(d.connection.timeout_seconds),
            )
        return client

    api = ApiClient(
        url,
        credentials_for(d.auth, context.secrets, token_client),
        name=d.name,
        rate_limit_headers=RateLimitHeaders(
            limit=d.rate_limit.limit_header.lower(),
            remaining=d.rate_limit.remaining_header.lower(),
            reset=d.rate_limit.reset_header.lower(),
            reset_unit=d.rate_limit.reset_unit,
        ),
        retryable=frozenset(retryable),
        transport=context.transport,
        max_concurrency=d.connection.max_concurrency,
        attempt_timeout=context.attempt_timeout(d.connection.timeout_seconds),
        verify=verify,
        headers=d.connection.headers,
        failed_answer=answers.failed,
    )

    async def close() -> None:
        await api.aclose()
        for client in token_clients.values():
            await client.aclose()
        token_clients.clear()

    return Calls(api, answers, d.name, source, marks, close)
