"""Wallet trust in the TUI, as a person presses keys (DynamoDB Local; the fault proxy for an
unknown outcome):
- the PartiQL console refuses a literal bad balance on a wallet table before sending, and asks
  before sending a statement whose balance it cannot check;
- hostile input in the wallet dialogs gets a sentence under its field, nothing sent;
- an unknown outcome survives closing its dialog (and a restart) in the pending-intents list,
  whose "Retry safely" applies it once.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from ddbtui.dynamo import tables as t
from ddbtui.dynamo import wallet as w
from tests.ui.conftest import wait_for

pytestmark = pytest.mark.dynamodb_local

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def _own_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("DDBTUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("DDBTUI_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def wallet_table(ui_client, ui_table_name):
    t.create_table(ui_client, t.wallet_spec(ui_table_name), wait=True)
    for uid, b in (("alice", 100), ("bob", 50), ("carol", 0)):
        w.create_wallet(ui_client, ui_table_name, uid, b)
    yield ui_table_name
    t.delete_table(ui_client, ui_table_name)


def balance(client, table, uid):
    return w.get_wallet(client, table, uid)["balance"]


def _status(app) -> str:
    return str(app.screen.query_one("#partiql-status").render())


async def test_partiql_console_keeps_the_wallet_rules(make_app, ui_client, wallet_table):
    from ddbtui.ui.screens.confirm import ConfirmScreen
    from ddbtui.ui.screens.partiql import PartiqlScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready, what="ready")
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, PartiqlScreen), what="console")
        console = app.screen
        for bad, said in ((f"UPDATE \"{wallet_table}\" SET balance = -5 WHERE user_id = 'alice'",
                           "balance cannot be negative"),
                          (f"INSERT INTO \"{wallet_table}\" VALUE {{'user_id': 'dave', 'balance': 'lots'}}",
                           "the text 'lots'"),
                          (f"INSERT INTO \"{wallet_table}\" VALUE {{'user_id': 'dave'}}", "no balance")):
            console.editor.load_text(bad)
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: "Not sent" in _status(app), what="refused")
            assert said in _status(app) and console.query_one("#partiql-status").has_class("error")
        assert balance(ui_client, wallet_table, "alice") == 100
        assert w.get_wallet(ui_client, wallet_table, "dave") is None
        # an expression it cannot check: a warning and a confirmation; Cancel sends nothing
        console.editor.load_text(f"UPDATE \"{wallet_table}\" SET balance = balance - 500 WHERE user_id = 'alice'")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirmation")
        assert "bypasses the wallet rules" in str(app.screen.query_one(".help", Static).render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is console and "Not sent" in _status(app), what="cancelled")
        assert balance(ui_client, wallet_table, "alice") == 100
        # confirmed: sent as written
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirmation again")
        await pilot.click("#confirm")
        await wait_for(pilot, lambda: app.screen is console and "no items" in _status(app), what="sent")
        assert balance(ui_client, wallet_table, "alice") == -400
        # a good literal and a read go straight through
        console.editor.load_text(f"UPDATE \"{wallet_table}\" SET balance = 100 WHERE user_id = 'alice'")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: balance(ui_client, wallet_table, "alice") == 100, what="good update")
        console.editor.load_text(f"SELECT * FROM \"{wallet_table}\" WHERE user_id = 'bob'")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: console.results.row_count == 1, what="select")


async def test_unknown_outcome_outlives_its_dialog_and_retry_safely_applies_once(
        ui_client, wallet_table, dynamodb_local_engine, tmp_path):
    from ddbtui.config import Connection
    from ddbtui.local.proxy import FaultConfig, ProxyThread
    from ddbtui.ui.app import DdbApp
    from ddbtui.ui.screens.pending import PendingIntentsScreen
    from tests.ui.conftest import notifications
    from tests.ui.test_items_ui import open_items, row_of, screen_name

    drop_all = FaultConfig(drop_after_rate=1.0, only_targets=frozenset({"TransactWriteItems"}))
    proxy = ProxyThread(dynamodb_local_engine.endpoint_url, drop_all).start()
    port = int(proxy.url.rsplit(":", 1)[1])
    conn = Connection(region="us-east-1").with_endpoint(proxy.url, engine="dynamodb-local")
    app = DdbApp(connection=conn)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_for(pilot, lambda: app.ready, what="ready")
            items = await open_items(pilot, app, wallet_table)
            items.data_table.move_cursor(row=row_of(items, "carol"))
            await pilot.press("p")
            await pilot.pause()
            form = app.screen
            form.query_one("#amount", Input).value = "7"
            await pilot.press("enter")
            await wait_for(pilot, lambda: form.state == "unknown", what="outcome unknown", timeout=60)
            assert balance(ui_client, wallet_table, "carol") == 7  # applied, the answer dropped
            # the user closes the dialog without retrying: the intent is kept, not just toasted
            await pilot.press("escape")
            await wait_for(pilot, lambda: screen_name(app) == "ItemsScreen", what="dialog closed")
            assert any("pending wallet operations" in n for n in notifications(app))
            kept = (tmp_path / "data" / "wallet-pending.json").read_text()
            assert form.outcome.op.token in kept and "deposit" in kept
            creds = app.client()._request_signer._credentials.get_frozen_credentials()
            for secret in (creds.secret_key, creds.access_key):
                assert secret and secret not in kept  # never credentials
            await pilot.press("P")
            await wait_for(pilot, lambda: isinstance(app.screen, PendingIntentsScreen), what="pending screen")
            pending = app.screen
            table = pending.query_one("#pending")
            assert table.row_count == 1
            row = [str(c) for c in table.get_row_at(0)]
            assert row[1:5] == ["deposit", "7", "carol", wallet_table] and "safe retry" in row[0]
            app.save_screenshot(str(tmp_path / "pending.svg"))
            # the network heals (a clean proxy on the same port); Retry safely: same token, once
            proxy.stop()
            proxy = ProxyThread(dynamodb_local_engine.endpoint_url, FaultConfig(), port=port).start()
            await pilot.press("r", "r")  # a repeated key is the same intent
            await wait_for(pilot, lambda: table.row_count == 0, what="settled", timeout=60)
            said = str(pending.query_one("#pending-outcome").render())
            assert "carol now has 7" in said
            assert balance(ui_client, wallet_table, "carol") == 7  # once, not twice
            assert w.get_wallet(ui_client, wallet_table, "carol")["version"] == 2
            assert w.PendingIntents(tmp_path / "data" / "wallet-pending.json").load() == []
    finally:
        proxy.stop()


async def test_pending_after_the_window_refuses_and_stays_unknown(make_app, ui_client, wallet_table, ui_conn,
                                                                  tmp_path):
    import time

    from ddbtui.ui.screens.pending import UNKNOWN_CHECK, PendingIntentsScreen

    store = w.PendingIntents()
    op = w.deposit_op(wallet_table, "bob", "5")
    late = w.PendingIntent.from_unknown(w.Unknown(op, "the connection dropped", time.monotonic() - 700),
                                        ui_conn.describe())
    store.put(late)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.ready, what="ready")
        # from the command palette
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Pending wallet")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PendingIntentsScreen), what="pending via palette")
        screen = app.screen
        table = screen.query_one("#pending")
        assert str(table.get_row_at(0)[0]) == UNKNOWN_CHECK
        await pilot.press("r")
        await wait_for(pilot, lambda: "too late to retry safely" in str(screen.query_one("#pending-outcome").render()),
                       what="refused after the window")
        assert balance(ui_client, wallet_table, "bob") == 50  # nothing sent
        assert table.row_count == 1 and str(table.get_row_at(0)[0]) == UNKNOWN_CHECK
        assert store.load()[0].window_closed
        app.save_screenshot(str(tmp_path / "pending_80.svg"))
        await pilot.press("d")
        await wait_for(pilot, lambda: table.row_count == 0, what="dismissed")
        assert "stays unknown" in str(screen.query_one("#pending-outcome").render())
        assert store.load() == []


HOSTILE = [  # (field, value, sentence) typed into a wallet dialog
    ("amount", "", "enter an amount"),
    ("amount", "   ", "enter an amount"),
    ("amount", "9" * 5000, "5,000 characters long"),
    ("amount", "１０", "digits 0-9"),
    ("amount", "5\u200b", "invisible character (U+200B"),
    ("user_id", "   ", "enter a user id"),
    ("user_id", "bob\u200b", "invisible character (U+200B"),
    ("user_id", "é" * 1100, "2,200 bytes"),
]


async def test_hostile_input_in_the_wallet_dialogs_is_a_sentence_under_its_field(make_app, ui_client, wallet_table):
    from ddbtui.ui.screens.wallet import TransferScreen, WalletAmountScreen
    from tests.ui.test_items_ui import open_items, row_of

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.ready, what="ready")
        items = await open_items(pilot, app, wallet_table)
        items.data_table.move_cursor(row=row_of(items, "bob"))
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, WalletAmountScreen), what="deposit dialog")
        form = app.screen
        for field, value, said in HOSTILE:
            form.query_one("#user_id", Input).value = value if field == "user_id" else "bob"
            form.query_one("#amount", Input).value = value if field == "amount" else "1"
            await pilot.pause()
            if field == "user_id" and value.strip():  # said as it is typed, under the field
                assert said in str(form.query_one("#bal-user_id", Static).render())
            if field == "amount" and value.strip():
                assert said in form.error_text("amount")
            form.query_one(f"#{field}", Input).focus()
            await pilot.press("enter")
            await pilot.pause()
            assert form.state == "edit" and said in form.error_text(field), (field, value)
            assert len(form.error_text(field)) < 200
        assert balance(ui_client, wallet_table, "bob") == 50  # nothing was sent
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferScreen), what="transfer dialog")
        form = app.screen
        form.query_one("#from_id", Input).value = "alice"
        form.query_one("#to_id", Input).value = "\u202ebob"
        form.query_one("#amount", Input).value = "1"
        await pilot.pause()
        assert "invisible character (U+202E" in str(form.query_one("#bal-to_id", Static).render())
        form.query_one("#amount", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "invisible character" in form.error_text("to_id")
        assert balance(ui_client, wallet_table, "alice") == 100


async def test_pending_time_left_runs_with_the_clock(make_app, ui_conn, wallet_table):
    """A fake wall clock (the only stand-in): the row's time left counts down and the window
    closes by itself, without a reload."""
    import time

    from ddbtui.ui.screens.pending import UNKNOWN_CHECK, PendingIntentsScreen

    now = [time.time()]
    op = w.withdraw_op(wallet_table, "alice", "3")
    w.PendingIntents().put(w.PendingIntent(op.token, op.kind, op.table, op.user_id, None, "3",
                                           ui_conn.describe(), "the connection dropped", now[0] - 60))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready, what="ready")
        app.push_screen(PendingIntentsScreen(wallet_table, wall=lambda: now[0]))
        await pilot.pause()
        table = app.screen.query_one("#pending")
        assert str(table.get_row_at(0)[0]) == "unknown · safe retry 8m30s"
        now[0] += 100
        await wait_for(pilot, lambda: str(table.get_row_at(0)[0]) == "unknown · safe retry 6m50s", what="tick")
        now[0] += 600
        await wait_for(pilot, lambda: str(table.get_row_at(0)[0]) == UNKNOWN_CHECK, what="window closed")


async def test_pending_retry_refused_on_another_target(make_app, ui_client, wallet_table):
    import time

    from ddbtui.ui.screens.pending import PendingIntentsScreen

    op = w.deposit_op(wallet_table, "bob", "9")
    w.PendingIntents().put(w.PendingIntent(op.token, op.kind, op.table, op.user_id, None, "9",
                                           "AWS eu-west-1 (dynamodb.eu-west-1.amazonaws.com)",
                                           "the connection dropped", time.time() - 10))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready, what="ready")
        app.push_screen(PendingIntentsScreen())
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause(0.3)
        said = str(app.screen.query_one("#pending-outcome").render())
        assert "Not resent" in said and "AWS eu-west-1" in said and "apply twice" in said
        assert balance(ui_client, wallet_table, "bob") == 50
        assert len(w.PendingIntents().load()) == 1
