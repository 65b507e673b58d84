"""Reading an ECMA2Host Schema.xml: object type, attributes, anchor, and every refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.mapping import SchemaError
from connector.mapping.catalog import PACKAGED_DIR
from connector.mapping.schema_xml import read_schema_xml

from .conftest import schema_xml


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "Schema.xml"
    path.write_text(text, encoding="utf-8")
    return path


def test_packaged_schema_reads_person_with_login_anchor() -> None:
    schema = read_schema_xml(PACKAGED_DIR / "Schema.xml")
    assert schema.object_type == "Person"
    assert schema.anchor.name == "login"
    names = [a.name for a in schema.attributes]
    assert names[:3] == ["login", "firstName", "lastName"]
    assert "status" in names
    assert all(a.data_type == "String" and not a.is_multi_valued for a in schema.attributes)
    assert [a.name for a in schema.attributes if a.is_anchor] == ["login"]


def test_flags_accept_true_and_one(tmp_path: Path) -> None:
    text = schema_xml([("uid", True, False), ("cn", False, False)]).replace(
        "<IsAnchor>1</IsAnchor>", "<IsAnchor> TRUE </IsAnchor>"
    )
    schema = read_schema_xml(_write(tmp_path, text))
    assert schema.anchor.name == "uid"
    assert [(a.name, a.is_anchor) for a in schema.attributes] == [("uid", True), ("cn", False)]


def test_malformed_xml_is_a_schema_error(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="cannot read"):
        read_schema_xml(_write(tmp_path, "<Schema><Types>"))


def test_missing_file_is_a_schema_error(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="cannot read"):
        read_schema_xml(tmp_path / "absent.xml")


@pytest.mark.parametrize("count", [0, 2])
def test_exactly_one_schema_type(tmp_path: Path, count: int) -> None:
    one = schema_xml([("login", True, False)])
    body = one[one.index("<SchemaType>") : one.index("</Types>")]
    text = f"<Schema><Types>{body * count}</Types></Schema>"
    with pytest.raises(SchemaError, match=f"exactly one <SchemaType>, found {count}"):
        read_schema_xml(_write(tmp_path, text))


def test_missing_name_and_data_type_are_reported(tmp_path: Path) -> None:
    no_type_name = schema_xml([("login", True, False)]).replace("<Name>Person</Name>", "")
    with pytest.raises(SchemaError, match="<Name> is missing"):
        read_schema_xml(_write(tmp_path, no_type_name))
    no_data_type = schema_xml([("login", True, False)]).replace(
        "<DataType>String</DataType>", "<DataType> </DataType>"
    )
    with pytest.raises(SchemaError, match="attribute login: <DataType> is missing"):
        read_schema_xml(_write(tmp_path, no_data_type))


def test_no_anchor_is_refused(tmp_path: Path) -> None:
    text = schema_xml([("login", False, False), ("cn", False, False)])
    with pytest.raises(SchemaError, match=r"exactly one anchor attribute, found \[\]"):
        read_schema_xml(_write(tmp_path, text))


def test_two_anchors_are_refused(tmp_path: Path) -> None:
    text = schema_xml([("login", True, False), ("cn", True, False)])
    with pytest.raises(SchemaError, match=r"exactly one anchor.*'login', 'cn'"):
        read_schema_xml(_write(tmp_path, text))


def test_names_unique_ignoring_case(tmp_path: Path) -> None:
    text = schema_xml([("login", True, False), ("City", False, False), ("city", False, False)])
    with pytest.raises(SchemaError, match="unique"):
        read_schema_xml(_write(tmp_path, text))


def test_multi_valued_attribute_is_refused(tmp_path: Path) -> None:
    text = schema_xml([("login", True, False), ("proxyAddresses", False, True)])
    with pytest.raises(SchemaError, match="proxyAddresses is multi-valued"):
        read_schema_xml(_write(tmp_path, text))


@pytest.mark.parametrize("name", ["-dn-", "msDS User", "2ndName", "名前"])
def test_a_name_scim_cannot_say_is_refused_with_its_line(tmp_path: Path, name: str) -> None:
    # Such a name would be advertised, but no PATCH path or filter could name it.
    text = schema_xml([("login", True, False), (name, False, False)]).replace(
        "<SchemaAttribute>", "\n<SchemaAttribute>"
    )
    path = _write(tmp_path, text)
    with pytest.raises(SchemaError) as refused:
        read_schema_xml(path)
    assert str(refused.value).startswith(f"{path}:3: attribute {name!r} cannot be named")
    assert "rename it" in str(refused.value)


def test_names_with_digits_dashes_and_underscores_are_read(tmp_path: Path) -> None:
    names = ["login", "msDS-UserAccountDisabled", "employee_id2"]
    text = schema_xml([(n, n == "login", False) for n in names])
    assert [a.name for a in read_schema_xml(_write(tmp_path, text)).attributes] == names
