"""Items screen end to end, as a person: create a wallet table with the form, seed, edit,
transfer, delete items, export, query, paging, then delete the table. DynamoDB Local."""

from __future__ import annotations

import json
from decimal import Decimal

from textual.widgets import DataTable, Input, Select, TextArea

from ddbtui.dynamo import items as it
from ddbtui.dynamo import tables as t
from ddbtui.dynamo import wallet as w
from tests.ui.conftest import notifications, screen_text, wait_for

SIZE = (120, 40)


def screen_name(app) -> str:
    return type(app.screen).__name__


async def open_items(pilot, app, name: str):
    dt = app.screen.query_one("#tables", DataTable)
    await wait_for(pilot, lambda: name in [str(k.value) for k in dt.rows], what=f"{name} listed")
    dt.move_cursor(row=dt.get_row_index(name))
    dt.focus()
    await pilot.press("enter")
    await pilot.pause()
    assert screen_name(app) == "ItemsScreen"
    items = app.screen
    await wait_for(pilot, lambda: items.info is not None and not items._loading, what="first page")
    return items


def row_of(items, user_id: str) -> int:
    idx = items._key_index[(user_id,)]
    return items.data_table.get_row_index(str(idx))


async def test_wallet_table_flow(make_app, ui_client, ui_table_name, tmp_path):
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.ready, what="ready")
        # --- create the table with the form's wallet preset
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        form.query_one("#table_name", Input).value = ui_table_name
        await pilot.press("f2")
        await pilot.pause()
        assert form.query_one("#pk_name", Input).value == "user_id"
        await pilot.press("ctrl+s")
        await pilot.pause()
        tables = app.screen
        await wait_for(pilot, lambda: ui_table_name in tables._infos and tables._infos[ui_table_name] is not None
                       and tables._infos[ui_table_name].status == "ACTIVE", what="ACTIVE", timeout=30)

        # --- open it, seed 30 wallets
        items = await open_items(pilot, app, ui_table_name)
        assert items.is_wallet and items.live == 0
        await pilot.press("s")
        await pilot.pause()
        assert screen_name(app) == "SeedWalletsScreen"
        seed_form = app.screen
        seed_form.query_one("#count", Input).value = "30"
        await pilot.press("enter")
        await wait_for(pilot, lambda: seed_form.state == "done", what="seed receipt", timeout=30)
        assert "Seeded 30 wallets" in str(seed_form.query_one("#outcome").render())
        await pilot.press("enter")  # closes the receipt
        await wait_for(pilot, lambda: screen_name(app) == "ItemsScreen" and items.live == 30 and not items._loading,
                       what="seeded", timeout=30)
        assert "30 items loaded (all loaded)" in items.status_text

        # --- edit one wallet: change its name; nothing else changes
        uid = sorted(i["user_id"] for i in items.items if i)[0]
        items.data_table.move_cursor(row=row_of(items, uid))
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen
        assert screen_name(app) == "ItemEditorScreen"
        doc = json.loads(editor.text)
        assert list(doc)[0] == "user_id" and doc["balance"].keys() == {"N"}  # DynamoDB JSON, key first
        doc["name"] = {"S": "Renamed Person"}
        doc["nickname"] = {"S": "renamed"}
        editor.set_text(json.dumps(doc))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen_name(app) == "ItemsScreen", what="saved")
        stored = it.get_item(ui_client, ui_table_name, {"user_id": uid})
        assert stored["name"] == "Renamed Person" and stored["version"] == Decimal(2)
        await wait_for(pilot, lambda: "nickname" in items.columns, what="the new attribute got a column")

        # --- a key change is refused inline and nothing is written
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen
        await pilot.press("ctrl+t")  # plain JSON
        await pilot.pause()
        assert editor.mode == "plain" and json.loads(editor.text)["user_id"] == uid
        doc = json.loads(editor.text)
        doc["user_id"] = uid + "-changed"
        editor.set_text(json.dumps(doc))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: editor.error_message, what="key change refused")
        assert "cannot be changed" in editor.error_message
        # bad JSON: line and column, nothing sent
        editor.set_text('{"user_id": "x",\n  "balance": }')
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "line 2" in editor.error_message
        await pilot.press("escape")  # unsaved changes: asks first
        await pilot.pause()
        assert screen_name(app) == "UnsavedChangesScreen"
        await pilot.press("d")  # discard
        await pilot.pause()
        assert screen_name(app) == "ItemsScreen"
        assert it.get_item(ui_client, ui_table_name, {"user_id": uid + "-changed"}) is None

        # --- concurrent change: somebody deposits while the editor is open
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen
        w.deposit(ui_client, ui_table_name, uid, "1")
        doc = json.loads(editor.text)
        doc["name"] = {"S": "Lost Update"}
        editor.set_text(json.dumps(doc))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: editor.error_message, what="concurrent change")
        assert "changed or deleted by someone else" in editor.error_message
        assert it.get_item(ui_client, ui_table_name, {"user_id": uid})["name"] == "Renamed Person"
        editor.dismiss(None)
        await pilot.pause()

        # --- transfer: insufficient funds changes nothing, then a good one
        a, b = sorted(i["user_id"] for i in items.items if i)[1:3]
        bal_a = w.get_wallet(ui_client, ui_table_name, a)["balance"]
        bal_b = w.get_wallet(ui_client, ui_table_name, b)["balance"]
        items.data_table.move_cursor(row=row_of(items, a))
        await pilot.press("t")
        await pilot.pause()
        form = app.screen
        assert screen_name(app) == "TransferScreen"
        assert form.query_one("#from_id", Input).value == a
        form.query_one("#to_id", Input).value = b
        form.query_one("#amount", Input).value = str(bal_a + 1)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: form.error_text("amount"), what="insufficient funds")
        assert "insufficient funds" in form.error_text("amount")
        assert w.get_wallet(ui_client, ui_table_name, a)["balance"] == bal_a
        assert w.get_wallet(ui_client, ui_table_name, b)["balance"] == bal_b
        # same wallet, missing wallet: inline too
        form.query_one("#to_id", Input).value = a
        form.query_one("#amount", Input).value = "1"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "itself" in form.error_text("to_id"), what="same wallet")
        form.query_one("#to_id", Input).value = "nobody-here"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "does not exist" in form.error_text("to_id"), what="missing wallet")
        form.query_one("#to_id", Input).value = b
        form.query_one("#amount", Input).value = "1.25"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: form.state == "applied", what="transferred")
        await pilot.press("enter")  # closes the receipt
        await wait_for(pilot, lambda: screen_name(app) == "ItemsScreen", what="closed")
        assert w.get_wallet(ui_client, ui_table_name, a)["balance"] == bal_a - Decimal("1.25")
        assert items.items[items._key_index[(b,)]]["balance"] == bal_b + Decimal("1.25")  # row updated
        await wait_for(pilot, lambda: any("Transferred 1.25" in m for m in notifications(app)), what="notice")

        # --- withdraw too much: clear message, nothing changes
        await pilot.press("w")
        await pilot.pause()
        form = app.screen
        form.query_one("#amount", Input).value = "1000000"
        await pilot.press("enter")
        await wait_for(pilot, lambda: form.error_text("amount"), what="withdraw refused")
        assert "insufficient funds" in form.error_text("amount")
        await pilot.press("escape")
        await pilot.pause()

        # --- select two items with space and delete them after a confirmation with the count
        victims = sorted(i["user_id"] for i in items.items if i)[-2:]
        for v in victims:
            items.data_table.move_cursor(row=row_of(items, v))
            await pilot.press("space")
        assert items.selected and "2 selected" in items.status_text
        await pilot.press("x")
        await pilot.pause()
        assert screen_name(app) == "ConfirmScreen"
        assert "Delete 2 items" in app.screen._text
        await pilot.press("enter")
        await wait_for(pilot, lambda: items.live == 28, what="deleted")
        assert all(it.get_item(ui_client, ui_table_name, {"user_id": v}) is None for v in victims)

        # --- export what is loaded, to CSV and JSON Lines
        out_csv = tmp_path / "wallets.csv"
        await pilot.press("ctrl+e")
        await pilot.pause()
        form = app.screen
        form.query_one("#format", Select).value = "csv"
        await pilot.pause()
        assert form.query_one("#path", Input).value.endswith(".csv")
        form.query_one("#path", Input).value = str(out_csv)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen_name(app) == "ItemsScreen", what="exported")
        lines = out_csv.read_text().splitlines()
        assert lines[0].startswith("user_id,") and len(lines) == 29
        await wait_for(pilot, lambda: any(f"Exported 28 items to {out_csv}" in m for m in notifications(app)), what="notice")
        await pilot.press("ctrl+e")
        await pilot.pause()
        form = app.screen
        form.query_one("#path", Input).value = str(out_csv)  # exists: refused inline
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: form.error_text("path"), what="exists")
        form.query_one("#path", Input).value = str(tmp_path / "wallets.jsonl")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen_name(app) == "ItemsScreen", what="exported jsonl")
        assert len((tmp_path / "wallets.jsonl").read_text().splitlines()) == 28

        # --- back to the tables, delete the table via the typed-name modal
        await pilot.press("escape")
        await pilot.pause()
        assert screen_name(app) == "TablesScreen"
        dt = app.screen.query_one("#tables", DataTable)
        dt.move_cursor(row=dt.get_row_index(ui_table_name))
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press(*ui_table_name)
        await pilot.press("enter")
        await wait_for(pilot, lambda: t.table_status(ui_client, ui_table_name) is None, what="gone", timeout=30)


async def test_query_paging_load_all_and_cancel(make_app, ui_client, ui_table_name, monkeypatch):
    import ddbtui.ui.screens.items as items_mod

    monkeypatch.setattr(items_mod, "PAGE", 50)  # many pages, so load-all can be cancelled mid-way
    spec = t.TableSpec(ui_table_name, t.KeySpec("pk", "S"), t.KeySpec("sk", "N"),
                       gsis=[t.GsiSpec("by_kind", t.KeySpec("kind", "S"))])
    t.create_table(ui_client, spec, wait=True)
    try:
        rows = [{"pk": f"p{i % 3}", "sk": Decimal(i), "kind": "even" if i % 2 == 0 else "odd",
                 "amount": Decimal(i) / 4} for i in range(2600)]
        it.batch_put(ui_client, ui_table_name, rows)
        app = make_app()
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_for(pilot, lambda: app.ready, what="ready")
            items = await open_items(pilot, app, ui_table_name)
            assert not items.is_wallet
            # the first page is small; scrolling to the bottom loads the next page
            assert 0 < items.live <= 100 and items._has_more
            assert "items loaded (more available)" in items.status_text
            await pilot.press("ctrl+end")
            await wait_for(pilot, lambda: items.live > 100 and not items._loading, what="next page")
            n = items.live
            await pilot.press("m")
            await wait_for(pilot, lambda: items.live > n and not items._loading, what="load more")
            # load all, then cancel right away: it stops after the current page
            await pilot.press("ctrl+home")  # away from the bottom: no more automatic pages
            await wait_for(pilot, lambda: not items._loading, what="idle")
            import threading
            import time

            real_scan = it.scan_page
            released = threading.Event()
            calls = []

            def slow_scan(*a, **kw):  # a slow network: pages take 0.2 s (the UI stays responsive)
                calls.append(1)
                time.sleep(0.2)
                if len(calls) > 4:  # later pages wait for the escape: load-all cannot finish first
                    released.wait(60)
                return real_scan(*a, **kw)

            monkeypatch.setattr(it, "scan_page", slow_scan)
            await pilot.press("A")
            # slower than 0.5 s: the progress dialog opens over the items (bar, ETA, cancel)
            await wait_for(pilot, lambda: screen_name(app) == "ProgressScreen", what="progress dialog")
            assert items._loading_all and "escape stops" in items.status_text
            await wait_for(pilot, lambda: "items loaded" in screen_text(app) and "ETA" in screen_text(app),
                           what="progress line with ETA")
            await pilot.press("escape")  # cancels (the dialog closes once the page is in)
            released.set()
            await wait_for(pilot, lambda: not items._loading, what="stopped")
            await wait_for(pilot, lambda: screen_name(app) == "ItemsScreen", what="dialog closed")
            assert items._has_more and items.live < 2600
            await wait_for(pilot, lambda: any("Stopped loading" in m for m in notifications(app)), what="notice")
            monkeypatch.setattr(it, "scan_page", real_scan)
            await pilot.press("A")
            await wait_for(pilot, lambda: not items._loading and not items._has_more, what="all", timeout=60)
            assert items.live == 2600 and items.data_table.row_count == 2600
            assert "2,600 items loaded (all loaded)" in items.status_text

            # query: pk = p1 AND sk BETWEEN 10 AND 40, filter amount > :min
            await pilot.press("slash")
            await pilot.pause()
            q = app.screen
            assert screen_name(app) == "QueryScreen"
            q.query_one("#pk_value", Input).value = "p1"
            q.query_one("#sk_op", Select).value = "BETWEEN"
            await pilot.pause()
            q.query_one("#sk_value", Input).value = "ten"  # not a number: inline message
            q.query_one("#sk_value2", Input).value = "40"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert "not a number" in q.error_text("sk_value")
            q.query_one("#sk_value", Input).value = "10"
            q.query_one("#filter_expression", Input).value = "amount > :min"
            q.query_one("#values", Input).value = '{":min": 5}'
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert screen_name(app) == "ItemsScreen"
            await wait_for(pilot, lambda: not items._loading and items.query_spec is not None, what="query")
            expected = sorted(i for i in range(10, 41) if i % 3 == 1 and Decimal(i) / 4 > 5)
            got = sorted(int(x["sk"]) for x in items.items if x)
            assert got == expected
            assert "query: pk = p1" in items.status_text and "BETWEEN" in items.status_text

            # query the GSI: kind = odd (numbers typed as text are converted by key type)
            await pilot.press("q")
            await pilot.pause()
            q = app.screen
            q.query_one("#index", Select).value = "by_kind"
            await pilot.pause()
            assert "kind (S)" in str(q.query_one("#key-help").render())
            q.query_one("#pk_value", Input).value = "odd"
            q.query_one("#sk_op", Select).value = "none"
            q.query_one("#filter_expression", Input).value = ""
            q.query_one("#values", Input).value = ""
            await pilot.press("ctrl+s")
            await pilot.pause()
            await wait_for(pilot, lambda: not items._loading and items.live > 0, what="gsi query")
            await pilot.press("A")
            await wait_for(pilot, lambda: not items._loading and not items._has_more, what="gsi all", timeout=60)
            assert items.live == 1300 and all(x["kind"] == "odd" for x in items.items if x)
    finally:
        t.delete_table(ui_client, ui_table_name)


async def test_read_only_refuses_every_write(make_app, ui_client, ui_table_name):
    t.create_table(ui_client, t.wallet_spec(ui_table_name), wait=True)
    w.seed_wallets(ui_client, ui_table_name, 3, seed=1)
    try:
        app = make_app(read_only=True)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            said: list[str] = []  # every notice, even one whose toast expired on a slow machine
            notify = app.notify
            app.notify = lambda message, *a, **k: (said.append(str(message)), notify(message, *a, **k))[1]
            await wait_for(pilot, lambda: app.ready, what="ready")
            from tests.ui.conftest import screen_text

            text = screen_text(app)
            assert "READ-ONLY" in text
            footer_keys = {b.binding.action for b in app.screen.active_bindings.values() if b.enabled and b.binding.show}
            assert "create_table" not in footer_keys and "delete_table" not in footer_keys
            await pilot.press("c")
            await pilot.pause()
            assert screen_name(app) == "TablesScreen"
            await wait_for(pilot, lambda: any("Read-only mode: cannot create a table" in m for m in notifications(app)), what="notice")
            items = await open_items(pilot, app, ui_table_name)
            refusals = {"n": "create an item", "x": "delete items", "s": "seed wallets", "p": "deposit",
                        "w": "withdraw", "t": "transfer"}
            for key, what in refusals.items():  # each checked at once: notices expire after 5 s
                await pilot.press(key)
                await pilot.pause()
                assert screen_name(app) == "ItemsScreen", key
                await wait_for(pilot, lambda: any(f"Read-only mode: cannot {what}" in m for m in said),
                               what=f"read-only notice for {key}")
            # the editor opens to view; saving is refused
            await pilot.press("e")
            await pilot.pause()
            editor = app.screen
            assert editor.query_one("#editor", TextArea).read_only
            editor.action_save()
            await pilot.pause()
            assert screen_name(app) == "ItemEditorScreen"
            editor.dismiss(None)
            await pilot.pause()
            # actions reached another way (command palette, code) are refused too
            items.action_delete_items()
            items.action_seed()
            await pilot.pause()
            assert screen_name(app) == "ItemsScreen"
            assert len(t.list_tables(ui_client)) >= 1 and it.scan_page(ui_client, ui_table_name).count == 3
            assert "Create table" not in [c.title for c in app.get_system_commands(app.screen)]
    finally:
        t.delete_table(ui_client, ui_table_name)
