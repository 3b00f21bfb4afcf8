"""Process hygiene for the benchmark engine and its worker processes.

- `child_setup(cancel)`: in a spawned child: ignore SIGINT (Ctrl+C reaches the whole
  foreground process group; the parent decides and tells children through `cancel`), and
  start a watchdog thread that calls `cancel()` when the parent process goes away.
- `reap(pid_or_process)`: terminate, then kill, what is left below a process.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Callable


def child_setup(cancel: Callable[[], None], poll: float = 0.25) -> None:
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        pass
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(poll)
            if os.getppid() != parent:
                cancel()
                # the parent is gone: nobody reads our results; leave soon regardless
                time.sleep(3)
                os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def reap_children(pid: int | None = None, timeout: float = 1.0) -> int:
    """Terminate (then kill) every descendant of `pid` (default: this process). Returns how many."""
    try:
        import psutil
    except ImportError:  # pragma: no cover
        return 0
    try:
        kids = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    for k in kids:
        try:
            k.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(kids, timeout=timeout)
    for k in alive:
        try:
            k.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=timeout)
    return len(kids)
