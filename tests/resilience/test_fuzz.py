"""Hostile and malformed input never becomes a 5xx, always gets a SCIM Error, never writes to
Okta, and a filter value never widens an Okta search (hypothesis, modest example counts).

"No Okta write" means no write Okta applied (a non-GET answered below 400): checks only Okta can
make, such as its own validation of a value, may still send a write that Okta refuses.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from endpoint.harness import CORE, ENTERPRISE, PATCH_OP, Stack, new_user, patch, stack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oktasim import SimulatorOptions

SCIM_JSON = "application/scim+json"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
FUZZ = settings(
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
EXISTING = ("alice@example.com", "bob@example.com", "carol@example.com")


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[tuple[Stack, httpx.Client, str]]:
    # No search lag: a filter that widened must meet the users it could widen to at once,
    # whichever test of the module runs first.
    options = SimulatorOptions(
        token="okta-token-for-tests", concurrency_limit=0, seed=3, search_lag_ms=0
    )
    with stack(options, LOG_LEVEL="ERROR") as running, running.client() as scim:
        ids = []
        # The last one is the one PUT and PATCH bodies are fuzzed against.
        for login in (*EXISTING, "target@example.com"):
            created = scim.post("/Users", json=new_user(login))
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        yield running, scim, ids[-1]


def applied_writes(running: Stack) -> int:
    return sum(
        1 for method, _, status in running.sim.request_log if method != "GET" and 0 < status < 400
    )


def check(running: Stack, before: int, response: httpx.Response) -> None:
    """No 5xx; an error is a SCIM Error in application/scim+json and wrote nothing to Okta."""
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith(SCIM_JSON)
        body = response.json()
        assert body["schemas"] == [ERROR_SCHEMA], body
        assert str(body["status"]) == str(response.status_code)
        assert isinstance(body.get("detail", ""), str)
        assert applied_writes(running) == before, "a rejected request changed Okta"


# -- strategies ------------------------------------------------------------------------------

NASTY_TEXT = st.sampled_from(
    [
        '"',
        "\\",
        '\\"',
        " or ",
        ") or (",
        'x" or userName pr or userName eq "y',
        "*",
        "%",
        "\u0000",
        "\ud7ff\ue000",
        "' OR 1=1 --",
        'profile.login sw ""',
        "a" * 5000,
        "😀",
        "",
        " ",
    ]
)
TEXT = st.one_of(st.text(max_size=40), NASTY_TEXT)
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT)
JSON = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12,
)
SCIM_NAMES = st.sampled_from(
    [
        "userName",
        "active",
        "displayName",
        "name",
        "name.givenName",
        "emails",
        'emails[type eq "work"].value',
        "externalId",
        "id",
        "meta",
        "schemas",
        "title",
        "groups",
        "password",
        f"{ENTERPRISE}:department",
        f"{ENTERPRISE}:manager",
        "urn:ietf:params:scim:schemas:extension:ECMA2Host:2.0:User:firstName",
        "nonexistent",
        "",
    ]
)
# A value path whose filter does not name the type: a PATCH path (the PATCH fetches the user
# to resolve it); as a POST/PUT body key it selects nothing (see the test below).
VALUE_PATH_WITHOUT_TYPE = 'emails[value eq "x" or type pr]'


@st.composite
def user_bodies(draw: st.DrawFn) -> Any:
    """Mostly near-valid create/replace bodies with some fields broken, sometimes anything."""
    if draw(st.integers(0, 4)) == 0:
        return draw(JSON)
    body: dict[str, Any] = new_user(f"fuzz{draw(st.integers(0, 10**6))}@example.com")
    for _ in range(draw(st.integers(1, 3))):
        body[draw(SCIM_NAMES)] = draw(JSON)
    return body


@st.composite
def patch_bodies(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 4)) == 0:
        return draw(JSON)
    ops = []
    for _ in range(draw(st.integers(0, 3))):
        op: dict[str, Any] = {
            "op": draw(st.sampled_from(["add", "Replace", "remove", "copy", "", 7])),
        }
        if draw(st.booleans()):
            op["path"] = draw(st.one_of(SCIM_NAMES, TEXT, st.just(VALUE_PATH_WITHOUT_TYPE)))
        if draw(st.booleans()):
            op["value"] = draw(JSON)
        ops.append(op)
    body: dict[str, Any] = {"schemas": [PATCH_OP], "Operations": ops}
    if draw(st.integers(0, 5)) == 0:
        body["schemas"] = draw(JSON)
    return body


# -- bodies ----------------------------------------------------------------------------------


@FUZZ
@given(body=user_bodies())
def test_create_bodies(fuzzed: tuple[Stack, httpx.Client, str], body: Any) -> None:
    running, scim, _ = fuzzed
    before = applied_writes(running)
    check(running, before, scim.post("/Users", content=json.dumps(body)))


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_body_key_that_is_a_value_path(
    fuzzed: tuple[Stack, httpx.Client, str], method: str
) -> None:
    running, scim, user_id = fuzzed
    url = "/Users" if method == "POST" else f"/Users/{user_id}"
    user_name = "vp@example.com" if method == "POST" else scim.get(url).json()["userName"]
    before = applied_writes(running)
    # A value for it has nowhere to go: 400 noTarget, nothing written.
    body = {**new_user(user_name), VALUE_PATH_WITHOUT_TYPE: "x@example.com"}
    refused = scim.request(method, url, content=json.dumps(body))
    check(running, before, refused)
    assert refused.status_code == 400
    assert refused.json()["scimType"] == "noTarget"
    # Clearing it clears nothing: the rest of the body applies.
    cleared = {**new_user(user_name), VALUE_PATH_WITHOUT_TYPE: None}
    response = scim.request(method, url, content=json.dumps(cleared))
    check(running, before, response)
    assert response.status_code in (200, 201)


@FUZZ
@given(body=user_bodies())
def test_replace_bodies(fuzzed: tuple[Stack, httpx.Client, str], body: Any) -> None:
    running, scim, user_id = fuzzed
    before = applied_writes(running)
    check(running, before, scim.put(f"/Users/{user_id}", content=json.dumps(body)))


@FUZZ
@given(body=patch_bodies())
def test_patch_bodies(fuzzed: tuple[Stack, httpx.Client, str], body: Any) -> None:
    running, scim, user_id = fuzzed
    before = applied_writes(running)
    check(running, before, scim.patch(f"/Users/{user_id}", content=json.dumps(body)))


@settings(deadline=None, max_examples=40, suppress_health_check=list(HealthCheck))
@given(raw=st.binary(max_size=200), method=st.sampled_from(["POST", "PUT", "PATCH"]))
def test_raw_bytes(fuzzed: tuple[Stack, httpx.Client, str], raw: bytes, method: str) -> None:
    running, scim, user_id = fuzzed
    url = "/Users" if method == "POST" else f"/Users/{user_id}"
    before = applied_writes(running)
    check(running, before, scim.request(method, url, content=raw))


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"\xff\xfe\x00{", id="non-utf8"),
        pytest.param(b'{"userName": "\xe9t\xe9@example.com", "schemas": []}', id="latin1"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deep-list"),
        pytest.param(b'{"a":' * 50_000 + b"1" + b"}" * 50_000, id="deep-object"),
        pytest.param(
            json.dumps(new_user("big@example.com", displayName="x" * (1 << 21))).encode(),
            id="over-1MiB",
        ),
        pytest.param(
            json.dumps(
                {"schemas": [CORE], "userName": "d@example.com", "x": [[[[[[[[[[1]]]]]]]]]]}
            ).encode(),
            id="nested-unknown",
        ),
        pytest.param(b"", id="empty"),
        pytest.param(b"null", id="null"),
        pytest.param(b'"just a string"', id="string"),
        pytest.param(b"1e999999", id="huge-number"),
    ],
)
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_hostile_bodies(fuzzed: tuple[Stack, httpx.Client, str], raw: bytes, method: str) -> None:
    running, scim, user_id = fuzzed
    url = "/Users" if method == "POST" else f"/Users/{user_id}"
    before = applied_writes(running)
    response = scim.request(method, url, content=raw)
    check(running, before, response)
    if b'"x": [[[' not in raw:  # the one well-formed resource (unknown attributes are ignored)
        assert response.status_code >= 400, response.text


# -- query parameters and filters ------------------------------------------------------------

NUMBERISH = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "abc", "1.5", "-0", "NaN", "1e400", "0x10", " 3", "٣"]),
)


@FUZZ
@given(count=NUMBERISH, start=NUMBERISH)
def test_paging_parameters(fuzzed: tuple[Stack, httpx.Client, str], count: str, start: str) -> None:
    running, scim, _ = fuzzed
    before = applied_writes(running)
    response = scim.get("/Users", params={"count": count, "startIndex": start})
    check(running, before, response)
    if response.status_code == 200:
        body = response.json()
        assert len(body["Resources"]) <= max(0, body["itemsPerPage"])


FILTER_ATTRS = st.sampled_from(
    [
        "userName",
        "externalId",
        "id",
        "displayName",
        "name.familyName",
        'emails[type eq "work"].value',
        "title",
        f"{ENTERPRISE}:department",
        "active",
        "meta.lastModified",
        "nonexistent",
    ]
)
OPS = st.sampled_from(["eq", "ne", "co", "sw", "ew", "pr", "gt", "lt", "EQ", "xx"])


@FUZZ
@given(text=st.one_of(TEXT, st.text(alphabet='()"\\ ', max_size=30)))
def test_free_text_filters(fuzzed: tuple[Stack, httpx.Client, str], text: str) -> None:
    running, scim, _ = fuzzed
    before = applied_writes(running)
    check(running, before, scim.get("/Users", params={"filter": text}))


@FUZZ
@given(attr=FILTER_ATTRS, op=OPS, value=TEXT, raw=st.booleans())
def test_built_filters(
    fuzzed: tuple[Stack, httpx.Client, str], attr: str, op: str, value: str, raw: bool
) -> None:
    running, scim, _ = fuzzed
    literal = f'"{value}"' if raw else json.dumps(value)
    before = applied_writes(running)
    check(running, before, scim.get("/Users", params={"filter": f"{attr} {op} {literal}"}))


def test_non_utf8_query(fuzzed: tuple[Stack, httpx.Client, str]) -> None:
    running, scim, _ = fuzzed
    before = applied_writes(running)
    for query in ("filter=userName%20eq%20%22%FF%FE%22", "count=%FF", "startIndex=%C0%80"):
        check(running, before, scim.get(f"/Users?{query}"))


INJECTION = st.one_of(
    NASTY_TEXT,
    st.builds(
        lambda a, b: f"{a}{b}",
        st.sampled_from(['"', "\\", '\\"', '" or "', ") or (", '" or 1 eq 1 or "', "*"]),
        st.text(alphabet='abc"\\() or', max_size=20),
    ),
)


@settings(deadline=None, max_examples=80, suppress_health_check=list(HealthCheck))
@given(
    attr=st.sampled_from(
        ["userName", "externalId", "displayName", "name.familyName", 'emails[type eq "work"].value']
    ),
    value=INJECTION,
)
def test_filter_values_never_widen_a_search(
    fuzzed: tuple[Stack, httpx.Client, str], attr: str, value: str
) -> None:
    """An `eq` whose (correctly quoted) value is injection text finds no one, while the
    users it might widen to exist."""
    running, scim, _ = fuzzed
    if value.casefold() in {v.casefold() for v in EXISTING} or value in {"alice", "bob", "carol"}:
        return
    before = applied_writes(running)
    response = scim.get("/Users", params={"filter": f"{attr} eq {json.dumps(value)}"})
    check(running, before, response)
    if response.status_code == 200:
        body = response.json()
        found = [r.get("userName") for r in body["Resources"]]
        assert body["totalResults"] == 0, (value, found)


def test_the_users_a_search_could_widen_to_exist(fuzzed: tuple[Stack, httpx.Client, str]) -> None:
    _, scim, _ = fuzzed
    listed = scim.get("/Users", params={"filter": 'userName eq "alice@example.com"'})
    assert listed.json()["totalResults"] == 1
    family = scim.get("/Users", params={"filter": 'name.familyName eq "Tester"'})
    assert family.json()["totalResults"] >= 3


def test_patch_through_the_helper_still_works(fuzzed: tuple[Stack, httpx.Client, str]) -> None:
    """After all the fuzzing, a normal PATCH still succeeds (nothing was left broken)."""
    _, scim, user_id = fuzzed
    response = scim.patch(
        f"/Users/{user_id}", json=patch({"op": "Replace", "path": "title", "value": "ok"})
    )
    assert response.status_code == 200, response.text
