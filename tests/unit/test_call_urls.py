"""`CallUrls.parse(text)` is `httpx.URL(text)`, part for part, whatever the text; and for a call's
usual URL (the base URL plus a path and query kept as written) httpx's parser is not run."""

from __future__ import annotations

import re

import httpx
import pytest
from httpx import _urlparse
from hypothesis import given
from hypothesis import strategies as st

from connector.targets.urls import CallUrls

BASES = [
    "http://127.0.0.1:8080",
    "https://example.okta.com",
    "https://Example.OKTA.com:443",
    "https://legacy.test/api/v2",
    "https://legacy.test/api/v2/",
    "https://user:p%40ss@legacy.test/base",
    "https://legacy.test/Base%20Path",
    "https://legacy.test/with space",  # not kept as written: every call is parsed by httpx
    "https://legacy.test/a/./b",
    "https://legacy.test/a/..",
    "http://[::1]:9000/x",
    "https://bücher.example/api",
    "https://legacy.test/api?tenant=a",
    "https://legacy.test/api#part",
    # Refused by httpx: so is every call's URL, as the call is made, not the base up front.
    "https://legacy.test:44x/api",
    "https://1.2.3.999",
]
RESTS = [
    "/api/v1/users",
    "/api/v1/users/00u1abcdefghijklmno",
    "/api/v1/users?activate=true",
    "/api/v1/users?search=profile.login+eq+%22ada%40example.com%22&limit=200",
    "/users/ada@example.com",
    "/users/ada%40example.com/",
    "/users/a.b/c..d/.e",
    "/users/./x",
    "/users/x/..",
    "/users/x/../y?z=1",
    "/.",
    "/",
    "//double",
    "/users/a b",
    "/users/ü",
    "/users/100%",
    "/users/%zz",
    "/users/%4",
    "/users/%7e",
    "/users?",
    "/users?a=b?c",
    "/users?q=a b",
    '/users?q="x"',
    "/users#fragment",
    "/users?x=1#fragment",
    "/users/\t",
    "/users/\x7f",
    "/users{x}",
    "/users/`x`",
    ":8443/users",
    ".evil.test/users",
    "@evil.test/users",
    "",
    "?only=query",
    "/" + "a" * 70_000,
]


def _same(base: str, rest: str) -> None:
    _parsed_alike(CallUrls(base), base + rest)


def _parsed_alike(urls: CallUrls, text: str) -> None:
    try:
        expected = httpx.URL(text)
    except httpx.InvalidURL as refused:
        with pytest.raises(httpx.InvalidURL, match=re.escape(str(refused))):
            urls.parse(text)
        return
    parsed = urls.parse(text)
    assert parsed._uri_reference == expected._uri_reference, text
    assert (str(parsed), parsed.raw_path, parsed.host, parsed.port, parsed.scheme) == (
        str(expected),
        expected.raw_path,
        expected.host,
        expected.port,
        expected.scheme,
    ), text
    assert parsed == expected


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("rest", RESTS)
def test_a_text_is_parsed_as_httpx_parses_it(base: str, rest: str) -> None:
    _same(base, rest)


@pytest.mark.parametrize(
    ("base", "text"),
    [
        # The same length as the base plus a path, under another origin or another base path:
        # nothing of the base's parse may be reused.
        ("https://example.okta.com", "https://example.okta.org/api/v1/users"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8081/api/v1/users"),
        ("https://legacy.test/api/v2", "https://legacy.test/api/v3/users"),
        ("https://legacy.test/api/v2", "HTTPS://LEGACY.TEST/api/v2/users"),
        ("https://legacy.test/api/v2", "/api/v2/users"),
    ],
)
def test_a_text_not_under_the_base_is_parsed_as_httpx_parses_it(base: str, text: str) -> None:
    _parsed_alike(CallUrls(base), text)


@given(
    base=st.sampled_from(BASES),
    rest=st.text(
        alphabet=st.sampled_from("aZ09-._~!$&'()*+,;=:@/?#%[]<>\"`{}|\\^ \t\x7fü4fF."),
        max_size=40,
    ),
)
def test_any_text_is_parsed_as_httpx_parses_it(base: str, rest: str) -> None:
    _same(base, rest)


def test_a_calls_usual_url_skips_httpxs_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    urls = CallUrls("https://example.okta.com/api")
    parses: list[str] = []
    real = _urlparse.urlparse

    def counted(url: str = "", **parts: str | None) -> _urlparse.ParseResult:
        parses.append(url)
        return real(url, **parts)

    monkeypatch.setattr("httpx._urls.urlparse", counted)
    usual = [
        "https://example.okta.com/api/v1/users?activate=true",
        "https://example.okta.com/api/v1/users/00u1abcdefghijklmno",
        "https://example.okta.com/api/v1/users?search=profile.login+eq+%22a%40b.c%22",
    ]
    for text in usual:
        assert str(urls.parse(text)) == text
    assert parses == []
    # Anything else still goes through httpx: a space is encoded, a dot segment dropped.
    assert str(urls.parse("https://example.okta.com/api/a b/./c")) == (
        "https://example.okta.com/api/a%20b/c"
    )
    assert parses == ["https://example.okta.com/api/a b/./c"]
