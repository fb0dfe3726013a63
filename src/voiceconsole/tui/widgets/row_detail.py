"""The line under a list that shows the highlighted row's cut cells in full.

A list's columns give way when the terminal is narrow (`fit_widths`); what they cut is
here, "Name: Northwind Wellington Place, Leeds". It takes room only while the list cuts
some row, and it is kept while the cursor moves; it grows (to three lines at most) when a
row's cut text needs more than one.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static


class RowDetail(Static):
    DEFAULT_CSS = """
    RowDetail { height: auto; max-height: 3; padding: 0 1; display: none; }
    RowDetail.-shown { display: block; }
    """

    def __init__(self, table_id: str, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.table_id = table_id
        self._said: tuple[str, bool] | None = None

    def on_mount(self) -> None:
        table = self.screen.query_one(f"#{self.table_id}")
        table.detail = self  # type: ignore[attr-defined]
        self.show(table)

    def show(self, table: Any) -> None:
        text = Text()
        for label, full in table.cut_cells():
            if text:
                text.append(" · ")
            text.append(f"{label}: ", style="bold")
            text.append_text(full)
        said = (text.plain, table.cuts())
        if said == self._said:
            return  # unchanged: no new layout on every cursor move or keystroke
        self._said = said
        self.update(text)
        self.set_class(said[1], "-shown")
