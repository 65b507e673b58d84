"""Azure Functions responses in SCIM's media type, errors included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import azure.functions as func

from ..json_codec import answer_bytes
from ..scim.errors import error_body
from ..turns import Turns

SCIM_MEDIA_TYPE = "application/scim+json"
# Items of a list encoded at once: a group of 10,000 members goes in 20 pieces, and other
# requests run between them.
LIST_SLICE = 500
# How deep a long list is looked for: a ListResponse's Resources' members.
_DEPTH = 4


def encoded(value: Any, slice_size: int = LIST_SLICE) -> bytes:
    """`answer_bytes(value)`, byte for byte; where `value` holds a list longer than
    `slice_size` (near the top), built from pieces of at most that many items."""
    return b"".join(_pieces(value, slice_size, _DEPTH))


async def encoded_sharing(value: Any) -> bytes:
    """`encoded(value)`, letting other requests run between its pieces: a group of 10,000
    members takes milliseconds to encode, which would hold every other request for as long."""
    turns, pieces = Turns(), []
    for piece in _pieces(value, LIST_SLICE, _DEPTH):
        pieces.append(piece)
        await turns.share()
    return b"".join(pieces)


def _pieces(value: Any, slice_size: int, depth: int) -> Iterator[bytes]:
    if not _holds_long_list(value, slice_size, depth):
        yield answer_bytes(value)
    elif isinstance(value, dict):
        yield b"{"
        for n, (key, item) in enumerate(value.items()):
            yield b"%s%s:" % (b"," if n else b"", answer_bytes(key))
            yield from _pieces(item, slice_size, depth - 1)
        yield b"}"
    elif len(value) <= slice_size:  # a short list holding a long one
        yield b"["
        for n, item in enumerate(value):
            if n:
                yield b","
            yield from _pieces(item, slice_size, depth - 1)
        yield b"]"
    else:
        # A long list goes in slices as it is: looking into each of 10,000 members for a longer
        # list within would cost more than the encoding itself.
        yield b"["
        for start in range(0, len(value), slice_size):
            piece = answer_bytes(value[start : start + slice_size])[1:-1]
            yield b"," + piece if start else piece
        yield b"]"


def _holds_long_list(value: Any, slice_size: int, depth: int) -> bool:
    # Loops rather than any()/all() over generators: this runs on every answer (~2 % of one).
    if depth <= 0:
        return False
    if isinstance(value, list):
        if len(value) > slice_size:
            return True
        for item in value:
            if isinstance(item, dict) and _holds_long_list(item, slice_size, depth - 1):
                return True
        return False
    if isinstance(value, dict):
        found = False
        for key, item in value.items():
            if type(key) is not str:
                # Encoded by json, not orjson (answer_bytes): such objects go whole.
                return False
            if not found and isinstance(item, list | dict):
                found = _holds_long_list(item, slice_size, depth - 1)
        return found
    return False


def scim_response(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    return _response(status, None if body is None else encoded(body), headers)


def user_response(
    status: int, user: dict[str, Any], headers: dict[str, str] | None = None
) -> func.HttpResponse:
    """`scim_response` for one User, the same bytes: a User is one target record (its
    multi-valued attributes a few elements each, one per mapped type, and any array a target
    attribute holds as the target holds it), so it is encoded in one call, without looking for
    a list long enough to slice first (~3 % of a request)."""
    return _response(status, answer_bytes(user), headers)


async def scim_response_sharing(
    status: int, body: Any, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    """`scim_response` for a body that may be large (a listing, a group with its members)."""
    return _response(status, await encoded_sharing(body), headers)


def _response(status: int, body: bytes | None, headers: dict[str, str] | None) -> func.HttpResponse:
    return func.HttpResponse(
        body=b"" if body is None else body,
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
