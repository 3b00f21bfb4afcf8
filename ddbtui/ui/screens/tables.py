"""The start screen: every table with its status, billing mode, item count and size."""

from __future__ import annotations

import time

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker

from ddbtui.dynamo import tables as t
from ddbtui.dynamo.errors import error_code
from ddbtui.ui.format import billing_text, human_bytes
from ddbtui.ui.messages import TablesLoaded, TableStatusChanged, TableSummarized
from ddbtui.ui.screens.base import DdbScreenMixin, guarded
from ddbtui.ui.widgets.target_bar import TargetBar
from ddbtui.ui.widgets.footer import KeyFooter

STATUS_STYLE = {"ACTIVE": "green", "CREATING": "yellow", "UPDATING": "yellow",
                "DELETING": "red", "ARCHIVING": "yellow", "INACCESSIBLE_ENCRYPTION_CREDENTIALS": "red"}


GETTING_STARTED = """Getting started
  c       create a table (in the form: f2 = wallet preset, ctrl+s = create)
  enter   open a table; in a wallet table s seeds, p/w/t move money
  ctrl+b  run a write benchmark (it makes its own table)
  ?       the keys of this screen · ctrl+p finds any command by name"""


class TablesScreen(DdbScreenMixin, Screen):
    HELP = ("Every table of the target with its status, billing mode, item count and size "
            "(DynamoDB's estimates). Type to filter after /, enter opens a table's items.")
    CSS_PATH = "tables.tcss"
    WRITE_ACTIONS = frozenset({"create_table", "delete_table"})
    BINDINGS = [
        Binding("r", "refresh", "Refresh"),
        *guarded(Binding("c", "create_table", "Create")),
        Binding("d", "describe", "Describe"),
        *guarded(Binding("x,delete", "delete_table", "Delete")),
        Binding("slash", "focus_filter", "Filter"),
        Binding("ctrl+b", "app.benchmark", "Benchmark"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._names: list[str] = []
        self._infos: dict[str, object] = {}
        self._status: dict[str, str] = {}  # CREATING / DELETING while we wait on it
        self._loaded = False

    @property
    def table_names(self) -> list[str]:
        return list(self._names)

    def compose(self) -> ComposeResult:
        yield TargetBar()
        yield Input(placeholder="filter tables as you type  (/)", id="filter")
        table: DataTable = DataTable(id="tables", cursor_type="row", zebra_stripes=True)
        table.add_column("Name", key="name")
        table.add_column("Status", key="status", width=10)
        table.add_column("Billing", key="billing", width=18)
        table.add_column("Items", key="items", width=12)
        table.add_column("Size", key="size", width=10)
        yield table
        yield Static(GETTING_STARTED, id="getting-started", markup=False)
        yield Static("", id="tables-status", classes="status-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#tables", DataTable).focus()
        self.watch(self.app, "ready", self._ready_changed)
        self.watch(self.app, "engine_state", self._engine_changed)

    def _engine_changed(self, state: str) -> None:
        if state == "starting":
            self._set_status("Starting the local engine… (the list appears when it answers)")
        elif state == "failed":
            self._set_status("The local engine did not start: see the message above and its log file.")

    def _ready_changed(self, ready: bool) -> None:
        if ready:
            self.action_refresh()

    def on_screen_resume(self) -> None:
        if self._loaded and self.app.ready:
            self.action_refresh()

    def _set_status(self, text: str) -> None:
        self.query_one("#tables-status", Static).update(text)

    # ------------------------------------------------------------------ loading
    def action_refresh(self) -> None:
        if not self.app.ready:
            return
        if not self._loaded:
            self._set_status("Loading tables…")
        self.load_tables()

    @work(group="tables", thread=True, exit_on_error=False)
    def load_tables(self) -> None:
        client = self.app.client()
        names = t.list_tables(client)
        self.post_message(TablesLoaded(names))
        for name in names:
            try:
                info = t.describe_table(client, name)
            except Exception as e:
                if error_code(e) != "ResourceNotFoundException":
                    raise
                info = None
            self.post_message(TableSummarized(name, info))

    def on_tables_loaded(self, msg: TablesLoaded) -> None:
        self._loaded = True
        keep = {n for n, s in self._status.items() if s == "CREATING"}
        self._names = sorted(set(msg.names) | keep)
        self._infos = {n: self._infos.get(n) for n in self._names}
        self._render_rows()

    def on_table_summarized(self, msg: TableSummarized) -> None:
        if msg.info is None:
            if self._status.get(msg.name) != "CREATING":
                self._forget(msg.name)
            return
        self._infos[msg.name] = msg.info
        if msg.name not in self._names:
            self._names = sorted(self._names + [msg.name])
            self._render_rows()
        else:
            self._update_row(msg.name)

    def on_table_status_changed(self, msg: TableStatusChanged) -> None:
        if msg.status is None:
            self._status.pop(msg.name, None)
            self._forget(msg.name)
            return
        if msg.status == "ACTIVE":
            self._status.pop(msg.name, None)
        else:
            self._status[msg.name] = msg.status
        info = self._infos.get(msg.name)
        if info is not None:
            info.status = msg.status
        if msg.name not in self._names:
            self._names = sorted(self._names + [msg.name])
            self._render_rows()
        else:
            self._update_row(msg.name)

    def _forget(self, name: str) -> None:
        if name in self._names:
            self._names.remove(name)
        self._infos.pop(name, None)
        self._render_rows()

    # ------------------------------------------------------------------ rendering
    def _cells(self, name: str) -> list:
        info = self._infos.get(name)
        status = self._status.get(name) or (info.status if info is not None else "…")
        return [
            Text(name),
            Text(status, style=STATUS_STYLE.get(status, "")),
            billing_text(info),
            Text(f"{info.item_count:,}" if info is not None else "", justify="right"),
            Text(human_bytes(info.size_bytes) if info is not None else "", justify="right"),
        ]

    def _visible(self) -> list[str]:
        f = self.query_one("#filter", Input).value.strip().lower()
        return [n for n in self._names if f in n.lower()] if f else list(self._names)

    def _render_rows(self) -> None:
        table = self.query_one("#tables", DataTable)
        current = self.current_table()
        table.clear()
        visible = self._visible()
        for name in visible:
            table.add_row(*self._cells(name), key=name)
        if current in visible:
            table.move_cursor(row=visible.index(current))
        total = len(self._names)
        f = self.query_one("#filter", Input).value.strip()
        self.query_one("#getting-started").display = not total
        if not total:
            self._set_status("No tables yet: press c to create one (f2 in the form: wallet preset).")
        elif f:
            self._set_status(f"{len(visible)} of {total} tables match {f!r}  ·  enter opens, d describes")
        else:
            self._set_status(f"{total} table{'s' if total != 1 else ''}  ·  enter opens, d describes  ·  "
                             f"counts and sizes: DynamoDB's estimates")

    def _update_row(self, name: str) -> None:
        table = self.query_one("#tables", DataTable)
        if name not in table.rows:
            return
        for col, value in zip(("name", "status", "billing", "items", "size"), self._cells(name)):
            table.update_cell(name, col, value)

    def current_table(self) -> str | None:
        table = self.query_one("#tables", DataTable)
        if table.row_count == 0:
            return None
        try:
            key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        except Exception:
            return None
        return key.value

    # ------------------------------------------------------------------ filter
    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._render_rows()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#tables", DataTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def key_escape(self) -> None:
        flt = self.query_one("#filter", Input)
        if flt.has_focus:
            flt.value = ""
            self.query_one("#tables", DataTable).focus()

    # ------------------------------------------------------------------ actions
    @on(DataTable.RowSelected, "#tables")
    def _open(self, event: DataTable.RowSelected) -> None:
        name = event.row_key.value
        if self._status.get(name) in ("CREATING", "DELETING"):
            self.notify(f"{name} is {self._status[name]}: wait until it is ACTIVE.", markup=False)
            return
        self.app.open_table(name)

    def action_describe(self) -> None:
        name = self.current_table()
        if name is None:
            self.notify("No table selected.", severity="warning")
            return

        from ddbtui.ui.screens.describe import DescribeScreen  # lazy: start-up (first frame)

        self.app.push_screen(DescribeScreen(name))

    def action_create_table(self) -> None:
        if self.writes_refused("create a table"):
            return
        if not self.app.ready:
            self.notify("The engine is still starting.", severity="warning")
            return

        from ddbtui.ui.screens.create_table import CreateTableScreen  # lazy: start-up (first frame)

        self.app.push_screen(CreateTableScreen(existing=set(self._names)), self._create_submitted)

    def _create_submitted(self, spec) -> None:
        if spec is None:
            return
        self._status[spec.name] = "CREATING"
        if spec.name not in self._names:
            self._names = sorted(self._names + [spec.name])
        self._render_rows()
        self.notify(f"Creating table {spec.name}…", markup=False)
        self.create_table(spec)

    @work(group="create-table", thread=True, exit_on_error=False)
    def create_table(self, spec) -> None:
        client = self.app.client()
        t.create_table(client, spec)  # with a TTL attribute this waits for ACTIVE first
        t.wait_active(client, spec.name,
                      on_status=lambda s: self.post_message(TableStatusChanged(spec.name, s)))
        self.post_message(TableStatusChanged(spec.name, "ACTIVE"))
        self.post_message(TableSummarized(spec.name, t.describe_table(client, spec.name)))

    def action_delete_table(self) -> None:
        if self.writes_refused("delete a table"):
            return
        name = self.current_table()
        if name is None:
            self.notify("No table selected.", severity="warning")
            return

        def confirmed(ok: bool | None) -> None:
            if ok:
                self._status[name] = "DELETING"
                self._update_row(name)
                self.delete_table(name)

        from ddbtui.ui.screens.confirm import ConfirmDeleteTableScreen  # lazy: start-up (first frame)

        self.app.push_screen(ConfirmDeleteTableScreen(name), confirmed)

    @work(group="delete-table", thread=True, exit_on_error=False)
    def delete_table(self, name: str) -> None:
        client = self.app.client()
        t.delete_table(client, name)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            status = t.table_status(client, name)
            self.post_message(TableStatusChanged(name, status))
            if status is None:
                self.app.call_from_thread(self.notify, f"Table {escape(name)} deleted.")
                return
            time.sleep(0.5)

    def worker_failed(self, worker: Worker, error: BaseException | None) -> None:
        super().worker_failed(worker, error)
        if worker.group in ("create-table", "delete-table"):
            self._status.clear()
            self.action_refresh()
