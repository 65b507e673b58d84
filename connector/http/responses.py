"""Azure Functions responses in SCIM's media type, errors included."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func

from ..scim.errors import error_body

SCIM_MEDIA_TYPE = "application/scim+json"


def scim_response(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    payload = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    return func.HttpResponse(
        body=payload,
        status_code=status,
        headers=headers or {},
        mimetype=SCIM_MEDIA_TYPE,
        charset="utf-8",
    )


def error_response(
    status: int,
    detail: str,
    scim_type: str | None = None,
    headers: dict[str, str] | None = None,
) -> func.HttpResponse:
    return scim_response(status, error_body(status, detail, scim_type), headers)
