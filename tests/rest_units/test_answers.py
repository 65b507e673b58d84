"""What an application's error answers mean: the description's rules in order, then the
defaults; the application's own message, found by pointer, cut to size and never carrying a
secret."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from connector import redact
from connector.targets import http as http_module
from connector.targets.errors import UnavailableError
from connector.targets.http import ApiError
from connector.targets.rest.answers import Answers
from connector.targets.rest.description import ErrorRule


def error(status: int, body: Any = None, *, text: str | None = None) -> ApiError:
    raw = text if text is not None else ("" if body is None else json.dumps(body))
    return ApiError(status, "Reason", httpx.Headers(), raw.encode())


def answers(*rules: dict[str, Any]) -> Answers:
    return Answers([ErrorRule.model_validate(r) for r in rules], "Ledgerline HR")


LEDGERLINE = answers(
    {"status": 409, "match": r'"code":\s*"invalid_state".*already', "means": "already-done"},
    {
        "status": 409,
        "match": r'"code":\s*"conflict"',
        "means": "conflict",
        "message": ["/error/message"],
    },
    {"status": 422, "means": "rejected", "message": ["/error/message", "/error/fields"]},
)


def ledgerline(status: int, code: str, message: str, **extra: Any) -> ApiError:
    return error(status, {"error": {"code": code, "message": message, **extra}})


def test_rules_are_tried_in_order_the_first_match_wins() -> None:
    done = ledgerline(409, "invalid_state", "account 1001 is already disabled")
    taken = ledgerline(409, "conflict", "username 'ada' is already taken")
    assert LEDGERLINE.meaning(done)[0] == "already-done"
    assert LEDGERLINE.meaning(taken) == ("conflict", "username 'ada' is already taken")
    # A 409 no rule matches falls to the default.
    other = ledgerline(409, "invalid_state", "disable account 1001 before deleting it")
    assert LEDGERLINE.meaning(other) == ("conflict", "disable account 1001 before deleting it")


def test_an_error_body_is_decoded_once_however_often_it_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decoded: list[str] = []

    def counted(data: bytes | str) -> Any:
        decoded.append(str(data))
        return json.loads(data)

    monkeypatch.setattr(http_module, "loads", counted)
    taken = ledgerline(409, "conflict", "username 'ada' is already taken")
    assert LEDGERLINE.meaning(taken) == ("conflict", "username 'ada' is already taken")
    assert LEDGERLINE.meaning(taken)[0] == "conflict"
    assert LEDGERLINE.refused(taken) is None
    assert len(decoded) == 1
    not_json = error(502, text="<html>bad gateway</html>")
    assert not_json.json() is None
    assert not_json.json() is None
    assert len(decoded) == 2


def test_an_error_body_nested_past_json_s_reach_is_no_json() -> None:
    # json raises RecursionError on it (orjson stops at 1,024 levels): no envelope, no code.
    nested = error(409, text="[" * 4000 + "]" * 4000)
    assert nested.json() is None
    assert nested.json() is None
    assert LEDGERLINE.code(nested) is None
    # Read by its status alone, as a body that is not JSON at all is.
    assert LEDGERLINE.meaning(nested)[0] == LEDGERLINE.meaning(error(409, text="<html>"))[0]
    assert LEDGERLINE.refused(error(403, text="[" * 4000 + "]" * 4000)) is not None


def test_a_rule_goes_before_the_defaults() -> None:
    rules = answers({"status": 404, "match": "no such route", "means": "rejected"})
    assert rules.meaning(error(404, text="no such route"))[0] == "rejected"
    assert rules.meaning(error(404, text="no account 7"))[0] == "not-found"


def test_a_rule_covers_each_status_of_its_list() -> None:
    rules = answers({"status": [400, 422], "means": "rejected"})
    assert rules.meaning(error(400))[0] == "rejected"
    assert rules.meaning(error(422))[0] == "rejected"
    assert rules.meaning(error(418))[0] is None


def test_match_is_searched_anywhere_in_the_body() -> None:
    rules = answers({"status": 400, "match": "already (enabled|active)", "means": "already-done"})
    assert rules.meaning(error(400, text='{"detail": "user is already active!"}'))[0] == (
        "already-done"
    )
    assert rules.meaning(error(400, text='{"detail": "user is inactive"}'))[0] is None


@pytest.mark.parametrize(
    ("status", "meaning"), [(404, "not-found"), (410, "not-found"), (409, "conflict"), (400, None)]
)
def test_defaults(status: int, meaning: str | None) -> None:
    assert answers().meaning(error(status))[0] == meaning


def test_message_pointers_strings_lists_and_objects() -> None:
    fields = [
        {"field": "email", "message": "must be an email address"},
        {"field": "last_name", "message": "is required"},
    ]
    answer = ledgerline(422, "validation_failed", "2 fields are invalid", fields=fields)
    assert LEDGERLINE.meaning(answer) == (
        "rejected",
        "2 fields are invalid; email: must be an email address; last_name: is required",
    )


def test_message_pointers_that_find_nothing_fall_back_to_the_usual_places() -> None:
    rules = answers({"status": 422, "means": "rejected", "message": ["/errors"]})
    assert rules.meaning(error(422, {"message": "bad value"})) == ("rejected", "bad value")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"error": {"message": "nested"}, "message": "top"}, "nested"),
        ({"message": "top", "detail": "detail"}, "top"),
        ({"error": "invalid_request", "error_description": "scope"}, "scope"),
        ({"detail": "RFC 9457 detail", "title": "Bad"}, "RFC 9457 detail"),
        ({"error": "plain"}, "plain"),
        ({"error": {"code": "x"}}, "x"),
    ],
)
def test_the_usual_places_of_a_message(body: Any, message: str) -> None:
    assert answers().meaning(error(400, body))[1] == message


def test_a_body_that_is_not_json_or_empty() -> None:
    assert answers().meaning(error(400, text="  <html>Bad Request</html>\n"))[1] == (
        "<html>Bad Request</html>"
    )
    assert answers().meaning(error(418, text=""))[1] == "HTTP 418"
    assert answers().meaning(error(400, {}))[1] == "{}"


def test_messages_are_cut_to_size() -> None:
    message = answers().meaning(error(400, {"message": "x" * 5000}))[1]
    assert message == "x" * 500


def test_a_registered_secret_never_appears_in_a_message() -> None:
    secret = "sk-registered-secret-0123456789"
    redact.register_secret(secret)
    whole = answers().meaning(error(400, {"message": f"bad key {secret}"}))[1]
    assert whole == "bad key ***"
    # Nor a piece of it where the message is cut.
    for cut in range(480, 500):
        message = answers().meaning(error(400, {"message": "x" * cut + secret}))[1]
        assert secret[:8] not in message, cut
        assert len(message) <= 500


def test_credentials_by_their_shape_are_masked() -> None:
    body = {"message": "refused Authorization: Bearer abc.def.ghi for user"}
    assert "abc.def.ghi" not in answers().meaning(error(401, body))[1]


def test_a_403_the_description_does_not_explain_is_a_refusal_with_the_fix() -> None:
    refused = LEDGERLINE.refused(ledgerline(403, "forbidden", "missing scope users:write"))
    assert isinstance(refused, UnavailableError)
    assert refused.reason == (
        "Ledgerline HR refused the connector (HTTP 403: missing scope users:write); grant the "
        "account the connector signs in with the rights to manage users"
    )
    assert refused.retry_after == 300
    assert LEDGERLINE.refused(error(400)) is None
    assert LEDGERLINE.refused(error(404)) is None


def test_a_403_a_rule_explains_is_not_a_refusal() -> None:
    rules = answers({"status": 403, "match": "protected account", "means": "rejected"})
    assert rules.refused(error(403, {"message": "protected account"})) is None
    assert rules.refused(error(403, {"message": "no rights"})) is not None
