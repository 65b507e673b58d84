"""Peopledir's errors: RFC 9457 problem details (`application/problem+json`), one type per
kind of refusal, each with its fixed status and title."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://developer.peopledir.example/problems/"

# slug -> (status, title); the title never varies between occurrences (RFC 9457 section 3.1.3).
TYPES: dict[str, tuple[int, str]] = {
    "invalid-request": (400, "The request is malformed"),
    "validation-error": (400, "The person has invalid fields"),
    "unauthorized": (401, "A valid access token is required"),
    "insufficient-scope": (403, "The access token lacks a required scope"),
    "not-found": (404, "The resource does not exist"),
    "method-not-allowed": (405, "The method is not allowed on this resource"),
    "conflict": (409, "The value is already in use"),
    "length-required": (411, "The request body needs a Content-Length"),
    "payload-too-large": (413, "The request body is too large"),
    "unsupported-media-type": (415, "The request body must be JSON"),
    "rate-limited": (429, "Too many requests"),
    "internal": (500, "Internal server error"),
}


@dataclass(frozen=True)
class FieldProblem:
    """One entry of a validation problem's `errors`: a JSON Pointer (RFC 6901) into the body."""

    pointer: str
    detail: str

    def json(self) -> dict[str, str]:
        return {"pointer": self.pointer, "detail": self.detail}


class Problem(Exception):
    """Raised anywhere below the pipeline; rendered as a problem details document."""

    def __init__(
        self,
        slug: str,
        detail: str,
        errors: Iterable[FieldProblem] = (),
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.slug = slug
        self.status, self.title = TYPES[slug]
        self.detail = detail
        self.errors = list(errors)
        self.headers = list(headers)
        super().__init__(f"{self.status} {slug}: {detail}")

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.slug == "validation-error":
            body["errors"] = [problem.json() for problem in self.errors]
        return body


def invalid_request(detail: str) -> Problem:
    return Problem("invalid-request", detail)


def validation_error(errors: Iterable[FieldProblem]) -> Problem:
    problems = list(errors)
    noun = "field is" if len(problems) == 1 else "fields are"
    return Problem("validation-error", f"{len(problems)} {noun} invalid.", problems)


def person_not_found(person_id: str) -> Problem:
    return Problem("not-found", f"No person has the id '{person_id}'.")
