"""Wallet forms: seed N wallets, deposit, withdraw, transfer.

Each form runs its one data-layer call (`ddbtui.dynamo.wallet`) in a thread worker. Every
refusal (insufficient funds, missing wallet, same wallet, bad amount, concurrent change)
is shown under the field it belongs to and changes nothing: the data layer uses one
conditional write or one transaction per action.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static
from textual.worker import Worker

from ddbtui.dynamo.errors import DdbError
from ddbtui.ui.messages import FormFailed, WalletsChanged, WalletsSeeded
from ddbtui.ui.screens.base import DdbScreenMixin
from ddbtui.ui.widgets.form import Field, FieldError, FormMixin


class _WalletForm(DdbScreenMixin, FormMixin, ModalScreen):
    """Shared: submit on enter/ctrl+s/button, inline errors, busy state."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "submit", "OK")]
    FORM_TITLE = ""
    FORM_HELP = ""
    OK = "OK"

    def __init__(self, table: str) -> None:
        super().__init__()
        self.table = table

    def fields(self) -> ComposeResult:  # pragma: no cover - overridden
        yield from ()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wallet-dialog"):
            yield Label(f"{self.FORM_TITLE} · {self.table}", classes="dialog-title", markup=False)
            if self.FORM_HELP:
                yield Static(self.FORM_HELP, classes="help", markup=False)
            yield from self.fields()
            yield FieldError(id="err-form")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.OK, variant="primary", id="ok")

    def on_mount(self) -> None:
        for inp in self.query(Input):
            if not inp.value:
                inp.focus()
                return
        self.query(Input).first().focus()

    def value(self, wid: str) -> str:
        return self.query_one(f"#{wid}", Input).value

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def action_submit(self) -> None:
        if self.app.refuse_write(self.FORM_TITLE):
            return
        self.clear_errors()
        self.query_one("#ok", Button).disabled = True
        self.run_action_worker()

    def run_action_worker(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_form_failed(self, msg: FormFailed) -> None:
        self.query_one("#ok", Button).disabled = False
        self.show_field_error(msg.field, msg.message)

    def worker_failed(self, worker: Worker, error: BaseException | None) -> None:
        self.query_one("#ok", Button).disabled = False
        if isinstance(error, DdbError):
            self.show_field_error(error.field, error.message)
        else:
            self.show_field_error(None, self.app.explain(error))
            super().worker_failed(worker, error)

    def on_wallets_changed(self, msg: WalletsChanged) -> None:
        self.dismiss(msg)


class SeedWalletsScreen(_WalletForm):
    FORM_TITLE = "Seed wallets"
    FORM_HELP = "Creates N wallets with Faker names and e-mails and whole balances from 0 to 1000."
    OK = "Seed"

    def fields(self) -> ComposeResult:
        yield Field("How many wallets (1-100,000)", Input("100", id="count", type="integer"), name="count")

    def run_action_worker(self) -> None:
        self.seed(self.value("count"))

    @work(group="wallet", thread=True, exit_on_error=False)
    def seed(self, count_text: str) -> None:
        from ddbtui.dynamo.errors import ValidationError
        from ddbtui.dynamo.wallet import seed_wallets

        try:
            n = int(count_text.strip())
        except ValueError:
            raise ValidationError("enter a whole number of wallets", field="count") from None
        items = seed_wallets(self.app.client(), self.table, n)
        self.post_message(WalletsSeeded(len(items)))

    def on_wallets_seeded(self, msg: WalletsSeeded) -> None:
        self.dismiss(msg.count)


class WalletAmountScreen(_WalletForm):
    """Deposit into or withdraw from one wallet."""

    def __init__(self, table: str, kind: str, user_id: str = "") -> None:
        super().__init__(table)
        self.kind = kind
        self.user_id = user_id
        self.FORM_TITLE = "Deposit" if kind == "deposit" else "Withdraw"
        self.OK = self.FORM_TITLE
        self.FORM_HELP = ("Adds the amount to the wallet's balance." if kind == "deposit" else
                     "Subtracts the amount only if the balance covers it.")

    def fields(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Field("User id", Input(self.user_id, id="user_id"), name="user_id")
            yield Field("Amount", Input(id="amount", placeholder="e.g. 25.50"), name="amount")

    def run_action_worker(self) -> None:
        self.apply(self.value("user_id"), self.value("amount"))

    @work(group="wallet", thread=True, exit_on_error=False)
    def apply(self, user_id: str, amount: str) -> None:
        from ddbtui.dynamo import wallet as w
        from ddbtui.dynamo.codec import number_text

        client = self.app.client()
        fn = w.deposit if self.kind == "deposit" else w.withdraw
        balance = fn(client, self.table, user_id, amount)
        item = w.get_wallet(client, self.table, user_id)
        verb = "Deposited" if self.kind == "deposit" else "Withdrew"
        self.post_message(WalletsChanged([item] if item else [],
                                         f"{verb} {number_text(w.amount_value(amount))}: {user_id.strip()} "
                                         f"now has {number_text(balance)}."))


class TransferScreen(_WalletForm):
    FORM_TITLE = "Transfer"
    FORM_HELP = ("Moves the amount in one transaction: both balances change or neither does; "
            "the sender's balance must cover it.")
    OK = "Transfer"

    def __init__(self, table: str, from_id: str = "", to_id: str = "") -> None:
        super().__init__(table)
        self.from_id, self.to_id = from_id, to_id

    def fields(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Field("From user id", Input(self.from_id, id="from_id"), name="from_id")
            yield Field("To user id", Input(self.to_id, id="to_id"), name="to_id")
        yield Field("Amount", Input(id="amount", placeholder="e.g. 10"), name="amount")

    def run_action_worker(self) -> None:
        self.transfer(self.value("from_id"), self.value("to_id"), self.value("amount"))

    @work(group="wallet", thread=True, exit_on_error=False)
    def transfer(self, src: str, dst: str, amount: str) -> None:
        from ddbtui.dynamo import wallet as w
        from ddbtui.dynamo.codec import number_text

        client = self.app.client()
        res = w.transfer(client, self.table, src, dst, amount)
        items = [x for x in (w.get_wallet(client, self.table, src), w.get_wallet(client, self.table, dst)) if x]
        self.post_message(WalletsChanged(
            items, f"Transferred {number_text(w.amount_value(amount))} from {src.strip()} to {dst.strip()}: "
                   f"balances now {number_text(res.from_balance)} and {number_text(res.to_balance)}."))
