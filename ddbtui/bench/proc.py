"""Process hygiene: every child ddbtui starts dies with its parent, within a fraction of a
second, however the parent ends (SIGKILL, SIGTERM, SIGINT, SIGHUP, a crash) and whichever
thread started the child.

How a child learns that its parent is gone (no polling delay, no thread caveats):
- a *lifeline pipe*: the parent holds the write end, the child the read end; the kernel
  closes the write end when the parent process dies, the child's blocking read returns
  EOF at once. multiprocessing's spawn children already have one
  (`multiprocessing.parent_process().sentinel`); `lifeline_popen` gives one to any
  `python -m module` child (`python -m ddbtui.bench.lifeline module args...`).
- a parent-pid poll as a second guard (the parent changed: we were re-parented).
`PR_SET_PDEATHSIG` is *not* used for these: the kernel ties it to the thread that forked,
so a child started from a short-lived worker thread (Textual's thread workers) would be
killed when that thread ends (the local engine, started from the main thread, uses it).

- `child_setup(cancel)`: in a spawned child: ignore SIGINT (Ctrl+C reaches the whole
  foreground process group; the parent decides and tells children through `cancel`) and
  watch the parent: when it dies, call `cancel()`, kill our own descendants, exit.
- `reap_children(pid)`: terminate, then kill, what is left below a process.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import psutil

LIFELINE_ENV = "DDBTUI_LIFELINE_FD"
PARENT_POLL = 0.2  # seconds between parent-pid checks (the pipe is the fast path)


def _lifeline_fd() -> int | None:
    """The read end of this process's lifeline pipe, if it has one."""
    parent = multiprocessing.parent_process()
    sentinel = getattr(parent, "sentinel", None) if parent is not None else None
    if isinstance(sentinel, int):
        return sentinel
    raw = os.environ.get(LIFELINE_ENV)
    if raw and raw.isdigit():
        return int(raw)
    return None


def watch_parent(on_death: Callable[[], None], *, poll: float = PARENT_POLL) -> threading.Thread:
    """Call `on_death()` (in a daemon thread) as soon as the parent process is gone, then
    kill this process's descendants and exit. Returns the watching thread."""
    parent = os.getppid()
    fd = _lifeline_fd()

    def gone() -> None:
        try:
            on_death()
        except BaseException:  # noqa: BLE001 - we are leaving regardless
            pass
        reap_children(timeout=0.3)
        os._exit(1)  # nobody reads our results any more

    def watch() -> None:
        while True:
            if fd is not None:
                try:
                    ready, _, _ = select.select([fd], [], [], poll)
                except (OSError, ValueError):
                    ready = []
                if ready:
                    try:
                        data = os.read(fd, 1)
                    except OSError:
                        data = b""
                    if not data:  # EOF: the parent's end closed, so the parent is gone
                        gone()
                        return
            else:
                time.sleep(poll)
            if os.getppid() != parent:
                gone()
                return

    t = threading.Thread(target=watch, name="parent-watchdog", daemon=True)
    t.start()
    return t


def child_setup(cancel: Callable[[], None], poll: float = PARENT_POLL) -> None:
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        pass
    watch_parent(cancel, poll=poll)


def lifeline_popen(module: str, args: Sequence[str], **popen_kw: Any) -> subprocess.Popen[Any]:
    """`python -m module args...` as a child that exits when this process dies (see the
    module docstring). The parent's end of the pipe lives as long as the Popen object
    (closed by `close_lifeline(p)` after the child is stopped)."""
    r, w = os.pipe()
    env = dict(popen_kw.pop("env", None) or os.environ)
    env[LIFELINE_ENV] = str(r)
    try:
        p = subprocess.Popen([sys.executable, "-m", "ddbtui.bench.lifeline", module, *args],
                             pass_fds=(r,), env=env, **popen_kw)
    except BaseException:
        os.close(w)
        raise
    finally:
        os.close(r)
    p._ddbtui_lifeline = w  # type: ignore[attr-defined]
    return p


def close_lifeline(p: subprocess.Popen[Any]) -> None:
    """Close the parent's end of `p`'s lifeline (the child, if still alive, then exits)."""
    w = getattr(p, "_ddbtui_lifeline", None)
    if w is not None:
        p._ddbtui_lifeline = None  # type: ignore[attr-defined]
        try:
            os.close(w)
        except OSError:
            pass


def reap_children(pid: int | None = None, timeout: float = 1.0) -> int:
    """Terminate (then kill) every descendant of `pid` (default: this process). Returns how many."""
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


# ----------------------------------------------------------------- signals in the parent
class Terminated(BaseException):
    """Raised in the main thread when SIGTERM or SIGHUP arrives (see `signals_as_exception`);
    the exit code of a process ended by it is 128 + signum."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"terminated by {signal.Signals(signum).name}")
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class signals_as_exception:
    """Within the block, SIGTERM and SIGHUP raise `Terminated` in the main thread once (a
    second signal while stopping is remembered, not raised again), so `finally` blocks run:
    children are stopped, partial results saved. Restores the previous handlers on exit.
    Outside the main thread it does nothing."""

    SIGNALS = (signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self._prev: dict[int, Any] = {}
        self.received: int | None = None

    def _handler(self, signum: int, frame: Any) -> None:
        if self.received is None:
            self.received = signum
            raise Terminated(signum)

    def __enter__(self) -> signals_as_exception:
        if threading.current_thread() is threading.main_thread():
            for s in self.SIGNALS:
                prev = signal.getsignal(s)
                if s == signal.SIGHUP and prev == signal.SIG_IGN:
                    continue  # nohup: the user asked us to survive the terminal closing
                self._prev[s] = prev
                signal.signal(s, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        for s, prev in self._prev.items():
            signal.signal(s, prev)
        self._prev.clear()
