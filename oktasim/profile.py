"""Profile schemas: Okta's default user profile (the 31 base attributes), the group profile
(`name`, `description`), and the custom attributes an org adds to either."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oktasim.errors import OktaError, validation_failed
from oktasim.timestamps import utc_now

BLANK = "The field cannot be left blank"
NOT_EMAIL_LOGIN = "Username must be in the form of an email address"
BAD_PATTERN = "Does not match required pattern"
TOO_LONG = "The field is too long"
TOO_SHORT = "The field is too short"
NOT_STRING = "Value must be a string"
UNKNOWN = "Property is not defined in the user schema"
UNKNOWN_GROUP = "Property is not defined in the group schema"
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

# The okta:user_group profile (legacy Groups API page, "Default Profile Properties").
GROUP_BASE_ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("name", required=True, max_length=255),  # required: an empty name is blank
    Attribute("description", max_length=1024),
)

CUSTOM_TYPES = ("string", "boolean", "number", "integer", "array")

# Real responses always carry these two, as null when never set (observed in 2025 recordings).
ALWAYS_PRESENT = ("mobilePhone", "secondEmail")

# Deliberately loose: one `@`, a non-empty local part and a dotted domain, no spaces.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


@dataclass(frozen=True)
class CustomAttribute:
    """A custom profile attribute as declared in the schema."""

    name: str
    # None: configured by option, any JSON scalar or array of scalars is accepted (and shown
    # as a string attribute in the schema); otherwise the declared JSON Schema type.
    type: str | None = None
    title: str | None = None
    description: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    item_type: str | None = None  # for arrays
    permissions: tuple[tuple[str, str], ...] = (("SELF", "READ_WRITE"),)

    def problem(self, value: Any) -> str | None:
        """Why a (non-null) value does not fit, or None."""
        if self.type is None:
            fits = _is_scalar(value) or (isinstance(value, list) and all(map(_is_scalar, value)))
            return None if fits else BAD_PATTERN
        if self.type == "array":
            if not isinstance(value, list) or not all(
                _fits_type(self.item_type or "string", item) for item in value
            ):
                return "Value must be an array of " + (self.item_type or "string") + " values"
            return None
        if not _fits_type(self.type, value):
            return _TYPE_PROBLEMS[self.type]
        if isinstance(value, str) and value:  # "" is unset, as for base attributes
            if self.max_length is not None and len(value) > self.max_length:
                return TOO_LONG
            if self.min_length is not None and len(value) < self.min_length:
                return TOO_SHORT
        return None


_TYPE_PROBLEMS = {
    "string": NOT_STRING,
    "boolean": "Value must be a boolean",
    "number": "Value must be a number",
    "integer": "Value must be an integer",
}


def _fits_type(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return False


class ProfileSchema:
    """Validates whole profiles against base attributes plus the current custom attributes.

    Custom attributes change through the Schemas API; the mapping is replaced, never mutated,
    so a validation running meanwhile sees one consistent version.
    """

    def __init__(
        self,
        custom_attributes: Iterable[str],
        *,
        email_logins: bool = True,
        base: tuple[Attribute, ...] = BASE_ATTRIBUTES,
        unknown: str = UNKNOWN,
    ) -> None:
        self.base = base
        self.base_names = frozenset(attribute.name for attribute in base)
        self.unknown = unknown
        self.custom: dict[str, CustomAttribute] = {
            name: CustomAttribute(name) for name in custom_attributes if name not in self.base_names
        }
        # Okta admins may relax the login pattern (e.g. `.+`), which also drops its 5-char minimum.
        self.email_logins = email_logins
        self.created: datetime = utc_now()
        self.last_updated: datetime = self.created

    @property
    def names(self) -> frozenset[str]:
        return self.base_names | frozenset(self.custom)

    def define(self, attribute: CustomAttribute) -> None:
        """Adds or replaces a custom attribute (callers hold their store's lock)."""
        self.custom = {**self.custom, attribute.name: attribute}
        self.last_updated = utc_now()

    def remove(self, name: str) -> None:
        self.custom = {key: value for key, value in self.custom.items() if key != name}
        self.last_updated = utc_now()

    def validate(self, profile: Mapping[str, Any]) -> None:
        causes: list[tuple[str, str]] = []
        custom = self.custom
        for name in profile:
            if name not in self.base_names and name not in custom:
                causes.append((name, self.unknown))
        for attribute in self.base:
            problem = self._check(attribute, profile.get(attribute.name), self.email_logins)
            if problem:
                causes.append((attribute.name, problem))
        for name, definition in custom.items():
            value = profile.get(name)
            problem = None if value is None else definition.problem(value)
            if problem:
                causes.append((name, problem))
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


def group_schema(custom_attributes: Iterable[str]) -> ProfileSchema:
    return ProfileSchema(custom_attributes, base=GROUP_BASE_ATTRIBUTES, unknown=UNKNOWN_GROUP)


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
