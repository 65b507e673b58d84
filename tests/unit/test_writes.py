"""SCIM writes → Okta attribute changes, for every PATCH shape Entra sends (reference §4)."""

from __future__ import annotations

from typing import Any

import pytest
from scim2_models import (
    InvalidPathException,
    InvalidSyntaxException,
    InvalidValueException,
    MutabilityException,
    NoTargetException,
)

from connector.mapping import Catalog
from connector.mapping.definitions import CORE_USER, ECMA2HOST_USER, ENTERPRISE_USER
from connector.mapping.writes import (
    NOTHING_STORED,
    Changes,
    NeedsCurrentResource,
    Operation,
    Stored,
    compile_writes,
    resource_writes,
)
from connector.scim.patch import PATCH_SCHEMA, parse_patch

MANAGER = f"{ENTERPRISE_USER}:manager"


def _one(
    catalog: Catalog,
    op: str,
    path: str | None,
    value: Any = None,
    current: dict[str, Any] | None = None,
) -> Changes:
    return compile_writes(catalog, [Operation(op, path, value)], current)


def _profile(catalog: Catalog, op: str, path: str | None, value: Any = None) -> dict[str, Any]:
    return _one(catalog, op, path, value).profile


# -- the shapes of reference §4.3/§4.4, through the PATCH parser ---------------------------------


def test_entra_default_client_shapes(catalog: Catalog) -> None:
    body = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [
            {"op": "Replace", "path": "displayName", "value": "Pvlo"},
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "a@x.test"},
            {"op": "Replace", "path": "name.givenName", "value": "Gtfd"},
            {"op": "Replace", "path": "name.familyName", "value": "Pkqf"},
            {"op": "Replace", "path": "externalId", "value": "Eqpj"},
            {"op": "Replace", "path": f"{ENTERPRISE_USER}:employeeNumber", "value": "E1"},
            {"op": "Add", "path": "nickName", "value": "Babs"},
            {"op": "Replace", "path": "active", "value": "False"},
        ],
    }
    changes = compile_writes(catalog, parse_patch(body))
    assert changes.profile == {
        "displayName": "Pvlo",
        "email": "a@x.test",
        "firstName": "Gtfd",
        "lastName": "Pkqf",
        "scimExternalId": "Eqpj",
        "employeeNumber": "E1",
        "nickName": "Babs",
    }
    assert changes.active is False


def test_flagged_client_pathless_dotted_and_urn_keys(catalog: Catalog) -> None:
    body = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [
            {"op": "replace", "path": 'emails[type eq "work"].value', "value": "m@x.test"},
            {
                "op": "replace",
                "value": {
                    "displayName": "Bjfe",
                    "name.givenName": "Kkom",
                    "name.familyName": "Unua",
                    f"{ENTERPRISE_USER}:employeeNumber": "Aklq",
                },
            },
            {"op": "replace", "path": "active", "value": False},
        ],
    }
    changes = compile_writes(catalog, parse_patch(body))
    assert changes.profile == {
        "email": "m@x.test",
        "displayName": "Bjfe",
        "firstName": "Kkom",
        "lastName": "Unua",
        "employeeNumber": "Aklq",
    }
    assert "name.givenName" not in changes.profile
    assert changes.active is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("False", False),
        ("false", False),
        (" TRUE ", True),
        (True, True),
        (False, False),
        ("Inactive", False),
        ("active", True),
    ],
)
def test_active_coercion(catalog: Catalog, value: Any, expected: bool) -> None:
    changes = _one(catalog, "replace", "active", value)
    assert changes.active is expected
    assert changes.profile == {}


@pytest.mark.parametrize("value", ["yes", 1, None, ""])
def test_active_refuses_anything_else(catalog: Catalog, value: Any) -> None:
    with pytest.raises(InvalidValueException, match="active"):
        _one(catalog, "replace", "active", value)


def test_active_cannot_be_removed(catalog: Catalog) -> None:
    with pytest.raises(InvalidValueException, match="cannot be removed"):
        _one(catalog, "remove", "active")


def test_pathless_active_string(catalog: Catalog) -> None:
    assert _one(catalog, "replace", None, {"active": "True"}).active is True


def test_pathless_nested_extensions(catalog: Catalog) -> None:
    changes = _one(
        catalog,
        "replace",
        None,
        {
            "schemas": ["whatever"],
            ENTERPRISE_USER.upper(): {"schemas": [], "department": "R&D", "manager": "m-1"},
            ECMA2HOST_USER: {"city": "Oslo", "STATUS": "Inactive"},
        },
    )
    assert changes.profile == {"department": "R&D", "managerId": "m-1", "city": "Oslo"}
    assert changes.active is False


def test_pathless_null_extension_is_ignored(catalog: Catalog) -> None:
    assert _one(catalog, "replace", None, {ENTERPRISE_USER: None}).empty


def test_pathless_extension_must_be_an_object(catalog: Catalog) -> None:
    with pytest.raises(InvalidValueException, match="must be an object"):
        _one(catalog, "replace", None, {ENTERPRISE_USER: "R&D"})


def test_pathless_value_must_be_an_object(catalog: Catalog) -> None:
    with pytest.raises(InvalidValueException, match="without a path needs an object"):
        _one(catalog, "replace", None, "Babs")


def test_remove_needs_a_path(catalog: Catalog) -> None:
    # RFC 7644 §3.5.2.2: a remove without a path fails with scimType noTarget.
    with pytest.raises(NoTargetException, match="needs a path"):
        _one(catalog, "remove", None, {"nickName": None})


def test_ecma2host_paths(catalog: Catalog) -> None:
    changes = compile_writes(
        catalog,
        [
            Operation("replace", f"{ECMA2HOST_USER}:ZIPCODE", "0150"),
            Operation("replace", f"{ECMA2HOST_USER}:status", "Active"),
        ],
    )
    assert changes.profile == {"zipCode": "0150"}
    assert changes.active is True
    with pytest.raises(InvalidPathException, match="unknown ECMA2Host attribute"):
        _one(catalog, "replace", f"{ECMA2HOST_USER}:shoeSize", "44")
    with pytest.raises(InvalidPathException, match="unknown ECMA2Host attribute"):
        _one(catalog, "replace", f"{ECMA2HOST_USER}:city.name", "Oslo")


# -- value-filter paths -------------------------------------------------------------------------


def test_value_path_needs_no_current_resource_when_type_is_named(catalog: Catalog) -> None:
    # Add on a filter that matches nothing must create the element: no read first.
    changes = _one(catalog, "add", 'emails[type eq "home"].value', "h@x.test")
    assert changes.profile == {"secondEmail": "h@x.test"}


def test_value_path_type_compares_ignoring_case(catalog: Catalog) -> None:
    changes = _one(catalog, "replace", 'phoneNumbers[TYPE eq "Mobile"].VALUE', "+47 1")
    assert changes.profile == {"mobilePhone": "+47 1"}


def test_value_path_without_sub_attribute_takes_an_element(catalog: Catalog) -> None:
    changes = _one(
        catalog,
        "replace",
        'addresses[type eq "work"]',
        {"streetAddress": "1 Main St", "locality": "Oslo", "primary": True},
    )
    assert changes.profile == {
        "streetAddress": "1 Main St",
        "city": None,
        "state": None,
        "zipCode": None,
        "countryCode": None,
    } | {"city": "Oslo"}


def test_add_on_value_path_keeps_other_sub_attributes(catalog: Catalog) -> None:
    changes = _one(catalog, "add", 'addresses[type eq "work"]', {"locality": "Oslo"})
    assert changes.profile == {"city": "Oslo"}


def test_value_path_filter_describes_the_element(catalog: Catalog) -> None:
    changes = _one(catalog, "add", 'emails[type eq "work" and value eq "w@x.test"]')
    assert changes.profile == {"email": "w@x.test"}


def test_value_path_element_needs_an_object(catalog: Catalog) -> None:
    with pytest.raises(InvalidValueException, match="needs an object value"):
        _one(catalog, "add", 'emails[type eq "work"]', "w@x.test")


def test_remove_value_path_clears_that_element(catalog: Catalog) -> None:
    changes = _one(catalog, "remove", 'addresses[type eq "work"]')
    assert changes.profile == dict.fromkeys(
        ["streetAddress", "city", "state", "zipCode", "countryCode"]
    )


def test_unmapped_type_and_selector_sub_attributes_are_accepted_not_stored(
    catalog: Catalog,
) -> None:
    operations = [
        Operation("add", 'emails[type eq "other"].value', "o@x.test"),
        Operation("replace", 'emails[type eq "work"].display', "W"),
        Operation("add", 'emails[type eq "work"].primary', False),
        Operation("replace", 'phoneNumbers[type eq "fax"].value', "+47 2"),
    ]
    assert compile_writes(catalog, operations).empty


@pytest.mark.parametrize(
    "path",
    ['roles[primary eq "True"].value', "emails[primary eq true].value", "emails.value"],
)
def test_filters_without_type_need_the_current_resource(catalog: Catalog, path: str) -> None:
    if path.startswith("roles"):
        # roles has no slot in the packaged mapping: nothing to read the user for.
        assert _one(catalog, "replace", path, "admin").empty
        return
    with pytest.raises(NeedsCurrentResource):
        _one(catalog, "replace", path, "n@x.test")


def test_filter_on_current_resource_selects_matching_elements(catalog: Catalog) -> None:
    current = {
        "emails": [
            {"type": "work", "value": "w@x.test", "primary": True},
            {"type": "home", "value": "h@x.test"},
            {"value": "untyped@x.test", "primary": True},
        ]
    }
    primary = _one(catalog, "replace", "emails[primary eq true].value", "n@x.test", current)
    assert primary.profile == {"email": "n@x.test"}
    every = _one(catalog, "replace", "emails.value", "n@x.test", current)
    assert every.profile == {"email": "n@x.test", "secondEmail": "n@x.test"}
    by_value = _one(catalog, "remove", 'emails[value eq "H@X.TEST"]', None, current)
    assert by_value.profile == {"secondEmail": None}
    # Nothing selected and nothing a filter could create: RFC 7644 noTarget, not a silent drop.
    with pytest.raises(NoTargetException, match="matches no element"):
        _one(catalog, "replace", "emails[primary eq true].value", "n@x.test", {})
    assert _one(catalog, "remove", "emails[primary eq true].value", None, {}).empty


def test_value_path_on_a_non_multi_valued_attribute(catalog: Catalog) -> None:
    with pytest.raises(InvalidPathException, match="does not select a multi-valued"):
        _one(catalog, "replace", 'name[type eq "x"].givenName', "A")
    with pytest.raises(InvalidPathException, match="has no sub-attribute"):
        _one(catalog, "replace", 'emails[type eq "work"].colour', "A")


# -- whole multi-valued attributes -------------------------------------------------------------


def test_replace_emails_clears_types_not_sent(catalog: Catalog) -> None:
    changes = _one(catalog, "replace", "emails", [{"type": "work", "value": "w@x.test"}])
    assert changes.profile == {"email": "w@x.test", "secondEmail": None}


def test_add_emails_leaves_types_not_sent(catalog: Catalog) -> None:
    changes = _one(catalog, "add", "emails", [{"type": "Home", "value": "h@x.test"}])
    assert changes.profile == {"secondEmail": "h@x.test"}


def test_element_without_type_goes_to_the_first_mapped_type(catalog: Catalog) -> None:
    changes = _one(catalog, "add", "emails", {"value": "w@x.test", "primary": True})
    assert changes.profile == {"email": "w@x.test"}


def test_first_element_of_a_type_stands(catalog: Catalog) -> None:
    value = [{"type": "work", "value": "first@x.test"}, {"type": "WORK", "value": "second@x"}]
    assert _one(catalog, "add", "emails", value).profile == {"email": "first@x.test"}


def test_remove_whole_multi_valued_attribute(catalog: Catalog) -> None:
    changes = _one(catalog, "remove", "phoneNumbers")
    assert changes.profile == {"mobilePhone": None, "primaryPhone": None}


def test_multi_valued_elements_must_be_objects(catalog: Catalog) -> None:
    with pytest.raises(InvalidValueException, match="elements must be objects"):
        _one(catalog, "add", "emails", ["w@x.test"])
    with pytest.raises(InvalidPathException, match="no sub-attribute 'colour'"):
        _one(catalog, "add", "emails", [{"type": "work", "colour": "red"}])


# -- manager and other complex attributes ------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value"),
    [
        ("replace", "m-1"),
        ("add", {"value": "m-1"}),
        ("Add", [{"$ref": "https://x.test/scim/Users/m-1", "value": "m-1"}]),
        ("replace", {"VALUE": "m-1", "displayName": "Boss"}),
    ],
)
def test_manager_forms(catalog: Catalog, op: str, value: Any) -> None:
    body = {"schemas": [PATCH_SCHEMA], "Operations": [{"op": op, "path": MANAGER, "value": value}]}
    assert compile_writes(catalog, parse_patch(body)).profile == {"managerId": "m-1"}


@pytest.mark.parametrize(
    ("op", "value"),
    [("replace", {"value": ""}), ("replace", ""), ("replace", None), ("add", []), ("remove", None)],
)
def test_manager_clears(catalog: Catalog, op: str, value: Any) -> None:
    assert _one(catalog, op, MANAGER, value).profile == {"managerId": None}


def test_legacy_manager_path_without_urn(catalog: Catalog) -> None:
    # Reference §4.4: the legacy client sends `"path": "manager"` with a one-element array.
    value = [{"$ref": "https://x.test/scim/Users/m-1", "value": "m-1"}]
    assert _profile(catalog, "add", "manager", value) == {"managerId": "m-1"}
    assert _profile(catalog, "replace", None, {"department": "R&D"}) == {"department": "R&D"}


def test_manager_sub_attribute_path(catalog: Catalog) -> None:
    assert _profile(catalog, "replace", f"{MANAGER}.value", "m-2") == {"managerId": "m-2"}
    assert _profile(catalog, "replace", "manager.value", "m-3") == {"managerId": "m-3"}


def test_manager_refusals(catalog: Catalog) -> None:
    with pytest.raises(InvalidValueException, match="manager must be an object"):
        _one(catalog, "replace", MANAGER, 42)
    with pytest.raises(InvalidPathException, match="no sub-attribute 'boss'"):
        _one(catalog, "replace", MANAGER, {"boss": "m-1"})
    with pytest.raises(InvalidPathException, match="no sub-attribute 'id'"):
        _one(catalog, "replace", f"{MANAGER}.id", "m-1")


def test_name_as_object_and_unmapped_sub_attribute(catalog: Catalog) -> None:
    changes = _one(
        catalog, "replace", "name", {"givenName": "A", "familyName": "B", "formatted": "A B"}
    )
    assert changes.profile == {"firstName": "A", "lastName": "B"}
    assert _one(catalog, "remove", "name").profile == {"firstName": None, "lastName": None}


# -- clears and ordering -----------------------------------------------------------------------


def test_clears(catalog: Catalog) -> None:
    body = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [
            {"op": "replace", "path": "title", "value": ""},
            {"op": "replace", "path": "nickName", "value": None},
            {"op": "replace", "value": {"displayName": ""}},
            {"op": "remove", "path": "externalId"},
        ],
    }
    assert compile_writes(catalog, parse_patch(body)).profile == {
        "title": None,
        "nickName": None,
        "displayName": None,
        "scimExternalId": None,
    }


@pytest.mark.parametrize("value", ["", None])
def test_user_name_cannot_be_cleared(catalog: Catalog, value: Any) -> None:
    with pytest.raises(InvalidValueException, match="userName"):
        _one(catalog, "replace", "userName", value)
    with pytest.raises(InvalidValueException, match="userName"):
        _one(catalog, "remove", "userName")


@pytest.mark.parametrize("value", ["", None])
def test_the_anchor_cannot_be_cleared_under_its_ecma2host_name(
    catalog: Catalog, value: Any
) -> None:
    login = f"{ECMA2HOST_USER}:login"
    with pytest.raises(InvalidValueException, match=f"{login} is required and cannot be cleared"):
        _one(catalog, "replace", login, value)
    with pytest.raises(InvalidValueException, match=f"{login} is required"):
        _one(catalog, "remove", login)
    with pytest.raises(InvalidValueException, match=f"{login} is required"):
        _one(catalog, "replace", None, {ECMA2HOST_USER: {"login": value}})


def test_operations_apply_in_order(catalog: Catalog) -> None:
    operations = [
        Operation("remove", "externalId", None),
        Operation("add", "externalId", "first"),
        Operation("replace", "externalId", "last"),
        Operation("replace", "title", "Boss"),
        Operation("remove", "title", None),
        Operation("replace", "active", "False"),
        Operation("replace", "active", "True"),
    ]
    changes = compile_writes(catalog, operations)
    assert changes.profile == {"scimExternalId": "last", "title": None}
    assert changes.active is True


# -- unknown, unmapped and read-only attributes, type errors -----------------------------------


@pytest.mark.parametrize("path", ["shoeSize", "urn:example:x:1.0:User:shoeSize", "emails["])
def test_unknown_attributes_are_invalid_paths(catalog: Catalog, path: str) -> None:
    with pytest.raises(InvalidPathException):
        _one(catalog, "replace", path, "x")


def test_unknown_pathless_key_is_an_invalid_path(catalog: Catalog) -> None:
    with pytest.raises(InvalidPathException, match="shoe size"):
        _one(catalog, "replace", None, {"shoe size": "44"})
    with pytest.raises(InvalidPathException, match="unknown attribute 'shoeSize'"):
        _one(catalog, "replace", None, {"shoeSize": "44"})


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("timezone", "Europe/Oslo"),
        ("locale", "nb-NO"),
        ("name.formatted", "A B"),
        ("ims", [{"type": "skype", "value": "a"}]),
        ("x509Certificates", [{"value": "MII"}]),
        (f"{ENTERPRISE_USER}:manager.displayName", "Boss"),
    ],
)
def test_known_but_unmapped_attributes_are_accepted_and_dropped(
    catalog: Catalog, path: str, value: Any
) -> None:
    assert _one(catalog, "replace", path, value).empty


@pytest.mark.parametrize("path", ["id", "meta", "groups", "meta.lastModified"])
def test_read_only_attributes(catalog: Catalog, path: str) -> None:
    with pytest.raises(MutabilityException):
        _one(catalog, "replace", path, "x")


def test_resource_body_is_lenient_about_read_only_attributes(catalog: Catalog) -> None:
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "00u1",
        "meta": {"resourceType": "User"},
        "userName": "a@x.test",
        "active": "True",
        "emails": [{"type": "work", "value": "a@x.test", "primary": True}],
    }
    operations = resource_writes(body)
    assert [op.op for op in operations] == ["replace"]
    changes = compile_writes(catalog, operations, lenient=True)
    assert changes.profile == {"login": "a@x.test", "email": "a@x.test", "secondEmail": None}
    assert changes.active is True
    with pytest.raises(MutabilityException):
        compile_writes(catalog, operations)


@pytest.mark.parametrize("value", [5, True, ["A"], {"v": "A"}])
def test_simple_attributes_take_strings(catalog: Catalog, value: Any) -> None:
    with pytest.raises(InvalidValueException, match="displayName must be a string"):
        _one(catalog, "replace", "displayName", value)


def test_type_error_names_the_slot(catalog: Catalog) -> None:
    with pytest.raises(InvalidValueException, match=r'emails\[type eq "work"\]\.value'):
        _one(catalog, "replace", 'emails[type eq "work"].value', 7)
    with pytest.raises(InvalidValueException, match=f"{ENTERPRISE_USER}:department"):
        _one(catalog, "replace", f"{ENTERPRISE_USER}:department", 7)


def test_simple_attribute_has_no_sub_attributes(catalog: Catalog) -> None:
    with pytest.raises(InvalidPathException, match="displayName has no sub-attributes"):
        _one(catalog, "replace", "displayName.first", "A")


# -- a bare extension URN as the path ----------------------------------------------------------


def test_bare_extension_urn_path_writes_the_extension(catalog: Catalog) -> None:
    changes = _one(
        catalog, "replace", ENTERPRISE_USER.lower(), {"department": "R&D", "manager": "m-1"}
    )
    assert changes.profile == {"department": "R&D", "managerId": "m-1"}
    ecma = _one(catalog, "add", f" {ECMA2HOST_USER} ", {"city": "Oslo"})
    assert ecma.profile == {"city": "Oslo"}


def test_remove_bare_extension_urn_clears_every_slot(catalog: Catalog) -> None:
    changes = _one(catalog, "remove", ENTERPRISE_USER)
    assert changes.profile == dict.fromkeys(
        ["employeeNumber", "costCenter", "organization", "division", "department", "managerId"]
    )


# -- aliases: a core attribute and its ECMA2Host copy on one target attribute --------------------


def _aliased_pairs(catalog: Catalog) -> list[tuple[str, str, str]]:
    """(core key, ECMA2Host key, target) for every target two such slots share."""
    pairs = []
    for ecma in (s for s in catalog.slots if s.schema == ECMA2HOST_USER and not s.is_active):
        for core in catalog.slots:
            if core.schema != ECMA2HOST_USER and core.target == ecma.target:
                where = f'[type eq "{core.type}"]' if core.type else ""
                sub = f".{core.sub}" if core.sub else ""
                prefix = "" if core.schema == CORE_USER else f"{core.schema}:"
                key = f"{prefix}{core.attr}{where}{sub}"
                pairs.append((key, f"{ECMA2HOST_USER}:{ecma.attr}", core.target))
    return pairs


def _value(catalog: Catalog, target: str, text: str) -> str:
    return f"https://x.test/{text}" if target in catalog.reference_targets else text


def _both(core_key: str, ecma_key: str, core: Any, ecma: Any) -> list[Operation]:
    return [Operation("replace", None, {core_key: core, ecma_key: ecma})]


def test_every_shared_target_has_its_aliases_listed(catalog: Catalog) -> None:
    targets = {target for _, _, target in _aliased_pairs(catalog)}
    assert {"login", "displayName", "firstName", "email", "zipCode", "department"} <= targets
    assert len(targets) == 23  # every Schema.xml attribute but status (tested on its own)


@pytest.mark.parametrize("changed", ["core", "ecma"])
def test_the_alias_that_differs_from_the_stored_value_wins(catalog: Catalog, changed: str) -> None:
    for core_key, ecma_key, target in _aliased_pairs(catalog):
        new, old = _value(catalog, target, "New"), _value(catalog, target, "Old")
        core, ecma = (new, old) if changed == "core" else (old, new)
        operations = _both(core_key, ecma_key, core, ecma)
        with pytest.raises(NeedsCurrentResource):
            compile_writes(catalog, operations)  # disagreeing aliases need the stored value
        stored = Stored({target: old}, True)
        changes = compile_writes(catalog, operations, stored=stored)
        assert changes.profile[target] == new, core_key


def test_agreeing_aliases_need_no_read(catalog: Catalog) -> None:
    for core_key, ecma_key, target in _aliased_pairs(catalog):
        same = _value(catalog, target, "Same")
        changes = compile_writes(catalog, _both(core_key, ecma_key, same, same))
        assert changes.profile[target] == same


def test_aliases_both_changed_differently_are_refused_naming_both(catalog: Catalog) -> None:
    stored = Stored({"displayName": "Old"}, True)
    with pytest.raises(InvalidValueException) as raised:
        compile_writes(
            catalog, _both("displayName", f"{ECMA2HOST_USER}:displayName", "A", "B"), stored=stored
        )
    detail = str(raised.value.detail)
    assert "displayName and " in detail
    assert f"{ECMA2HOST_USER}:displayName" in detail


def test_a_cleared_alias_against_an_echoed_one_clears(catalog: Catalog) -> None:
    stored = Stored({"title": "Boss"}, True)
    operations = _both("title", f"{ECMA2HOST_USER}:title", None, "Boss")
    assert compile_writes(catalog, operations, stored=stored).profile["title"] is None


@pytest.mark.parametrize(("active", "status"), [(False, "Active"), (True, "Inactive")])
def test_active_wins_over_an_echoed_status(catalog: Catalog, active: bool, status: str) -> None:
    operations = _both("active", f"{ECMA2HOST_USER}:status", active, status)
    with pytest.raises(NeedsCurrentResource):
        compile_writes(catalog, operations)
    assert compile_writes(catalog, operations, stored=Stored({}, not active)).active is active


def test_status_wins_over_an_echoed_active(catalog: Catalog) -> None:
    operations = _both("active", f"{ECMA2HOST_USER}:status", True, "Inactive")
    assert compile_writes(catalog, operations, stored=Stored({}, True)).active is False


def test_a_create_refuses_two_values_for_one_attribute(catalog: Catalog) -> None:
    body: dict[str, Any] = {"userName": "a@x.test", ECMA2HOST_USER: {"login": "b@x.test"}}
    with pytest.raises(InvalidValueException, match=f"userName and {ECMA2HOST_USER}:login"):
        compile_writes(catalog, resource_writes(body), {}, lenient=True, stored=NOTHING_STORED)
    body = {"userName": "a@x.test", "active": True, ECMA2HOST_USER: {"status": "Inactive"}}
    with pytest.raises(InvalidValueException, match=f"active and {ECMA2HOST_USER}:status"):
        compile_writes(catalog, resource_writes(body), {}, lenient=True, stored=NOTHING_STORED)


def test_a_create_takes_agreeing_aliases_and_a_value_beside_a_cleared_one(
    catalog: Catalog,
) -> None:
    body = {
        "userName": "a@x.test",
        # Replacing `emails` clears the home address's slot; the ECMA2Host copy still sets it.
        "emails": [{"type": "work", "value": "a@x.test"}],
        ECMA2HOST_USER: {"login": "a@x.test", "secondEmail": "b@x.test", "status": "Active"},
        "active": True,
    }
    changes = compile_writes(
        catalog, resource_writes(body), {}, lenient=True, stored=NOTHING_STORED
    )
    assert changes.profile["login"] == "a@x.test"
    assert changes.profile["secondEmail"] == "b@x.test"
    assert changes.active is True


def test_separate_operations_still_apply_in_order(catalog: Catalog) -> None:
    changes = compile_writes(
        catalog,
        [
            Operation("replace", "displayName", "First"),
            Operation("replace", f"{ECMA2HOST_USER}:displayName", "Second"),
        ],
    )
    assert changes.profile["displayName"] == "Second"


def test_long_paths_are_parsed_each_time_not_kept(catalog: Catalog) -> None:
    # Short paths (what clients write) are parsed once; a long one would make the cache a store
    # of whatever a client sends, so it is parsed and dropped.
    from connector.mapping.writes import _parsed_short

    assert _profile(catalog, "replace", "name.givenName", "Ada") == {"firstName": "Ada"}
    kept = _parsed_short.cache_info().currsize
    long_name = "x" * 5000
    with pytest.raises(InvalidPathException):
        _profile(catalog, "replace", long_name, "v")
    with pytest.raises(InvalidSyntaxException):
        compile_writes(catalog, resource_writes({long_name: "v"}), lenient=True)
    assert _parsed_short.cache_info().currsize == kept
    # The cached tree serves the next request the same way.
    assert _profile(catalog, "replace", "NAME.givenName", "Grace") == {"firstName": "Grace"}


def test_sub_attributes_are_found_in_any_case(catalog: Catalog) -> None:
    changes = compile_writes(
        catalog, [Operation("replace", None, {"name": {"GIVENNAME": "Ada", "familyname": "L"}})]
    )
    assert changes.profile == {"firstName": "Ada", "lastName": "L"}
