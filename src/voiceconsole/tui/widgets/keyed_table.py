"""A DataTable of whole rows keyed by a name (a switch, an occupier), filled again on every
refresh with the cursor kept on the same key: what the small list-and-detail screens share."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import DataTable

Column = str | tuple[str, int]  # a label, or a label and a width


def add_columns(table: DataTable, columns: Iterable[Column]) -> None:
    for column in columns:
        label, width = column if isinstance(column, tuple) else (column, None)
        table.add_column(label, width=width)


def highlighted_key(table: DataTable) -> str | None:
    if not table.row_count:
        return None
    row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
    return None if row_key.value is None else str(row_key.value)


def refill(table: DataTable, rows: Iterable[tuple[str, tuple[Text, ...]]]) -> None:
    """Replace the rows, keeping the cursor on the key it was on if that row is still there."""
    keep = highlighted_key(table)
    table.clear()
    keys = set()
    for key, cells in rows:
        table.add_row(*cells, key=key)
        keys.add(key)
    if keep in keys:
        table.move_cursor(row=table.get_row_index(keep))
