"""Gunicorn reads this file by itself (it is in the working directory); command-line flags win.

With PROMETHEUS_MULTIPROC_DIR set, every worker writes its metric samples to files there and
/metrics adds them up (margint/metrics.py): the directory is emptied when the server starts, and
a worker's live gauges are dropped when it exits.
"""

from __future__ import annotations

import os
from pathlib import Path


def on_starting(server) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        for stale in Path(directory).glob("*.db"):
            stale.unlink()


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
