"""The connector in a process of its own, for `bench.perf`: the function app served over local
HTTP, and a line protocol on stdin/stdout for the measures the harness takes from inside.

The process imports `function_app` first (nothing else of the connector, httpx included, so the
first request pays what it pays in a fresh Functions worker), serves it on 127.0.0.1 on a free
port and prints one JSON line: `{"url": …, "import_s": …, "pid": …}`. Then each line on stdin is
a command, answered by one JSON line on stdout:

    mem [gc]        RSS, peak RSS (VmHWM), traced and peak traced bytes; `gc` collects first
    reset-peak      resets the peak RSS (/proc/self/clear_refs) and tracemalloc's peak
    trace on|off    starts or stops tracemalloc (slows allocation: time nothing while on)
    trace top K     the K source lines holding the most traced memory now: [[line, bytes], …]
    profile on      cProfile (thread CPU time) on the event-loop thread, where handlers run
    profile off P   stops it and writes the stats to the file P (read them with pstats)
    cpu             CPU seconds used so far by the loop thread and by the whole process
    quit            stops serving and exits

The configuration is the environment the harness passes (the same variables as in Azure). The
simulators stay in the harness's process, so their memory is not this process's.
"""

from __future__ import annotations

import time

_started = time.perf_counter()

import function_app  # noqa: E402

_import_s = time.perf_counter() - _started

import asyncio  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from concurrent.futures import Future  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, TypeVar  # noqa: E402

from connector.cli.local_host import RunningServer, start  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")


def _status_bytes(field: str) -> int:
    """A `kB` line of /proc/self/status, in bytes (0 where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _memory(collect: bool) -> dict[str, Any]:
    import tracemalloc

    if collect:
        gc.collect()
    traced, peak = tracemalloc.get_traced_memory() if tracemalloc.is_tracing() else (0, 0)
    return {
        "rss": _status_bytes("VmRSS"),
        "hwm": _status_bytes("VmHWM"),
        "traced": traced,
        "traced_peak": peak,
    }


def _traced_top(count: int) -> list[list[Any]]:
    import tracemalloc

    gc.collect()
    root = str(ROOT) + "/"
    top = tracemalloc.take_snapshot().statistics("lineno")[:count]
    return [
        [f"{s.traceback[0].filename.removeprefix(root)}:{s.traceback[0].lineno}", s.size]
        for s in top
    ]


def _reset_peak() -> dict[str, Any]:
    import tracemalloc

    try:
        # "5" resets VmHWM to the current RSS (Linux 4.0+).
        Path("/proc/self/clear_refs").write_text("5")
    except OSError as problem:
        return {"error": f"cannot reset the peak RSS: {problem}"}
    if tracemalloc.is_tracing():
        tracemalloc.reset_peak()
    return {}


def _on_loop(loop: asyncio.AbstractEventLoop, action: Callable[[], T]) -> T:
    """Runs `action` on the loop's thread and returns its result."""
    done: Future[T] = Future()
    loop.call_soon_threadsafe(lambda: done.set_result(action()))
    return done.result(timeout=30)


class _Profiler:
    """cProfile profiles the thread that enables it: the handlers run on the host's loop."""

    def __init__(self, server: RunningServer) -> None:
        self._loop = server.host.loop
        self._profile: Any = None

    def on(self) -> dict[str, Any]:
        import cProfile

        # The loop thread's own CPU time: its idle waits (epoll) cost nothing.
        self._profile = cProfile.Profile(time.thread_time)
        _on_loop(self._loop, self._profile.enable)
        return {}

    def off(self, path: str) -> dict[str, Any]:
        if self._profile is None:
            return {"error": "no profile running"}
        _on_loop(self._loop, self._profile.disable)
        self._profile.dump_stats(path)
        self._profile = None
        return {"path": path}

    def cpu(self) -> dict[str, Any]:
        """CPU seconds so far: the loop thread's, and the whole process's (all threads)."""
        return {"loop": _on_loop(self._loop, time.thread_time), "process": time.process_time()}


def _answer(words: list[str], profiler: _Profiler) -> dict[str, Any] | None:
    import tracemalloc

    match words:
        case ["mem", *rest]:
            return _memory(collect=rest == ["gc"])
        case ["reset-peak"]:
            return _reset_peak()
        case ["trace", "on"]:
            tracemalloc.start()
            return {}
        case ["trace", "off"]:
            tracemalloc.stop()
            return {}
        case ["trace", "top", count] if count.isdigit():
            return {"top": _traced_top(int(count))}
        case ["profile", "on"]:
            return profiler.on()
        case ["profile", "off", path]:
            return profiler.off(path)
        case ["cpu"]:
            return profiler.cpu()
        case ["quit"]:
            return None
    return {"error": f"unknown command {' '.join(words)!r}"}


def main() -> int:
    server = start(function_app.app, ROOT / "host.json", "127.0.0.1", 0)
    print(json.dumps({"url": server.url, "import_s": _import_s, "pid": os.getpid()}), flush=True)
    profiler = _Profiler(server)
    try:
        for line in sys.stdin:
            answer = _answer(line.split(), profiler)
            if answer is None:
                break
            print(json.dumps(answer), flush=True)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
