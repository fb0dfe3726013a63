"""The one table of the console: a line-API scroll view that draws only the rows on screen.

Textual's `DataTable` renders and measures every row it holds and rebuilds its caches on
every change: refilling 50 rows as after a filter keystroke took 22 ms of CPU there against
6.9 ms here (bench/ui.py, the table baseline, 80x24). This table keeps its rows as plain
tuples of `Text` cells, works out the column widths as rows arrive, and turns a row into a
`Strip` only when that row is on screen (kept in a small cache until the rows, the widths,
the cursor or the theme change).

Rows come two ways:
- a `loader(after, limit)` reads the list a page at a time (keyset paging: the key of the
  last row shown, and a page size), the next page when the cursor or the scroll comes near
  the end of what is loaded. Lists here can hold a million numbers.
- `show_rows(rows)` puts a whole short list in at once (a site's switches, a reconciliation).

Either way the cursor stays on the row of the same key when the rows are replaced. The look
and the keys are those of `DataTable` (same component classes, same bindings), so a theme
styles both alike.

A colleague's change (services/changes.py) reads the rows loaded so far again in place
(`refresh_window`): the cursor and the scroll stay, and the rows whose text changed flash
once (FLASH_S).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, ClassVar

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from voiceconsole.tui.paint import hold_paint, release_paint
from voiceconsole.tui.work import call_service

Cell = Text | str
Row = tuple[str, Sequence[Cell]]  # (key, cells)
Loader = Callable[[str | None, int], Awaitable[list[Row]]]
# A label (the column is as wide as its widest cell); or a label and the narrowest width the
# column gives way to when the table is wider than the view (names, descriptions), and when
# it gives way: columns of a higher turn first (0 when not given), within a turn the widest
# first. Such a column is cut only while the view has no room for it, a cut cell ends in
# "…", and a column whose narrowest is 0 is left out while there is no room for it.
Column = str | tuple[str, int] | tuple[str, int, int]

PADDING = 1  # blank cells either side of each column's text, as DataTable draws them
SLIVER = 6  # a column that may be left out is, rather than shown narrower than this


def as_text(cell: Cell) -> Text:
    return cell if isinstance(cell, Text) else Text(str(cell))


def cell_segments(text: Text, width: int, console: Console) -> list[Segment]:
    """A cell's text cut (ending in "…", so that a cut is seen) or aligned (its `justify`) to
    exactly `width` cells."""
    text = text.copy()
    text.truncate(width, overflow="ellipsis")
    text.align(text.justify or "left", width)  # type: ignore[arg-type]
    base = console.get_style(text.style, default=Style.null())
    if not text.spans:
        return [Segment(text.plain, base)]  # Text.render drops the base style when unstyled
    return list(text.render(console))


def fit_widths(
    widths: Sequence[int], narrowest: Sequence[int | None], turns: Sequence[int], room: int
) -> list[int]:
    """Column widths for `room` cells of text: each column as wide as its widest cell
    (`widths`); if that is too wide, the columns that give way (a `narrowest` width) narrow,
    turn by turn from the highest, the widest first, down to their narrowest, until the table
    fits, or none can narrow further (then the view scrolls sideways). A column narrowed to
    0 is left out, and costs no padding either."""
    shown = list(widths)

    def cost(candidate: list[int]) -> int:
        return sum(candidate) - 2 * PADDING * candidate.count(0)

    if room <= 0 or cost(shown) <= room:
        return shown
    for turn in sorted({t for t, n in zip(turns, narrowest, strict=True) if n is not None})[::-1]:
        giving = {i for i, n in enumerate(narrowest) if n is not None and turns[i] == turn}
        base = shown

        def capped(level: int, base: list[int] = base, giving: set[int] = giving) -> list[int]:
            return [
                _given_way(w, level, narrowest[i] or 0) if i in giving else w
                for i, w in enumerate(base)
            ]

        # The highest cap on this turn's columns at which the table fits.
        low, high = 0, max(base[i] for i in giving)
        while low < high:
            level = (low + high + 1) // 2
            low, high = (level, high) if cost(capped(level)) <= room else (low, level - 1)
        shown = capped(low)
        if cost(shown) <= room:
            break
    return shown


def _changed_keys(old: Sequence[Row], new: Sequence[Row]) -> set[str]:
    """The keys of `new` whose row is new or reads differently from `old`'s."""
    before = {key: [as_text(c).plain for c in cells] for key, cells in old}
    return {key for key, cells in new if before.get(key) != [as_text(c).plain for c in cells]}


def _given_way(width: int, level: int, narrowest: int) -> int:
    """A column of `width` capped at `level`, not below `narrowest`; one that may be left out
    (narrowest 0) is, rather than shown as a sliver of a few cells."""
    shown = max(min(width, level), min(width, narrowest))
    if narrowest == 0 and shown < min(width, SLIVER):
        return 0
    return shown


class ListTable(ScrollView, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="list.open"),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first", "First row", show=False),
        Binding("end,ctrl+end", "last", "Last row loaded", show=False),
        Binding("left", "scroll_left", "Scroll left", show=False),
        Binding("right", "scroll_right", "Scroll right", show=False),
    ]
    # DataTable's names, so the theme's table look applies here unchanged.
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "datatable--header",
        "datatable--cursor",
        "datatable--even-row",
        "datatable--odd-row",
        "listtable--flash",
    }
    DEFAULT_CSS = """
    ListTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        &:focus {
            background-tint: $foreground 5%;
            & > .datatable--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .datatable--header { background-tint: $foreground 5%; }
        }
        &:dark > .datatable--even-row { background: $surface-darken-1 40%; }
        & > .datatable--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .datatable--header { background: ansi_bright_blue; color: ansi_default; }
        & > .datatable--even-row { background: $surface-lighten-1 50%; }
        & > .listtable--flash { background: $warning 35%; }
        & > .datatable--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    PAGE_SIZE = 50
    # Load the next page when the cursor or the scroll comes this close to the last row.
    LOOKAHEAD = 10
    # How long rows a colleague changed stay highlighted (tests may hold it longer).
    FLASH_S = 1.5

    class Loaded(Message):
        """A page arrived and is in the table (tests and the benchmark wait for this)."""

        def __init__(self, table: ListTable, rows: int) -> None:
            super().__init__()
            self.table = table
            self.rows = rows

    class RowHighlighted(Message):
        """The cursor is on another row, or the rows under it were replaced."""

        def __init__(self, table: ListTable, cursor_row: int, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.cursor_row = cursor_row
            self.key = key

        @property
        def control(self) -> ListTable:
            return self.table

    class RowSelected(RowHighlighted):
        """Enter (or a click) on the highlighted row."""

    def __init__(
        self,
        columns: Sequence[Column],
        loader: Loader | None = None,
        *,
        page_size: int | None = None,
        opens: bool = False,
        **kwargs: Any,
    ) -> None:
        """`opens`: Enter on a row opens it (the screen handles `RowSelected`), so the footer
        offers "Open"; other lists do not show the key."""
        super().__init__(**kwargs)
        self.opens = opens
        self.detail: Any = None  # a RowDetail under the list (widgets/row_detail.py), if any
        self.loader = loader
        self.page_size = page_size or self.PAGE_SIZE
        self._labels = [as_text(c[0] if isinstance(c, tuple) else c) for c in columns]
        self._narrowest = [c[1] if isinstance(c, tuple) else None for c in columns]
        self._turn = [c[2] if isinstance(c, tuple) and len(c) > 2 else 0 for c in columns]
        self._widths = [label.cell_len for label in self._labels]
        self._rows: list[Row] = []
        self._index: dict[str, int] = {}
        self.cursor_row = 0
        self._lines: LRUCache[tuple[int, bool], Strip] = LRUCache(256)
        self._header: Strip | None = None
        self._styles: dict[Any, tuple[Style, Style | None]] = {}
        self._last_key: str | None = None
        self._exhausted = True
        self._loading = False
        self._generation = 0
        self._select_when_loaded = False
        self._stale = False  # reloaded while hidden: load when shown
        self._restore_key: str | None = None  # the row to put the cursor back on
        self._flashed: set[str] = set()  # keys of rows shown highlighted: changed just now
        self._flash_timer: Timer | None = None
        self._flash_next = False  # the next show_rows flashes what it changes
        self._apply_widths()

    # --- what a screen asks of its list ----------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self._rows]

    @property
    def selected_key(self) -> str | None:
        if not self._rows:
            return None
        return self._rows[min(self.cursor_row, len(self._rows) - 1)][0]

    def get_row_at(self, index: int) -> tuple[Text, ...]:
        return tuple(as_text(c) for c in self._rows[index][1])

    def get_row(self, key: str) -> tuple[Text, ...]:
        return self.get_row_at(self._index[key])

    def get_row_index(self, key: str) -> int:
        return self._index[key]

    def move_cursor(self, *, row: int) -> None:
        row = max(0, min(row, len(self._rows) - 1))
        old, self.cursor_row = self.cursor_row, row
        if old != row:
            self._refresh_row(old)
            self._refresh_row(row)
        self._scroll_to_cursor()
        self._highlighted()
        self._near_end()

    def update_row(self, key: str, cells: Sequence[Cell]) -> None:
        """New cells for the row of `key` (a mark, a fresh reading), drawn in place."""
        index = self._index.get(key)
        if index is None:
            return
        self._rows[index] = (key, tuple(cells))
        if self._measure([self._rows[index]]):
            self._apply_widths()
        else:
            self._forget_row(index)
            self._refresh_row(index)

    def update_cell(self, key: str, column: int, cell: Cell) -> None:
        index = self._index.get(key)
        if index is not None:
            cells = list(self._rows[index][1])
            cells[column] = cell
            self.update_row(key, cells)

    def show_rows(self, rows: Iterable[Row]) -> None:
        """Replace every row (a whole short list), the cursor staying on the same key."""
        keep = self.selected_key
        rows = list(rows)
        if self._flash_next:
            self._flash_next = False
            changed = _changed_keys(self._rows, rows)
            self._replace_in_place(rows, keep)
            self.flash(changed)
            return
        self._set_rows(rows, keep)

    # --- a colleague's change ---------------------------------------------------------------

    def refresh_window(self) -> None:
        """Read the rows loaded so far again, in place: the cursor on the same row, the
        scroll kept, changed rows flashed. A list without a loader (filled by `show_rows`)
        flashes what its screen's next `show_rows` changes."""
        if self.loader is None:
            self._flash_next = True
            return
        if self._loading or not self._shown():
            # A page under way would be appended after the old last row: start again.
            self.reload(keep_cursor=True)
            return
        generation, loader = self._generation, self.loader
        limit = max(len(self._rows), self.page_size)

        def arrived(rows: list[Row]) -> None:
            if generation != self._generation or self._loading:
                return  # the list was reloaded meanwhile
            changed = _changed_keys(self._rows, rows)
            self._replace_in_place(rows, self.selected_key)
            self._last_key = rows[-1][0] if rows else None
            self._exhausted = len(rows) < limit
            self.flash(changed)
            self.post_message(self.Loaded(self, len(rows)))

        call_service(
            self,
            lambda: loader(None, limit),
            arrived,
            refused=lambda err: None,  # gone meanwhile (a site removed): the screen says so
            group=f"window-{id(self)}",
            exclusive=True,
        )

    def _replace_in_place(self, rows: list[Row], keep: str | None) -> None:
        top = self.scroll_y
        self._rows = rows
        self._index = {key: i for i, (key, _) in enumerate(rows)}
        self._measure(rows)
        if keep in self._index:
            self.cursor_row = self._index[keep]
        else:
            self.cursor_row = max(0, min(self.cursor_row, len(rows) - 1))
        self._apply_widths()
        self.scroll_to(y=top, animate=False, immediate=True)
        self._scroll_to_cursor()
        self._highlighted()

    def flash(self, keys: Iterable[str]) -> None:
        """Highlight the rows of `keys` for FLASH_S (rows changed by someone else)."""
        keys = {k for k in keys if k in self._index}
        if not keys:
            return
        self._flashed |= keys
        self._lines.clear()
        self.refresh()
        if self._flash_timer is not None:
            self._flash_timer.stop()
        self._flash_timer = self.set_timer(self.FLASH_S, self._end_flash)

    @property
    def flashed(self) -> set[str]:
        return set(self._flashed)

    def _end_flash(self) -> None:
        self._flash_timer = None
        self._flashed = set()
        self._lines.clear()
        self.refresh()

    def clear(self) -> None:
        self._set_rows([], None)

    # --- paging -----------------------------------------------------------------------------

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
        self._load(first=True)

    def _reload_stale(self) -> None:
        """The reload that waited for the table to be shown, onto the row it was asked to
        keep."""
        keep = self._restore_key
        self.reload()
        self._restore_key = keep

    def _load(self, *, first: bool = False) -> None:
        if self.loader is None or self._loading or (self._exhausted and not first):
            return
        self._loading = True
        if first:
            # The emptied table is not painted: its first page comes in the same refresh.
            hold_paint(self.app)
        generation, after, loader = self._generation, self._last_key, self.loader

        def arrived(rows: list[Row]) -> None:
            if generation != self._generation:
                return  # a reload overtook this page
            self._loading = False
            if first:
                self._set_rows(rows, self._restore_key)
            else:
                self._append(rows)
            if rows:
                self._last_key = rows[-1][0]
            self._exhausted = len(rows) < self.page_size
            self.post_message(self.Loaded(self, len(rows)))
            if self._select_when_loaded and rows:
                self._select_when_loaded = False
                self.action_select_cursor()
            self._near_end()
            # After this table's own messages, so that what they change (the screen showing
            # the highlighted row, say) is usually painted with the rows; a handler further
            # up may still land a refresh later.
            self.call_later(release_paint, self.app)

        def after_failure() -> None:
            # The error dialog has said what went wrong; leave the list ready to try again.
            if generation == self._generation:
                self._loading = False
                self._select_when_loaded = False
                release_paint(self.app)

        def refused(err: Exception) -> None:
            if generation == self._generation:
                self._loading = False
                self._exhausted = True
                if first:
                    self.clear()
                release_paint(self.app)
            self.app.notify(str(err), title="Refused", severity="error", markup=False)

        call_service(
            self,
            lambda: loader(after, self.page_size),
            arrived,
            refused=refused,
            failed=lambda _: after_failure(),
            group=f"page-{id(self)}",
            exclusive=first,
        )

    def _near_end(self) -> None:
        """Read the next page if the cursor or the bottom of the view is near the last row."""
        if self._exhausted or self._loading or self.loader is None:
            return
        bottom = int(self.scroll_y) + self._visible_rows()
        if max(self.cursor_row, bottom) >= len(self._rows) - min(
            self.LOOKAHEAD, self.page_size // 4
        ):
            self._load()

    def _shown(self) -> bool:
        return all(node.display for node in self.ancestors_with_self if isinstance(node, Widget))

    def on_show(self) -> None:
        if self._stale:
            self._reload_stale()

    # --- rows in, widths, caches ------------------------------------------------------------

    def _set_rows(self, rows: list[Row], keep: str | None) -> None:
        self._rows = rows
        self._index = {key: i for i, (key, _) in enumerate(rows)}
        # Columns widen to fit and never narrow, as DataTable's: a list being filtered
        # keeps its columns where they were.
        self._measure(rows)
        self.cursor_row = self._index.get(keep, 0) if keep is not None else 0
        self._apply_widths()
        self.scroll_to(y=0, animate=False, immediate=True)
        self._scroll_to_cursor()
        self._highlighted()

    def _append(self, rows: list[Row]) -> None:
        start = len(self._rows)
        self._rows.extend(rows)
        for i, (key, _) in enumerate(rows, start):
            self._index[key] = i
        self._measure(rows)
        self._apply_widths()

    def _measure(self, rows: Iterable[Row]) -> bool:
        """Widen the columns to fit `rows`; whether any column grew."""
        widths, grew = self._widths, False
        for _, cells in rows:
            for i, cell in enumerate(cells):
                width = cell.cell_len if isinstance(cell, Text) else len(str(cell))
                if width > widths[i]:
                    widths[i], grew = width, True
        return grew

    def _apply_widths(self) -> None:
        self._lines.clear()
        self._header = None
        self._shown_widths = self._fitted_widths()
        if self.detail is not None:
            self.detail.show(self)
        width = sum(w + 2 * PADDING for w in self._shown_widths if w)
        self.virtual_size = Size(width, len(self._rows) + 1)  # +1: the header line
        self.refresh()

    def _fitted_widths(self) -> list[int]:
        # Room kept for the vertical scrollbar whether or not it shows yet: it comes with the
        # rows, and its coming is no resize to fit the columns again on.
        view = self.content_region.width - self.styles.scrollbar_size_vertical
        room = view - 2 * PADDING * len(self._widths)
        return fit_widths(self._widths, self._narrowest, self._turn, room)

    def _forget_row(self, index: int) -> None:
        for cursor in (False, True):
            self._lines.discard((index, cursor))

    def _new_look(self) -> None:
        self._styles.clear()
        self._lines.clear()
        self._header = None
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._new_look()

    def on_focus(self) -> None:
        self._new_look()  # the cursor's look differs with focus

    def on_blur(self) -> None:
        self._new_look()

    # --- drawing ----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        if self._stale:
            # Drawn, so shown, without a Show event: hidden and shown again between two
            # refreshes (a revisited screen's tab put back before it was ever painted).
            self._stale = False
            self.call_later(self._reload_stale)
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if y == 0:
            if self._header is None:
                self._header = self._strip(self._labels, "datatable--header", cursor=False)
            strip = self._header
        else:
            index = scroll_y + y - 1
            if index >= len(self._rows):
                return Strip.blank(width, self._base_style())
            cursor = index == self.cursor_row
            strip = self._lines.get((index, cursor))
            if strip is None:
                zebra = "datatable--odd-row" if index % 2 else "datatable--even-row"
                if self._flashed and self._rows[index][0] in self._flashed:
                    zebra = "listtable--flash"
                strip = self._strip(self._rows[index][1], zebra, cursor=cursor)
                self._lines.set((index, cursor), strip)
        return strip.crop_extend(scroll_x, scroll_x + width, self._base_style())

    def _row_style(self, component: str, cursor: bool) -> tuple[Style, Style | None]:
        """The style of a row and the style over its cells (worked out once per look: CSS
        styles are slow to compute, and every line asked for them)."""
        key = (component, cursor)
        if key not in self._styles:
            style = self._base_style() + self.get_component_rich_style(component)
            post = None
            if cursor:
                cursor_style = self.get_component_rich_style("datatable--cursor")
                style += cursor_style
                post = Style.from_color(color=cursor_style.color)  # the cursor's colour wins
            self._styles[key] = (style, post)
        return self._styles[key]

    def _base_style(self) -> Style:
        if "base" not in self._styles:
            self._styles["base"] = (self.rich_style, None)
        return self._styles["base"][0]

    def _strip(self, cells: Sequence[Cell], component: str, *, cursor: bool) -> Strip:
        """One whole row, every column padded or cut to its width, in the row's style."""
        style, post = self._row_style(component, cursor)
        console = self.app.console
        segments: list[Segment] = []
        pad = Segment(" " * PADDING)
        for width, cell in zip(self._shown_widths, cells, strict=True):
            if not width:
                continue  # a column left out for want of room
            segments.append(pad)
            segments.extend(cell_segments(as_text(cell), width, console))
            segments.append(pad)
        length = sum(w + 2 * PADDING for w in self._shown_widths if w)
        strip = Strip(Segment.apply_style(segments, style, post), length).simplify()
        # The row's colours go on to the right edge, as DataTable's do.
        return strip.extend_cell_length(self.scrollable_content_region.width, style)

    def _refresh_row(self, index: int) -> None:
        self._forget_row(index)
        self.refresh_line(index + 1)

    # --- the cursor -------------------------------------------------------------------------

    def visible_keys(self) -> list[str]:
        """The keys of the rows on screen now."""
        top = int(self.scroll_y)
        return [key for key, _ in self._rows[top : top + self._visible_rows()]]

    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        top, rows = int(self.scroll_y), self._visible_rows()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + rows:
            self.scroll_to(y=self.cursor_row - rows + 1, animate=False, immediate=True)

    def _highlighted(self) -> None:
        self.post_message(self.RowHighlighted(self, self.cursor_row, self.selected_key))
        if self.detail is not None:
            self.detail.show(self)

    def cuts(self) -> bool:
        """Whether any column is narrower than its widest cell (some row is cut)."""
        return any(w < n for w, n in zip(self._shown_widths, self._widths, strict=True))

    def cut_cells(self) -> list[tuple[str, Text]]:
        """The cells of the highlighted row that its columns cut: (column label, full text)."""
        if not 0 <= self.cursor_row < len(self._rows):
            return []
        cells = self._rows[self.cursor_row][1]
        return [
            (label.plain, as_text(cell))
            for label, cell, width in zip(self._labels, cells, self._shown_widths, strict=True)
            if as_text(cell).cell_len > width
        ]

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._near_end()

    def on_resize(self) -> None:
        self._apply_widths()  # columns give way to the view's width; rows are drawn as wide
        self._scroll_to_cursor()
        self._near_end()

    def action_cursor_up(self) -> None:
        if self._rows:
            self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        if self._rows:
            self.move_cursor(row=self.cursor_row + 1)

    def action_page_up(self) -> None:
        if self._rows:
            self.move_cursor(row=self.cursor_row - self._visible_rows())

    def action_page_down(self) -> None:
        if self._rows:
            self.move_cursor(row=self.cursor_row + self._visible_rows())

    def action_first(self) -> None:
        if self._rows:
            self.move_cursor(row=0)

    def action_last(self) -> None:
        if self._rows:
            self.move_cursor(row=len(self._rows) - 1)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "select_cursor" and not self.opens:
            return False
        return super().check_action(action, parameters)

    def action_select_cursor(self) -> None:
        if self._loading and not self._rows:
            self._select_when_loaded = True
            return
        if self._rows:
            self.post_message(self.RowSelected(self, self.cursor_row, self.selected_key))

    async def _on_click(self, event: events.Click) -> None:
        index = int(self.scroll_y) + event.y - 1
        if event.y < 1 or not 0 <= index < len(self._rows):
            return
        if index == self.cursor_row and self.opens:
            self.action_select_cursor()
        else:
            self.move_cursor(row=index)
