"""What the benchmarks print about the machine beside their figures."""

from __future__ import annotations

import os
import time


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def cpu_reference_ms() -> float:
    """A fixed pure-Python loop, best of 3, in ms: the machine's speed at the time. A virtual
    machine's varies with its host's load (this one's by up to half), which the load average
    does not show; figures taken minutes apart compare only beside this one."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        sum(i * i for i in range(2_000_000))
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


def machine_line() -> str:
    return (
        f"load average {load_average()} on {os.cpu_count()} cores, "
        f"CPU reference {cpu_reference_ms():.0f} ms (scripts/bench_machine.py; lower is faster)"
    )
