"""Inputs that follow the user's settings (a steady cursor on slow links and in snapshots)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from voiceconsole.tui.paint import hold_paint


class TextInput(Input):
    def on_mount(self) -> None:
        self.cursor_blink = bool(getattr(self.app, "cursor_blink", True))


class FilterInput(TextInput):
    """The filter-as-you-type box above a list.

    A change holds the screen's paint until the list's filtered page is in (briefly, see
    `tui/paint.py`): the letter typed and the rows it leaves are painted together.
    """

    def watch_value(self) -> None:
        hold_paint(self.app)

    def __init__(self, placeholder: str = "Filter: type to narrow the list", **kwargs: Any) -> None:
        super().__init__(placeholder=placeholder, **kwargs)
