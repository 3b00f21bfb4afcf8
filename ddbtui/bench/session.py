"""One benchmark session, driven alike by `ddbtui bench` and the TUI's benchmark screen.

A `BenchSession` owns everything one benchmark needs besides the target itself: a first
contact with the target (so an unreachable endpoint or a rejected key fails in seconds with
one sentence, before anything is created), the fault proxy (its own process, with the
`FaultConfig` passed whole), the admin connection (tables are created and verified on the
target directly, never through the proxy), the engine process, its snapshots and run
records, cancel/kill, and saving the result.

    session = BenchSession(settings, connection, fault)    # fault: FaultConfig | None
    session.start()              # blocking (first contact, proxy, engine); SessionError
    while not session.done:
        for snap in session.poll(): ...
    doc = session.finish()       # joins the engine, stops the proxy; incomplete if cancelled
    path = session.save()        # results directory (and/or session.write_json(path))
    session.close()              # always: stops whatever is still running (idempotent)

`cancel()` asks the engine to stop (the result keeps what was measured, marked incomplete);
`kill()` stops the engine and its workers now. Thread-safe enough for the TUI: `start()`
runs in a worker thread, the rest from the UI thread.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ddbtui.bench import results
from ddbtui.bench.events import RunRecord
from ddbtui.bench.proxy_process import ProxyProcess
from ddbtui.bench.runner import RunHandle, Settings, Snapshot, start_run
from ddbtui.config import Connection
from ddbtui.dynamo.clients import new_client
from ddbtui.dynamo.errors import explain
from ddbtui.local.proxy import fetch_stats

if TYPE_CHECKING:  # pragma: no cover
    from ddbtui.local.proxy import FaultConfig

# first contact: one ListTables, at most 2 attempts of (2.5 s connect + 2.5 s read): < 10 s
PROBE_CONNECT_TIMEOUT = 2.5
PROBE_READ_TIMEOUT = 2.5
PROBE_ATTEMPTS = 2


class SessionError(Exception):
    """The session could not start; str() is one sentence naming the target."""


class BenchSession:
    def __init__(self, settings: Settings, connection: Connection,
                 fault: FaultConfig | None = None, *, log_path: str | None = None) -> None:
        if connection.endpoint_url is None:
            raise SessionError("the local engine has not started yet: no endpoint to benchmark")
        if fault is not None and connection.is_aws:
            raise SessionError("the fault proxy needs a local endpoint: it cannot sit in front of "
                               "real AWS (requests are signed for the endpoint's host)")
        self.settings = settings.validate()
        self.connection = connection  # the target; also the admin connection
        self.fault = fault
        self.log_path = log_path
        self.proxy: ProxyProcess | None = None
        self.handle: RunHandle | None = None
        self.saved_path: Path | None = None
        self._proxy_url: str | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._cancel_requested = False

    # ------------------------------------------------------------------ describing
    @property
    def run_connection(self) -> Connection:
        """What the strategies talk to: the target, or the fault proxy in front of it."""
        if self._proxy_url:
            return self.connection.via_proxy(self._proxy_url)
        return self.connection

    def describe_target(self) -> str:
        return self.run_connection.describe()

    # ------------------------------------------------------------------ starting
    def probe(self) -> None:
        """One ListTables on the target with short timeouts; SessionError with one sentence."""
        try:
            client = new_client(self.connection, retry_mode="standard", max_attempts=PROBE_ATTEMPTS,
                                connect_timeout=PROBE_CONNECT_TIMEOUT, read_timeout=PROBE_READ_TIMEOUT)
            try:
                client.list_tables(Limit=1)
            finally:
                client.close()
        except Exception as e:
            raise SessionError(explain(e, target=self.connection.describe(),
                                       region=self.connection.region)) from e

    def start(self, *, probe: bool = True) -> BenchSession:
        """First contact (unless the caller did it: `probe=False`), the fault proxy (if any),
        then the engine process. Blocking."""
        if probe:
            self.probe()
        with self._lock:
            if self._closed or self._cancel_requested:
                raise SessionError("cancelled before the engine started")
        if self.fault is not None:
            assert self.connection.endpoint_url is not None
            proxy = ProxyProcess(self.fault, self.connection.endpoint_url)
            try:
                proxy.start()
            except Exception as e:
                raise SessionError(str(e)) from e
            self.proxy = proxy
            self._proxy_url = proxy.url
            self.settings.proxy_url = proxy.url
            self.settings.proxy_config = {**self.fault.to_dict(), "describe": self.fault.describe()}
        with self._lock:
            if self._closed or self._cancel_requested:
                self._stop_proxy()
                raise SessionError("cancelled before the engine started")
            try:
                self.handle = start_run(self.settings, self.run_connection,
                                        admin_conn=self.connection if self.proxy else None,
                                        log_path=self.log_path)
            except Exception:
                self._stop_proxy()
                raise
        return self

    # ------------------------------------------------------------------ while running
    @property
    def started(self) -> bool:
        return self.handle is not None

    @property
    def pid(self) -> int | None:
        return self.handle.pid if self.handle is not None else None

    @property
    def proxy_url(self) -> str | None:
        return self._proxy_url

    @property
    def capacity_model(self) -> str | None:
        """"aws" when the proxy in front of the target runs the AWS capacity model."""
        return self.fault.capacity_model if self.fault is not None and self._proxy_url else None

    def capacity_stats(self) -> dict[str, Any] | None:
        """The proxy's capacity model right now (`/__ddbtui/stats` -> `capacity`: throttles by
        reason since this strategy run started, each table's buckets); None when there is no
        model or the proxy does not answer within 1 s. Blocking: call it off the UI loop."""
        url = self._proxy_url
        if url is None or not self.capacity_model:
            return None
        try:
            cap = fetch_stats(url, timeout=1.0).get("capacity")
        except (OSError, ValueError):
            return None
        return cap if isinstance(cap, dict) else None

    def poll(self) -> list[Snapshot]:
        return self.handle.poll() if self.handle is not None else []

    @property
    def runs(self) -> list[RunRecord]:
        return self.handle.runs if self.handle is not None else []

    @property
    def done(self) -> bool:
        return self.handle is not None and self.handle.done

    @property
    def cancelled(self) -> bool:
        return self._cancel_requested

    @property
    def result(self) -> dict[str, Any] | None:
        return self.handle.result if self.handle is not None else None

    @property
    def error(self) -> str | None:
        doc = self.result
        if doc is not None and doc.get("error"):
            return str(doc["error"])
        return self.handle.error if self.handle is not None else None

    def cancel(self) -> None:
        """Ask the engine to stop; what was measured is kept, marked incomplete."""
        with self._lock:
            self._cancel_requested = True
            h = self.handle
        if h is not None:
            h.cancel()

    def kill(self) -> None:
        """Stop the engine process and its workers now."""
        h = self.handle
        if h is not None:
            h.kill()

    # ------------------------------------------------------------------ ending
    def finish(self, timeout: float | None = None, *, grace: float | None = None) -> dict[str, Any] | None:
        """Wait for the result (the engine is killed CANCEL_GRACE after a cancel), stop the
        proxy. The document says "complete": false when the run was cancelled."""
        h = self.handle
        doc = None
        if h is not None:
            # stopping on a signal: once the result is in, the engine's exit is not waited for
            doc = h.join(timeout, grace=grace, exit_wait=1.0 if grace is None else 0.2)
            if doc is not None and self._cancel_requested:
                doc["complete"] = False
        self._stop_proxy()
        return doc

    def save(self, directory: Path | None = None) -> Path | None:
        doc = self.result
        if doc is None:
            return None
        self.saved_path = results.save(doc, directory)
        return self.saved_path

    def write_json(self, path: str) -> None:
        doc = self.result
        if doc is not None:
            results.write_json(doc, path)

    def close(self) -> None:
        """Stop everything still running (idempotent; leaving a screen, quitting, errors)."""
        with self._lock:
            self._closed = True
            h = self.handle
        if h is not None and not h.finished:
            h.cancel()
            h.kill()
        elif h is not None:
            h.reap(0.5)
        self._stop_proxy()

    def _stop_proxy(self) -> None:
        p, self.proxy = self.proxy, None
        if p is not None:
            p.stop()
