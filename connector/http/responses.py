"""Azure Functions responses in SCIM's media type, errors included."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func

from ..scim.errors import error_body

SCIM_MEDIA_TYPE = "application/scim+json"
# Items of a list encoded by one json.dumps call. The encoder holds a small string for every
# token of its input until it joins them: for a group of 10,000 members, ~4 MB to write 0.5 MB.
LIST_SLICE = 500
# How deep a long list is looked for: a ListResponse's Resources' members.
_DEPTH = 4


def encoded(value: Any, slice_size: int = LIST_SLICE, depth: int = _DEPTH) -> str:
    """`json.dumps(value, ensure_ascii=False)`, byte for byte; where `value` holds a list longer
    than `slice_size` (near the top), built from pieces of at most that many items."""
    if not _holds_long_list(value, slice_size, depth):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        fields = (
            f"{json.dumps(key, ensure_ascii=False)}: {encoded(item, slice_size, depth - 1)}"
            for key, item in value.items()
        )
        return "{" + ", ".join(fields) + "}"
    if len(value) <= slice_size:  # a short list holding a long one
        return "[" + ", ".join(encoded(item, slice_size, depth - 1) for item in value) + "]"
    # A long list goes in slices as it is: looking into each of 10,000 members for a longer
    # list within would cost twice the encoding itself.
    pieces = (
        json.dumps(value[start : start + slice_size], ensure_ascii=False)[1:-1]
        for start in range(0, len(value), slice_size)
    )
    return "[" + ", ".join(pieces) + "]"


def _holds_long_list(value: Any, slice_size: int, depth: int) -> bool:
    if depth <= 0:
        return False
    if isinstance(value, list):
        return len(value) > slice_size or any(
            _holds_long_list(item, slice_size, depth - 1)
            for item in value
            if isinstance(item, dict)
        )
    if isinstance(value, dict):
        # json.dumps writes non-text keys its own way (1 -> "1"): such objects go whole.
        return all(type(key) is str for key in value) and any(
            _holds_long_list(item, slice_size, depth - 1)
            for item in value.values()
            if isinstance(item, list | dict)
        )
    return False


def scim_response(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    payload = b"" if body is None else encoded(body).encode("utf-8")
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
