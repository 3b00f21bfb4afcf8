"""A DataTable tuned for very many one-line rows in fixed-width columns.

The stock DataTable measures every new cell and rebuilds a per-line offset list of all rows
after each batch, so adding the 100th page of 1,000 items costs the same as re-laying out
100,000 rows. With fixed column widths and one-line rows neither is needed: the virtual
height is the row count, and line y is row y. Anything else falls back to DataTable.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.geometry import Size
from textual.widgets import DataTable


class _RowOffsets(Sequence):
    """(row key, line within the row) for each line, computed on demand (all rows 1 line)."""

    def __init__(self, table: "ItemTable") -> None:
        self._table = table

    def __len__(self) -> int:
        return self._table.row_count

    def __getitem__(self, y):  # type: ignore[override]
        if isinstance(y, slice):
            return [self[i] for i in range(*y.indices(len(self)))]
        if y < 0:
            y += len(self)
        if not 0 <= y < len(self):
            raise IndexError(y)
        return self._table._row_locations.get_key(y), 0

    def clear(self) -> None:  # DataTable.clear() clears its offsets list
        pass


class ItemTable(DataTable):
    """Use `add_column(..., width=N)` for every column and one-line rows (the default)."""

    def _simple(self) -> bool:
        # ItemsScreen adds every row with the default height of 1 line
        return not any(c.auto_width for c in self.columns.values()) and not self._labelled_row_exists

    @property
    def _y_offsets(self):  # type: ignore[override]
        if self._simple():
            return _RowOffsets(self)
        return DataTable._y_offsets.fget(self)  # type: ignore[attr-defined]

    def _update_dimensions(self, new_rows) -> None:
        if not self._simple():
            return super()._update_dimensions(new_rows)
        width = sum(c.get_render_width(self) for c in self.columns.values()) + self._row_label_column_width
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(width, self.row_count + header)
