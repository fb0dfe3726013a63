"""Holding the screen's next paint briefly, so that a keystroke and the rows it brings show
in one refresh.

Textual paints at most 60 times a second and, after the screen has been idle, paints the
first change at once but the next one only one to two frames later (17-33 ms). A filter
keystroke would be painted at once (the typed letter over the old rows) and its rows a frame
or two after the page is in. Held, the letter and the rows are painted together as soon as
the page is in; if it is slow the hold runs out and the letter shows without waiting longer.
"""

from __future__ import annotations

import contextlib
from weakref import WeakKeyDictionary

from textual.app import App
from textual.timer import Timer

# Below what a typist notices as a late echo; a page read on time takes 5-20 ms.
HOLD_PAINT_S = 0.04

_holds: WeakKeyDictionary[App[object], Timer] = WeakKeyDictionary()


def hold_paint(app: App[object]) -> None:
    """Paint nothing until `release_paint`, or HOLD_PAINT_S from the first hold."""
    if app not in _holds:
        app._begin_batch()  # what App.batch_update does, ended by release_paint
        _holds[app] = app.set_timer(HOLD_PAINT_S, lambda: release_paint(app))


def release_paint(app: App[object]) -> None:
    timer = _holds.pop(app, None)
    if timer is None:
        return
    timer.stop()
    app._end_batch()
    with contextlib.suppress(Exception):  # no screen any more: the app is closing
        app.screen.check_idle()  # paint now, not at the screen's next idle
