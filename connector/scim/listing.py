"""ListResponse bodies and the `attributes` / `excludedAttributes` projection."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scim2_models import InvalidValueException
from scim2_models import Path as ScimPath
from scim2_models.path import AttrPath

from ..mapping.definitions import CORE_USER
from ..mapping.groups import GROUP_SCHEMA
from ..names import key_of
from ..slices import Slices
from .requests import MAX_PAGE_SIZE, Paging

LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
_ALWAYS = {"id", "schemas"}
# The resources' own schemas: an attribute named after one of these URNs is a core attribute.
_CORE_SCHEMAS = {CORE_USER.lower(), GROUP_SCHEMA.lower()}


class Joined(Slices[dict[str, Any]]):
    """Results of several kinds (users, then groups) as one list, each part sliced only where a
    page reaches into it (a part may render its resources as they are read out)."""

    def __init__(self, parts: Sequence[Sequence[dict[str, Any]]]) -> None:
        self._parts = parts

    def __len__(self) -> int:
        return sum(len(part) for part in self._parts)

    def _run(self, start: int, stop: int) -> list[dict[str, Any]]:
        picked: list[dict[str, Any]] = []
        offset = 0
        for part in self._parts:
            size = len(part)
            if start < offset + size and stop > offset:
                picked += part[max(start - offset, 0) : stop - offset]
            offset += size
        return picked


def list_response(resources: Sequence[dict[str, Any]], paging: Paging) -> dict[str, Any]:
    start = paging.start_index - 1
    count = MAX_PAGE_SIZE if paging.count is None else paging.count
    page = list(resources[start : start + count])
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": len(resources),
        "Resources": page,
        "startIndex": paging.start_index,
        "itemsPerPage": len(page),
    }


def _paths(text: str | None) -> list[AttrPath]:
    if not text:
        return []
    paths = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            node = ScimPath(item).ast
        except Exception as exc:
            raise InvalidValueException(detail=f"{item!r} is not an attribute name") from exc
        if isinstance(node, AttrPath):
            paths.append(node)
        elif node is None:
            continue
        else:
            raise InvalidValueException(detail=f"{item!r} is not an attribute name")
    return paths


def _split(path: AttrPath) -> tuple[str | None, str, str | None]:
    """(extension URN or None, attribute, sub-attribute); a bare extension URN names it all."""
    if path.uri is not None and path.uri.lower() not in _CORE_SCHEMAS:
        return path.uri, path.attr, path.sub_attr
    return None, path.attr, path.sub_attr


def _pick(resource: dict[str, Any], path: AttrPath, into: dict[str, Any]) -> None:
    uri, attr, sub = _split(path)
    source = resource
    target = into
    if uri is not None:
        ext = key_of(resource, uri)
        if ext is None:
            return
        source = resource[ext]
        target = into.setdefault(ext, {})
    key = key_of(source, attr)
    if key is None:
        return
    value = source[key]
    if sub is None:
        target[key] = value
    elif isinstance(value, dict):
        sub_key = key_of(value, sub)
        if sub_key is not None:
            target.setdefault(key, {})[sub_key] = value[sub_key]
    elif isinstance(value, list):
        target[key] = [
            {k: v for k, v in e.items() if k.lower() in {sub.lower(), "type"}}
            for e in value
            if isinstance(e, dict)
        ]


def _drop(resource: dict[str, Any], path: AttrPath) -> None:
    uri, attr, sub = _split(path)
    scope = resource
    if uri is not None:
        ext = key_of(resource, uri)
        if ext is None or not isinstance(resource[ext], dict):
            return
        # Copy before deleting: the caller's resource (a shallow copy's source) stays intact.
        scope = resource[ext] = dict(resource[ext])
    key = key_of(scope, attr)
    if key is None or (uri is None and key.lower() in _ALWAYS):
        return
    value = scope[key]
    if sub is not None and isinstance(value, dict):
        value = _without(value, sub)
    elif sub is not None and isinstance(value, list):
        # A sub-attribute of a multi-valued attribute: drop it from every element.
        value = [_without(e, sub) if isinstance(e, dict) else e for e in value]
        value = [e for e in value if e not in ({}, None)]
    else:
        value = None
    if value in (None, {}, []):
        del scope[key]
    else:
        scope[key] = value
    if uri is not None and not scope:
        del resource[key_of(resource, uri) or uri]


def _without(mapping: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k.lower() != name.lower()}


def check_projection(attributes: str | None, excluded: str | None) -> None:
    """Raise what `project` would for these parameters, without a resource to shape."""
    _paths(attributes)
    _paths(excluded)


def keeps(attributes: str | None, excluded: str | None, name: str) -> bool:
    """Whether `project` with these parameters keeps the core attribute `name` (lower case), in
    whole or in part: one it would drop need not be read at all."""
    wanted = _paths(attributes)
    if wanted:
        return any(_split(p)[0] is None and p.attr.lower() == name for p in wanted)
    return not any(
        _split(p)[0] is None and p.attr.lower() == name and p.sub_attr is None
        for p in _paths(excluded)
    )


def project(
    resource: dict[str, Any], attributes: str | None, excluded: str | None
) -> dict[str, Any]:
    wanted = _paths(attributes)
    if wanted:
        picked: dict[str, Any] = {k: v for k, v in resource.items() if k in _ALWAYS}
        for path in wanted:
            if path.uri and not path.attr:
                continue
            _pick(resource, path, picked)
        # A bare extension URN asks for the whole extension.
        for item in (attributes or "").split(","):
            ext = key_of(resource, item.strip())
            if ext is not None and ext.startswith("urn:"):
                picked[ext] = resource[ext]
        return _schemas_in_use(picked)
    result = dict(resource)
    if not excluded:
        return result
    for path in _paths(excluded):
        _drop(result, path)
    # A bare extension URN leaves out the whole extension, as it asks for all of it above.
    for item in excluded.split(","):
        ext = key_of(result, item.strip())
        if ext is not None and ext.startswith("urn:"):
            del result[ext]
    return _schemas_in_use(result)


def _schemas_in_use(resource: dict[str, Any]) -> dict[str, Any]:
    """`resource` whose `schemas` names only the extensions it still holds (RFC 7643 §3), as a
    rendered resource does."""
    schemas = resource.get("schemas")
    if isinstance(schemas, list):
        resource["schemas"] = [
            s
            for s in schemas
            if not isinstance(s, str) or s.lower() in _CORE_SCHEMAS or key_of(resource, s)
        ]
    return resource
