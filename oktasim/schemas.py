"""The Schemas API for the default user type and for groups: the profile schema as JSON Schema
(`definitions.base` / `definitions.custom`), and `POST` to add, change or remove custom
attributes (a partial update of `definitions.custom.properties`; `null` removes)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from oktasim.errors import OktaError, validation_failed
from oktasim.groups import GroupStore
from oktasim.messages import Request, Response, json_body
from oktasim.profile import (
    BLANK,
    CUSTOM_TYPES,
    Attribute,
    CustomAttribute,
    ProfileSchema,
)
from oktasim.store import Store
from oktasim.timestamps import format_timestamp

JSON_SCHEMA = "http://json-schema.org/draft-04/schema#"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
INVALID = "Invalid value"

# Title, format and the SELF permission of each base user attribute, as a 2025 recording of
# GET /api/v1/meta/schemas/user/default shows them (terraform-provider-okta VCR cassettes).
_USER_BASE: dict[str, tuple[str, str | None, str]] = {
    "login": ("Username", None, "READ_WRITE"),
    "firstName": ("First name", None, "READ_WRITE"),
    "lastName": ("Last name", None, "READ_WRITE"),
    "middleName": ("Middle name", None, "READ_ONLY"),
    "honorificPrefix": ("Honorific prefix", None, "READ_ONLY"),
    "honorificSuffix": ("Honorific suffix", None, "READ_ONLY"),
    "email": ("Primary email", "email", "READ_WRITE"),
    "title": ("Title", None, "READ_ONLY"),
    "displayName": ("Display name", None, "READ_ONLY"),
    "nickName": ("Nickname", None, "READ_ONLY"),
    "profileUrl": ("Profile Url", "uri", "READ_ONLY"),
    "secondEmail": ("Secondary email", "email", "READ_WRITE"),
    "mobilePhone": ("Mobile phone", None, "READ_WRITE"),
    "primaryPhone": ("Primary phone", None, "HIDE"),
    "streetAddress": ("Street address", None, "HIDE"),
    "city": ("City", None, "HIDE"),
    "state": ("State", None, "HIDE"),
    "zipCode": ("Zip code", None, "HIDE"),
    "countryCode": ("Country code", "country-code", "HIDE"),
    "postalAddress": ("Postal Address", None, "HIDE"),
    "preferredLanguage": ("Preferred language", "language-code", "READ_ONLY"),
    "locale": ("Locale", "locale", "READ_ONLY"),
    "timezone": ("Time zone", "timezone", "READ_ONLY"),
    "userType": ("User type", None, "READ_ONLY"),
    "employeeNumber": ("Employee number", None, "READ_ONLY"),
    "costCenter": ("Cost center", None, "READ_ONLY"),
    "organization": ("Organization", None, "READ_ONLY"),
    "division": ("Division", None, "READ_ONLY"),
    "department": ("Department", None, "READ_ONLY"),
    "managerId": ("ManagerId", None, "READ_ONLY"),
    "manager": ("Manager", None, "READ_ONLY"),
}
# The group base properties as the Schemas API page's "Get Group Schema" example shows them.
_GROUP_BASE: dict[str, tuple[str, str | None, str]] = {
    "name": ("Name", None, "READ_WRITE"),
    "description": ("Description", None, "READ_WRITE"),
}


def _base_property(attribute: Attribute, meta: tuple[str, str | None, str]) -> dict[str, Any]:
    title, fmt, permission = meta
    shown: dict[str, Any] = {"title": title, "type": "string"}
    if attribute.required:
        shown["required"] = True
    if fmt is not None:
        shown["format"] = fmt
    shown.update({"mutability": "READ_WRITE", "scope": "NONE"})
    if attribute.min_length:
        shown["minLength"] = attribute.min_length
    if attribute.max_length is not None:
        shown["maxLength"] = attribute.max_length
    shown["permissions"] = [{"principal": "SELF", "action": permission}]
    shown["master"] = {"type": "PROFILE_MASTER"}
    return shown


def _custom_property(attribute: CustomAttribute) -> dict[str, Any]:
    shown: dict[str, Any] = {"title": attribute.title or attribute.name}
    if attribute.description is not None:
        shown["description"] = attribute.description
    shown.update({"type": attribute.type or "string", "mutability": "READ_WRITE", "scope": "NONE"})
    if attribute.min_length is not None:
        shown["minLength"] = attribute.min_length
    if attribute.max_length is not None:
        shown["maxLength"] = attribute.max_length
    if attribute.type == "array":
        shown["items"] = {"type": attribute.item_type or "string"}
    shown["permissions"] = [
        {"principal": principal, "action": action} for principal, action in attribute.permissions
    ]
    shown["master"] = {"type": "PROFILE_MASTER"}
    return shown


def _definitions(
    schema: ProfileSchema, base_meta: dict[str, tuple[str, str | None, str]]
) -> dict[str, Any]:
    """Base properties in the order Okta lists them (the metadata table's order)."""
    base = {attribute.name: attribute for attribute in schema.base}
    return {
        "base": {
            "id": "#base",
            "type": "object",
            "properties": {
                name: _base_property(base[name], meta) for name, meta in base_meta.items()
            },
            "required": [name for name in base_meta if base[name].required],
        },
        "custom": {
            "id": "#custom",
            "type": "object",
            "properties": {
                name: _custom_property(attribute) for name, attribute in schema.custom.items()
            },
            "required": [],
        },
    }


def user_schema_json(
    store: Store, org_url: str, requested: str, schema: ProfileSchema
) -> dict[str, Any]:
    """Key order and titles as recorded (2025); `id` names the schema as it was asked for."""
    return {
        "id": f"{org_url}/meta/schemas/user/{requested}",
        "$schema": JSON_SCHEMA,
        "name": "user",
        "title": "User",
        "description": "Okta user profile template with default permission settings",
        "lastUpdated": format_timestamp(schema.last_updated),
        "created": format_timestamp(schema.created),
        "definitions": _definitions(schema, _USER_BASE),
        "type": "object",
        "properties": {
            "profile": {"allOf": [{"$ref": "#/definitions/custom"}, {"$ref": "#/definitions/base"}]}
        },
        "_links": {
            "self": {
                "rel": "self",
                "href": f"{org_url}/api/v1/meta/schemas/user/{store.schema_id}",
                "method": "GET",
            },
            "type": {
                "rel": "type",
                "href": f"{org_url}/api/v1/meta/types/user/{store.type_id}",
                "method": "GET",
            },
        },
    }


def group_schema_json(org_url: str, schema: ProfileSchema) -> dict[str, Any]:
    """Key order, titles and description as the Schemas API page's group example shows."""
    return {
        "$schema": JSON_SCHEMA,
        "_links": {
            "self": {
                "href": f"{org_url}/api/v1/meta/schemas/group/default",
                "method": "GET",
                "rel": "self",
            }
        },
        "created": format_timestamp(schema.created),
        "definitions": _definitions(schema, _GROUP_BASE),
        "description": "Okta group profile template",
        "id": f"{org_url}/meta/schemas/group/default",
        "lastUpdated": format_timestamp(schema.last_updated),
        "name": "group",
        "properties": {
            "profile": {"allOf": [{"$ref": "#/definitions/custom"}, {"$ref": "#/definitions/base"}]}
        },
        "title": "Okta group",
        "type": "object",
    }


@dataclass(frozen=True)
class _Change:
    name: str
    definition: CustomAttribute | None  # None: remove


def parse_update(body: dict[str, Any], schema: ProfileSchema) -> list[_Change]:
    """Every change in a POST body, all checked before any is applied. `definitions.base` is
    ignored: base properties cannot be changed here (group schema) or only in ways the
    simulator does not model (user schema)."""
    definitions = body.get("definitions")
    if definitions is None:
        return []
    custom = _object(definitions).get("custom")
    if custom is None:
        return []
    properties = _object(_object(custom).get("properties") or {})
    changes: list[_Change] = []
    for name, raw in properties.items():
        if not _NAME.match(name):
            raise validation_failed([(name, INVALID)])
        if name in schema.base_names:
            raise validation_failed([(name, "The property is defined in the base schema")])
        changes.append(_Change(name, None if raw is None else _attribute(name, _object(raw))))
    return changes


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise OktaError("E0000003")
    return value


def _attribute(name: str, raw: dict[str, Any]) -> CustomAttribute:
    title = raw.get("title")
    if not isinstance(title, str) or not title:
        raise validation_failed([("title", BLANK)])
    kind = raw.get("type")
    if kind not in CUSTOM_TYPES:
        raise validation_failed([("type", INVALID)])
    description = raw.get("description")
    if description is not None and not isinstance(description, str):
        raise validation_failed([("description", INVALID)])
    lengths = [raw.get("minLength"), raw.get("maxLength")]
    for field_name, value in zip(("minLength", "maxLength"), lengths, strict=True):
        if value is not None and (
            kind != "string" or not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            raise validation_failed([(field_name, INVALID)])
    if lengths[0] is not None and lengths[1] is not None and lengths[0] > lengths[1]:
        raise validation_failed([("minLength", INVALID)])
    item_type = None
    if kind == "array":
        items = raw.get("items") or {"type": "string"}
        item_type = _object(items).get("type")
        if item_type not in ("string", "number", "integer", "boolean"):
            raise validation_failed([("items", INVALID)])
    return CustomAttribute(
        name,
        type=str(kind),
        title=title,
        description=description,
        min_length=lengths[0],
        max_length=lengths[1],
        item_type=item_type,
        permissions=_permissions(raw.get("permissions")),
    )


def _permissions(raw: Any) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return (("SELF", "READ_WRITE"),)
    if not isinstance(raw, list) or not all(
        isinstance(item, dict)
        and isinstance(item.get("principal"), str)
        and item.get("action") in ("READ_WRITE", "READ_ONLY", "HIDE")
        for item in raw
    ):
        raise validation_failed([("permissions", INVALID)])
    return tuple((item["principal"], item["action"]) for item in raw)


class SchemasApi:
    def __init__(self, users: Store, groups: GroupStore) -> None:
        self.users = users
        self.groups = groups

    def handle(self, request: Request, org_url: str) -> Response:
        try:
            return self._route(request, org_url)
        except OktaError as error:
            return Response.error(error)

    def _route(self, request: Request, org_url: str) -> Response:
        segments = request.segments()
        if len(segments) != 6 or segments[:4] != ["api", "v1", "meta", "schemas"]:
            raise OktaError("E0000008")
        kind, schema_id = segments[4], segments[5]
        handlers: dict[str, Callable[[], Response]]
        if kind == "user":
            if schema_id not in ("default", self.users.schema_id):
                raise OktaError("E0000007", f"Resource not found: {schema_id} (UserSchema)")
            handlers = {
                "GET": lambda: self._user(org_url, schema_id),
                "POST": lambda: self._update_user(request, org_url, schema_id),
            }
        elif kind == "group" and schema_id == "default":
            handlers = {
                "GET": lambda: self._group(org_url),
                "POST": lambda: self._update_group(request, org_url),
            }
        else:
            raise OktaError("E0000008")
        handler = handlers.get(request.method)
        if handler is None:
            raise OktaError("E0000022")
        return handler()

    def _user(self, org_url: str, requested: str) -> Response:
        with self.users.lock:
            body = user_schema_json(self.users, org_url, requested, self.users.schema)
        return Response(200, body)

    def _group(self, org_url: str) -> Response:
        with self.users.lock:
            body = group_schema_json(org_url, self.groups.schema)
        return Response(200, body)

    def _update_user(self, request: Request, org_url: str, requested: str) -> Response:
        body = json_body(request)
        with self.users.lock:
            _apply(
                parse_update(body, self.users.schema), self.users.schema, self.users.strip_attribute
            )
        return self._user(org_url, requested)

    def _update_group(self, request: Request, org_url: str) -> Response:
        body = json_body(request)
        with self.users.lock:
            _apply(
                parse_update(body, self.groups.schema),
                self.groups.schema,
                self.groups.strip_attribute,
            )
        return self._group(org_url)


def _apply(changes: list[_Change], schema: ProfileSchema, strip: Callable[[str], None]) -> None:
    for change in changes:
        if change.definition is not None:
            schema.define(change.definition)
        elif change.name in schema.custom:
            schema.remove(change.name)
            strip(change.name)
