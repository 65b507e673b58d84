"""The legacy answer style (`SandboxOptions.errors_with_200`): off by default, so the
sandbox answers the documented statuses; on, the API's own refusals are 200 with
`"success": false` beside the usual error, JSON successes say `"success": true`, and what is
answered in front of the API (the key's 401, the rate limit's 429, the faults) keeps its status.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from legacyapp_harness import NO_FAULTS, serving

from legacyapp import SandboxOptions
from legacyapp.__main__ import _parser, options_from
from legacyapp.api import Response
from legacyapp.sandbox import _with_200_errors

ALICE = {
    "data": {
        "username": "alice@example.com",
        "first_name": "A",
        "last_name": "L",
        "email": "alice@example.com",
    }
}


def test_off_by_default_the_documented_statuses() -> None:
    assert SandboxOptions().errors_with_200 is False
    assert options_from(_parser().parse_args(["--api-key", "k"])).errors_with_200 is False
    asked = _parser().parse_args(["--api-key", "k", "--errors-with-200"])
    assert options_from(asked).errors_with_200 is True
    with serving() as ledger:
        assert ledger.client.post("/api/v2/accounts", json=ALICE).status_code == 201
        taken = ledger.client.post("/api/v2/accounts", json=ALICE)
        assert taken.status_code == 409
        assert taken.json() == {
            "error": {
                "code": "conflict",
                "message": "username 'alice@example.com' is already taken",
            }
        }
        assert "success" not in ledger.client.get("/api/v2/accounts/1001").json()


def test_refusals_are_200_with_success_false_and_the_same_error() -> None:
    with serving(errors_with_200=True) as ledger:
        created = ledger.client.post("/api/v2/accounts", json=ALICE)
        assert created.status_code == 201
        assert created.json()["success"] is True
        assert created.json()["data"]["id"] == 1001
        assert created.headers["Location"].endswith("/api/v2/accounts/1001")
        taken = ledger.client.post("/api/v2/accounts", json=ALICE)
        assert (taken.status_code, taken.json()) == (
            200,
            {
                "success": False,
                "error": {
                    "code": "conflict",
                    "message": "username 'alice@example.com' is already taken",
                },
            },
        )
        missing = ledger.client.get("/api/v2/accounts/9999")
        assert (missing.status_code, missing.json()["error"]["code"]) == (200, "not_found")
        invalid = ledger.patch("/api/v2/accounts/1001", {"email": "nope"})
        assert invalid.status_code == 200
        assert invalid.json()["error"]["fields"] == [
            {"field": "email", "message": "must be an email address"}
        ]
        again = ledger.client.post("/api/v2/accounts/1001/enable")
        assert (again.status_code, again.json()["error"]["code"]) == (200, "invalid_state")
        wrong = ledger.client.put("/api/v2/accounts/1001", json={})
        assert (wrong.status_code, wrong.headers["Allow"]) == (200, "GET, PATCH, DELETE")
        listed = ledger.client.get("/api/v2/accounts").json()
        assert (listed["success"], listed["meta"]["total"]) == (True, 1)
        # A refusal still changes nothing, and a success still does what it did.
        assert [a["email"] for a in ledger.sandbox.accounts()] == ["alice@example.com"]
        disabled = ledger.client.post("/api/v2/accounts/1001/disable")
        assert disabled.json()["data"]["status"] == "disabled"
        assert ledger.client.delete("/api/v2/accounts/1001").status_code == 204
        assert ledger.sandbox.accounts() == []


def test_what_is_answered_in_front_of_the_api_keeps_its_status() -> None:
    with serving(errors_with_200=True, rate_limit=1) as ledger:
        unauthorised = httpx.get(f"{ledger.url}/api/v2/accounts", headers=NO_FAULTS)
        assert unauthorised.status_code == 401
        assert "success" not in unauthorised.json()
        assert ledger.client.get("/api/v2/accounts").status_code == 200
        limited = ledger.client.get("/api/v2/accounts")
        assert limited.status_code == 429
        assert "success" not in limited.json()
    with serving(errors_with_200=True, error_rate=1.0, seed=1) as ledger:
        statuses = {ledger.client.get("/api/v2/teams").status_code for _ in range(6)}
        assert statuses <= {500, 503}


def test_the_readme_example_is_what_the_sandbox_answers() -> None:
    readme = (Path(__file__).resolve().parents[2] / "legacyapp" / "README.md").read_text(
        encoding="utf-8"
    )
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", readme, flags=re.DOTALL)]
    documented = [b for b in blocks if b.get("success") is False]
    assert len(documented) == 1
    with serving(errors_with_200=True) as ledger:
        ledger.client.post("/api/v2/accounts", json=ALICE)
        taken = ledger.client.post("/api/v2/accounts", json=ALICE)
        assert (taken.status_code, taken.json()) == (200, documented[0])


def test_only_a_success_says_success() -> None:
    # An answer that is neither a success nor the API's refusal (a 5xx) keeps its status and
    # body as they are: it never says `"success": true`.
    failed = Response(500, {"error": {"code": "internal"}})
    assert _with_200_errors(failed) is failed
    ok = _with_200_errors(Response(201, {"data": {"id": 1}}))
    assert (ok.status, ok.body) == (201, {"success": True, "data": {"id": 1}})
    refused = _with_200_errors(Response(409, {"error": {"code": "conflict"}}))
    assert (refused.status, refused.body) == (
        200,
        {"success": False, "error": {"code": "conflict"}},
    )
