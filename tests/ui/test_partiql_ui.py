"""PartiQL console on DynamoDB Local, driven with Pilot: run, page, batch, errors, saved
statements (config file) and history."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ddbtui.dynamo import items as I
from ddbtui.dynamo import tables as T
from tests.ui.conftest import wait_for

pytestmark = pytest.mark.dynamodb_local


@pytest.fixture
def people(ui_client, ui_table_name):
    T.create_table(ui_client, T.TableSpec(ui_table_name, T.KeySpec("pk"), T.KeySpec("sk", "N")), wait=True)
    I.batch_put(ui_client, ui_table_name, [{"pk": "a" if i < 30 else "b", "sk": Decimal(i), "tags": {"x", "y"}}
                                           for i in range(40)])
    yield ui_table_name
    T.delete_table(ui_client, ui_table_name)


@pytest.fixture(autouse=True)
def _own_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("DDBTUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("DDBTUI_DATA_DIR", str(tmp_path / "data"))


def _status(app) -> str:
    return str(app.screen.query_one("#partiql-status").render())


async def _type(pilot, app, text: str) -> None:
    app.screen.editor.load_text(text)
    await pilot.pause()


async def test_run_page_batch_and_errors(make_app, people, ui_client):
    from ddbtui.ui.screens.partiql import PartiqlScreen

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, PartiqlScreen), what="console")
        screen = app.screen
        screen.page_limit = 10
        await _type(pilot, app, f"SELECT * FROM \"{people}\" WHERE pk = 'a'")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "1 page" in _status(app), what="first page")
        assert screen.results.row_count == 10 and "more: ctrl+n" in _status(app)
        assert set(screen.columns) == {"pk", "sk", "tags"}
        for n in (20, 30):
            await pilot.press("ctrl+n")
            await wait_for(pilot, lambda n=n: screen.results.row_count == n, what=f"{n} rows")
        await wait_for(pilot, lambda: "30 items" in _status(app), what="status")
        # the last page may be empty: keep going until DynamoDB says there is no more
        for _ in range(3):
            if "more: ctrl+n" not in _status(app):
                break
            await pilot.press("ctrl+n")
            await pilot.pause(0.5)
        assert screen.results.row_count == 30 and "more" not in _status(app)

        # a bad statement: one sentence in the status line, nothing shown
        await _type(pilot, app, "SELEKT * FROM nothing")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.query_one("#partiql-status").has_class("error"), what="error")
        assert "DynamoDB rejected" in _status(app) or "Statement" in _status(app)
        assert screen.results.row_count == 0

        # two statements: one BatchExecuteStatement
        await _type(pilot, app, f"INSERT INTO \"{people}\" VALUE {{'pk': 'c', 'sk': 1}};\n"
                                f"INSERT INTO \"{people}\" VALUE {{'pk': 'c', 'sk': 2}}")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "batch:" in _status(app), what="batch")
        assert "2 of 2 statements succeeded" in _status(app)
        assert [int(i["sk"]) for i in I.query_page(ui_client, people, pk_name="pk", pk_value="c").items] == [1, 2]


async def test_save_pick_history_and_read_only(make_app, people, tmp_path):
    from ddbtui import userconfig
    from ddbtui.ui.screens.partiql import PartiqlScreen, PickStatementScreen

    app = make_app(read_only=True)
    stmt = f"SELECT pk FROM \"{people}\" WHERE pk = 'b'"
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_partiql()
        await wait_for(pilot, lambda: isinstance(app.screen, PartiqlScreen), what="console")
        console = app.screen
        await _type(pilot, app, stmt)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press(*"b rows", "enter")
        await wait_for(pilot, lambda: "Saved as" in _status(app), what="saved")
        assert userconfig.load().statement("b rows").statement == stmt
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: console.results.row_count == 10, what="rows")

        await _type(pilot, app, f"DELETE FROM \"{people}\" WHERE pk = 'b' AND sk = 30")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "Read-only mode" in _status(app) and console.results.row_count == 10

        await _type(pilot, app, "")
        await pilot.press("ctrl+up")
        assert console.editor.text == stmt  # history: the last statement that ran
        await _type(pilot, app, "")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, PickStatementScreen), what="picker")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is console, what="back")
        assert console.editor.text == stmt
    assert stmt in userconfig.load_history()
