"""A virtual items table for very many rows: only the visible lines are rendered.

Built like toolong's log view (a `ScrollView` on Textual's line API): the virtual height is
the row count, `render_line(y)` formats row `scroll_y + y` when it is asked for, and an LRU
cache keeps the strips of recently seen rows. Nothing per row exists as a widget, a cell
object or a styled string; a jump to row 900,000 renders the same ~24 lines as row 0.

Items live in an `ItemStore`: compact DynamoDB JSON bytes in one buffer (offset and length
arrays beside it), decoded when a row is drawn or an item is asked for. A row of the table
is an item index (`array('I')`, ascending), so deleted items simply leave the row list.

Surface (what the items screen and its tests use; named like DataTable's):
`row_count`, `cursor_row`, `move_cursor(row=)`, `get_row_index(key)` (key = str(item
index)), `cursor_item`, `add_column(name, width)`, `add_rows(indexes)`, `remove_items(...)`,
`refresh_item(idx)`, `clear()`; messages `RowHighlighted` and `RowSelected` (enter, or a
click on the cursor row).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ddbtui.dynamo import codec

MISSING = "·"
_ABSENT = object()


def _fit(text: str, width: int) -> str:
    """text padded or cut to exactly `width` cells (ASCII fast path; wide characters counted)."""
    if text.isascii() and text.isprintable():
        return text[:width].ljust(width)
    return set_cell_size(text.replace("\n", " ").replace("\t", " "), width)


# ------------------------------------------------------------------------ store
def encode_item(item: dict[str, Any]) -> bytes:
    """Plain item -> compact DynamoDB JSON bytes (exact numbers, binary as base64)."""
    return codec.item_to_ddb_bytes(item)


class ItemStore:
    """Items as DynamoDB JSON bytes in one growing buffer; index -> item decoded on demand.

    Per item: its bytes, 8 + 4 bytes of offset and length, 1 byte alive flag. `store[i]` is
    the plain item (None once deleted); iteration decodes every slot in order.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._start = array("Q")
        self._len = array("I")
        self._alive = bytearray()
        self.live = 0

    def __len__(self) -> int:
        return len(self._start)

    def append(self, blobs: Iterable[bytes]) -> range:
        """Add encoded items; the range of their indexes."""
        first = len(self._start)
        buf, start, ln = self._buf, self._start, self._len
        n = 0
        for b in blobs:
            start.append(len(buf))
            ln.append(len(b))
            buf += b
            n += 1
        self._alive.extend(b"\x01" * n)
        self.live += n
        return range(first, first + n)

    def raw(self, idx: int) -> bytes | None:
        if not self._alive[idx]:
            return None
        s = self._start[idx]
        return bytes(self._buf[s:s + self._len[idx]])

    def __getitem__(self, idx: int) -> dict[str, Any] | None:
        raw = self.raw(idx)
        return None if raw is None else codec.ddb_bytes_to_item(raw)

    def __iter__(self) -> Iterator[dict[str, Any] | None]:
        for i in range(len(self._start)):
            yield self[i]

    def alive(self, idx: int) -> bool:
        return bool(self._alive[idx])

    def replace(self, idx: int, item: dict[str, Any]) -> None:
        """Store a new version of item idx (its old bytes stay in the buffer, unreferenced)."""
        b = encode_item(item)
        self._start[idx] = len(self._buf)
        self._len[idx] = len(b)
        self._buf += b
        if not self._alive[idx]:
            self._alive[idx] = 1
            self.live += 1

    def delete(self, idx: int) -> bool:
        if not self._alive[idx]:
            return False
        self._alive[idx] = 0
        self.live -= 1
        return True

    def nbytes(self) -> int:
        """Bytes held (buffer + index arrays), for the status line and benchmarks."""
        return (len(self._buf) + self._start.itemsize * len(self._start)
                + self._len.itemsize * len(self._len) + len(self._alive))


# ------------------------------------------------------------------------ table
@dataclass
class Column:
    name: str
    width: int


class VirtualItemTable(ScrollView, can_focus=True):
    """Rows of an ItemStore, one line each, a sticky header line, a row cursor."""

    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first", "First", show=False),
        Binding("end,ctrl+end", "last", "Last", show=False),
        Binding("left", "scroll_left", "Left", show=False),
        Binding("right", "scroll_right", "Right", show=False),
        Binding("enter", "select_cursor", "Select", show=False),
    ]
    COMPONENT_CLASSES = {"virtual-table--header", "virtual-table--cursor", "virtual-table--even-row",
                         "virtual-table--missing"}
    DEFAULT_CSS = """
    VirtualItemTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        &:focus {
            background-tint: $foreground 5%;
            & > .virtual-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .virtual-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .virtual-table--even-row { background: $surface-lighten-1 50%; }
        &:dark > .virtual-table--even-row { background: $surface-darken-1 40%; }
        & > .virtual-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .virtual-table--missing { color: $text-muted; }
    }
    """

    cursor_row: reactive[int] = reactive(0, always_update=False, init=False)

    class RowHighlighted(Message):
        def __init__(self, table: VirtualItemTable, row: int, item_index: int) -> None:
            super().__init__()
            self.table = table
            self.cursor_row = row
            self.item_index = item_index

        @property
        def control(self) -> VirtualItemTable:
            return self.table

    class RowSelected(RowHighlighted):
        pass

    def __init__(self, store: ItemStore | None = None, *, marked: Callable[[int], bool] | None = None,
                 cell: Callable[[Any], str] | None = None, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.store = store or ItemStore()
        self.marked = marked or (lambda idx: False)
        self.cell = cell or (lambda v: codec.display(v, 40))
        self.columns: list[Column] = []
        self._rows = array("I")
        self._line_cache: LRUCache[tuple, Strip] = LRUCache(maxsize=512)
        self._header: Strip | None = None
        self._style_cache: tuple[Style, Style, Style, Style, Style] | None = None
        self._width = 3  # the " ● " mark column

    # ----------------------------------------------------------------- data
    @property
    def row_count(self) -> int:
        return len(self._rows)

    def clear(self, store: ItemStore | None = None) -> None:
        """Forget rows and columns (optionally switch to a new store)."""
        if store is not None:
            self.store = store
        self._rows = array("I")
        self.columns = []
        self._width = 3
        self._invalidate()
        self.cursor_row = 0
        self._update_virtual_size()
        self.scroll_to(0, 0, animate=False, immediate=True)

    def add_column(self, name: str, width: int) -> None:
        """Append a column (existing rows show `·` where they lack it)."""
        self.columns.append(Column(name, max(1, width)))
        self._width += width + 2
        self._invalidate()
        self._update_virtual_size()

    def add_rows(self, indexes: Iterable[int]) -> None:
        """Show these item indexes (ascending, after every index already shown)."""
        was = len(self._rows)
        self._rows.extend(indexes)
        self._update_virtual_size()
        if was == 0 and self._rows:
            self._post_highlight()
        self.refresh()

    def remove_items(self, indexes: Iterable[int]) -> None:
        gone = set(indexes)
        if not gone:
            return
        cursor_idx = self.cursor_item
        self._rows = array("I", (i for i in self._rows if i not in gone))
        for idx in gone:
            self.refresh_item(idx)
        self._update_virtual_size()
        # the cursor stays on the same item, or on the row that took the removed one's place
        if cursor_idx is not None and cursor_idx not in gone:
            row = self.get_row_index(str(cursor_idx))
        else:
            row = min(self.cursor_row, max(0, len(self._rows) - 1))
        self.move_cursor(row=row)
        self.refresh()

    def refresh_item(self, idx: int) -> None:
        """Item idx changed (edited, marked): draw its row again."""
        for key in [k for k in self._line_cache.keys() if k[0] == idx]:  # noqa: SIM118 (LRUCache)
            self._line_cache.discard(key)
        self.refresh()

    def item_at(self, row: int) -> int | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    @property
    def cursor_item(self) -> int | None:
        """The item index under the cursor (None when there are no rows)."""
        return self.item_at(self.cursor_row)

    def get_row_index(self, key: str | int) -> int:
        """Row of item index `key` (DataTable's name); KeyError when it is not shown."""
        idx = int(key)
        row = bisect_left(self._rows, idx)
        if row < len(self._rows) and self._rows[row] == idx:
            return row
        raise KeyError(key)

    # --------------------------------------------------------------- cursor
    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def move_cursor(self, *, row: int | None = None, scroll: bool = True) -> None:
        if row is None:
            return
        n = len(self._rows)
        row = max(0, min(row, n - 1)) if n else 0
        old = self.cursor_row
        self.cursor_row = row
        if scroll:
            self._scroll_to_cursor()
        if row != old:
            self._post_highlight()
        self.refresh()

    def _post_highlight(self) -> None:
        idx = self.cursor_item
        if idx is not None:
            self.post_message(self.RowHighlighted(self, self.cursor_row, idx))

    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_y)
        page = self._page
        row = self.cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + page:
            self.scroll_to(y=row - page + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(row=self.cursor_row - self._page)

    def action_page_down(self) -> None:
        self.move_cursor(row=self.cursor_row + self._page)

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self._rows) - 1)

    def action_select_cursor(self) -> None:
        idx = self.cursor_item
        if idx is not None:
            self.post_message(self.RowSelected(self, self.cursor_row, idx))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        row = int(self.scroll_y) + offset.y - 1
        if row >= len(self._rows):
            return
        if row == self.cursor_row:
            self.action_select_cursor()
        else:
            self.move_cursor(row=row, scroll=False)

    # -------------------------------------------------------------- drawing
    def _invalidate(self) -> None:
        self._line_cache.clear()
        self._header = None
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line_cache.clear()
        self._header = None
        self._style_cache = None

    def _on_focus(self, event: events.Focus) -> None:
        self._line_cache.clear()
        self._style_cache = None

    def _on_blur(self, event: events.Blur) -> None:
        self._line_cache.clear()
        self._style_cache = None

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self._width, len(self._rows) + 1)

    def _styles(self) -> tuple[Style, Style, Style, Style, Style]:
        """(base, header, even row, cursor, missing): looked up once per style change."""
        st = self._style_cache
        if st is None:
            st = self._style_cache = (
                self.rich_style, self.get_component_rich_style("virtual-table--header"),
                self.get_component_rich_style("virtual-table--even-row"),
                self.get_component_rich_style("virtual-table--cursor"),
                self.get_component_rich_style("virtual-table--missing", partial=True))
        return st

    def _header_strip(self) -> Strip:
        if self._header is None:
            base, header, *_ = self._styles()
            parts = ["   "] + [" " + _fit(c.name, c.width) + " " for c in self.columns]
            self._header = Strip([Segment("".join(parts), base + header)], self._width)
        return self._header

    def _row_strip(self, row: int) -> Strip:
        idx = self._rows[row]
        cursor = row == self.cursor_row
        mark = self.marked(idx)
        key = (idx, cursor, row % 2, mark)
        strip = self._line_cache.get(key)
        if strip is not None:
            return strip
        base, _, even, cur, missing = self._styles()
        style = base
        if row % 2:
            style = style + even
        if cursor:
            style = style + cur
        item = self.store[idx] or {}
        cell = self.cell
        # runs of present cells share one segment; a missing cell gets the dim style
        segs: list[Segment] = []
        run = [" ● " if mark else "   "]
        for c in self.columns:
            v = item.get(c.name, _ABSENT)
            if v is _ABSENT:
                segs.append(Segment("".join(run), style))
                segs.append(Segment(" " + _fit(MISSING, c.width) + " ", style + missing))
                run = []
            else:
                run.append(" " + _fit(cell(v), c.width) + " ")
        if run:
            segs.append(Segment("".join(run), style))
        strip = Strip(segs, self._width)
        self._line_cache[key] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self._styles()[0]
        if y == 0:
            strip = self._header_strip()
        else:
            row = scroll_y + y - 1
            if row >= len(self._rows):
                return Strip.blank(width, base)
            strip = self._row_strip(row)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def watch_cursor_row(self, old: int, new: int) -> None:
        self.refresh()
