"""docs/targets.md says what the REST target does: where a statement can be checked against the
code (the paging styles and their keys, the meanings of error rules, the messages the
troubleshooting table quotes), it is checked here."""

from __future__ import annotations

import re
import ssl
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest
import yaml
from pydantic import ValidationError

from connector.secrets import EnvSecretStore
from connector.settings import Settings
from connector.targets.context import TargetContext
from connector.targets.errors import UnavailableError
from connector.targets.http import DEFAULT_RETRYABLE, ApiError
from connector.targets.rest import RestUsers, build
from connector.targets.rest.answers import Answers
from connector.targets.rest.connection import issuer_trust
from connector.targets.rest.description import (
    Description,
    ErrorEnvelope,
    ErrorRule,
    Find,
    Meaning,
    Paging,
)
from connector.targets.rest.loading import load_description
from connector.targets.rest.paging import Page, Pager
from connector.targets.rest.quoting import fill
from connector.transport.budget import request_budget

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "targets.md").read_text(encoding="utf-8")
SAMPLE = ROOT / "samples" / "legacyapp" / "description.yaml"
BASE = "https://ledgerline.corp.example/api/v2"


def table_rows(first_cell: str) -> dict[str, list[str]]:
    """The rows of the table whose header starts with `first_cell`, by their first cell."""
    lines = DOC.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_cell} |"))
    rows: dict[str, list[str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


# -- paging -----------------------------------------------------------------------------------

# A valid value for each paging key, and what each style cannot do without.
_VALUES: dict[str, Any] = {
    "pageParam": "p",
    "sizeParam": "limit",
    "pageSize": 10,
    "firstPage": 0,
    "offsetParam": "o",
    "cursorParam": "c",
    "nextCursor": "/next",
    "nextUrl": "/next",
    "total": "/total",
}
_NEEDED: dict[str, dict[str, Any]] = {
    "page": {"sizeParam": "limit"},
    "offset": {"sizeParam": "limit"},
    "cursor": {"nextCursor": "/next"},
    "next-url": {"nextUrl": "/next"},
}
_EVERY_STYLE = {"sizeParam", "pageSize"}  # said once under the table


def _accepted(style: str) -> set[str]:
    """The keys the format accepts with `style` (a key meaning nothing there is an error)."""
    keys = set()
    for key, value in _VALUES.items():
        spec = {"style": style, "sizeParam": "limit", **_NEEDED.get(style, {}), key: value}
        try:
            Paging.model_validate(spec)
        except ValidationError:
            continue
        keys.add(key)
    return keys


def test_every_paging_style_has_a_row() -> None:
    styles = get_args(Paging.model_fields["style"].annotation)
    assert {s.strip("`") for s in table_rows("`style`")} == set(styles)


@pytest.mark.parametrize("style", get_args(Paging.model_fields["style"].annotation))
def test_a_paging_row_lists_the_keys_of_its_style(style: str) -> None:
    keys_cell = table_rows("`style`")[f"`{style}`"][0]
    listed = set(re.findall(r"`([A-Za-z]+)`", keys_cell))
    accepted = _accepted(style)
    assert listed <= accepted, (style, listed - accepted)
    assert accepted - _EVERY_STYLE <= listed, (style, accepted - _EVERY_STYLE - listed)


class _Pages:
    def __init__(self, *pages: tuple[int, Any]) -> None:
        self._pages = list(pages)
        self.calls = 0

    async def __call__(self, path: str, params: Any) -> Page:
        self.calls += 1
        count, body = self._pages.pop(0)
        records = [{"n": self.calls * 100 + i} for i in range(count)]  # no page like another
        return Page(records, body, httpx.Headers())


async def _read(spec: dict[str, Any], pages: _Pages) -> int:
    pager = Pager(Paging.model_validate(spec), BASE, pages)
    return sum([len(page) async for page in pager.pages("/accounts", {})])


@pytest.mark.parametrize("style", ["page", "offset"])
async def test_with_a_total_a_short_page_does_not_end_the_listing(style: str) -> None:
    # "with `total` …: `total` records were read, or a page is empty; a shorter page than asked
    # does not end it"
    row = table_rows("`style`")["`page`"][1]
    assert "a shorter page than asked does not end it" in row
    spec = {"style": style, "sizeParam": "limit", "pageSize": 10, "total": "/total"}
    pages = _Pages((4, {"total": 9}), (4, {"total": 9}), (1, {"total": 9}))
    assert await _read(spec, pages) == 9
    assert pages.calls == 3


@pytest.mark.parametrize("style", ["page", "offset"])
async def test_without_a_total_a_short_page_ends_the_listing(style: str) -> None:
    row = table_rows("`style`")["`page`"][1]
    assert "Without `total`: a page shorter than `pageSize`" in row
    pages = _Pages((10, None), (4, None))
    assert await _read({"style": style, "sizeParam": "limit", "pageSize": 10}, pages) == 14
    assert pages.calls == 2


# -- finds ------------------------------------------------------------------------------------


def test_every_escape_rule_has_a_row_and_the_default_is_refuse() -> None:
    rows = table_rows("`escape`")
    rules = get_args(Find.model_fields["escape"].annotation)
    assert {r.split()[0].strip("`") for r in rows} == set(rules)
    assert Find.model_fields["escape"].default == "refuse"
    assert "`refuse` (default)" in rows


def test_the_escape_examples_load_and_escape_as_their_rows_say() -> None:
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", DOC, re.DOTALL) if "escape:" in b)
    finds = yaml.safe_load(block)
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    data["users"]["find"] = finds + data["users"]["find"][2:]
    loaded = Description.model_validate(data).users.find
    assert [f.escape for f in loaded[:2]] == ["backslash", "double"]
    # backslash: \ becomes \\, the quote becomes \"; double: the quote twice, \ unchanged.
    assert fill(finds[0]["query"]["filter"], 'a"b\\c', "backslash") == r'username eq "a\"b\\c"'
    assert fill(finds[1]["query"]["$filter"], "o'b\\", "double") == r"mail eq 'o''b\'"


# -- errors -----------------------------------------------------------------------------------


def test_every_meaning_of_an_error_rule_has_a_row() -> None:
    assert {m.strip("`") for m in table_rows("`means`")} == set(get_args(Meaning))


@pytest.mark.parametrize("status", [401, 429])
def test_a_rule_on_401_or_429_is_an_error_as_the_page_says(status: int) -> None:
    assert "`401` and `429` are not for rules (a rule naming\neither is an error at load)" in DOC
    with pytest.raises(ValidationError, match="401 and 429 are always handled"):
        ErrorRule.model_validate({"status": status, "means": "rejected"})


def test_the_statuses_retried_by_default_are_the_ones_listed() -> None:
    listed = re.search(r"(`\d+`(?:, `\d+`)* and `\d+`) are retried with capped backoff", DOC)
    assert listed is not None
    assert {int(s) for s in re.findall(r"\d+", listed.group(1))} == set(DEFAULT_RETRYABLE)


# -- OAuth2 issuer ----------------------------------------------------------------------------


def test_an_issuer_elsewhere_is_always_verified() -> None:
    # "its certificate is always checked, whatever `verifyTls` says of the application"
    assert "its certificate is always checked, whatever\n`verifyTls` says" in DOC
    context = issuer_trust(None, None)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True


# -- troubleshooting --------------------------------------------------------------------------


def _target(status: int, headers: dict[str, str], text: str) -> RestUsers:
    """The sample's target, its application answering every call so."""
    description, marks = load_description(SAMPLE)
    context = TargetContext(
        settings=Settings.from_env({}),
        secrets=EnvSecretStore({"LEDGERLINE_API_KEY": "a-key-for-the-docs-tests"}),
        transport=httpx.MockTransport(
            lambda request: httpx.Response(status, headers=headers, text=text)
        ),
    )
    users = build(description, context, SAMPLE, marks).users
    assert isinstance(users, RestUsers)
    return users


def _row_quoting(words: str) -> str:
    rows = [line for line in DOC.splitlines() if line.startswith("| SCIM `503`") and words in line]
    assert len(rows) == 1, words
    return rows[0]


_REDIRECT = (301, {"Location": "https://hr.example/api/v2/accounts/7"}, "")
_WEB_PAGE = (200, {"Content-Type": "text/html"}, "<html>sign in</html>")


@pytest.mark.parametrize(
    ("answer", "read", "words"),
    [
        (_REDIRECT, "get", "answered GET /accounts/{id} with 301, a redirect to"),
        (_REDIRECT, "get", "the connector does not follow redirects"),
        (
            _WEB_PAGE,
            "list",
            "answered GET /accounts with 200 and a body that is not JSON (text/html)",
        ),
    ],
)
async def test_the_troubleshooting_rows_quote_the_messages(
    answer: tuple[int, dict[str, str], str], read: str, words: str
) -> None:
    _row_quoting(words)
    users = _target(*answer)
    reading = users.get("7") if read == "get" else users.find_by_anchor("ada@example.com")
    with request_budget(5.0), pytest.raises(UnavailableError) as caught:
        await reading
    await users.aclose()
    assert words in caught.value.reason


# -- errorEnvelope ----------------------------------------------------------------------------


def _envelope_section() -> str:
    start = DOC.index("### `errorEnvelope`")
    return DOC[start : DOC.index("\n### ", start + 1)]


def test_the_error_envelope_example_loads() -> None:
    block = re.search(r"```yaml\n(.*?)```", _envelope_section(), flags=re.DOTALL)
    assert block is not None
    example = yaml.safe_load(block.group(1))
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    data["errorEnvelope"], data["errors"] = example["errorEnvelope"], example["errors"]
    description = Description.model_validate(data)
    assert description.error_envelope == ErrorEnvelope.model_validate(example["errorEnvelope"])
    assert [r.means for r in description.errors] == [
        "conflict",
        "not-found",
        "already-done",
        "retryable",
        "rejected",
    ]


def test_every_error_envelope_key_has_a_row() -> None:
    rows = re.findall(r"^\| `(\w+)` \|", _envelope_section(), flags=re.MULTILINE)
    keys = {f.alias or name for name, f in ErrorEnvelope.model_fields.items()}
    assert set(rows) == keys


def test_a_rule_about_a_200_is_an_error_as_the_page_says() -> None:
    assert "a rule with `status: 200` is an error at load" in _envelope_section()
    with pytest.raises(ValidationError, match="describe it in errorEnvelope"):
        ErrorRule.model_validate({"status": 200, "means": "rejected"})


def test_a_match_alone_reads_every_error_answer_as_the_page_says() -> None:
    assert "A rule may go by `match` alone" in _envelope_section()
    rule = ErrorRule.model_validate({"match": "already exists", "means": "conflict"})
    answers = Answers([rule], "App")
    for status in (400, 422):
        error = ApiError(status, "", httpx.Headers(), b'{"message": "user already exists"}')
        assert answers.meaning(error)[0] == "conflict"
