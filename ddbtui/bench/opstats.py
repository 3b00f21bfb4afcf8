"""Per-operation measurement for mixed and open-loop runs (beside the run's `Recorder`).

For every operation: a response-time histogram (from its *intended* start) and a
service-time histogram (from its actual send), counts, items; for the run: both histograms
merged, the consumed capacity (`cost.CapacityMeter`), and operations sent per second (the
achieved rate, next to the schedule's target). In a closed loop intended = actual, so the
two histograms agree. Mergeable across processes (`export()` / `absorb()`).
"""

from __future__ import annotations

import threading
from typing import Any

from ddbtui.bench.cost import CapacityMeter
from ddbtui.bench.stats import decode_histogram, encode_histogram, histogram_summary, new_histogram, record_us


class _Op:
    __slots__ = ("response", "service", "ok", "failed", "items", "errors")

    def __init__(self) -> None:
        self.response = new_histogram()
        self.service = new_histogram()
        self.ok = 0
        self.failed = 0
        self.items = 0
        self.errors: dict[str, int] = {}


class OpStats:
    def __init__(self, interval: float = 1.0):
        self.interval = interval
        self._lock = threading.Lock()
        self.t0: float | None = None
        self.ops: dict[str, _Op] = {}
        self.response = new_histogram()
        self.service = new_histogram()
        self._snap_response = new_histogram()
        self._snap_service = new_histogram()
        self._first_service = new_histogram()  # the first interval: the engine's baseline
        self.sent_series: list[int] = []
        self.capacity = CapacityMeter(interval)
        self.pace: dict[str, Any] | None = None
        self.lateness_us: list[int] = []
        self.in_flight = 0

    def start(self, t0: float) -> None:
        self.t0 = t0
        self.capacity.start(t0)

    def _op(self, name: str) -> _Op:
        o = self.ops.get(name)
        if o is None:
            o = self.ops[name] = _Op()
        return o

    def sent(self, now: float) -> None:
        """An operation was sent at `now` (the achieved-rate series)."""
        if self.t0 is None:
            return
        b = max(0, int((now - self.t0) / self.interval))
        with self._lock:
            if b >= len(self.sent_series):
                self.sent_series.extend([0] * (b + 1 - len(self.sent_series)))
            self.sent_series[b] += 1

    def record(self, name: str, *, intended: float, sent: float, done: float, ok: bool, items: int,
               rcu: float = 0.0, wcu: float = 0.0, error: str | None = None) -> None:
        resp_us = (done - intended) * 1e6
        serv_us = (done - sent) * 1e6
        with self._lock:
            o = self._op(name)
            record_us(o.response, resp_us)
            record_us(o.service, serv_us)
            record_us(self.response, resp_us)
            record_us(self.service, serv_us)
            record_us(self._snap_response, resp_us)
            record_us(self._snap_service, serv_us)
            if self.t0 is not None and sent - self.t0 < self.interval:
                record_us(self._first_service, serv_us)
            if ok:
                o.ok += 1
                o.items += items
            else:
                o.failed += 1
                if error:
                    o.errors[error] = o.errors.get(error, 0) + 1
        self.capacity.add(name, rcu, wcu, done)

    # ---------------------------------------------------------------- reading
    def take_snapshot(self) -> dict[str, Any]:
        """Live figures since the previous call: response/service p50/p99, per-op p99, RCU/WCU/s."""
        with self._lock:
            r, self._snap_response = self._snap_response, new_histogram()
            s, self._snap_service = self._snap_service, new_histogram()
            ops = {k: {"ok": o.ok, "failed": o.failed,
                       "p50_ms": _ms(o.response, 50), "p99_ms": _ms(o.response, 99)} for k, o in self.ops.items()}
            sent = list(self.sent_series)
        rcu, wcu = self.capacity.per_second()
        return {"response_p50_ms": _ms(r, 50), "response_p99_ms": _ms(r, 99),
                "service_p50_ms": _ms(s, 50), "service_p99_ms": _ms(s, 99),
                "achieved_per_s": (sent[-2] / self.interval) if len(sent) >= 2 else None,
                "rcu_per_s": rcu, "wcu_per_s": wcu, "in_flight": self.in_flight, "ops": ops}

    def first_service_p50_ms(self) -> float | None:
        with self._lock:
            return _ms(self._first_service, 50)

    def to_dict(self) -> dict[str, Any]:
        """The run record's `operations`, `response_ms`, `service_ms`, `capacity` parts."""
        with self._lock:
            ops = {}
            for k, o in self.ops.items():
                ops[k] = {"ok": o.ok, "failed": o.failed, "items": o.items, "errors": dict(o.errors),
                          "response_ms": histogram_summary(o.response), "service_ms": histogram_summary(o.service),
                          "response_histogram": encode_histogram(o.response),
                          "service_histogram": encode_histogram(o.service)}
            out: dict[str, Any] = {"operations": ops,
                   "response_ms": histogram_summary(self.response), "service_ms": histogram_summary(self.service),
                   "response_histogram": encode_histogram(self.response),
                   "service_histogram": encode_histogram(self.service),
                   "sent_per_s": [round(n / self.interval, 1) for n in self.sent_series]}
        cap = self.capacity.to_dict()
        for k, v in cap["by_op"].items():
            if k in out["operations"]:
                out["operations"][k]["capacity"] = v
        out["capacity"] = cap
        return out

    # ------------------------------------------------------ across processes
    def export(self) -> dict[str, Any]:
        with self._lock:
            ops = {}
            for k, o in self.ops.items():
                ops[k] = {"response": encode_histogram(o.response), "service": encode_histogram(o.service),
                          "ok": o.ok, "failed": o.failed, "items": o.items, "errors": o.errors}
            self.ops = {}
            d = {"ops": ops, "sent_series": self.sent_series,
                 "first_service": encode_histogram(self._first_service), "in_flight": self.in_flight}
            self.sent_series = []
            self._first_service = new_histogram()
            self.response, self.service = new_histogram(), new_histogram()
            self._snap_response, self._snap_service = new_histogram(), new_histogram()
        d["capacity"] = self.capacity.export()
        return d

    def absorb(self, d: dict[str, Any], in_flight_of: dict[int, int] | None = None, worker: int = 0) -> None:
        with self._lock:
            for k, v in (d.get("ops") or {}).items():
                o = self._op(k)
                for attr in ("response", "service"):
                    h = decode_histogram(v.get(attr))
                    if h.get_total_count():
                        getattr(o, attr).add(h)
                        getattr(self, attr).add(h)
                        getattr(self, "_snap_" + attr).add(h)
                o.ok += int(v.get("ok", 0))
                o.failed += int(v.get("failed", 0))
                o.items += int(v.get("items", 0))
                for e, n in (v.get("errors") or {}).items():
                    o.errors[e] = o.errors.get(e, 0) + int(n)
            for i, n in enumerate(d.get("sent_series") or []):
                if i >= len(self.sent_series):
                    self.sent_series.extend([0] * (i + 1 - len(self.sent_series)))
                self.sent_series[i] += int(n)
            fs = decode_histogram(d.get("first_service"))
            if fs.get_total_count():
                self._first_service.add(fs)
            if in_flight_of is not None:
                in_flight_of[worker] = int(d.get("in_flight", 0))
                self.in_flight = sum(in_flight_of.values())
        self.capacity.absorb(d.get("capacity") or {})


def _ms(h: Any, p: float) -> float | None:
    if h.get_total_count() == 0:
        return None
    return float(h.get_value_at_percentile(p)) / 1000.0
