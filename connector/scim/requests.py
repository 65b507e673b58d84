"""Reads SCIM request bodies and paging parameters, refusing what is malformed or absurd."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scim2_models import InvalidSyntaxException, InvalidValueException, SCIMException

from ..json_codec import loads
from ..names import value_of

MAX_BODY_BYTES = 1024 * 1024
MAX_PAGE_SIZE = 200


class PayloadTooLargeError(SCIMException):
    status = 413
    _default_detail = "The request body is larger than 1 MiB"


def read_json(body: bytes) -> Any:
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(detail=f"request body larger than {MAX_BODY_BYTES} bytes")
    if not body.strip():
        raise InvalidSyntaxException(detail="the request body is empty")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidSyntaxException(detail="the request body is not UTF-8") from exc
    try:
        data = loads(text, finite=True)
    except RecursionError as exc:
        raise InvalidSyntaxException(detail="the request body nests too deeply") from exc
    except ValueError as exc:
        raise InvalidSyntaxException(detail=f"the request body is not JSON: {exc}") from exc
    if "\\u" in text and not is_text(data):
        # JSON may escape half a surrogate pair (`"\ud800"`): that is no Unicode text, and no
        # target can store it. Only a `\u` escape can make one (the text itself is UTF-8), so
        # a body without any is not encoded again to find out.
        raise InvalidSyntaxException(detail="the request body holds a lone surrogate escape")
    return data


def is_text(data: Any) -> bool:
    """True when every string in `data` (keys included) is Unicode text (UTF-8 encodable)."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_resource(body: bytes) -> dict[str, Any]:
    data = read_json(body)
    if not isinstance(data, dict):
        raise InvalidSyntaxException(detail="a resource must be a JSON object")
    return data


@dataclass(frozen=True)
class Paging:
    start_index: int
    count: int | None

    @property
    def end(self) -> int:
        """The position (from 1) of the last result this page can show."""
        return self.start_index - 1 + (MAX_PAGE_SIZE if self.count is None else self.count)


def _param(params: Mapping[str, str], name: str) -> str | None:
    value: str | None = value_of(params, name)
    return value


def _integer(params: Mapping[str, str], name: str) -> int | None:
    raw = _param(params, name)
    if raw is None or raw.strip() == "":
        return None
    try:
        return int(raw.strip())
    except ValueError as exc:
        raise InvalidValueException(detail=f"{name} must be an integer, got {raw[:40]!r}") from exc


def read_paging(params: Mapping[str, str]) -> Paging:
    """startIndex below 1 means 1 and count below 0 means 0 (RFC 7644 §3.4.2.4)."""
    start = _integer(params, "startIndex")
    count = _integer(params, "count")
    return Paging(
        start_index=max(1, start) if start is not None else 1,
        count=min(MAX_PAGE_SIZE, max(0, count)) if count is not None else None,
    )


def query_param(params: Mapping[str, str], name: str) -> str | None:
    return _param(params, name)


def search_params(body: Mapping[str, Any]) -> dict[str, str]:
    """A SearchRequest body (RFC 7644 §3.4.3) as the query parameters a GET would carry."""
    params: dict[str, str] = {}
    for key, value in body.items():
        if key.lower() == "schemas":
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            params[key] = ",".join(value)
        elif isinstance(value, str | int) and not isinstance(value, bool):
            params[key] = str(value)
        else:
            raise InvalidValueException(detail=f"{key} has an invalid value")
    return params
