"""What the REST target's unit tests share: the sample description (as text, as data, changed
one part at a time), a scripted application behind httpx.MockTransport, and a target built on
both."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from connector.secrets import EnvSecretStore, SecretStore
from connector.settings import Settings
from connector.targets.context import TargetContext
from connector.targets.model import TargetUser
from connector.targets.protocol import Targets
from connector.targets.query import Query
from connector.targets.rest import RestUsers, build
from connector.targets.rest.groups import RestGroups
from connector.targets.rest.loading import DescriptionError, load_description

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "legacyapp" / "description.yaml"
SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")
API_KEY = "ledgerline-key-for-unit-tests"
BASE = "https://ledgerline.corp.example/api/v2"
BASE_PATH = "/api/v2"

Answer = Callable[[httpx.Request], httpx.Response]
Edit = Callable[[dict[str, Any]], None]


def sample_data() -> dict[str, Any]:
    data = yaml.safe_load(SAMPLE_TEXT)
    assert isinstance(data, dict)
    return data


def _users_part(text: str) -> int:
    """Where the description's groups section starts (these tests are about the rest)."""
    start = text.find("\ngroups:")
    return len(text) if start < 0 else start


def line_of(text: str, snippet: str) -> int:
    """The 1-based number of the only line before the groups section containing `snippet`."""
    lines = text[: _users_part(text)].splitlines()
    found = [n for n, line in enumerate(lines, 1) if snippet in line]
    assert len(found) == 1, f"{snippet!r} is on lines {found}"
    return found[0]


def changed(old: str, new: str, text: str = SAMPLE_TEXT) -> str:
    """The text with `old` (which occurs exactly once before the groups section) replaced."""
    end = _users_part(text)
    head = text[:end]
    assert head.count(old) == 1, f"{old!r} occurs {head.count(old)} times"
    return head.replace(old, new) + text[end:]


# -- a scripted application -----------------------------------------------------------------


def reply(
    status: int = 200,
    json_body: Any = None,
    *,
    text: str | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    """An answer (a fresh response at each call)."""

    def answer(request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text, headers=headers)
        if json_body is None:
            return httpx.Response(status, headers=headers)
        return httpx.Response(status, json=json_body, headers=headers)

    return answer


def listing(*records: dict[str, Any]) -> Answer:
    """Ledgerline's answer to a listing or a find: these records, the whole of it."""
    return reply(200, {"data": list(records), "meta": {"total": len(records)}})


async def found(target: RestUsers, query: Query) -> list[TargetUser]:
    """Every user the target's pages give for `query`."""
    return [user async for page in target.pages(query) for user in page]


def lost(request: httpx.Request) -> httpx.Response:
    """The request went out and no answer came back."""
    raise httpx.ReadTimeout("no answer", request=request)


def ledgerline_error(status: int, code: str, message: str, **extra: Any) -> Answer:
    return reply(status, {"error": {"code": code, "message": message, **extra}})


@dataclass(frozen=True)
class Seen:
    """One request as the application received it."""

    method: str
    path: str
    raw_path: str
    params: dict[str, str]
    headers: httpx.Headers
    content: bytes
    host: str

    @property
    def json(self) -> Any:
        return json.loads(self.content) if self.content else None


class ScriptedApp:
    """Answers each (method, path) with its scripted answers in turn (the last one repeats) and
    records every request. An unscripted request fails the test."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Answer]] = {}
        self.calls: list[Seen] = []

    def on(self, method: str, path: str, *answers: Answer) -> ScriptedApp:
        """`path` is relative to the base URL's path (/accounts for /api/v2/accounts)."""
        assert answers
        self.routes[(method, BASE_PATH + path)] = list(answers)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(
            Seen(
                request.method,
                request.url.path,
                request.url.raw_path.decode("ascii").partition("?")[0],
                dict(request.url.params),
                request.headers,
                request.content,
                request.url.host,
            )
        )
        answers = self.routes.get((request.method, request.url.path))
        if answers is None:
            raise AssertionError(f"unscripted call {request.method} {request.url}")
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return answer(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def requests(self) -> list[tuple[str, str]]:
        """(method, path relative to the base URL) of every call, in order."""
        return [(c.method, c.path.removeprefix(BASE_PATH)) for c in self.calls]


# -- a target -------------------------------------------------------------------------------


def account(account_id: int = 1001, **fields: Any) -> dict[str, Any]:
    """A Ledgerline account as its API answers it."""
    record: dict[str, Any] = {
        "id": account_id,
        "username": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "employee_number": 42,
        "status": "enabled",
        "org": {"department": "Maths"},
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-02T00:00:00Z",
    }
    record.update(fields)
    return record


def oauth2_auth(token_url: str = "/oauth/token") -> Edit:
    """An edit of the sample description: OAuth2 client credentials at `token_url`, the client
    secret in the vault secret `ledgerline-client-secret`."""

    def edit(data: dict[str, Any]) -> None:
        data["auth"] = {
            "type": "oauth2",
            "tokenUrl": token_url,
            "clientId": "connector",
            "clientSecret": "ledgerline-client-secret",
        }

    return edit


def write_description(tmp_path: Path, edit: Edit | None = None) -> Path:
    data = sample_data()
    if edit is not None:
        edit(data)
    path = tmp_path / "description.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _built(
    tmp_path: Path,
    app: ScriptedApp,
    edit: Edit | None,
    secrets: SecretStore | None,
    settings: dict[str, str] | None = None,
) -> Targets:
    path = write_description(tmp_path, edit)
    description, marks = load_description(path)
    context = TargetContext(
        settings=Settings.from_env(settings or {}),
        secrets=secrets or EnvSecretStore({"LEDGERLINE_API_KEY": API_KEY}),
        transport=app.transport,
    )
    return build(description, context, path, marks)


def rest_target(
    tmp_path: Path,
    app: ScriptedApp,
    edit: Edit | None = None,
    *,
    secrets: SecretStore | None = None,
    settings: dict[str, str] | None = None,
) -> RestUsers:
    """The sample's target (changed by `edit`, with these settings) talking to `app`."""
    users = _built(tmp_path, app, edit, secrets, settings).users
    assert isinstance(users, RestUsers)
    return users


def rest_groups(tmp_path: Path, app: ScriptedApp, edit: Edit | None = None) -> RestGroups:
    """The sample's groups (changed by `edit`) talking to `app`."""
    groups = _built(tmp_path, app, edit, None).groups
    assert isinstance(groups, RestGroups)
    return groups


def problems_of(tmp_path: Path, text: str) -> tuple[Path, list[str]]:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DescriptionError) as caught:
        load_description(path)
    return path, caught.value.problems


def only_problem(tmp_path: Path, text: str, line: int) -> str:
    """The one problem reported, checked to be at `line` of the file."""
    path, problems = problems_of(tmp_path, text)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:{line}:"), (line, problems[0])
    return problems[0]
