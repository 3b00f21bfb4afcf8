"""The results of one benchmark document: a table per strategy (items/s, time mean ± σ and
min … max over repeats, p50/p90/p99/p99.9/max, client CPU µs/item, retries, throttles,
verified / lost), the fastest marked, hyperfine's "X ran N× faster than Y" lines, and any
problems (errors, lost items, INCOMPLETE). Rows and sentences come from
ddbtui.bench.report, the same the headless `ddbtui bench` prints."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ddbtui.bench import report
from ddbtui.bench.mixed_report import OP_COLUMNS, lines, op_rows
from ddbtui.ui.screens.base import DdbScreenMixin
from ddbtui.ui.widgets.target_bar import TargetBar
from ddbtui.ui.widgets.footer import KeyFooter


def fastest(doc: dict) -> str | None:
    """The strategy with the most items/s among those whose every run completed, when there
    are at least two of them: a cancelled or failed run, or a field of one, is never crowned."""
    timed = [s for s in doc.get("summary") or [] if s.get("items_per_s_mean")
             and s.get("complete_runs", 0) == s.get("runs", -1) and s.get("runs")]
    if doc.get("error") or len(timed) < 2:
        return None
    return max(timed, key=lambda s: s["items_per_s_mean"])["strategy"]


class BenchResultsScreen(DdbScreenMixin, Screen):
    DEFAULT_CSS = """
    BenchResultsScreen #res-head { height: auto; padding: 0 1; }
    BenchResultsScreen DataTable { height: auto; max-height: 24; }
    BenchResultsScreen .res-caption { height: 1; padding: 0 1; margin-top: 1; text-style: bold; }
    BenchResultsScreen #res-body { height: 1fr; }
    BenchResultsScreen .res-block { height: auto; padding: 0 1; margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("h", "history", "History"),
    ]

    def __init__(self, doc: dict, path: str | None = None) -> None:
        super().__init__()
        self.doc = doc
        self.path = path

        self.columns = list(report.COLUMNS)
        self.rows = report.rows(doc)
        self.fastest = fastest(doc)
        self.comparisons = report.comparison_lines(doc)
        self.problems = report.problem_lines(doc)

        self.op_rows = op_rows(doc)
        self.mixed_lines = lines(doc, with_ops=False)

    def compose(self) -> ComposeResult:
        yield TargetBar()
        yield Static(self._head(), id="res-head")
        with VerticalScroll(id="res-body"):
            yield Static("Throughput and correctness (time: mean ± σ over min … max of the repeats)",
                         classes="res-caption")
            yield DataTable(id="res-table", zebra_stripes=True, cursor_type="row")
            yield Static("Latency, ms (all repeats merged)", classes="res-caption")
            yield DataTable(id="res-latency", zebra_stripes=True, cursor_type="row")
            yield Static(self._summary(), id="res-summary", classes="res-block")
            if self.op_rows:
                yield Static("Operations: response time (from intended start) and service time (from send), ms; "
                             "consumed capacity", classes="res-caption")
                yield DataTable(id="res-ops", zebra_stripes=True, cursor_type="row")
                yield Static("\n".join(self.mixed_lines).strip("\n"), id="res-mixed", classes="res-block",
                             markup=False)
            if self.problems:
                yield Static(Text("\n".join(self.problems), style="bold red"), id="res-problems",
                             classes="res-block")
        yield KeyFooter()

    def _head(self) -> Text:
        t = Text()
        if not self.doc.get("complete"):
            t.append(" INCOMPLETE ", style="bold black on yellow")
            t.append(" cancelled or failed: the figures cover what was measured\n")
        lines = report.header_lines(self.doc)
        t.append(lines[0], style="bold")
        for line in lines[1:]:
            t.append("\n" + line, style="dim")
        if self.path:
            t.append(f"\nsaved {self.path}", style="dim")
        return t

    def _summary(self) -> Text:
        t = Text()
        if self.fastest:
            t.append("★ fastest by items/s: ", style="dim")
            t.append(self.fastest, style="bold green")
            t.append("\ntime = the measured window (table setup and verification excluded)\n", style="dim")
        if self.comparisons:
            t.append("Summary\n", style="bold")
            for line in self.comparisons:
                t.append(f"  {line}\n")
        hf = report.hyperfine_lines(self.doc)
        if hf:
            t.append("\n" + "\n".join(hf), style="dim")
        px = report.proxy_lines(self.doc)  # what the fault proxy injected / throttled, by reason
        if px:
            t.append("\n\n" + "\n".join(px), style="dim")
        return t

    # report.COLUMNS: strategy conc items/s time range p50 p90 p99 p99.9 max cpu retries throttles
    # failed verified lost; two tables so that every column fits 120 columns
    # correctness right after speed: verified / lost stay in view at 80 columns (the rest
    # scrolls right)
    MAIN = (("strategy", 0), ("items/s", 2), ("time", 3), ("verified", 14), ("lost", 15), ("failed", 13),
            ("retries", 11), ("throttles", 12), ("CPU µs/item", 10), ("conc", 1))
    LATENCY = (("strategy", 0), ("p50", 5), ("p90", 6), ("p99", 7), ("p99.9", 8), ("max", 9))

    def _strategy_cell(self, name: str) -> Text:
        if name == self.fastest:
            return Text(f"★ {name}", style="bold green")
        return Text(f"  {name}")

    def on_mount(self) -> None:
        dt = self.query_one("#res-table", DataTable)
        for label, _ in self.MAIN:
            dt.add_column(label, key=label)
        lat = self.query_one("#res-latency", DataTable)
        for label, _ in self.LATENCY:
            lat.add_column(label, key=label)
        for r in self.rows:
            cells: list = []
            for _label, i in self.MAIN:
                if i == 0:
                    cells.append(self._strategy_cell(r[0]))
                elif i == 3:
                    cells.append(Text(r[3] if r[4] == "-" else f"{r[3]}\n{r[4]}", justify="right"))
                elif i == 15 and r[i] not in ("0", "-"):
                    cells.append(Text(r[i], style="bold red", justify="right"))
                else:
                    cells.append(Text(r[i], justify="right"))
            dt.add_row(*cells, key=r[0], height=2)
            lat.add_row(*[self._strategy_cell(r[0]) if i == 0 else Text(r[i], justify="right") for _, i in self.LATENCY],
                        key=r[0])
        if self.op_rows:
            ops = self.query_one("#res-ops", DataTable)
            for label in OP_COLUMNS:
                ops.add_column(label, key=label)
            for row in self.op_rows:
                ops.add_row(*[Text(v) if i < 2 else Text(v, justify="right") for i, v in enumerate(row)])
        dt.focus()

    def cell(self, strategy: str, column: str) -> str:
        """The table's text for a strategy and column (tests read it like a person)."""
        for r in self.rows:
            if r[0] == strategy:
                return r[self.columns.index(column)]
        raise KeyError(strategy)

    def action_history(self) -> None:
        self.app.action_bench_history()
