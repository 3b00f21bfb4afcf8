"""#14 at 80x24 (and wider): help on ?/F1, the getting-started panel, footers that show
whole keys and the modal's own keys, pinned form buttons, whole labels, the palette."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Label
from textual.widgets._footer import FooterKey

from ddbtui.dynamo import tables as t
from ddbtui.local.engine import LocalEngine
from ddbtui.ui.widgets.footer import KeyFooter
from tests.conftest import connection_for
from tests.ui.conftest import notifications, screen_text, wait_for


@pytest.fixture(scope="module")
def empty_moto():
    """A moto engine of our own: the getting-started panel needs a target with no tables."""
    eng = LocalEngine(engine="moto", in_memory=True)
    eng.start()
    yield eng
    eng.stop()


def app_on(eng):
    from ddbtui.ui.app import DdbApp

    return DdbApp(connection=connection_for(eng))


def visible_footer_keys(app) -> list[FooterKey]:
    footer = app.screen.query_one(KeyFooter)
    return [k for k in footer.query_children(FooterKey) if k.display]


def assert_footer_whole(app) -> None:
    footer = app.screen.query_one(KeyFooter)
    width = footer.size.width
    keys = visible_footer_keys(app)
    assert keys
    for k in keys:  # no key runs off the edge or under another
        assert k.region.right <= width, (k.key_display, k.description, k.region, width)
    spans = sorted((k.region.x, k.region.right) for k in keys)
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert end <= start, spans


async def test_empty_target_help_footer_and_modal_keys(empty_moto):
    app = app_on(empty_moto)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.ready and app.screen._loaded, what="tables loaded")
        await pilot.pause(0.2)
        text = screen_text(app)
        assert "Getting started" in text and "f2 = wallet preset" in text and "ctrl+b" in text
        assert_footer_whole(app)
        assert "? Help" in app.screen.query_one(KeyFooter).shown_keys
        # ? opens the help of this screen, ? again (or escape) closes it
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        help_text = screen_text(app)
        assert "Help · Tables" in help_text and "Create" in help_text and "Describe" in help_text
        assert "Focus Next" not in help_text  # Textual's own keys are not this screen's
        assert [k.description for k in visible_footer_keys(app)] == ["Close"]
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "TablesScreen"
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.pause()
        # the create form at 80x24: Create and Cancel in view, the form's keys in the footer
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        create = form.query_one("#create", Button)
        assert create.region.bottom <= 24 and create.region.height > 0 and create.region.y >= 0
        assert 0 < form.query_one("#cancel", Button).region.bottom <= 24
        described = [k.description for k in visible_footer_keys(app)]
        assert "Create" in described and "Wallet preset" in described and "Refresh" not in described
        assert_footer_whole(app)
        await pilot.press("escape")
        await pilot.pause()


async def test_items_footer_never_cuts_a_key(empty_moto):
    from ddbtui.dynamo import wallet as w
    from ddbtui.dynamo.clients import client_for

    client = client_for(connection_for(empty_moto))
    name = "footer_wallets"
    t.create_table(client, t.wallet_spec(name), wait=True)
    try:
        w.seed_wallets(client, name, 5, seed=3)
        app = app_on(empty_moto)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.ready and name in app.screen.table_names, what="listed")
            app.open_table(name)
            await pilot.pause()
            items = app.screen
            await wait_for(pilot, lambda: items.is_wallet and items.live == 5, what="items")
            for size in ((80, 24), (100, 30), (160, 48), (240, 60)):
                await pilot.resize_terminal(*size)
                await pilot.pause(0.3)
                assert_footer_whole(app)
                shown = app.screen.query_one(KeyFooter).shown_keys
                assert shown[0] == "esc Back" and "? Help" in shown, (size, shown)
                if size[0] >= 100:  # the wallet keys come right after the item keys
                    assert "p Deposit" in shown and "t Transfer" in shown, (size, shown)
            # columns: key first, then the rest in a stable (sorted) order
            assert items.columns[0] == "user_id" and items.columns[1:] == sorted(items.columns[1:])
    finally:
        t.delete_table(client, name)


async def test_bench_form_labels_whole_and_start_in_view(empty_moto):
    app = app_on(empty_moto)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.ready, what="ready")
        app.action_benchmark()
        await pilot.pause(0.3)
        form = app.screen
        for size in ((80, 24), (100, 30), (160, 48)):
            await pilot.resize_terminal(*size)
            await pilot.pause(0.3)
            start = form.query_one("#start", Button)
            assert 0 < start.region.bottom <= size[1] - 1 and start.region.height > 0, size
            for label in form.query("Field > Label").results(Label):
                text = str(label.render())
                if label.region.height and label.region.width:
                    assert label.region.width >= len(text), (size, text, label.region)


async def test_palette_reaches_screens_and_screenshot_says_where(empty_moto, tmp_path, monkeypatch):
    monkeypatch.setenv("DDBTUI_DATA_DIR", str(tmp_path))
    app = app_on(empty_moto)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.ready, what="ready")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Help", "Tables", "Run benchmark", "Benchmark history", "Screenshot", "Theme"):
            assert title in titles
        assert sum("theme" in c.lower() for c in titles) == 1
        history = next(c for c in app.get_system_commands(app.screen) if c.title == "Benchmark history")
        history.callback()
        await pilot.pause(0.3)
        assert type(app.screen).__name__ == "BenchHistoryScreen"
        app.action_home()
        await pilot.pause()
        assert type(app.screen).__name__ == "TablesScreen"
        app.action_save_screenshot()
        await pilot.pause()
        path = Path(app.last_screenshot)
        assert path.parent == tmp_path / "screenshots" and path.read_text().startswith("<svg")
        assert any(str(path) in m for m in notifications(app))


async def test_live_view_keeps_8_plot_rows_and_the_progress_line_keeps_eta_and_p99(empty_moto):
    from textual.widgets import Input, SelectionList

    from ddbtui.ui.widgets.bench_progress import StrategyProgress

    app = app_on(empty_moto)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.ready, what="ready")
        app.action_benchmark()
        await pilot.pause(0.3)
        form = app.screen
        sl = form.query_one("#strategies", SelectionList)
        sl.deselect_all()
        for name in ("sync", "aiohttp", "threads"):
            sl.select(name)
        form.query_one("#items", Input).value = "3000"  # still running while we look
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "BenchRunScreen", what="live view")
        live = app.screen
        for size in ((80, 24), (100, 30), (160, 48)):
            await pilot.resize_terminal(*size)
            await pilot.pause(0.4)
            shown = [c for c in live.query(".bench-chart, LatencyChart, ThroughputChart, HistogramChart") if c.display]
            latency = live.query_one("#latency-chart")
            assert latency.display and latency.region.height >= live.CHART_MIN, (size, latency.region)
            for chart in shown:
                if chart.region.height:
                    assert chart.region.height >= live.CHART_MIN, (size, chart.id, chart.region)
            assert live.query_one(KeyFooter).region.bottom == size[1]
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.3)
        # the running row at 80 columns: ETA and p99 stay (the rate is what gets cut)
        def running_line() -> str:
            rows = [r for r in live.query(StrategyProgress) if r.has_class("-running")]
            return screen_text(app).splitlines()[rows[0].region.y] if rows else ""

        await wait_for(pilot, lambda: "ETA" in running_line() and "p99" in running_line()
                       and " ms" in running_line(), what="ETA and p99 on the running row", timeout=60)
        await pilot.press("escape")
        await wait_for(pilot, lambda: live.state in ("finished", "cancelled", "failed"), what="stopped", timeout=60)
        # teardown race: the state changes before the engine process has exited; leaving the app
        # (and then stopping the module's moto engine) while it still runs raced with its exit
        import psutil

        def engine_gone() -> bool:
            h = live.handle
            if h is None:
                return True
            try:
                return h.done and psutil.Process(h.pid).status() == psutil.STATUS_ZOMBIE
            except psutil.NoSuchProcess:
                return h.done

        await wait_for(pilot, engine_gone, what="engine process exited", timeout=60)
