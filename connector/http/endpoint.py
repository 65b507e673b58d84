"""Wraps every SCIM route: the bearer check, then the handler, then errors as SCIM errors.

A client mistake is a 4xx SCIM error, a target outage a 429/503 with Retry-After, and only a bug
is a 500, which says nothing about internals (the log has the details, without secrets).

The Functions host reads a whole body before it calls a function. A host that can answer from a
request's head first (the local server) finds `answer_before_body` on every SCIM route function
(`lazy.route_function` puts it there), so an unauthenticated or oversized body still to come
is refused without being read, with the same SCIM error and log record as the route gives once
it is read.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from functools import wraps

import azure.functions as func
from scim2_models import SCIMException

from .. import telemetry
from ..auth import AuthenticationError
from ..scim.requests import MAX_BODY_BYTES, PayloadTooLargeError
from ..secrets import SecretConfigurationError, SecretsUnavailableError
from ..telemetry import setup
from ..use_case import ServiceBusyError
from . import request_record
from .lazy import Handler
from .responses import error_response
from .runtime import ConfigurationError, runtime

log = logging.getLogger("connector.http")


async def answer_before_body(
    handler: Handler, req: func.HttpRequest, body_length: int | None
) -> func.HttpResponse | None:
    """401/503 when the bearer check refuses the request, 413 when its body is over the limit,
    recorded and logged as the route does; None otherwise (the route checks again, with it)."""
    try:
        await runtime().authenticator.authenticate(req.headers.get("Authorization"))
        if body_length is not None and body_length > MAX_BODY_BYTES:
            raise PayloadTooLargeError(detail=f"request body larger than {MAX_BODY_BYTES} bytes")
    except Exception as exc:
        return await _recorded(handler, req, _refused(exc, req))
    return None


def scim_endpoint(handler: Handler) -> Handler:
    @wraps(handler)
    async def endpoint(req: func.HttpRequest) -> func.HttpResponse:
        return await _recorded(handler, req, _serve(handler, req))

    return endpoint


async def _recorded(
    handler: Handler,
    req: func.HttpRequest,
    outcome: Awaitable[tuple[func.HttpResponse, str | None]],
) -> func.HttpResponse:
    """`outcome`'s answer, awaited inside the request's record, then logged and emitted."""
    operation = request_record.operation_name(handler.__name__, str(req.method))
    with telemetry.recording(operation, setup.observer()) as record:
        response, failure = await outcome
        request_record.finish(record, req, response, failure)
    request_record.emit(record, req)
    return response


async def _refused(exc: Exception, req: func.HttpRequest) -> tuple[func.HttpResponse, str | None]:
    return _error(exc, req)


async def _serve(handler: Handler, req: func.HttpRequest) -> tuple[func.HttpResponse, str | None]:
    """The handler's answer, or the SCIM error for what it raised (and, for a bug, its type)."""
    try:
        await runtime().authenticator.authenticate(req.headers.get("Authorization"))
        return await handler(req), None
    except Exception as exc:
        return _error(exc, req)


def _error(exc: Exception, req: func.HttpRequest) -> tuple[func.HttpResponse, str | None]:
    """The SCIM error for what the bearer check or the handler raised (and, for a bug, its type)."""
    if isinstance(exc, AuthenticationError):
        return error_response(
            401, f"Unauthorized: {exc}", headers={"WWW-Authenticate": 'Bearer realm="scim"'}
        ), None
    if isinstance(exc, SCIMException):
        return error_response(exc.status, exc.detail, exc.scim_type or None), None
    if isinstance(exc, ServiceBusyError):
        return error_response(
            exc.status, exc.detail, headers={"Retry-After": str(exc.retry_after)}
        ), None
    if isinstance(exc, ConfigurationError | SecretConfigurationError):
        log.error("the connector is misconfigured: %s", exc)
        retry_after = exc.retry_after if isinstance(exc, SecretConfigurationError) else 300
        return error_response(
            503,
            f"The connector is misconfigured: {exc}. Run `python -m connector doctor`.",
            headers={"Retry-After": str(retry_after)},
        ), None
    if isinstance(exc, SecretsUnavailableError):
        return error_response(
            503,
            # Raised for Key Vault and for Entra's signing keys (JWT mode) alike: name every
            # cause, and no detail of which one (the log has it).
            "The connector cannot read its credentials right now (Key Vault secrets, "
            "Entra signing keys, or a secret not configured yet); retry later",
            headers={"Retry-After": str(exc.retry_after)},
        ), None
    log.exception("unexpected error serving %s %s", req.method, _path(req), exc_info=exc)
    failure = type(exc).__name__
    return error_response(500, "Internal error; the connector's log has details"), failure


def _path(req: func.HttpRequest) -> str:
    """The request path without its query, which may carry user data."""
    return str(req.url).split("?", 1)[0]
