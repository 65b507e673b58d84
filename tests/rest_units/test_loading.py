"""Loading a description: the sample loads, and each kind of mistake is reported as
`file:line:col`, at the line where it is written, with what to write instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.targets.rest.description import ApiKeyAuth, Description
from connector.targets.rest.loading import DescriptionError, load_description, where

from .helpers import BASE, SAMPLE, SAMPLE_TEXT, changed, line_of, only_problem, problems_of


def test_the_sample_loads_with_where_each_part_is_written() -> None:
    description, marks = load_description(SAMPLE)
    assert isinstance(description, Description)
    assert description.name == "Ledgerline HR"
    assert isinstance(description.auth, ApiKeyAuth)
    assert description.users.anchor == "login"
    assert description.users.attributes["employeeNumber"].type == "integer"
    assert description.users.delete.disable_first is True
    assert description.secrets() == [("ledgerline-api-key", ("auth", "secret"))]
    # Marks point at keys as written: later messages (an answer without an id) cite them.
    assert (
        where(marks, ("users", "id"), SAMPLE) == f"{SAMPLE}:{line_of(SAMPLE_TEXT, '  id: /id')}:3"
    )
    assert where(marks, ("users", "nowhere", 3), SAMPLE).startswith(
        f"{SAMPLE}:{line_of(SAMPLE_TEXT, 'users:')}:"
    )


def test_an_unreadable_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(DescriptionError) as caught:
        load_description(tmp_path / "missing.yaml")
    assert "cannot be read" in str(caught.value)
    assert "TARGET_DESCRIPTION" in str(caught.value)


def test_yaml_syntax_error(tmp_path: Path) -> None:
    text = changed("  timeoutSeconds: 10\n", "  timeoutSeconds: 10: 20\n")
    problem = only_problem(tmp_path, text, line_of(text, "timeoutSeconds"))
    assert ":21: not valid YAML (mapping values are not allowed here)" in problem
    assert "check the indentation and quoting" in problem


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    problem = only_problem(tmp_path, text, 1)
    assert problem.endswith(":1:1: the file is empty; start from docs/targets.md")


def test_duplicate_key_is_reported_at_the_second_one(tmp_path: Path) -> None:
    text = changed("  maxConcurrency: 10\n", "  maxConcurrency: 10\n  timeoutSeconds: 5\n")
    problem = only_problem(tmp_path, text, line_of(text, "timeoutSeconds: 5"))
    assert "'timeoutSeconds' is written twice here; keep one of them" in problem


def test_a_key_that_is_not_a_word(tmp_path: Path) -> None:
    text = changed("  maxConcurrency: 10\n", "  maxConcurrency: 10\n  7: x\n")
    problem = only_problem(tmp_path, text, line_of(text, "  7: x"))
    assert "keys are words; quote 7 as a string" in problem


def test_unknown_key_suggests_the_close_one(tmp_path: Path) -> None:
    text = changed("  maxConcurrency: 10", "  maxConcurency: 10")
    problem = only_problem(tmp_path, text, line_of(text, "maxConcurency"))
    assert "connection.maxConcurency: unknown key 'maxConcurency'" in problem
    assert "did you mean 'maxConcurrency'?" in problem
    assert "the keys here are baseUrl, caBundle, headers, maxConcurrency" in problem


def test_unknown_key_in_a_kind_of_auth_lists_that_kinds_keys(tmp_path: Path) -> None:
    text = changed("  header: X-Api-Key", "  headr: X-Api-Key\n  header: X-Api-Key")
    problem = only_problem(tmp_path, text, line_of(text, "headr"))
    # Written as auth.headr (not pydantic's auth.apiKey.headr), with the apiKey keys.
    assert "auth.headr: unknown key 'headr'; did you mean 'header'?" in problem
    assert "the keys here are header, prefix, query, secret, type" in problem


def test_unknown_key_without_a_close_match_lists_the_keys(tmp_path: Path) -> None:
    text = changed("  maxConcurrency: 10", "  maxConcurrency: 10\n  zzz: 1")
    problem = only_problem(tmp_path, text, line_of(text, "zzz"))
    assert "did you mean" not in problem
    assert "unknown key 'zzz'; the keys here are" in problem


def test_missing_required_operation(tmp_path: Path) -> None:
    text = changed("  get:\n    path: /accounts/{id}\n    result: /data\n", "")
    problem = only_problem(tmp_path, text, line_of(text, "users:"))
    assert "users: 'get' is missing here; add it" in problem


def test_pointer_without_a_slash(tmp_path: Path) -> None:
    text = changed("    email: /email", "    email: email")
    problem = only_problem(tmp_path, text, line_of(text, "    email: email"))
    assert "users.attributes.email.pointer: a JSON Pointer starts with '/', got 'email'" in problem


def test_path_template_with_an_unknown_placeholder(tmp_path: Path) -> None:
    text = changed(
        "path: /accounts/{id}\n    result: /data\n  list",
        "path: /accounts/{ident}\n    result: /data\n  list",
    )
    problem = only_problem(tmp_path, text, line_of(text, "{ident}"))
    assert "get.path uses {ident}; the placeholders here are {id}" in problem


def test_operation_path_without_its_id(tmp_path: Path) -> None:
    text = changed("    path: /accounts/{id}\n    style", "    path: /people\n    style")
    problem = only_problem(tmp_path, text, line_of(text, "path: /people"))
    assert "update.path must contain {id}, e.g. /users/{id}" in problem


def test_anchor_that_is_not_an_attribute(tmp_path: Path) -> None:
    text = changed("  anchor: login", "  anchor: userName")
    problem = only_problem(tmp_path, text, line_of(text, "anchor: userName"))
    assert "the anchor 'userName' must be one of the attributes" in problem


def test_anchor_without_an_eq_find(tmp_path: Path) -> None:
    text = changed(
        '    - attribute: login\n      query: {username: "{value}"}\n',
        '    - attribute: login\n      op: sw\n      query: {username: "{value}"}\n',
    )
    problem = only_problem(tmp_path, text, line_of(text, "  find:"))
    assert "add a find with `attribute: login` (op eq)" in problem


def test_find_on_something_that_is_not_an_attribute(tmp_path: Path) -> None:
    text = changed("    - attribute: email\n", "    - attribute: mail\n")
    problem = only_problem(tmp_path, text, line_of(text, "attribute: mail"))
    assert "find on 'mail': not an attribute; use one of" in problem


def test_invalid_regex_in_an_error_rule(tmp_path: Path) -> None:
    text = changed("""match: '"code":\\s*"conflict"'""", "match: '(unclosed'")
    problem = only_problem(tmp_path, text, line_of(text, "(unclosed") - 1)
    assert "errors[1]: match is not a regular expression: missing )" in problem


def test_retryable_rule_with_match(tmp_path: Path) -> None:
    text = changed(
        "  - status: 422\n",
        "  - status: 503\n    match: busy\n    means: retryable\n  - status: 422\n",
    )
    problem = only_problem(tmp_path, text, line_of(text, "status: 503"))
    assert "errors[2]: retryable rules go by status or code only; remove `match`" in problem


@pytest.mark.parametrize(
    ("status", "means", "listed"),
    [
        ("[429, 503]", "retryable", "429"),
        ("401", "not-found", "401"),
        ("[400, 401, 429]", "rejected", "401 and 429"),
        ("429", "already-done", "429"),
    ],
)
def test_a_rule_cannot_take_401_or_429(
    tmp_path: Path, status: str, means: str, listed: str
) -> None:
    # The HTTP client answers 401 (credentials) and 429 (rate limit) before any rule is read:
    # such a rule, whatever it means, loaded and silently never applied.
    text = changed(
        "  - status: 422\n",
        f"  - {{means: {means},\n     status: {status}}}\n  - status: 422\n",
    )
    problem = only_problem(tmp_path, text, line_of(text, f"status: {status}"))
    assert f"errors[2].status: {listed} cannot be given a meaning" in problem
    assert "401 and 429 are always handled" in problem
    assert problem.endswith(f"remove {listed} from status")


@pytest.mark.parametrize(
    "auth",
    [
        "  header: X-Api-Key\n  query: key\n",  # both
        "",  # neither
    ],
)
def test_api_key_needs_exactly_one_place(tmp_path: Path, auth: str) -> None:
    text = changed("  header: X-Api-Key\n", auth)
    problem = only_problem(tmp_path, text, line_of(text, "auth:"))
    assert "say where the key goes: either `header: X-Api-Key` or `query: key`" in problem


def test_cursor_paging_without_next_cursor(tmp_path: Path) -> None:
    text = changed("      style: page", "      style: cursor")
    problem = only_problem(tmp_path, text, line_of(text, "paging:"))
    assert "cursor paging needs nextCursor: the pointer to the next cursor" in problem


def test_unknown_auth_type_lists_the_types(tmp_path: Path) -> None:
    text = changed("  type: apiKey", "  type: apikey")
    problem = only_problem(tmp_path, text, line_of(text, "type: apikey"))
    assert (
        "auth.type: must be one of 'none', 'basic', 'apiKey', 'bearer', 'oauth2', got 'apikey'"
        in problem
    )


def test_auth_without_a_type_says_to_write_one(tmp_path: Path) -> None:
    text = changed("  type: apiKey\n", "")
    problem = only_problem(tmp_path, text, line_of(text, "auth:"))
    assert "auth: 'type' is missing here" in problem
    assert "'none', 'basic', 'apiKey', 'bearer', 'oauth2'" in problem


def test_find_sw_on_an_integer_attribute(tmp_path: Path) -> None:
    text = changed(
        "    - attribute: employeeNumber\n      query",
        "    - attribute: employeeNumber\n      op: sw\n      query",
    )
    problem = only_problem(tmp_path, text, line_of(text, "op: sw"))
    assert (
        "find on 'employeeNumber' with op sw: sw and co only work on string attributes" in problem
    )


def test_secret_name_with_bad_characters(tmp_path: Path) -> None:
    text = changed("  secret: ledgerline-api-key", "  secret: ledgerline_api_key")
    problem = only_problem(tmp_path, text, line_of(text, "ledgerline_api_key"))
    assert "'ledgerline_api_key' is not a secret name: use letters, digits and '-'" in problem
    assert "e.g. hr-api-key" in problem


def test_a_value_of_the_wrong_type(tmp_path: Path) -> None:
    text = changed("  timeoutSeconds: 10", "  timeoutSeconds: soon")
    problem = only_problem(tmp_path, text, line_of(text, "soon"))
    assert "connection.timeoutSeconds:" in problem
    assert "got 'soon'" in problem


def test_a_value_not_among_the_choices(tmp_path: Path) -> None:
    text = changed("  resetUnit: delta-seconds", "  resetUnit: seconds")
    problem = only_problem(tmp_path, text, line_of(text, "resetUnit"))
    assert "must be one of 'epoch-seconds', 'epoch-milliseconds' or 'delta-seconds'" in problem
    assert "got 'seconds'" in problem


def test_several_problems_are_all_reported_each_at_its_line(tmp_path: Path) -> None:
    text = SAMPLE_TEXT
    text = changed("  maxConcurrency: 10", "  maxConcurency: 10", text)
    text = changed("  secret: ledgerline-api-key", "  secret: ledgerline_api_key", text)
    text = changed("    email: /email", "    email: email", text)
    text = changed("      style: page", "      style: cursor", text)
    path, problems = problems_of(tmp_path, text)
    expected = [
        (line_of(text, "maxConcurency"), "did you mean 'maxConcurrency'?"),
        (line_of(text, "ledgerline_api_key"), "is not a secret name"),
        (line_of(text, "    email: email"), "a JSON Pointer starts with '/'"),
        (line_of(text, "paging:"), "cursor paging needs nextCursor"),
    ]
    assert len(problems) == len(expected), problems
    for line, words in expected:
        assert any(p.startswith(f"{path}:{line}:") and words in p for p in problems), (
            line,
            words,
            problems,
        )
    # One message for the admin, every problem on its own line.
    with pytest.raises(DescriptionError) as caught:
        load_description(path)
    assert str(caught.value).count("\n  ") == len(expected)


@pytest.mark.parametrize("password", ["hunter22", "hunt/er22", "hunt?er22", "hunt%23er22"])
def test_a_base_url_with_a_password_in_it_is_refused_without_repeating_it(
    tmp_path: Path, password: str
) -> None:
    text = changed(f"  baseUrl: {BASE}", f"  baseUrl: https://svc:{password}@{BASE[8:]}")
    _, problems = problems_of(tmp_path, text)
    assert len(problems) == 1, problems
    assert "baseUrl must not carry a user name or password" in problems[0]
    assert "put credentials under auth:" in problems[0]
    assert password not in problems[0]
    assert "er22" not in problems[0]


@pytest.mark.parametrize("value", ['"entra-connecté"', '"a\\r\\nX-Evil: 1"', '"tab\\x7f"'])
def test_a_header_value_http_cannot_carry_is_refused_at_its_line(
    tmp_path: Path, value: str
) -> None:
    # Found only at the first call, it failed every request (a 500) or added a header line.
    text = changed(
        "  maxConcurrency: 10\n", f"  maxConcurrency: 10\n  headers: {{X-Client: {value}}}\n"
    )
    problem = only_problem(tmp_path, text, line_of(text, "X-Client"))
    assert "connection.headers.X-Client: " in problem
    assert "cannot be sent in an HTTP header: write printable ASCII only, on one line" in problem


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("  header: X-Api-Key\n", '  header: X-Api-Key\n  prefix: "Jeton\\u00a0"\n', "auth.prefix"),
        (
            "  type: apiKey\n  header: X-Api-Key\n",
            '  type: bearer\n  scheme: "Bearer\\n"\n',
            "auth.scheme",
        ),
    ],
)
def test_auth_text_written_in_a_header_is_checked_too(
    tmp_path: Path, old: str, new: str, where: str
) -> None:
    text = changed(old, new)
    line = line_of(text, "prefix" if where == "auth.prefix" else "scheme")
    problem = only_problem(tmp_path, text, line)
    assert f"{where}: " in problem
    assert "cannot be sent in an HTTP header" in problem


@pytest.mark.parametrize(("written", "shown"), [("200", "200"), ("true", "true"), ("1.5", "1.5")])
def test_a_number_or_boolean_where_text_is_sent_says_to_quote_it(
    tmp_path: Path, written: str, shown: str
) -> None:
    # `query: {limit: 200}` is what one writes first; the message said only "input should be
    # a valid string".
    old = "    path: /accounts\n    result: /data\n    paging:"
    text = changed(
        old, f"    path: /accounts\n    query: {{limit: {written}}}\n    result: /data\n    paging:"
    )
    problem = only_problem(tmp_path, text, line_of(text, "limit:"))
    assert problem.endswith(
        f'users.list.query.limit: must be text, got {shown} unquoted; write it in quotes: "{shown}"'
    )


@pytest.mark.parametrize(
    ("old", "new", "at", "words"),
    [
        (
            "  header: X-Api-Key\n",
            '  header: "X-Api-Key\\n"\n',
            "header:",
            "is not an HTTP header name",
        ),
        (
            "  limitHeader: X-RateLimit-Limit\n",
            '  limitHeader: "X-RateLimit-Limit\\n"\n',
            "limitHeader:",
            "is not an HTTP header name",
        ),
        (
            "  secret: ledgerline-api-key\n",
            '  secret: "ledgerline-api-key\\n"\n',
            "  secret:",
            "is not a secret name",
        ),
        ("    title: /title\n", '    "title\\n": /title\n', "title", "letters, digits and _ only"),
        # The URL is checked with the connection: the message is at `connection:`.
        (f"  baseUrl: {BASE}", f'  baseUrl: "{BASE}\\n"', "connection:", "must be an http(s) URL"),
        (f"  baseUrl: {BASE}", f'  baseUrl: "{BASE[:-3]} v2"', "connection:", "must be an http(s)"),
        # httpx refuses it: found at the first call instead, every request failed unexplained.
        (
            f"  baseUrl: {BASE}",
            "  baseUrl: https://ledger.test:44x/api/v2",
            "connection:",
            "baseUrl is not a URL the connector can call (Invalid port: '44x')",
        ),
        (
            f"  baseUrl: {BASE}",
            "  baseUrl: https://ledger.test:-1/api/v2",
            "connection:",
            "baseUrl is not a URL the connector can call (port -1 is not 1-65535)",
        ),
    ],
)
def test_a_name_or_url_with_a_line_break_after_it_is_refused(
    tmp_path: Path, old: str, new: str, at: str, words: str
) -> None:
    # `$` matches before a final "\n": `"X-Api-Key\n"` (a quoted "\n", or a `|` block) loaded,
    # and failed at the first call or named a secret nobody can set.
    text = changed(old, new)
    problem = only_problem(tmp_path, text, line_of(text, at))
    assert words in problem


@pytest.mark.parametrize(
    ("old", "new", "at", "words"),
    [
        (
            "    path: /accounts/{id}\n    result: /data\n  list:",
            '    path: "/accounts/{id}\\n"\n    result: /data\n  list:',
            '"/accounts/{id}',
            "users.get.path: the path '/accounts/{id}\\n' holds a line break",
        ),
        (
            "  type: apiKey\n  header: X-Api-Key\n  secret: ledgerline-api-key\n",
            '  type: oauth2\n  tokenUrl: "https://idp.example/token\\n"\n  clientId: c\n'
            "  clientSecret: ledgerline-api-key\n",
            "auth:",
            "auth: tokenUrl 'https://idp.example/token\\n' holds a line break",
        ),
    ],
)
def test_a_url_part_with_a_line_break_is_refused(
    tmp_path: Path, old: str, new: str, at: str, words: str
) -> None:
    # httpx refuses a URL with a control character: the description loaded, and every call
    # of that operation (or every token request) failed with httpx.InvalidURL.
    text = changed(old, new)
    problem = only_problem(tmp_path, text, line_of(text, at))
    assert words in problem
    assert "write it on one line" in problem


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "2024-01-01"])
def test_a_fixed_value_json_cannot_write_is_refused_at_load(tmp_path: Path, value: str) -> None:
    # YAML reads these as a float that is no number, or a date: no JSON body can carry one, so
    # every create would fail at the call.
    text = changed(
        "    envelope: /data\n    result: /data\n",
        f"    envelope: /data\n    result: /data\n    set: {{/source: {value}}}\n",
    )
    # Checked with the operation: the message is at `create:`.
    problem = only_problem(tmp_path, text, line_of(text, "  create:"))
    assert "set: /source" in problem
    assert "is not a JSON value" in problem
