"""`python -m connector serve` from a shell: it prints the Tenant URL and Secret Token, and
answers Entra's probe against the embedded Okta sandbox within 60 seconds."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time

import httpx

from .harness import ROOT

STARTUP_SECONDS = 60


def test_serve_answers_a_probe_with_the_printed_credentials() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OKTA_", "SCIM_", "KEY_"))}
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "connector", "serve", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout

    def pump() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        printed: dict[str, str] = {}
        while len(printed) < 2:
            line = lines.get(timeout=max(0.1, STARTUP_SECONDS - (time.monotonic() - started)))
            label, _, value = line.strip().partition(":")
            if label in {"Tenant URL", "Secret Token"}:
                printed[label] = value.strip()
        probe = httpx.get(
            f"{printed['Tenant URL']}/Users",
            params={"filter": 'userName eq "5c0d9b2a-0d5e-4f43-9d0e-1f2a3b4c5d6e"'},
            headers={"Authorization": f"Bearer {printed['Secret Token']}"},
            timeout=30,
        )
        assert probe.status_code == 200
        assert probe.json()["totalResults"] == 0
        assert time.monotonic() - started < STARTUP_SECONDS
    finally:
        process.terminate()
        process.wait(timeout=10)
