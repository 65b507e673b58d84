"""A described application's calls in the request record: the description's path templates,
never the values filled into them (a login in a lookup path, an account id); and a call that
failed inside a 200 (`errorEnvelope`) recorded as failed, its HTTP status kept beside its code."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from endpoint.harness import new_user
from opentelemetry.trace import SpanKind, StatusCode
from rest_e2e.harness import SAMPLE, ledgerline_stack
from rest_e2e.test_error_envelope import LEGACY, enveloped
from rest_units.helpers import ScriptedApp, account, reply, rest_target

from connector import telemetry
from connector.targets.errors import TargetError
from connector.telemetry.console import ConsoleTree
from connector.telemetry.recorder import TargetCall
from connector.transport.budget import request_budget

from .conftest import Records, Telemetry
from .support import calls_of


def test_calls_are_recorded_by_their_description_templates(
    records: Records, tmp_path: Path
) -> None:
    description = yaml.safe_load((SAMPLE / "description.yaml").read_text())
    # A find by a lookup path puts the login itself into the path.
    description["users"]["find"][0] = {
        "attribute": "login",
        "path": "/accounts/by-username/{value}",
        "result": "/data",
    }
    changed = tmp_path / "description.yaml"
    changed.write_text(yaml.safe_dump(description, sort_keys=False))
    with ledgerline_stack(TARGET_DESCRIPTION=str(changed)) as rest, rest.client() as scim:
        created = scim.post("/Users", json=new_user("ada.lovelace@example.com")).json()
        scim.get(f"/Users/{created['id']}")
        scim.get("/Users", params={"filter": 'userName eq "ada.lovelace@example.com"'})
    create, read, lookup = records.fields()[-3:]
    assert [c["path"] for c in calls_of(create)] == ["/accounts"]
    assert [c["path"] for c in calls_of(read)] == ["/accounts/{id}"]
    assert [c["path"] for c in calls_of(lookup)] == ["/accounts/by-username/{value}"]
    text = repr(records.fields())
    assert "ada.lovelace" not in text
    assert f"/accounts/{created['id']}" not in text


# -- a failure inside a 200 (the description's errorEnvelope) ---------------------------------


def _refused_create(tmp_path: Path) -> None:
    """Ledgerline in its legacy style refuses a taken username with 200 and `"success": false`."""
    with (
        ledgerline_stack(LEGACY, TARGET_DESCRIPTION=str(enveloped(tmp_path))) as rest,
        rest.client() as scim,
    ):
        assert scim.post("/Users", json=new_user("kim@example.com")).status_code == 201
        assert scim.post("/Users", json=new_user("kim@example.com")).status_code == 409


def test_an_envelope_error_is_a_failed_call_in_the_request_record(
    records: Records, tmp_path: Path
) -> None:
    _refused_create(tmp_path)
    created, refused = records.fields()[-2:]
    assert [(c["status"], c.get("error")) for c in calls_of(created)] == [(201, None)]
    # The HTTP status stays visible; the call's error is the application's code.
    assert [(c["status"], c["error"]) for c in calls_of(refused)] == [(200, "conflict")]
    assert (created["target_statuses"], refused["target_statuses"]) == ("201", "200:conflict")
    assert refused["scim_status"] == 409


def test_an_envelope_error_is_a_failed_dependency_and_counts_as_a_failed_call(
    otel: Telemetry, tmp_path: Path
) -> None:
    _refused_create(tmp_path)
    spans = otel.finished()
    posts = [s for s in spans if s.kind is SpanKind.CLIENT and s.name == "POST /accounts"]
    assert len(posts) == 2
    created, refused = sorted(posts, key=lambda s: s.start_time or 0)
    assert created.status.status_code is StatusCode.UNSET
    assert created.attributes is not None
    assert "error.type" not in created.attributes
    # What Azure Monitor makes a failed dependency of (success = the span's status), with
    # resultCode 200 from the status attribute and the code beside it.
    assert refused.status.status_code is StatusCode.ERROR
    assert refused.status.description == "HTTP 200 with an error envelope: conflict"
    assert refused.attributes is not None
    assert refused.attributes["http.response.status_code"] == 200
    assert refused.attributes["error.type"] == "conflict"
    outcomes = {
        (a["method"], a["status"], a["outcome"]): v
        for a, v in otel.points("scim.target.calls")
        if a["path"] == "/accounts"
    }
    assert outcomes == {("POST", "201", "success"): 1.0, ("POST", "200", "failure"): 1.0}
    # TELEMETRY_CONSOLE's tree shows both.
    out = io.StringIO()
    ConsoleTree(out).export(spans)
    lines = [line.strip() for line in out.getvalue().splitlines()]
    assert any(line.startswith("POST /accounts 201 in ") for line in lines), lines
    assert any(line.startswith("POST /accounts 200 conflict in ") for line in lines), lines


def _enveloped(code: str | None, rules: list[dict[str, Any]] | None = None) -> Any:
    def edit(data: dict[str, Any]) -> None:
        data["errorEnvelope"] = {"pointer": "/success", "failure": False}
        if code is not None:
            data["errorEnvelope"]["code"] = code
        data["errors"] = rules or []

    return edit


async def _recorded(tmp_path: Path, app: ScriptedApp, edit: Any) -> list[TargetCall]:
    """The calls one read of user 1001 records (its failure, if any, swallowed)."""
    target = rest_target(tmp_path, app, edit)
    with (
        telemetry.recording("users.get") as record,
        request_budget(10.0),
        contextlib.suppress(TargetError),
    ):
        await target.get("1001")
    return record.calls


@pytest.mark.parametrize(
    ("body", "code", "label"),
    [
        ({"success": False, "error": {"code": "E_LOCKED"}}, "/error/code", "E_LOCKED"),
        ({"success": False, "error": {"code": 1062}}, "/error/code", "1062"),
        # A code that is not a short identifier may be a message naming someone: not recorded.
        (
            {"success": False, "error": {"code": "no user ada@example.com"}},
            "/error/code",
            "errorEnvelope",
        ),
        ({"success": False, "error": {"code": "x" * 65}}, "/error/code", "errorEnvelope"),
        # No code described: the envelope alone.
        ({"success": False}, None, "errorEnvelope"),
    ],
)
async def test_an_envelope_error_is_recorded_by_its_code_when_that_is_safe(
    tmp_path: Path, body: dict[str, Any], code: str | None, label: str
) -> None:
    app = ScriptedApp().on("GET", "/accounts/1001", reply(200, body))
    [call] = await _recorded(tmp_path, app, _enveloped(code))
    assert (call.status, call.error, call.failed) == (200, label, True)
    assert call.summary()["error"] == label
    assert "ada@example.com" not in repr(call.summary())


async def test_a_success_envelope_and_an_error_status_are_recorded_as_before(
    tmp_path: Path,
) -> None:
    app = ScriptedApp().on(
        "GET",
        "/accounts/1001",
        reply(200, {"success": True, "data": account(1001)}),
    )
    [ok] = await _recorded(tmp_path, app, _enveloped("/error/code"))
    assert (ok.status, ok.error, ok.failed) == (200, None, False)
    app = ScriptedApp().on("GET", "/accounts/1001", reply(422, {"error": {"code": "x"}}))
    [refused] = await _recorded(tmp_path, app, _enveloped("/error/code"))
    assert (refused.status, refused.error, refused.failed) == (422, None, True)


async def test_an_envelope_error_retried_by_its_code_records_each_try(tmp_path: Path) -> None:
    busy = reply(200, {"success": False, "error": {"code": "BUSY"}})
    done = reply(200, {"success": True, "data": account(1001)})
    app = ScriptedApp().on("GET", "/accounts/1001", busy, done)
    rules = [{"code": "BUSY", "means": "retryable"}]
    calls = await _recorded(tmp_path, app, _enveloped("/error/code", rules))
    assert [(c.status, c.error, c.retry) for c in calls] == [
        (200, "BUSY", False),
        (200, None, True),
    ]
