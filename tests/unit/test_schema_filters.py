"""connector/mapping/filters.py: how a SCIM filter is answered (by id, by login, query, empty)."""

from __future__ import annotations

import pytest
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import AttrPath, CompareOperator, Comparison, LogicalExpr, Present

from connector.mapping import Catalog
from connector.mapping.definitions import ECMA2HOST_USER, ENTERPRISE_USER
from connector.mapping.filters import Plan, plan
from connector.targets.query import ActiveIs, AllOf, AnyOf, Condition, Everyone, IdIs


def _plan(catalog: Catalog, text: str) -> Plan:
    return plan(catalog, ScimFilter(text).ast)


def test_id_eq_is_by_id(catalog: Catalog) -> None:
    result = _plan(catalog, 'ID eq "00u1"')
    assert result.by_id == "00u1"
    assert (result.by_login, result.query, result.empty) == (None, None, False)
    assert result.filter == Comparison(AttrPath("id"), CompareOperator.eq, "00u1")


def test_id_wins_over_user_name(catalog: Catalog) -> None:
    result = _plan(catalog, 'userName eq "a@x.test" and id eq "00u1"')
    assert result.by_id == "00u1"
    assert result.by_login is None


@pytest.mark.parametrize(
    "text",
    [
        'userName eq "A@x.test"',
        'username EQ "A@x.test"',
        'PLACEHOLDER eq "A@x.test"',
        f'{ECMA2HOST_USER}:LOGIN eq "A@x.test"',
        'title eq "Boss" and userName eq "A@x.test"',
    ],
)
def test_anchor_equality_is_by_login(catalog: Catalog, text: str) -> None:
    result = _plan(catalog, text)
    assert result.by_login == "A@x.test"
    assert result.by_id is None
    assert result.query is None


def test_placeholder_resolves_to_user_name(catalog: Catalog) -> None:
    result = _plan(catalog, 'placeholder eq "g-1"')
    assert result.filter == Comparison(AttrPath("userName"), CompareOperator.eq, "g-1")


def test_user_name_in_an_or_is_not_a_login_lookup(catalog: Catalog) -> None:
    result = _plan(catalog, 'userName eq "a" or userName eq "b"')
    assert result.by_login is None
    assert result.query == AnyOf((Condition("login", "eq", "a"), Condition("login", "eq", "b")))


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ('externalId eq "E1"', Condition("scimExternalId", "eq", "E1")),
        ('emails[type eq "work"].value eq "w@x"', Condition("email", "eq", "w@x")),
        ('emails[type eq "Home" and value eq "h@x"]', Condition("secondEmail", "eq", "h@x")),
        ('emails[type eq "work"]', Condition("email", "pr")),
        (
            'emails[value eq "m@x"]',
            AnyOf((Condition("email", "eq", "m@x"), Condition("secondEmail", "eq", "m@x"))),
        ),
        (
            'emails.value sw "m"',
            AnyOf((Condition("email", "sw", "m"), Condition("secondEmail", "sw", "m"))),
        ),
        ('name.GIVENNAME co "an"', Condition("firstName", "co", "an")),
        ("title pr", Condition("title", "pr")),
        ('displayName ge "M"', Condition("displayName", "ge", "M")),
        (f'{ENTERPRISE_USER}:department eq "R&D"', Condition("department", "eq", "R&D")),
        ('department eq "R&D"', Condition("department", "eq", "R&D")),
        (f'{ECMA2HOST_USER}:city eq "Oslo"', Condition("city", "eq", "Oslo")),
        ('city eq "Oslo"', Condition("city", "eq", "Oslo")),
        ('id eq "a" or id eq "b"', AnyOf((IdIs("a"), IdIs("b")))),
        ("active eq true", ActiveIs(True)),
        ('active eq "False"', ActiveIs(False)),
        (f'{ECMA2HOST_USER}:status eq "Inactive"', ActiveIs(False)),
        (
            'title eq "a" and (nickName eq "b" or displayName lt "c")',
            AllOf(
                (
                    Condition("title", "eq", "a"),
                    AnyOf((Condition("nickName", "eq", "b"), Condition("displayName", "lt", "c"))),
                )
            ),
        ),
        (
            'addresses[type eq "work" and locality eq "Oslo" and region eq "O"]',
            AllOf((Condition("city", "eq", "Oslo"), Condition("state", "eq", "O"))),
        ),
    ],
)
def test_translated_queries(catalog: Catalog, text: str, query: object) -> None:
    result = _plan(catalog, text)
    assert result.query == query
    assert (result.by_id, result.by_login, result.empty) == (None, None, False)


def test_manager_eq_compares_the_manager_value(catalog: Catalog) -> None:
    # Legacy reference check: `id eq <id> and manager eq <managerId>`.
    result = _plan(catalog, 'id eq "00u1" and manager eq "m-1"')
    assert result.by_id == "00u1"
    assert isinstance(result.filter, LogicalExpr)
    assert result.filter.terms[1] == Comparison(
        AttrPath("manager", "value", ENTERPRISE_USER), CompareOperator.eq, "m-1"
    )
    alone = _plan(catalog, 'manager eq "m-1"')
    assert alone.query == Condition("managerId", "eq", "m-1")


@pytest.mark.parametrize(
    "text",
    [
        'timezone eq "Europe/Oslo"',
        'emails[type eq "other"].value eq "o@x"',
        'title eq "a" and locale eq "nb"',
        'ims[type eq "skype"]',
    ],
)
def test_unmapped_attributes_match_nobody(catalog: Catalog, text: str) -> None:
    result = _plan(catalog, text)
    assert result.empty
    assert result.query is None


def test_unmapped_branch_of_an_or_is_dropped(catalog: Catalog) -> None:
    result = _plan(catalog, 'title eq "a" or locale eq "nb"')
    assert result.query == AnyOf((Condition("title", "eq", "a"),))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('not (title eq "a")', "no `not`"),
        ('title ne "a"', "cannot express the operator 'ne'"),
        ('title ew "a"', "cannot express the operator 'ew'"),
        ('id ne "00u1"', "`id` can only be compared with eq"),
        ('meta.lastModified gt "2024-01-01T00:00:00Z"', "meta attributes cannot be filtered"),
        ('shoeSize eq "44"', "unknown attribute 'shoeSize'"),
        ('name.nick eq "a"', "name has no sub-attribute 'nick'"),
        (f'{ECMA2HOST_USER}:shoeSize eq "44"', "unknown ECMA2Host attribute"),
        ('urn:example:x:1.0:User:color eq "red"', "unknown schema"),
        ('name[givenName eq "a"]', "is not multi-valued"),
        ('emails[colour eq "red"]', "unknown sub-attribute"),
        ('emails[type ne "work"]', "`type` inside \\[...\\] can only be compared with eq"),
        ('emails[type eq "work" or value eq "a"]', "only eq/and filters"),
        ("emails[primary eq true]", "primary is not stored"),
        ("title eq 5", "compare with a string value"),
        ("active pr", "active can only be compared with eq"),
        ('active eq "maybe"', "compares with true or false"),
    ],
)
def test_refusals_are_invalid_filters(catalog: Catalog, text: str, message: str) -> None:
    with pytest.raises(InvalidFilterException, match=message) as info:
        _plan(catalog, text)
    assert info.value.scim_type == "invalidFilter"


def test_an_and_is_searched_by_the_parts_the_target_can_express(catalog: Catalog) -> None:
    """The whole filter is applied to the candidates afterwards, so the answer stays exact."""
    result = _plan(catalog, 'externalId eq "x" and title ne "y"')
    assert result.query == Condition("scimExternalId", "eq", "x")
    result = _plan(catalog, 'not (title eq "a") and title sw "B"')
    assert result.query == Condition("title", "sw", "B")


@pytest.mark.parametrize(
    "text", ['not (title eq "a")', 'title ne "y"', 'title ne "y" and not (nickName eq "x")']
)
def test_an_and_with_no_part_to_search_by_is_still_refused(catalog: Catalog, text: str) -> None:
    with pytest.raises(InvalidFilterException):
        _plan(catalog, text)


def test_ne_on_an_attribute_the_target_does_not_keep_selects_everyone(catalog: Catalog) -> None:
    # No stored user has a locale: every one of them is `locale ne "x"` (RFC 7644 §3.4.2.2).
    assert _plan(catalog, 'locale ne "x"').query == Everyone()
    assert _plan(catalog, 'locale ne "x" and title eq "B"').query == Condition("title", "eq", "B")
    assert _plan(catalog, 'locale eq "x"').empty


# -- a complex attribute named without a sub-attribute (RFC 7644 §3.4.2.2) -----------------------


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("emails pr", AnyOf((Condition("email", "pr"), Condition("secondEmail", "pr")))),
        ("name pr", AnyOf((Condition("firstName", "pr"), Condition("lastName", "pr")))),
        (
            "phoneNumbers pr",
            AnyOf((Condition("mobilePhone", "pr"), Condition("primaryPhone", "pr"))),
        ),
        (
            "addresses pr",
            AnyOf(
                tuple(
                    Condition(a, "pr")
                    for a in ("streetAddress", "city", "state", "zipCode", "countryCode")
                )
            ),
        ),
        (f"{ENTERPRISE_USER}:manager pr", Condition("managerId", "pr")),
        (
            'emails co "x"',
            AnyOf((Condition("email", "co", "x"), Condition("secondEmail", "co", "x"))),
        ),
        (
            'EMAILS eq "a@x"',
            AnyOf((Condition("email", "eq", "a@x"), Condition("secondEmail", "eq", "a@x"))),
        ),
        (
            'phoneNumbers sw "+47"',
            AnyOf((Condition("mobilePhone", "sw", "+47"), Condition("primaryPhone", "sw", "+47"))),
        ),
    ],
)
def test_a_complex_attribute_as_a_whole(catalog: Catalog, text: str, query: object) -> None:
    result = _plan(catalog, text)
    assert result.query == query
    assert not result.empty


def test_pr_on_a_complex_attribute_keeps_the_whole_attribute_for_matching(
    catalog: Catalog,
) -> None:
    assert _plan(catalog, "name pr").filter == Present(AttrPath("name"))
    assert _plan(catalog, 'emails co "x"').filter == Comparison(
        AttrPath("emails", "value"), CompareOperator.co, "x"
    )


def test_a_complex_attribute_with_no_home_matches_nobody(catalog: Catalog) -> None:
    assert _plan(catalog, "ims pr").empty
    assert _plan(catalog, 'photos co "x"').empty


@pytest.mark.parametrize(
    "text", ['name co "x"', 'name eq "Ada"', 'addresses eq "Oslo"', 'not (name sw "A")']
)
def test_a_comparison_on_a_complex_attribute_without_value_is_refused(
    catalog: Catalog, text: str
) -> None:
    with pytest.raises(InvalidFilterException, match="is a complex attribute: compare one of"):
        _plan(catalog, text)
