"""JSON Pointers (RFC 6901): the RFC's own examples, placing and removing values, and pointers
that are not pointers."""

from __future__ import annotations

from typing import Any

import pytest

from connector.targets.rest import pointer

# RFC 6901 §5.
RFC_DOCUMENT: dict[str, Any] = {
    "foo": ["bar", "baz"],
    "": 0,
    "a/b": 1,
    "c%d": 2,
    "e^f": 3,
    "g|h": 4,
    "i\\j": 5,
    'k"l': 6,
    " ": 7,
    "m~n": 8,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", RFC_DOCUMENT),
        ("/foo", ["bar", "baz"]),
        ("/foo/0", "bar"),
        ("/", 0),
        ("/a~1b", 1),
        ("/c%d", 2),
        ("/e^f", 3),
        ("/g|h", 4),
        ("/i\\j", 5),
        ('/k"l', 6),
        ("/ ", 7),
        ("/m~0n", 8),
    ],
)
def test_rfc_6901_examples(text: str, expected: Any) -> None:
    tokens = pointer.parse(text)
    assert pointer.resolve(RFC_DOCUMENT, tokens) == expected
    assert pointer.exists(RFC_DOCUMENT, tokens)
    assert pointer.render(tokens) == text  # each example is already in its one written form


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("/a~1b", ("a/b",)),
        ("/m~0n", ("m~n",)),
        ("/~01", ("~1",)),  # ~0 first would turn ~01 into /: the RFC decodes ~1 first
        ("/~10", ("/0",)),
        ("//", ("", "")),
        ("/data/0/name", ("data", "0", "name")),
    ],
)
def test_escapes_are_decoded_in_the_rfc_order(text: str, tokens: tuple[str, ...]) -> None:
    assert pointer.parse(text) == tokens
    assert pointer.render(tokens) == text


@pytest.mark.parametrize("text", ["email", "data/0", "/a~", "/a~2b", "/~", "/~~01", "/x/~a"])
def test_bad_pointers_are_refused_with_the_fix(text: str) -> None:
    with pytest.raises(ValueError, match="JSON Pointer"):
        pointer.parse(text)


def test_what_is_not_there_is_the_default() -> None:
    document = {"foo": ["bar"], "n": None, "s": "text"}
    for text in ["/missing", "/foo/1", "/foo/-", "/foo/x", "/s/0", "/n/x", "/foo/0/deeper"]:
        tokens = pointer.parse(text)
        assert pointer.resolve(document, tokens) is None
        assert pointer.resolve(document, tokens, "default") == "default"
        assert not pointer.exists(document, tokens)
    # A value that is null is there.
    assert pointer.exists(document, ("n",))
    assert pointer.resolve(document, ("n",), "default") is None


@pytest.mark.parametrize("index", ["01", "00", "+1", "-1", "1.0", "²", "١"])
def test_array_indexes_are_ascii_digits_without_leading_zeros(index: str) -> None:
    # RFC 6901 §4: an index is 0 or digits without a leading 0; anything else is nothing there.
    document = {"list": ["a", "b"]}
    assert pointer.resolve(document, ("list", index), "nothing") == "nothing"


def test_place_creates_the_objects_on_the_way() -> None:
    document: dict[str, Any] = {"keep": 1, "org": "not an object"}
    pointer.place(document, pointer.parse("/address/city"), "Paris")
    pointer.place(document, pointer.parse("/address/country"), "FR")
    pointer.place(document, pointer.parse("/org/department"), "Maths")
    pointer.place(document, pointer.parse("/a~1b"), None)
    assert document == {
        "keep": 1,
        "address": {"city": "Paris", "country": "FR"},
        "org": {"department": "Maths"},
        "a/b": None,
    }


def test_place_refuses_the_whole_document() -> None:
    with pytest.raises(ValueError, match="whole document"):
        pointer.place({}, (), 1)


def test_remove_deletes_only_what_is_there() -> None:
    document: dict[str, Any] = {"id": 1, "meta": {"etag": "x", "keep": True}, "s": "text"}
    pointer.remove(document, pointer.parse("/meta/etag"))
    pointer.remove(document, pointer.parse("/meta/missing"))
    pointer.remove(document, pointer.parse("/nowhere/at/all"))
    pointer.remove(document, pointer.parse("/s/deeper"))
    pointer.remove(document, pointer.parse("/id"))
    assert document == {"meta": {"keep": True}, "s": "text"}


@pytest.mark.parametrize(
    "tokens",
    [("a",), ("a/b", "c~d"), ("~1",), ("",), ("", ""), (" ", "%", "^", "|", "\\", '"'), ("0",)],
)
def test_place_resolve_remove_round_trip(tokens: tuple[str, ...]) -> None:
    written = pointer.render(tokens)
    assert pointer.parse(written) == tokens
    document: dict[str, Any] = {}
    pointer.place(document, pointer.parse(written), "value")
    assert pointer.resolve(document, tokens) == "value"
    pointer.remove(document, tokens)
    assert not pointer.exists(document, tokens)
