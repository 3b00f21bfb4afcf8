"""Status lines say what happened (#14): a failed query, "more available" only when more
is there, results that never crown a cancelled run, no range for a single repeat; and the
progress dialog of long operations (load all, batch delete, export) with cancel."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from textual.widgets import DataTable, Input, Select

from ddbtui.dynamo import items as it
from ddbtui.dynamo import tables as t
from tests.ui.conftest import notifications, screen_text, wait_for

SIZE = (80, 24)


def screen_name(app) -> str:
    return type(app.screen).__name__


async def open_items(pilot, app, name: str):
    await wait_for(pilot, lambda: app.ready, what="ready")
    dt = app.screen.query_one("#tables", DataTable)
    await wait_for(pilot, lambda: name in [str(k.value) for k in dt.rows], what=f"{name} listed")
    dt.move_cursor(row=dt.get_row_index(name))
    dt.focus()
    await pilot.press("enter")
    await pilot.pause()
    items = app.screen
    await wait_for(pilot, lambda: items.info is not None and not items._loading, what="first page")
    return items


def numbered_table(client, name: str, n: int) -> None:
    t.create_table(client, t.TableSpec(name, t.KeySpec("pk", "S"), t.KeySpec("sk", "N")), wait=True)
    it.batch_put(client, name, [{"pk": "a", "sk": Decimal(i), "note": f"n{i}"} for i in range(n)])


@pytest.mark.dynamodb_local
async def test_failed_query_says_query_failed(make_app, ui_client, ui_table_name):
    """DynamoDB refuses BETWEEN 8 AND 3; the status line used to say '0 items loaded (all loaded)'."""
    numbered_table(ui_client, ui_table_name, 20)
    try:
        app = make_app()
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            items = await open_items(pilot, app, ui_table_name)
            await pilot.press("slash")
            await pilot.pause()
            q = app.screen
            q.query_one("#pk_value", Input).value = "a"
            q.query_one("#sk_op", Select).value = "BETWEEN"
            await pilot.pause()
            q.query_one("#sk_value", Input).value = "8"
            q.query_one("#sk_value2", Input).value = "3"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: screen_name(app) == "ItemsScreen" and items.query_spec is not None
                           and not items._loading, what="query ran")
            await wait_for(pilot, lambda: "failed" in items.status_text, what="failure shown")
            status = items.status_text
            assert status.startswith("query failed: ") and "BETWEEN" in status, status
            assert "all loaded" not in status and "0 items loaded" not in status
            assert "query failed" in screen_text(app)
            # a good query afterwards clears it
            await pilot.press("slash")
            await pilot.pause()
            app.screen.query_one("#sk_value2", Input).value = "12"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: items.live == 5 and not items._loading, what="good query")
            assert "failed" not in items.status_text and "5 items loaded (all loaded)" in items.status_text
    finally:
        t.delete_table(ui_client, ui_table_name)


@pytest.mark.dynamodb_local
async def test_exactly_one_page_is_all_loaded(make_app, ui_client, ui_table_name):
    """DynamoDB returns LastEvaluatedKey when the Limit (100) is reached even if nothing follows."""
    numbered_table(ui_client, ui_table_name, 100)
    try:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            items = await open_items(pilot, app, ui_table_name)
            assert items.live == 100
            assert "100 items loaded (all loaded)" in items.status_text, items.status_text
            it.put_item(ui_client, ui_table_name, {"pk": "a", "sk": Decimal(100)})
            await pilot.press("r")
            await wait_for(pilot, lambda: items.live == 100 and not items._loading, what="rescan")
            assert "100 items loaded (more available)" in items.status_text, items.status_text
    finally:
        t.delete_table(ui_client, ui_table_name)


def _doc(strategies: dict[str, list[tuple[float, bool]]]):
    """A result document: per strategy, (wall seconds, complete) per repeat."""
    from ddbtui.bench import results
    from ddbtui.config import Connection
    from tests.unit.test_bench_results import fake_run

    conn = Connection(region="us-east-1").with_endpoint("http://127.0.0.1:8000", engine="dynamodb-local")
    repeat = max(len(v) for v in strategies.values())
    doc = results.new_document({"strategies": list(strategies), "items": 100, "concurrency": 4, "repeat": repeat,
                                "workload": "books", "item_bytes": 0, "table": None, "keep_table": False,
                                "force": False, "retry_mode": "standard", "max_attempts": None, "seed": 1,
                                "processes": 0}, results.target_info(conn))
    for name, runs in strategies.items():
        for i, (wall, complete) in enumerate(runs):
            r = fake_run(name, i + 1, wall)
            r["complete"] = complete
            doc["runs"].append(r)
    return results.finish(doc, complete=all(c for v in strategies.values() for _, c in v))


async def test_results_never_crown_a_cancelled_run_and_one_repeat_has_no_range():
    from ddbtui.bench import report
    from ddbtui.ui.app import DdbApp
    from ddbtui.ui.screens.bench_results import BenchResultsScreen

    one_cancelled = _doc({"threads": [(5.549, False)]})
    assert report.rows(one_cancelled)[0][4] == "-"  # one repeat: no "5.549 s … 5.549 s"
    assert not any("Range" in line for line in report.hyperfine_lines(one_cancelled))
    app = DdbApp()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(BenchResultsScreen(one_cancelled))
        await pilot.pause()
        text = screen_text(app)
        assert "★" not in text and "fastest" not in text
        assert "5.549 s … 5.549 s" not in text
        # two strategies, the quicker one cancelled: the complete one is not "fastest" either
        # (nothing comparable), and the cancelled one is never crowned
        mixed = _doc({"a": [(1.0, False)], "b": [(4.0, True)]})
        await app.push_screen(BenchResultsScreen(mixed))
        await pilot.pause()
        assert app.screen.fastest is None and "★" not in screen_text(app)
        both = _doc({"a": [(1.0, True), (1.2, True)], "b": [(4.0, True), (4.4, True)]})
        await app.push_screen(BenchResultsScreen(both))
        await pilot.pause()
        assert app.screen.fastest == "a"
        assert "1.000 s … 1.200 s" in " ".join(report.rows(both)[0])


@pytest.mark.dynamodb_local
async def test_describe_raw_json_does_not_claim_empty_tags(make_app, ui_client, ui_table_name):
    """DynamoDB Local has no tagging: the readable view says so, and the raw JSON used to show
    "Tags": [] (an empty answer that never came)."""
    import json

    numbered_table(ui_client, ui_table_name, 1)
    try:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.ready, what="ready")
            from ddbtui.ui.screens.describe import DescribeScreen, raw_json

            await app.push_screen(DescribeScreen(ui_table_name))
            screen = app.screen
            await wait_for(pilot, lambda: screen.info is not None, what="described")
            assert screen.info.tags_note  # this engine has no tags
            assert "not available" in screen.readable_text()
            doc = json.loads(raw_json(screen.info))
            assert "Tags" not in doc, doc.get("Tags")
            assert screen.info.tags_note in doc["ListTagsOfResource"]["not available"]
    finally:
        t.delete_table(ui_client, ui_table_name)


async def test_batch_delete_shows_progress_and_stops_between_chunks(make_app, ui_client, ui_table_name,
                                                                     monkeypatch):
    """300 selected items, a slow network (0.2 s per BatchWriteItem, a fault): the dialog
    shows progress; escape stops after the current chunk of 25; the rows that went are gone,
    the rest are still in the table and on screen."""
    import ddbtui.ui.widgets.progress as progress

    monkeypatch.setattr(progress, "SHOW_AFTER_S", 0.0)
    numbered_table(ui_client, ui_table_name, 300)
    try:
        app = make_app()
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            items = await open_items(pilot, app, ui_table_name)
            await pilot.press("A")
            await wait_for(pilot, lambda: items.live == 300 and not items._loading, what="all loaded")
            await wait_for(pilot, lambda: screen_name(app) == "ItemsScreen", what="progress closed")
            client = app.client()
            real = client.batch_write_item

            def slow(**kw):  # the fault: a slow link
                time.sleep(0.2)
                return real(**kw)

            monkeypatch.setattr(client, "batch_write_item", slow)
            items.selected = set(range(300))
            await pilot.press("x")
            await pilot.pause()
            assert screen_name(app) == "ConfirmScreen"
            await pilot.press("enter")
            await wait_for(pilot, lambda: screen_name(app) == "ProgressScreen", what="progress dialog")
            tracker = items.delete_tracker
            await wait_for(pilot, lambda: tracker.done >= 25, what="first chunk")
            assert "items deleted" in screen_text(app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: tracker.finished and screen_name(app) == "ItemsScreen", what="stopped")
            await wait_for(pilot, lambda: any("Stopped: deleted" in m for m in notifications(app)), what="notice")
            monkeypatch.setattr(client, "batch_write_item", real)
            left = len(it.scan_page(ui_client, ui_table_name, limit=1000).items)
            assert 0 < left < 300 and left % 25 == 0
            assert items.live == left and items.data_table.row_count == left
            assert any(f"deleted {300 - left:,} of 300" in m for m in notifications(app))
    finally:
        t.delete_table(ui_client, ui_table_name)


def test_export_stopped_writes_nothing(tmp_path):
    from ddbtui.dynamo.export import ExportCancelled, export_items

    rows = [{"pk": "a", "sk": Decimal(i)} for i in range(2000)]
    seen: list[int] = []
    with pytest.raises(ExportCancelled):
        export_items(rows, tmp_path / "out.jsonl", on_progress=seen.append, should_stop=lambda: sum(seen) >= 1000)
    assert list(tmp_path.iterdir()) == []  # neither the file nor its .part
    done: list[int] = []
    res = export_items(rows, tmp_path / "out.csv", on_progress=done.append)
    assert res.count == 2000 and sum(done) == 2000
