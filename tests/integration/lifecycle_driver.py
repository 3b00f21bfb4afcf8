"""A parent that starts every kind of child ddbtui starts, through ddbtui's own code: a
local engine (moto, optional), a benchmark session with its fault proxy process, the
bench engine process and its worker processes (started from a short-lived thread, like the
TUI's workers); prints READY when the workers write, then waits to be killed (tests/integration/test_lifecycle.py).

    python -m tests.integration.lifecycle_driver ENDPOINT [--with-engine] [--workers]
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

from ddbtui.bench.runner import Settings
from ddbtui.bench.session import BenchSession
from ddbtui.config import Connection
from ddbtui.local.engine import LocalEngine
from ddbtui.local.proxy import FaultConfig


def _start(session: BenchSession, errors: list[BaseException]) -> None:
    try:
        session.start()
    except BaseException as e:  # noqa: BLE001 - handed to the main thread
        errors.append(e)


def main() -> None:
    endpoint = sys.argv[1]
    engine = None
    if "--with-engine" in sys.argv:
        engine = LocalEngine(engine="moto", in_memory=True).start()
    conn = Connection(region="us-east-1").with_endpoint(endpoint, engine="dynamodb-local")
    strategy = "processes" if "--workers" in sys.argv else "aiohttp"
    settings = Settings(strategies=[strategy], items=200_000, concurrency=2, processes=1,
                        retry_mode="none")
    session = BenchSession(settings, conn, FaultConfig(latency_ms=2.0))
    try:
        # started from a short-lived thread, as the TUI's thread workers do: children must
        # neither die when that thread ends (PR_SET_PDEATHSIG's per-thread trap) nor outlive us
        errors: list[BaseException] = []
        t = threading.Thread(target=lambda: _start(session, errors))
        t.start()
        t.join()
        if errors:
            raise errors[0]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if any(s.done > 0 for s in session.poll()):
                break
            if session.done:
                raise SystemExit(f"the run ended early: {session.error}")
            time.sleep(0.05)
        print("READY " + json.dumps({"pid": os.getpid(), "engine": session.pid,
                                     "proxy": session.proxy.pid if session.proxy else None,
                                     "local_engine": engine.proc.pid if engine and engine.proc else None}),
              flush=True)
        while True:
            time.sleep(0.5)
    finally:
        session.close()
        if engine is not None:
            engine.stop()


if __name__ == "__main__":
    main()
