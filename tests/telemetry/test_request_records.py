"""One structured record per SCIM request, asserted on real requests through the local server
(`python -m connector serve`'s host) against the Okta simulator."""

from __future__ import annotations

import logging

import azure.functions as func
import httpx
import pytest
from endpoint.harness import BEARER, Stack, new_user, patch, stack

from connector import telemetry
from connector.http import request_record
from connector.http.request_record import operation_name
from connector.telemetry.recorder import RequestRecord, TargetCall
from oktasim import SimulatorOptions

from .conftest import Records
from .support import calls_of, seed_user, statuses

FIELDS = {
    "event",
    "operation",
    "http_method",
    "scim_status",
    "scim_type",
    "duration_ms",
    "target_calls",
    "target_statuses",
    "target_call_list",
    "target_429s",
    "retries",
    "wait_seconds",
    "budget_exhausted",
    "reason",
    "resource_id",
    "client_request_id",
    "client_request_id_header",
}


def test_a_lifecycle_leaves_one_record_per_request(okta_stack: Stack, records: Records) -> None:
    with okta_stack.client() as scim:
        created = scim.post("/Users", json=new_user("life@example.com"))
        user_id = created.json()["id"]
        found = scim.get("/Users", params={"filter": 'userName eq "life@example.com"'})
        disabled = scim.patch(
            f"/Users/{user_id}", json=patch({"op": "replace", "path": "active", "value": False})
        )
        deleted = scim.delete(f"/Users/{user_id}")
    assert [r.status_code for r in (created, found, disabled, deleted)] == [201, 200, 200, 204]
    fields = records.fields()
    assert [f["operation"] for f in fields] == [
        "users.create",
        "users.list",
        "users.patch",
        "users.delete",
    ]
    for entry in fields:
        assert set(entry) >= FIELDS
        assert entry["event"] == "scim.request"
        assert isinstance(entry["duration_ms"], float)
        assert entry["reason"] == ""
        assert entry["retries"] == 0
        assert entry["target_calls"] == len(calls_of(entry))
    create, listing, disable, delete = fields
    assert (create["scim_status"], create["resource_id"]) == (201, user_id)
    assert calls_of(create) == [
        {"method": "POST", "path": "/api/v1/users", "status": 200, "ms": calls_of(create)[0]["ms"]}
    ]
    # userName eq is a consistent read of /api/v1/users/{login}: the login is not in the record.
    assert [(c["method"], c["path"]) for c in calls_of(listing)] == [("GET", "/api/v1/users/{}")]
    assert listing["resource_id"] == ""
    assert [(c["method"], c["path"], c["status"]) for c in calls_of(disable)] == [
        ("GET", "/api/v1/users/{}", 200),
        ("POST", "/api/v1/users/{}/lifecycle/deactivate", 200),
    ]
    assert disable["resource_id"] == user_id
    assert delete["scim_status"] == 204
    assert delete["target_statuses"] == ",".join(str(c["status"]) for c in calls_of(delete))
    # The record's calls are the calls the simulator saw, in order.
    seen = [c["status"] for f in fields for c in calls_of(f)]
    assert seen == statuses(okta_stack)


def test_a_4xx_names_its_reason_and_scim_type(okta_stack: Stack, records: Records) -> None:
    with okta_stack.client() as scim:
        assert scim.post("/Users", json=new_user("dup@example.com")).status_code == 201
        assert scim.post("/Users", json=new_user("dup@example.com")).status_code == 409
        missing = scim.get("/Users/00unoSuchUser0000000")
        bad_filter = scim.get("/Users", params={"filter": 'userName co "dup" or'})
    conflict, not_found, invalid = records.fields()[1:]
    assert conflict["scim_status"] == 409
    assert conflict["scim_type"] == "uniqueness"
    assert "already exists" in conflict["reason"]
    assert "dup@example.com" not in conflict["reason"]
    assert [c["status"] for c in calls_of(conflict)] == [400]  # Okta's own refusal
    assert missing.status_code == 404
    assert not_found["operation"] == "users.get"
    assert not_found["reason"] == "User not found"
    assert not_found["resource_id"] == "00unoSuchUser0000000"
    assert [c["status"] for c in calls_of(not_found)] == [404]
    assert bad_filter.status_code == 400
    assert (invalid["scim_type"], invalid["target_calls"]) == ("invalidFilter", 0)
    assert invalid["reason"]


def test_a_refused_token_is_a_401_record_without_the_token(
    okta_stack: Stack, records: Records
) -> None:
    presented = "presented-but-wrong-token-0123456789"
    with okta_stack.client(token=presented) as scim:
        assert scim.get("/Users").status_code == 401
    record = records.last()
    assert (record["operation"], record["scim_status"]) == ("users.list", 401)
    assert record["reason"].startswith("Unauthorized")
    assert presented not in str(records.fields()) + records.records[-1].getMessage()
    assert record["target_calls"] == 0


def test_retries_are_counted_and_each_attempt_is_a_call(records: Records) -> None:
    # Seed 0 fails the first two faultable calls (500, then 502) and answers the third.
    options = SimulatorOptions(
        token="okta-token-for-tests", concurrency_limit=0, error_rate=0.5, seed=0
    )
    with stack(options) as running:
        user_id = seed_user(running)
        before = len(running.calls())
        with running.client() as scim:
            answer = scim.get(f"/Users/{user_id}")
        seen = statuses(running, before)
    assert answer.status_code == 200
    record = records.last()
    calls = calls_of(record)
    assert [c["status"] for c in calls] == seen
    assert seen[-1] == 200
    assert len(seen) >= 2, "the seed no longer fails the first attempt"
    assert all(s >= 500 for s in seen[:-1])
    assert record["retries"] == len(seen) - 1
    assert [c.get("retry", False) for c in calls] == [False] + [True] * (len(seen) - 1)
    assert record["wait_seconds"] > 0  # backoff between attempts
    assert record["budget_exhausted"] == 0
    assert record["target_statuses"] == ",".join(map(str, seen))


def test_retries_then_a_4xx(records: Records) -> None:
    # Seed 1: the first faultable call fails (503), the retry reaches Okta, which has no user.
    options = SimulatorOptions(
        token="okta-token-for-tests", concurrency_limit=0, error_rate=0.5, seed=1
    )
    with stack(options) as running, running.client() as scim:
        assert scim.get("/Users/00unoSuchUser0000000").status_code == 404
        seen = statuses(running)
    record = records.last()
    assert seen[-1] == 404
    assert len(seen) >= 2
    assert [c["status"] for c in calls_of(record)] == seen
    assert record["retries"] == len(seen) - 1
    assert (record["scim_status"], record["reason"]) == (404, "User not found")


def test_a_target_that_keeps_failing_exhausts_the_budget(records: Records) -> None:
    options = SimulatorOptions(
        token="okta-token-for-tests", concurrency_limit=0, error_rate=1.0, seed=3
    )
    with stack(options, REQUEST_BUDGET_SECONDS="1") as running, running.client() as scim:
        answer = scim.get("/Users/00uSomeUser000000000")
        seen = statuses(running)
    assert answer.status_code == 503
    record = records.last()
    assert record["budget_exhausted"] == 503
    assert [c["status"] for c in calls_of(record)] == seen
    assert record["retries"] == len(seen) - 1
    assert "Okta answered" in record["reason"]
    assert records.records[-1].levelname == "WARNING"


def test_a_429_from_okta_is_counted_and_answered_429(records: Records) -> None:
    options = SimulatorOptions(
        token="okta-token-for-tests", concurrency_limit=0, rate_limit_per_minute=1
    )
    with stack(options) as running:
        user_id = seed_user(running)
        # Spend the user-read bucket's one call behind the connector's back.
        spent = httpx.get(
            f"{running.okta_url}/api/v1/users/{user_id}",
            headers={"Authorization": "SSWS okta-token-for-tests"},
        )
        assert spent.status_code == 200
        with running.client() as scim:
            answer = scim.get(f"/Users/{user_id}")
    assert answer.status_code == 429
    record = records.last()
    assert record["target_429s"] == 1
    assert [c["status"] for c in calls_of(record)] == [429]
    # The reset is a minute away, past the request's budget: no wait, a 429 with Retry-After.
    assert record["budget_exhausted"] == 429
    assert record["scim_status"] == 429


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"client-request-id": "0f8fad5b-d9cb-469f-a165-70867728950e"}, "client-request-id"),
        ({"x-ms-client-request-id": "abc-123"}, "x-ms-client-request-id"),
        ({"request-id": "r-1"}, "request-id"),
    ],
)
def test_the_callers_request_id_is_recorded(
    okta_stack: Stack, records: Records, headers: dict[str, str], expected: str
) -> None:
    with okta_stack.client() as scim:
        scim.get("/ServiceProviderConfig", headers=headers)
    record = records.last()
    assert record["operation"] == "discovery.service_provider_config"
    assert record["client_request_id"] == next(iter(headers.values()))
    assert record["client_request_id_header"] == expected


def test_a_request_id_that_is_not_an_id_is_not_logged(okta_stack: Stack, records: Records) -> None:
    with okta_stack.client() as scim:
        scim.get("/Schemas", headers={"client-request-id": "a b; INFO forged record"})
    record = records.last()
    assert (record["client_request_id"], record["client_request_id_header"]) == (
        "",
        "client-request-id",
    )


def test_operation_names() -> None:
    assert operation_name("users", "GET") == "users.list"
    assert operation_name("users", "post") == "users.create"
    assert operation_name("user", "PUT") == "users.put"
    assert operation_name("groups_search", "POST") == "groups.search"
    assert operation_name("search_all", "POST") == "search.all"
    assert operation_name("search", "POST") == "users.search"
    assert operation_name("group", "PATCH") == "groups.patch"
    assert operation_name("schemas", "GET") == "discovery.schemas"
    assert operation_name("user", "HEAD") == "users.unsupported"
    assert operation_name("unknown", "GET") == "unknown"


def test_the_record_message_is_one_readable_line(okta_stack: Stack, records: Records) -> None:
    with okta_stack.client(token=BEARER) as scim:
        scim.get("/Users/00unoSuchUser0000000")
    message = records.records[-1].getMessage()
    assert message.startswith("users.get -> 404 in ")
    assert message.endswith("(1 target call, 0 retries): User not found")
    assert "\n" not in message


@pytest.mark.parametrize(("status", "logged"), [(200, []), (404, []), (503, ["WARNING"])])
def test_under_log_level_warning_only_5xx_records_are_logged(
    records: Records, status: int, logged: list[str]
) -> None:
    logging.getLogger("connector.requests").setLevel(logging.WARNING)
    record = RequestRecord("users.get")
    record.finish(status, scim_type=None, reason=None, resource_id=None)
    request = func.HttpRequest("GET", "http://localhost/api/scim/v2/Users/1", body=b"")
    request_record.emit(record, request)
    assert [r.levelname for r in records.records] == logged
    if logged:
        assert records.last()["scim_status"] == status


@pytest.mark.parametrize(
    "asked",
    ["pat.doe@example.com", "pat.doe%40example.com", "PAT.DOE%40EXAMPLE.COM"],
)
def test_an_id_that_is_a_login_stays_out_of_the_record(
    okta_stack: Stack, records: Records, asked: str
) -> None:
    # A REST application keyed by email, or an id from the ECMA2Host era: the record holds no
    # login, so such an id is left out rather than recorded.
    with okta_stack.client() as scim:
        assert scim.get(f"/Users/{asked}").status_code == 404
    record = records.last()
    assert (record["operation"], record["resource_id"]) == ("users.get", "")
    assert "pat.doe" not in str(records.fields()).lower()


@pytest.mark.parametrize("status", [404, 201])
def test_an_id_ending_in_a_line_break_stays_out_of_the_record(status: int) -> None:
    # The Functions host decodes route parameters (`/Users/00u1%0A` is "00u1\n"), and a
    # `$`-anchored match takes a final line break: the id would reach the record with it.
    route = {} if status == 201 else {"id": "00uabc\n"}
    req = func.HttpRequest("GET", "http://x/api/scim/v2/Users", body=b"", route_params=route)
    body = b'{"id": "00uabc\\n"}' if status == 201 else b""
    response = func.HttpResponse(body, status_code=status)
    record = RequestRecord("users.get")
    request_record.finish(record, req, response, None)
    assert record.resource_id is None
    clean = func.HttpRequest("GET", "http://x", body=b"", route_params={"id": "00uabc"})
    request_record.finish(record, clean, func.HttpResponse(status_code=404), None)
    assert record.resource_id == "00uabc"


@pytest.mark.parametrize(
    ("location", "recorded"),
    [
        # The Location the create route writes: the id is read from it, not from the body.
        ("http://x/api/scim/v2/Users/00ufromLocation", "00ufromLocation"),
        ("http://x/api/scim/v2/Groups/00gfromLocation", "00gfromLocation"),
        # An id holding a slash is the whole rest, which the record then refuses.
        ("http://x/api/scim/v2/Users/a/b", None),
        # No Location under this Tenant URL, or none at all: the body says.
        ("https://elsewhere/api/scim/v2/Users/00uother", "00ufromBody"),
        (None, "00ufromBody"),
    ],
)
def test_a_create_is_recorded_under_the_id_of_its_location(
    location: str | None, recorded: str | None
) -> None:
    req = func.HttpRequest("POST", "http://x/api/scim/v2/Users", body=b"{}")
    headers = {"Location": location} if location is not None else {}
    response = func.HttpResponse(b'{"id": "00ufromBody"}', status_code=201, headers=headers)
    record = RequestRecord("users.create")
    request_record.finish(record, req, response, None)
    assert record.resource_id == recorded


class _Observer:
    def __init__(self, fail_at_start: bool = False) -> None:
        self.fail_at_start = fail_at_start
        self.seen: list[str] = []

    def started(self, record: RequestRecord) -> None:
        self.seen.append("started")
        if self.fail_at_start:
            raise RuntimeError("the exporter is down")

    def called(self, record: RequestRecord, call: TargetCall) -> None:
        self.seen.append("called")

    def retried(self, record: RequestRecord, reason: str) -> None:
        self.seen.append("retried")

    def waited(self, record: RequestRecord, seconds: float, kind: str) -> None:
        self.seen.append("waited")

    def exhausted(self, record: RequestRecord, status: int) -> None:
        self.seen.append("exhausted")

    def finished(self, record: RequestRecord) -> None:
        self.seen.append(f"finished {record.duration_ms is not None}")


def _failing_request(observer: _Observer, records: list[RequestRecord]) -> None:
    with telemetry.recording("users.get", observer) as record:
        records.append(record)
        assert telemetry.current() is record
        telemetry.target_call("Okta", "GET", "/api/v1/users/{}", 200, started_ns=0, duration_s=0)
        raise ValueError("a handler failed")


def test_a_recording_is_current_inside_its_block_only() -> None:
    observer, records = _Observer(), list[RequestRecord]()
    with pytest.raises(ValueError, match="handler"):
        _failing_request(observer, records)
    (record,) = records
    assert telemetry.current() is None
    assert observer.seen == ["started", "called", "finished True"]
    assert [c.status for c in record.calls] == [200]


def test_an_observer_failing_at_the_start_leaves_no_recording_behind() -> None:
    observer = _Observer(fail_at_start=True)
    with pytest.raises(RuntimeError), telemetry.recording("users.get", observer):
        pass
    assert telemetry.current() is None
    assert observer.seen == ["started"]
