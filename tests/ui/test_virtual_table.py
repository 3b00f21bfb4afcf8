"""VirtualItemTable and ItemStore: rows drawn from compact bytes, only what is visible,
correct at any position (no timings: the benchmark measures those)."""

from __future__ import annotations

from decimal import Decimal

from textual.app import App, ComposeResult

from ddbtui.ui.widgets.virtual_table import ItemStore, VirtualItemTable, encode_item

N = 40_000


def _item(i: int) -> dict:
    it = {"pk": f"p{i:07d}", "n": Decimal(i) / 4, "b": b"\x00\xff", "ss": {"a", "b"}, "m": {"x": [1, None, True]}}
    if i % 3 == 0:
        it["extra"] = f"e{i}"
    return it


def test_store_round_trips_exactly_and_compactly():
    store = ItemStore()
    rng = store.append(encode_item(_item(i)) for i in range(1000))
    assert rng == range(1000) and len(store) == 1000 and store.live == 1000
    assert store[7] == _item(7) and store[999] == _item(999)
    store.replace(7, {"pk": "p0000007", "n": Decimal("1.10")})
    assert store[7] == {"pk": "p0000007", "n": Decimal("1.10")}
    assert store.delete(8) and not store.delete(8) and store[8] is None and store.live == 999
    assert [i for i, x in enumerate(store) if x is None] == [8]
    # bytes + 13 bytes of index per item: no per-item Python objects
    assert store.nbytes() < sum(len(encode_item(_item(i))) for i in range(1000)) + 1000 * 13 + 200


class _App(App):
    def compose(self) -> ComposeResult:
        self.store = ItemStore()
        self.store.append(encode_item(_item(i)) for i in range(N))
        self.marked: set[int] = {5}
        t = VirtualItemTable(self.store, marked=self.marked.__contains__, id="t")
        yield t


def _lines(app: App) -> list[str]:
    t = app.query_one(VirtualItemTable)
    return [t.render_line(y).text for y in range(t.scrollable_content_region.height)]


async def test_virtual_table_renders_visible_rows_at_any_position():
    app = _App()
    async with app.run_test(size=(80, 24)) as pilot:
        t = app.query_one(VirtualItemTable)
        t.add_column("pk", 8)
        t.add_column("n", 8)
        t.add_rows(range(N))
        t.focus()
        await pilot.pause()
        lines = _lines(app)
        assert lines[0].split() == ["pk", "n"]
        assert lines[1].split() == ["p0000000", "0"] and lines[6].split() == ["●", "p0000005", "1.25"]
        # column set grows: rows without the attribute show the missing mark
        t.add_column("extra", 8)
        await pilot.pause()
        lines = _lines(app)
        assert lines[0].split() == ["pk", "n", "extra"]
        assert lines[1].split()[-1] == "e0" and lines[2].split()[-1] == "·"
        rendered_before = len(t._line_cache)
        await pilot.press("end")
        await pilot.pause()
        assert t.cursor_row == N - 1 and t.cursor_item == N - 1
        lines = _lines(app)
        last = [ln for ln in lines if ln.strip()][-1]
        assert last.split()[0] == f"p{N - 1:07d}"
        # only the visible rows were formatted, never the 40,000 in between
        assert len(t._line_cache) <= rendered_before + t.scrollable_content_region.height
        await pilot.press("pageup", "up")
        await pilot.pause()
        page = t.scrollable_content_region.height - 1
        assert t.cursor_row == N - 1 - page - 1
        t.move_cursor(row=23_456)
        await pilot.pause()
        assert any(ln.split()[:1] == ["p0023456"] for ln in _lines(app))
        # deleting rows keeps the cursor on its item; get_row_index follows
        t.store.delete(10)
        t.remove_items([10])
        assert t.row_count == N - 1 and t.cursor_item == 23_456 and t.get_row_index("11") == 10
        app.marked.add(23_456)
        t.refresh_item(23_456)
        await pilot.pause()
        assert any(ln.split()[:2] == ["●", "p0023456"] for ln in _lines(app))
