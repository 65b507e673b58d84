"""The one log record per SCIM request, and what it is made of at the HTTP edge.

The record (logger `connector.requests`) carries its fields in `extra`, so Application Insights
shows them as custom dimensions of the trace: operation, SCIM status and scimType, duration,
the target calls (method, path template, status, duration each), retries, waits, the reason of
an error in the words of the SCIM error detail (quoted values removed), the SCIM resource id and
the caller's request id when it sent one. Never a secret, never an attribute value.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import azure.functions as func

from .. import telemetry
from ..telemetry.recorder import RequestRecord
from .shaping import base_url

log = logging.getLogger("connector.requests")

EVENT = "scim.request"

# Operation names by handler (connector/http/handlers.py, group_handlers.py) and method.
_OPERATIONS: dict[str, tuple[str, dict[str, str]]] = {
    "users": ("users", {"GET": "list", "POST": "create"}),
    "search": ("users", {"POST": "search"}),
    "user": ("users", {"GET": "get", "PUT": "put", "PATCH": "patch", "DELETE": "delete"}),
    "groups": ("groups", {"GET": "list", "POST": "create"}),
    "group": ("groups", {"GET": "get", "PUT": "put", "PATCH": "patch", "DELETE": "delete"}),
    "groups_search": ("groups", {"POST": "search"}),
    "search_all": ("search", {"POST": "all"}),
    "service_provider_config": ("discovery", {"GET": "service_provider_config"}),
    "schemas": ("discovery", {"GET": "schemas"}),
    "resource_types": ("discovery", {"GET": "resource_types"}),
    "unknown": ("unknown", {}),
}

# Headers a caller may correlate its request by, in order of preference. Entra's provisioning
# service documents none (see docs/operations.md); these are the usual Microsoft ones.
REQUEST_ID_HEADERS = ("client-request-id", "x-ms-client-request-id", "request-id", "x-request-id")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:{}-]{1,128}$")
# No `@` nor `%` (an encoded one): an id that holds them may be a login or an email, which a
# record never holds (a REST application keyed by email, an id from the ECMA2Host era). Matched
# whole (fullmatch): `$` would take a final line break, which a decoded route parameter may hold.
_SAFE_RESOURCE_ID = re.compile(r"[\w.:{}+=-]{1,200}")


def operation_name(handler: str, method: str) -> str:
    """e.g. `users.patch`; a method the route does not serve is `<family>.unsupported`."""
    family, methods = _OPERATIONS.get(handler, (handler, {}))
    action = methods.get(method.upper())
    if action is None:
        return family if not methods else f"{family}.unsupported"
    return f"{family}.{action}"


def request_id(req: func.HttpRequest) -> tuple[str | None, str | None]:
    """The caller's request id and the header it came in, when one is present and well formed
    (anything else is not logged: a header is caller-controlled text)."""
    for name in REQUEST_ID_HEADERS:
        value = (req.headers.get(name) or "").strip()
        if value:
            return (value, name) if _SAFE_ID.match(value) else (None, name)
    return None, None


def _error_fields(body: bytes) -> tuple[str | None, str | None]:
    try:
        data = json.loads(body)
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    scim_type = data.get("scimType")
    detail = data.get("detail")
    return (
        str(scim_type) if scim_type else None,
        str(detail) if detail else None,
    )


def _resource_id(req: func.HttpRequest, response: func.HttpResponse) -> str | None:
    found = str(req.route_params.get("id") or "")
    if not found and response.status_code == 201:
        found = _created_id(req, response)
    return found if found and _SAFE_RESOURCE_ID.fullmatch(found) else None


def _created_id(req: func.HttpRequest, response: func.HttpResponse) -> str:
    """The id a create answered with: from its Location (`<Tenant URL>/Users/<id>`, as
    shaping.location writes it), or else from its body (decoding the body was ~3 % of a POST)."""
    location = response.headers.get("Location") or ""
    prefix = base_url(req) + "/"
    if location.startswith(prefix):
        _, slash, created = location[len(prefix) :].partition("/")
        if slash:
            return created
    try:
        body = json.loads(response.get_body() or b"{}")
    except ValueError:
        return ""
    return str(body.get("id") or "") if isinstance(body, dict) else ""


def finish(
    record: RequestRecord, req: func.HttpRequest, response: func.HttpResponse, failure: str | None
) -> None:
    """Fill the record from the answer; `failure` names an unexpected exception's type."""
    scim_type = reason = None
    if response.status_code >= 400:
        scim_type, detail = _error_fields(response.get_body() or b"")
        reason = telemetry.scrub(detail) if detail else f"HTTP {response.status_code}"
        if failure:
            reason = f"{reason} ({failure})"
    record.finish(
        response.status_code,
        scim_type=scim_type,
        reason=reason,
        resource_id=_resource_id(req, response),
    )


def _status_shown(call: dict[str, Any]) -> str:
    """A call in `target_statuses`: its status; what failed when no answer came; both, as
    `200:conflict`, for an answer whose body says it failed (a REST `errorEnvelope`)."""
    status, error = call["status"], call.get("error")
    if status is None:
        return str(error or "-")
    return f"{status}:{error}" if error else str(status)


def emit(record: RequestRecord, req: func.HttpRequest) -> None:
    """Log the record: INFO, or WARNING when the answer is a 5xx."""
    status = record.status or 0
    level = logging.WARNING if status >= 500 else logging.INFO
    if not log.isEnabledFor(level):
        return  # LOG_LEVEL leaves it out: not worth building (~3 % of a request)
    calls = [c.summary() for c in record.calls]
    client_request_id, header = request_id(req)
    fields: dict[str, Any] = {
        "event": EVENT,
        "operation": record.operation,
        "http_method": str(req.method).upper(),
        "scim_status": status,
        "scim_type": record.scim_type or "",
        "duration_ms": round(record.duration_ms or 0.0, 1),
        "target_calls": len(calls),
        "target_statuses": ",".join(_status_shown(c) for c in calls),
        # A JSON string: Application Insights keeps only flat values as custom dimensions.
        "target_call_list": json.dumps(calls, separators=(",", ":")),
        "target_429s": sum(1 for c in record.calls if c.status == 429),
        "retries": record.retries,
        "wait_seconds": round(record.wait_seconds, 3),
        "budget_exhausted": record.budget_exhausted or 0,
        "reason": record.reason or "",
        "resource_id": record.resource_id or "",
        "client_request_id": client_request_id or "",
        "client_request_id_header": header or "",
    }
    summary = (
        f"{record.operation} -> {status} in {fields['duration_ms']} ms "
        f"({len(calls)} target call{'s' if len(calls) != 1 else ''}, "
        f"{record.retries} retr{'ies' if record.retries != 1 else 'y'})"
    )
    if record.reason:
        summary += f": {record.reason}"
    log.log(level, "%s", summary, extra=fields)
