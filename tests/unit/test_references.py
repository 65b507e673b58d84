"""SCIM references (RFC 7643 §2.3.7): a stored profile URL is an absolute RFC 3986 URI."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter
from scim2_models import External, InvalidValueException, Reference

from connector.mapping import Catalog
from connector.mapping.definitions import ECMA2HOST_USER
from connector.mapping.references import is_absolute_uri
from connector.mapping.writes import Operation, compile_writes

GOOD = [
    "https://example.com/people/ada",
    "http://127.0.0.1:8080/u?id=1#top",
    "https://[2001:db8::1]:443/ada",
    "https://user@example.com/~ada",
    "mailto:ada@example.com",
    "urn:example:people:ada",
    "https://example.com/caf%C3%A9",
]
BAD = [
    "",
    "not a url",
    "example.com/people/ada",
    "/people/ada",
    "https://exa mple.com/",
    "https://example.com/%zz",
    "https://example.com/café",
    "https://example.com/a#b#c",
    "https:///nohost",
    "https://example.com:80x/",
    "https://[2001:db8::1/",
    "1https://example.com",
    "mailto:",
    "x:[bracket]",
]


@pytest.mark.parametrize("value", GOOD)
def test_absolute_uris(value: str) -> None:
    assert is_absolute_uri(value)
    # What the connector accepts, scim2-models (and so scim2-tester) accepts as a reference too.
    TypeAdapter(Reference[External]).validate_python(value)


@pytest.mark.parametrize("value", BAD)
def test_not_absolute_uris(value: str) -> None:
    assert not is_absolute_uri(value)


def test_reference_targets_include_the_ecma_copy(catalog: Catalog) -> None:
    assert catalog.reference_targets == frozenset({"profileUrl"})


@pytest.mark.parametrize("path", ["profileUrl", f"{ECMA2HOST_USER}:profileUrl"])
def test_every_path_to_a_reference_is_checked(catalog: Catalog, path: str) -> None:
    with pytest.raises(InvalidValueException, match="profileUrl must be an absolute URL"):
        compile_writes(catalog, [Operation("replace", path, "just text")])
    ok = compile_writes(catalog, [Operation("replace", path, "https://x.test/ada")])
    assert ok.profile == {"profileUrl": "https://x.test/ada"}
    assert compile_writes(catalog, [Operation("remove", path, None)]).profile == {
        "profileUrl": None
    }
