"""Per-run measurement: latencies, counts, throughput over time. Thread-safe, cheap.

One `Recorder` per strategy run. Workers call `record(...)` once per *request as the
application sees it* (a PutItem, or one BatchWriteItem of up to 25 items); the latency
includes retries hidden inside the library (botocore, the raw client), which are counted
separately from `ResponseMetadata.RetryAttempts` / `CallInfo`.

Counters
- requests: calls made (= histogram count)
- ok / failed: items acknowledged written / items given up on
- retried: requests that needed at least one retry; retries: total retry attempts
  (library retries + resends of UnprocessedItems)
- throttled: throttle responses seen (each attempt), server_errors (5xx), conn_errors

Throughput: items acknowledged per fixed interval (`INTERVAL` = 0.25 s) since `start()`.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from ddbtui.bench.stats import encode_histogram, decode_histogram, histogram_summary, new_histogram, record_us

INTERVAL = 0.25
COUNTERS = ("requests", "ok", "failed", "retried", "retries", "throttled", "server_errors", "conn_errors")
SUMS = ("sum_us", "sumsq_us")


class Recorder:
    # COUNTERS and SUMS, set in __init__ (declared here for readers and mypy)
    requests: int
    ok: int
    failed: int
    retried: int
    retries: int
    throttled: int
    server_errors: int
    conn_errors: int
    sum_us: float
    sumsq_us: float

    def __init__(self, total: int = 0, interval: float = INTERVAL, *, exporting: bool = False):
        """`exporting`: keep the extra histogram `export_delta()` needs (worker processes)."""
        self.total = total
        self.exporting = exporting
        self.interval = interval
        self._lock = threading.Lock()
        self.hist = new_histogram()
        self._delta_hist = new_histogram()  # since the last export_delta()
        self._snap_hist = new_histogram()   # since the last take_snapshot_delta()
        self.t0: float | None = None
        self.buckets: list[int] = []
        for c in COUNTERS + SUMS:
            setattr(self, c, 0)
        self._last_export = {c: 0 for c in COUNTERS + SUMS}
        self._last_export_buckets: list[int] = []
        self.errors: Counter[str] = Counter()
        self.first_error: str | None = None

    # ------------------------------------------------------------------ recording
    def start(self, t0: float | None = None) -> None:
        self.t0 = time.perf_counter() if t0 is None else t0

    def _bucket(self, now: float, n: int) -> None:
        if self.t0 is None or n <= 0:
            return
        b = int((now - self.t0) / self.interval)
        if b < 0:
            b = 0
        if b >= len(self.buckets):
            self.buckets.extend([0] * (b + 1 - len(self.buckets)))
        self.buckets[b] += n

    def record(self, latency_s: float, *, ok: int = 1, failed: int = 0, retries: int = 0,
               throttles: int = 0, server_errors: int = 0, conn_errors: int = 0,
               error: str | None = None, message: str | None = None) -> None:
        now = time.perf_counter()
        us = latency_s * 1e6
        with self._lock:
            record_us(self.hist, us)
            if self.exporting:
                record_us(self._delta_hist, us)
            else:
                record_us(self._snap_hist, us)
            self.requests += 1
            self.sum_us += us
            self.sumsq_us += us * us
            self.ok += ok
            self.failed += failed
            if retries:
                self.retried += 1
                self.retries += retries
            self.throttled += throttles
            self.server_errors += server_errors
            self.conn_errors += conn_errors
            if error:
                self.errors[error] += 1
                if self.first_error is None:
                    self.first_error = f"{error}: {message}" if message else error
            self._bucket(now, ok)

    def add(self, **counts: int) -> None:
        """Bump counters without a request (e.g. throttles seen by a botocore hook)."""
        with self._lock:
            for k, v in counts.items():
                setattr(self, k, getattr(self, k) + v)

    def fail_items(self, n: int, error: str | None = None, message: str | None = None) -> None:
        """Items given up on without a request (e.g. after a fatal error)."""
        if n <= 0:
            return
        with self._lock:
            self.failed += n
            if error:
                self.errors[error] += n
                if self.first_error is None:
                    self.first_error = f"{error}: {message}" if message else error

    # ------------------------------------------------------------------- reading
    @property
    def done(self) -> int:
        return self.ok + self.failed

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {c: getattr(self, c) for c in COUNTERS}

    def take_snapshot_delta(self) -> str:
        """Encoded histogram of what was recorded since the previous call (for live views)."""
        with self._lock:
            h, self._snap_hist = self._snap_hist, new_histogram()
        return encode_histogram(h)

    def summary(self) -> dict:
        with self._lock:
            return histogram_summary(self.hist, self.sum_us, self.sumsq_us)

    def throughput_series(self) -> list[float]:
        """Items/s per interval, from start to the last completed request."""
        with self._lock:
            return [round(n / self.interval, 1) for n in self.buckets]

    # ---------------------------------------------- merging (worker processes)
    def export_delta(self) -> dict:
        """What changed since the previous export: counters, histogram, buckets, errors."""
        with self._lock:
            d = {c: getattr(self, c) - self._last_export[c] for c in COUNTERS + SUMS}
            self._last_export = {c: getattr(self, c) for c in COUNTERS + SUMS}
            h, self._delta_hist = self._delta_hist, new_histogram()
            old = self._last_export_buckets
            buckets = {i: n - (old[i] if i < len(old) else 0) for i, n in enumerate(self.buckets)}
            self._last_export_buckets = list(self.buckets)
            errors = dict(self.errors)
            self.errors.clear()
            first = self.first_error
        d["hist"] = encode_histogram(h)
        d["buckets"] = {i: n for i, n in buckets.items() if n}
        d["errors"] = errors
        d["first_error"] = first
        return d

    def absorb(self, delta: dict) -> None:
        h = decode_histogram(delta.get("hist"))
        with self._lock:
            for c in COUNTERS:
                setattr(self, c, getattr(self, c) + int(delta.get(c, 0)))
            for c in SUMS:
                setattr(self, c, getattr(self, c) + float(delta.get(c, 0.0)))
            if h.get_total_count():
                self.hist.add(h)
                (self._delta_hist if self.exporting else self._snap_hist).add(h)
            for i, n in (delta.get("buckets") or {}).items():
                i = int(i)
                if i >= len(self.buckets):
                    self.buckets.extend([0] * (i + 1 - len(self.buckets)))
                self.buckets[i] += n
            for k, n in (delta.get("errors") or {}).items():
                self.errors[k] += n
            if self.first_error is None and delta.get("first_error"):
                self.first_error = delta["first_error"]
