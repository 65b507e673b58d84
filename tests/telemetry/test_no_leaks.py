"""No secret and no attribute value in any request record or span (mirrors
tests/integration_secrets/test_no_secret_leaks.py, which checks log messages and responses).

Every record of every logger is captured at DEBUG before any handler's filter rewrites it, with
its `extra` fields; every span's name, attributes, events and status are collected too. The
requests cover successes, Okta's refusals, a wrong bearer, a rotated Okta token and faults.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator

import pytest
from endpoint.harness import CORE, ENTERPRISE, PATCH_OP, stack

from oktasim import SimulatorOptions

from .conftest import Telemetry, extra

OKTA = "00okta-telemetry-leak-token-AAAA"
BEARER = "bearer-telemetry-leak-current-BBBB"
PREVIOUS = "bearer-telemetry-leak-previous-CCCC"
PRESENTED = "presented-telemetry-wrong-DDDDDDDD"
ROTATED = "00okta-telemetry-rotated-EEEEEEEE"
SECRETS = (OKTA, BEARER, PREVIOUS, PRESENTED, ROTATED)

LOGIN = "leaky.person@example.com"
PROFILE = {
    "login": LOGIN,
    "given": "Leakygiven",
    "family": "Leakyfamily",
    "display": "Leaky Displayname",
    "external": "leaky-external-4711",
    "title": "Chief Leak Officer",
    "phone": "+1 555 0100 4242",
    "other_email": "leaky.private@example.org",
}


class _Raw(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        return True

    def emit(self, record: logging.LogRecord) -> None:
        fields = {k: str(v) for k, v in extra(record).items()}
        self.texts.append(f"{record.name} {record.getMessage()} {json.dumps(fields)}")


@pytest.fixture
def raw() -> Iterator[_Raw]:
    handler = _Raw()
    root = logging.getLogger()
    root.handlers.insert(0, handler)
    saved = {name: logging.getLogger(name).level for name in ("", "connector")}
    for name in saved:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def _user(login: str) -> dict[str, object]:
    return {
        "schemas": [CORE, ENTERPRISE],
        "userName": login,
        "externalId": PROFILE["external"],
        "active": True,
        "displayName": PROFILE["display"],
        "title": PROFILE["title"],
        "name": {"givenName": PROFILE["given"], "familyName": PROFILE["family"]},
        "emails": [
            {"primary": True, "type": "work", "value": login},
            {"type": "home", "value": PROFILE["other_email"]},
        ],
        "phoneNumbers": [{"type": "mobile", "value": PROFILE["phone"]}],
    }


def _spans_text(otel: Telemetry) -> str:
    parts = []
    for span in otel.finished():
        parts.append(span.name)
        parts.append(json.dumps({k: str(v) for k, v in (span.attributes or {}).items()}))
        parts.append(str(span.status.description))
        for event in span.events:
            parts.append(
                event.name + json.dumps({k: str(v) for k, v in (event.attributes or {}).items()})
            )
    for name in ("scim.requests", "scim.target.calls", "scim.target.throttled"):
        parts.append(json.dumps(otel.points(name)))
    return "\n".join(parts)


def _check(texts: dict[str, str]) -> None:
    for where, text in texts.items():
        # Indexes, not values: a failure must not print what it found.
        leaked = [n for n, secret in enumerate(SECRETS) if secret in text]
        assert not leaked, f"secret #{leaked} appears in the {where}"
        shown = [name for name, value in PROFILE.items() if value.lower() in text.lower()]
        if shown and os.environ.get("LEAK_DEBUG"):
            for line in text.splitlines():
                if any(PROFILE[name].lower() in line.lower() for name in shown):
                    print("LEAK", where, line[:400])
        assert not shown, f"attribute values {shown} appear in the {where}"


def test_records_and_spans_hold_no_secret_and_no_attribute_value(
    raw: _Raw, otel: Telemetry
) -> None:
    env = {"SCIM_BEARER_TOKEN": BEARER, "SCIM_BEARER_TOKEN_PREVIOUS": PREVIOUS}
    options = SimulatorOptions(token=OKTA, concurrency_limit=0)
    with stack(options, OKTA_API_TOKEN=OKTA, **env) as running:
        with running.client(token=BEARER) as scim:
            created = scim.post("/Users", json=_user(LOGIN))
            assert created.status_code == 201, created.text
            user_id = created.json()["id"]
            assert scim.post("/Users", json=_user(LOGIN)).status_code == 409
            found = scim.get("/Users", params={"filter": f'userName eq "{LOGIN}"'})
            assert found.json()["totalResults"] == 1
            by_external = scim.get(
                "/Users", params={"filter": f'externalId eq "{PROFILE["external"]}"'}
            )
            assert by_external.status_code == 200
            assert scim.get(f"/Users/{user_id}").status_code == 200
            change = {
                "schemas": [PATCH_OP],
                "Operations": [
                    {"op": "Replace", "path": "title", "value": PROFILE["title"] + " II"},
                    {"op": "Replace", "path": "active", "value": "False"},
                ],
            }
            assert scim.patch(f"/Users/{user_id}", json=change).status_code == 200
            assert scim.put(f"/Users/{user_id}", json=_user(LOGIN)).status_code == 200
            # Okta refuses a login that is not an email address, and quotes it back.
            refused = scim.post("/Users", json=_user("Leakygiven-not-an-email"))
            assert refused.status_code == 400
            bad_filter = scim.get("/Users", params={"filter": f'userName eq "{LOGIN}" or'})
            assert bad_filter.status_code == 400
            wrong_type = scim.post("/Users", json={**_user(LOGIN), "active": PROFILE["title"]})
            assert wrong_type.status_code == 400
            assert scim.delete(f"/Users/{user_id}").status_code == 204
        with running.client(token=PREVIOUS) as scim:
            assert scim.get("/ServiceProviderConfig").status_code == 200
        with running.client(token=PRESENTED) as scim:
            assert (
                scim.get("/Users", params={"filter": f'userName eq "{LOGIN}"'}).status_code == 401
            )
        running.sim.set_token(ROTATED)
        with running.client(token=BEARER) as scim:
            assert scim.post("/Users", json=_user(LOGIN)).status_code == 503
    texts = {"log records": "\n".join(raw.texts), "spans and metrics": _spans_text(otel)}
    assert "connector.requests" in texts["log records"], "the capture saw no request record"
    # The capture includes the records' extra fields (the resource id is one) and the spans.
    assert f'"resource_id": "{user_id}"' in texts["log records"]
    assert "users.patch" in texts["spans and metrics"]
    _check(texts)


def test_faults_leak_nothing_either(raw: _Raw, otel: Telemetry) -> None:
    options = SimulatorOptions(token=OKTA, concurrency_limit=0, error_rate=1.0, seed=5)
    with (
        stack(
            options, OKTA_API_TOKEN=OKTA, SCIM_BEARER_TOKEN=BEARER, REQUEST_BUDGET_SECONDS="1"
        ) as running,
        running.client(token=BEARER) as scim,
    ):
        assert scim.get("/Users", params={"filter": f'userName eq "{LOGIN}"'}).status_code == 503
        assert scim.post("/Users", json=_user(LOGIN)).status_code in (502, 503, 504)
    _check({"log records": "\n".join(raw.texts), "spans and metrics": _spans_text(otel)})
