"""Past benchmark runs (results.list_results()): pick two or more, compare them on one chart
(items/s, p99 or p50 per strategy per run), open one's results, export the selection to
JSON, CSV or Markdown (ddbtui.bench.compare, textual-free)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, Label, Static

from ddbtui.bench import results
from ddbtui.bench.results import load_result
from ddbtui.bench.compare import METRICS, chart_series, describe_settings, export, run_label
from ddbtui.paths import results_dir
from ddbtui.ui.screens.base import DdbScreenMixin
from ddbtui.ui.screens.bench_results import BenchResultsScreen
from ddbtui.ui.widgets.bench_charts import CompareChart, colour
from ddbtui.ui.widgets.target_bar import TargetBar
from ddbtui.ui.widgets.footer import KeyFooter

METRIC_CYCLE = ("items_per_s", "p99", "p50")


@dataclass(eq=False)
class HistoryLoaded(Message):
    entries: list[dict]


class BenchHistoryScreen(DdbScreenMixin, Screen):
    DEFAULT_CSS = """
    BenchHistoryScreen #history { height: auto; max-height: 12; min-height: 4; }
    BenchHistoryScreen #compare-chart { height: 1fr; min-height: 10; }
    BenchHistoryScreen #compare-legend { height: auto; max-height: 6; padding: 0 1; color: $text-muted; }
    BenchHistoryScreen #history-status { height: 1; padding: 0 1; color: $text-muted; }
    BenchHistoryScreen #export-row { height: auto; padding: 0 1; }
    BenchHistoryScreen #export-path { width: 1fr; }
    BenchHistoryScreen #export-row Button { margin-left: 1; width: auto; min-width: 8; }
    BenchHistoryScreen #export-row Label { padding: 0 1 0 0; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("space", "toggle", "Select"),
        Binding("c", "compare", "Compare"),
        Binding("m", "metric", "Metric"),
        Binding("o", "open", "Open results"),
        Binding("e", "focus_export", "Export…"),
    ]

    def __init__(self, directory: str | None = None) -> None:
        super().__init__()
        self.directory = directory
        self.entries: list[dict] = []
        self.selected: list[str] = []  # paths, in the order picked
        self.metric = "items_per_s"
        self._docs: dict[str, dict] = {}
        self.compared: list[str] = []

    def compose(self) -> ComposeResult:
        yield TargetBar()
        yield Static("Benchmark history: space selects, c compares, m changes the metric, o opens, e exports",
                     id="history-status", markup=False)
        yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="export-row"):
            yield Label("Export selection to")
            yield Input(self._default_export_base(), id="export-path", compact=True,
                        tooltip="file name without extension; .json / .csv / .md is added")
            yield Button("JSON", id="export-json", compact=True)
            yield Button("CSV", id="export-csv", compact=True)
            yield Button("Markdown", id="export-md", compact=True)
        yield CompareChart(id="compare-chart")
        yield Static("", id="compare-legend")
        yield KeyFooter()

    def _results_dir(self) -> Path:
        if self.directory:
            return Path(self.directory)

        return results_dir()

    def _default_export_base(self) -> str:
        return str(self._results_dir().parent / "exports" / f"compare-{datetime.now():%Y%m%d-%H%M%S}")

    def on_mount(self) -> None:
        dt = self.query_one("#history", DataTable)
        for c in ("✓", "date", "target", "engine", "settings", "strategies", "complete", "id"):
            dt.add_column(c, key=c)
        self.load()
        dt.focus()

    @work(group="bench-history", thread=True, exit_on_error=False)
    def load(self) -> None:
        entries = results.list_results(self.directory)
        for e in entries:  # the settings line needs the document; they are small
            try:
                e["settings_text"] = describe_settings(results.load_result(e["path"]))
            except Exception:
                e["settings_text"] = ""
        self.post_message(HistoryLoaded(entries))

    def on_history_loaded(self, msg: HistoryLoaded) -> None:
        self.entries = msg.entries
        dt = self.query_one("#history", DataTable)
        dt.clear()
        for e in self.entries:
            try:
                when = datetime.fromisoformat(e["created"]).astimezone().strftime("%Y-%m-%d %H:%M:%S")
            except Exception:
                when = str(e.get("created"))
            strat = ",".join(e.get("strategies") or [])
            dt.add_row(self._mark(e["path"]), when, e.get("target") or "", e.get("engine") or "",
                       e.get("settings_text", ""), strat if len(strat) < 40 else strat[:37] + "…",
                       "yes" if e.get("complete") else Text("no", style="yellow"), e.get("id") or "",
                       key=e["path"])
        self._status()

    def _mark(self, path: str) -> Text:
        if path in self.selected:
            return Text(str(self.selected.index(path) + 1), style="bold green")
        return Text("·", style="dim")

    def _status(self, extra: str = "") -> None:
        n = len(self.entries)
        s = f"{n} past run{'s' if n != 1 else ''} · {len(self.selected)} selected"
        if not n:
            s = "No past runs yet: run a benchmark (the bench screen or `ddbtui bench`)"
        self.query_one("#history-status", Static).update(s + (f" · {extra}" if extra else ""))

    # ------------------------------------------------------------------ selection
    def _cursor_path(self) -> str | None:
        dt = self.query_one("#history", DataTable)
        if not self.entries or dt.cursor_row is None or dt.cursor_row >= len(self.entries):
            return None
        return dt.coordinate_to_cell_key((dt.cursor_row, 0)).row_key.value

    def select(self, paths: list[str]) -> None:
        """Replace the selection (tests, and the toggle action)."""
        self.selected = [p for p in paths if any(e["path"] == p for e in self.entries)]
        dt = self.query_one("#history", DataTable)
        for e in self.entries:
            dt.update_cell(e["path"], "✓", self._mark(e["path"]))
        self._status()

    def action_toggle(self) -> None:
        p = self._cursor_path()
        if p is None:
            return
        sel = list(self.selected)
        if p in sel:
            sel.remove(p)
        else:
            sel.append(p)
        self.select(sel)
        dt = self.query_one("#history", DataTable)
        if dt.cursor_row < dt.row_count - 1:
            dt.move_cursor(row=dt.cursor_row + 1)

    def docs(self, paths: list[str] | None = None) -> list[dict]:
        out = []
        for p in self.selected if paths is None else paths:
            if p not in self._docs:
                self._docs[p] = load_result(p)
            out.append(self._docs[p])
        return out

    # ------------------------------------------------------------------ compare
    def action_compare(self) -> None:
        if len(self.selected) < 2:
            self.notify("Select two or more runs (space) to compare them.", severity="warning")
            return
        self.compared = list(self.selected)
        self._draw_compare()

    def action_metric(self) -> None:
        self.metric = METRIC_CYCLE[(METRIC_CYCLE.index(self.metric) + 1) % len(METRIC_CYCLE)]
        if self.compared:
            self._draw_compare()
        else:
            self._status(f"metric: {self.metric}")

    def _draw_compare(self) -> None:
        try:
            docs = self.docs(self.compared)
        except Exception as e:
            self.notify(f"Could not read a result: {e}", severity="error", markup=False)
            return
        names, values = chart_series(docs, self.metric)
        labels = [run_label(d) for d in docs]
        self.query_one(CompareChart).show(names, values, labels, METRICS[self.metric][0])
        legend = Text()
        for i, d in enumerate(docs):
            tg = d.get("target") or {}
            c = colour(i)
            legend.append("■ ", style=f"rgb({c[0]},{c[1]},{c[2]})")
            legend.append(f"{labels[i]}", style="bold")
            legend.append(f"  {tg.get('engine') or tg.get('host')}  {describe_settings(d)}"
                          f"{'' if d.get('complete') else '  (incomplete)'}\n")
        self.query_one("#compare-legend", Static).update(legend)
        self._status(f"comparing {len(docs)} runs by {METRICS[self.metric][0]}")

    def action_open(self) -> None:
        p = self._cursor_path()
        if p is None:
            return

        self.app.push_screen(BenchResultsScreen(self.docs([p])[0], p))

    @on(DataTable.RowSelected, "#history")
    def _row_selected(self) -> None:
        self.action_toggle()

    # ------------------------------------------------------------------ export
    def action_focus_export(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(Button.Pressed, "#export-json")
    def _export_json(self) -> None:
        self.export("json")

    @on(Button.Pressed, "#export-csv")
    def _export_csv(self) -> None:
        self.export("csv")

    @on(Button.Pressed, "#export-md")
    def _export_md(self) -> None:
        self.export("md")

    def export(self, fmt: str) -> Path | None:
        if not self.selected:
            self.notify("Select one or more runs (space) to export.", severity="warning")
            return None
        base = self.query_one("#export-path", Input).value.strip() or self._default_export_base()
        path = Path(base).expanduser()
        if path.suffix.lower() in (".json", ".csv", ".md"):
            path = path.with_suffix("")
        try:
            out = export(self.docs(), path.with_name(path.name + "." + fmt), fmt)
        except (OSError, ValueError) as e:
            self.notify(f"Export failed: {e}", severity="error", markup=False)
            return None
        self.notify(f"Exported {len(self.selected)} run(s) to {out}", title="Export", markup=False)
        return out
