"""Benchmark charts: PlotextPlot widgets, each drawing with its own `self.plt`.

Each keeps what it was last fed in `self.data` (tests assert on it) and only redraws when
fed something new. Series are thinned to about one point per column: plotext's cost grows
with the points drawn, and the UI must stay cheap next to the engine being measured.
"""

from __future__ import annotations

from textual_plotext import PlotextPlot

from ddbtui.bench.live import LiveModel, bin_center_ms, bucket_series, mean

# one colour per strategy (RGB: the same on every terminal)
PALETTE = [(0, 200, 255), (255, 150, 0), (80, 220, 80), (230, 90, 230), (120, 140, 255),
           (255, 90, 90), (240, 220, 60), (0, 200, 170), (190, 160, 110), (200, 200, 200)]
MARKER = "hd"


def colour(i: int):
    return PALETTE[i % len(PALETTE)]


class BenchChart(PlotextPlot):
    DEFAULT_CSS = """
    BenchChart {
        height: 1fr;
        min-height: 6;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
    }
    """

    def __init__(self, title: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = title
        self.data: dict = {}
        self.draws = 0
        self._key = None

    def _axes(self) -> None:
        p = self.plt
        p.clear_data()
        p.clear_figure()
        p.frame(False)

    def set_data(self, data: dict, key=None) -> bool:
        """Store `data` and redraw; skipped when `key` equals the previous one."""
        if key is not None and key == self._key:
            return False
        self._key = key
        self.data = data
        self.draw()
        self.draws += 1
        self.refresh()
        return True

    def draw(self) -> None:  # pragma: no cover - subclasses
        raise NotImplementedError


class LatencyChart(BenchChart):
    """p50 (dots) and p99 (line) per strategy over the engine's clock."""

    def __init__(self, **kw) -> None:
        super().__init__("latency ms over time (p99 line, p50 dots)", **kw)

    def feed(self, model: LiveModel, points: int = 120) -> bool:
        t_all = [st.t for st in model if st.t]
        if not t_all:
            return False
        t0 = min(t[0] for t in t_all)
        t1 = max(t[-1] for t in t_all)
        width = (t1 - t0) / points if t1 > t0 else 0.0
        series = {}
        for st in model:
            if st.t:
                tt, p99 = bucket_series(st.t, st.p99, t0, width, max)
                _, p50 = bucket_series(st.t, st.p50, t0, width, mean)
                series[st.name] = {"i": st.index, "t": tt, "p50": p50, "p99": p99}
        return self.set_data(series, key=(model.version, points))

    def draw(self) -> None:
        self._axes()
        p = self.plt
        for name, s in self.data.items():
            c = colour(s["i"])
            p.plot(s["t"], s["p99"], marker=MARKER, color=c, label=name)
            p.scatter(s["t"], s["p50"], marker="dot", color=c)
        p.xlabel("s")


class ThroughputChart(BenchChart):
    """Items per second in each snapshot interval, per strategy."""

    def __init__(self, **kw) -> None:
        super().__init__("throughput items/s over time", **kw)

    def feed(self, model: LiveModel, points: int = 120) -> bool:
        t_all = [st.t for st in model if st.t]
        if not t_all:
            return False
        t0 = min(t[0] for t in t_all)
        t1 = max(t[-1] for t in t_all)
        width = (t1 - t0) / points if t1 > t0 else 0.0
        series = {}
        for st in model:
            if st.t:
                tt, ips = bucket_series(st.t, st.ips, t0, width, mean)
                series[st.name] = {"i": st.index, "t": tt, "items_per_s": ips}
        return self.set_data(series, key=(model.version, points))

    def draw(self) -> None:
        self._axes()
        p = self.plt
        for name, s in self.data.items():
            p.plot(s["t"], s["items_per_s"], marker=MARKER, color=colour(s["i"]), label=name)
        p.ylim(0, None)
        p.xlabel("s")


class HistogramChart(BenchChart):
    """Share of requests per latency bin (log-spaced), per strategy, merged from the
    snapshots' HdrHistogram deltas."""

    def __init__(self, **kw) -> None:
        super().__init__("latency histogram (% of requests)", **kw)

    def feed(self, model: LiveModel) -> bool:
        series = {}
        lo, hi = None, None
        for st in model:
            n = sum(st.bins)
            if not n:
                continue
            nz = [i for i, c in enumerate(st.bins) if c]
            lo = nz[0] if lo is None else min(lo, nz[0])
            hi = nz[-1] if hi is None else max(hi, nz[-1])
            series[st.name] = {"i": st.index, "bins": list(st.bins), "count": n}
        if not series:
            return False
        lo, hi = max(0, lo - 1), hi + 2
        for s in series.values():
            s["ms"] = [round(bin_center_ms(i), 3) for i in range(lo, hi)]
            s["pct"] = [100.0 * c / s["count"] for c in s["bins"][lo:hi]]
            del s["bins"]
        return self.set_data(series, key=model.version)

    def draw(self) -> None:
        self._axes()
        p = self.plt
        for name, s in self.data.items():
            p.plot(s["ms"], s["pct"], marker=MARKER, color=colour(s["i"]), label=name)
        p.xscale("log")
        p.xlabel("ms")


class CompareChart(BenchChart):
    """Grouped bars: one group per strategy, one bar per selected run."""

    def __init__(self, **kw) -> None:
        super().__init__("compare", **kw)

    def show(self, names: list[str], values: list[list[float | None]], labels: list[str], metric_label: str) -> None:
        self.border_title = f"compare: {metric_label} per strategy"
        self.set_data({"names": names, "values": values, "labels": labels, "metric": metric_label})

    def draw(self) -> None:
        self._axes()
        d = self.data
        if not d.get("names") or not d.get("values"):
            return
        vals = [[v or 0.0 for v in row] for row in d["values"]]
        p = self.plt
        if len(vals) == 1:
            p.bar(d["names"], vals[0], color=colour(0), label=d["labels"][0])
        else:
            p.multiple_bar(d["names"], vals, labels=d["labels"],
                           color=[colour(i) for i in range(len(vals))])
        p.ylabel(d["metric"])
