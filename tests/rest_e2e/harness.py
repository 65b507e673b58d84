"""The connector served over local HTTP with TARGET=rest, pointed at a described application
running in this process, and a target-neutral view of that application's state."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from endpoint.harness import BEARER, FLAG, ROOT, connector

from connector.cli.local_host import RunningServer
from legacyapp import Sandbox, SandboxOptions

SAMPLE = ROOT / "samples" / "legacyapp"
API_KEY = "ledgerline-key-for-tests"


@dataclass(frozen=True)
class AppUser:
    id: str
    login: str
    active: bool
    record: dict[str, Any]


@dataclass
class App:
    """What a test reads of the application behind the connector."""

    name: str
    users: Callable[[], list[AppUser]]
    calls: Callable[[], list[tuple[str, str, int]]]
    # The user's values by the connector's attribute names, read from the raw record by the
    # test's own knowledge of the application (never through the description).
    profile: Callable[[AppUser], dict[str, Any]]
    # What the application keeps beyond userName, name, the work email and the state (the
    # sequences send and check only these): displayName, nickName, title, userType,
    # preferredLanguage, phones, department, manager, externalId, employeeNumber, ecma2host.
    stores: frozenset[str] = frozenset()

    def user(self, login: str) -> AppUser:
        found = [u for u in self.users() if u.login.lower() == login.lower()]
        assert len(found) == 1, f"expected exactly one {self.name} user {login}, found {len(found)}"
        return found[0]

    def logins(self) -> list[str]:
        return sorted(u.login for u in self.users())


@dataclass
class RestStack:
    app: App
    server: RunningServer
    app_url: str = ""  # the application's own origin (the sandbox's), e.g. for a relay agent
    sandbox: Sandbox | None = None  # the Ledgerline sandbox, when that is the application

    @property
    def tenant_url(self) -> str:
        return f"{self.server.url}/api/scim/v2"

    def client(self, flag: bool = False, token: str = BEARER) -> httpx.Client:
        return httpx.Client(
            base_url=self.tenant_url,
            headers={"Authorization": f"Bearer {token}"},
            params={FLAG: ""} if flag else None,
            timeout=60,
        )

    def calls_during(self, action: Callable[[], object]) -> list[tuple[str, str, int]]:
        """The application calls `action` caused."""
        before = len(self.app.calls())
        action()
        return self.app.calls()[before:]


def ledgerline(sandbox: Sandbox) -> App:
    def users() -> list[AppUser]:
        return [
            AppUser(str(a["id"]), a["username"], a["status"] == "enabled", a)
            for a in sandbox.accounts()
        ]

    def profile(user: AppUser) -> dict[str, Any]:
        a = user.record
        return {
            "login": a["username"],
            "firstName": a["first_name"],
            "lastName": a["last_name"],
            "displayName": a["display_name"],
            "nickName": a["nickname"],
            "email": a["email"],
            "title": a["title"],
            "employeeNumber": a["employee_number"],
            "department": a["org"]["department"],
            "mobilePhone": a["phones"]["mobile"],
            "primaryPhone": a["phones"]["work"],
            "managerId": a["manager_id"],
            "externalId": a["external_ref"],
        }

    return App(
        "Ledgerline HR",
        users,
        lambda: list(sandbox.request_log),
        profile,
        frozenset(
            {
                "displayName",
                "nickName",
                "title",
                "userType",
                "preferredLanguage",
                "phones",
                "department",
                "manager",
                "externalId",
                "employeeNumber",
                "ecma2host",
            }
        ),
    )


def sample_env(base_url: str, description: Path = SAMPLE / "description.yaml") -> dict[str, str]:
    return {
        "TARGET": "rest",
        "TARGET_DESCRIPTION": str(description),
        "TARGET_BASE_URL": f"{base_url}/api/v2",
        "SCHEMA_XML_PATH": str(SAMPLE / "Schema.xml"),
        "SCHEMA_MAPPING_PATH": str(SAMPLE / "mapping.json"),
        "LEDGERLINE_API_KEY": API_KEY,
    }


@contextmanager
def ledgerline_stack(options: SandboxOptions | None = None, **env: str) -> Iterator[RestStack]:
    sandbox = Sandbox(options or SandboxOptions(api_key=API_KEY))
    with (
        sandbox.start(host="127.0.0.1", port=0) as running,
        connector({**sample_env(running.url), **env}) as server,
    ):
        yield RestStack(ledgerline(sandbox), server, running.url, sandbox)
