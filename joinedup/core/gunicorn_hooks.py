"""gunicorn's server hooks for `joinedup serve` (`--config python:joinedup.core.gunicorn_hooks`).

Operators' metrics in several worker processes (`joinedup.core.metrics`): each worker writes its values to files under
`PROMETHEUS_MULTIPROC_DIR`, which `serve` empties before gunicorn starts; a worker that exits is marked dead, so its
live values are dropped while its counts are kept (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import os


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
