"""Benchmarks in the TUI: the launch form (the app's "bench" screen) and the live view.

- `BenchScreen`: strategies (all by default), items, concurrency, repeats, workload, item
  size, retry mode, optional target table, optional fault proxy (one field per row of the
  proxy's fault table that has a form label: latency, jitter, drops, throttles, 500s; the
  whole FaultConfig reaches the proxy process); inline errors under each field; Start
  (ctrl+s) pushes `BenchRunScreen`. Read-only mode refuses (benchmarks write items).
- `BenchRunScreen`: starts the engine process (`ddbtui.bench.runner.start_run`, and the
  fault proxy in its own process when asked) from a thread worker, then *pulls*: a
  `set_interval(0.25)` drains `handle.poll()` into a `LiveModel` and updates one progress
  row per strategy, the counters and three plotext charts (latency p50/p99 over time,
  throughput over time, latency histogram merged from the snapshots' HdrHistogram deltas).
  No message per request. Escape / Stop cancels (the engine gets 1 s, then it and its
  children are killed); what was measured is saved marked incomplete. When the run ends
  the result is saved (results.save) and the results screen opens. Leaving the screen or
  quitting the app kills whatever is still running (on_unmount, plus an atexit guard).
  A footer line shows this process's CPU against the engine's ("UI CPU x% · engine CPU y%").
"""

from __future__ import annotations

import atexit
import gc
import time
import weakref
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from ddbtui import paths
from ddbtui.bench.limits import LIMITS, LimitError
from ddbtui.bench.live import CpuMeter, LiveModel
from ddbtui.bench.mixed import LoadSpec, build_spec, check_strategies
from ddbtui.bench.openloop import parse_duration, parse_rate
from ddbtui.bench.operations import YCSB
from ddbtui.bench.runner import Settings, _ensure_resource_tracker
from ddbtui.bench.session import BenchSession, SessionError
from ddbtui.bench.strategies import NAMES, STRATEGIES
from ddbtui.dynamo import validation
from ddbtui.dynamo.errors import DdbError, explain
from ddbtui.local.proxy.faults import FaultConfig, form_kinds
from ddbtui.ui.screens.base import DdbScreenMixin
from ddbtui.ui.screens.bench_history import BenchHistoryScreen
from ddbtui.ui.screens.bench_results import BenchResultsScreen
from ddbtui.ui.widgets.bench_charts import (
    BenchChart,
    CapacityChart,
    HistogramChart,
    LatencyChart,
    RateChart,
    ResponseServiceChart,
    ThroughputChart,
    colour,
)
from ddbtui.ui.widgets.bench_progress import StrategyProgress
from ddbtui.ui.widgets.capacity_panel import CapacityPanel
from ddbtui.ui.widgets.form import Field, FieldError, FormMixin
from ddbtui.ui.widgets.target_bar import TargetBar
from ddbtui.ui.widgets.footer import KeyFooter

WORKLOADS = [("books (isbn key)", "books"), ("wallets (user_id, balance)", "wallets")]
RETRY_MODES = [("standard", "standard"), ("adaptive", "adaptive"), ("legacy", "legacy"),
               ("none (1 attempt)", "none")]
CAPACITY_MODELS = [("off", ""), ("AWS (throttle like AWS)", "aws")]
MODES = [("closed (workers back to back)", "closed"), ("open (a target rate)", "open")]
LOAD_INPUTS = ("rate", "duration", "ramp", "max_in_flight", "mix", "keys", "records")


class FormError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _int(values: dict, name: str) -> int:
    """A whole-number field, checked against its row in ddbtui.bench.limits (as the CLI is)."""
    lim = LIMITS[name]
    try:
        return lim.parse(str(values.get(name, "")), lim.label)
    except LimitError as e:
        raise FormError(name, e.message) from None


def parse_fault_fields(values: dict, conn) -> Any:
    """The form's fault fields (one per row of the proxy's fault table with a form label)
    as a FaultConfig, or None when all are empty. Limits are the table's (FaultKind.parse)."""
    given: dict[str, Any] = {}
    for k in form_kinds():
        text = str(values.get(k.field, "") or "").strip()
        if not text:
            continue
        try:
            v = k.parse(text, k.label.split(" 0..")[0])
        except ValueError as e:
            raise FormError(k.field, str(e)) from None
        if v:
            given[k.field] = v
    model = values.get("capacity_model") or None
    scale_text = str(values.get("time_scale", "") or "").strip()
    if model is None and scale_text:
        raise FormError("time_scale", "Time scale applies with a capacity model")
    if model not in (None, "aws"):
        model = None  # Select.NULL / blank
    if model is not None:
        given["capacity_model"] = model
        if scale_text:
            try:
                given["time_scale"] = float(scale_text)
            except ValueError:
                raise FormError("time_scale", f"Time scale takes a number > 0, got {scale_text!r}") from None
    if not given:
        return None
    if conn is None or not conn.endpoint_url or conn.is_aws:
        raise FormError(next(iter(given)), "the fault proxy needs a local endpoint: it cannot sit in front of real AWS")
    try:
        return FaultConfig(**given)
    except ValueError as e:
        field = "time_scale" if "--time-scale" in str(e) else [f for f in given if f.endswith(("_ms", "_rate"))][-1]
        raise FormError(field, str(e).replace("--time-scale", "Time scale")) from None


def parse_form(values: dict, conn) -> tuple[Any, Any]:
    """(Settings, FaultConfig or None) from the form's values; FormError names the field."""
    strategies = [s for s in NAMES if s in set(values.get("strategies") or [])]
    if not strategies:
        raise FormError("strategies", "choose at least one strategy")
    items = _int(values, "items")
    concurrency = _int(values, "concurrency")
    repeat = _int(values, "repeat")
    item_bytes = _int(values, "item_bytes")
    table = (values.get("table") or "").strip() or None
    if table:
        try:
            validation.table_name(table)
        except DdbError as e:
            raise FormError("table", e.message) from None
    fault = parse_fault_fields(values, conn)
    load = parse_load(values, items, strategies)
    settings = Settings(strategies=strategies, items=items, concurrency=concurrency, repeat=repeat,
                        workload=values.get("workload") or "books", item_bytes=item_bytes, table=table,
                        retry_mode=values.get("retry_mode") or "standard", load=load)
    try:
        settings.validate()
    except LimitError as e:
        raise FormError(e.field, e.message) from None
    except ValueError as e:
        msg = str(e)
        field = "item_bytes" if "byte" in msg or "size" in msg else "workload" if "workload" in msg else "items"
        raise FormError(field, msg) from None
    return settings, fault


def parse_load(values: dict, items: int, strategies: list[str]) -> dict | None:
    """The mixed/open-loop LoadSpec (as a dict) from the form, or None when its section is empty."""
    text = {k: str(values.get(k) or "").strip() for k in LOAD_INPUTS}
    mode = values.get("mode") or "closed"
    if mode == "closed" and not any(text[k] for k in ("rate", "duration", "ramp", "mix", "keys", "records")):
        return None
    try:
        rate = parse_rate(text["rate"], "Rate") if text["rate"] else None
    except ValueError as e:
        raise FormError("rate", str(e)) from None
    try:
        duration = parse_duration(text["duration"], "Duration") if text["duration"] else None
    except ValueError as e:
        raise FormError("duration", str(e)) from None
    cap = _int(values, "max_in_flight") if text["max_in_flight"] else 256
    records = _int(values, "records") if text["records"] else None
    mix, preset = text["mix"] or None, None
    if mix and mix.upper() in YCSB:
        mix, preset = None, mix.upper()
    if mode == "open" and not (rate or text["ramp"]):
        raise FormError("rate", "an open loop needs a rate (requests/s) or a ramp")
    try:
        check_strategies(strategies)
    except ValueError as e:
        raise FormError("strategies", str(e)) from None
    try:
        spec = build_spec(mode=mode, mix=mix, preset=preset, keys=text["keys"] or None, records=records,
                          rate=rate, ramp=text["ramp"] or None, duration=duration, max_in_flight=cap, ops=items)
    except ValueError as e:
        msg = str(e)
        field = next((f for word, f in (("--rate", "rate"), ("ramp", "ramp"), ("duration", "duration"),
                                        ("--keys", "keys"), ("records", "records"), ("max-in-flight", "max_in_flight"))
                      if word in msg), "mix")
        raise FormError(field, msg) from None
    return spec.to_dict()


# ============================================================================ form
class BenchScreen(FormMixin, DdbScreenMixin, Screen):
    CSS_PATH = "bench.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+s", "start", "Start"),
        Binding("f2", "history", "History"),
        Binding("ctrl+a", "select_all", "All strategies", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield TargetBar()
        with VerticalScroll(id="bench-form"):
            yield Label("Run a write benchmark", classes="title")
            with Horizontal(classes="row"):
                yield Field("Strategies (space toggles; ctrl+a: all)",
                            SelectionList[str](*[Selection(f"{n:<19} {STRATEGIES[n][2]}", n, True) for n in NAMES],
                                               id="strategies"),
                            name="strategies", id="field-strategies")
                with Vertical(id="bench-params"):
                    with Horizontal(classes="row"):
                        yield Field("Items per run", Input("1000", id="items"), name="items")
                        yield Field("Concurrency", Input("32", id="concurrency"), name="concurrency")
                        yield Field("Repeats", Input("1", id="repeat"), name="repeat")
                    with Horizontal(classes="row"):
                        yield Field("Workload", Select(WORKLOADS, value="books", allow_blank=False, id="workload"),
                                    name="workload")
                        yield Field("Item size B (0: natural)", Input("0", id="item_bytes"), name="item_bytes")
                    with Horizontal(classes="row"):
                        yield Field("Retry mode", Select(RETRY_MODES, value="standard", allow_blank=False,
                                                         id="retry_mode"), name="retry_mode")
                        yield Field("Target table (optional)", Input(placeholder="fresh table per run", id="table"),
                                    name="table")
                    yield Label("Fault proxy (local engines only; empty = off)", classes="section-title")
                    yield from self._fault_rows()
                    yield Label("Operations and open loop (empty = the plain write benchmark)",
                                classes="section-title")
                    with Horizontal(classes="row"):
                        yield Field("Mode", Select(MODES, value="closed", allow_blank=False, id="mode"), name="mode")
                        yield Field("Rate /s (open)", Input(placeholder="e.g. 500", id="rate"), name="rate")
                        yield Field("Duration", Input(placeholder="e.g. 30s", id="duration"), name="duration")
                    with Horizontal(classes="row"):
                        yield Field("Ramp (open)", Input(placeholder="100:30s,1000:60s", id="ramp"), name="ramp")
                        yield Field("Max in flight", Input("256", id="max_in_flight"), name="max_in_flight")
                    with Horizontal(classes="row"):
                        yield Field("Mix or YCSB A-F", Input(placeholder="put=50,get=50", id="mix"), name="mix")
                        yield Field("Keys", Input(placeholder="uniform, zipfian:0.99", id="keys"), name="keys")
                        yield Field("Records", Input(placeholder="1000", id="records"), name="records")
                    yield FieldError(id="err-form")
        # outside the scrolling form: Start stays in view at any size
        with Horizontal(classes="buttons", id="bench-buttons"):
            yield Button("Start", variant="primary", id="start")
            yield Button("History", id="history")
            yield Button("Back", id="back")
        yield KeyFooter()

    @staticmethod
    def _fault_rows() -> ComposeResult:
        """One Input per row of the proxy's fault table that has a form label: delays on one
        line, rates on the next (a new fault kind with a label appears here by itself)."""
        kinds = form_kinds()
        for group in ([k for k in kinds if not k.is_rate], [k for k in kinds if k.is_rate]):
            if group:
                with Horizontal(classes="row"):
                    for k in group:
                        yield Field(k.label, Input(placeholder=k.placeholder, id=k.field), name=k.field)
        with Horizontal(classes="row"):  # the AWS capacity model (ddbtui.local.proxy.capacity)
            yield Field("Capacity model", Select(CAPACITY_MODELS, value="", allow_blank=False, id="capacity_model"),
                        name="capacity_model")
            yield Field("Time scale ×", Input(placeholder="1 (e.g. 300: burst 1 s)", id="time_scale"),
                        name="time_scale")

    NARROW = 130  # below this width the parameters go under the strategies (labels stay whole)

    def on_mount(self) -> None:
        self.query_one("#items", Input).focus()
        self.set_class(self.size.width < self.NARROW, "-narrow")

    def on_resize(self) -> None:
        self.set_class(self.size.width < self.NARROW, "-narrow")

    def values(self) -> dict:
        q = self.query_one
        return {"strategies": list(q("#strategies", SelectionList).selected),
                **{k: q(f"#{k}", Input).value for k in ("items", "concurrency", "repeat", "item_bytes", "table",
                                                         *LOAD_INPUTS)},
                **{k.field: q(f"#{k.field}", Input).value for k in form_kinds()},
                "capacity_model": q("#capacity_model", Select).value, "time_scale": q("#time_scale", Input).value,
                "workload": q("#workload", Select).value, "retry_mode": q("#retry_mode", Select).value,
                "mode": q("#mode", Select).value}

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#start")
    def _start_pressed(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#history")
    def action_history(self) -> None:
        self.app.push_screen(BenchHistoryScreen())

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_select_all(self) -> None:
        sl = self.query_one("#strategies", SelectionList)
        if len(sl.selected) == len(NAMES):
            sl.deselect_all()
        else:
            sl.select_all()

    def action_start(self) -> None:
        if self.app.refuse_write("run a benchmark (benchmarks write items)"):
            return
        if not getattr(self.app, "ready", True):
            self.notify("The local engine is still starting: try again in a moment.", severity="warning")
            return
        try:
            settings, fault = parse_form(self.values(), self.app.connection)
        except FormError as e:
            self.show_field_error(e.field, e.message)
            found = self.query(f"#{e.field}")
            if found:
                found.first().focus()
            return
        self.clear_errors()
        self.app.push_screen(BenchRunScreen(settings, fault))


# ======================================================================= live view
@dataclass(eq=False)
class RunLaunched(Message):
    handle: Any
    proxy: Any = None


@dataclass(eq=False)
class RunLaunchFailed(Message):
    message: str


@dataclass(eq=False)
class RunSaved(Message):
    doc: dict
    path: str | None
    error: str | None = None


_LIVE: "weakref.WeakSet[BenchRunScreen]" = weakref.WeakSet()


def ensure_resource_tracker() -> None:
    """See ddbtui.bench.runner._ensure_resource_tracker (start_run also calls it)."""
    _ensure_resource_tracker()


@atexit.register
def _kill_leftovers() -> None:  # the app died without unmounting the screen
    for s in list(_LIVE):
        s.shutdown()


class BenchRunScreen(DdbScreenMixin, Screen):
    CSS_PATH = "bench.tcss"
    BINDINGS = [
        Binding("escape", "stop", "Stop / back"),
        Binding("r", "results", "Results"),
        Binding("h", "history", "History"),
    ]
    POLL_EVERY = 0.25

    def __init__(self, settings, fault=None) -> None:
        super().__init__()

        self.settings = settings
        self.fault = fault
        self.load = None
        total = settings.items
        if settings.load is not None:
            self.load = LoadSpec.from_dict(settings.load)
            total = self.load.expected_ops() or settings.items
        self.total = total
        self.model = LiveModel(settings.strategies, total, settings.repeat)
        self.session = None  # ddbtui.bench.session.BenchSession, set by launch()
        self.handle = None  # the session's RunHandle, once the engine runs
        self.proxy = None  # the session's fault proxy process, if any
        self.state = "starting"  # starting | running | stopping | finished | cancelled | failed
        self.doc: dict | None = None
        self.saved_path: str | None = None
        self.cancel_requested = False
        self.stop_latency: float | None = None  # seconds from cancel to the engine gone
        self._cancel_t: float | None = None
        self._killing = False
        self._timer = None
        self.cpu = None
        self._capacity_polling = False
        self.ticks = 0
        self.tick_seconds = 0.0  # time spent in tick() (UI cost of the live view)
        _LIVE.add(self)

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield TargetBar()
        with Horizontal(id="run-head"):
            yield Static(self._title(), id="run-title", markup=False)
            yield Button("Stop", variant="error", id="stop", compact=True)
            yield Button("Results", id="results", compact=True, disabled=True)
        yield Static("", id="run-status", markup=False)
        with VerticalScroll(id="progress"):
            for i, name in enumerate(self.settings.strategies):
                yield StrategyProgress(name, self.total * self.settings.repeat, colour(i))
        yield Static("", id="counters")
        if self.fault is not None and self.fault.capacity_model:
            yield CapacityPanel(id="capacity-panel")  # throttles by reason, bucket levels (#16)
        with Horizontal(id="charts"):
            if self.load is not None:
                # mixed / open loop: side by side (full height: >= 8 plot rows at 80x24); the
                # capacity chart only when wide enough, else RCU/WCU per second in the counters
                yield ResponseServiceChart(id="latency-chart", classes="mixed-chart")
                yield RateChart(id="throughput-chart", classes="mixed-chart")
                yield CapacityChart(id="capacity-chart", classes="mixed-chart")
            else:
                with Vertical(id="charts-left"):
                    yield LatencyChart(id="latency-chart")
                    yield ThroughputChart(id="throughput-chart")
                yield HistogramChart(id="histogram-chart")
        yield Static("UI CPU - · engine CPU -", id="cpu", markup=False)
        yield KeyFooter()

    CHART_MIN = 12  # rows per chart: border 2 + x axis 2 + at least 8 plot rows

    def fit_panels(self) -> None:
        """Small terminals drop panels before charts shrink below CHART_MIN rows: first the
        throughput chart, then the CPU line, then progress rows (they scroll), then counters."""
        height = self.size.height
        if not height or not self.is_attached:
            return
        fixed = self.query_one(TargetBar).outer_size.height + 1 + 1 + 1  # bar, head, status, footer
        rows = len(self.settings.strategies)
        left = height - fixed
        for panel in self.query(CapacityPanel):  # dropped before the charts shrink below CHART_MIN
            panel.display = left - panel.rows - self.CHART_MIN - 2 >= 1  # one progress row + counters left
            if panel.display:
                left -= panel.rows
        # mixed / open-loop charts sit side by side (one chart height); the plain ones stack
        stacked = getattr(self, "load", None) is None
        two_charts = not stacked or left - rows - 2 >= 2 * self.CHART_MIN
        show_cpu = left - rows - 2 >= self.CHART_MIN or two_charts
        room = left - self.CHART_MIN - (1 if show_cpu else 0)
        show_counters = room - 1 >= min(rows, 2)
        progress_rows = max(1, min(rows, room - (1 if show_counters else 0)))
        self.query_one("#throughput-chart").display = two_charts
        self.query_one("#cpu").display = show_cpu
        self.query_one("#counters").display = show_counters
        self.query_one("#progress").styles.max_height = min(12, progress_rows)

    def _title(self) -> str:
        s = self.settings
        if s.load is not None:
            fault = f" · proxy {self.fault.describe()}" if self.fault else ""
            return f"Benchmark · {LoadSpec.from_dict(s.load).describe()} · ×{s.repeat}{fault}"
        extra = f" of ~{s.item_bytes} B" if s.item_bytes else ""
        fault = f" · proxy {self.fault.describe()}" if self.fault else ""
        return (f"Benchmark · {s.items:,} {s.workload} items{extra} · concurrency {s.concurrency} · "
                f"×{s.repeat} · retry {s.retry_mode}{fault}")

    def on_mount(self) -> None:
        self.cpu = CpuMeter()
        # Full (gen 2) garbage collections walk the whole heap (Textual, boto3...): 0.2-0.9 s
        # on a loaded box, a visible freeze. Move what exists now out of the collector's way
        # for the run (gc.freeze); unfrozen when the screen goes.
        gc.collect()
        gc.freeze()
        self._frozen = True
        try:
            ensure_resource_tracker()
        except Exception as e:  # the launch below reports the real failure
            self.log.warning(f"resource tracker: {e!r}")
        self.launch(self.app.connection)
        self.call_after_refresh(self.fit_panels)
        self._timer = self.set_interval(self.POLL_EVERY, self.tick)
        self._update_status()

    # ------------------------------------------------------------------ launching
    @work(group="bench-launch", thread=True, exit_on_error=False)
    def launch(self, conn) -> None:
        """Start one BenchSession (the same object `ddbtui bench` drives): first contact
        with the target, the fault proxy with the form's FaultConfig, the engine process."""
        session = None
        try:
            session = BenchSession(self.settings, conn, self.fault,
                                   log_path=str(paths.log_dir() / "bench-engine.log"))
            self.session = session
            if self.cancel_requested:
                raise SessionError("cancelled before the engine started")
            session.start()
        except Exception as e:
            if session is not None:
                session.close()

            text = str(e) if isinstance(e, (SessionError, ValueError, RuntimeError)) else explain(
                e, target=conn.describe() if conn is not None else None)
            self.post_message(RunLaunchFailed(text))
            return
        if self.cancel_requested or not self.is_attached:
            session.close()
        self.post_message(RunLaunched(session.handle, session.proxy))

    def on_run_launched(self, msg: RunLaunched) -> None:
        self.handle, self.proxy = msg.handle, msg.proxy
        if self.cpu is not None:
            self.cpu.set_engine(self.handle.pid)
        if self.cancel_requested:
            self._cancel_t = time.monotonic()
            self.state = "stopping"
        else:
            self.state = "running"
        self._update_status()

    def on_run_launch_failed(self, msg: RunLaunchFailed) -> None:
        self.state = "failed"
        self.model.message = msg.message
        self._update_status()
        self._set_buttons()
        self.notify(msg.message, title="Benchmark did not start", severity="error", timeout=10, markup=False)

    # ------------------------------------------------------------------ the pull loop
    def tick(self) -> None:
        t0 = time.perf_counter()
        self.ticks += 1
        h = self.handle
        if h is not None and self.state in ("running", "stopping"):
            changed = self.model.feed(h.poll())
            if self.model.add_runs(h.runs):
                changed = True
            if changed:
                self.refresh_live()
            if h.done:
                self._finished()
            elif (self._cancel_t is not None and not self._killing
                  and time.monotonic() - self._cancel_t > 1.5):
                self._killing = True
                self._kill_engine()
        if (self.ticks % 4 == 0 and self.state == "running" and self.session is not None
                and self.session.capacity_model and not self._capacity_polling):
            self._capacity_polling = True
            self._poll_capacity(self.session)
        if self.cpu is not None and self.cpu.sample():
            self.query_one("#cpu", Static).update(self.cpu.line(), layout=False)
        self.tick_seconds += time.perf_counter() - t0

    @work(group="bench-capacity", thread=True, exit_on_error=False)
    def _poll_capacity(self, session) -> None:
        """The proxy's capacity figures, once a second, off the UI loop."""
        try:
            stats = session.capacity_stats()
        finally:
            self._capacity_polling = False
        if stats is not None and self.is_attached:
            self.app.call_from_thread(self._show_capacity, stats)

    def _show_capacity(self, stats: dict) -> None:
        for panel in self.query(CapacityPanel):
            rows = panel.rows
            panel.show(stats)
            if panel.rows != rows:
                self.fit_panels()

    def refresh_live(self, force: bool = False) -> None:
        for row in self.query(StrategyProgress):
            row.show(self.model.by[row.strategy])
        c = self.model.counters()
        if self.load is not None:
            self.query_one("#counters", Static).update(self._mixed_counters(c), layout=False)
        else:
            self.query_one("#counters", Static).update(Text.assemble(
            ("ok ", "dim"), (f"{c['ok']:,}", "bold green"), ("  retried ", "dim"), f"{c['retried']:,}",
            (f" ({c['retries']:,} retries)", "dim"), ("  throttled ", "dim"),
            (f"{c['throttled']:,}", "bold yellow" if c["throttled"] else ""),
            ("  failed ", "dim"), (f"{c['failed']:,}", "bold red" if c["failed"] else "")), layout=False)
        # charts redraw within their CPU budget (see bench_charts.CHART_BUDGET); always at the end
        now = time.monotonic()
        for chart in self.query(BenchChart):
            if chart.display and (force or chart.due(now)):
                chart.feed(self.model)
        self._update_status()

    CAPACITY_CHART_MIN_WIDTH = 120

    def on_resize(self) -> None:
        self.call_after_refresh(self.fit_panels)  # charts keep CHART_MIN rows
        if self.load is not None:
            for chart in self.query(CapacityChart):
                chart.display = self.size.width >= self.CAPACITY_CHART_MIN_WIDTH

    def _mixed_counters(self, c: dict) -> Text:
        """ok/failed/throttled, in flight, and each operation's p99 (response time) so far."""
        cur = self.model.by.get(self.model.current) if self.model.current else None
        t = Text.assemble(("ok ", "dim"), (f"{c['ok']:,}", "bold green"), ("  failed ", "dim"),
                          (f"{c['failed']:,}", "bold red" if c["failed"] else ""), ("  throttled ", "dim"),
                          (f"{c['throttled']:,}", "bold yellow" if c["throttled"] else ""))
        if cur is not None and cur.in_flight is not None:
            t.append_text(Text.assemble(("  in flight ", "dim"), f"{cur.in_flight}"))
        if cur is not None and cur.mixed["t"] and self.size.width < self.CAPACITY_CHART_MIN_WIDTH:
            r, w = cur.mixed["rcu"][-1], cur.mixed["wcu"][-1]
            if r == r and w == w:  # not NaN
                t.append_text(Text.assemble(("  RCU/s ", "dim"), f"{r:,.1f}", ("  WCU/s ", "dim"), f"{w:,.1f}"))
        for name, o in (cur.ops if cur is not None else {}).items():
            p99 = o.get("p99_ms")
            t.append_text(Text.assemble(("  ·  ", "dim"), (name, "bold"), (" p99 ", "dim"),
                                        f"{p99:.1f}" if p99 is not None else "-"))
        return t

    def _update_status(self) -> None:
        session = self.session
        if session is not None:
            where = session.describe_target()
        else:
            conn = self.app.connection
            where = conn.describe() if conn is not None else "?"
        eng = f"engine pid {self.handle.pid}" if self.handle is not None else "engine starting…"
        m = self.model
        if self.state == "running":
            cur = m.by.get(m.current) if m.current else None
            what = (f"{cur.name} {cur.phase} (run {cur.repeat}/{cur.repeats})" if cur else m.phase)
            state = f"running: {what}"
        elif self.state == "stopping":
            state = "stopping: waiting for the engine (killed after 1 s)…"
        elif self.state == "cancelled":
            state = "CANCELLED: what was measured is kept, marked incomplete"
        elif self.state == "finished":
            state = "finished" + ("" if (self.doc or {}).get("complete") else " (incomplete)")
        elif self.state == "failed":
            state = f"failed: {m.message}"
        else:
            state = "starting the engine…"
        saved = f" · saved {self.saved_path}" if self.saved_path else ""
        self.query_one("#run-status", Static).update(f"target {where} · {eng} · {state}{saved}", layout=False)

    def _set_buttons(self) -> None:
        live = self.state in ("starting", "running", "stopping")
        stop = self.query_one("#stop", Button)
        stop.disabled = not live or self.state == "stopping"
        stop.label = "Stop" if live else "Back"
        if not live:
            stop.disabled = False
            stop.variant = "default"
        self.query_one("#results", Button).disabled = self.doc is None

    @work(group="bench-kill", thread=True, exit_on_error=False)
    def _kill_engine(self) -> None:
        h = self.handle
        if h is not None:
            h.kill()

    def _finished(self) -> None:
        h = self.handle
        self.model.feed(h.poll())
        self.model.add_runs(h.runs)
        cancelled = h.cancelled
        self.model.finish(cancelled)
        if self._cancel_t is not None:
            self.stop_latency = time.monotonic() - self._cancel_t
        self.doc = h.result
        self.state = "cancelled" if cancelled else ("finished" if self.doc and not self.doc.get("error") else "failed")
        if self.state == "failed":
            self.model.message = (self.doc or {}).get("error") or h.error or "the engine failed"
        self.refresh_live(force=True)
        self._set_buttons()
        self.save_result(self.session)

    @work(group="bench-save", thread=True, exit_on_error=False)
    def save_result(self, session) -> None:
        doc = session.finish(2.0)  # reaps the engine process, stops the proxy
        doc = doc or session.result
        try:
            path = str(session.save())
            err = None
        except OSError as e:
            path, err = None, f"could not save the result: {e}"
        self.post_message(RunSaved(doc, path, err))

    def on_run_saved(self, msg: RunSaved) -> None:
        self.saved_path = msg.path
        self._update_status()
        if msg.error:
            self.notify(msg.error, severity="error", markup=False)
        if self.state == "failed" and self.model.message:
            self.notify(self.model.message, title="Benchmark failed", severity="error", timeout=10, markup=False)
        if self.is_current:
            self.action_results()

    # ------------------------------------------------------------------ actions
    @on(Button.Pressed, "#stop")
    def _stop_pressed(self) -> None:
        self.action_stop()

    @on(Button.Pressed, "#results")
    def action_results(self) -> None:
        if self.doc is None:
            return

        self.app.push_screen(BenchResultsScreen(self.doc, self.saved_path))

    def action_history(self) -> None:
        self.app.push_screen(BenchHistoryScreen())

    def action_stop(self) -> None:
        if self.state in ("finished", "cancelled", "failed"):
            self.app.pop_screen()
            return
        if self.state == "stopping":
            return
        self.cancel_requested = True
        self._cancel_t = time.monotonic()
        if self.session is not None:
            self.session.cancel()
        self.state = "stopping"
        self._set_buttons()
        self._update_status()

    # ------------------------------------------------------------------ cleanup
    def shutdown(self) -> None:
        """Stop everything now (leaving the screen, quitting the app)."""
        self.cancel_requested = True
        session = self.session
        if session is not None:
            session.close()

    _frozen = False

    def on_unmount(self) -> None:
        if self._frozen:
            gc.unfreeze()
            self._frozen = False
        if self._timer is not None:
            self._timer.stop()
        self.shutdown()
        _LIVE.discard(self)
