"""Benchmark charts: PlotextPlot widgets, each drawing with its own `self.plt`.

Each keeps what it was last fed in `self.data` (tests assert on it) and only redraws when
fed something new. Series are thinned to about one point per column: plotext's cost grows
with the points drawn, and the UI must stay cheap next to the engine being measured.
"""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from rich.color import Color
from rich.style import Style
from rich.segment import Segment
from rich.text import Span, Text
from textual.strip import Strip
from textual_plotext import PlotextPlot

from ddbtui.bench.live import LiveModel
from ddbtui.ui.widgets.plotext_adapter import size_plot, theme_name

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

_BUILDER: ThreadPoolExecutor | None = None


def _builder() -> ThreadPoolExecutor:
    """One thread builds every live chart, one at a time. plotext's build is pure Python, so
    it still takes the GIL, but the interpreter switches threads every few milliseconds:
    the event loop keeps answering keys and timers instead of waiting out a whole build."""
    global _BUILDER
    if _BUILDER is None:
        _BUILDER = ThreadPoolExecutor(1, thread_name_prefix="ddbtui-chart")
    return _BUILDER


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


class _Piece(str):
    style: Style | None = None


def _line_segments(line: Text):
    """(text, style) pieces of one line of a Text whose spans do not overlap (ansi_to_text)."""
    plain = line.plain
    pos = 0
    out = []
    for sp in sorted(line.spans, key=lambda s: s.start):
        if sp.start > pos:
            piece = _Piece(plain[pos:sp.start])
            out.append(piece)
        piece = _Piece(plain[sp.start:sp.end])
        piece.style = sp.style if isinstance(sp.style, Style) else Style.parse(str(sp.style))
        out.append(piece)
        pos = sp.end
    if pos < len(plain):
        out.append(_Piece(plain[pos:]))
    return out


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

    # Live charts build off the event loop; the compare chart (static, screenshotted right
    # after it is shown) builds in render as before.
    BUILD_IN_THREAD = True

    def on_mount(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._building = False
        self._wanted = False

    def _request(self) -> tuple:
        return (self.draws, self.size.width, self.size.height,
                theme_name(self, self.app.theme))

    def _build_text(self, req: tuple, data) -> Text:
        _, w, h, theme = req
        self._bd = data
        self.draw()
        size_plot(self.plt, w, h)
        self.plt.theme(theme)
        return ansi_to_text(self.plt.build())

    def _request_build(self) -> None:
        req = self._request()
        if req[1] <= 0 or req[2] <= 0:
            return
        if self._building:
            self._wanted = True
            return
        self._building = True
        _builder().submit(self._build_job, req, self.data)

    def _build_job(self, req: tuple, data) -> None:  # on the builder thread
        t0 = time.perf_counter()
        try:
            text = self._build_text(req, data)
        except Exception as e:  # a chart must never take the screen down
            text = Text(f"chart error: {e}", style="red")
        # Cut the text into ready Strips here too: turning a full-size chart into lines of
        # segments is most of what the compositor would otherwise do on the event loop.
        width = req[1]
        strips = []
        for line in text.split("\n", allow_blank=True)[: req[2]]:
            segs = [Segment(str(sp), sp.style) for sp in _line_segments(line)]
            strips.append(Strip(segs).adjust_cell_length(width))
        cost = time.perf_counter() - t0
        try:
            self._loop.call_soon_threadsafe(self._built, req, text, strips, cost)
        except RuntimeError:  # the app's loop is gone
            pass

    def _built(self, req: tuple, text: Text, strips: list, cost: float) -> None:
        self._building = False
        self._cache = (req, text)
        self._strips = strips
        self.renders += 1
        self._account(cost)
        self.refresh()
        if self._wanted or (self.is_mounted and self._request() != req):
            self._wanted = False
            self._request_build()

    _strips: list = []

    def render_line(self, y: int) -> Strip:
        if not (self.BUILD_IN_THREAD and getattr(self, "_loop", None) is not None):
            return super().render_line(y)
        if y == 0 and (self._cache is None or self._cache[0] != self._request()):
            self._request_build()
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.size.width)

    def render(self):
        req = self._request()
        if self._cache is not None and self._cache[0] == req:
            return self._cache[1]
        t0 = time.perf_counter()
        text = self._build_text(req, self.data)
        self.renders += 1
        self._cache = (req, text)
        self._account(time.perf_counter() - t0)
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
        self._key = key
        self.data = data
        self.draws += 1
        self.last_draw = time.monotonic()
        self.refresh()  # render() (re)builds: off the loop for live charts
        return True

    _bd: dict = {}

    def draw(self) -> None:  # pragma: no cover - subclasses
        raise NotImplementedError


class LatencyChart(BenchChart):
    """p50 (dots) and p99 (line) per strategy over the engine's clock."""

    def __init__(self, **kw) -> None:
        super().__init__("latency ms over time (p99 line, p50 dots)", **kw)

    def feed(self, model: LiveModel, points: int = 60) -> bool:
        series = model.latency_series(points)
        return bool(series) and self.set_data(series, key=(model.version, points))

    def draw(self) -> None:
        self._axes()
        p = self.plt
        for name, s in self._bd.items():
            c = colour(s["i"])
            p.plot(s["t"], s["p99"], marker=MARKER, color=c, label=name)
            p.scatter(s["t"], s["p50"], marker="dot", color=c)
        p.xlabel("s")


class ThroughputChart(BenchChart):
    """Items per second in each snapshot interval, per strategy."""

    def __init__(self, **kw) -> None:
        super().__init__("throughput items/s over time", **kw)

    def feed(self, model: LiveModel, points: int = 60) -> bool:
        series = model.throughput_series(points)
        return bool(series) and self.set_data(series, key=(model.version, points))

    def draw(self) -> None:
        self._axes()
        p = self.plt
        for name, s in self._bd.items():
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
        series = model.histogram_series()
        return bool(series) and self.set_data(series, key=model.version)

    def draw(self) -> None:
        self._axes()
        p = self.plt
        for name, s in self._bd.items():
            p.plot(s["ms"], s["pct"], marker=MARKER, color=colour(s["i"]), label=name)
        if self._bd:  # plotext fails on an empty plot with a log axis (before the first request)
            p.xscale("log")
        p.xlabel("ms")


class CompareChart(BenchChart):
    """Grouped bars: one group per strategy, one bar per selected run."""

    BUILD_IN_THREAD = False

    def __init__(self, **kw) -> None:
        super().__init__("compare", **kw)

    def show(self, names: list[str], values: list[list[float | None]], labels: list[str], metric_label: str) -> None:
        self.border_title = f"compare: {metric_label} per strategy"
        self.set_data({"names": names, "values": values, "labels": labels, "metric": metric_label})

    def draw(self) -> None:
        self._axes()
        d = self._bd
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


# ----------------------------------------------------- mixed / open-loop runs (#15)
class _MixedChart(BenchChart):
    KEYS: tuple[tuple[str, str, str], ...] = ()  # (series key, label, marker)
    AGG = {"rp99": max, "sp99": max}

    def feed(self, model: LiveModel, points: int = 60) -> bool:
        series = model.mixed_series([k for k, _, _ in self.KEYS], points, self.AGG)
        return bool(series) and self.set_data(series, key=(model.version, points))

    def draw(self) -> None:
        self._axes()
        p = self.plt
        several = len(self._bd) > 1
        for name, s in self._bd.items():
            c = colour(s["i"])
            for j, (key, label, marker) in enumerate(self.KEYS):
                tt, ys = s[key]
                if not tt:
                    continue
                col = c if several else colour(j)
                lab = f"{name} {label}" if several else label
                if marker == "dot":
                    p.scatter(tt, ys, marker="dot", color=col, label=lab)
                else:
                    p.plot(tt, ys, marker=MARKER, color=col, label=lab)
        self.finish_axes()

    def finish_axes(self) -> None:
        self.plt.xlabel("s")


class RateChart(_MixedChart):
    """Target (dots) vs achieved (line) requests per second."""
    KEYS = (("achieved", "sent/s", "line"), ("target", "target", "dot"))

    def __init__(self, **kw) -> None:
        super().__init__("rate: target vs achieved requests/s", **kw)

    def finish_axes(self) -> None:
        self.plt.ylim(0, None)
        self.plt.xlabel("s")


class ResponseServiceChart(_MixedChart):
    """Response time (from the intended start) vs service time (from the send), p50 and p99."""
    KEYS = (("rp99", "response p99", "line"), ("sp99", "service p99", "line"),
            ("rp50", "response p50", "dot"), ("sp50", "service p50", "dot"))

    def __init__(self, **kw) -> None:
        super().__init__("latency ms: response (intended start) vs service (send)", **kw)


class CapacityChart(_MixedChart):
    """Consumed read and write capacity units per second."""
    KEYS = (("wcu", "WCU/s", "line"), ("rcu", "RCU/s", "line"))

    def __init__(self, **kw) -> None:
        super().__init__("consumed capacity units/s", **kw)
        self.min_interval = 0.5

    def finish_axes(self) -> None:
        self.plt.ylim(0, None)
        self.plt.xlabel("s")
