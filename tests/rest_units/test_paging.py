"""Paging in each style against a scripted listing: every record once and in order, the right
query parameters on each call, the stopping rules, and the guards against loops and against
links that leave the application."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.targets.errors import UnavailableError
from connector.targets.query import Everyone
from connector.targets.rest import paging as paging_module
from connector.targets.rest.description import Paging
from connector.targets.rest.paging import Page, Pager, next_link, relative

from .helpers import API_KEY, BASE, ScriptedApp, account, reply, rest_target


def records(*names: str) -> list[dict[str, Any]]:
    return [{"name": n} for n in names]


class Listing:
    """Answers each fetch with the next scripted page and records (path, query) of each."""

    def __init__(self, *pages: tuple[list[dict[str, Any]], Any] | Page) -> None:
        self.pages = [
            p if isinstance(p, Page) else Page(p[0], p[1], httpx.Headers()) for p in pages
        ]
        self.calls: list[tuple[str, dict[str, str]]] = []

    async def __call__(self, path: str, params: Mapping[str, str]) -> Page:
        self.calls.append((path, dict(params)))
        assert self.pages, f"a call past the last page: {path} {dict(params)}"
        return self.pages.pop(0)


async def walk(
    spec: dict[str, Any], listing: Listing, params: dict[str, str] | None = None
) -> list[str]:
    pager = Pager(Paging.model_validate(spec), BASE, listing)
    names: list[str] = []
    async for page in pager.pages("/accounts", params or {}):
        assert page, "an empty page is never yielded"
        names.extend(r["name"] for r in page)
    return names


# -- page numbers and offsets ----------------------------------------------------------------


async def test_page_numbers_from_first_page_until_a_short_page() -> None:
    listing = Listing((records("a", "b"), None), (records("c", "d"), None), (records("e"), None))
    spec = {"style": "page", "sizeParam": "per_page", "pageSize": 2}
    assert await walk(spec, listing, {"status": "enabled"}) == ["a", "b", "c", "d", "e"]
    assert listing.calls == [
        ("/accounts", {"status": "enabled", "per_page": "2", "page": "1"}),
        ("/accounts", {"status": "enabled", "per_page": "2", "page": "2"}),
        ("/accounts", {"status": "enabled", "per_page": "2", "page": "3"}),
    ]


async def test_page_numbers_may_start_at_zero_under_any_names() -> None:
    listing = Listing((records("a", "b"), None), (records(), None))
    spec = {"style": "page", "pageParam": "p", "sizeParam": "n", "pageSize": 2, "firstPage": 0}
    assert await walk(spec, listing) == ["a", "b"]
    assert [q for _, q in listing.calls] == [{"n": "2", "p": "0"}, {"n": "2", "p": "1"}]


async def test_page_numbers_stop_when_the_total_is_reached() -> None:
    total = {"meta": {"total": 4}}
    listing = Listing((records("a", "b"), total), (records("c", "d"), total))
    spec = {"style": "page", "sizeParam": "per_page", "pageSize": 2, "total": "/meta/total"}
    assert await walk(spec, listing) == ["a", "b", "c", "d"]
    assert len(listing.calls) == 2  # no third call for a page that would be empty


async def test_an_empty_first_page_is_one_call_and_nothing() -> None:
    listing = Listing((records(), {"meta": {"total": 0}}))
    spec = {"style": "page", "sizeParam": "per_page", "pageSize": 2, "total": "/meta/total"}
    assert await walk(spec, listing) == []
    assert len(listing.calls) == 1


async def test_offsets_advance_by_the_records_read() -> None:
    listing = Listing((records("a", "b"), None), (records("c", "d"), None), (records(), None))
    spec = {"style": "offset", "offsetParam": "skip", "sizeParam": "limit", "pageSize": 2}
    assert await walk(spec, listing) == ["a", "b", "c", "d"]
    assert [q for _, q in listing.calls] == [
        {"limit": "2", "skip": "0"},
        {"limit": "2", "skip": "2"},
        {"limit": "2", "skip": "4"},
    ]


async def test_offsets_stop_at_the_total() -> None:
    total = {"total": 3}
    listing = Listing((records("a", "b"), total), (records("c"), total))
    spec = {"style": "offset", "sizeParam": "limit", "pageSize": 2, "total": "/total"}
    assert await walk(spec, listing) == ["a", "b", "c"]
    assert [q["offset"] for _, q in listing.calls] == ["0", "2"]


# -- cursors ----------------------------------------------------------------------------------


async def test_cursor_in_the_body_is_sent_back_until_it_is_empty() -> None:
    listing = Listing(
        (records("a"), {"next": "c1"}),
        (records("b"), {"next": 2}),  # numbers are cursors too
        (records("c"), {"next": None}),
    )
    spec = {"style": "cursor", "cursorParam": "after", "nextCursor": "/next"}
    assert await walk(spec, listing, {"q": "x"}) == ["a", "b", "c"]
    assert [q for _, q in listing.calls] == [
        {"q": "x"},
        {"q": "x", "after": "c1"},
        {"q": "x", "after": "2"},
    ]


@pytest.mark.parametrize("last", [{"next": ""}, {"next": None}, {}, None])
async def test_cursor_stops_on_an_empty_or_missing_cursor(last: Any) -> None:
    listing = Listing((records("a"), {"next": "c1"}), (records("b"), last))
    assert await walk({"style": "cursor", "nextCursor": "/next"}, listing) == ["a", "b"]
    assert len(listing.calls) == 2


async def test_cursor_stops_on_an_empty_page_whatever_the_cursor() -> None:
    listing = Listing((records("a"), {"next": "c1"}), (records(), {"next": "c2"}))
    assert await walk({"style": "cursor", "nextCursor": "/next"}, listing) == ["a"]
    assert len(listing.calls) == 2


async def test_a_repeated_cursor_is_a_loop_and_stops_the_listing() -> None:
    listing = Listing(
        (records("a"), {"next": "c1"}),
        (records("b"), {"next": "c2"}),
        (records("c"), {"next": "c1"}),
    )
    pager = Pager(Paging.model_validate({"style": "cursor", "nextCursor": "/next"}), BASE, listing)
    seen: list[str] = []

    async def read_all() -> None:
        async for page in pager.pages("/accounts", {}):
            seen.extend(r["name"] for r in page)

    with pytest.raises(UnavailableError) as caught:
        await read_all()
    assert "the same cursor twice; its paging loops" in caught.value.reason
    assert caught.value.retry_after == 300
    assert seen == ["a", "b", "c"]
    assert len(listing.calls) == 3


async def test_a_listing_that_never_ends_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paging_module, "MAX_PAGES", 3)
    listing = Listing(*[(records(str(i)), {"next": f"c{i}"}) for i in range(4)])
    with pytest.raises(UnavailableError, match="did not end after 3 pages"):
        await walk({"style": "cursor", "nextCursor": "/next"}, listing)
    assert len(listing.calls) == 3


# -- next URL in the body, Link header --------------------------------------------------------


async def test_next_url_is_followed_as_a_path_on_the_base_url() -> None:
    listing = Listing(
        (records("a"), {"links": {"next": "https://elsewhere.example/api/v2/accounts?page=2&q=x"}}),
        (records("b"), {"links": {"next": "/api/v2/accounts?page=3"}}),
        (records("c"), {"links": {"next": "accounts?page=4"}}),
        (records("d"), {"links": {"next": None}}),
    )
    assert await walk({"style": "next-url", "nextUrl": "/links/next"}, listing, {"q": "x"}) == [
        "a",
        "b",
        "c",
        "d",
    ]
    assert listing.calls == [
        ("/accounts", {"q": "x"}),
        ("/accounts?page=2&q=x", {}),
        ("/accounts?page=3", {}),  # the link's query replaces the first call's
        ("/accounts?page=4", {}),
    ]


@pytest.mark.parametrize("last", [{"next": ""}, {"next": 7}, {}])
async def test_next_url_stops_without_a_url(last: Any) -> None:
    listing = Listing((records("a"), {"next": f"{BASE}/accounts?page=2"}), (records("b"), last))
    assert await walk({"style": "next-url", "nextUrl": "/next"}, listing) == ["a", "b"]


@pytest.mark.parametrize(
    "link",
    ["https://ledgerline.corp.example/admin/dump", "/api/v2-old/accounts", "../../other"],
)
async def test_a_next_link_outside_the_base_path_is_refused(link: str) -> None:
    listing = Listing((records("a"), {"next": link}))
    with pytest.raises(UnavailableError) as caught:
        await walk({"style": "next-url", "nextUrl": "/next"}, listing)
    assert "leaves its base URL" in caught.value.reason
    assert "follows links on the configured application only" in caught.value.reason
    assert len(listing.calls) == 1


async def test_a_repeated_next_url_is_a_loop_and_stops_the_listing() -> None:
    listing = Listing(
        (records("a"), {"next": f"{BASE}/accounts?page=2"}),
        (records("b"), {"next": f"{BASE}/accounts?page=2"}),
    )
    with pytest.raises(UnavailableError, match="loops"):
        await walk({"style": "next-url", "nextUrl": "/next"}, listing)
    assert len(listing.calls) == 2


def link_page(names: list[str], *lines: str) -> Page:
    return Page(records(*names), None, httpx.Headers([("Link", line) for line in lines]))


async def test_link_header_next_among_several_link_lines() -> None:
    listing = Listing(
        link_page(
            ["a"],
            f'<{BASE}/accounts?page=1>; rel="first"',
            f'<{BASE}/accounts?page=2&per_page=1>; rel="next", '
            f'<{BASE}/accounts?page=9>; rel="last"',
        ),
        link_page(["b"], f"<{BASE}/accounts?page=3&per_page=1>; rel=next"),
        link_page(["c"], f'<{BASE}/accounts?page=2>; rel="prev"'),
    )
    assert await walk({"style": "link-header"}, listing) == ["a", "b", "c"]
    assert listing.calls == [
        ("/accounts", {}),
        ("/accounts?page=2&per_page=1", {}),
        ("/accounts?page=3&per_page=1", {}),
    ]


async def test_a_repeated_link_is_a_loop_and_stops_the_listing() -> None:
    same = f'<{BASE}/accounts?page=2>; rel="next"'
    listing = Listing(link_page(["a"], same), link_page(["b"], same))
    with pytest.raises(UnavailableError, match="loops"):
        await walk({"style": "link-header"}, listing)
    assert len(listing.calls) == 2


async def test_no_paging_is_one_call() -> None:
    listing = Listing((records("a", "b"), {"next": "ignored"}))
    assert await walk({}, listing) == ["a", "b"]
    assert len(listing.calls) == 1


def test_next_link_reads_rfc_8288_lines() -> None:
    assert next_link([]) is None
    assert next_link(['<https://x/a?page=2>; rel="prev"']) is None
    assert next_link(['<https://x/a?page=2> ; rel = "next"']) == "https://x/a?page=2"
    assert next_link(['<https://x/p1>; rel="prev", <https://x/p3>; rel="next"']) == "https://x/p3"
    assert next_link(['<https://x/p3>; title="rel=next"; rel="last"']) is None
    assert next_link(["<https://x/p3>; rel=nextpage"]) is None
    assert next_link(['<https://x/p3>; rel="next last"']) == "https://x/p3"
    assert next_link(["<https://x/p3>; REL=Next"]) == "https://x/p3"


def test_a_comma_inside_a_link_belongs_to_it() -> None:
    # Split at every comma, `?fields=id,name` gave the "next" URL `name&page=2`, asked as a
    # path under the base URL.
    fields = "<https://x/a?fields=id,name&page=2>"
    assert next_link([f'{fields}; rel="next", <https://x/a?page=9>; rel="last"']) == (
        "https://x/a?fields=id,name&page=2"
    )
    assert next_link([f'<https://x/a?page=1>; rel="prev", {fields}; rel=next']) == (
        "https://x/a?fields=id,name&page=2"
    )
    assert next_link(['<https://x/p2>; title="a, b"; rel="next"']) == "https://x/p2"
    assert next_link(['<https://x/p1>; title="next, rel=next"; rel="prev"']) is None


def test_relative_keeps_the_path_under_the_base_and_drops_the_host() -> None:
    assert relative("https://other.example/api/v2/accounts?a=1&b=#top", BASE) == "/accounts?a=1&b="
    assert relative("/api/v2", BASE) == "/"
    assert relative("https://h/anything?x=1", "https://h") == "/anything?x=1"
    assert relative("/api/v2/accounts?f=a&f=b&c=%2B", BASE) == "/accounts?f=a&f=b&c=%2B"


def test_a_relative_next_link_is_resolved_against_the_page_that_gave_it() -> None:
    # Against the base URL, `?page=2` from /accounts asked /?page=2, and `people?cursor=x`
    # from /v1/people asked /people.
    assert relative("?page=2", BASE, "/accounts") == "/accounts?page=2"
    assert relative("people?cursor=x", "https://h", "/v1/people") == "/v1/people?cursor=x"
    assert relative("/api/v2/accounts?page=3", BASE, "/accounts") == "/accounts?page=3"
    # From a page that was itself a link: its query is replaced, its path kept.
    assert relative("?page=3", BASE, "/accounts?page=2&f=a") == "/accounts?page=3"


async def test_next_url_with_only_a_query_stays_on_the_listing() -> None:
    listing = Listing((records("a"), {"next": "?page=2"}), (records("b"), {"next": None}))
    assert await walk({"style": "next-url", "nextUrl": "/next"}, listing) == ["a", "b"]
    assert listing.calls == [("/accounts", {}), ("/accounts?page=2", {})]


# -- on the wire, through the target ----------------------------------------------------------


def next_url_paging(data: dict[str, Any]) -> None:
    data["users"]["list"]["paging"] = {"style": "next-url", "nextUrl": "/links/next"}


async def test_the_next_url_goes_to_the_configured_host(tmp_path: Path) -> None:
    app = ScriptedApp().on(
        "GET",
        "/accounts",
        reply(
            200,
            {
                "data": [account(1)],
                "links": {"next": "http://10.0.0.7:8080/api/v2/accounts?page=2"},
            },
        ),
        reply(200, {"data": [account(2)], "links": {"next": None}}),
    )
    target = rest_target(tmp_path, app, next_url_paging)
    ids = [u.id async for page in target.pages(Everyone()) for u in page]
    assert ids == ["1", "2"]
    assert [(c.host, c.path, c.params) for c in app.calls] == [
        ("ledgerline.corp.example", "/api/v2/accounts", {}),
        ("ledgerline.corp.example", "/api/v2/accounts", {"page": "2"}),
    ]
    assert all(c.headers["x-api-key"] for c in app.calls)


async def test_link_header_lines_on_the_wire(tmp_path: Path) -> None:
    def link_paging(data: dict[str, Any]) -> None:
        data["users"]["list"]["paging"] = {"style": "link-header"}

    def first(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={"data": [account(1)]},
            headers=[
                ("Link", f'<{BASE}/accounts?page=1>; rel="first"'),
                ("Link", f'<{BASE}/accounts?page=2>; rel="next"'),
            ],
        )

    app = ScriptedApp().on("GET", "/accounts", first, reply(200, {"data": [account(2)]}))
    target = rest_target(tmp_path, app, link_paging)
    ids = [u.id async for page in target.pages(Everyone()) for u in page]
    assert ids == ["1", "2"]
    assert [c.params for c in app.calls] == [{}, {"page": "2"}]


@pytest.mark.parametrize(
    "style",
    [
        {"style": "next-url", "nextUrl": "/links/next"},
        {"style": "link-header"},
    ],
)
async def test_a_next_link_is_asked_with_its_query_as_written(
    tmp_path: Path, style: dict[str, Any]
) -> None:
    # Read into a dict, `fields=id&fields=email` asked for email only, and `%2B` in a cursor
    # was decoded and encoded again as it pleased the client.
    link = "/api/v2/accounts?page=2&fields=id&fields=email&cursor=a%2Bb%3D"
    asked: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.query)
        if len(asked) > 1:
            return httpx.Response(200, json={"data": [account(2)]})
        return httpx.Response(
            200,
            json={"data": [account(1)], "links": {"next": link}},
            headers={"Link": f'<{link}>; rel="next"'},
        )

    def paging(data: dict[str, Any]) -> None:
        data["users"]["list"]["paging"] = style

    app = ScriptedApp().on("GET", "/accounts", answer, answer)
    target = rest_target(tmp_path, app, paging)
    ids = [u.id async for page in target.pages(Everyone()) for u in page]
    assert ids == ["1", "2"]
    assert asked[1] == b"page=2&fields=id&fields=email&cursor=a%2Bb%3D"


async def test_a_failing_next_link_is_named_by_its_path_without_its_query(tmp_path: Path) -> None:
    # An application that builds its links from the request echoes an API key sent in the
    # query: the link's query stays out of the 503 Entra's provisioning log shows.
    def key_in_query(data: dict[str, Any]) -> None:
        data["auth"] = {"type": "apiKey", "query": "api_key", "secret": "ledgerline-api-key"}
        data["users"]["list"]["paging"] = {"style": "next-url", "nextUrl": "/links/next"}

    link = f"/api/v2/accounts?page=2&api_key={API_KEY}"
    app = ScriptedApp().on(
        "GET",
        "/accounts",
        reply(200, {"data": [account(1)], "links": {"next": link}}),
        reply(200, text="<html>sign in</html>", headers={"Content-Type": "text/html"}),
    )
    target = rest_target(tmp_path, app, key_in_query)
    with pytest.raises(UnavailableError) as caught:
        [u async for page in target.pages(Everyone()) for u in page]
    assert "answered GET /accounts with 200 and a body that is not JSON" in caught.value.reason
    assert API_KEY not in caught.value.reason
    assert "page=2" not in caught.value.reason


# -- page size in every style, and pages that do not move ------------------------------------


async def test_a_cursor_listing_sends_its_page_size_on_every_request() -> None:
    listing = Listing((records("a", "b"), {"next": "c1"}), (records("c"), {"next": None}))
    spec = {"style": "cursor", "nextCursor": "/next", "sizeParam": "limit", "pageSize": 200}
    assert await walk(spec, listing) == ["a", "b", "c"]
    assert listing.calls == [
        ("/accounts", {"limit": "200"}),
        ("/accounts", {"limit": "200", "cursor": "c1"}),
    ]


async def test_an_application_that_ignores_the_page_number_is_refused() -> None:
    same = (records("a", "b"), None)
    listing = Listing(same, same, same)
    spec = {"style": "page", "sizeParam": "per_page", "pageSize": 2}
    with pytest.raises(UnavailableError) as caught:
        await walk(spec, listing)
    assert "the same page twice" in caught.value.reason
    assert "ignores page" in caught.value.reason
    assert len(listing.calls) == 2


@pytest.mark.parametrize(
    ("spec", "key"),
    [
        ({"style": "cursor", "nextCursor": "/n", "pageParam": "p"}, "pageParam"),
        ({"style": "page", "sizeParam": "n", "nextCursor": "/n"}, "nextCursor"),
        ({"style": "link-header", "total": "/total"}, "total"),
        ({"style": "cursor", "nextCursor": "/n", "pageSize": 50}, "pageSize"),
    ],
)
def test_a_paging_key_that_means_nothing_in_its_style_is_an_error(
    spec: dict[str, Any], key: str
) -> None:
    with pytest.raises(ValueError, match=key):
        Paging.model_validate(spec)


@pytest.mark.parametrize(
    ("style", "param", "expected"),
    [("page", "page", ["1", "2", "3"]), ("offset", "offset", ["0", "2", "4"])],
)
async def test_with_a_total_a_page_shorter_than_asked_is_not_the_last(
    style: str, param: str, expected: list[str]
) -> None:
    # The application lowers a page size above its largest (Ledgerline: per_page at most 100):
    # the short pages ended the listing after the first, and the other users went unlisted.
    total = {"meta": {"total": 5}}
    listing = Listing((records("a", "b"), total), (records("c", "d"), total), (records("e"), total))
    spec = {"style": style, "sizeParam": "limit", "pageSize": 4, "total": "/meta/total"}
    assert await walk(spec, listing) == ["a", "b", "c", "d", "e"]
    assert [q[param] for _, q in listing.calls] == expected


async def test_a_total_that_is_never_reached_ends_at_an_empty_page() -> None:
    total = {"meta": {"total": 9}}
    listing = Listing((records("a", "b"), total), (records(), total))
    spec = {"style": "page", "sizeParam": "limit", "pageSize": 4, "total": "/meta/total"}
    assert await walk(spec, listing) == ["a", "b"]
    assert len(listing.calls) == 2
