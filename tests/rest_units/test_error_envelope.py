"""Applications that answer errors with 200 and an error envelope (`errorEnvelope`): each such
answer is read by the same rules as an error status, so it ends exactly as the equivalent 4xx
does (same failure, same message, same calls, same retries); a success envelope, or an answer
without the envelope's pointer, is still a success."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.targets.errors import (
    LoginConflictError,
    RejectedError,
    UnavailableError,
    UserNotFoundError,
)
from connector.targets.http import ApiError
from connector.targets.query import Everyone
from connector.targets.rest import RestUsers
from connector.targets.rest.answers import Answers, EnvelopeError
from connector.targets.rest.description import ErrorEnvelope, ErrorRule
from connector.targets.rest.loading import load_description
from connector.transport.budget import request_budget

from .helpers import (
    SAMPLE_TEXT,
    Answer,
    Edit,
    ScriptedApp,
    account,
    changed,
    ledgerline_error,
    line_of,
    only_problem,
    reply,
    rest_target,
)

PROFILE = {"login": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"}


@pytest.fixture(autouse=True)
def budget() -> Any:
    with request_budget(10.0):
        yield


# -- the two dialects of one application ----------------------------------------------------

ENVELOPE = {
    "pointer": "/success",
    "failure": False,
    "code": "/error/code",
    "message": ["/error/message", "/error/fields"],
}
# The sample's rules (by status and body) said again by code, plus a retryable one.
CODE_RULES = [
    {"code": "invalid_state", "match": "already", "means": "already-done"},
    {"code": "conflict", "means": "conflict"},
    {"code": "validation_failed", "means": "rejected"},
    {"code": "not_a_member", "means": "already-done"},
    {"code": "not_found", "means": "not-found"},
    {"code": ["busy", 1205], "means": "retryable"},
]


def by_status(data: dict[str, Any]) -> None:
    """The sample as it is, plus a retryable status to compare retries with."""
    data["errors"].append({"status": 423, "means": "retryable"})


def by_envelope(data: dict[str, Any]) -> None:
    data["errorEnvelope"] = dict(ENVELOPE)
    data["errors"] = list(CODE_RULES)


def enveloped(code: str | int, message: str, **extra: Any) -> Answer:
    """Ledgerline's error body, answered 200 inside a failure envelope."""
    return reply(200, {"success": False, "error": {"code": code, "message": message, **extra}})


def ok(data: Any) -> Answer:
    return reply(200, {"success": True, "data": data})


FIELDS = [{"field": "email", "message": "must be an email address"}]
STATUS_OF = {
    "bad_request": 400,
    "conflict": 409,
    "invalid_state": 409,
    "validation_failed": 422,
    "not_found": 404,
}


def dialects(code: str, message: str, **extra: Any) -> list[Any]:
    """The same error as an error status (with the sample's rules) and as a 200 envelope."""
    status = STATUS_OF[code]
    return [
        pytest.param(by_status, ledgerline_error(status, code, message, **extra), id=f"{status}"),
        pytest.param(by_envelope, enveloped(code, message, **extra), id="200-envelope"),
    ]


Run = Callable[[RestUsers], Awaitable[Any]]


async def outcome(tmp_path: Path, app: ScriptedApp, edit: Edit, run: Run) -> tuple[str, str]:
    """What the operation ended with: its failure's type and text, or the value it returned."""
    try:
        result = await run(rest_target(tmp_path, app, edit))
    except (LoginConflictError, RejectedError, UserNotFoundError, UnavailableError) as exc:
        return type(exc).__name__, str(exc)
    return "done", repr(result)


# -- create, update, delete, get, list: as their 4xx does ------------------------------------


@pytest.mark.parametrize(("edit", "answer"), dialects("conflict", "username 'ada' is taken"))
async def test_a_create_refused_as_taken_is_a_login_conflict(
    tmp_path: Path, edit: Edit, answer: Answer
) -> None:
    app = ScriptedApp().on("POST", "/accounts", answer)
    ended = await outcome(tmp_path, app, edit, lambda t: t.create(PROFILE, active=True))
    assert ended == ("LoginConflictError", "username 'ada' is taken")
    assert app.requests() == [("POST", "/accounts")]  # no record taken from the answer


@pytest.mark.parametrize(
    ("edit", "answer"), dialects("validation_failed", "1 field is invalid", fields=FIELDS)
)
async def test_a_refused_create_carries_the_applications_words(
    tmp_path: Path, edit: Edit, answer: Answer
) -> None:
    app = ScriptedApp().on("POST", "/accounts", answer)
    ended = await outcome(tmp_path, app, edit, lambda t: t.create(PROFILE, active=True))
    assert ended == (
        "RejectedError",
        "Ledgerline HR rejected the request: 1 field is invalid; email: must be an email address",
    )
    assert app.requests() == [("POST", "/accounts")]


@pytest.mark.parametrize(("edit", "answer"), dialects("not_found", "no account with id 1001"))
async def test_an_update_of_nobody_is_user_not_found(
    tmp_path: Path, edit: Edit, answer: Answer
) -> None:
    app = ScriptedApp().on("PATCH", "/accounts/1001", answer)
    ended = await outcome(tmp_path, app, edit, lambda t: t.update("1001", {"title": "x"}))
    assert ended[0] == "UserNotFoundError"
    assert app.requests() == [("PATCH", "/accounts/1001")]  # not read back as if it landed


@pytest.mark.parametrize(
    ("edit", "answer"), dialects("validation_failed", "1 field is invalid", fields=FIELDS)
)
async def test_a_refused_update_is_not_silently_lost(
    tmp_path: Path, edit: Edit, answer: Answer
) -> None:
    app = ScriptedApp().on("PATCH", "/accounts/1001", answer)
    ended = await outcome(tmp_path, app, edit, lambda t: t.update("1001", {"email": "x"}))
    assert ended == (
        "RejectedError",
        "Ledgerline HR rejected the request: 1 field is invalid; email: must be an email address",
    )


@pytest.mark.parametrize(("edit", "answer"), dialects("not_found", "no account with id 1001"))
async def test_a_get_of_nobody_finds_nobody(tmp_path: Path, edit: Edit, answer: Answer) -> None:
    app = ScriptedApp().on("GET", "/accounts/1001", answer)
    assert await outcome(tmp_path, app, edit, lambda t: t.get("1001")) == ("done", "None")


@pytest.mark.parametrize(("edit", "answer"), dialects("bad_request", "the id is reserved"))
async def test_a_get_refused_for_another_reason_is_not_nobody(
    tmp_path: Path, edit: Edit, answer: Answer
) -> None:
    # Read as "nobody", Entra would create the user again.
    app = ScriptedApp().on("GET", "/accounts/1001", answer)
    ended = await outcome(tmp_path, app, edit, lambda t: t.get("1001"))
    assert ended == ("RejectedError", "Ledgerline HR rejected the request: the id is reserved")


@pytest.mark.parametrize(
    ("edit", "answer"), dialects("validation_failed", "per_page must be at most 100")
)
async def test_a_refused_listing_is_refused_in_the_applications_words(
    tmp_path: Path, edit: Edit, answer: Answer
) -> None:
    async def everyone(target: RestUsers) -> list[Any]:
        return [u async for page in target.pages(Everyone()) for u in page]

    app = ScriptedApp().on("GET", "/accounts", answer)
    ended = await outcome(tmp_path, app, edit, everyone)
    assert ended == (
        "RejectedError",
        "Ledgerline HR rejected the request: per_page must be at most 100",
    )


@pytest.mark.parametrize(
    ("edit", "answer"), dialects("invalid_state", "account 1001 is already disabled")
)
async def test_a_delete_of_a_disabled_user_disables_as_already_done_then_deletes(
    tmp_path: Path, edit: Edit, answer: Answer
) -> None:
    app = ScriptedApp().on("POST", "/accounts/1001/disable", answer)
    app.on("DELETE", "/accounts/1001", reply(200, {"success": True}))
    assert await outcome(tmp_path, app, edit, lambda t: t.delete("1001")) == ("done", "None")
    assert app.requests() == [("POST", "/accounts/1001/disable"), ("DELETE", "/accounts/1001")]


@pytest.mark.parametrize(("edit", "answer"), dialects("not_found", "no account with id 1001"))
async def test_a_delete_of_nobody_is_user_not_found(
    tmp_path: Path, edit: Edit, answer: Answer
) -> None:
    app = ScriptedApp().on("POST", "/accounts/1001/disable", answer)
    ended = await outcome(tmp_path, app, edit, lambda t: t.delete("1001"))
    assert ended[0] == "UserNotFoundError"
    assert app.requests() == [("POST", "/accounts/1001/disable")]  # no DELETE sent


@pytest.mark.parametrize(
    ("edit", "answer"),
    [
        pytest.param(by_status, reply(423, {"error": {"message": "busy"}}), id="423"),
        pytest.param(by_envelope, enveloped("busy", "the directory is busy"), id="200-envelope"),
        pytest.param(by_envelope, enveloped(1205, "lock wait timeout"), id="200-numeric-code"),
    ],
)
async def test_a_retryable_answer_is_retried_and_a_write_is_looked_for_first(
    tmp_path: Path, edit: Edit, answer: Answer
) -> None:
    app = ScriptedApp().on("GET", "/accounts/1001", answer, ok(account(1001)))
    user = await rest_target(tmp_path, app, edit).get("1001")
    assert user is not None
    assert user.id == "1001"
    assert app.requests() == [("GET", "/accounts/1001")] * 2
    # A create is not sent again blindly: the anchor is looked up before the second POST.
    app = ScriptedApp().on("POST", "/accounts", answer, ok(account(1001)))
    app.on("GET", "/accounts", reply(200, {"data": [], "meta": {"total": 0}}))
    created = await rest_target(tmp_path, app, edit).create(PROFILE, active=True)
    assert created.id == "1001"
    assert app.requests() == [("POST", "/accounts"), ("GET", "/accounts"), ("POST", "/accounts")]


async def test_a_retryable_envelope_past_the_budget_is_a_503_in_the_applications_words(
    tmp_path: Path,
) -> None:
    app = ScriptedApp().on("GET", "/accounts/1001", enveloped("busy", "the directory is busy"))
    target = rest_target(tmp_path, app, by_envelope)  # loaded outside the request's budget
    # A try needs half a second left: the first is followed by others however slow the machine,
    # unless one try alone takes a second.
    with request_budget(1.5), pytest.raises(UnavailableError) as caught:
        await target.get("1001")
    assert caught.value.reason == "Ledgerline HR: the directory is busy"
    assert caught.value.retry_after >= 1
    assert len(app.calls) >= 2  # retried until the budget had no room for another try


async def test_a_code_rule_also_reads_an_error_status_carrying_that_code(tmp_path: Path) -> None:
    # The same envelope on a 400: the code says what it means, not the status's default.
    app = ScriptedApp().on(
        "POST",
        "/accounts",
        reply(
            400,
            {"success": False, "error": {"code": "conflict", "message": "username 'ada' is taken"}},
        ),
    )
    with pytest.raises(LoginConflictError, match="username 'ada' is taken"):
        await rest_target(tmp_path, app, by_envelope).create(PROFILE, active=True)


# -- successes stay successes ---------------------------------------------------------------


async def test_a_success_envelope_and_answers_without_the_marker_are_successes(
    tmp_path: Path,
) -> None:
    app = ScriptedApp()
    app.on("POST", "/accounts", ok(account(1001)))
    app.on("GET", "/accounts/1001", ok(account(1001)))
    app.on("PATCH", "/accounts/1001", reply(204))  # no body: read back
    app.on("POST", "/accounts/1001/disable", reply(200, {"data": account(1001, status="disabled")}))
    app.on("DELETE", "/accounts/1001", reply(200, {"success": True}))
    app.on("GET", "/accounts", reply(200, {"data": [account(1001)], "meta": {"total": 1}}))
    target = rest_target(tmp_path, app, by_envelope)
    created = await target.create(PROFILE, active=True)
    assert created.id == "1001"
    updated = await target.update("1001", {"title": "Countess"})
    assert updated.id == "1001"
    found = await target.find_by_anchor("ada@example.com")
    assert found is not None
    assert found.id == "1001"
    disabled = await target.set_active(created, False)
    assert disabled.active is False
    await target.delete("1001")
    assert app.requests() == [
        ("POST", "/accounts"),
        ("PATCH", "/accounts/1001"),
        ("GET", "/accounts/1001"),
        ("GET", "/accounts"),
        ("POST", "/accounts/1001/disable"),
        ("POST", "/accounts/1001/disable"),
        ("DELETE", "/accounts/1001"),
    ]


async def test_without_an_error_envelope_a_200_failure_is_taken_as_it_comes(
    tmp_path: Path,
) -> None:
    # What the description is for: without it, a 200 is a success (here an update answered
    # with no record, so read back), as the sandbox's default description reads Ledgerline.
    app = ScriptedApp().on("PATCH", "/accounts/1001", enveloped("conflict", "taken"))
    app.on("GET", "/accounts/1001", ok(account(1001)))
    user = await rest_target(tmp_path, app).update("1001", {"login": "x"})
    assert user.id == "1001"


async def test_doctor_names_an_envelope_failure(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts", enveloped("forbidden", "key lacks users:read"))
    with pytest.raises(UnavailableError) as caught:
        await rest_target(tmp_path, app, by_envelope).check()
    assert caught.value.reason == (
        "Ledgerline HR answered 200 with an error envelope to GET /accounts: key lacks "
        "users:read; check connection.baseUrl and users.list"
    )


# -- the envelope itself --------------------------------------------------------------------


def answers(envelope: dict[str, Any], *rules: dict[str, Any]) -> Answers:
    return Answers(
        [ErrorRule.model_validate(r) for r in rules],
        "Legacy",
        ErrorEnvelope.model_validate(envelope),
    )


def answered(body: Any = None, *, text: str | None = None, status: int = 200) -> httpx.Response:
    if text is not None:
        return httpx.Response(status, text=text)
    return httpx.Response(status) if body is None else httpx.Response(status, json=body)


@pytest.mark.parametrize(
    ("envelope", "body", "failed"),
    [
        ({"pointer": "/success", "failure": False}, {"success": False}, True),
        ({"pointer": "/success", "failure": False}, {"success": True}, False),
        ({"pointer": "/success", "failure": False}, {"success": 0}, False),  # not false
        ({"pointer": "/success", "failure": [False, "false"]}, {"success": "false"}, True),
        ({"pointer": "/status", "failure": "error"}, {"status": "ERROR"}, True),  # any case
        ({"pointer": "/status", "failure": "error"}, {"status": "ok"}, False),
        ({"pointer": "/returnCode", "success": 0}, {"returnCode": 0}, False),
        ({"pointer": "/returnCode", "success": 0}, {"returnCode": 1062}, True),
        ({"pointer": "/returnCode", "success": 0}, {"data": {"id": 1}}, False),  # no marker
        ({"pointer": "/success", "failure": False}, [{"success": False}], False),  # a list
        ({"pointer": "/meta/ok", "failure": False}, {"meta": {"ok": False}}, True),
    ],
)
def test_which_answers_are_failures(envelope: dict[str, Any], body: Any, failed: bool) -> None:
    error = answers(envelope).failed(answered(body))
    assert (error is not None) == failed
    if error is not None:
        assert isinstance(error, EnvelopeError)
        assert isinstance(error, ApiError)
        assert error.status == 200


@pytest.mark.parametrize("response", [answered(), answered(text="<html>ok</html>")])
def test_empty_and_non_json_answers_say_nothing(response: httpx.Response) -> None:
    assert answers({"pointer": "", "success": "ok"}).failed(response) is None


def test_codes_are_compared_as_text_and_status_rules_do_not_read_envelopes() -> None:
    rules = answers(
        {"pointer": "/status", "failure": "error", "code": "/errorCode"},
        {"code": 1062, "means": "conflict"},
        {"code": "USER_NOT_FOUND", "means": "not-found"},
        {"status": 400, "means": "already-done"},
    )

    def meaning(body: dict[str, Any]) -> Any:
        error = rules.failed(answered({"status": "error", **body}))
        assert error is not None
        return rules.meaning(error)

    assert meaning({"errorCode": 1062, "message": "Duplicate entry"}) == (
        "conflict",
        "Duplicate entry",
    )
    assert meaning({"errorCode": "1062"})[0] == "conflict"
    assert meaning({"errorCode": "USER_NOT_FOUND"})[0] == "not-found"
    assert meaning({"errorCode": "user_not_found"})[0] is None  # codes are exact
    assert meaning({"errorCode": 7, "message": "odd"}) == (None, "odd")  # unexplained


def test_the_envelopes_message_comes_before_the_usual_places() -> None:
    rules = answers(
        {"pointer": "/ok", "failure": False, "code": "/error", "message": ["/reason"]},
        {"code": "users_not_found", "means": "not-found", "message": ["/nothing"]},
    )
    body = {"ok": False, "error": "users_not_found", "message": "m", "reason": "no such user"}
    error = rules.failed(answered(body))
    assert error is not None
    assert rules.meaning(error) == ("not-found", "no such user")
    bare = rules.failed(answered({"ok": False, "error": "users_not_found"}))
    assert bare is not None
    assert rules.meaning(bare) == ("not-found", "users_not_found")  # Slack-style: the code
    assert re.search("users_not_found", bare.text)


# -- a description that cannot work is refused at load, at its line ------------------------


def with_envelope(envelope: str, text: str = SAMPLE_TEXT) -> str:
    return changed("\nerrors:\n", f"\nerrorEnvelope:\n{envelope}\nerrors:\n", text)


GOOD = "  pointer: /success\n  failure: false\n  code: /error/code"


def test_an_envelope_and_code_rules_load(tmp_path: Path) -> None:
    text = with_envelope(GOOD)
    text = changed("  - status: 422\n", "  - code: [validation_failed, 1062]\n", text)
    path = tmp_path / "description.yaml"
    path.write_text(text, encoding="utf-8")
    description, _ = load_description(path)
    assert description.error_envelope is not None
    assert description.error_envelope.values == [False]
    rule = description.errors[2]
    assert (rule.status, rule.codes) == (None, {"validation_failed", "1062"})


@pytest.mark.parametrize(
    ("envelope", "snippet", "says"),
    [
        (
            "  pointer: /success\n  code: /error/code",
            "errorEnvelope:",
            "errorEnvelope: say which values at the pointer mean failure (`failure: false`)",
        ),
        (
            "  pointer: /returnCode\n  failure: 1\n  success: 0",
            "errorEnvelope:",
            "give one of the two",
        ),
        ("  pointer: /success\n  failure: []", "failure: []", "failure needs at least one value"),
        (
            "  pointer: /success\n  failures: false",
            "failures:",
            "unknown key 'failures'; did you mean 'failure'?",
        ),
        (
            "  pointer: success\n  failure: false",
            "pointer: success",
            "errorEnvelope.pointer: a JSON Pointer starts with '/'",
        ),
        ("  failure: false", "errorEnvelope:", "'pointer' is missing here"),
    ],
)
def test_a_broken_envelope_is_refused_at_its_line(
    tmp_path: Path, envelope: str, snippet: str, says: str
) -> None:
    text = with_envelope(envelope)
    assert says in only_problem(tmp_path, text, line_of(text, snippet))


def test_a_code_rule_without_a_place_for_codes_is_refused_at_its_code(tmp_path: Path) -> None:
    text = changed("  - status: 422\n", "  - code: validation_failed\n")
    problem = only_problem(tmp_path, text, line_of(text, "code: validation_failed"))
    assert problem.endswith(
        "errors[2].code: errors[2] matches a code, but nothing says where the application's "
        "code is: add `errorEnvelope:` with `code:` (its pointer, e.g. /error/code)"
    )
    # An envelope without `code:` is no place either.
    text = with_envelope("  pointer: /success\n  failure: false", text)
    only_problem(tmp_path, text, line_of(text, "code: validation_failed"))


def test_a_rule_about_a_success_status_says_to_describe_the_envelope(tmp_path: Path) -> None:
    text = changed("  - status: 422\n", "  - status: 200\n")
    problem = only_problem(tmp_path, text, line_of(text, "status: 200"))
    assert "errors[2].status: error rules are about statuses 400 to 599; for a 200" in problem
    assert "describe it in errorEnvelope and match its code with `code:`" in problem


def test_a_rule_about_no_answer_at_all_is_refused(tmp_path: Path) -> None:
    text = changed("  - status: 422\n    means: rejected\n", "  - means: rejected\n")
    problem = only_problem(tmp_path, text, line_of(text, "  - means: rejected"))
    assert "errors[2]: say which answers this rule is about: `status:`" in problem


async def test_a_retryable_rule_with_a_status_and_a_code_retries_only_that_code(
    tmp_path: Path,
) -> None:
    # The HTTP client goes by status alone: given the status, it would retry every 423.
    def locked(data: dict[str, Any]) -> None:
        by_envelope(data)
        data["errors"].insert(0, {"status": 423, "code": "LOCKED", "means": "retryable"})

    app = ScriptedApp().on(
        "GET",
        "/accounts/1001",
        ledgerline_error(423, "LOCKED", "record locked"),
        ok(account(1001)),
    )
    user = await rest_target(tmp_path, app, locked).get("1001")
    assert user is not None
    assert len(app.calls) == 2
    app = ScriptedApp().on("GET", "/accounts/1001", ledgerline_error(423, "FROZEN", "frozen"))
    with pytest.raises(RejectedError, match="frozen"):
        await rest_target(tmp_path, app, locked).get("1001")
    assert len(app.calls) == 1
