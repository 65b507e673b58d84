"""`python -m relay_agent` as a real process: serves, reports health, stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys

import httpx
from waits import eventually

from .conftest import LISTEN_KEY
from .double import RelayDouble
from .localapp import LocalApp


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_runs_as_a_process_and_stops_on_sigterm(
    double: RelayDouble, app: LocalApp, sender: httpx.AsyncClient
) -> None:
    health_port = free_port()
    env = {
        **os.environ,
        "RELAY_NAMESPACE": double.namespace,
        "RELAY_HYBRID_CONNECTION": double.hybrid_connection,
        "RELAY_LISTEN_KEY": LISTEN_KEY,
        "RELAY_AGENT_LOCAL_URL": app.url,
        "RELAY_AGENT_RELAY_URL": f"ws://127.0.0.1:{double.port}",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "relay_agent",
        "--health-port",
        str(health_port),
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await double.wait_for_listeners(1)
        [listener] = double.listeners
        response = await sender.get("/api/v1/users?filter=secret-value")
        assert response.status_code == 200
        async with httpx.AsyncClient() as client:
            health = await client.get(f"http://127.0.0.1:{health_port}/healthz")
        assert health.json()["connected"] is True
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            _, stderr = await process.communicate()
    assert process.returncode == 0
    await eventually(lambda: listener.peer.closed.is_set())
    assert listener.peer.close_code == 1000
    log = stderr.decode()
    assert "GET /onprem-rest/api/v1/users?filter=… 200" in log
    assert "secret-value" not in log
    assert LISTEN_KEY not in log
    assert "SharedAccessSignature" not in log
