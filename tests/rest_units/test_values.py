"""Attribute values both ways: the connector's strings ⇄ the application's JSON types, value maps,
case and defaults; a value the application cannot take is refused, naming the attribute."""

from __future__ import annotations

from typing import Any

import pytest

from connector.targets.errors import RejectedError
from connector.targets.rest.description import Attribute
from connector.targets.rest.values import Codec, codecs, same_value, text


def codec(name: str = "value", **spec: Any) -> Codec:
    return codecs({name: Attribute.model_validate({"pointer": "/v", **spec})})[name]


@pytest.mark.parametrize(
    ("kind", "ours", "theirs"),
    [
        ("string", "Ada", "Ada"),
        ("string", " padded ", " padded "),
        ("integer", "42", 42),
        ("integer", " -7 ", -7),
        ("integer", "0", 0),
        ("number", "1.5", 1.5),
        ("number", "2", 2.0),
        ("number", "-0.25", -0.25),
        ("boolean", "true", True),
        ("boolean", "False", False),
        ("boolean", " TRUE ", True),
    ],
)
def test_each_type_is_written_as_the_application_stores_it(
    kind: str, ours: str, theirs: Any
) -> None:
    value = codec(type=kind).encode(ours)
    assert value == theirs
    assert type(value) is type(theirs)


@pytest.mark.parametrize(
    ("kind", "theirs", "ours"),
    [
        ("string", "Ada", "Ada"),
        ("integer", 42, "42"),
        ("number", 1.5, "1.5"),
        ("boolean", True, "true"),
        ("boolean", False, "false"),
        ("string", 12, "12"),  # what the application stores decides, not the declared type
    ],
)
def test_each_type_is_read_as_the_string_scim_carries(kind: str, theirs: Any, ours: str) -> None:
    assert codec(type=kind).decode(theirs) == ours


@pytest.mark.parametrize(
    ("kind", "value", "words"),
    [
        ("integer", "4.2", "employeeNumber must be a whole number, got '4.2'"),
        ("integer", "forty", "employeeNumber must be a whole number, got 'forty'"),
        ("integer", "", "employeeNumber must be a whole number, got ''"),
        ("integer", "1_000", "employeeNumber must be a whole number, got '1_000'"),
        ("integer", "١٢", "employeeNumber must be a whole number, got '١٢'"),
        ("number", "x", "employeeNumber must be a number, got 'x'"),
        ("number", "1_0.5", "employeeNumber must be a number, got '1_0.5'"),
        ("number", "nan", "employeeNumber must be a finite number, got 'nan'"),
        ("number", "-Infinity", "employeeNumber must be a finite number, got '-Infinity'"),
        ("boolean", "yes", "employeeNumber must be true or false, got 'yes'"),
        ("boolean", "1", "employeeNumber must be true or false, got '1'"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_the_attribute(
    kind: str, value: str, words: str
) -> None:
    with pytest.raises(RejectedError) as caught:
        codec("employeeNumber", type=kind).encode(value)
    assert caught.value.detail == words


def test_nothing_is_none_both_ways() -> None:
    c = codec(type="integer")
    assert c.encode(None) is None
    assert c.decode(None) is None
    assert c.decode("") is None


def test_a_map_goes_both_ways() -> None:
    c = codec("userType", map={"Employee": "E", "Contractor": "C"})
    assert c.encode("Employee") == "E"
    assert c.encode("Contractor") == "C"
    assert c.decode("C") == "Contractor"
    assert c.decode("e") == "Employee"  # the application's words, compared ignoring case


def test_a_connector_value_outside_the_map_is_refused_listing_the_allowed() -> None:
    c = codec("userType", map={"Employee": "E", "Contractor": "C"})
    with pytest.raises(RejectedError) as caught:
        c.encode("Intern")
    assert caught.value.detail == "userType must be one of Employee, Contractor, got 'Intern'"
    with pytest.raises(RejectedError):
        c.encode("employee")  # the connector's side is exact


def test_an_application_value_outside_the_map_is_passed_through() -> None:
    c = codec("userType", map={"Employee": "E", "Contractor": "C"})
    assert c.decode("X") == "X"
    assert c.decode(3) == "3"


def test_a_map_onto_booleans_and_numbers_keeps_their_types_apart() -> None:
    c = codec("flag", map={"yes": True, "no": False, "one": 1})
    assert c.encode("yes") is True
    assert c.encode("one") == 1
    assert c.decode(True) == "yes"
    assert c.decode(False) == "no"
    assert c.decode(1) == "one"
    assert c.decode(1.0) == "one"
    assert c.decode("true") == "true"  # a string is not the boolean


@pytest.mark.parametrize(
    ("case", "written"), [("lower", "ada@example.com"), ("upper", "ADA@EXAMPLE.COM")]
)
def test_case_is_applied_when_writing(case: str, written: str) -> None:
    c = codec("login", case=case)
    assert c.encode("Ada@Example.com") == written
    assert c.decode("Ada@Example.com") == "Ada@Example.com"  # read as stored


def test_case_applies_before_the_type() -> None:
    assert codec(type="boolean", case="upper").encode("true") is True


def test_default_is_written_only_on_create() -> None:
    c = codec("userType", default="Employee")
    assert c.encode(None, creating=True) == "Employee"
    assert c.encode(None) is None  # an update that clears the value clears it
    assert c.encode("Contractor", creating=True) == "Contractor"


def test_read_finds_the_value_by_its_pointer() -> None:
    c = codecs({"city": Attribute.model_validate({"pointer": "/address/city"})})["city"]
    assert c.read({"address": {"city": "Paris"}}) == "Paris"
    assert c.read({"address": None}) is None
    assert c.read({}) is None


@pytest.mark.parametrize(
    ("raw", "written"),
    [
        (0, "0"),
        (42, "42"),
        (-3, "-3"),
        (10**20, "100000000000000000000"),
        (1.5, "1.5"),
        (2.0, "2.0"),
        (True, "true"),
        (False, "false"),
        ("text", "text"),
        ("", ""),
        ({"a": 1}, '{"a": 1}'),
        ([1, "b"], '[1, "b"]'),
    ],
)
def test_text_of_json_values(raw: Any, written: str) -> None:
    assert text(raw) == written


@pytest.mark.parametrize(
    ("expected", "raw", "same"),
    [
        ("enabled", "Enabled", True),
        ("enabled", "disabled", False),
        (True, True, True),
        (True, 1, False),
        (1, True, False),
        (1, 1.0, True),
        ("1", 1, False),
    ],
)
def test_same_value(expected: Any, raw: Any, same: bool) -> None:
    assert same_value(expected, raw) is same
