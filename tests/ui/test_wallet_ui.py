"""Wallet dialogs and the item editor on a wallet table, as a person presses keys
(DynamoDB Local; the fault proxy for the unknown-outcome case).

- Enter twice, 0 ms and 30 ms apart, in every writing dialog applies once and never opens
  the editor on the row behind.
- The editor refuses a negative or text balance on a wallet table, inline, nothing sent;
  leaving it with unsaved changes asks (Esc Esc keeps the edits).
- "Retry safely" after a write applied but its answer dropped applies once.
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest
from textual.widgets import Button, Input, Static

from ddbtui.config import Connection
from ddbtui.dynamo import items as it
from ddbtui.dynamo import tables as t
from ddbtui.dynamo import wallet as w
from ddbtui.local.proxy import FaultConfig, ProxyThread
from tests.ui.conftest import notifications, wait_for
from tests.ui.test_items_ui import SIZE, open_items, row_of, screen_name

pytestmark = pytest.mark.dynamodb_local


@pytest.fixture
def wallet_table(ui_client, ui_table_name):
    t.create_table(ui_client, t.wallet_spec(ui_table_name), wait=True)
    for uid, b in (("alice", 100), ("bob", 50), ("carol", 0)):
        w.create_wallet(ui_client, ui_table_name, uid, b)
    yield ui_table_name
    t.delete_table(ui_client, ui_table_name)


def balance(client, table, uid):
    return w.get_wallet(client, table, uid)["balance"]


async def enter_twice(pilot, gap: float) -> None:
    if gap == 0:
        await pilot.press("enter", "enter")
    else:
        await pilot.press("enter")
        await asyncio.sleep(gap)
        await pilot.press("enter")


async def settle(pilot, app, form) -> None:
    """Wait for the dialog's operation to end; close the receipt if the second Enter did not."""
    await wait_for(pilot, lambda: screen_name(app) == "ItemsScreen" or form.state in ("applied", "done"),
                   what="outcome", timeout=30)
    if screen_name(app) != "ItemsScreen":
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "ItemsScreen", what="closed")
    await pilot.pause(0.1)
    assert screen_name(app) == "ItemsScreen"  # never the editor on the row behind


async def test_enter_twice_applies_once_in_every_wallet_dialog(make_app, ui_client, wallet_table):
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.ready, what="ready")
        items = await open_items(pilot, app, wallet_table)
        items.data_table.move_cursor(row=row_of(items, "bob"))
        for gap in (0, 0.03):
            # deposit
            bob = balance(ui_client, wallet_table, "bob")
            await pilot.press("p")
            await pilot.pause()
            form = app.screen
            assert form.query_one("#user_id", Input).value == "bob"
            await wait_for(pilot, lambda: f"balance {bob}" in str(form.query_one("#bal-user_id", Static).render()),
                           what="current balance shown")
            form.query_one("#amount", Input).value = "1"
            await enter_twice(pilot, gap)
            await settle(pilot, app, form)
            assert balance(ui_client, wallet_table, "bob") == bob + 1, gap
            # withdraw
            await pilot.press("w")
            await pilot.pause()
            form = app.screen
            form.query_one("#amount", Input).value = "2"
            await enter_twice(pilot, gap)
            await settle(pilot, app, form)
            assert balance(ui_client, wallet_table, "bob") == bob - 1, gap
            # transfer, the recipient picked by completion over the loaded wallets
            alice = balance(ui_client, wallet_table, "alice")
            await pilot.press("t")
            await pilot.pause()
            form = app.screen
            assert form.query_one("#from_id", Input).value == "bob"
            assert app.focused is form.query_one("#to_id", Input)
            await pilot.press("a", "l")
            await pilot.press("right")  # accept the suggestion
            assert form.query_one("#to_id", Input).value == "alice"
            await wait_for(pilot, lambda: f"balance {alice}" in str(form.query_one("#bal-to_id", Static).render()),
                           what="recipient balance shown")
            form.query_one("#amount", Input).value = "10"
            form.query_one("#amount", Input).focus()
            await enter_twice(pilot, gap)
            await settle(pilot, app, form)
            assert balance(ui_client, wallet_table, "bob") == bob - 11, gap
            assert balance(ui_client, wallet_table, "alice") == alice + 10, gap
            assert any(f"bob now has {bob - 11}" in m and f"alice now has {alice + 10}" in m
                       for m in notifications(app))
            # seed
            before = t.count_items(ui_client, wallet_table)
            await pilot.press("s")
            await pilot.pause()
            form = app.screen
            form.query_one("#count", Input).value = "30"
            await enter_twice(pilot, gap)
            await settle(pilot, app, form)
            assert t.count_items(ui_client, wallet_table) == before + 30, gap
            await wait_for(pilot, lambda: not items._loading, what="reloaded")
            items.data_table.move_cursor(row=row_of(items, "bob"))


async def test_seed_shows_progress_and_stops_on_escape(make_app, ui_client, wallet_table):
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.ready, what="ready")
        await open_items(pilot, app, wallet_table)
        await pilot.press("s")
        await pilot.pause()
        form = app.screen
        form.query_one("#count", Input).value = "20000"
        await pilot.press("enter")
        bar = form.query_one("#seed-progress")
        await wait_for(pilot, lambda: bar.progress > 0, what="progress", timeout=30)
        assert bar.total == 20000
        await pilot.press("escape")  # stop
        await wait_for(pilot, lambda: form.state == "done", what="stopped", timeout=60)
        written = form.result.written
        assert 0 < written < 20000
        assert f"Stopped: {written:,} of 20,000 wallets written" in str(form.query_one("#outcome").render())
        assert t.count_items(ui_client, wallet_table) == 3 + written  # what it says is what is there


async def test_editor_keeps_wallet_rules_and_asks_before_dropping_edits(make_app, ui_client, wallet_table):
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.ready, what="ready")
        items = await open_items(pilot, app, wallet_table)
        items.data_table.move_cursor(row=row_of(items, "alice"))
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen
        doc = json.loads(editor.text)
        for bad, frag in (({"N": "-5"}, "balance cannot be negative, got -5"),
                          ({"S": "abc"}, "balance must be a number")):
            doc["balance"] = bad
            editor.set_text(json.dumps(doc))
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert frag in editor.error_message and screen_name(app) == "ItemEditorScreen"
        assert balance(ui_client, wallet_table, "alice") == 100  # nothing sent
        # Esc Esc keeps the edits: the first asks, the second answers "keep editing"
        await pilot.press("escape")
        await pilot.pause()
        assert screen_name(app) == "UnsavedChangesScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert screen_name(app) == "ItemEditorScreen" and '"abc"' in editor.text
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("d")  # discard, on purpose
        await pilot.pause()
        assert screen_name(app) == "ItemsScreen"
        # a new item on a wallet table: the same rules
        await pilot.press("n")
        await pilot.pause()
        editor = app.screen
        editor.set_text(json.dumps({"user_id": {"S": "dave"}, "balance": {"N": "-5"}}))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "balance cannot be negative" in editor.error_message
        editor.set_text(json.dumps({"user_id": {"S": "dave"}, "balance": {"N": "7"}}))
        await pilot.press("ctrl+s", "ctrl+s")  # the second is ignored while the first is in flight
        await wait_for(pilot, lambda: screen_name(app) == "ItemsScreen", what="created")
        assert balance(ui_client, wallet_table, "dave") == 7
        # unchanged editor: escape just closes
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert screen_name(app) == "ItemsScreen"


async def test_retry_safely_after_a_drop_after_apply_applies_once(ui_client, wallet_table, dynamodb_local_engine):
    from ddbtui.ui.app import DdbApp

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
            text = str(form.query_one("#outcome").render())
            assert "Outcome unknown" in text and "10 minutes" in text and "failed" not in text.lower()
            assert str(form.query_one("#ok").label) == "Retry safely"
            # every attempt was applied by DynamoDB and dropped on the way back: once, by token
            assert balance(ui_client, wallet_table, "carol") == 7
            # the network heals (a clean proxy on the same port); the user retries safely
            proxy.stop()
            proxy = ProxyThread(dynamodb_local_engine.endpoint_url, FaultConfig(), port=port).start()
            await pilot.press("enter")
            await wait_for(pilot, lambda: form.state == "applied", what="applied", timeout=60)
            assert "carol now has 7" in str(form.query_one("#outcome").render())
            assert balance(ui_client, wallet_table, "carol") == 7  # applied once, not twice
            ok = form.query_one("#ok", Button)
            await wait_for(pilot, lambda: str(ok.label) == "Close" and not ok.disabled, what="Close")
            await pilot.pause()
            await pilot.press("enter")  # closes the receipt
            await wait_for(pilot, lambda: screen_name(app) == "ItemsScreen", what="receipt closed")
            assert items.items[items._key_index[("carol",)]]["balance"] == Decimal(7)
            assert it.get_item(ui_client, wallet_table, {"user_id": "carol"})["version"] == Decimal(2)
    finally:
        proxy.stop()


async def test_batch_delete_enter_twice_deletes_once_and_opens_no_editor(make_app, ui_client, wallet_table):
    from textual import events

    from ddbtui.ui.widgets import form as F

    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        said: list[str] = []
        notify = app.notify

        def spy(message, *a, **k):  # counts every toast, even ones that expired meanwhile
            said.append(str(message))
            return notify(message, *a, **k)

        app.notify = spy
        await wait_for(pilot, lambda: app.ready, what="ready")
        items = await open_items(pilot, app, wallet_table)
        for gap, victim in ((0, "carol"), (0.03, "bob")):
            items.data_table.move_cursor(row=row_of(items, victim))
            await pilot.press("x")
            await pilot.pause()
            assert screen_name(app) == "ConfirmScreen"
            await enter_twice(pilot, gap)
            await wait_for(pilot, lambda v=victim: (v,) not in items._key_index, what="deleted", timeout=30)
            await pilot.pause(0.2)
            assert sum(f"Deleted 1 item from {wallet_table}" in m for m in said) == (1 if gap == 0 else 2)
            assert w.get_wallet(ui_client, wallet_table, victim) is None
            while screen_name(app) != "ItemsScreen":  # a slow machine let the repeat through
                await pilot.press("escape")
                await pilot.pause(0.2)
        assert t.count_items(ui_client, wallet_table) == 1
        # The screen behind ignores the confirming key pressed again within REPEAT_KEY_S of it,
        # judged by the presses' own timestamps (not by when a busy loop got to them).
        first = F._last_submit_key[app]
        repeat = events.Key("enter", None)
        repeat.time = first + 0.03
        app.post_message(repeat)
        await pilot.pause(0.2)
        assert screen_name(app) == "ItemsScreen"
        later = events.Key("enter", None)
        later.time = first + 5  # a deliberate Enter later edits the row, as always
        app.post_message(later)
        await wait_for(pilot, lambda: screen_name(app) == "ItemEditorScreen", what="editor on a later Enter")
