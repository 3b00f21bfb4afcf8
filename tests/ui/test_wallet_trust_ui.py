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
from textual.widgets import Static

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
