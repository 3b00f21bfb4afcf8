"""Benchmark charts: PlotextPlot widgets, each drawing with its own `self.plt`.

Each keeps what it was last fed in `self.data` (tests assert on it) and only redraws when
fed something new. Series are thinned to about one point per column: plotext's cost grows
with the points drawn, and the UI must stay cheap next to the engine being measured.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache

from rich.color import Color
from rich.style import Style
from rich.text import Span, Text
from textual_plotext import PlotextPlot

from ddbtui.bench.live import LiveModel, bin_center_ms, bucket_series, mean

# one colour per strategy (RGB: the same on every terminal)
PALETTE = [(0, 200, 255), (255, 150, 0), (80, 220, 80), (230, 90, 230), (120, 140, 255),
           (255, 90, 90), (240, 220, 60), (0, 200, 170), (190, 160, 110), (200, 200, 200)]
MARKER = "hd"


def colour(i: int):
    return PALETTE[i % len(PALETTE)]


# The charts together should cost at most this share of one core: a chart whose redraw
# (plotext build + conversion) takes c seconds waits at least c * N_CHARTS / CHART_BUDGET
# between redraws (and never less than MIN_INTERVAL). On a fast machine that is the 4 Hz
# of the poll; on a loaded 2-core box about 2 Hz.
CHART_BUDGET = 0.08
N_CHARTS = 3
MIN_INTERVAL = 0.25

_SGR = re.compile(r"((?:\x1b\[[0-9;]*m)+)|([^\x1b]+)")


@lru_cache(maxsize=256)
def _sgr_style(codes: str) -> Style | None:
    """Style for a run of SGR sequences as plotext writes them (reset, 256 and RGB colours, bold)."""
    fg = bg = None
    bold = False
    for seq in codes.split("\x1b[")[1:]:
        params = seq.rstrip("m").split(";")
        i = 0
        while i < len(params):
            p = params[i]
            if p in ("", "0"):
                fg = bg = None
                bold = False
            elif p == "1":
                bold = True
            elif p in ("38", "48") and i + 1 < len(params):
                if params[i + 1] == "5" and i + 2 < len(params):
                    c = Color.from_ansi(int(params[i + 2]))
                    i += 2
                elif params[i + 1] == "2" and i + 4 < len(params):
                    c = Color.from_rgb(int(params[i + 2]), int(params[i + 3]), int(params[i + 4]))
                    i += 4
                else:
                    c = None
                if p == "38":
                    fg = c
                else:
                    bg = c
                i += 1
            i += 1
    if fg is None and bg is None and not bold:
        return None
    return Style(color=fg, bgcolor=bg, bold=bold or None)


def ansi_to_text(s: str) -> Text:
    """plotext's output as a rich Text, several times faster than Text.from_ansi (which
    re-parses every SGR sequence); plotext resets after each run, so styles do not nest."""
    parts: list[str] = []
    spans: list[Span] = []
    pos = 0
    style = None
    for codes, chunk in _SGR.findall(s):
        if codes:
            style = _sgr_style(codes)
            continue
        parts.append(chunk)
        if style is not None:
            spans.append(Span(pos, pos + len(chunk), style))
        pos += len(chunk)
    return Text("".join(parts), spans=spans, no_wrap=True, end="")


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
        self.renders = 0
        self.cost = 0.0  # seconds per redraw (EMA): set_data + build + conversion
        self.last_draw = 0.0
        self.min_interval = MIN_INTERVAL
        self._key = None
        self._cache: tuple | None = None

    def due(self, now: float | None = None) -> bool:
        """Whether a redraw fits the charts' CPU budget now."""
        now = time.monotonic() if now is None else now
        wait = max(self.min_interval, self.cost * N_CHARTS / CHART_BUDGET)
        return now - self.last_draw >= wait

    def _account(self, seconds: float) -> None:
        self.cost = seconds if self.cost == 0 else 0.7 * self.cost + 0.3 * seconds

    def render(self):
        key = (self.draws, self.size, self.app.theme, self.theme)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        t0 = time.perf_counter()
        w, h = self.size.width, self.size.height
        self._plot.plotsize(w, h)
        self._plot._set_size(w, h)  # as PlotextPlot.render does (textual-plotext issue 5)
        self._plot.theme(self._get_plotext_theme_name(self.app.theme))
        text = ansi_to_text(self._plot.build())
        self.renders += 1
        self._cache = (key, text)
        self._account(time.perf_counter() - t0 + self._draw_cost)
        return text

    def _axes(self) -> None:
        p = self.plt
        p.clear_data()
        p.clear_figure()
        p.frame(False)

    def set_data(self, data: dict, key=None) -> bool:
        """Store `data` and redraw; skipped when `key` equals the previous one."""
        if key is not None and key == self._key:
            return False
        t0 = time.perf_counter()
        self._key = key
        self.data = data
        self.draw()
        self.draws += 1
        self.last_draw = time.monotonic()
        self._draw_cost = time.perf_counter() - t0
        self.refresh()
        return True

    _draw_cost = 0.0

    def draw(self) -> None:  # pragma: no cover - subclasses
        raise NotImplementedError


class LatencyChart(BenchChart):
    """p50 (dots) and p99 (line) per strategy over the engine's clock."""

    def __init__(self, **kw) -> None:
        super().__init__("latency ms over time (p99 line, p50 dots)", **kw)

    def feed(self, model: LiveModel, points: int = 60) -> bool:
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

    def feed(self, model: LiveModel, points: int = 60) -> bool:
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
        self.min_interval = 1.0  # cumulative: it changes slowly

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
