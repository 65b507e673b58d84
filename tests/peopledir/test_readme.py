"""The README is the API reference: its JSON examples parse, and the ones it presents as
answers are what Peopledir answers (ids and tokens, which are random, aside)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .harness import CLIENT, START, Peopledir, basic
from .messages import Request
from .problems import TYPES

README = (Path(__file__).resolve().parent / "README.md").read_text(encoding="utf-8")
BLOCKS: list[Any] = [
    json.loads(block) for block in re.findall(r"```json\n(.*?)```", README, flags=re.DOTALL)
]
README_ID = "p_7HcQm2LxR9aWv3Tn"
README_TOKEN = "pdt_vM3oZq2R8sYkTn0aLw5XcB7dHfJ1uE9gPi4rKt6yQ_s"
JSON = {"Content-Type": "application/json"}


def _example(key: str, value: Any) -> Any:
    """The one JSON example whose top-level `key` equals `value`."""
    matches = [block for block in BLOCKS if isinstance(block, dict) and block.get(key) == value]
    assert len(matches) == 1, f"{len(matches)} examples with {key} = {value!r}"
    return matches[0]


def _with_id(example: Any, person_id: str) -> Any:
    """The example with the README's person id replaced by a real one."""
    return json.loads(json.dumps(example).replace(README_ID, person_id))


def _post_example() -> dict[str, Any]:
    matches = [b for b in BLOCKS if isinstance(b, dict) and "login" in b and "id" not in b]
    create = [b for b in matches if "active" not in b]
    assert len(create) == 1
    body: dict[str, Any] = create[0]
    return body


def test_every_example_parses_and_the_ids_look_real() -> None:
    assert len(BLOCKS) >= 14  # parsing happened at import: a bad block fails the module
    assert re.fullmatch(r"p_[A-Za-z0-9]{16}", README_ID)
    assert re.fullmatch(r"pdt_[A-Za-z0-9_-]{43}", README_TOKEN)


def test_every_problem_type_is_documented_with_its_status_and_title() -> None:
    for slug, (status, title) in TYPES.items():
        assert f"| {status} | `{slug}` | {title} |" in README, slug


def test_the_token_answer_is_as_documented(pd: Peopledir) -> None:
    documented = _example("token_type", "Bearer")
    answer = pd.request_token().json()
    assert re.fullmatch(r"pdt_[A-Za-z0-9_-]{43}", answer["access_token"])
    assert {**answer, "access_token": README_TOKEN} == documented


def test_the_wire_example_of_a_token_request_works(pd: Peopledir) -> None:
    assert f"Authorization: {basic(*CLIENT)}" in README
    body = "grant_type=client_credentials&scope=people%3Aread+people%3Awrite"
    assert f"\n{body}\n" in README
    response = pd.anon.post(
        "/oauth2/token",
        content=body.encode(),
        headers={
            "Authorization": basic(*CLIENT),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 200
    assert f"-u '{CLIENT[0]}:{CLIENT[1]}'" in README


def test_the_invalid_client_example(pd: Peopledir) -> None:
    documented = _example("error", "invalid_client")
    assert pd.request_token(auth=(CLIENT[0], "wrong")).json() == documented


def test_the_expired_and_scope_examples(pd: Peopledir) -> None:
    pd.clock.advance(3600)  # expires_in of the fixture's token
    assert pd.api.get("/v1/people").json() == _example("detail", "The access token has expired.")
    pd.use_token(pd.token("people:read"))
    documented = _example("detail", "This operation needs the scope 'people:write'.")
    assert pd.api.delete(f"/v1/people/{README_ID}").json() == documented


def test_the_rate_limit_example(pd: Peopledir) -> None:
    request = Request("GET", "/v1/people", "", {})
    for _ in range(2999):  # with the fixture's token request: 3000
        pd.app.handle(request)
    pd.clock.advance(12)
    response = pd.api.get("/v1/people")
    assert response.json() == _example("status", 429)
    for name, value in (
        ("Retry-After", "48"),
        ("RateLimit-Limit", "3000"),
        ("RateLimit-Remaining", "0"),
        ("RateLimit-Reset", "48"),
        ("RateLimit-Policy", "3000;w=60"),
    ):
        assert response.headers[name] == value
        assert f"\n{name}: {value}\n" in README


def test_the_not_found_example(pd: Peopledir) -> None:
    assert pd.api.get(f"/v1/people/{README_ID}").json() == _example("status", 404)


def test_the_validation_example(pd: Peopledir) -> None:
    body = {
        "email": "alice(at)example.com",
        "name": {"given": "Alice", "middle": "P."},
        "login": "alice",
        "active": "yes",
    }
    assert f"`{json.dumps(body)}`" in README
    documented = _example("detail", "4 fields are invalid.")
    assert pd.api.post("/v1/people", json=body).json() == documented


def test_the_create_example_answers_the_person_object(pd: Peopledir) -> None:
    response = pd.api.post("/v1/people", json=_post_example())
    person = response.json()
    assert response.status_code == 201
    documented = _example("updatedAt", "2026-12-01T10:00:00.000Z")
    assert person == _with_id(documented, person["id"])
    assert f"Location: /v1/people/{README_ID}" in README


def test_the_conflict_example(pd: Peopledir) -> None:
    pd.api.post("/v1/people", json=_post_example())
    again = {**_post_example(), "login": "Alice.Liddell", "email": "other@example.com"}
    assert pd.api.post("/v1/people", json=again).json() == _example("status", 409)


def test_the_paging_example_shows_a_real_cursor(pd: Peopledir) -> None:
    pd.api.post("/v1/people", json=_post_example())
    documented = _example("nextCursor", "eyJhZnRlciI6IDEsICJmaWx0ZXJzIjoge319")
    page = pd.api.get("/v1/people", params={"limit": 1}).json()
    assert page["nextCursor"] == documented["nextCursor"]
    assert page["results"][0]["login"] == documented["results"][0]["login"]


def test_the_list_request_example_finds_alice(pd: Peopledir) -> None:
    alice = pd.api.post("/v1/people", json=_post_example()).json()
    assert "GET /v1/people?limit=1&filter.login=ALICE.LIDDELL\n" in README
    page = pd.api.get("/v1/people?limit=1&filter.login=ALICE.LIDDELL").json()
    assert page["results"] == [alice]
    assert "GET /v1/people?filter.email=Alice%40Example.com&filter.active=true\n" in README
    found = pd.api.get("/v1/people?filter.email=Alice%40Example.com&filter.active=true").json()
    assert found == {"results": [alice], "nextCursor": None}


def test_the_unknown_parameter_example(pd: Peopledir) -> None:
    detail = (
        "Unknown query parameter 'email'; this endpoint accepts: limit, cursor, filter.login, "
        "filter.email, filter.active, filter.employeeId."
    )
    documented = _example("detail", detail)
    assert pd.api.get("/v1/people?email=alice@example.com").json() == documented


def test_the_put_example(pd: Peopledir) -> None:
    created = pd.api.post("/v1/people", json=_post_example()).json()
    assert created["createdAt"] == "2026-12-01T10:00:00.000Z"
    pd.clock.set(START + 2 * 3600 + 5 * 60)
    pd.use_token(pd.token())  # the first one expired an hour ago
    put_bodies = [b for b in BLOCKS if isinstance(b, dict) and "login" in b and "active" in b]
    body = next(b for b in put_bodies if "id" not in b)
    response = pd.api.put(f"/v1/people/{created['id']}", json=body, headers=JSON)
    documented = _example("updatedAt", "2026-12-01T12:05:00.000Z")
    assert response.json() == _with_id(documented, created["id"])


def test_every_documented_field_message_exists() -> None:
    listed = README.split("Field messages in a `validation-error`:", 1)[1].split("\n\n", 1)[0]
    messages = re.findall(r"`([^`]+)`", listed)
    source = (Path(__file__).resolve().parent / "schema.py").read_text(encoding="utf-8")
    assert len(messages) == 11
    for message in messages:
        pattern = message.replace("N characters", "{self.max_length} characters")
        assert f'"{pattern}"' in source or f'f"{pattern}"' in source, message


def test_the_sandbox_example_runs() -> None:
    (block,) = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
    namespace: dict[str, Any] = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    app = namespace["app"]
    assert app.options.client_id == "c1"
    assert app.people() == []
    assert app.request_log == []
