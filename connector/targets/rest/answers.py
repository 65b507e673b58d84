"""What an application's error answers mean: the description's rules first, then the defaults,
and the application's own message, which goes into the SCIM error's detail. An answer with a
success status whose body says the call failed (the description's `errorEnvelope`) is an error
answer too, read by the same rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from ... import redact
from ...json_codec import loads
from ..errors import UnavailableError
from ..http import ApiError
from . import pointer
from .description import ErrorEnvelope, ErrorRule, Meaning
from .values import same_value, text

# Where applications usually put their message, tried when a rule names none.
_USUAL_MESSAGES = ("/error/message", "/message", "/error_description", "/detail", "/error")
_MAX_MESSAGE = 500


_MISSING = object()


# An application's error code as telemetry may show it: a short identifier. Anything else (a
# message at the code's pointer, which may name a user) is recorded as ENVELOPE instead.
_SAFE_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
ENVELOPE = "errorEnvelope"


class EnvelopeError(ApiError):
    """An answer with a success status whose body says the call failed: raised where an error
    status would have been, so that every caller reads it with the same rules. `label` names
    it in telemetry: the application's code when it is a short identifier, else ENVELOPE."""

    def __init__(self, response: httpx.Response, code: str | None = None) -> None:
        super().__init__(
            response.status_code, response.reason_phrase, response.headers, response.content
        )
        self.label = code if code is not None and _SAFE_CODE.fullmatch(code) else ENVELOPE


def answered(error: ApiError) -> str:
    """How messages name an error answer: its status, and whether its envelope said it."""
    if isinstance(error, EnvelopeError):
        return f"{error.status} with an error envelope"
    return str(error.status)


@dataclass(frozen=True)
class _Rule:
    statuses: frozenset[int] | None  # None: any status
    codes: frozenset[str] | None  # None: with or without a code
    match: re.Pattern[str] | None
    means: Meaning
    message: tuple[tuple[str, ...], ...]


_DEFAULTS = (
    _Rule(frozenset({404, 410}), None, None, "not-found", ()),
    _Rule(frozenset({409}), None, None, "conflict", ()),
)


class Answers:
    def __init__(
        self, rules: list[ErrorRule], name: str, envelope: ErrorEnvelope | None = None
    ) -> None:
        self._name = name
        self._envelope = envelope
        self._marker = pointer.parse(envelope.pointer) if envelope else ()
        self._code = pointer.parse(envelope.code) if envelope and envelope.code else None
        self._messages = tuple(pointer.parse(p) for p in envelope.message) if envelope else ()
        self._rules = (
            tuple(
                _Rule(
                    frozenset(rule.statuses) if rule.status is not None else None,
                    frozenset(codes) if (codes := rule.codes) is not None else None,
                    re.compile(rule.match) if rule.match is not None else None,
                    rule.means,
                    tuple(pointer.parse(p) for p in rule.message),
                )
                for rule in rules
            )
            + _DEFAULTS
        )

    def failed(self, response: httpx.Response) -> EnvelopeError | None:
        """The error a success status carries in its body, per `errorEnvelope`; None for a
        success (or no envelope described). An answer without the envelope's pointer (a bare
        list, an empty 204, a page that is not JSON) is not a failure: it says nothing."""
        envelope = self._envelope
        if envelope is None or not response.content:
            return None
        try:
            body = loads(response.content)
        except ValueError:
            return None
        marker = pointer.resolve(body, self._marker, _MISSING)
        if marker is _MISSING:
            return None
        listed = any(same_value(value, marker) for value in envelope.values)
        failed = listed if envelope.failure is not None else not listed
        return EnvelopeError(response, self._code_in(body)) if failed else None

    def meaning(self, error: ApiError) -> tuple[Meaning | None, str]:
        """What the error means (None: nothing the description or the defaults know) and the
        application's message."""
        code = self.code(error)
        for rule in self._rules:
            if (
                (rule.statuses is None or error.status in rule.statuses)
                and (rule.codes is None or code in rule.codes)
                and (rule.match is None or rule.match.search(error.text))
            ):
                return rule.means, self._message(error, rule.message)
        return None, self._message(error, ())

    def code(self, error: ApiError) -> str | None:
        """The application's error code in the answer (at errorEnvelope.code), as text."""
        return self._code_in(error.json())

    def _code_in(self, body: Any) -> str | None:
        if self._code is None:
            return None
        raw = pointer.resolve(body, self._code)
        return text(raw) if isinstance(raw, str | int | float) else None

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
        if not any(texts) and body:
            # The envelope's own place for a message, before the places usual elsewhere.
            texts = [_text(pointer.resolve(body, tokens)) for tokens in self._messages]
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
