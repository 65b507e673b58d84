"""The processes and clients `bench.perf` measures with: the connector and the target each in a
child process of their own, keep-alive HTTP clients that time one request at a time, and the
seeding of the target's directory straight through its API (never through the connector).

Every child answers within a bounded time or is killed; every HTTP call has a timeout.
"""

from __future__ import annotations

import http.client
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Self
from urllib.parse import quote, urlencode, urlsplit

from bench.perf_target import API_KEY, OKTA_TOKEN

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "legacyapp"
BEARER = "perf-scim-bearer"
SCIM_JSON = "application/scim+json"
OKTA_NO_FAULTS = {"X-Oktasim-No-Faults": "1"}
REST_NO_FAULTS = {"X-Legacyapp-No-Faults": "1"}
# The environment a child keeps from ours: enough to run Python, nothing that configures it.
_KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


class PerfError(Exception):
    """The stack did not answer as a measurement needs; the message says what happened."""


def child_env(settings: Mapping[str, str]) -> dict[str, str]:
    """A clean environment plus `settings`: no Key Vault, relay or telemetry leaks in."""
    env = {name: os.environ[name] for name in _KEPT if name in os.environ}
    env["PYTHONPATH"] = str(ROOT)
    env.update(settings)
    return env


def okta_settings(org_url: str) -> dict[str, str]:
    return {
        "OKTA_ORG_URL": org_url,
        "OKTA_API_TOKEN": OKTA_TOKEN,
        "SCIM_BEARER_TOKEN": BEARER,
        "LOG_LEVEL": "WARNING",
    }


def rest_settings(app_url: str, api_key: str = API_KEY, bearer: str = BEARER) -> dict[str, str]:
    """The Ledgerline sample, configured as tests/rest_e2e/harness.py does."""
    return {
        "TARGET": "rest",
        "TARGET_DESCRIPTION": str(SAMPLE / "description.yaml"),
        "TARGET_BASE_URL": f"{app_url}/api/v2",
        "SCHEMA_XML_PATH": str(SAMPLE / "Schema.xml"),
        "SCHEMA_MAPPING_PATH": str(SAMPLE / "mapping.json"),
        "LEDGERLINE_API_KEY": api_key,
        "SCIM_BEARER_TOKEN": bearer,
        "LOG_LEVEL": "WARNING",
    }


class LineProcess:
    """A child `python -m <module>` that prints one JSON line when ready and then answers each
    command line with one JSON line (bench/perf_host.py, bench/perf_target.py)."""

    def __init__(self, name: str, module: str, args: Sequence[str], env: Mapping[str, str]):
        self.name = name
        # Closed in close(); the child's stderr, shown when it fails.
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env=dict(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self.ready = self._read(timeout=60)

    @property
    def pid(self) -> int:
        return self._process.pid

    def _tail(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-2000:]

    def _read(self, timeout: float) -> dict[str, Any]:
        stdout = self._process.stdout
        assert stdout is not None
        # One command, one line: nothing is ever left in the pipe's buffer between answers.
        ready, _, _ = select.select([stdout], [], [], timeout)
        if not ready:
            self.kill()
            raise PerfError(f"{self.name}: no answer within {timeout:g} s\n{self._tail()}")
        line = stdout.readline()
        if not line:
            self.kill()
            raise PerfError(f"{self.name} exited\n{self._tail()}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise PerfError(f"{self.name}: {answer['error']}")
        return answer

    def command(self, *words: str, timeout: float = 60) -> dict[str, Any]:
        stdin = self._process.stdin
        assert stdin is not None
        stdin.write(" ".join(words) + "\n")
        stdin.flush()
        return self._read(timeout)

    def kill(self) -> None:
        self._process.kill()
        self._process.wait(timeout=10)

    def close(self) -> None:
        if self._process.poll() is None:
            try:
                assert self._process.stdin is not None
                self._process.stdin.write("quit\n")
                self._process.stdin.close()
                self._process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
        self._stderr.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Target(LineProcess):
    """The Okta simulator or the Ledgerline sandbox, and its request log."""

    def __init__(self, kind: str, accounts: int = 0) -> None:
        args = [kind] + (["--accounts", str(accounts)] if accounts else [])
        super().__init__(f"{kind} target", "bench.perf_target", args, child_env({}))
        self.kind = kind
        self.url: str = self.ready["url"]

    def mark(self) -> int:
        return int(self.command("log-count")["count"])

    def calls_since(self, mark: int) -> list[tuple[str, str, int]]:
        return [(m, t, int(s)) for m, t, s in self.command("log-since", str(mark))["calls"]]

    def settings(self) -> dict[str, str]:
        return okta_settings(self.url) if self.kind == "okta" else rest_settings(self.url)

    def client(self) -> Http:
        """A client of the application's own API, authenticated, never faulted or counted."""
        if self.kind == "okta":
            headers = {"Authorization": f"SSWS {OKTA_TOKEN}", "Accept": "application/json"}
            return Http(self.url, headers | OKTA_NO_FAULTS, "application/json")
        headers = {"X-Api-Key": API_KEY, "Accept": "application/json"}
        return Http(self.url, headers | REST_NO_FAULTS, "application/json")

    def counted_client(self) -> Http:
        """A client whose calls are the application's ordinary traffic (the direct calls)."""
        if self.kind == "okta":
            headers = {"Authorization": f"SSWS {OKTA_TOKEN}", "Accept": "application/json"}
        else:
            headers = {"X-Api-Key": API_KEY, "Accept": "application/json"}
        return Http(self.url, headers, "application/json")


class Connector(LineProcess):
    """The function app served by bench/perf_host.py in a fresh process."""

    def __init__(self, settings: Mapping[str, str]) -> None:
        super().__init__("connector", "bench.perf_host", [], child_env(settings))
        self.url: str = self.ready["url"]
        self.import_s: float = float(self.ready["import_s"])

    @property
    def tenant(self) -> str:
        return f"{self.url}/api/scim/v2"

    def client(self) -> Http:
        headers = {"Authorization": f"Bearer {BEARER}", "Accept": SCIM_JSON}
        return Http(self.tenant, headers, SCIM_JSON)

    def memory(self, collect: bool = True) -> dict[str, int]:
        answer = self.command("mem", *(["gc"] if collect else []))
        return {key: int(value) for key, value in answer.items()}


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


class Http:
    """One keep-alive HTTP/1.1 connection; `call` times one request, response read to the end."""

    def __init__(self, base_url: str, headers: Mapping[str, str], content_type: str) -> None:
        parts = urlsplit(base_url)
        self._connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=120
        )
        self._prefix = parts.path.rstrip("/")
        self._headers = dict(headers)
        self._content_type = content_type

    def connect(self) -> None:
        """Opens the connection now, so the first timed request does not pay for it."""
        self._connection.connect()

    def call(self, method: str, path: str, body: Any = None) -> Answer:
        headers = dict(self._headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = self._content_type
        started = time.perf_counter()
        self._connection.request(method, self._prefix + path, body=data, headers=headers)
        response = self._connection.getresponse()
        payload = response.read()
        return Answer(response.status, payload, time.perf_counter() - started)

    def expect(self, status: int, method: str, path: str, body: Any = None) -> Answer:
        answer = self.call(method, path, body)
        if answer.status != status:
            shown = answer.body[:300].decode(errors="replace")
            raise PerfError(f"{method} {path}: expected {status}, got {answer.status}: {shown}")
        return answer

    def close(self) -> None:
        self._connection.close()


def with_query(path: str, **params: str) -> str:
    return f"{path}?{urlencode(params, quote_via=quote)}"


@contextmanager
def clients(*makers: Any) -> Iterator[list[Http]]:
    made = [maker() for maker in makers]
    try:
        yield made
    finally:
        for client in made:
            client.close()


# -- seeding the target directly ------------------------------------------------------------------


def okta_profile(n: int) -> dict[str, Any]:
    """A user as Entra would have provisioned them (the attributes the packaged mapping writes)."""
    login = f"user{n:05d}@example.com"
    return {
        "login": login,
        "email": login,
        "firstName": "Synthetic",
        "lastName": f"User {n:05d}",
        "displayName": f"Synthetic User {n:05d}",
        "title": "Engineer",
        "department": "IT",
        "employeeNumber": str(n),
        "scimExternalId": f"synthetic-{n:05d}",
    }


def seed_okta_users(okta: Http, first: int, last: int) -> list[str]:
    """Creates active users first..last-1 in Okta; returns their ids."""
    ids = []
    for n in range(first, last):
        made = okta.expect(200, "POST", "/api/v1/users?activate=true", {"profile": okta_profile(n)})
        ids.append(str(made.json()["id"]))
    return ids


def seed_okta_group(okta: Http, name: str, members: Sequence[str]) -> str:
    made = okta.expect(
        200, "POST", "/api/v1/groups", {"profile": {"name": name, "scimExternalId": name}}
    )
    group_id = str(made.json()["id"])
    for user_id in members:
        okta.expect(204, "PUT", f"/api/v1/groups/{group_id}/users/{user_id}")
    return group_id


def seed_rest_team(app: Http, name: str, members: Sequence[int], batch: int = 20) -> str:
    made = app.expect(201, "POST", "/api/v2/teams", {"data": {"name": name}})
    team_id = str(made.json()["data"]["id"])
    for at in range(0, len(members), batch):
        ids = list(members[at : at + batch])
        app.expect(200, "POST", f"/api/v2/teams/{team_id}/members", {"data": {"account_ids": ids}})
    return team_id
