"""Wallet forms: seed N wallets, deposit, withdraw, transfer.

One intent, one token, one application: pressing the submit builds one `WalletOp` (its
ClientRequestToken is made then) and runs it in a thread worker. While it is in flight the
submit is disabled and further presses are ignored. The outcome stays in the dialog:
- applied: the new balances (or "applied; could not read the new balances: ...") and a
  Close button that Enter presses, so a second Enter closes the receipt instead of
  submitting again or falling through to the table behind;
- refused: the reason under the field it belongs to; nothing changed, edit and try again;
- outcome unknown: the fields lock and the submit becomes "Retry safely", which resends the
  same token (applied at most once) while DynamoDB still remembers it (10 minutes).
User id fields complete over the wallets loaded in the items screen (→ accepts) and show
the wallet's current balance. Seeding shows a progress bar with ETA; escape stops it.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, ProgressBar, Static
from textual.worker import Worker

from ddbtui.dynamo import wallet as W
from ddbtui.dynamo.codec import number_text
from ddbtui.dynamo.errors import DdbError, ValidationError
from ddbtui.ui.messages import (
    SeedFinished,
    SeedProgressed,
    WalletOpFinished,
    WalletPeeked,
    WalletsChanged,
)
from ddbtui.ui.screens.base import DdbScreenMixin
from ddbtui.ui.widgets.footer import KeyFooter
from ddbtui.ui.widgets.form import Field, FieldError, FormMixin, MarksSubmitKeys, SubmitGuard

SEED_PROGRESS_EVERY_S = 0.1  # at most ~10 progress messages a second


class _WalletForm(MarksSubmitKeys, DdbScreenMixin, FormMixin, SubmitGuard, ModalScreen):
    """Shared: submit on enter/ctrl+s/button, inline errors, in-flight guard, outcome."""

    # enter on the screen too: when no input or button has focus (focus moves off the disabled
    # submit button while a request is in flight), Enter still closes the receipt / retries.
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "submit", "OK"),
                Binding("enter", "submit", "OK", show=False)]
    SUBMIT_BUTTONS = ("ok",)
    FORM_TITLE = ""
    FORM_HELP = ""
    OK = "OK"
    ID_FIELDS: tuple[str, ...] = ()  # inputs holding a user id (completion + balance)

    def __init__(self, table: str, known: dict[str, dict | None] | None = None) -> None:
        super().__init__()
        self.table = table
        self.known = dict(known or {})
        self.state = "edit"  # edit | applied | unknown | closed-window | done
        self.outcome: Any = None
        self.pending_kept = False  # the unknown outcome is in the pending list
        self._peek_seq = 0

    def fields(self) -> ComposeResult:  # pragma: no cover - overridden
        yield from ()

    def id_input(self, value: str, wid: str) -> Input:
        suggester = SuggestFromList(sorted(self.known), case_sensitive=True) if self.known else None
        return Input(value, id=wid, suggester=suggester, placeholder="user id (→ completes)")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wallet-dialog"):
            yield Label(f"{self.FORM_TITLE} · {self.table}", classes="dialog-title", markup=False)
            if self.FORM_HELP:
                yield Static(self.FORM_HELP, classes="help", markup=False)
            yield from self.fields()
            yield Static("", id="outcome", classes="help", markup=False)
            yield FieldError(id="err-form")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.OK, variant="primary", id="ok")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#outcome", Static).display = False
        for wid in self.ID_FIELDS:
            self._show_balance(wid, self.value(wid))
        for inp in self.query(Input):
            if not inp.value:
                inp.focus()
                return
        self.query(Input).first().focus()

    def value(self, wid: str) -> str:
        return self.query_one(f"#{wid}", Input).value

    # ------------------------------------------------------------ current balances
    @on(Input.Changed)
    def _id_changed(self, event: Input.Changed) -> None:
        if event.input.id in self.ID_FIELDS:
            self._show_balance(event.input.id, event.value)
        elif event.input.id == "amount" and event.value.strip():
            # where it is typed: an overlong, non-ASCII or invisible-character amount is said at
            # once (an empty one only on submit, so clearing the field is not scolded)
            try:
                W.amount_value(event.value)
            except ValidationError as e:
                self.query_one("#err-amount", FieldError).show(e.message)

    def _show_balance(self, wid: str, uid: str) -> None:
        label = self.query_one(f"#bal-{wid}", Static)
        if not uid.strip():
            label.update("")
            return
        try:
            uid = W.user_id_value(uid, field=wid)
        except ValidationError as e:  # said under the field as it is typed; nothing is read
            self._peek_seq += 1
            label.update(e.message)
            return
        item = self.known.get(uid)
        label.update(self._balance_text(item, "as loaded") if item is not None else
                     f"reading the balance…{self._completion_hint(uid)}")
        self._peek_seq += 1
        self.peek(wid, uid)

    @staticmethod
    def _balance_text(item: dict | None, note: str = "") -> str:
        if item is None:
            return "no such wallet"
        bal = item.get("balance")
        shown = number_text(bal) if hasattr(bal, "as_tuple") else f"{bal!r} (not a number)"
        return f"balance {shown}" + (f" ({note})" if note else "")

    @work(group="wallet-peek", thread=True, exit_on_error=False)
    def peek(self, wid: str, uid: str) -> None:
        try:
            item = W.get_wallet(self.app.client(), self.table, uid)
        except Exception as e:  # a read for display only: say why, never raise
            self.post_message(WalletPeeked(wid, uid, None, self.app.explain(e)))
            return
        self.post_message(WalletPeeked(wid, uid, item))

    def on_wallet_peeked(self, msg: WalletPeeked) -> None:
        if msg.user_id != self.value(msg.field).strip():
            return  # the field changed since; a newer read is on its way
        label = self.query_one(f"#bal-{msg.field}", Static)
        if msg.error:
            label.update(f"balance unknown: {msg.error}")
        elif msg.item is None:
            label.update(f"no such wallet{self._completion_hint(msg.user_id)}")
        else:
            label.update(self._balance_text(msg.item))

    def _completion_hint(self, prefix: str) -> str:
        matches = sorted(k for k in self.known if k.startswith(prefix) and k != prefix)
        if not matches:
            return ""
        more = f" (+{len(matches) - 1} more)" if len(matches) > 1 else ""
        return f" · → completes to {matches[0]}{more}"

    # ------------------------------------------------------------ submit / outcome
    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def action_submit(self) -> None:
        if self.state in ("applied", "closed-window", "done"):
            self._close()
            return
        if self.app.refuse_write(self.FORM_TITLE):
            return
        if not self.begin_submit():
            return  # one in flight: this press is the same intent, ignore it
        self.clear_errors()
        if self.state == "unknown":
            self.show_outcome("Retrying safely with the same request token…")
            self.run_op(self.outcome)
            return
        try:
            op = self.build_op()
        except ValidationError as e:
            self.end_submit()
            self.show_field_error(e.field, e.message)
            return
        self.show_outcome(f"Sending: {op.describe()}…")
        self.run_op(op)

    def build_op(self) -> W.WalletOp:  # pragma: no cover - overridden
        raise NotImplementedError

    @work(group="wallet", thread=True, exit_on_error=False)
    def run_op(self, what: W.WalletOp | W.Unknown) -> None:
        client = self.app.client()
        out = W.retry_safely(client, what) if isinstance(what, W.Unknown) else W.execute(client, what)
        self.post_message(WalletOpFinished(out))

    def on_wallet_op_finished(self, msg: WalletOpFinished) -> None:
        out = msg.outcome
        self.outcome = out
        self.end_submit()
        self._keep_pending(out)
        ok = self.query_one("#ok", Button)
        cancel = self.query_one("#cancel", Button)
        if isinstance(out, W.Refused):
            self.state = "edit"
            self.show_outcome("")
            self.show_field_error(out.field, f"Not done: {out.reason}")
            return
        self._lock_fields()
        self.show_outcome(out.summary())
        if isinstance(out, W.Applied):
            self.state = "applied"
            for it in out.items:
                self.known[it.get("user_id", "")] = it
            ok.label = "Close"
            cancel.display = False
        elif out.window_closed:
            self.state = "closed-window"
            ok.label = "Close"
            cancel.display = False
        else:
            self.state = "unknown"
            ok.label = "Retry safely"
            cancel.label = "Close"
        ok.focus()

    def _keep_pending(self, out: W.Outcome) -> None:
        """An unknown outcome goes to the pending list (data dir) at once, so neither closing
        the dialog nor a crash loses it; a settled one leaves the list."""
        try:
            store = W.PendingIntents()
            if isinstance(out, W.Unknown):
                store.put(W.PendingIntent.from_unknown(out, self.app.connection.describe()))
            elif self.pending_kept:
                store.remove(out.op.token)
        except (OSError, DdbError) as e:
            self.notify(f"Could not keep the unknown outcome in the pending list: {e}", severity="error",
                        markup=False, timeout=30)
            return
        self.pending_kept = isinstance(out, W.Unknown)

    def show_outcome(self, text: str) -> None:
        w = self.query_one("#outcome", Static)
        w.update(text)
        w.display = bool(text)

    def _lock_fields(self) -> None:
        for inp in self.query(Input):
            inp.disabled = True

    def _close(self) -> None:
        out = self.outcome
        if isinstance(out, W.Applied):
            self.dismiss(WalletsChanged(list(out.items), out.summary()))
        elif isinstance(out, W.Unknown):
            kept = (" It is kept in the pending wallet operations (P on the items screen, or the "
                    "command palette) until you retry it safely or dismiss it." if self.pending_kept else "")
            self.dismiss(WalletsChanged([], out.summary() + kept, severity="warning"))
        else:
            self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self.in_flight:
            self.notify("Waiting for the outcome of the operation in flight.", severity="warning")
            return
        self._close()

    def worker_failed(self, worker: Worker, error: BaseException | None) -> None:
        if worker.group == "wallet-peek":
            return
        self.end_submit()
        if isinstance(error, DdbError):
            self.show_field_error(error.field, error.message)
        else:
            self.show_field_error(None, self.app.explain(error) if error else "failed")
            super().worker_failed(worker, error)


class WalletAmountScreen(_WalletForm):
    """Deposit into or withdraw from one wallet."""

    ID_FIELDS = ("user_id",)

    def __init__(self, table: str, kind: str, user_id: str = "", known: dict[str, dict | None] | None = None) -> None:
        super().__init__(table, known)
        self.kind = kind
        self.user_id = user_id
        self.FORM_TITLE = "Deposit" if kind == "deposit" else "Withdraw"
        self.OK = self.FORM_TITLE
        self.FORM_HELP = ("Adds the amount to the wallet's balance." if kind == "deposit" else
                          "Subtracts the amount only if the balance covers it.")

    def fields(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Field("User id", self.id_input(self.user_id, "user_id"),
                        Static("", id="bal-user_id", classes="balance", markup=False), name="user_id")
            yield Field("Amount", Input(id="amount", placeholder="e.g. 25.50"), name="amount")

    def build_op(self) -> W.WalletOp:
        make = W.deposit_op if self.kind == "deposit" else W.withdraw_op
        return make(self.table, self.value("user_id"), self.value("amount"))


class TransferScreen(_WalletForm):
    FORM_TITLE = "Transfer"
    FORM_HELP = ("Moves the amount in one transaction: both balances change or neither does; "
                 "the sender's balance must cover it.")
    OK = "Transfer"
    ID_FIELDS = ("from_id", "to_id")

    def __init__(self, table: str, from_id: str = "", to_id: str = "",
                 known: dict[str, dict | None] | None = None) -> None:
        super().__init__(table, known)
        self.from_id, self.to_id = from_id, to_id

    def fields(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Field("From user id", self.id_input(self.from_id, "from_id"),
                        Static("", id="bal-from_id", classes="balance", markup=False), name="from_id")
            yield Field("To user id", self.id_input(self.to_id, "to_id"),
                        Static("", id="bal-to_id", classes="balance", markup=False), name="to_id")
        yield Field("Amount", Input(id="amount", placeholder="e.g. 10"), name="amount")

    def build_op(self) -> W.WalletOp:
        return W.transfer_op(self.table, self.value("from_id"), self.value("to_id"), self.value("amount"))


class SeedWalletsScreen(MarksSubmitKeys, DdbScreenMixin, FormMixin, SubmitGuard, ModalScreen):
    """Seed N wallets: one plan per confirmed intent, a progress bar with ETA, escape stops."""

    BINDINGS = [Binding("escape", "cancel", "Cancel / stop"), Binding("ctrl+s", "submit", "Seed")]
    SUBMIT_BUTTONS = ("ok",)
    FORM_TITLE = "Seed wallets"

    def __init__(self, table: str) -> None:
        super().__init__()
        self.table = table
        self.state = "edit"  # edit | running | done
        self.result: W.SeedResult | None = None
        self._cancel = threading.Event()
        self._written = 0  # set by the worker after every batch (exact, unthrottled)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wallet-dialog"):
            yield Label(f"Seed wallets · {self.table}", classes="dialog-title", markup=False)
            yield Static("Creates N wallets with Faker names and e-mails and whole balances from 0 "
                         "to 1000 (batch writes, 4 in flight).", classes="help", markup=False)
            yield Field("How many wallets (1-100,000)", Input("100", id="count", type="integer"),
                        name="count")
            yield ProgressBar(id="seed-progress", show_eta=True)
            yield Static("", id="outcome", classes="help", markup=False)
            yield FieldError(id="err-form")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Seed", variant="primary", id="ok")

    def on_mount(self) -> None:
        self.query_one("#seed-progress", ProgressBar).display = False
        self.query_one("#outcome", Static).display = False
        self.query_one("#count", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def action_submit(self) -> None:
        if self.state == "done":
            self.dismiss(self.result.written if self.result else 0)
            return
        if self.app.refuse_write("seed wallets"):
            return
        if not self.begin_submit():
            return
        self.clear_errors()
        text = self.query_one("#count", Input).value.strip()
        try:
            n = int(text)
        except ValueError:
            self.end_submit()
            self.show_field_error("count", "enter a whole number of wallets")
            return
        if not 1 <= n <= 100_000:
            self.end_submit()
            self.show_field_error("count", "seed between 1 and 100,000 wallets")
            return
        self.state = "running"
        self.query_one("#count", Input).disabled = True
        bar = self.query_one("#seed-progress", ProgressBar)
        bar.display = True
        bar.update(total=n, progress=0)
        self.query_one("#cancel", Button).label = "Stop"
        self._outcome(f"Seeding {n:,} wallets… (escape stops after the batches in flight)")
        self.seed(n, self._cancel)

    @work(group="wallet", thread=True, exit_on_error=False)
    def seed(self, n: int, cancel: threading.Event) -> None:
        plan = W.plan_seed(n)
        last = [0.0]

        def progress(done: int, total: int) -> None:
            self._written = done
            now = time.monotonic()
            if done == total or now - last[0] >= SEED_PROGRESS_EVERY_S:
                last[0] = now
                self.post_message(SeedProgressed(done, total))

        self.post_message(SeedFinished(W.write_seed(self.app.client(), self.table, plan,
                                                    progress=progress, cancel=cancel)))

    def on_seed_progressed(self, msg: SeedProgressed) -> None:
        self.query_one("#seed-progress", ProgressBar).update(progress=msg.done)

    def on_seed_finished(self, msg: SeedFinished) -> None:
        res: W.SeedResult = msg.result
        self.result = res
        self.query_one("#seed-progress", ProgressBar).update(progress=res.written)
        if res.error:
            text = (f"Seeding stopped: {res.error}. {res.written:,} of {res.total:,} wallets "
                    f"were written before that.")
        elif res.cancelled:
            text = f"Stopped: {res.written:,} of {res.total:,} wallets written; the rest were not."
        else:
            text = f"Seeded {res.written:,} wallets in {res.seconds:.1f} s."
        self._finish(text)

    def _finish(self, text: str) -> None:
        self.state = "done"
        self.end_submit()
        self._outcome(text)
        ok = self.query_one("#ok", Button)
        ok.label = "Close"
        self.query_one("#cancel", Button).display = False
        ok.focus()

    def _outcome(self, text: str) -> None:
        w = self.query_one("#outcome", Static)
        w.update(text)
        w.display = bool(text)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self.state == "running":
            self._cancel.set()
            self.query_one("#cancel", Button).disabled = True
            self._outcome("Stopping after the batches in flight…")
            return
        self.dismiss(self.result.written if self.result else None)

    def worker_failed(self, worker: Worker, error: BaseException | None) -> None:
        if self.state != "running":
            super().worker_failed(worker, error)
            return
        why = error.message if isinstance(error, DdbError) else self.app.explain(error) if error else "failed"
        self.result = W.SeedResult([], self._written, True)  # total unknown here
        self._finish(f"Seeding stopped: {why}. {self._written:,} wallets were written before that.")
