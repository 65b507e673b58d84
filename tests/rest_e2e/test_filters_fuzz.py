"""Random SCIM filters against the REST target and the Ledgerline sandbox (hypothesis,
derandomized): every answer is 200 or 400; a 200 is exactly what SCIM's rules select from the
known accounts; a 400 sent no list request (unless the application itself refused the narrowed
one: a value only it can judge, in its words); and every list request the application received
was narrowed by a filter parameter the description declares. A filter no declared parameter
can narrow is refused (invalidFilter), never answered by listing everyone, and one that can be
narrowed is answered (but for the forms may_be_refused() names).

The oracle below is this test's own reading of RFC 7644 §3.4.2.2 for the simple attributes
generated here (strings compared ignoring case, except the caseExact `externalId`; `ne` and
`not` are true for an unassigned attribute; `pr` needs a non-empty value), evaluated over the
values the test itself wrote. It shares no code with the connector's matching.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import yaml
from endpoint.harness import CORE, ECMA, ENTERPRISE, patch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legacyapp import SandboxOptions

from .harness import API_KEY, SAMPLE, RestStack, ledgerline_stack

LIST_PATH = "/api/v2/accounts"
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def declared_filter_parameters() -> frozenset[str]:
    """The query parameters the description's finds add to the list request."""
    description = yaml.safe_load((SAMPLE / "description.yaml").read_text(encoding="utf-8"))
    return frozenset(name for find in description["users"]["find"] for name in find["query"])


FILTER_PARAMETERS = declared_filter_parameters()


# -- the known accounts ----------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    user_name: str
    external_id: str | None
    email: str
    given_name: str
    title: str | None
    employee_number: str | None
    display_name: str | None
    active: bool

    def value(self, field: str) -> str | bool | None:
        if field == "status":
            return "Active" if self.active else "Inactive"
        found: str | bool | None = getattr(self, field)
        return found

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "schemas": [CORE, ENTERPRISE],
            "userName": self.user_name,
            "active": self.active,
            "name": {"givenName": self.given_name, "familyName": "Tester"},
            "emails": [{"type": "work", "primary": True, "value": self.email}],
        }
        if self.external_id is not None:
            body["externalId"] = self.external_id
        if self.title is not None:
            body["title"] = self.title
        if self.display_name is not None:
            body["displayName"] = self.display_name
        if self.employee_number is not None:
            body[ENTERPRISE] = {"employeeNumber": self.employee_number}
        return body


ACCOUNTS = (
    Known(
        "alice@example.com", "Alice", "alice@example.com", "Alice", "Engineer", "10",
        'Alice "Al" Liddell', True,
    ),
    Known(
        "bob.o'neil@example.org", "ops/bob", "Bob@Example.org", "Bob", "R&D / Ops", "100",
        "Bob", False,
    ),
    Known("zoë@example.com", "zoë", "zoe@example.com", "Zoë", None, None, None, True),
    Known(
        'c\\d"e@example.com', "ALICE", "alice@example.com", "Ωmega", "engineer", "7",
        "Ωmega 😀", True,
    ),
    Known(
        "dave+x@example.com", None, "dave@example.com", "Dave", "Engineer II", "1000",
        "d/a/v/e", False,
    ),
)  # fmt: skip


# -- filters as this test builds them --------------------------------------------------------


@dataclass(frozen=True)
class Attr:
    spellings: tuple[str, ...]  # SCIM paths naming it (attribute names ignore case)
    field: str
    case_exact: bool = False
    boolean: bool = False
    found_by: bool = False  # the description has an equality find for it
    # `emails[type eq "work"].value` can also be written `emails[type eq "work" and value …]`
    value_path: bool = False


WORK_EMAIL = 'emails[type eq "work"].value'
ATTRS = (
    Attr(("userName", "USERNAME", f"{ECMA}:login"), "user_name", found_by=True),
    Attr(("externalId", "externalid"), "external_id", case_exact=True, found_by=True),
    Attr(
        (WORK_EMAIL, 'EMAILS[TYPE EQ "work"].Value', f"{ECMA}:email"),
        "email",
        found_by=True,
        value_path=True,
    ),
    Attr(("name.givenName", f"{ECMA}:firstName"), "given_name"),
    Attr(("title", "Title", f"{ECMA}:title"), "title"),
    Attr(
        (f"{ENTERPRISE}:employeeNumber", f"{ECMA}:employeeNumber", "employeeNumber"),
        "employee_number",
        found_by=True,
    ),
    Attr(("displayName", f"{ECMA}:displayName"), "display_name"),
    Attr(("active", "ACTIVE"), "active", boolean=True, found_by=True),
    Attr((f"{ECMA}:status", f"{ECMA.lower()}:Status"), "status", found_by=True),
)
BY_FIELD = {attr.field: attr for attr in ATTRS}
# The words a state (active, the ECMA2Host status) is found by.
STATE_WORDS = {"true", "false", "active", "inactive"}


@dataclass(frozen=True)
class Leaf:
    attr: Attr
    spelling: str
    op: str  # lower case; rendered in either case
    value: str | bool | None  # None for pr
    loud: bool = False  # the operator in upper case
    in_brackets: bool = False  # the value-path spelling
    ascii_only: bool = False  # non-ASCII written as \u escapes


@dataclass(frozen=True)
class Junction:
    op: str  # "and" | "or"
    left: Node
    right: Node


@dataclass(frozen=True)
class Negation:
    inner: Node


Node = Leaf | Junction | Negation


def literal(value: str | bool, ascii_only: bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        ascii_only = True  # a lone surrogate can only travel as an escape
    return json.dumps(value, ensure_ascii=ascii_only)


def render(node: Node) -> str:
    if isinstance(node, Junction):
        return f"({render(node.left)}) {node.op} ({render(node.right)})"
    if isinstance(node, Negation):
        return f"not ({render(node.inner)})"
    op = node.op.upper() if node.loud else node.op
    if node.in_brackets:
        inner = (
            "value pr"
            if node.value is None
            else f"value {op} {literal(node.value, node.ascii_only)}"
        )
        return f'emails[type eq "work" and {inner}]'
    if node.value is None:
        return f"{node.spelling} {op}"
    return f"{node.spelling} {op} {literal(node.value, node.ascii_only)}"


def selects(node: Node, account: Known) -> bool:
    """The oracle: does the filter select this account?"""
    if isinstance(node, Junction):
        left, right = selects(node.left, account), selects(node.right, account)
        return (left and right) if node.op == "and" else (left or right)
    if isinstance(node, Negation):
        return not selects(node.inner, account)
    stored = account.value(node.attr.field)
    if node.op == "pr":
        return stored is not None and stored != ""
    if node.op == "ne":
        return not _compare("eq", stored, node.value, node.attr.case_exact)
    return _compare(node.op, stored, node.value, node.attr.case_exact)


def _compare(op: str, stored: str | bool | None, wanted: str | bool | None, exact: bool) -> bool:
    if stored is None or wanted is None:
        return False
    if isinstance(stored, bool) or isinstance(wanted, bool):
        return op == "eq" and stored == wanted
    if not exact:
        stored, wanted = stored.lower(), wanted.lower()
    if op == "eq":
        return stored == wanted
    if op == "co":
        return wanted in stored
    if op == "sw":
        return stored.startswith(wanted)
    assert op == "gt"
    return stored > wanted


def narrowable(node: Node) -> bool:
    """Whether the description's finds can narrow the search exactly: an equality it finds by,
    an `and` with such a part, an `or` of such parts."""
    if isinstance(node, Junction):
        if node.op == "and":
            return narrowable(node.left) or narrowable(node.right)
        return narrowable(node.left) and narrowable(node.right)
    if isinstance(node, Negation):
        return False
    if not node.attr.found_by or node.op != "eq":
        return False
    if node.attr.field == "status":
        return isinstance(node.value, str) and node.value.lower() in STATE_WORDS
    return True


def may_be_refused(node: Node) -> bool:
    """Filters the connector refuses wherever they appear, even inside an `and` whose other
    part narrows the search: a state (active, ECMA2Host status) compared other than by equality
    with a state word (the filter is not one a state can meet or fail). Such a filter may be
    400 although the description could answer it; when it is answered, it is answered exactly.
    """
    if isinstance(node, Junction):
        return may_be_refused(node.left) or may_be_refused(node.right)
    if isinstance(node, Negation):
        return may_be_refused(node.inner)
    if node.attr.field in {"active", "status"}:
        if node.op != "eq":
            return True
        return node.attr.field == "status" and str(node.value).lower() not in STATE_WORDS
    return False


def lone_surrogate(node: Node) -> bool:
    """A value that is no Unicode text: the filter is refused before anything is asked."""
    if isinstance(node, Junction):
        return lone_surrogate(node.left) or lone_surrogate(node.right)
    if isinstance(node, Negation):
        return lone_surrogate(node.inner)
    return isinstance(node.value, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in node.value)


# -- strategies ------------------------------------------------------------------------------


def _variants(text: str) -> list[str]:
    return [text, text.upper(), text.lower(), text[:3], text[1:-1], text[2:5], text + "x"]


def own_texts(attr: Attr) -> list[str]:
    """Values near the accounts' own values of this attribute, so that filters select some."""
    if attr.field == "status":
        return ["Active", "INACTIVE", "active", "Inactive", "true", "tiv"]
    stored = {account.value(attr.field) for account in ACCOUNTS}
    near = {v for s in stored if isinstance(s, str) for v in _variants(s)}
    if attr.field == "employee_number":
        near |= {"-5", "010", "abc", "٣"}  # Ledgerline refuses -5 itself; the rest select no one
    return sorted(near | {"bogus", "\ud800", '"', "\\"})


ODD_TEXTS = [
    '"',
    "\\",
    "/",
    "'",
    "",
    " ",
    "😀",
    "\ud800",  # a lone surrogate: not Unicode text
    "ß",
    "ω",
    "a/b",
    'x" or userName pr or "',
    ") or (",
    "*",
    "%",
    "%2F",
    "+",
    "&status=enabled",
    "?page=2",
    "#",
    "-5",  # Ledgerline refuses a negative employee_number filter itself
    "abc",
    "٣",
    "1_0",
    " 10",
    "010",
    "Active",
    "inactive",
    "TRUE",
    "false",
]
ANY_TEXT = st.one_of(
    st.sampled_from(sorted({t for attr in ATTRS for t in own_texts(attr)})),
    st.sampled_from(ODD_TEXTS),
    st.text(alphabet='aAeEéiI"\\/ @.Ω😀-01', max_size=6),
)


@st.composite
def leaves(draw: st.DrawFn, refusable: bool) -> Leaf:
    """A comparison; with `refusable`, also the forms may_be_refused() names."""
    attr = draw(st.sampled_from(ATTRS))
    spelling = draw(st.sampled_from(attr.spellings))
    loud = draw(st.booleans())
    if attr.boolean:
        op = draw(st.sampled_from(["eq", "eq", "ne", "pr"])) if refusable else "eq"
        value: str | bool | None = None if op == "pr" else draw(st.booleans())
        return Leaf(attr, spelling, op, value, loud)
    others = ["co", "sw", "gt", "pr"] + (["ne"] if refusable else [])
    if attr.field == "status" and not refusable:
        others = []
    # Mostly equality where the description finds by it, so that many filters are answered.
    op = draw(st.sampled_from(["eq"] * (4 if attr.found_by else 1) + others))
    own = own_texts(attr)
    if attr.field == "status" and not refusable:
        own = [word for word in own if word.lower() in STATE_WORDS]
    if op == "pr":
        value = None
    elif draw(st.integers(0, 2)) < 2 or (attr.field == "status" and not refusable):
        value = draw(st.sampled_from(own))
    else:
        value = draw(ANY_TEXT)
    in_brackets = attr.value_path and spelling == WORK_EMAIL and draw(st.booleans())
    return Leaf(attr, spelling, op, value, loud, in_brackets, draw(st.booleans()))


def filters(refusable: bool) -> st.SearchStrategy[Node]:
    def extend(inner: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
        junction = st.builds(Junction, st.sampled_from(["and", "AND", "or", "Or"]), inner, inner)
        if not refusable:
            return junction
        return st.one_of(junction, st.builds(Negation, inner))

    return st.recursive(leaves(refusable), extend, max_leaves=3)


def _normal(node: Node) -> Node:
    """Junction operators as the oracle reads them (SCIM's are case-insensitive)."""
    if isinstance(node, Junction):
        return Junction(node.op.lower(), _normal(node.left), _normal(node.right))
    if isinstance(node, Negation):
        return Negation(_normal(node.inner))
    return node


# -- the stack -------------------------------------------------------------------------------


@dataclass
class Fuzzed:
    rest: RestStack
    scim: httpx.Client
    ids: dict[str, Known]  # SCIM id → account


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[Fuzzed]:
    # No rate limit to speak of: this test is about what is asked, not about pacing.
    options = SandboxOptions(api_key=API_KEY, rate_limit=1_000_000)
    with ledgerline_stack(options, LOG_LEVEL="ERROR") as rest, rest.client() as scim:
        ids: dict[str, Known] = {}
        for account in ACCOUNTS:
            created = scim.post("/Users", json=account.body())
            assert created.status_code == 201, created.text
            ids[created.json()["id"]] = account
        # The oracle's data is what the connector shows, attribute by attribute.
        for user_id, account in ids.items():
            shown = scim.get(f"/Users/{user_id}").json()
            assert shown["userName"] == account.user_name
            assert shown.get("externalId") == account.external_id
            assert shown["emails"] == [{"value": account.email, "type": "work"}]
            assert shown["name"]["givenName"] == account.given_name
            assert shown.get("title") == account.title
            assert shown.get(ENTERPRISE, {}).get("employeeNumber") == account.employee_number
            assert shown.get("displayName") == account.display_name
            assert shown["active"] is account.active
            assert shown[ECMA]["status"] == account.value("status")
        yield Fuzzed(rest, scim, ids)


def list_requests(calls: list[tuple[str, str, int]]) -> list[tuple[dict[str, str], int]]:
    """The list requests among the application's calls: (query parameters, status)."""
    found = []
    for method, target, status in calls:
        parts = urlsplit(target)
        if method == "GET" and parts.path == LIST_PATH:
            found.append((dict(parse_qsl(parts.query, keep_blank_values=True)), status))
    return found


def check_filter(fuzzed: Fuzzed, node: Node) -> None:
    text = render(node)
    answers: list[httpx.Response] = []
    calls = fuzzed.rest.calls_during(
        lambda: answers.append(fuzzed.scim.get("/Users", params={"filter": text}))
    )
    [answer] = answers
    lists = list_requests(calls)
    assert answer.status_code in {200, 400}, (text, answer.status_code, answer.text)
    assert answer.headers["content-type"].startswith("application/scim+json"), text
    # Every list request was narrowed by a parameter the description declares.
    for params, _ in lists:
        assert FILTER_PARAMETERS & set(params), (text, params)
    if lone_surrogate(node):
        assert answer.status_code == 400, (text, answer.text)
        assert answer.json()["scimType"] == "invalidFilter", text
        assert calls == [], (text, calls)
        return
    # Only the application itself may have refused a (narrowed) list request: a value only it
    # can judge, such as a negative employee_number. Its words are the SCIM detail.
    refused_by_app = [params for params, status in lists if status == 400]
    node = _normal(node)
    if answer.status_code == 400:
        body = answer.json()
        assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"], text
        if refused_by_app:
            assert body["scimType"] == "invalidValue", (text, body)
            assert "Ledgerline HR rejected the request" in body["detail"], (text, body)
        else:
            assert lists == [], (text, lists)
            assert body["scimType"] == "invalidFilter", (text, body)
            assert narrowable(node) is False or may_be_refused(node), (text, body["detail"])
        return
    assert refused_by_app == [], (text, refused_by_app)
    assert narrowable(node), (text, "answered, yet nothing the description declares narrows it")
    body = answer.json()
    expected = sorted(i for i, account in fuzzed.ids.items() if selects(node, account))
    assert sorted(r["id"] for r in body["Resources"]) == expected, text
    assert body["totalResults"] == len(expected), text


@FUZZ
@given(node=filters(refusable=False))
def test_random_filters_are_answered_exactly_when_the_description_can(
    fuzzed: Fuzzed, node: Node
) -> None:
    """Without the forms the translation refuses: narrowable ⇔ answered, and then exactly."""
    check_filter(fuzzed, node)


@settings(FUZZ, max_examples=80)
@given(node=filters(refusable=True))
def test_random_filters_with_not_and_ne_are_exact_or_refused(fuzzed: Fuzzed, node: Node) -> None:
    check_filter(fuzzed, node)


@pytest.mark.parametrize(
    "node",
    [
        pytest.param(
            Leaf(BY_FIELD["employee_number"], BY_FIELD["employee_number"].spellings[0], "eq", "-5"),
            id="app-refuses-value",
        ),
        pytest.param(Leaf(BY_FIELD["user_name"], "userName", "eq", "\ud800"), id="lone-surrogate"),
        pytest.param(
            Junction(
                "or",
                Leaf(BY_FIELD["external_id"], "externalId", "eq", "Alice"),
                Leaf(BY_FIELD["email"], WORK_EMAIL, "eq", "ALICE@example.com"),
            ),
            id="or-of-finds",
        ),
        pytest.param(
            Junction(
                "and",
                Leaf(BY_FIELD["title"], "title", "co", "engineer"),
                Leaf(BY_FIELD["active"], "active", "eq", True),
            ),
            id="and-narrowed-by-state",
        ),
        pytest.param(Leaf(BY_FIELD["title"], "title", "eq", "Engineer"), id="not-narrowable"),
    ],
)
def test_chosen_filters(fuzzed: Fuzzed, node: Node) -> None:
    """Cases the random ones may miss, each checked by the same rules."""
    check_filter(fuzzed, node)


def test_every_odd_value_with_every_find(fuzzed: Fuzzed) -> None:
    """A sweep the random tests reach only by chance: each odd value, by equality, on each
    attribute the description finds by."""
    for attr in ATTRS:
        if attr.found_by and not attr.boolean:
            for value in ODD_TEXTS:
                check_filter(fuzzed, Leaf(attr, attr.spellings[0], "eq", value))


def test_the_application_refusing_a_find_value_is_a_400_in_its_words(fuzzed: Fuzzed) -> None:
    text = f'{ENTERPRISE}:employeeNumber eq "-5"'
    answer = fuzzed.scim.get("/Users", params={"filter": text})
    assert answer.status_code == 400, answer.text
    assert answer.json()["detail"] == (
        "Ledgerline HR rejected the request: employee_number must be a non-negative integer"
    )


def test_a_value_that_is_not_unicode_text_is_refused_and_writes_nothing(
    fuzzed: Fuzzed,
) -> None:
    for text in (r'userName eq "\ud800"', r'id eq "\ud800"'):
        before = len(fuzzed.rest.app.calls())
        refused_filter = fuzzed.scim.get("/Users", params={"filter": text})
        assert refused_filter.status_code == 400, refused_filter.text
        assert refused_filter.json()["scimType"] == "invalidFilter"
        assert fuzzed.rest.app.calls()[before:] == [], text  # no request can carry it
    user_id = next(iter(fuzzed.ids))
    accounts = fuzzed.rest.app.users()
    refused = fuzzed.scim.patch(
        f"/Users/{user_id}",
        content=json.dumps(patch({"op": "replace", "path": "title", "value": "\ud800"})),
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["detail"] == "the request body holds a lone surrogate escape"
    assert fuzzed.rest.app.users() == accounts
