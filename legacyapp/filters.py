"""The `filter` query parameter: Ledgerline's own small expression language for lists.

    filter=username eq "o\\"brien@example.com" and status eq "enabled"

Conditions are `field operator "text"`, joined by `and` and `or` (`and` binds tighter; there
are no parentheses). Inside the quotes a backslash escapes the next character, which must be a
double quote or a backslash: `\\"` is a quote, `\\\\` a backslash. Anything else (an unknown
field or operator, an unquoted value, a single-quoted one, an unknown escape, an unterminated
string, words left over) is a `400 bad_request` that says where it went wrong, as the real
application parses strictly rather than guessing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from legacyapp.errors import ApiError, bad_request

Test = Callable[[Mapping[str, Any]], bool]

# Field → whether it compares ignoring case (by Unicode case folding, as uniqueness does).
ACCOUNT_FIELDS = {
    "username": True,
    "email": True,
    "first_name": True,
    "last_name": True,
    "display_name": True,
    "external_ref": False,
    "status": False,
}
TEAM_FIELDS = {"name": True, "external_ref": False}
OPERATORS = ("eq", "sw")
MAX_LENGTH = 2000  # characters of one filter expression
_STATUSES = ("enabled", "disabled")


@dataclass(frozen=True)
class _Condition:
    field: str
    operator: str
    value: str
    folded: bool

    def test(self, item: Mapping[str, Any]) -> bool:
        stored = item.get(self.field)
        if not isinstance(stored, str):
            return False  # null never matches
        wanted = self.value
        if self.folded:
            stored, wanted = stored.casefold(), wanted.casefold()
        return stored == wanted if self.operator == "eq" else stored.startswith(wanted)


def parse(text: str, fields: Mapping[str, bool]) -> Test:
    """The filter as a test of one record's fields; ApiError (400) for a malformed filter."""
    if len(text) > MAX_LENGTH:
        raise bad_request(f"invalid filter: longer than {MAX_LENGTH} characters")
    reader = _Reader(text, fields)
    groups: list[list[_Condition]] = [[reader.condition()]]
    while not reader.at_end():
        joiner = reader.word("'and' or 'or'")
        if joiner == "and":
            groups[-1].append(reader.condition())
        elif joiner == "or":
            groups.append([reader.condition()])
        else:
            raise reader.error(f"expected 'and' or 'or', got {joiner!r}", back=len(joiner))
    return lambda item: any(all(c.test(item) for c in group) for group in groups)


class _Reader:
    def __init__(self, text: str, fields: Mapping[str, bool]) -> None:
        self.text = text
        self.fields = fields
        self.at = 0

    def error(self, what: str, *, back: int = 0) -> ApiError:
        return bad_request(f"invalid filter at character {self.at - back + 1}: {what}")

    def _spaces(self) -> None:
        while self.at < len(self.text) and self.text[self.at] == " ":
            self.at += 1

    def at_end(self) -> bool:
        self._spaces()
        return self.at >= len(self.text)

    def word(self, expected: str) -> str:
        self._spaces()
        start = self.at
        while self.at < len(self.text) and self.text[self.at] not in ' "':
            self.at += 1
        if self.at == start:
            raise self.error(f"expected {expected}")
        return self.text[start : self.at]

    def condition(self) -> _Condition:
        field = self.word("a field name")
        if field not in self.fields:
            known = ", ".join(self.fields)
            raise self.error(f"unknown field {field!r}; the fields are {known}", back=len(field))
        operator = self.word("an operator (eq or sw)")
        if operator not in OPERATORS:
            raise self.error(f"unknown operator {operator!r}; use eq or sw", back=len(operator))
        value = self.string()
        if field == "status" and (operator != "eq" or value not in _STATUSES):
            raise bad_request('invalid filter: status takes eq "enabled" or eq "disabled"')
        return _Condition(field, operator, value, self.fields[field])

    def string(self) -> str:
        self._spaces()
        if self.at >= len(self.text) or self.text[self.at] != '"':
            raise self.error('expected a value in double quotes, e.g. "alice@example.com"')
        self.at += 1
        value: list[str] = []
        while self.at < len(self.text):
            char = self.text[self.at]
            self.at += 1
            if char == '"':
                if self.at < len(self.text) and self.text[self.at] != " ":
                    raise self.error("expected a space after the closing quote")
                return "".join(value)
            if char == "\\":
                if self.at >= len(self.text) or self.text[self.at] not in '"\\':
                    raise self.error('a backslash escapes only " or \\ (write \\" or \\\\)')
                char = self.text[self.at]
                self.at += 1
            value.append(char)
        raise self.error("the value's closing quote is missing")
