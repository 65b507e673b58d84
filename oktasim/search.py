"""Okta `filter` and `search` expressions: tokenizer, parser and evaluator with Okta's rules.

Both modes share one grammar (`attr op value`, `attr pr`, `and`, `or`, parentheses; operators
and keywords case-insensitive; property names case-sensitive). They differ in which properties
and operators are allowed and in string comparison: `filter` is case-sensitive, `search` folds
case but keeps diacritics. What each resource allows lives in a `Rules` subclass: users' here,
groups' in `groupsearch`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from oktasim.errors import OktaError, invalid_search
from oktasim.store import User
from oktasim.timestamps import parse_timestamp

Predicate = Callable[[Any], bool]


class Mode(Enum):
    FILTER = "filter"
    SEARCH = "search"


DATE_PROPERTIES = frozenset(
    {"created", "activated", "statusChanged", "lastUpdated", "passwordChanged", "lastLogin"}
)
# The top-level properties listUsers' `search` names (spec), beside profile attributes and
# `type.id`; `passwordChanged` and `lastLogin` are not among them (`sortBy` still takes them).
_SEARCH_TOP_LEVEL = frozenset(
    {"id", "status", "created", "activated", "statusChanged", "lastUpdated", "type.id"}
)
_FILTER_PROPERTIES = frozenset(
    {
        "status",
        "lastUpdated",
        "id",
        "profile.login",
        "profile.email",
        "profile.firstName",
        "profile.lastName",
    }
)
_CONTAINS_PROPERTIES = frozenset(
    {"profile.firstName", "profile.lastName", "profile.email", "profile.login"}
)
_ORDERING = frozenset({"gt", "ge", "lt", "le"})
_SEARCH_OPERATORS = frozenset({"eq", "sw", "co", "pr"}) | _ORDERING
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_WORD = re.compile(r'[^\s()"]+')
_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "string" or "word"
    text: str


def _tokenize(expression: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(expression):
        char = expression[pos]
        if char.isspace():
            pos += 1
        elif char in "()":
            tokens.append(_Token(char, char))
            pos += 1
        elif char == '"':
            text, pos = _read_string(expression, pos + 1)
            tokens.append(_Token("string", text))
        else:
            match = _WORD.match(expression, pos)
            assert match is not None
            tokens.append(_Token("word", match.group()))
            pos = match.end()
    return tokens


def _read_string(expression: str, pos: int) -> tuple[str, int]:
    chars: list[str] = []
    while pos < len(expression):
        char = expression[pos]
        if char == '"':
            return "".join(chars), pos + 1
        if char != "\\":
            chars.append(char)
            pos += 1
            continue
        escape = expression[pos + 1 : pos + 2]
        if escape in _ESCAPES:
            chars.append(_ESCAPES[escape])
            pos += 2
        elif escape == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", expression[pos + 2 : pos + 6]):
            chars.append(chr(int(expression[pos + 2 : pos + 6], 16)))
            pos += 6
        else:
            raise invalid_search()
    raise invalid_search()


class _Parser:
    def __init__(self, tokens: list[_Token], rules: Rules) -> None:
        self.tokens = tokens
        self.pos = 0
        self.rules = rules

    def parse(self) -> Predicate:
        if not self.tokens:
            raise invalid_search()
        predicate = self._or()
        if self.pos != len(self.tokens):
            raise invalid_search()
        return predicate

    def _peek_keyword(self, keyword: str) -> bool:
        if self.pos >= len(self.tokens):
            return False
        token = self.tokens[self.pos]
        return token.kind == "word" and token.text.lower() == keyword

    def _next(self) -> _Token:
        if self.pos >= len(self.tokens):
            raise invalid_search()
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _or(self) -> Predicate:
        terms = [self._and()]
        while self._peek_keyword("or"):
            self.pos += 1
            terms.append(self._and())
        if len(terms) == 1:
            return terms[0]
        return lambda user: any(term(user) for term in terms)

    def _and(self) -> Predicate:
        terms = [self._primary()]
        while self._peek_keyword("and"):
            self.pos += 1
            terms.append(self._primary())
        if len(terms) == 1:
            return terms[0]
        return lambda user: all(term(user) for term in terms)

    def _primary(self) -> Predicate:
        token = self._next()
        if token.kind == "(":
            inner = self._or()
            if self._next().kind != ")":
                raise invalid_search()
            return inner
        if token.kind != "word" or not _PATH.match(token.text):
            raise invalid_search()
        attribute = token.text
        operator_token = self._next()
        if operator_token.kind != "word":
            raise invalid_search()
        operator = operator_token.text.lower()
        self.rules.check(attribute, operator)
        if operator == "pr":
            return lambda user: _present(self.rules.value_of(user, attribute))
        literal = self._literal(attribute)
        return self.rules.comparison(attribute, operator, literal)

    def _literal(self, attribute: str) -> Any:
        token = self._next()
        if attribute in self.rules.date_properties:
            moment = parse_timestamp(token.text) if token.kind == "string" else None
            if moment is None:
                raise OktaError("E0000030")
            return moment
        if token.kind == "string":
            return token.text
        if token.kind != "word":
            raise invalid_search()
        lowered = token.text.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered == "null":
            return None
        if _NUMBER.match(token.text):
            return float(token.text)
        raise invalid_search()


def _present(value: Any) -> bool:
    if isinstance(value, list):
        return any(_present(item) for item in value)
    return value is not None and value != ""


class Rules:
    """What one resource's expressions may name, and how its records answer them."""

    def __init__(self, mode: Mode, date_properties: frozenset[str]) -> None:
        self.mode = mode
        self.date_properties = date_properties

    def check(self, attribute: str, operator: str) -> None:
        """Raises E0000031 unless `attribute operator …` is allowed in this mode."""
        raise NotImplementedError

    def check_sort(self, attribute: str) -> None:
        """Raises E0000031 unless `sortBy` may name the attribute."""
        self.check(attribute, "eq")

    def value_of(self, record: Any, attribute: str) -> Any:
        raise NotImplementedError

    def identity(self, record: Any) -> str:
        """The id that orders ties when sorting."""
        raise NotImplementedError

    def comparison(self, attribute: str, operator: str, literal: Any) -> Predicate:
        fold = self.mode is Mode.SEARCH

        def matches_one(value: Any) -> bool:
            return _compare(value, operator, literal, fold)

        def predicate(record: Any) -> bool:
            value = self.value_of(record, attribute)
            if isinstance(value, list):
                return any(matches_one(item) for item in value)
            return matches_one(value)

        return predicate


class UserRules(Rules):
    def __init__(self, mode: Mode, profile_names: frozenset[str], type_id: str) -> None:
        super().__init__(mode, DATE_PROPERTIES)
        self.profile_names = profile_names
        self.type_id = type_id

    def check(self, attribute: str, operator: str) -> None:
        if self.mode is Mode.FILTER:
            allowed = attribute in _FILTER_PROPERTIES and (
                operator == "eq" or (attribute == "lastUpdated" and operator in _ORDERING)
            )
        else:
            known = attribute in _SEARCH_TOP_LEVEL or (
                attribute.startswith("profile.") and attribute[8:] in self.profile_names
            )
            allowed = (
                known
                and operator in _SEARCH_OPERATORS
                and (operator != "co" or attribute in _CONTAINS_PROPERTIES)
            )
        if not allowed:
            raise invalid_search()

    def check_sort(self, attribute: str) -> None:
        # `sortBy` "can be any single property" (spec, listUsers).
        if attribute not in DATE_PROPERTIES:
            self.check(attribute, "eq")

    def value_of(self, record: Any, attribute: str) -> Any:
        user: User = record
        if attribute.startswith("profile."):
            return user.profile.get(attribute[8:])
        return {
            "id": user.id,
            "status": user.status,
            "type.id": self.type_id,
            "created": user.created,
            "activated": user.activated,
            "statusChanged": user.status_changed,
            "lastUpdated": user.last_updated,
            "passwordChanged": user.password_changed,
            "lastLogin": user.last_login,
        }[attribute]

    def identity(self, record: Any) -> str:
        user: User = record
        return user.id


def _compare(value: Any, operator: str, literal: Any, fold: bool) -> bool:
    if value is None or literal is None:
        return operator == "eq" and value is literal
    if isinstance(literal, datetime):
        return isinstance(value, datetime) and _ordered(value, operator, literal)
    if isinstance(literal, bool) or isinstance(value, bool):
        return operator == "eq" and value is literal
    if isinstance(literal, float):
        return isinstance(value, int | float) and _ordered(float(value), operator, literal)
    if not isinstance(value, str):
        return False
    left, right = (value.casefold(), literal.casefold()) if fold else (value, literal)
    if operator == "sw":
        return left.startswith(right)
    if operator == "co":
        return right in left
    return _ordered(left, operator, right)


def _ordered(left: Any, operator: str, right: Any) -> bool:
    if operator == "eq":
        return bool(left == right)
    if operator == "gt":
        return bool(left > right)
    if operator == "ge":
        return bool(left >= right)
    if operator == "lt":
        return bool(left < right)
    if operator == "le":
        return bool(left <= right)
    return False


def compile_rules(expression: str, rules: Rules) -> Predicate:
    """Parses an expression once; the returned predicate tells whether a record matches it."""
    return _Parser(_tokenize(expression), rules).parse()


def rules_sort_key(attribute: str, rules: Rules) -> Callable[[Any], list[str]]:
    """Okta sorts search results by one property, ASCII order ignoring case, ties by id."""
    rules.check_sort(attribute)

    def key(record: Any) -> list[str]:
        value = rules.value_of(record, attribute)
        if isinstance(value, datetime):
            shown = value.isoformat()
        else:
            shown = "" if value is None else str(value).casefold()
        return [shown, rules.identity(record)]

    return key


def compile_expression(
    expression: str, mode: Mode, profile_names: frozenset[str], type_id: str
) -> Predicate:
    """A users' `filter` or `search` expression as a predicate on users."""
    return compile_rules(expression, UserRules(mode, profile_names, type_id))


def sort_key(
    attribute: str, profile_names: frozenset[str], type_id: str
) -> Callable[[Any], list[str]]:
    """The users' `sortBy` key."""
    return rules_sort_key(attribute, UserRules(Mode.SEARCH, profile_names, type_id))
