"""A table that loads its rows a page at a time (keyset paging), as the cursor nears the end.

Lists here can hold a million numbers; a `DataTable` holding them all would take seconds to
fill and megabytes to keep. The loader is given the key of the last row it returned and a
page size, and answers with the next rows in order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable

from voiceconsole.tui.work import call_service

Row = tuple[str, Sequence[Any]]  # (key, cells)
Loader = Callable[[str | None, int], Awaitable[list[Row]]]


class PagedTable(DataTable[Any]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="list.open"),
    ]
    PAGE_SIZE = 50
    # Load the next page when the cursor comes this close to the last loaded row.
    LOOKAHEAD = 10

    class Loaded(Message):
        """A page arrived (tests and the benchmark wait for this)."""

        def __init__(self, table: PagedTable, rows: int) -> None:
            super().__init__()
            self.table = table
            self.rows = rows

    def __init__(
        self,
        columns: Sequence[str | tuple[str, int]],
        loader: Loader,
        *,
        page_size: int | None = None,
        opens: bool = False,
        **kwargs: Any,
    ) -> None:
        """`opens`: Enter on a row opens it (the screen handles `RowSelected`), so the footer
        offers "Open"; other lists do not show the key."""
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.opens = opens
        self._columns = columns
        self.loader = loader
        self.page_size = page_size or self.PAGE_SIZE
        self._last_key: str | None = None
        self._exhausted = False
        self._loading = False
        self._generation = 0
        self._select_when_loaded = False
        self._stale = False  # reloaded while hidden: load when shown
        self._restore_key: str | None = None  # the row to put the cursor back on

    def on_mount(self) -> None:
        for column in self._columns:
            # A column is a label, or (label, width) to keep long names from pushing the
            # figures off an 80-column terminal.
            label, width = column if isinstance(column, tuple) else (column, None)
            self.add_column(label, width=width)

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def reload(self, *, keep_cursor: bool = False) -> None:
        """Start again from the first page (after a filter changed or data was written).

        The old rows go at once: a fast typist's Enter must not open a row the new filter
        no longer shows. An Enter while the page loads opens its first row when it comes.
        """
        self._restore_key = self.selected_key if keep_cursor else None
        self.clear()
        self._generation += 1
        if not self._shown():
            # On a tab not shown yet: load when it is shown (a screen opens faster).
            self._stale = True
            return
        self._stale = False
        self._last_key = None
        self._exhausted = False
        self._loading = False
        self._select_when_loaded = False
        self._load(clear=True)

    def _load(self, *, clear: bool = False) -> None:
        if self._loading or (self._exhausted and not clear):
            return
        self._loading = True
        generation, after = self._generation, self._last_key

        def arrived(rows: list[Row]) -> None:
            if generation != self._generation:
                return  # a reload overtook this page
            self._loading = False
            if clear:
                self.clear()
            for key, cells in rows:
                self.add_row(*cells, key=key)
            if clear and self._restore_key in {key for key, _ in rows}:
                self.move_cursor(row=self.get_row_index(self._restore_key))
            if rows:
                self._last_key = rows[-1][0]
            self._exhausted = len(rows) < self.page_size
            self.post_message(self.Loaded(self, len(rows)))
            if self._select_when_loaded and rows:
                self._select_when_loaded = False
                super(PagedTable, self).action_select_cursor()

        def after_failure() -> None:
            # The error dialog has said what went wrong; leave the list ready to try again.
            if generation == self._generation:
                self._loading = False
                self._select_when_loaded = False

        def refused(err: Exception) -> None:
            if generation == self._generation:
                self._loading = False
                self._exhausted = True
                if clear:
                    self.clear()
            self.app.notify(str(err), title="Refused", severity="error", markup=False)

        call_service(
            self,
            lambda: self.loader(after, self.page_size),
            arrived,
            refused=refused,
            failed=lambda _: after_failure(),
            group=f"page-{id(self)}",
            exclusive=clear,
        )

    def _shown(self) -> bool:
        return all(node.display for node in self.ancestors_with_self if isinstance(node, Widget))

    def on_show(self) -> None:
        if self._stale:
            self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "select_cursor" and not self.opens:
            return False
        return super().check_action(action, parameters)

    def action_select_cursor(self) -> None:
        if self._loading and self.row_count == 0:
            self._select_when_loaded = True
            return
        super().action_select_cursor()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        lookahead = min(self.LOOKAHEAD, self.page_size // 4)
        if event.cursor_row >= self.row_count - lookahead:
            self._load()

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value
