"""The request and response values passed between the HTTP transport and the application."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .problems import PROBLEM_JSON, Problem

JSON = "application/json"


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # still percent-encoded, without the query
    query: str
    headers: Mapping[str, str]  # names lower-cased
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def media_type(self) -> str:
        """The Content-Type without parameters, lower-cased; "" when there is none."""
        return (self.header("Content-Type") or "").split(";", 1)[0].strip().lower()

    @property
    def target(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")


@dataclass
class Response:
    status: int
    body: dict[str, Any] | None = None  # a JSON object, or no body (204)
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = JSON

    @classmethod
    def problem(cls, problem: Problem) -> Response:
        return cls(problem.status, problem.body(), list(problem.headers), PROBLEM_JSON)
