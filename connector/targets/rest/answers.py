"""What an application's error answers mean: the description's rules first, then the defaults,
and the application's own message, which goes into the SCIM error's detail."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ... import redact
from ..errors import UnavailableError
from ..http import ApiError
from . import pointer
from .description import ErrorRule, Meaning

# Where applications usually put their message, tried when a rule names none.
_USUAL_MESSAGES = ("/error/message", "/message", "/error_description", "/detail", "/error")
_MAX_MESSAGE = 500


@dataclass(frozen=True)
class _Rule:
    statuses: frozenset[int]
    match: re.Pattern[str] | None
    means: Meaning
    message: tuple[tuple[str, ...], ...]


_DEFAULTS = (
    _Rule(frozenset({404, 410}), None, "not-found", ()),
    _Rule(frozenset({409}), None, "conflict", ()),
)


class Answers:
    def __init__(self, rules: list[ErrorRule], name: str) -> None:
        self._name = name
        self._rules = (
            tuple(
                _Rule(
                    frozenset(rule.statuses),
                    re.compile(rule.match) if rule.match is not None else None,
                    rule.means,
                    tuple(pointer.parse(p) for p in rule.message),
                )
                for rule in rules
            )
            + _DEFAULTS
        )

    def meaning(self, error: ApiError) -> tuple[Meaning | None, str]:
        """What the error means (None: nothing the description or the defaults know) and the
        application's message."""
        for rule in self._rules:
            if error.status in rule.statuses and (
                rule.match is None or rule.match.search(error.text)
            ):
                return rule.means, self._message(error, rule.message)
        return None, self._message(error, ())

    def refused(self, error: ApiError) -> UnavailableError | None:
        """A 403 the description does not explain: the connector's account lacks rights."""
        if error.status != 403 or self.meaning(error)[0] is not None:
            return None
        return UnavailableError(
            f"{self._name} refused the connector (HTTP 403: {self._message(error, ())}); "
            "grant the account the connector signs in with the rights to manage users",
            retry_after=300,
        )

    def _message(self, error: ApiError, where: tuple[tuple[str, ...], ...]) -> str:
        body = error.json()
        texts = [_text(pointer.resolve(body, tokens)) for tokens in where] if body else []
        if not any(texts):
            texts = [_text(pointer.resolve(body, pointer.parse(p))) for p in _USUAL_MESSAGES]
            texts = [t for t in texts if t][:1] if body is not None else []
        message = "; ".join(t for t in texts if t) or error.text.strip() or f"HTTP {error.status}"
        # Masked before it is cut: a cut through a secret would leave a piece no mask matches.
        return redact.redact(message)[:_MAX_MESSAGE]


def _text(value: Any) -> str:
    """A message from JSON: strings as they are, lists item by item, objects `field: message`."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "; ".join(t for t in (_text(v) for v in value) if t)
    if isinstance(value, dict):
        return ": ".join(t for t in (_text(v) for v in value.values()) if t)
    return str(value)
