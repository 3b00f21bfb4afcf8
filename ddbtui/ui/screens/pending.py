"""Pending wallet operations: every deposit, withdrawal or transfer whose outcome is unknown
(the connection dropped, or throttles / 5xx outlasted the retries), kept in the data dir by
`dynamo.wallet.PendingIntents` so closing the dialog or restarting loses nothing.

"Retry safely" (r) resends the same ClientRequestToken: DynamoDB applies it at most once while
it remembers the token (10 minutes from the first send). After that window it refuses with a
sentence and the row stays "unknown — check balances". "Dismiss" (d) forgets one. Reachable
from a wallet table's items screen (P) and the command palette ("Pending wallet operations").
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, DataTable, Label, Static

from ddbtui.dynamo import wallet as W
from ddbtui.dynamo.errors import DdbError
from ddbtui.ui.messages import PendingRetried
from ddbtui.ui.screens.base import DdbScreenMixin
from ddbtui.ui.widgets.footer import KeyFooter
from ddbtui.ui.widgets.target_bar import TargetBar

UNKNOWN_CHECK = "unknown — check balances"


def status_of(intent: W.PendingIntent, now: float) -> str:
    if intent.window_closed or now >= intent.deadline:
        return UNKNOWN_CHECK
    left = int(intent.deadline - now)
    return f"unknown · safe retry {left // 60}m{left % 60:02d}s"


class PendingIntentsScreen(DdbScreenMixin, Screen):  # type: ignore[misc]
    CSS_PATH = "pending.tcss"
    HELP = ("Wallet operations whose outcome is unknown. Retry safely resends the same request "
            "token, which DynamoDB applies at most once for 10 minutes after the first try; "
            "after that only the balances can tell. Dismiss forgets one.")
    WRITE_ACTIONS = frozenset({"retry"})
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("r", "retry", "Retry safely", tooltip="resend with the same token (at most once)"),
        Binding("d", "dismiss_intent", "Dismiss", tooltip="forget this operation (its outcome stays unknown)"),
    ]

    def __init__(self, table: str | None = None, *, store: W.PendingIntents | None = None,
                 wall: W.WallClock = time.time) -> None:
        super().__init__()
        self.table = table  # only this table's intents (None: all)
        self.store = store or W.PendingIntents()
        self.wall = wall
        self.intents: list[W.PendingIntent] = []
        self._busy: set[str] = set()  # tokens being resent
        self._receipt = False  # the outcome line shows a retry's outcome

    def compose(self) -> ComposeResult:
        yield TargetBar()
        title = "Pending wallet operations" + (f" · {self.table}" if self.table else "")
        yield Label(title, classes="title", markup=False)
        yield DataTable(id="pending", cursor_type="row", zebra_stripes=True)
        yield Static("", id="pending-outcome", classes="status-line", markup=False)
        with Horizontal(classes="buttons"):
            yield Button("Retry safely", variant="primary", id="retry")
            yield Button("Dismiss", id="dismiss")
            yield Button("Back", id="back")
        yield KeyFooter()

    def on_mount(self) -> None:
        t = self.query_one("#pending", DataTable)
        t.add_column("status", key="status")
        t.add_columns("operation", "amount", "accounts", "table", "retry until")
        self.reload()
        t.focus()
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        """Keep each row's time left true as the clock runs (the window closes by itself)."""
        t = self.query_one("#pending", DataTable)
        now = self.wall()
        for i in self.intents:
            try:
                t.update_cell(i.token, "status", status_of(i, now))
            except Exception:  # the row went away between a reload and this tick
                pass

    # ------------------------------------------------------------------ list
    def reload(self, note: str | None = None) -> None:
        try:
            intents = self.store.load()
        except DdbError as e:
            intents = []
            note = e.message
        self.intents = [i for i in intents if self.table is None or i.table == self.table]
        t = self.query_one("#pending", DataTable)
        row = t.cursor_row
        t.clear()
        now = self.wall()
        for i in self.intents:
            accounts = i.user_id if i.to_id is None else f"{i.user_id} → {i.to_id}"
            until = datetime.fromtimestamp(i.deadline).strftime("%H:%M:%S")
            t.add_row(status_of(i, now), i.kind, i.amount, accounts, i.table, until, key=i.token)
        if self.intents:
            t.move_cursor(row=min(max(row, 0), len(self.intents) - 1))
        if note is None:
            note = (f"{len(self.intents)} operation{'s' if len(self.intents) != 1 else ''} with an unknown "
                    f"outcome: r retries safely, d dismisses" if self.intents else
                    "No pending wallet operations: every outcome is known.")
        self.say(note)

    def say(self, text: str) -> None:
        self._receipt = False
        self.query_one("#pending-outcome", Static).update(text)

    def current(self) -> W.PendingIntent | None:
        t = self.query_one("#pending", DataTable)
        if not self.intents or t.cursor_row is None or not 0 <= t.cursor_row < len(self.intents):
            return None
        return self.intents[t.cursor_row]

    # ------------------------------------------------------------------ actions
    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#retry")
    def action_retry(self) -> None:
        if self.writes_refused("retry a wallet operation"):
            return
        intent = self.current()
        if intent is None:
            if not self._receipt:  # keep a retry's outcome on screen (a repeated key lands here)
                self.say("Nothing to retry: no pending wallet operation is selected.")
            return
        if intent.token in self._busy:
            return  # already being resent: this press is the same intent
        app: Any = self.app
        here = app.connection.describe()
        if intent.target and intent.target != here:
            self.say(f"Not resent: {intent.describe()} was sent to {intent.target}, and ddbtui now "
                     f"points at {here}, which does not know its request token (a resend here could "
                     f"apply twice). Point ddbtui at that target to retry it, or check the balances "
                     f"and dismiss it.")
            return
        self._busy.add(intent.token)
        self.say(f"Retrying safely with the same request token: {intent.describe()}…")
        self.retry(intent)

    @work(group="pending-retry", thread=True, exit_on_error=False)
    def retry(self, intent: W.PendingIntent) -> None:
        out = W.retry_safely(self.app.client(), intent.unknown(wall=self.wall))
        self.post_message(PendingRetried(intent.token, out))

    def on_pending_retried(self, msg: PendingRetried) -> None:
        self._busy.discard(msg.token)
        out = msg.outcome
        try:
            if isinstance(out, W.Unknown):
                app: Any = self.app
                self.store.put(W.PendingIntent.from_unknown(out, app.connection.describe(), wall=self.wall))
            else:  # settled: applied once, or refused (nothing changed)
                self.store.remove(msg.token)
        except (OSError, DdbError) as e:
            self.reload(f"{out.summary()} (could not update the pending list: {e})")
            return
        self.reload(out.summary())
        self._receipt = True

    @on(Button.Pressed, "#dismiss")
    def action_dismiss_intent(self) -> None:
        intent = self.current()
        if intent is None:
            self.say("Nothing to dismiss.")
            return
        if intent.token in self._busy:
            self.say("Waiting for the retry in flight to answer.")
            return
        try:
            self.store.remove(intent.token)
        except (OSError, DdbError) as e:
            self.say(f"Not dismissed: {e}")
            return
        self.reload(f"Dismissed: {intent.describe()}. Its outcome stays unknown: check the balances.")

    def worker_failed(self, worker, error) -> None:  # type: ignore[no-untyped-def]
        if worker.group == "pending-retry":
            self._busy.clear()
            self.say(f"Retry failed: {self.app.explain(error) if error else 'unknown error'}")
            return
        super().worker_failed(worker, error)
