"""Inputs that follow the user's settings (a steady cursor on slow links and in snapshots)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Checkbox, Input

from voiceconsole.tui.paint import hold_paint


class TextInput(Input):
    def on_mount(self) -> None:
        self.cursor_blink = bool(getattr(self.app, "cursor_blink", True))


class FilterInput(TextInput):
    """The filter-as-you-type box above a list.

    A change holds the screen's paint until the list's filtered page is in (briefly, see
    `tui/paint.py`): the letter typed and the rows it leaves are painted together.
    """

    def __init__(self, placeholder: str = "Filter: type to narrow the list", **kwargs: Any) -> None:
        super().__init__(placeholder=placeholder, **kwargs)

    def watch_value(self) -> None:
        # From the key on: the list's reload holds too, but only once the change has reached
        # the screen's handler, and the letter could be painted alone before that.
        hold_paint(self.app)


class TickBox(Checkbox):
    """A check box whose tick is a character, not only a colour: Textual draws the same X
    in a ticked and an unticked box and tells them apart by colour, which the ansi themes
    (and a monochrome terminal) lose. Unticked, the box is empty."""

    def __init__(self, *args: Any, says: tuple[str, str] | None = None, **kwargs: Any) -> None:
        """`says`: the label unticked and ticked ("off", "on"), for a box that is a switch."""
        self.says = says
        if says is not None:
            value = args[1] if len(args) > 1 else kwargs.get("value", False)
            args = (says[bool(value)], *args[1:])
        super().__init__(*args, **kwargs)

    def on_mount(self) -> None:
        self._show_tick()

    def watch_value(self) -> None:
        super().watch_value()  # its -on class and its Changed message
        self._show_tick()

    def _show_tick(self) -> None:
        self.BUTTON_INNER = "X" if self.value else " "
        if self.says is not None:
            self.label = self.says[bool(self.value)]
        self.refresh()
