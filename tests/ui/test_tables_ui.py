"""Tables screen, create form, describe and delete, driven by keys against DynamoDB Local."""

from __future__ import annotations

from textual.widgets import Button, DataTable, Input, Select

from ddbtui.dynamo import tables as t
from tests.ui.conftest import notifications, screen_text, wait_for

SIZE = (120, 40)


def table_rows(app) -> dict[str, list[str]]:
    dt = app.screen.query_one("#tables", DataTable)
    return {str(dt.get_row_at(i)[0]): [str(c) for c in dt.get_row_at(i)] for i in range(dt.row_count)}


async def open_create_form(pilot):
    await pilot.press("c")
    await pilot.pause()
    from ddbtui.ui.screens.create_table import CreateTableScreen

    assert isinstance(pilot.app.screen, CreateTableScreen)
    return pilot.app.screen


async def type_into(pilot, selector: str, text: str) -> None:
    inp = pilot.app.screen.query_one(selector, Input)
    inp.focus()
    inp.value = ""
    await pilot.press(*text) if text else None
    await pilot.pause()


async def test_bad_input_shows_inline_message_and_creates_nothing(make_app, ui_client, ui_table_name):
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.ready and "table" in app.screen.query_one("#tables-status").render().plain,
                       what="tables loaded")
        before = set(t.list_tables(ui_client))
        form = await open_create_form(pilot)
        await type_into(pilot, "#table_name", "ab")  # too short
        await type_into(pilot, "#pk_name", "user_id")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form  # still open
        assert "too short" in form.error_text("table_name")
        assert "too short" in screen_text(app)

        # fix the name, break the capacity: provisioned with RCU 0
        await type_into(pilot, "#table_name", ui_table_name)
        assert form.error_text("table_name") == ""  # the stale message went away when typing
        form.query_one("#billing_mode", Select).value = "PROVISIONED"
        await pilot.pause()
        await type_into(pilot, "#rcu", "0")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "at least 1" in form.error_text("rcu")

        # a GSI row with no partition key: the message goes under that row
        form.query_one("#billing_mode", Select).value = "PAY_PER_REQUEST"
        await pilot.press("ctrl+g")
        await pilot.pause()
        row = form.gsi_rows()[0]
        row.query_one(".gsi-name", Input).value = "by_email"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "key name is required" in row.query_one(".gsi-error").message

        # bad tags
        row.query_one(".gsi-pk", Input).value = "email"
        await type_into(pilot, "#tags", "env")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "key=value" in form.error_text("tags")

        await pilot.press("escape")
        await pilot.pause()
        assert set(t.list_tables(ui_client)) == before  # nothing was created
        assert ui_table_name not in table_rows(app)


async def test_create_with_gsi_ttl_tags_describe_and_delete(make_app, ui_client, ui_table_name):
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.ready and app.screen.query_one("#tables").row_count >= 0
                       and "…" not in app.screen.query_one("#tables-status").render().plain, what="loaded")
        form = await open_create_form(pilot)
        await type_into(pilot, "#table_name", ui_table_name)
        await type_into(pilot, "#pk_name", "pk")
        await type_into(pilot, "#sk_name", "sk")
        form.query_one("#sk_type", Select).value = "N"
        await pilot.press("ctrl+g")
        await pilot.pause()
        row = form.gsi_rows()[0]
        row.query_one(".gsi-name", Input).value = "by_email"
        row.query_one(".gsi-pk", Input).value = "email"
        row.query_one(".gsi-proj", Select).value = "KEYS_ONLY"
        await type_into(pilot, "#ttl", "expires_at")
        await type_into(pilot, "#tags", "env=dev, team=payments")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "TablesScreen"
        # the row appears at once (CREATING) and turns ACTIVE without blocking the UI
        assert ui_table_name in table_rows(app)
        await wait_for(pilot, lambda: table_rows(app).get(ui_table_name, ["", ""])[1] == "ACTIVE",
                       what="ACTIVE", timeout=30)
        info = t.describe_table(ui_client, ui_table_name)
        assert info.sort_key.type == "N" and info.gsis[0]["IndexName"] == "by_email"
        # DynamoDB Local accepts Tags on CreateTable but does not support tagging (ListTagsOfResource
        # fails with "Tagging is not currently supported"), so only the TTL is checked here.
        assert info.ttl.get("AttributeName") == "expires_at"

        # describe: readable sections, then the raw JSON toggle
        dt = app.screen.query_one("#tables", DataTable)
        dt.move_cursor(row=dt.get_row_index(ui_table_name))
        await pilot.press("d")
        await pilot.pause()
        assert type(app.screen).__name__ == "DescribeScreen"
        await wait_for(pilot, lambda: app.screen.info is not None, what="describe")
        text = screen_text(app)
        for needle in (ui_table_name, "ACTIVE", "pk (S, partition)", "sk (N, sort)", "on-demand",
                       "Global secondary index by_email", "KEYS_ONLY"):
            assert needle in text, needle
        body = app.screen.readable_text()
        for needle in ("expires_at", "Tags (ListTagsOfResource)", "TableArn", "AttributeDefinitions"):
            assert needle in body, needle
        await pilot.press("j")
        await pilot.pause()
        raw = app.screen.query_one("#raw")
        assert raw.display and '"TimeToLiveDescription"' in raw.text and '"Tags"' in raw.text
        await pilot.press("escape")
        await pilot.pause()

        # delete: the button stays disabled until the typed name matches
        dt = app.screen.query_one("#tables", DataTable)
        dt.move_cursor(row=dt.get_row_index(ui_table_name))
        await pilot.press("x")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmDeleteTableScreen"
        delete = app.screen.query_one("#delete", Button)
        await pilot.press(*ui_table_name[:-1])
        await pilot.pause()
        assert delete.disabled
        await pilot.press("enter")  # enter with a wrong name does nothing
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmDeleteTableScreen"
        await pilot.press(ui_table_name[-1])
        await pilot.pause()
        assert not delete.disabled
        await pilot.press("enter")
        await pilot.pause()
        await wait_for(pilot, lambda: ui_table_name not in table_rows(app), what="row gone", timeout=30)
        assert t.table_status(ui_client, ui_table_name) is None
        await wait_for(pilot, lambda: any("deleted" in m for m in notifications(app)), what="notice")


async def test_filter_as_you_type_and_palette_commands(make_app, ui_client, ui_table_name):
    t.create_table(ui_client, t.wallet_spec(ui_table_name), wait=True)
    try:
        app = make_app()
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_for(pilot, lambda: ui_table_name in table_rows(app), what="table listed")
            await pilot.press("slash")
            await pilot.press(*ui_table_name[-6:])
            await pilot.pause()
            assert list(table_rows(app)) == [ui_table_name]
            await pilot.press("enter")  # back to the list
            await pilot.press("enter")  # open the table
            await pilot.pause()
            assert type(app.screen).__name__ == "ItemsScreen"
            await pilot.press("escape")
            await pilot.pause()
            commands = [c.title for c in app.get_system_commands(app.screen)]
            for title in ("Open table…", f"Open table {ui_table_name}", "Create table", "Run benchmark",
                          "Theme", "Help", "Tables", "Benchmark history", f"Describe table {ui_table_name}",
                          "Tables: Create", "Screenshot"):
                assert title in commands
            # one theme entry, no Textual "Keys" beside our help
            assert sum("theme" in c.lower() for c in commands) == 1 and "Keys" not in commands
            app.action_benchmark()
            await pilot.pause()
            assert type(app.screen).__name__ == "BenchScreen"
            assert "Run a write benchmark" in screen_text(app)
    finally:
        t.delete_table(ui_client, ui_table_name)
