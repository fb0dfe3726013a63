"""The title line at the top of every screen: the operator, where you are and who you are.

Textual's `Header` is three widgets, and it watches `app.title` and `app.sub_title` from each
header ever mounted without ever unwatching them: every screen opened kept its header, with
its render caches, alive for the rest of the session (bench/ui.py, 200 screen opens). This
one is a single widget that reads the titles when it draws; the app refreshes the headers of
the screens on its stack when the titles change (`VoiceconsoleApp.refresh_sub_title`).
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

ICON_WIDTH = 8  # as Textual's header: the icon on the left, a clock's room on the right
RIGHT_WIDTH = 10


class ConsoleHeader(Widget):
    DEFAULT_CSS = """
    ConsoleHeader {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self, icon: str = "☎") -> None:
        super().__init__()
        self.icon = icon
        self._marked = 0

    def show_marks(self, marked: int) -> None:
        """How many rows are marked on this screen (shown on the right while any are), so
        that a mark made by accident is seen before an action takes it."""
        if marked != self._marked:
            self._marked = marked
            self.refresh()

    def render(self) -> Content:
        title = self.app.format_title(self.app.title, self.app.sub_title)
        middle = max(0, self.size.width - ICON_WIDTH - RIGHT_WIDTH)
        marks = Content.styled(f"{self._marked:,} marked ", "bold") if self._marked else Content("")
        marks = marks.truncate(RIGHT_WIDTH)
        # Centred on the whole line (the icon and the marks are not as wide), cut to the room
        # between them.
        left = max(0, min((self.size.width - title.cell_length) // 2 - ICON_WIDTH, middle))
        title = title.truncate(middle - left, ellipsis=True).pad_left(left)
        title = title.truncate(middle, pad=True)
        return Content.assemble(
            Content(f" {self.icon}").truncate(ICON_WIDTH, pad=True),
            title,
            marks.pad_left(RIGHT_WIDTH - marks.cell_length),
        )
