"""In-memory SCIM filter evaluation against a rendered resource (RFC 7644 §3.4.2.2)."""

from __future__ import annotations

from typing import Any

import pytest
from scim2_models import ScimFilter

from connector.mapping.definitions import ENTERPRISE_USER
from connector.mapping.matching import matches

USER: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "00uAbC",
    "externalId": "Ext-1",
    "userName": "Pat@Example.com",
    "displayName": "Pat Smith",
    "nickName": "",
    "active": True,
    "name": {"givenName": "Pat", "familyName": "Smith"},
    "emails": [
        {"type": "work", "value": "pat@example.com", "primary": True},
        {"type": "home", "value": "pat@home.test"},
    ],
    "phoneNumbers": [],
    ENTERPRISE_USER: {
        "department": "R&D",
        "manager": {"value": "m-1", "$ref": "https://x.test/Users/M-1"},
    },
    "meta": {"lastModified": "2024-05-01T10:00:00Z"},
}


def _matches(text: str, resource: dict[str, Any] = USER) -> bool:
    return matches(ScimFilter(text).ast, resource)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('id eq "00uAbC"', True),
        ('id eq "00uabc"', False),
        ('externalId eq "Ext-1"', True),
        ('externalId eq "ext-1"', False),
        ('userName eq "pat@example.COM"', True),
        ('USERNAME eq "pat@example.com"', True),
        ('displayName co "SMITH"', True),
        (f'{ENTERPRISE_USER}:manager.$ref eq "https://x.test/Users/m-1"', False),
        (f'{ENTERPRISE_USER}:manager.$ref eq "https://x.test/Users/M-1"', True),
        (f'{ENTERPRISE_USER}:department eq "r&d"', True),
        (f'{ENTERPRISE_USER}:manager.value eq "m-1"', True),
    ],
)
def test_case_exactness(text: str, expected: bool) -> None:
    assert _matches(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('emails[type eq "work" and value eq "PAT@example.com"]', True),
        ('emails[type eq "home" and value eq "pat@example.com"]', False),
        ("emails[primary eq true]", True),
        ('emails[type eq "other"]', False),
        ('emails.value eq "pat@home.test"', True),
        ('emails[type eq "work"].value eq "pat@example.com"', True),
        ("phoneNumbers[value pr]", False),
        ('name.givenName sw "pa"', True),
    ],
)
def test_value_paths_and_sub_attributes(text: str, expected: bool) -> None:
    assert _matches(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("displayName pr", True),
        ("nickName pr", False),
        ("phoneNumbers pr", False),
        ("title pr", False),
        ("emails pr", True),
        (f"{ENTERPRISE_USER}:manager pr", True),
        (f"{ENTERPRISE_USER}:costCenter pr", False),
    ],
)
def test_present_ignores_empty_values(text: str, expected: bool) -> None:
    assert _matches(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('title ne "Boss"', True),
        ('displayName ne "pat smith"', False),
        ('displayName ne "Someone"', True),
        ("displayName ne 5", True),
        ("displayName eq 5", False),
    ],
)
def test_not_equal_and_type_mismatch(text: str, expected: bool) -> None:
    assert _matches(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('displayName gt "pat"', True),
        ('displayName gt "PAT T"', False),
        ('displayName ge "PAT SMITH"', True),
        ('displayName lt "Q"', True),
        ('displayName le "pat smith"', True),
        ('displayName lt "pat"', False),
        ('meta.lastModified gt "2024-01-01T00:00:00Z"', True),
        ('meta.lastModified lt "2024-01-01T00:00:00Z"', False),
        ('displayName ew "SMITH"', True),
        ('displayName ew "Pat"', False),
        ("active gt 1", False),
    ],
)
def test_ordering_and_substring_operators(text: str, expected: bool) -> None:
    assert _matches(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("active eq true", True),
        ("active eq false", False),
        ('active eq "True"', True),
        ('active eq "false"', False),
        ("active ne false", True),
        ("active ne true", False),
        ('emails[primary eq "True"]', True),
    ],
)
def test_booleans(text: str, expected: bool) -> None:
    assert _matches(text) is expected


def test_booleans_on_an_inactive_user() -> None:
    inactive = {**USER, "active": False}
    assert _matches("active eq false", inactive)
    assert not _matches("active eq true", inactive)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('userName eq "x" or displayName sw "pat"', True),
        ('userName eq "x" and displayName sw "pat"', False),
        ('not (userName eq "x")', True),
        ("not (displayName pr) or title pr", False),
        ('emails[not (type eq "work")]', True),
    ],
)
def test_logical_operators(text: str, expected: bool) -> None:
    assert _matches(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name pr", True),
        ("emails pr", True),
        ('emails co "home.test"', True),
        ('emails eq "PAT@example.com"', True),
        ('emails co "nowhere"', False),
        ('emails sw "pat@"', True),
        (f'{ENTERPRISE_USER}:manager eq "m-1"', True),
        ('phoneNumbers co "1"', False),
    ],
)
def test_a_complex_attribute_as_a_whole(text: str, expected: bool) -> None:
    assert _matches(text) is expected


def test_pr_needs_a_non_empty_node() -> None:
    hollow: dict[str, Any] = {"name": {"givenName": ""}, "emails": [{"value": ""}, {}]}
    assert not _matches("name pr", hollow)
    assert not _matches("emails pr", hollow)
