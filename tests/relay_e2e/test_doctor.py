"""`python -m connector doctor` with the relay settings: the relay check, and the Okta check
made through the relay (the application's URL is not reachable directly)."""

from __future__ import annotations

import asyncio
import os
import sys

from endpoint.harness import BEARER, OKTA_TOKEN, ROOT
from relay.conftest import SEND_KEY

from connector.cli.doctor import CheckResult, run_doctor

from .conftest import UNREACHABLE_ORG, RelayStack, relay_env, relay_stack


def _env(rs: RelayStack, **changes: str) -> dict[str, str]:
    return {
        **relay_env(rs.double),
        "OKTA_API_TOKEN": OKTA_TOKEN,
        "SCIM_BEARER_TOKEN": BEARER,
        **changes,
    }


def _by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name: r for r in results}


async def test_relay_and_okta_checks_pass_through_the_agent() -> None:
    async with relay_stack() as rs:
        results = await run_doctor(_env(rs))
        assert [r.name for r in results] == [
            "OKTA_API_TOKEN",
            "SCIM_BEARER_TOKEN",
            "relay",
            "okta",
            "okta-user-schema",
            "okta-group-schema",
            "entra-jwt",
            "schema",
        ]
        assert all(r.ok for r in results), [r.line() for r in results]
        checks = _by_name(results)
        assert "agent answered" in checks["relay"].detail
        assert checks["okta"].detail == f"{UNREACHABLE_ORG} accepted the API token"
        calls = [(m, t) for m, t, _ in rs.okta.sim.request_log]
        assert ("GET", "/api/v1/users?limit=1") in calls
        assert ("GET", "/api/v1/meta/schemas/group/default") in calls
        # The relay check, the token check and the two profile schemas.
        assert len(rs.double.sender_requests) == 4


async def test_no_listener_fails_with_a_fix() -> None:
    async with relay_stack(with_agent=False) as rs:
        checks = _by_name(await run_doctor(_env(rs)))
    relay = checks["relay"]
    assert not relay.ok
    assert "502" in relay.detail
    assert "no listener is connected" in relay.detail
    assert "TrackingId" in relay.detail
    assert relay.fix is not None
    assert "relay_agent" in relay.fix
    assert not checks["okta"].ok
    assert "relay check failed" in checks["okta"].detail


async def test_wrong_send_key_fails_without_showing_it() -> None:
    async with relay_stack() as rs:
        results = await run_doctor(_env(rs, RELAY_SEND_KEY="a-wrong-send-key-ZZZZ="))
        assert not [f for f in rs.double.frames if f.channel == "control"]
    relay = _by_name(results)["relay"]
    assert not relay.ok
    assert "401" in relay.detail
    assert relay.fix is not None
    assert "RELAY_SEND_KEY" in relay.fix
    text = "\n".join(r.line() for r in results)
    assert "a-wrong-send-key-ZZZZ" not in text
    assert SEND_KEY not in text


async def test_missing_send_key_and_half_configuration() -> None:
    async with relay_stack() as rs:
        env = _env(rs)
        del env["RELAY_SEND_KEY"]
        relay = _by_name(await run_doctor(env))["relay"]
        assert not relay.ok
        assert "RELAY_SEND_KEY is not set" in relay.detail
        env = _env(rs)
        del env["RELAY_HYBRID_CONNECTION"]
        relay = _by_name(await run_doctor(env))["relay"]
        assert not relay.ok
        assert "RELAY_HYBRID_CONNECTION is required" in relay.detail
        assert rs.double.sender_requests == []


async def test_cli_with_relay_settings_exits_zero() -> None:
    async with relay_stack() as rs:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("OKTA_", "SCIM_", "KEY_VAULT", "ENTRA_", "RELAY_", "SCHEMA_"))
        }
        env.update(_env(rs))
        # The double and the agent live on this event loop: wait for the process without blocking.
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "connector",
            "doctor",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(20):
            out, err = await process.communicate()
    lines = out.decode().splitlines()
    assert process.returncode == 0, out.decode() + err.decode()
    assert len(lines) == 8
    assert all(line.startswith("ok ") for line in lines)
    assert any(line.startswith("ok    relay: ") for line in lines)
    assert SEND_KEY not in out.decode() + err.decode()
