"""Calls to a described REST application per SCIM operation: the Ledgerline HR sandbox
(legacyapp), through the sample description in samples/legacyapp.

    python -m bench.rest_calls

The application's rate limit is the ceiling of the whole system, as Okta's is; these are the
counts bench/RESULTS.md records (tests/rest_e2e/test_call_counts.py pins them).
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import httpx

from bench.bodies import ENTERPRISE, patch_body, user_body
from bench.perf_stack import rest_settings
from bench.throughput import connector_server
from connector.http.runtime import reset_runtime
from legacyapp import Sandbox, SandboxOptions

BEARER = "bench-scim-bearer"
API_KEY = "bench-ledgerline-key"


def calls_per_operation() -> list[tuple[str, int, list[str]]]:
    """(operation, SCIM status, the application calls) for each Entra-like operation."""
    rows: list[tuple[str, int, list[str]]] = []
    sandbox = Sandbox(SandboxOptions(api_key=API_KEY))
    saved = dict(os.environ)
    with sandbox.start(host="127.0.0.1", port=0) as running:
        os.environ.update(rest_settings(running.url, API_KEY, BEARER))
        reset_runtime()
        try:
            tenant = f"{connector_server().url}/api/scim/v2"
            with httpx.Client(
                base_url=tenant, headers={"Authorization": f"Bearer {BEARER}"}, timeout=60
            ) as scim:

                def measure(name: str, method: str, url: str, body: Any = None) -> httpx.Response:
                    before = len(sandbox.request_log)
                    response = scim.request(method, url, json=body)
                    calls = [f"{m} {p.split('?')[0]}" for m, p, _ in sandbox.request_log[before:]]
                    rows.append((name, response.status_code, calls))
                    return response

                _users(measure)
                _groups(measure)
        finally:
            os.environ.clear()
            os.environ.update(saved)
            reset_runtime()
    return rows


def _users(measure: Any) -> None:
    probe = f'userName eq "{uuid.uuid4()}"'
    measure("probe (userName eq <random guid>)", "GET", f"/Users?filter={probe}")
    user_id = measure("create (active)", "POST", "/Users", user_body("ops@example.com")).json()[
        "id"
    ]
    measure("match (userName eq existing)", "GET", '/Users?filter=userName eq "ops@example.com"')
    measure("get by id", "GET", f"/Users/{user_id}")
    many = patch_body(
        {"op": "Replace", "path": "displayName", "value": "Ops Person"},
        {"op": "Replace", "path": "title", "value": "Engineer"},
        {"op": "Replace", "path": "name.givenName", "value": "Ops"},
        {"op": "Replace", "path": "name.familyName", "value": "Person"},
        {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "IT"},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "ops@example.com"},
    )
    measure("PATCH 6 attributes", "PATCH", f"/Users/{user_id}", many)
    soft = patch_body(
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Replace", "path": "title", "value": "Former"},
    )
    measure("PATCH active=false + 1 attribute", "PATCH", f"/Users/{user_id}", soft)
    only = patch_body({"op": "Replace", "path": "active", "value": "True"})
    measure("PATCH active=true only", "PATCH", f"/Users/{user_id}", only)
    measure("delete (disable first)", "DELETE", f"/Users/{user_id}")
    measure("delete again (already gone)", "DELETE", f"/Users/{user_id}")


def _groups(measure: Any) -> None:
    probe = f'displayName eq "{uuid.uuid4()}"'
    measure("group probe", "GET", f"/Groups?filter={probe}&excludedAttributes=members")
    body = {"displayName": "Sales", "externalId": "sales", "members": []}
    group_id = measure("group create", "POST", "/Groups", body).json()["id"]
    measure("group get (no members)", "GET", f"/Groups/{group_id}?excludedAttributes=members")
    rename = patch_body({"op": "Replace", "path": "displayName", "value": "Sales EMEA"})
    measure("group rename", "PATCH", f"/Groups/{group_id}", rename)
    ids = [
        measure(f"(user {n})", "POST", "/Users", user_body(f"m{n}@example.com")).json()["id"]
        for n in range(25)
    ]
    add = patch_body({"op": "Add", "path": "members", "value": [{"value": i} for i in ids]})
    measure("group add 25 members", "PATCH", f"/Groups/{group_id}", add)
    one = patch_body({"op": "Add", "path": "members", "value": [{"value": ids[0]}]})
    measure("group add 1 member (already there)", "PATCH", f"/Groups/{group_id}", one)
    remove = patch_body({"op": "Remove", "path": "members", "value": [{"value": ids[0]}]})
    measure("group remove 1 member", "PATCH", f"/Groups/{group_id}", remove)
    measure("group delete", "DELETE", f"/Groups/{group_id}")


def main() -> int:
    print("Ledgerline HR calls per SCIM operation:")
    for name, status, calls in calls_per_operation():
        if not name.startswith("("):
            print(f"  {name:36} SCIM {status}  calls {len(calls)}: {', '.join(calls)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
