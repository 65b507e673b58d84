"""The performance harness (bench/perf*.py) works: its arithmetic, and its connector and target
processes answer their line protocols. Timings are never asserted here (bench/RESULTS.md)."""

from __future__ import annotations

import cProfile
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.compare import gathered, table
from bench.instructions import self_cost
from bench.perf_listings import user_probe
from bench.perf_stack import Connector, PerfError, Target
from bench.perf_stats import package_of, parse_importtime, percentile, summarise

REPORT = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 |     b.inner
import time:       200 |        300 |   b
import time:        50 |         50 |   c
import time:        10 |        360 | a
import time:         5 |          5 | d
"""


def test_importtime_lines_know_their_importer() -> None:
    lines = {line.module: line for line in parse_importtime(REPORT)}
    assert set(lines) == {"a", "b", "b.inner", "c", "d"}
    assert (lines["b.inner"].parent, lines["b.inner"].depth) == ("b", 2)
    assert (lines["b"].parent, lines["c"].parent) == ("a", "a")
    assert lines["a"].parent is None
    assert lines["d"].parent is None
    assert (lines["a"].self_us, lines["a"].cumulative_us) == (10, 360)


def test_percentile_is_nearest_rank() -> None:
    values = [float(n) for n in range(100, 0, -1)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_profile_time_goes_to_packages_and_c_code_to_its_callers(tmp_path: Path) -> None:
    assert package_of(("/x/site-packages/httpx/_client.py", 1, "send")) == "httpx"
    assert package_of(("/repo/connector/service.py", 1, "get")) == "connector"
    assert package_of(("~", 0, "<built-in method builtins.len>")) is None
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(200):
        json.loads(json.dumps({"n": list(range(50))}))
    profile.disable()
    path = tmp_path / "run.prof"
    profile.dump_stats(path)
    summary = summarise(str(path))
    shares = dict(summary.by_package)
    assert sum(shares.values()) == pytest.approx(1.0)
    # json's C encoder and decoder count as json's, not as anonymous C code.
    assert shares["json"] == max(shares.values())


def test_the_connector_and_target_processes_answer_their_protocols(tmp_path: Path) -> None:
    with Target("okta") as target, Connector(target.settings()) as connector:
        client = connector.client()
        mark = target.mark()
        answer = client.call("GET", user_probe())
        assert answer.status == 200
        assert answer.json()["totalResults"] == 0
        calls = target.calls_since(mark)
        assert [(m, t.split("/")[3], s) for m, t, s in calls] == [("GET", "users", 404)]
        memory = connector.memory()
        assert memory["rss"] > 0
        assert memory["hwm"] >= memory["rss"]
        assert connector.command("reset-peak") == {}
        cpu = connector.command("cpu")
        assert cpu["process"] >= cpu["loop"] > 0
        connector.command("profile", "on")
        client.call("GET", user_probe())
        written = tmp_path / "probe.prof"
        connector.command("profile", "off", str(written))
        assert summarise(str(written)).total_s > 0
        with pytest.raises(PerfError, match="unknown command"):
            connector.command("nonsense")
        client.close()


def test_the_transport_bench_measures_each_way_a_call_can_go() -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "bench.transport", "--calls", "20"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows = [
        m.group(1) for m in re.finditer(r"^\s*(.+?)\s{2,}[\d.]+ us CPU per call$", ran.stdout, re.M)
    ]
    assert (
        rows
        == [
            "httpx's client over httpcore",
            "httpx's client over http11.py",
            "ApiClient.send (the connector's path)",
        ]
        * 2
    )


def test_compare_takes_medians_of_each_rounds_p50_overhead() -> None:
    def report(scim_ms: list[float], direct_ms: list[float], cpu_ms: float) -> dict[str, object]:
        row = {
            "name": "GET /Users/{id}",
            "scim_s": [v / 1000 for v in scim_ms],
            "direct_s": [v / 1000 for v in direct_ms],
            "loop_cpu_s": cpu_ms / 1000,
        }
        return {"overhead": [row]}

    rounds = [
        report([2.0, 1.5, 9.0], [0.5, 0.5, 0.7], 1.0),  # nearest-rank p50: 2.0 - 0.5
        report([1.8, 1.7, 1.9], [0.6, 0.9, 0.8], 1.2),  # 1.8 - 0.8
        report([3.0, 3.0, 3.0], [0.5, 0.5, 0.5], 2.5),  # 3.0 - 0.5
    ]
    figures = gathered(rounds)
    assert figures["GET /Users/{id}"]["overhead p50"] == pytest.approx([1.5, 1.0, 2.5])
    assert figures["GET /Users/{id}"]["loop CPU"] == pytest.approx([1.0, 1.2, 2.5])
    assert table("main", figures) == [
        "main",
        "  GET /Users/{id}              overhead p50 1.50 ms (1.00-2.50); "
        "loop CPU 1.20 ms (1.00-2.50)",
    ]


def test_a_callgrind_dump_counts_each_instruction_once(tmp_path: Path) -> None:
    # Two functions: main spends 100 + 20 itself and calls work (inclusive 50, said on the line
    # after `calls=`, which is work's own 50 again: it must not be counted twice).
    dump = tmp_path / "callgrind.out.1"
    dump.write_text(
        "events: Ir\nsummary: 0\n\n"
        "fn=(1) main\n10 100\n+1 20\ncalls=1 5\n* 50\n"
        "fn=(2) work\n5 30\n* 20\n"
    )
    assert self_cost(dump) == 170
