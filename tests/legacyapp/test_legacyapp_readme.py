"""The README is the API reference: its JSON examples parse, and the ones it presents as exact
answers are what the sandbox answers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from legacyapp_harness import START_TEXT, serving

from legacyapp.errors import STATUS_OF_CODE

README = (Path(__file__).resolve().parents[2] / "legacyapp" / "README.md").read_text(
    encoding="utf-8"
)
BLOCKS = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", README, flags=re.DOTALL)]


def _dig(node: Any, *path: str | int) -> Any:
    for key in path:
        if isinstance(key, int) and isinstance(node, list) and len(node) > key:
            node = node[key]
        elif isinstance(key, str) and isinstance(node, dict):
            node = node.get(key)
        else:
            return None
    return node


def _example(*path: str | int, equal_to: Any) -> Any:
    matches = [block for block in BLOCKS if _dig(block, *path) == equal_to]
    assert len(matches) == 1, f"{len(matches)} examples with {path} = {equal_to!r}"
    return matches[0]


def test_the_readme_has_its_examples() -> None:
    # Parsing happened at import; a block that is not JSON fails the whole module.
    assert len(BLOCKS) > 20


def test_every_error_code_is_documented() -> None:
    for code, status in STATUS_OF_CODE.items():
        assert re.search(rf"\| {status} \| `{code}` \|", README), code


def test_the_create_example_answers_the_account_object_example() -> None:
    request = _example("data", "display_name", equal_to="Alice L")
    documented = _example("id", equal_to=1001)
    with serving() as ledger:
        response = ledger.client.post("/api/v2/accounts", json=request)
        assert response.status_code == 201
        assert response.json()["data"] == documented
        assert documented["created_at"] == START_TEXT


def test_the_validation_example_is_what_the_sandbox_answers() -> None:
    documented = _example("error", "message", equal_to="7 fields are invalid")
    body = {
        "username": " bob",
        "first_name": "",
        "email": "bob(at)example.com",
        "status": "enabled",
        "shoe_size": 44,
        "org": {"floor": 3},
    }
    assert json.dumps({"data": body}) in README.replace("`", "")
    with serving() as ledger:
        response = ledger.client.post("/api/v2/accounts", json={"data": body})
        assert response.json() == documented


def test_the_batch_example_is_what_the_sandbox_answers() -> None:
    documented = _example("error", "fields", 0, "field", equal_to="account_ids[1]")
    with serving() as ledger:
        ledger.create_account()
        ledger.create_team("Sales")
        assert ledger.add_members(1, [1001, 99]).json() == documented
        ledger.add_members(1, [1001])
        ledger.create_account()
        answer = ledger.add_members(1, [1001, 1002]).json()
        assert answer == _example("data", "already_members", equal_to=[1001])


def test_the_rate_limit_example_is_what_the_sandbox_answers() -> None:
    documented = _example("error", "code", equal_to="rate_limited")
    with serving() as ledger:
        for _ in range(300):
            ledger.client.get("/api/v2/teams")
        ledger.clock.advance(12)
        assert ledger.client.get("/api/v2/teams").json() == documented
