"""The connector pointed at Peopledir by its description alone (`description.yaml`, written from
the API reference `README.md`): Entra's request sequences replayed in both PATCH dialects, the
calls Peopledir gets per SCIM operation, and the description's auth, rate-limit and paging
parts at work.

Peopledir is started and read only through its documented sandbox API (`people()`,
`request_log`, `revoke_tokens()`, `FakeClock`) and its documented HTTP API.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from endpoint.harness import BEARER, ENTERPRISE, FLAG, ROOT, connector, new_user, patch
from rest_e2e.harness import App, AppUser, RestStack
from rest_e2e.sequences import SEQUENCES, sequences_for

from peopledir import FakeClock, PeopledirApp, PeopledirOptions

HERE = Path(__file__).resolve().parent
DESCRIPTION = HERE / "description.yaml"
# The client the description names; its secret is the one `clientSecret` names, which the
# connector reads locally from PEOPLEDIR_CLIENT_SECRET.
CLIENT_ID = "peopledir-connector"
CLIENT_SECRET = "peopledir-secret-for-tests"
# 2027-01-15T08:00:00Z, the start of a rate-limit window; nothing moves unless a test says so.
START = 1_800_000_000.0
# What Peopledir keeps of the sequences' optional features: one phone only (the sequences'
# "phones" is a mobile and a work number), no nickname, user type, language, manager or
# external id, and not every Schema.xml attribute (so no ECMA2Host extension).
STORES = frozenset({"displayName", "title", "department", "employeeNumber"})
MODES = [pytest.param(False, id="default"), pytest.param(True, id=FLAG)]


def peopledir_view(sandbox: PeopledirApp) -> App:
    def users() -> list[AppUser]:
        return [AppUser(p["id"], p["login"], p["active"], p) for p in sandbox.people()]

    def profile(user: AppUser) -> dict[str, Any]:
        p = user.record
        work = p["work"] or {}
        return {
            "login": p["login"],
            "email": p["email"],
            "firstName": p["name"]["given"],
            "lastName": p["name"]["family"],
            "displayName": p["displayName"],
            "primaryPhone": p["phone"],
            "title": work.get("title"),
            "department": work.get("department"),
            "employeeNumber": work.get("employeeId"),
        }

    return App("Peopledir", users, lambda: list(sandbox.request_log), profile, STORES)


@dataclass
class Peopledir:
    rest: RestStack
    sandbox: PeopledirApp
    clock: FakeClock
    url: str


@contextmanager
def peopledir_stack(secret: str = CLIENT_SECRET, **options: Any) -> Iterator[Peopledir]:
    """Peopledir's sandbox, and the connector serving it with `secret` as its client secret."""
    clock = FakeClock(START)
    sandbox = PeopledirApp(
        PeopledirOptions(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **options),
        clock=clock,
    )
    with sandbox.start(host="127.0.0.1", port=0) as running:
        env = {
            "TARGET": "rest",
            "TARGET_DESCRIPTION": str(DESCRIPTION),
            "TARGET_BASE_URL": running.url,
            "SCHEMA_XML_PATH": str(ROOT / "connector" / "mapping" / "Schema.xml"),
            "SCHEMA_MAPPING_PATH": str(HERE / "mapping.json"),
            "PEOPLEDIR_CLIENT_SECRET": secret,
        }
        with connector(env) as server:
            yield Peopledir(RestStack(peopledir_view(sandbox), server), sandbox, clock, running.url)


def seed(url: str, count: int) -> None:
    """`count` people created through Peopledir's own API, as another client would."""
    with httpx.Client(base_url=url, timeout=30) as api:
        token = api.post(
            "/oauth2/token",
            auth=(CLIENT_ID, CLIENT_SECRET),
            data={"grant_type": "client_credentials"},
        ).json()["access_token"]
        for n in range(count):
            person = {
                "login": f"s{n}",
                "email": f"s{n}@example.com",
                "name": {"given": "S", "family": str(n)},
            }
            made = api.post("/v1/people", json=person, headers={"Authorization": f"Bearer {token}"})
            assert made.status_code == 201, made.text


def test_the_description_is_short() -> None:
    assert len(DESCRIPTION.read_text(encoding="utf-8").splitlines()) < 120


@pytest.mark.parametrize("flag", MODES)
@pytest.mark.parametrize("name", sequences_for(STORES))
async def test_sequence_against_peopledir(name: str, flag: bool) -> None:
    with peopledir_stack() as pd:
        async with httpx.AsyncClient(
            base_url=pd.rest.tenant_url,
            headers={"Authorization": f"Bearer {BEARER}"},
            params={FLAG: ""} if flag else None,
            timeout=60,
        ) as scim:
            await SEQUENCES[name](scim, pd.rest.app, flag)


def test_calls_per_scim_operation() -> None:
    with peopledir_stack() as pd, pd.rest.client() as scim:
        rest = pd.rest
        probe = rest.calls_during(
            lambda: scim.get("/Users", params={"filter": f'userName eq "{uuid.uuid4()}"'})
        )
        # The first call fetches the token; one list request with filter.login answers.
        assert [(m, p.split("?")[0], s) for m, p, s in probe] == [
            ("POST", "/oauth2/token", 200),
            ("GET", "/v1/people", 200),
        ]
        assert "filter.login=" in probe[1][1]

        created: dict[str, Any] = {}
        body = new_user("ada@example.com", phoneNumbers=[{"type": "work", "value": "+1 555 0100"}])
        del body["externalId"]
        create = rest.calls_during(lambda: created.update(scim.post("/Users", json=body).json()))
        assert create == [("POST", "/v1/people", 201)]
        path = f"/v1/people/{created['id']}"
        assert created["phoneNumbers"] == [{"value": "+1 555 0100", "type": "work"}]

        assert rest.calls_during(lambda: scim.get(f"/Users/{created['id']}")) == [
            ("GET", path, 200)
        ]

        many = patch(
            {"op": "Replace", "path": "displayName", "value": "Ada L"},
            {"op": "Replace", "path": "title", "value": "Countess"},
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "a@x.test"},
            {"op": "Replace", "path": "name.givenName", "value": "Augusta"},
            {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Maths"},
        )
        # PUT-only: read the person, send it back whole with the five changes.
        updated = rest.calls_during(lambda: scim.patch(f"/Users/{created['id']}", json=many))
        assert updated == [("GET", path, 200), ("PUT", path, 200)]
        assert rest.app.profile(rest.app.user("ada@example.com")) == {
            "login": "ada@example.com",
            "email": "a@x.test",
            "firstName": "Augusta",
            "lastName": "Tester",
            "displayName": "Ada L",
            "primaryPhone": "+1 555 0100",  # not in the PATCH: kept by the whole-record PUT
            "title": "Countess",
            "department": "Maths",
            "employeeNumber": None,
        }

        # The state is a field of the person: the same PUT carries it, no second call.
        off = patch(
            {"op": "Replace", "path": "title", "value": "Analyst"},
            {"op": "Replace", "path": "active", "value": "False"},
        )
        disabled = rest.calls_during(lambda: scim.patch(f"/Users/{created['id']}", json=off))
        assert disabled == [("GET", path, 200), ("PUT", path, 200)]
        assert rest.app.user("ada@example.com").active is False

        delete = rest.calls_during(lambda: scim.delete(f"/Users/{created['id']}"))
        assert delete == [("DELETE", path, 204)]
        assert rest.app.users() == []


def test_a_revoked_or_expired_token_is_replaced() -> None:
    with peopledir_stack() as pd, pd.rest.client() as scim:
        body = new_user("bo@example.com")
        del body["externalId"]
        user_id = scim.post("/Users", json=body).json()["id"]
        path = f"/v1/people/{user_id}"
        renewed = [("GET", path, 401), ("POST", "/oauth2/token", 200), ("GET", path, 200)]

        pd.sandbox.revoke_tokens()
        assert pd.rest.calls_during(lambda: scim.get(f"/Users/{user_id}")) == renewed

        pd.clock.advance(3600)  # the token's expires_in, on Peopledir's clock
        read: dict[str, Any] = {}
        calls = pd.rest.calls_during(lambda: read.update(scim.get(f"/Users/{user_id}").json()))
        assert calls == renewed
        assert read["userName"] == "bo@example.com"


def test_a_wrong_client_secret_is_a_503_naming_the_secret() -> None:
    with peopledir_stack(secret="not-the-secret") as pd, pd.rest.client() as scim:
        answer = scim.get("/Users", params={"filter": 'userName eq "x@example.com"'})
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "300"
        assert "peopledir-client-secret" in answer.json()["detail"]
        assert "PEOPLEDIR_CLIENT_SECRET" in answer.json()["detail"]
        assert "not-the-secret" not in answer.text
        # Refused once, then once more with a freshly read secret; no API call is made.
        assert pd.rest.app.calls() == [("POST", "/oauth2/token", 401)] * 2


def test_the_connector_stops_at_the_rate_limit_peopledir_announces() -> None:
    # 4 requests per window: the token and three lookups use it up; the window does not end
    # (Peopledir's clock stands still), so the fourth lookup is not sent at all.
    with peopledir_stack(rate_limit=4) as pd, pd.rest.client() as scim:
        lookup = {"filter": 'userName eq "x@example.com"'}
        for _ in range(3):
            assert scim.get("/Users", params=lookup).status_code == 200
        refused = scim.get("/Users", params=lookup)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert len(pd.rest.app.calls()) == 4
        assert all(status == 200 for _, _, status in pd.rest.app.calls())


def test_cursor_paging_walks_every_page_with_its_filters() -> None:
    with peopledir_stack() as pd, pd.rest.client() as scim:
        seed(pd.url, 201)  # one full page of 200 and one more
        before = len(pd.rest.app.calls())

        listing = scim.get("/Users", params={"startIndex": 1, "count": 5}).json()
        assert listing["totalResults"] == 201
        active = scim.get("/Users", params={"filter": "active eq true"}).json()
        assert active["totalResults"] == 201

        # (The connector's first call also fetches its token.)
        calls = [c for c in pd.rest.app.calls()[before:] if c[1] != "/oauth2/token"]
        assert [(m, urlsplit(p).path, s) for m, p, s in calls] == [("GET", "/v1/people", 200)] * 4
        walks = [dict(parse_qsl(urlsplit(p).query)) for _, p, _ in calls]
        # Each walk's second page is asked with the cursor and the walk's own filters.
        assert [sorted(w) for w in walks] == [
            ["limit"],
            ["cursor", "limit"],
            ["filter.active", "limit"],
            ["cursor", "filter.active", "limit"],
        ]
        assert {w["limit"] for w in walks} == {"200"}
        assert walks[2]["filter.active"] == walks[3]["filter.active"] == "true"
