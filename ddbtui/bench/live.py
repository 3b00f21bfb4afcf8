"""What a live view of a benchmark needs, folded from `RunHandle` snapshots (no textual).

`LiveModel(strategies, items, repeats)`; call `feed(handle.poll())` from a timer (pull, never
a message per request) and `add_runs(handle.runs)` (True when a run was new); read
per-strategy `StrategyLive`: progress over all repeats, items/s, ETA, counters, the latency /
throughput series over the engine's clock, and a latency histogram merged from every
`hist_delta` (an HdrHistogram per strategy, plus coarse log-spaced bins for a chart).

Ready-to-draw series (chart widgets only draw them; the console progress reads the same
model): `latency_series(points)`, `throughput_series(points)`, `histogram_series()` --
per strategy, thinned to about `points` buckets over one shared time window.

`CpuMeter(pid)`: CPU of this process and of the engine process (with its children), as a
percentage of one core, sampled with psutil at most once a second.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, TypedDict

from ddbtui.bench.events import Phase, RunRecord, RunState, Snapshot, SnapKind

import psutil
from hdrh.histogram import HdrHistogram

from ddbtui.bench.stats import new_histogram

# log-spaced latency bins for the histogram chart: 0.1 ms .. ~100 s, 8 per decade
BIN_PER_DECADE = 8
BIN_LO_MS = 0.1
N_BINS = 6 * BIN_PER_DECADE
MAX_POINTS = 2400  # per series (10 min at 4 Hz); older points are thinned


MIXED_SERIES = ("t", "target", "achieved", "rp50", "rp99", "sp50", "sp99", "rcu", "wcu")


def bin_of_ms(ms: float) -> int:
    if ms <= BIN_LO_MS:
        return 0
    return min(N_BINS - 1, int(math.log10(ms / BIN_LO_MS) * BIN_PER_DECADE))


def bin_center_ms(i: int) -> float:
    return BIN_LO_MS * 10 ** ((i + 0.5) / BIN_PER_DECADE)


@dataclass
class StrategyLive:
    name: str
    index: int
    items: int  # per run
    repeats: int
    state: RunState = RunState.WAITING
    phase: Phase | str = ""
    repeat: int = 0
    done: int = 0  # items finished in the current run
    ok: int = 0  # counters of the current run
    failed: int = 0
    retried: int = 0
    retries: int = 0
    throttled: int = 0
    items_per_s: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    run_total: int = 0  # items (or operations) the current run will do
    message: str = ""
    # finished runs (records from the engine)
    runs: list[RunRecord] = field(default_factory=list)
    # series over the engine clock (seconds)
    t: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    ips: list[float] = field(default_factory=list)
    bins: list[int] = field(default_factory=lambda: [0] * N_BINS)
    hist: Any = None  # HdrHistogram (µs), created on first delta (hdrh is untyped)
    # mixed / open-loop runs (#15): series over the engine clock, and the latest per-op figures
    mixed: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in MIXED_SERIES})
    ops: dict[str, Any] = field(default_factory=dict)
    in_flight: int | None = None

    @property
    def total(self) -> int:
        return self.items * self.repeats

    @property
    def completed(self) -> int:
        if self.state == RunState.FINISHED:
            return self.total
        finished = len(self.runs)
        current = self.done if self.repeat > finished else 0
        past = sum(r.get("attempted", self.items) for r in self.runs)
        return min(self.total, past + current)

    @property
    def eta_s(self) -> float | None:
        if self.state != RunState.RUNNING or self.items_per_s <= 0:
            return None
        return max(0.0, (self.total - self.completed) / self.items_per_s)

    @property
    def result_items_per_s(self) -> float | None:
        vals = [float(v) for r in self.runs if (v := r.get("items_per_s"))]
        return sum(vals) / len(vals) if vals else None

    @property
    def lost(self) -> int | None:
        checked = [r for r in self.runs if r.get("lost") is not None]
        if not checked:
            return None
        return sum(max(r.get("lost") or 0, r.get("missing") or 0) for r in checked)

    def totals(self) -> dict[str, int]:
        """ok/failed/retried/retries/throttled over finished runs plus the current one."""
        runs: list[dict[str, Any]] = [dict(r) for r in self.runs]
        out = {k: sum(int(r.get(k) or 0) for r in runs) for k in ("ok", "failed", "retried", "retries", "throttled")}
        if self.repeat > len(self.runs):
            for k in out:
                out[k] += getattr(self, k)
        return out

    def merge_delta(self, text: str) -> None:
        if not text:
            return

        d = HdrHistogram.decode(text.encode("ascii"))
        if self.hist is None:
            self.hist = new_histogram()  # type: ignore[no-untyped-call]  # stats is untyped
        self.hist.add(d)
        counts = d.counts
        # walk only the filled part of the counts array (the rest is zero)
        top = d.get_counts_array_index(d.get_max_value()) + 1 if d.get_total_count() else 0
        lo = d.get_counts_array_index(d.get_min_value()) if top else 0
        for i in range(lo, min(top, len(counts))):
            c = counts[i]
            if c:
                self.bins[bin_of_ms(d.get_value_from_index(i) / 1000.0)] += c


def _thin(xs: list[float]) -> None:
    if len(xs) > MAX_POINTS:
        del xs[::2]


def _feed_mixed(st: StrategyLive, s: Snapshot) -> None:
    """Append one snapshot's mixed-run figures (response vs service, rates, capacity)."""
    m = st.mixed
    vals = (s.t, s.target_per_s, s.achieved_per_s, s.response_p50_ms, s.response_p99_ms,
            s.service_p50_ms, s.service_p99_ms, s.rcu_per_s, s.wcu_per_s)
    for k, v in zip(MIXED_SERIES, vals):
        m[k].append(float(v) if v is not None else float("nan"))
    if len(m["t"]) > MAX_POINTS:
        for k in MIXED_SERIES:
            del m[k][::2]
    st.ops = s.ops or {}
    st.in_flight = s.in_flight


class LiveModel:
    def __init__(self, strategies: list[str], items: int, repeats: int = 1):
        self.order = list(strategies)
        self.by = {n: StrategyLive(n, i, items, repeats) for i, n in enumerate(strategies)}
        self.items = items
        self.repeats = repeats
        self.current: str | None = None
        self.phase: Phase | str = Phase.STARTING
        self.message = ""
        self.t = 0.0
        self.snapshots = 0
        self.version = 0  # bumps when anything a chart shows changed
        self.phase_changes: list[PhaseChange] = []  # every phase begun, in order
        self._runs_seen = 0

    @property
    def runs_seen(self) -> int:
        """How many finished run records have been taken (add_runs)."""
        return self._runs_seen

    def __iter__(self) -> Iterator[StrategyLive]:
        return (self.by[n] for n in self.order)

    @property
    def current_strategy(self) -> StrategyLive | None:
        return self.by.get(self.current) if self.current else None

    def feed(self, snaps: Iterable[Snapshot]) -> bool:
        changed = False
        for s in snaps:
            self.snapshots += 1
            self.t = max(self.t, s.t)
            if s.message:
                self.message = s.message
            self.phase = s.phase
            st = self.by.get(s.strategy)
            if st is None:
                continue
            changed = True
            if s.kind in (SnapKind.PHASE, SnapKind.PROGRESS):
                self.current = s.strategy
                st.state = RunState.RUNNING
                st.phase = s.phase
                if s.repeat != st.repeat:
                    st.repeat = s.repeat
                    st.done = st.ok = st.failed = st.retried = st.retries = st.throttled = 0
                    st.items_per_s = 0.0
                if s.kind == SnapKind.PHASE:
                    self.phase_changes.append(PhaseChange(s.strategy, s.repeat, s.repeats, s.phase,
                                                          s.message, s.t))
                if s.kind == SnapKind.PROGRESS:
                    st.run_total = s.total or st.run_total
                    st.done, st.ok, st.failed = s.done, s.ok, s.failed
                    st.retried, st.retries, st.throttled = s.retried, s.retries, s.throttled
                    st.items_per_s = s.items_per_s
                    st.p50_ms, st.p99_ms = s.p50_ms, s.p99_ms
                    st.merge_delta(s.hist_delta)
                    if s.phase == Phase.WRITING and s.p50_ms is not None:
                        st.t.append(s.t)
                        st.p50.append(s.p50_ms)
                        st.p99.append(s.p99_ms or s.p50_ms)
                        st.ips.append(s.interval_items_per_s)
                        for xs in (st.t, st.p50, st.p99, st.ips):
                            _thin(xs)
                    if s.phase == Phase.WRITING and getattr(s, "response_p50_ms", None) is not None:
                        _feed_mixed(st, s)
                    if s.phase == Phase.CANCELLED:
                        st.state = RunState.CANCELLED
            elif s.kind == SnapKind.RUN:
                st.phase = s.phase
                if s.phase == Phase.CANCELLED:
                    st.state = RunState.CANCELLED
                elif s.repeat >= s.repeats:
                    st.state = RunState.FINISHED
                if s.message:
                    st.message = s.message
        if changed:
            self.version += 1
        return changed

    def add_runs(self, runs: list[RunRecord]) -> bool:
        """Finished run records (RunHandle.runs); only new ones are taken. True when any was."""
        for r in runs[self._runs_seen:]:
            st = self.by.get(r["strategy"])
            if st is not None:
                st.runs.append(r)
                err = r.get("error")
                if err:
                    st.state = RunState.FAILED
                    st.message = err
        if len(runs) != self._runs_seen:
            self._runs_seen = len(runs)
            self.version += 1
            return True
        return False

    def finish(self, cancelled: bool) -> None:
        for st in self:
            if st.state == RunState.RUNNING:
                st.state = RunState.CANCELLED if cancelled else RunState.FINISHED

    def counters(self) -> dict[str, int]:
        out = {"ok": 0, "failed": 0, "retried": 0, "retries": 0, "throttled": 0}
        for st in self:
            for k, v in st.totals().items():
                out[k] += v
        return out

    # ------------------------------------------------------------ ready-to-draw series
    def time_window(self, points: int) -> tuple[float, float] | None:
        """(start, bucket width) spanning every strategy's samples, about `points` buckets."""
        t_all = [st.t for st in self if st.t]
        if not t_all:
            return None
        t0 = min(t[0] for t in t_all)
        t1 = max(t[-1] for t in t_all)
        return t0, ((t1 - t0) / points if t1 > t0 else 0.0)

    def latency_series(self, points: int = 60) -> dict[str, LatencySeries]:
        """p50 (mean per bucket) and p99 (max per bucket) per strategy over the engine clock."""
        window = self.time_window(points)
        out: dict[str, LatencySeries] = {}
        if window is None:
            return out
        t0, width = window
        for st in self:
            if st.t:
                tt, p99 = bucket_series(st.t, st.p99, t0, width, max)
                _, p50 = bucket_series(st.t, st.p50, t0, width, mean)
                out[st.name] = {"i": st.index, "t": tt, "p50": p50, "p99": p99}
        return out

    def throughput_series(self, points: int = 60) -> dict[str, ThroughputSeries]:
        """Items/s of each snapshot interval (mean per bucket) per strategy."""
        window = self.time_window(points)
        out: dict[str, ThroughputSeries] = {}
        if window is None:
            return out
        t0, width = window
        for st in self:
            if st.t:
                tt, ips = bucket_series(st.t, st.ips, t0, width, mean)
                out[st.name] = {"i": st.index, "t": tt, "items_per_s": ips}
        return out

    def mixed_series(self, keys: list[str], points: int = 60,
                     agg: dict[str, Callable[[list[float]], float]] | None = None,
                     ) -> dict[str, dict[str, Any]]:
        """Mixed / open-loop runs: per strategy {"i": index, key: (t, values)} for each
        series key of `StrategyLive.mixed` (mean per bucket unless `agg` names another;
        NaN = no figure yet, dropped)."""
        window = _mixed_window(self, points)
        out: dict[str, dict[str, Any]] = {}
        if window is None:
            return out
        t0, width = window
        for st in self:
            if not st.mixed["t"]:
                continue
            d: dict[str, Any] = {"i": st.index}
            for key in keys:
                pairs = [(t, y) for t, y in zip(st.mixed["t"], st.mixed[key]) if y == y]
                d[key] = (bucket_series([p[0] for p in pairs], [p[1] for p in pairs], t0, width,
                                        (agg or {}).get(key, mean)) if pairs else ([], []))
            out[st.name] = d
        return out

    def histogram_series(self) -> dict[str, HistogramSeries]:
        """Share of requests (%) per log-spaced latency bin, over the bins any strategy used
        (one empty bin either side)."""
        counts: dict[str, tuple[int, list[int]]] = {}
        lo: int | None = None
        hi: int | None = None
        for st in self:
            n = sum(st.bins)
            if not n:
                continue
            nz = [i for i, c in enumerate(st.bins) if c]
            lo = nz[0] if lo is None else min(lo, nz[0])
            hi = nz[-1] if hi is None else max(hi, nz[-1])
            counts[st.name] = (n, list(st.bins))
        out: dict[str, HistogramSeries] = {}
        if lo is None or hi is None:
            return out
        lo, hi = max(0, lo - 1), hi + 2
        ms = [round(bin_center_ms(i), 3) for i in range(lo, hi)]
        for name, (n, bins) in counts.items():
            out[name] = {"i": self.by[name].index, "count": n, "ms": list(ms),
                         "pct": [100.0 * c / n for c in bins[lo:hi]]}
        return out


@dataclass(frozen=True)
class PhaseChange:
    """A strategy's run entered `phase` (from a SnapKind.PHASE snapshot)."""

    strategy: str
    repeat: int
    repeats: int
    phase: Phase | str
    message: str
    t: float


def _mixed_window(model: "LiveModel", points: int) -> tuple[float, float] | None:
    ts = [st.mixed["t"] for st in model if st.mixed["t"]]
    if not ts:
        return None
    t0, t1 = min(t[0] for t in ts), max(t[-1] for t in ts)
    return t0, ((t1 - t0) / points if t1 > t0 else 0.0)


class LatencySeries(TypedDict):
    i: int  # the strategy's index (its colour)
    t: list[float]
    p50: list[float]
    p99: list[float]


class ThroughputSeries(TypedDict):
    i: int
    t: list[float]
    items_per_s: list[float]


class HistogramSeries(TypedDict):
    i: int
    count: int
    ms: list[float]  # bin centres
    pct: list[float]  # % of this strategy's requests per bin


def fmt_eta(s: float | None) -> str:
    if s is None:
        return ""
    s = int(round(s))
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


class CpuMeter:
    """CPU % of one core: this process, and the engine process with its children."""

    def __init__(self, engine_pid: int | None = None, every: float = 1.0):
        self._psutil = psutil
        self.me = psutil.Process(os.getpid())
        self.me.cpu_percent(None)
        self.every = every
        self._last = 0.0
        self._engine: dict[int, float] = {}
        self.engine_pid = engine_pid
        self.ui = 0.0
        self.engine = 0.0
        self._times: tuple[float, float] | None = None  # (wall, engine cpu seconds)

    _procs: list[Any] | None = None
    _procs_t = 0.0

    def set_engine(self, pid: int | None) -> None:
        self.engine_pid = pid
        self._engine = {}
        self._times = None
        self._procs = None

    def _engine_cpu_seconds(self) -> float:
        ps = self._psutil
        total = 0.0
        # children(recursive=True) reads every /proc entry: refresh the list every 5 s only
        now = time.monotonic()
        try:
            if self._procs is None or now - self._procs_t > 5.0:
                root = ps.Process(self.engine_pid)
                self._procs = [root] + root.children(recursive=True)
                self._procs_t = now
            procs = self._procs
        except ps.Error:
            procs = []
        for p in procs:
            try:
                t = p.cpu_times()
                total += t.user + t.system
                self._engine[p.pid] = t.user + t.system
            except ps.Error:
                total += self._engine.get(p.pid, 0.0)
        # processes that ended keep their last figure (their CPU was spent)
        alive = {p.pid for p in procs}
        total += sum(v for k, v in self._engine.items() if k not in alive)
        return total

    def sample(self, force: bool = False) -> bool:
        now = time.monotonic()
        if not force and now - self._last < self.every:
            return False
        self._last = now
        self.ui = self.me.cpu_percent(None)
        if self.engine_pid:
            cpu = self._engine_cpu_seconds()
            if self._times is not None and now > self._times[0]:
                self.engine = max(0.0, (cpu - self._times[1]) / (now - self._times[0]) * 100.0)
            self._times = (now, cpu)
        return True

    def line(self) -> str:
        eng = f"{self.engine:.0f}%" if self.engine_pid else "-"
        return f"UI CPU {self.ui:.0f}% · engine CPU {eng}"


def bucket_series(t: list[float], ys: list[float], t0: float, width: float,
                  agg: Callable[[list[float]], float] = max) -> tuple[list[float], list[float]]:
    """Thin a series for a chart: one point per `width` seconds (aggregated with `agg`,
    placed at the bucket's last time). Charts cost per point drawn, not per sample."""
    if width <= 0 or len(t) < 2:
        return list(t), list(ys)
    out_t: list[float] = []
    out_y: list[float] = []
    key = None
    acc: list[float] = []
    last_t = 0.0
    for ti, yi in zip(t, ys):
        k = int((ti - t0) / width)
        if k != key and acc:
            out_t.append(last_t)
            out_y.append(agg(acc))
            acc = []
        key = k
        acc.append(yi)
        last_t = ti
    if acc:
        out_t.append(last_t)
        out_y.append(agg(acc))
    return out_t, out_y


def mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)
