"""Okta's default user profile schema (the 31 base attributes) plus configured custom ones."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from oktasim.errors import OktaError, validation_failed

BLANK = "The field cannot be left blank"
NOT_EMAIL_LOGIN = "Username must be in the form of an email address"
BAD_PATTERN = "Does not match required pattern"
TOO_LONG = "The field is too long"
TOO_SHORT = "The field is too short"
NOT_STRING = "Value must be a string"
UNKNOWN = "Property is not defined in the user schema"
NOT_UNIQUE = "An object with this field already exists in the current organization"


@dataclass(frozen=True)
class Attribute:
    name: str
    required: bool = False
    min_length: int = 0
    max_length: int | None = None
    email: bool = False


BASE_ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("login", required=True, min_length=5, max_length=100),
    Attribute("email", required=True, min_length=5, max_length=100, email=True),
    Attribute("firstName", required=True, min_length=1, max_length=50),
    Attribute("lastName", required=True, min_length=1, max_length=50),
    Attribute("middleName"),
    Attribute("honorificPrefix"),
    Attribute("honorificSuffix"),
    Attribute("title"),
    Attribute("displayName"),
    Attribute("nickName"),
    Attribute("profileUrl"),
    Attribute("secondEmail", min_length=5, max_length=100, email=True),
    Attribute("mobilePhone", max_length=100),
    Attribute("primaryPhone", max_length=100),
    Attribute("streetAddress", max_length=1024),
    Attribute("city", max_length=128),
    Attribute("state", max_length=128),
    Attribute("zipCode", max_length=50),
    Attribute("countryCode", max_length=2),
    Attribute("postalAddress", max_length=4096),
    Attribute("preferredLanguage"),
    Attribute("locale"),
    Attribute("timezone"),
    Attribute("userType"),
    Attribute("employeeNumber"),
    Attribute("costCenter"),
    Attribute("organization"),
    Attribute("division"),
    Attribute("department"),
    Attribute("managerId"),
    Attribute("manager"),
)
BASE_NAMES = frozenset(attribute.name for attribute in BASE_ATTRIBUTES)

# Real responses always carry these two, as null when never set (observed in 2025 recordings).
ALWAYS_PRESENT = ("mobilePhone", "secondEmail")

# Deliberately loose: one `@`, a non-empty local part and a dotted domain, no spaces.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


class ProfileSchema:
    """Validates whole profiles; custom attributes accept any JSON scalar or array of scalars."""

    def __init__(self, custom_attributes: Iterable[str], *, email_logins: bool = True) -> None:
        self.custom = tuple(name for name in custom_attributes if name not in BASE_NAMES)
        self.names = BASE_NAMES | frozenset(self.custom)
        # Okta admins may relax the login pattern (e.g. `.+`), which also drops its 5-char minimum.
        self.email_logins = email_logins

    def validate(self, profile: Mapping[str, Any]) -> None:
        causes: list[tuple[str, str]] = []
        for name in profile:
            if name not in self.names:
                causes.append((name, UNKNOWN))
        for attribute in BASE_ATTRIBUTES:
            problem = self._check(attribute, profile.get(attribute.name), self.email_logins)
            if problem:
                causes.append((attribute.name, problem))
        for name in self.custom:
            value = profile.get(name)
            if not (_is_scalar(value) or (isinstance(value, list) and all(map(_is_scalar, value)))):
                causes.append((name, BAD_PATTERN))
        if causes:
            raise validation_failed(causes)

    @staticmethod
    def _check(attribute: Attribute, value: Any, email_logins: bool) -> str | None:
        if value is None or value == "":
            return BLANK if attribute.required else None
        if not isinstance(value, str):
            return NOT_STRING
        if attribute.max_length is not None and len(value) > attribute.max_length:
            return TOO_LONG
        relaxed_login = attribute.name == "login" and not email_logins
        if len(value) < attribute.min_length and not relaxed_login:
            return TOO_SHORT
        if attribute.name == "login" and email_logins and not _EMAIL.match(value):
            return NOT_EMAIL_LOGIN
        if attribute.email and not _EMAIL.match(value):
            return BAD_PATTERN
        return None


def body_profile(body: Mapping[str, Any]) -> dict[str, Any]:
    profile = body.get("profile", {})
    if profile is None:
        return {}
    if not isinstance(profile, dict):
        raise OktaError("E0000003")
    return dict(profile)


def drop_nulls(profile: Mapping[str, Any]) -> dict[str, Any]:
    """Okta stores a null as "unset"; keeping them out makes merges and search uniform."""
    return {name: value for name, value in profile.items() if value is not None}
