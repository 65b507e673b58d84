"""The filter/search expression language on its own, without HTTP."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest

from oktasim.errors import OktaError
from oktasim.search import Mode, compile_expression
from oktasim.store import User

NAMES = frozenset({"login", "email", "firstName", "lastName", "nickName", "tags"})
TYPE_ID = "otyAAAAAAAAAAAAAAAAA"


def _user(**profile: Any) -> User:
    moment = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    return User(
        id="00u" + "".join(random.choice("abc") for _ in range(17)),
        status="ACTIVE",
        created=moment,
        status_changed=moment,
        last_updated=moment,
        profile=profile,
    )


def _matches(expression: str, user: User, mode: Mode = Mode.SEARCH) -> bool:
    return compile_expression(expression, mode, NAMES, TYPE_ID)(user)


def _code(expression: str, mode: Mode = Mode.SEARCH) -> str:
    with pytest.raises(OktaError) as raised:
        compile_expression(expression, mode, NAMES, TYPE_ID)
    return raised.value.code


def test_escapes_are_decoded_inside_values() -> None:
    user = _user(nickName='say "hi" \\ bye')
    assert _matches('profile.nickName eq "say \\"hi\\" \\\\ bye"', user)
    assert _matches('profile.nickName eq "say \\u0022hi\\u0022 \\\\ bye"', user)


def test_or_inside_a_value_stays_a_value() -> None:
    user = _user(nickName='x" or status eq "ACTIVE')
    other = _user(nickName="y")
    expression = 'profile.nickName eq "x\\" or status eq \\"ACTIVE"'
    assert _matches(expression, user)
    assert not _matches(expression, other)


def test_precedence_and_binds_tighter_than_or() -> None:
    user = _user(firstName="Ann", lastName="Lee")
    assert _matches(
        'profile.firstName eq "x" and profile.lastName eq "y" or status eq "ACTIVE"', user
    )
    assert not _matches(
        'profile.firstName eq "x" and (profile.lastName eq "y" or status eq "ACTIVE")', user
    )


def test_case_rules() -> None:
    user = _user(login="Ann@Example.com")
    assert _matches('profile.login eq "ann@example.com"', user)
    assert not _matches('profile.login eq "ann@example.com"', user, Mode.FILTER)
    assert _matches('profile.login EQ "Ann@Example.com"', user, Mode.FILTER)
    assert _code('Profile.login eq "x"') == "E0000031"


def test_types_and_presence() -> None:
    user = _user(tags=["a", "B"], nickName="")
    assert _matches('profile.tags eq "b"', user)
    assert _matches("profile.tags pr", user)
    assert not _matches("profile.nickName pr", user)
    assert not _matches("profile.email pr", user)
    assert _matches('lastUpdated ge "2024-05-01T12:00:00.000Z"', user)
    assert not _matches('lastUpdated gt "2024-05-01T14:00:00.000+02:00"', user)
    assert _matches('lastUpdated ge "2024-05-01T13:00:00.000+0100"', user)


@pytest.mark.parametrize(
    ("expression", "code"),
    [
        ('profile.login ne "x"', "E0000031"),
        ('profile.nickName co "x"', "E0000031"),
        ('created gt "2024-13-01T00:00:00.000Z"', "E0000030"),
        # Not "yyyy-MM-dd'T'HH:mm:ss.SSSZZ", the one form E0000030's text allows.
        ('created gt "2024-05-01T14:00:00Z"', "E0000030"),
        ('created gt "2024-05-01T14:00:00.000000Z"', "E0000030"),
        ('created gt "20240501T140000.000Z"', "E0000030"),
        ('created gt "2024-05-01T14:00Z"', "E0000030"),
        ('created gt "2024-05-01T14:00:00.000"', "E0000030"),
        ("created gt 5", "E0000030"),
        ('profile.login eq "x" or', "E0000031"),
        ("profile.login eq", "E0000031"),
        ("(", "E0000031"),
        ("profile.login eq bare", "E0000031"),
    ],
)
def test_errors(expression: str, code: str) -> None:
    assert _code(expression) == code
