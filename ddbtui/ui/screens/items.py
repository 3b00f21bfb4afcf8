"""Browse, query, edit and delete items; wallet actions for user_id tables; export.

Paging: the first page is small (fast first paint), later pages are larger and load when the
cursor or the scroll position nears the bottom, on `m`, or all of them on `A` (escape stops
after the current page). Items live compactly in an `ItemStore` (`self.items`: DynamoDB JSON
bytes in one buffer, encoded by the loading thread, decoded on demand; index = row key) and
the table is virtual (`VirtualItemTable`, Textual's line API): only the visible rows are ever
formatted, so a million loaded items cost their bytes, not a million rows of widgets.
"""

from __future__ import annotations

import threading
from typing import Any

from rich.markup import escape
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Label, Static
from textual.worker import Worker

from ddbtui.dynamo import items as it
from ddbtui.dynamo.codec import display
from ddbtui.dynamo.items import batch_delete
from ddbtui.dynamo.tables import describe_table
from ddbtui.ui.messages import (
    ItemsDeleted,
    ItemsPageLoaded,
    TableDescribed,
    WalletsChanged,
)
from ddbtui.ui.screens.base import DdbScreenMixin, guarded
from ddbtui.ui.screens.confirm import ConfirmScreen
from ddbtui.ui.screens.describe import DescribeScreen
from ddbtui.ui.screens.editor import ItemEditorScreen
from ddbtui.ui.screens.export import ExportScreen
from ddbtui.ui.screens.query import QueryScreen
from ddbtui.ui.screens.wallet import SeedWalletsScreen, TransferScreen, WalletAmountScreen
from ddbtui.ui.widgets.footer import KeyFooter
from ddbtui.ui.widgets.form import is_repeated_submit_key
from ddbtui.ui.widgets.progress import ProgressTracker, close_progress, show_progress
from ddbtui.ui.widgets.target_bar import TargetBar
from ddbtui.ui.widgets.virtual_table import ItemStore, VirtualItemTable, encode_item

FIRST_PAGE = 100
PAGE = 1000
MAX_COLUMNS = 24
CELL_MAX = 40
NEAR_BOTTOM = 25  # rows/lines from the end that trigger the next page
WALLET_ACTIONS = frozenset({"seed", "deposit", "withdraw", "transfer"})


def _plain_cell(value: Any) -> str:
    return display(value, CELL_MAX)


class ItemsScreen(DdbScreenMixin, Screen):
    CSS_PATH = "items.tcss"
    WRITE_ACTIONS = frozenset({"new_item", "delete_items"}) | WALLET_ACTIONS
    HELP = ("The items of one table, a page at a time (more load as you scroll). enter or e "
            "edits the item under the cursor, space selects several for x. A wallet table "
            "(partition key user_id, S) adds deposit, withdraw, transfer and seeding.")
    # by importance: the footer shows what fits, in this order (? lists them all)
    BINDINGS = [
        Binding("escape", "back_or_cancel", "Back", tooltip="back to the tables (or stop loading all)"),
        Binding("slash,q", "query", "Query", tooltip="query or scan with a key condition and a filter"),
        Binding("e", "edit", "Edit", tooltip="edit the item under the cursor (enter too)"),
        *guarded(Binding("n", "new_item", "New", tooltip="create an item")),
        *guarded(Binding("x,delete", "delete_items", "Delete",
                         tooltip="delete the selected items (or the one under the cursor)")),
        *guarded(Binding("p", "deposit", "Deposit"), Binding("w", "withdraw", "Withdraw"),
                 Binding("t", "transfer", "Transfer"),
                 Binding("s", "seed", "Seed", tooltip="write many random wallets")),
        Binding("space", "toggle_select", "Select", tooltip="select or unselect the item under the cursor"),
        Binding("A", "load_all", "Load all", tooltip="load every page (with progress; escape stops)"),
        Binding("ctrl+e", "export", "Export", tooltip="write the loaded items to JSON Lines or CSV"),
        Binding("r", "reload", "Rescan", show=False, tooltip="scan the table again from the start"),
        Binding("m", "load_more", "More", show=False, tooltip="load the next page"),
        Binding("i", "describe", "Describe", show=False, tooltip="the table's keys, indexes, TTL and tags"),
        Binding("P", "app.pending", "Pending", show=False,
                tooltip="wallet operations whose outcome is unknown (retry safely)"),
    ]

    def __init__(self, table: str) -> None:
        super().__init__()
        self.table_name = table
        self.info = None
        self.key_names: list[str] = []
        self.is_wallet = False
        self.items = ItemStore()  # store[idx] -> item (decoded on demand) or None once deleted
        self.selected: set[int] = set()
        self.columns: list[str] = []
        self.query_spec = None  # QuerySpec | None (None: scan the table)
        self._keys: dict[tuple, int] | None = None  # key -> index, built on first need
        self._gen = 0
        self._last_key: dict | None = None
        self._has_more = False
        self._loading = False
        self._loading_all = False
        self._cancel = threading.Event()
        self._writing = False  # a confirmed batch delete is in flight
        self._failed: str | None = None  # why the last read failed ("query failed: ...")
        self.load_tracker: ProgressTracker | None = None
        self.delete_tracker: ProgressTracker | None = None

    def compose(self) -> ComposeResult:
        yield TargetBar()
        yield Label(f"Items in {self.table_name}", id="items-title", classes="title", markup=False)
        yield VirtualItemTable(self.items, marked=self.selected.__contains__, cell=_plain_cell, id="items")
        yield Static("Loading…", id="items-status", classes="status-line", markup=False)
        yield KeyFooter()

    @property
    def data_table(self) -> VirtualItemTable:
        return self.query_one("#items", VirtualItemTable)

    @property
    def live(self) -> int:
        """Items loaded and not deleted."""
        return self.items.live

    @property
    def _key_index(self) -> dict[tuple, int]:
        """Key values -> item index, built on first use (an edit, a wallet change) and then
        kept up to date: a browse-only session never pays ~100 B per item for it."""
        if self._keys is None:
            keys: dict[tuple, int] = {}
            if self.key_names:
                for idx, item in enumerate(self.items):
                    if item is not None:
                        keys[self._key_of(item)] = idx
            self._keys = keys
        return self._keys

    def on_mount(self) -> None:
        table = self.data_table
        table.focus()
        self.watch(table, "scroll_y", self._scrolled, init=False)
        self.start_load(describe=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WALLET_ACTIONS and not self.is_wallet:
            return False
        return super().check_action(action, parameters)

    # ------------------------------------------------------------------ loading
    def start_load(self, *, describe: bool = False) -> None:
        """Forget what is shown and read the first page of the current source."""
        self._cancel.set()  # a running load-all stops after its page (its pages are ignored)
        self._cancel = threading.Event()
        self._gen += 1
        self.items = ItemStore()
        self.selected = set()
        self._keys = None
        self._last_key = None
        self._has_more = False
        self._loading = True
        self._loading_all = False
        self._failed = None
        table = self.data_table
        table.marked = self.selected.__contains__
        table.clear(self.items)
        self.columns = []
        self._update_status()
        self.fetch(self._gen, None, FIRST_PAGE, describe=describe, spec=self.query_spec)

    @work(group="items-load", thread=True, exit_on_error=False)
    def fetch(self, gen: int, start_key: dict | None, limit: int, *, describe: bool = False,
              spec=None, all_pages: bool = False, cancel: threading.Event | None = None,
              tracker: ProgressTracker | None = None) -> None:
        try:
            client = self.app.client()
            if describe:
                self.post_message(TableDescribed(describe_table(client, self.table_name)))
            pages = 0
            while True:
                page = _read_page(client, self.table_name, spec, limit, start_key)
                pages += 1
                start_key = page.last_key
                if start_key is not None and not all_pages and len(page.items) >= limit:
                    # DynamoDB returns LastEvaluatedKey whenever the Limit is reached, even
                    # when nothing follows: ask for one more item before saying "more"
                    probe = _read_page(client, self.table_name, spec, 1, start_key)
                    if not probe.items and probe.last_key is None:
                        start_key = None
                if tracker is not None:
                    tracker.advance(len(page.items))
                # a filter can return empty pages: keep reading until something shows (bounded)
                more_for_first = not all_pages and not page.items and start_key is not None and pages < 50
                stop = start_key is None or (cancel is not None and cancel.is_set()) or \
                    (not all_pages and not more_for_first)
                # encoded here, off the UI thread: the screen only appends bytes
                self.post_message(ItemsPageLoaded(gen, page.items, start_key, page.scanned_count, final=stop,
                                                  encoded=[encode_item(i) for i in page.items]))
                if stop:
                    return
        finally:
            if tracker is not None:
                tracker.finish()

    def on_table_described(self, msg: TableDescribed) -> None:
        info = msg.info
        self.info = info
        self.key_names = info.key_names
        self.is_wallet = info.partition_key.name == "user_id" and info.partition_key.type == "S"
        keys = f"{info.partition_key.name} ({info.partition_key.type})"
        if info.sort_key:
            keys += f", {info.sort_key.name} ({info.sort_key.type})"
        wallet = "  ·  wallet table (? lists its keys)" if self.is_wallet else ""
        self.query_one("#items-title", Label).update(f"{info.name}  ·  key {keys}{wallet}")
        self.refresh_bindings()

    def on_items_page_loaded(self, msg: ItemsPageLoaded) -> None:
        if msg.generation != self._gen:
            return
        self._append(msg.items, msg.encoded)
        self._last_key = msg.last_key
        self._has_more = msg.last_key is not None
        if msg.final:
            if self._loading_all:
                close_progress(self.app, self.load_tracker)
            if self._loading_all and self._cancel.is_set() and self._has_more:
                self.notify(f"Stopped loading: {self.live:,} items loaded.")
            self._loading = False
            self._loading_all = False
        self._update_status()
        if not self._loading:
            self._maybe_load_more()

    def _maybe_load_more(self) -> None:
        """Load the next page when the view is near the bottom (or not even full)."""
        if not self._has_more or self._loading:
            return
        table = self.data_table
        if table.size.height == 0:
            return
        # rows below the viewport, from the row count (the virtual size lags behind add_row)
        below = table.row_count - (round(table.scroll_y) + table.size.height - 1)
        near_scroll = below < NEAR_BOTTOM
        near_cursor = table.row_count - table.cursor_row <= NEAR_BOTTOM
        if near_scroll or near_cursor:
            self.action_load_more()

    def _scrolled(self, _y: float) -> None:
        self._maybe_load_more()

    @on(VirtualItemTable.RowHighlighted, "#items")
    def _highlighted(self, event: VirtualItemTable.RowHighlighted) -> None:
        self._maybe_load_more()

    def action_load_more(self) -> None:
        if self._loading:
            return
        if not self._has_more:
            self.notify("Everything is loaded.")
            return
        self._loading = True
        self._update_status()
        self.fetch(self._gen, self._last_key, PAGE, spec=self.query_spec)

    def action_load_all(self) -> None:
        if self._loading_all:
            return
        if not self._has_more and not self._loading:
            self.notify("Everything is loaded.")
            return
        if self._loading:
            self.notify("A page is loading; press A again when it is done.")
            return
        # DynamoDB's ItemCount (an estimate) sizes the bar of a plain scan; a query has none
        estimate = self.info.item_count if self.info is not None and self.query_spec is None else 0
        left = estimate - self.live if estimate and estimate > self.live else None
        tracker = ProgressTracker(total=left, unit="items", verb="loaded", estimate=True)
        self.load_tracker = tracker
        self._cancel = tracker.cancel_event  # escape here or Cancel in the dialog stops it
        self._loading = True
        self._loading_all = True
        self._update_status()
        show_progress(self.app, f"Loading all items of {self.table_name}", tracker)
        self.fetch(self._gen, self._last_key, PAGE, spec=self.query_spec, all_pages=True,
                   cancel=self._cancel, tracker=tracker)

    def action_back_or_cancel(self) -> None:
        if self._loading_all:
            self._cancel.set()
            self.notify("Stopping after the current page…")
            return
        self.app.pop_screen()

    def action_reload(self) -> None:
        self.query_spec = None
        self.start_load()

    # ------------------------------------------------------------------ rows
    def _ensure_columns(self, items: list[dict]) -> None:
        table = self.data_table
        wanted = [k for k in self.key_names if k not in self.columns]
        seen = set(self.columns) | set(wanted)
        for item in items:
            # DynamoDB returns an item's attributes in no fixed order: sort the new ones of
            # each item so that the columns are the same on every visit
            for k in sorted(k for k in item if k not in seen):
                seen.add(k)
                wanted.append(k)
        for name in wanted:
            if len(self.columns) >= MAX_COLUMNS:
                break
            sample = [len(_plain_cell(i[name])) for i in items[:200] if name in i]
            width = max([len(name), 4] + sample)
            width = min(width, CELL_MAX)
            table.add_column(name, width)
            self.columns.append(name)

    def _key_of(self, item: dict) -> tuple:
        return tuple(item.get(k) for k in self.key_names)

    def _append(self, items: list[dict], encoded: list[bytes] | None = None) -> None:
        if not items:
            return
        self._ensure_columns(items)
        added = self.items.append(encoded if encoded is not None else [encode_item(i) for i in items])
        if self._keys is not None and self.key_names:
            for idx, item in zip(added, items):
                self._keys[self._key_of(item)] = idx
        self.data_table.add_rows(added)

    def _replace(self, idx: int, item: dict) -> None:
        self.items.replace(idx, item)
        self._ensure_columns([item])
        self.data_table.refresh_item(idx)

    def _upsert(self, items: list[dict]) -> None:
        new = []
        for item in items:
            idx = self._key_index.get(self._key_of(item))
            if idx is not None and self.items[idx] is not None:
                self._replace(idx, item)
            else:
                new.append(item)
        if new:
            self._append(new)
        self._update_status()

    def current_index(self) -> int | None:
        return self.data_table.cursor_item

    def current_item(self) -> dict | None:
        idx = self.current_index()
        return self.items[idx] if idx is not None else None

    def _update_status(self) -> None:
        n = self.live
        if self._failed:
            state = self._failed + (f" · {n:,} items loaded before" if n else "")
        elif self._loading_all:
            state = f"{n:,} items loaded · loading all… (escape stops)"
        elif self._loading and n == 0:
            state = "loading…"
        else:
            more = "more available" if self._has_more else "all loaded"
            state = f"{n:,} items loaded ({more})" + (" · loading…" if self._loading else "")
        if self.selected:
            state += f" · {len(self.selected)} selected"
        src = self.query_spec.describe() if self.query_spec else "scan"
        self.query_one("#items-status", Static).update(f"{state}  ·  {src}")

    @property
    def status_text(self) -> str:
        return str(self.query_one("#items-status", Static).render())

    # ------------------------------------------------------------------ selection / delete
    def action_toggle_select(self) -> None:
        idx = self.current_index()
        if idx is None:
            return
        if idx in self.selected:
            self.selected.discard(idx)
        else:
            self.selected.add(idx)
        table = self.data_table
        table.refresh_item(idx)
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)
        self._update_status()

    def action_delete_items(self) -> None:
        if self.writes_refused("delete items"):
            return
        indexes = sorted(i for i in self.selected if self.items[i] is not None)
        if not indexes:
            idx = self.current_index()
            if idx is None:
                self.notify("No item selected.", severity="warning")
                return
            indexes = [idx]
        n = len(indexes)

        keys = [{k: self.items[i][k] for k in self.key_names} for i in indexes]
        sample = ", ".join(" / ".join(_plain(v) for v in k.values()) for k in keys[:3])
        more = f" and {n - 3} more" if n > 3 else ""
        text = (f"Delete {n} item{'s' if n != 1 else ''} from {self.table_name}: {sample}{more}?\n"
                f"This cannot be undone.")

        if self._writing:
            self.notify("A delete is in flight: wait for it to finish.", severity="warning")
            return

        def confirmed(ok: bool | None) -> None:
            if ok:
                self._writing = True
                tracker = ProgressTracker(total=n, unit="items", verb="deleted")
                self.delete_tracker = tracker
                show_progress(self.app, f"Deleting {n:,} item{'s' if n != 1 else ''} from {self.table_name}",
                              tracker)
                self.delete_items(indexes, keys, tracker)

        self.app.push_screen(ConfirmScreen(f"Delete {n} item{'s' if n != 1 else ''}?", text,
                                           confirm=f"Delete {n}"), confirmed)

    @work(group="items-delete", thread=True, exit_on_error=False)
    def delete_items(self, indexes: list[int], keys: list[dict], tracker: ProgressTracker | None = None) -> None:
        try:
            res = batch_delete(self.app.client(), self.table_name, keys,
                               on_progress=tracker.advance if tracker else None,
                               should_stop=(lambda: tracker.cancelled) if tracker else None)
        except Exception:
            # the chunks reported done are deleted: take those rows away, then report the error
            done = tracker.done if tracker is not None else 0
            if done:
                self.post_message(ItemsDeleted(indexes[:done], 0, 0, requested=len(indexes)))
            raise
        finally:
            if tracker is not None:
                tracker.finish()
        # whole chunks of 25 are done before a stop is honoured: the first `written` went
        self.post_message(ItemsDeleted(indexes[:res.written], res.requests, res.resent_items,
                                       requested=len(indexes)))

    def _write_ended(self) -> None:
        self._writing = False

    def on_key(self, event: events.Key) -> None:
        if is_repeated_submit_key(self.app, event):
            # the Enter that confirmed a dialog, pressed again: not a request to edit
            event.stop()
            event.prevent_default()

    def on_items_deleted(self, msg: ItemsDeleted) -> None:
        self._write_ended()
        close_progress(self.app, self.delete_tracker)
        gone = []
        for idx in msg.indexes:
            item = self.items[idx]
            if item is None:
                continue
            self.items.delete(idx)
            if self._keys is not None:
                self._keys.pop(self._key_of(item), None)
            self.selected.discard(idx)
            gone.append(idx)
        self.data_table.remove_items(gone)
        n = len(msg.indexes)
        if msg.requested and n < msg.requested:
            self.notify(f"Stopped: deleted {n:,} of {msg.requested:,} items from {escape(self.table_name)}; "
                        f"the rest are still there.", severity="warning")
        else:
            self.notify(f"Deleted {n:,} item{'s' if n != 1 else ''} from {escape(self.table_name)}.")
        self._update_status()

    # ------------------------------------------------------------------ editor
    @on(VirtualItemTable.RowSelected, "#items")
    def _row_selected(self, event: VirtualItemTable.RowSelected) -> None:
        if self._writing:
            return  # a confirmed delete is in flight: Enter is not a request to edit its rows
        self.action_edit()

    def action_edit(self) -> None:
        idx = self.current_index()
        if idx is None or self.items[idx] is None:
            self.notify("No item selected.", severity="warning")
            return

        def saved(item: dict | None) -> None:
            if item is not None:
                self._replace(idx, item)
                self.notify("Item saved.")

        self.app.push_screen(ItemEditorScreen(self.table_name, self.items[idx] or {}, self.key_names,
                                              read_only=self.app.read_only, wallet=self.is_wallet), saved)

    def action_new_item(self) -> None:
        if self.writes_refused("create an item"):
            return
        if self.info is None:
            return

        def saved(item: dict | None) -> None:
            if item is not None:
                self._upsert([item])
                self.notify("Item created.")

        key_types = {self.info.partition_key.name: self.info.partition_key.type}
        if self.info.sort_key:
            key_types[self.info.sort_key.name] = self.info.sort_key.type
        self.app.push_screen(ItemEditorScreen(self.table_name, None, self.key_names, key_types=key_types,
                                              wallet=self.is_wallet), saved)

    # ------------------------------------------------------------------ query / describe / export
    def action_query(self) -> None:
        if self.info is None:
            self.notify("Still reading the table's keys…")
            return

        def run(spec) -> None:
            if spec is not None:
                self.query_spec = spec
                self.start_load()

        self.app.push_screen(QueryScreen(self.info, self.query_spec), run)

    def action_describe(self) -> None:
        self.app.push_screen(DescribeScreen(self.table_name))

    def action_export(self) -> None:
        items = [i for i in self.items if i is not None]
        if not items:
            self.notify("Nothing to export: no items loaded.", severity="warning")
            return

        def done(result) -> None:
            if result is not None:
                self.notify(f"Exported {result.count:,} items to {escape(str(result.path))}",
                            title="Export", timeout=10)

        what = self.query_spec.describe() if self.query_spec else "scan"
        self.app.push_screen(ExportScreen(self.table_name, items, self.key_names, what,
                                          more=self._has_more), done)

    # ------------------------------------------------------------------ wallets
    def _wallet_ok(self, what: str) -> bool:
        if self.writes_refused(what):
            return False
        if not self.is_wallet:
            self.notify("Wallet actions need a table whose partition key is user_id (S).", severity="warning")
            return False
        return True

    def _current_user(self) -> str:
        item = self.current_item()
        return item.get("user_id", "") if item else ""

    def action_seed(self) -> None:
        if not self._wallet_ok("seed wallets"):
            return

        def done(count: int | None) -> None:
            self._write_ended()
            if count:
                self.notify(f"Seeded {count:,} wallets.")
                self.query_spec = None
                self.start_load()

        self.app.push_screen(SeedWalletsScreen(self.table_name), done)

    def _wallets_changed(self, msg: WalletsChanged | None) -> None:
        self._write_ended()
        if msg is not None:
            self._upsert(msg.items)
            self.notify(msg.summary, markup=False, severity=msg.severity,  # type: ignore[arg-type]
                        timeout=15 if msg.severity == "warning" else 5)

    def _known_wallets(self) -> dict[str, dict | None]:
        """The loaded wallets' user ids, for completion in the wallet dialogs (the dialogs read
        each balance themselves; items stay encoded until needed)."""
        return {k[0]: None for k in self._key_index if k and isinstance(k[0], str)}

    def action_deposit(self) -> None:
        if not self._wallet_ok("deposit"):
            return

        self.app.push_screen(WalletAmountScreen(self.table_name, "deposit", self._current_user(),
                                                known=self._known_wallets()),
                             self._wallets_changed)

    def action_withdraw(self) -> None:
        if not self._wallet_ok("withdraw"):
            return

        self.app.push_screen(WalletAmountScreen(self.table_name, "withdraw", self._current_user(),
                                                known=self._known_wallets()),
                             self._wallets_changed)

    def action_transfer(self) -> None:
        if not self._wallet_ok("transfer"):
            return

        src = self._current_user()
        dst = ""
        others = [i for i in sorted(self.selected) if self.items[i] is not None]
        if len(others) >= 2:
            src, dst = self.items[others[0]]["user_id"], self.items[others[1]]["user_id"]
        self.app.push_screen(TransferScreen(self.table_name, src, dst, known=self._known_wallets()),
                             self._wallets_changed)

    def worker_failed(self, worker: Worker, error: BaseException | None) -> None:
        if worker.group == "items-delete":
            self._write_ended()
            close_progress(self.app, self.delete_tracker)
        if worker.group == "items-load":
            close_progress(self.app, self.load_tracker)
            what = "query" if self.query_spec is not None and self.query_spec.is_query else "scan"
            reason = self.app.explain(error) if error is not None else "unknown error"
            self._failed = f"{what} failed: {reason.splitlines()[0] if reason else reason}"
            self._loading = False
            self._loading_all = False
            self._update_status()
        super().worker_failed(worker, error)


def _read_page(client, table: str, spec, limit: int, start_key: dict | None):
    """One Query (spec with a partition key value) or Scan page of `spec` (None: scan)."""
    if spec is not None and spec.is_query:
        return it.query_page(client, table, pk_name=spec.pk_name, pk_value=spec.pk_value,
                             sk_name=spec.sk_name, sk_op=spec.sk_op, sk_values=spec.sk_values,
                             index=spec.index, filter_expression=spec.filter_expression,
                             names=spec.names or None, values=spec.values or None,
                             limit=limit, start_key=start_key)
    return it.scan_page(client, table, limit=limit, start_key=start_key,
                        index=spec.index if spec else None,
                        filter_expression=spec.filter_expression if spec else None,
                        names=(spec.names or None) if spec else None,
                        values=(spec.values or None) if spec else None)


def _plain(v: Any) -> str:
    return display(v, 30)
