"""SVG screenshots of each screen into screenshots/ (`make screenshots` runs `-k screenshot`),
plus start-up with a local engine that is launched but not ready yet, and a failing one."""

from __future__ import annotations

import json

import pytest

from textual.widgets import DataTable, Input

from ddbtui.dynamo import tables as t
from ddbtui.dynamo import wallet as w
from tests.ui.conftest import notifications, save_svg as save, screen_text, wait_for

SIZE = (120, 40)


@pytest.mark.dynamodb_local
async def test_screenshots_of_each_screen(make_app, ui_client):
    name = "wallets_demo"
    if t.table_status(ui_client, name) is not None:
        t.delete_table(ui_client, name, wait=True)
    t.create_table(ui_client, t.wallet_spec(name), wait=True)
    try:
        w.seed_wallets(ui_client, name, 60, seed=7)
        app = make_app()
        async with app.run_test(size=SIZE, notifications=False) as pilot:
            await wait_for(pilot, lambda: app.ready and name in [k.value for k in
                                                                 app.screen.query_one("#tables", DataTable).rows]
                           and app.screen._infos.get(name) is not None, what="tables")
            save(app, "tables")

            await pilot.press("c")
            await pilot.pause()
            app.screen.query_one("#table_name", Input).value = "bad name!"
            app.screen.query_one("#pk_name", Input).value = "user_id"
            await pilot.press("ctrl+g")
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert "characters DynamoDB does not allow" in app.screen.error_text("table_name")
            save(app, "create_table_error")
            await pilot.press("escape")
            await pilot.pause()

            dt = app.screen.query_one("#tables", DataTable)
            dt.move_cursor(row=dt.get_row_index(name))
            await pilot.press("d")
            await wait_for(pilot, lambda: getattr(app.screen, "info", None) is not None, what="describe")
            save(app, "describe")
            await pilot.press("escape")
            await pilot.pause()

            await pilot.press("enter")
            await pilot.pause()
            items = app.screen
            await wait_for(pilot, lambda: items.live == 60 and not items._loading, what="items")
            items.data_table.move_cursor(row=2)
            await pilot.press("space", "space")
            save(app, "items")

            items.data_table.move_cursor(row=0)
            await pilot.press("e")
            await pilot.pause()
            save(app, "editor")
            doc = json.loads(app.screen.text)
            doc["user_id"] = {"S": "someone-else"}
            app.screen.set_text(json.dumps(doc, indent=2))
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: app.screen.error_message, what="refusal")
            save(app, "editor_key_change_refused")
            app.screen.dismiss(None)
            await pilot.pause()

            src = items.items[0]["user_id"]
            dst = items.items[1]["user_id"]
            await pilot.press("t")
            await pilot.pause()
            form = app.screen
            form.query_one("#to_id", Input).value = dst
            form.query_one("#amount", Input).value = "100000"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: "insufficient funds" in form.error_text("amount"), what="refusal")
            save(app, "wallet_transfer")
            assert src in screen_text(app)
    finally:
        t.delete_table(ui_client, name)


async def test_screenshot_start_up_with_engine_starting_then_ready(moto_engine):
    """cli.cmd_tui launches the engine and runs the app at once: the first frame says the
    engine is starting, then the connection switches to it and the engine note shows."""
    from ddbtui.config import Connection
    from ddbtui.local.engine import LocalEngine
    from ddbtui.ui.app import DdbApp

    eng = LocalEngine(engine="moto", in_memory=True)
    eng.launch()
    try:
        app = DdbApp(connection=Connection(local_credentials=True), engine=eng)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            first = screen_text(app)
            assert "starting" in first.lower() and " AWS " not in first
            await wait_for(pilot, lambda: app.ready, what="engine ready", timeout=60)
            await pilot.pause(0.3)
            text = screen_text(app)
            assert f"moto @ 127.0.0.1:{eng.port}" in text
            # the header itself (the "Local engine" notice may cover its right end on screen)
            from ddbtui.ui.widgets.target_bar import TargetBar

            header = app.screen.query_one(TargetBar).render_target().plain
            assert "data is lost on exit" in header and "key ddbtuilocal" in header, header
            save(app, "start_moto")
    finally:
        eng.stop()


async def test_engine_failure_is_shown_not_crashed():
    from ddbtui.config import Connection
    from ddbtui.local.engine import EngineError
    from ddbtui.ui.app import DdbApp

    class BrokenEngine:
        chosen = "dynamodb-local"
        fallback_reason = None

        def wait_ready(self):
            raise EngineError("dynamodb-local exited during start-up (exit code 1); log: /tmp/x/dynamodb-local.log")

    app = DdbApp(connection=Connection(local_credentials=True), engine=BrokenEngine())
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.engine_state == "failed", what="failure")
        await wait_for(pilot, lambda: any("/tmp/x/dynamodb-local.log" in m for m in notifications(app)),
                       what="notice")
        text = screen_text(app)
        assert "did not start" in text and "dynamodb-local.log" in text
        assert app.is_running
        await pilot.press("c")  # writes wait for the engine instead of failing obscurely
        await pilot.pause()
        assert type(app.screen).__name__ == "TablesScreen"
