"""Snapshot baselines (pytest-textual-snapshot `snap_compare`) of every screen at 80x24 and
160x48, on a moto engine of their own (no Java). Baselines: tests/ui/__snapshots__/.

An intended UI change: `pytest tests/ui/test_snapshots.py --snapshot-update`, look at the
new SVGs (the failure report is snapshot_report.html), commit them with the change.

Values that differ per run are normalised before comparing (same length, so the layout
is compared whole): the engine's port, dates and times, UUIDs.
"""

from __future__ import annotations

import re

import pytest
import pytest_textual_snapshot
from textual.widgets import DataTable, Input

from ddbtui.dynamo import tables as t
from ddbtui.dynamo import wallet as w
from ddbtui.local.engine import LocalEngine
from tests.conftest import connection_for

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]

_VOLATILE = [
    (re.compile(r"127\.0\.0\.1:\d{5}"), "127.0.0.1:00000"),  # ephemeral ports have 5 digits
    # a date and time ("T", a space, or the SVG's &#160; between them)
    (re.compile(r"\d{4}-\d\d-\d\d(T| |&#160;)\d\d:\d\d:\d\d"), r"2000-01-01\g<1>00:00:00"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
     "00000000-0000-0000-0000-000000000000"),
]
_plugin_normalize = pytest_textual_snapshot.normalize_svg


def _normalize(svg: str) -> str:
    svg = _plugin_normalize(svg)
    for rx, repl in _VOLATILE:
        svg = rx.sub(repl, svg)
    return svg


# the plugin's public normalisation hook (module function used by its SVG extension)
pytest_textual_snapshot.normalize_svg = _normalize


@pytest.fixture(scope="module")
def snap_engine():
    eng = LocalEngine(engine="moto", in_memory=True)
    eng.start()
    yield eng
    eng.stop()


@pytest.fixture(scope="module")
def wallets_engine():
    """A second engine holding exactly one seeded wallet table (deterministic seed)."""
    from ddbtui.dynamo.clients import client_for

    eng = LocalEngine(engine="moto", in_memory=True)
    eng.start()
    client = client_for(connection_for(eng))
    t.create_table(client, t.wallet_spec("wallets"), wait=True)
    w.seed_wallets(client, "wallets", 40, seed=7)
    yield eng
    eng.stop()


async def steady(pilot) -> None:
    """Text cursors stop blinking (a blink in the picture is not a change of the UI)."""
    from textual.widgets import TextArea

    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    for widget in pilot.app.screen.query(TextArea):
        widget.cursor_blink = False
    await pilot.pause(0.1)


def compare(snap_compare, app, size, run) -> bool:
    async def run_then_steady(pilot):
        await run(pilot)
        await steady(pilot)

    return snap_compare(app, terminal_size=size, run_before=run_then_steady)


def make_app(eng):
    from ddbtui.ui.app import DdbApp

    return DdbApp(connection=connection_for(eng))


async def settle(pilot, predicate, tries: int = 300) -> None:
    for _ in range(tries):
        await pilot.pause(0.05)
        if predicate():
            break
    await pilot.pause(0.2)


async def tables_ready(pilot) -> None:
    app = pilot.app
    await settle(pilot, lambda: app.ready and getattr(app.screen, "_loaded", False)
                 and all(v is not None for v in app.screen._infos.values()))


async def open_wallets(pilot) -> None:
    await tables_ready(pilot)
    pilot.app.open_table("wallets")
    await settle(pilot, lambda: getattr(pilot.app.screen, "live", 0) == 40 and not pilot.app.screen._loading)


@pytest.mark.parametrize("size", SIZES)
def test_tables_getting_started(snap_compare, snap_engine, size):
    assert compare(snap_compare, make_app(snap_engine), size, tables_ready)


@pytest.mark.parametrize("size", SIZES)
def test_tables_list(snap_compare, wallets_engine, size):
    assert compare(snap_compare, make_app(wallets_engine), size, tables_ready)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, wallets_engine, size):
    async def run(pilot):
        await tables_ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.2)

    assert compare(snap_compare, make_app(wallets_engine), size, run)


@pytest.mark.parametrize("size", SIZES)
def test_create_table_form(snap_compare, wallets_engine, size):
    async def run(pilot):
        await tables_ready(pilot)
        await pilot.press("c")
        await pilot.pause(0.2)
        await pilot.press("f2")
        await pilot.pause(0.2)
        pilot.app.clear_notifications()
        await pilot.pause(0.1)

    assert compare(snap_compare, make_app(wallets_engine), size, run)


@pytest.mark.parametrize("size", SIZES)
def test_confirm_delete_table(snap_compare, wallets_engine, size):
    async def run(pilot):
        await tables_ready(pilot)
        await pilot.press("x")
        await pilot.pause(0.2)

    assert compare(snap_compare, make_app(wallets_engine), size, run)


@pytest.mark.parametrize("size", SIZES)
def test_describe(snap_compare, wallets_engine, size):
    async def run(pilot):
        await tables_ready(pilot)
        await pilot.press("d")
        await settle(pilot, lambda: getattr(pilot.app.screen, "info", None) is not None)

    assert compare(snap_compare, make_app(wallets_engine), size, run)


@pytest.mark.parametrize("size", SIZES)
def test_items(snap_compare, wallets_engine, size):
    assert compare(snap_compare, make_app(wallets_engine), size, open_wallets)


@pytest.mark.parametrize("size", SIZES)
def test_query_form(snap_compare, wallets_engine, size):
    async def run(pilot):
        await open_wallets(pilot)
        await pilot.press("slash")
        await pilot.pause(0.3)

    assert compare(snap_compare, make_app(wallets_engine), size, run)


@pytest.mark.parametrize("size", SIZES)
def test_export_form(snap_compare, wallets_engine, size):
    async def run(pilot):
        await open_wallets(pilot)
        await pilot.press("ctrl+e")
        await pilot.pause(0.3)
        pilot.app.screen.query_one("#path", Input).value = "wallets.jsonl"  # default has the time
        await pilot.pause(0.1)

    assert compare(snap_compare, make_app(wallets_engine), size, run)


@pytest.mark.parametrize("size", SIZES)
def test_progress_dialog(snap_compare, wallets_engine, size):
    from ddbtui.ui.widgets.progress import ProgressScreen, ProgressTracker

    class Clock:  # a fixed clock: 10 s after the start
        now = 100.0

        def __call__(self) -> float:
            return self.now

    async def run(pilot):
        await open_wallets(pilot)
        clock = Clock()
        tracker = ProgressTracker(total=5000, unit="items", verb="deleted", clock=clock)
        clock.now += 10.0
        tracker.advance(1250)
        await pilot.app.push_screen(ProgressScreen("Deleting 5,000 items from wallets", tracker))
        await pilot.pause(0.4)

    assert compare(snap_compare, make_app(wallets_engine), size, run)


@pytest.mark.parametrize("size", SIZES)
def test_bench_form(snap_compare, snap_engine, size):
    async def run(pilot):
        await tables_ready(pilot)
        pilot.app.action_benchmark()
        await pilot.pause(0.4)

    assert compare(snap_compare, make_app(snap_engine), size, run)


def _results_doc():
    from tests.ui.test_status_lines import _doc

    doc = _doc({"aiohttp": [(1.0, True), (1.1, True)], "threads": [(3.0, True), (3.3, True)]})
    doc["id"] = "snapshot"
    doc.setdefault("machine", {})["cpu_count"] = 2
    return doc


@pytest.mark.parametrize("size", SIZES)
def test_bench_results(snap_compare, snap_engine, size):
    from ddbtui.ui.screens.bench_results import BenchResultsScreen

    async def run(pilot):
        await tables_ready(pilot)
        await pilot.app.push_screen(BenchResultsScreen(_results_doc()))
        await pilot.pause(0.3)

    assert compare(snap_compare, make_app(snap_engine), size, run)


@pytest.mark.parametrize("size", SIZES)
def test_bench_history(snap_compare, snap_engine, size, tmp_path):
    from ddbtui.bench import results
    from ddbtui.ui.screens.bench_history import BenchHistoryScreen

    results.save(_results_doc(), tmp_path)

    async def run(pilot):
        await tables_ready(pilot)
        screen = BenchHistoryScreen(str(tmp_path))
        await pilot.app.push_screen(screen)
        await settle(pilot, lambda: screen.query_one("#history", DataTable).row_count == 1)
        screen.query_one("#export-path", Input).value = "compare"  # default has the time
        await pilot.pause(0.2)

    assert compare(snap_compare, make_app(snap_engine), size, run)
