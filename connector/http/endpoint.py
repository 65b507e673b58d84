"""Wraps every SCIM route: the bearer check, then the handler, then errors as SCIM errors.

A client mistake is a 4xx SCIM error, a target outage a 429/503 with Retry-After, and only a bug
is a 500, which says nothing about internals (the log has the details, without secrets).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import wraps

import azure.functions as func
from scim2_models import SCIMException

from .. import telemetry
from ..auth import AuthenticationError
from ..secrets import SecretConfigurationError, SecretsUnavailableError
from ..telemetry import setup
from ..use_case import ServiceBusyError
from . import request_record
from .responses import error_response
from .runtime import ConfigurationError, runtime

log = logging.getLogger("connector.http")

Handler = Callable[[func.HttpRequest], Awaitable[func.HttpResponse]]


def scim_endpoint(handler: Handler) -> Handler:
    @wraps(handler)
    async def endpoint(req: func.HttpRequest) -> func.HttpResponse:
        operation = request_record.operation_name(handler.__name__, str(req.method))
        with telemetry.recording(operation, setup.observer()) as record:
            response, failure = await _serve(handler, req)
            request_record.finish(record, req, response, failure)
        request_record.emit(record, req)
        return response

    return endpoint


async def _serve(handler: Handler, req: func.HttpRequest) -> tuple[func.HttpResponse, str | None]:
    """The handler's answer, or the SCIM error for what it raised (and, for a bug, its type)."""
    failure: str | None = None
    try:
        await runtime().authenticator.authenticate(req.headers.get("Authorization"))
        response = await handler(req)
    except AuthenticationError as exc:
        response = error_response(
            401, f"Unauthorized: {exc}", headers={"WWW-Authenticate": 'Bearer realm="scim"'}
        )
    except SCIMException as exc:
        response = error_response(exc.status, exc.detail, exc.scim_type or None)
    except ServiceBusyError as exc:
        response = error_response(
            exc.status, exc.detail, headers={"Retry-After": str(exc.retry_after)}
        )
    except ConfigurationError as exc:
        log.error("the connector is misconfigured: %s", exc)
        response = error_response(
            503,
            f"The connector is misconfigured: {exc}. Run `python -m connector doctor`.",
            headers={"Retry-After": "300"},
        )
    except SecretConfigurationError as exc:
        log.error("the connector is misconfigured: %s", exc)
        response = error_response(
            503,
            f"The connector is misconfigured: {exc}. Run `python -m connector doctor`.",
            headers={"Retry-After": str(exc.retry_after)},
        )
    except SecretsUnavailableError as exc:
        response = error_response(
            503,
            # Also raised in env mode (bearer secret unset) and JWT mode (signing keys
            # unreachable): name every cause, and no detail of which one (the log has it).
            "The connector cannot read its credentials right now (Key Vault secrets, "
            "Entra signing keys, or a secret not configured yet); retry later",
            headers={"Retry-After": str(exc.retry_after)},
        )
    except Exception as exc:
        log.exception("unexpected error serving %s %s", req.method, _path(req))
        failure = type(exc).__name__
        response = error_response(500, "Internal error; the connector's log has details")
    return response, failure


def _path(req: func.HttpRequest) -> str:
    """The request path without its query, which may carry user data."""
    return str(req.url).split("?", 1)[0]
