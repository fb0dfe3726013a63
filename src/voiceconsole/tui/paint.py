"""Holding the screen's next paint briefly, so that a keystroke and the rows it brings show
in one refresh.

Textual paints at most 60 times a second and, after the screen has been idle, paints the
first change at once but the next one only one to two frames later (17-33 ms). A filter
keystroke would be painted at once (the typed letter over the old rows) and its rows a frame
or two after the page is in. Held, the letter and the rows are painted together as soon as
the page is in; if it is slow the hold runs out and the letter shows without waiting longer.

One hold per app, whoever asked: the first page to arrive (or fail) releases it. This uses
Textual's batch counter (`App._begin_batch`/`_end_batch`, what `App.batch_update` does), a
private API: pyproject pins Textual below 9, and tests/tui/test_paint_hold.py checks it.
"""

from __future__ import annotations

from textual.app import App, ScreenStackError
from textual.geometry import Size
from textual.timer import Timer

# Below what a typist notices as a late echo; a page read on time takes 5-20 ms.
HOLD_PAINT_S = 0.04


class _Hold:
    def __init__(self, timer: Timer, size: Size) -> None:
        self.timer = timer
        self.size = size  # a resize while held is redrawn in full when released


def hold_paint(app: App[object]) -> None:
    """Paint nothing until `release_paint`, or HOLD_PAINT_S from the first hold."""
    if getattr(app, "_paint_hold", None) is None:
        app._begin_batch()
        # Kept on the app, not in a table of apps: the timer refers to the app, and an app
        # that quits while held must not be kept alive by it.
        app._paint_hold = _Hold(  # type: ignore[attr-defined]
            app.set_timer(HOLD_PAINT_S, lambda: release_paint(app)), app.size
        )


def release_paint(app: App[object]) -> None:
    hold: _Hold | None = getattr(app, "_paint_hold", None)
    if hold is None:
        return
    app._paint_hold = None  # type: ignore[attr-defined]
    hold.timer.stop()
    app._end_batch()
    try:
        screen = app.screen
    except ScreenStackError:  # the app is closing
        return
    if app.size != hold.size:
        # Textual laid the resized screen out while held and painted it into nothing.
        screen.refresh()
    else:
        screen.check_idle()  # paint now, not at the screen's next idle
