"""Consumed capacity and what it would cost: per-second RCU/WCU, totals, price estimates.

`CapacityMeter` adds up the `ConsumedCapacity` DynamoDB returned for every request
(`ReturnConsumedCapacity` is set on all of them: see operations.py), per second since the
run start and per operation. `estimate(...)` turns the totals and the peak second into USD
with a dated price table kept as data (`ddbtui/data/prices.json`: its source URLs and date
are carried into every result; `--prices FILE` replaces it):

- on-demand: read/write request units x the price per million (what this run consumed),
  and per month if the run's average rate were sustained (730 h);
- provisioned: the peak second's need plus headroom (default 30%: a 77% target
  utilisation), rounded up, x the hourly price x 730 h, per month.

Capacity rules (AWS developer guide, "Read/write capacity mode" and "Managing settings on
DynamoDB provisioned capacity tables"): 1 WCU = one write up to 1 KB/s; 1 RCU = one strongly
consistent read up to 4 KB/s or two eventually consistent; transactions cost 2x.
"""

from __future__ import annotations

import json
import math
import threading
from importlib import resources
from pathlib import Path
from typing import Any

DEFAULT_REGION = "us-east-1"
DEFAULT_HEADROOM = 0.3


class CapacityMeter:
    """Thread-safe sums of consumed units: total, per operation, per second."""

    def __init__(self, interval: float = 1.0):
        self.interval = interval
        self._lock = threading.Lock()
        self.t0: float | None = None
        self.rcu = 0.0
        self.wcu = 0.0
        self.requests = 0          # requests that reported ConsumedCapacity
        self.by_op: dict[str, dict[str, float]] = {}
        self.rcu_series: list[float] = []
        self.wcu_series: list[float] = []

    def start(self, t0: float) -> None:
        self.t0 = t0

    def add(self, op: str, rcu: float, wcu: float, now: float) -> None:
        if not rcu and not wcu:
            return
        with self._lock:
            self.rcu += rcu
            self.wcu += wcu
            self.requests += 1
            o = self.by_op.get(op)
            if o is None:
                o = self.by_op[op] = {"rcu": 0.0, "wcu": 0.0}
            o["rcu"] += rcu
            o["wcu"] += wcu
            if self.t0 is not None:
                b = max(0, int((now - self.t0) / self.interval))
                if b >= len(self.rcu_series):
                    grow = b + 1 - len(self.rcu_series)
                    self.rcu_series.extend([0.0] * grow)
                    self.wcu_series.extend([0.0] * grow)
                self.rcu_series[b] += rcu
                self.wcu_series[b] += wcu

    # ------------------------------------------------ crossing processes / results
    def export(self) -> dict[str, Any]:
        """Everything so far (then reset): for a worker process's periodic delta."""
        with self._lock:
            d = {"rcu": self.rcu, "wcu": self.wcu, "requests": self.requests,
                 "by_op": self.by_op, "rcu_series": self.rcu_series, "wcu_series": self.wcu_series}
            self.rcu = self.wcu = 0.0
            self.requests = 0
            self.by_op = {}
            self.rcu_series, self.wcu_series = [], []
        return d

    def absorb(self, d: dict[str, Any], offset_buckets: int = 0) -> None:
        with self._lock:
            self.rcu += float(d.get("rcu", 0.0))
            self.wcu += float(d.get("wcu", 0.0))
            self.requests += int(d.get("requests", 0))
            for op, v in (d.get("by_op") or {}).items():
                o = self.by_op.setdefault(op, {"rcu": 0.0, "wcu": 0.0})
                o["rcu"] += float(v.get("rcu", 0.0))
                o["wcu"] += float(v.get("wcu", 0.0))
            for name in ("rcu_series", "wcu_series"):
                mine = getattr(self, name)
                for i, v in enumerate(d.get(name) or []):
                    j = i + offset_buckets
                    if j >= len(mine):
                        mine.extend([0.0] * (j + 1 - len(mine)))
                    mine[j] += float(v)
            n = max(len(self.rcu_series), len(self.wcu_series))
            self.rcu_series.extend([0.0] * (n - len(self.rcu_series)))
            self.wcu_series.extend([0.0] * (n - len(self.wcu_series)))

    def per_second(self) -> tuple[float, float]:
        """(RCU, WCU) of the last complete interval (for live views)."""
        with self._lock:
            if len(self.rcu_series) < 2:
                return 0.0, 0.0
            return self.rcu_series[-2] / self.interval, self.wcu_series[-2] / self.interval

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            rs = [round(v / self.interval, 3) for v in self.rcu_series]
            ws = [round(v / self.interval, 3) for v in self.wcu_series]
            return {"rcu": round(self.rcu, 3), "wcu": round(self.wcu, 3), "requests": self.requests,
                    "by_op": {k: {"rcu": round(v["rcu"], 3), "wcu": round(v["wcu"], 3)} for k, v in self.by_op.items()},
                    "interval_s": self.interval, "rcu_per_s": rs, "wcu_per_s": ws,
                    "peak_rcu_per_s": max(rs, default=0.0), "peak_wcu_per_s": max(ws, default=0.0)}


# ------------------------------------------------------------------------ prices
def default_prices_path() -> Path:
    return Path(str(resources.files("ddbtui") / "data" / "prices.json"))


def load_prices(path: str | Path | None = None) -> dict[str, Any]:
    """The price table (the packaged one, or a user's file of the same shape)."""
    p = Path(path) if path else default_prices_path()
    try:
        doc: dict[str, Any] = json.loads(p.read_text())
    except OSError as e:
        raise ValueError(f"--prices: cannot read {p}: {e.strerror or e}") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"--prices: {p} is not JSON ({e.msg}, line {e.lineno})") from None
    regions = doc.get("regions") if isinstance(doc, dict) else None
    if not isinstance(regions, dict) or not regions:
        raise ValueError(f"--prices: {p} has no \"regions\" table")
    need = ("on_demand_per_million_wru", "on_demand_per_million_rru", "provisioned_wcu_hour", "provisioned_rcu_hour")
    for name, row in regions.items():
        missing = [k for k in need if not isinstance((row or {}).get(k), (int, float))]
        if missing:
            raise ValueError(f"--prices: region {name} in {p} lacks {', '.join(missing)}")
    doc["_path"] = str(p)
    return doc


def region_prices(prices: dict[str, Any], region: str | None) -> tuple[str, dict[str, Any], str | None]:
    """(region used, its row, a note when the asked region is not in the table)."""
    regions = prices["regions"]
    if region and region in regions:
        return region, regions[region], None
    fallback = DEFAULT_REGION if DEFAULT_REGION in regions else next(iter(regions))
    note = (f"no prices for {region} in the table: {fallback} prices shown" if region else None)
    return fallback, regions[fallback], note


def estimate(totals: dict[str, Any], seconds: float, *, prices: dict[str, Any], region: str | None,
             headroom: float = DEFAULT_HEADROOM) -> dict[str, Any]:
    """USD estimates from a CapacityMeter.to_dict() and the measured window's length."""
    used, row, note = region_prices(prices, region)
    hours = float(prices.get("hours_per_month", 730))
    rru, wru = float(totals.get("rcu", 0.0)), float(totals.get("wcu", 0.0))
    od_run = rru / 1e6 * row["on_demand_per_million_rru"] + wru / 1e6 * row["on_demand_per_million_wru"]
    scale = (hours * 3600.0 / seconds) if seconds > 0 else 0.0
    peak_r, peak_w = float(totals.get("peak_rcu_per_s", 0.0)), float(totals.get("peak_wcu_per_s", 0.0))
    prov_r = math.ceil(peak_r * (1 + headroom)) if peak_r > 0 else 0
    prov_w = math.ceil(peak_w * (1 + headroom)) if peak_w > 0 else 0
    prov_month = (prov_r * row["provisioned_rcu_hour"] + prov_w * row["provisioned_wcu_hour"]) * hours
    return {
        "region": used, "note": note,
        "prices": {"as_of": prices.get("as_of"), "effective": prices.get("effective"),
                   "sources": prices.get("sources"), "file": prices.get("_path"), "row": row},
        "on_demand": {"rru": round(rru, 3), "wru": round(wru, 3), "run_usd": od_run,
                      "per_month_usd": od_run * scale},
        "provisioned": {"headroom": headroom, "rcu": prov_r, "wcu": prov_w, "per_month_usd": prov_month,
                        "basis": f"peak second {peak_r:,.1f} RCU / {peak_w:,.1f} WCU + {headroom:.0%} headroom"},
    }


def format_usd(v: float | None) -> str:
    if v is None:
        return "—"
    if v == 0:
        return "$0"
    if v < 0.01:
        return f"${v:.6f}"
    return f"${v:,.2f}"
