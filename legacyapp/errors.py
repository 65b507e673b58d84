"""Ledgerline's error body, `{"error": {"code", "message"[, "fields"]}}`, and each code's status."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

STATUS_OF_CODE = {
    "bad_request": 400,
    "unauthorized": 401,
    "not_found": 404,
    "not_a_member": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "invalid_state": 409,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "validation_failed": 422,
    "rate_limited": 429,
    "internal": 500,
}


@dataclass(frozen=True)
class FieldError:
    """One entry of a 422's `fields`: the JSON name (dotted when nested) and what is wrong."""

    field: str
    message: str

    def json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class ApiError(Exception):
    """Raised anywhere below the router; rendered as the error body with the code's status."""

    def __init__(
        self,
        code: str,
        message: str,
        fields: Iterable[FieldError] = (),
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.code = code
        self.status = STATUS_OF_CODE[code]
        self.message = message
        self.fields = list(fields)
        self.headers = list(headers)
        super().__init__(f"{self.status} {code}: {message}")

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.code == "validation_failed":
            error["fields"] = [problem.json() for problem in self.fields]
        return {"error": error}


def bad_request(message: str) -> ApiError:
    return ApiError("bad_request", message)


def invalid(fields: Iterable[FieldError]) -> ApiError:
    problems = list(fields)
    noun = "field is" if len(problems) == 1 else "fields are"
    return ApiError("validation_failed", f"{len(problems)} {noun} invalid", problems)


def account_not_found(raw_id: str | int) -> ApiError:
    return ApiError("not_found", f"no account with id {raw_id}")


def team_not_found(raw_id: str | int) -> ApiError:
    return ApiError("not_found", f"no team with id {raw_id}")
