"""The key footer rebuilds its keys only when they change (#19, first page of the items
screen): Textual's Footer rebuilt every key on each bindings signal — 29 rebuilds while a
table opened, ~0.2 s of a 0.64 s first page. Behaviour, not time: count the rebuilds, and
check the keys still follow the screen (a key that becomes disabled / another screen)."""

from __future__ import annotations

from ddbtui.ui.widgets.footer import KeyFooter
from tests.ui.conftest import wait_for


def _footer(app) -> KeyFooter:
    return app.screen.query_one(KeyFooter)


async def test_opening_a_table_rebuilds_the_footer_a_few_times_only(make_app, ui_client, ui_table_name):
    ui_client.create_table(TableName=ui_table_name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                           AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                           BillingMode="PAY_PER_REQUEST")
    for i in range(30):
        ui_client.put_item(TableName=ui_table_name, Item={"pk": {"S": f"k{i:03d}"}, "n": {"N": str(i)}})
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.ready and getattr(app.screen, "_loaded", False), what="tables")
        app.open_table(ui_table_name)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ItemsScreen"
                       and app.screen.data_table.row_count == 30 and not app.screen._loading, what="first page")
        await pilot.pause(0.3)
        footer = _footer(app)
        assert footer.recomposes <= 4, footer.recomposes  # was 29 with Textual's Footer
        keys = footer.shown_keys
        assert any(k.endswith("Query") for k in keys) and any(k.endswith("Help") for k in keys), keys
        # another screen has its own footer with its own keys
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: type(app.screen).__name__ != "ItemsScreen", what="help")
        await pilot.pause(0.3)
        assert not any(k.endswith("Query") for k in _footer(app).shown_keys), _footer(app).shown_keys
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ItemsScreen", what="back")
        await pilot.pause(0.3)
        assert any(k.endswith("Query") for k in _footer(app).shown_keys)
