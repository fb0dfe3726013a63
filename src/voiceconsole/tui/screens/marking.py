"""The marking keys of the lists whose actions take several rows (telephony, the port grid).

`space` marks or unmarks the row under the cursor, which stays there: a second `space` undoes
the first instead of marking the next row unseen (a user marked three numbers meaning two).
`shift+down` marks on downwards, `ctrl+a` marks the rows on screen, `esc` clears the marks
before it goes back. The screen's header counts the marks.
"""

from __future__ import annotations

from typing import Any

from voiceconsole.tui.widgets.list_table import ListTable


class MarkingKeys:
    """For a screen with `table`, `marked`, `highlighted()`, `action_clear_marks()`, and:"""

    table: ListTable
    marked: Any

    def highlighted(self) -> Any:
        raise NotImplementedError

    def action_clear_marks(self) -> None:
        raise NotImplementedError

    def row_item(self, key: str) -> Any:
        """What the row of `key` shows (a number block, a floor port), or None."""
        raise NotImplementedError

    def is_marked(self, item: Any) -> bool:
        raise NotImplementedError

    def set_mark(self, item: Any, on: bool) -> bool:
        """Mark or unmark `item`; False, after saying why, if it cannot be marked."""
        raise NotImplementedError

    def marks_changed(self) -> None:
        """Show the marks (the screen's detail lines and its header's count)."""
        raise NotImplementedError

    def action_toggle_mark(self) -> None:
        """space: the row under the cursor marked, or unmarked; the cursor stays."""
        item = self.highlighted()
        if item is not None:
            self.set_mark(item, not self.is_marked(item))
        self.marks_changed()

    def action_extend_marks(self) -> None:
        """shift+down: this row and the next one marked, the cursor on the next."""
        item = self.highlighted()
        if item is not None and self.set_mark(item, True):
            row = self.table.cursor_row
            if row < self.table.row_count - 1:
                self.table.move_cursor(row=row + 1)
                if (below := self.highlighted()) is not None:
                    self.set_mark(below, True)
        self.marks_changed()

    def action_mark_shown(self) -> None:
        """ctrl+a: every row on screen marked."""
        for key in self.table.visible_keys():
            item = self.row_item(key)
            if item is not None and not self.set_mark(item, True):
                break
        self.marks_changed()

    def action_back(self) -> None:
        """esc: the marks cleared if there are any (one esc), else back."""
        if self.marked:
            self.action_clear_marks()
        else:
            self.app.pop_screen()  # type: ignore[attr-defined]
