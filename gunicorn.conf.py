"""gunicorn settings for the Procfile, `make run` and the load benchmark (gunicorn reads this file by itself).

It imports nothing of the line: workers load the app after fork, once the settings below are in place.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

# Twilio gives a webhook 15 s; a request that takes a worker longer than this is already lost.
timeout = 15
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
accesslog = None  # the app logs each webhook itself, with phone numbers masked
# gunicorn 27's control socket has one path per user: two instances on a machine would fight over it,
# and nothing here uses it.
control_socket_disable = True

# Files touched on every request belong in memory: a write to a disk-backed file (a worker's heartbeat, the
# metrics' memory-mapped files) may wait for the disk, and the worker with it; gunicorn's docs warn of this
# for worker_tmp_dir. Linux machines and containers have a tmpfs at /dev/shm.
MEMORY_DIR = "/dev/shm"
_in_memory = MEMORY_DIR if os.path.isdir(MEMORY_DIR) and os.access(MEMORY_DIR, os.W_OK) else None
worker_tmp_dir = _in_memory

# prometheus-client chooses its multiprocess mode when it is first imported, in each worker as it loads the
# app: the folder where each worker writes its metrics must be in the environment before that.
METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"
_own_metrics_dir = METRICS_DIR not in os.environ
if _own_metrics_dir:
    os.environ[METRICS_DIR] = tempfile.mkdtemp(prefix="ivr-metrics-", dir=_in_memory)


# Graceful drain. On SIGTERM the instance first says it is going (/healthz answers 503) while it goes on
# serving, for this many seconds, so a load balancer takes it out before it stops listening; then gunicorn
# stops as usual, finishing the requests under way. The app reads the file's presence (IVR_DRAIN_FILE).
DRAIN_SECONDS = float(json.loads(os.environ.get("IVR_DRAIN_SECONDS", "5")))
os.environ["IVR_DRAIN_FILE"] = DRAIN_FILE = os.path.join(_in_memory or tempfile.gettempdir(),
                                                           f"ivr-draining-{os.getpid()}")


def drain_left() -> float:
    """Seconds of the drain still to run; the first to hear SIGTERM starts it (master or worker)."""
    try:
        started = os.stat(DRAIN_FILE).st_mtime
    except FileNotFoundError:
        Path(DRAIN_FILE).touch()
        return DRAIN_SECONDS
    return DRAIN_SECONDS - (time.time() - started)


def on_starting(server: Any) -> None:
    """Count from zero: files left by an earlier run would add its calls to this one's totals."""
    folder = Path(os.environ[METRICS_DIR])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    Path(DRAIN_FILE).unlink(missing_ok=True)


def when_ready(server: Any) -> None:
    """Make the master drain before it stops on SIGTERM."""
    stop = server.handle_term

    def drain_then_stop() -> None:
        left = drain_left()
        if left <= 0:
            stop()  # raises StopIteration: gunicorn's graceful stop
            return
        server.log.info("draining for %.1f s before stopping", left)
        # The timer's SIGTERM comes back here once the drain is over.
        threading.Timer(left, os.kill, (os.getpid(), signal.SIGTERM)).start()

    server.handle_term = drain_then_stop


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges; its counters stay in the sums, as Prometheus expects."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    """Remove the metrics folder this configuration made for itself, and the drain mark."""
    if _own_metrics_dir:
        shutil.rmtree(os.environ[METRICS_DIR], ignore_errors=True)
    Path(DRAIN_FILE).unlink(missing_ok=True)


def post_worker_init(worker: Any) -> None:
    """Keep start-up objects out of collections; on SIGTERM, serve on until the drain is over."""
    # Those objects live as long as the worker; without this every full collection walks them all again,
    # and a caller whose request lands on one waits for it.
    gc.freeze()
    exit_now = worker.handle_exit

    def exit_after_drain(sig: int, frame: Any) -> None:
        # Platforms such as Heroku send SIGTERM to every process at once: the worker must not stop
        # before the master has drained. From the master, after the drain, it comes with none left.
        left = drain_left()
        if left <= 0:
            exit_now(sig, frame)
        else:
            threading.Timer(left, exit_now, (sig, None)).start()

    signal.signal(signal.SIGTERM, exit_after_drain)
