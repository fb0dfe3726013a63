"""Keeping Python's full garbage collections short, and out of the screen's drawing.

A full collection (generation 2) walks every object that is not frozen. Two things made them
stutters of 30-85 ms on the large data set (bench/ui.py):

- the walk: the app, its stylesheets and the list screens built once (see
  `VoiceconsoleApp.open_screen`) were walked every time. What is built to last the session
  is now frozen (`gc.freeze`) right after the next full collection once it is on screen
  and no page is being read (frozen objects are never collected, so no garbage must be
  frozen with them); a full collection then walks only what came after: 15-25 ms.
- the moment: Python starts a full collection inside whatever allocates, most often a
  refresh of the screen, so its 20 ms came on top of the refresh's own 25. While the console
  runs, automatic full collections are off and a timer runs one after FULL_AFTER young
  collections (a little more often than Python, which also waits until a quarter of the
  long-lived objects are new), unless the screen's paint is being held for a page; the young
  generations are collected as usual.

Deferring full collections to the user's pauses was tried and measured worse: garbage piled
up while a user typed, and the collection that came after was long.

The garbage collector is the process's: the first console to start saves its settings and
the last to stop puts them back and unfreezes what was frozen, so that a process that runs
many consoles (the tests) gets its memory back. On Python 3.14 and later the collector is
incremental and works differently; there only the freezing is done.
"""

from __future__ import annotations

import gc
import sys

from textual.app import App
from textual.timer import Timer

CHECK_S = 0.1
FULL_AFTER = 10  # young (generation 1) collections, Python's own count before a full one
NEVER = 1_000_000_000
GENERATIONAL = sys.version_info < (3, 14)


class _Process:
    """The collector's settings as they were before the first console started."""

    consoles = 0
    thresholds: tuple[int, int, int] | None = None


class Heap:
    def __init__(self) -> None:
        self._app: App[object] | None = None
        self._timer: Timer | None = None
        self._freeze_due = False
        self._started = False

    def start(self, app: App[object]) -> None:
        """From the first paint on: full collections from the timer; the app and its first
        screen kept out of their walk."""
        if self._started:
            return
        self._started, self._app = True, app
        if _Process.consoles == 0:
            _Process.thresholds = gc.get_threshold()
            if GENERATIONAL:
                young, middle, _ = _Process.thresholds
                gc.set_threshold(young, middle, NEVER)
        _Process.consoles += 1
        self._timer = app.set_interval(CHECK_S, self._tick, name="full-collections")
        self._freeze_due = True

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not self._started:
            return
        self._started = False
        _Process.consoles -= 1
        if _Process.consoles == 0:
            if _Process.thresholds is not None:
                gc.set_threshold(*_Process.thresholds)
            gc.unfreeze()

    def keep_what_exists(self) -> None:
        """What exists once the screen settles lives as long as the console (a list screen
        built to be kept): leave it out of every later full collection's walk."""
        self._freeze_due = True

    def _tick(self) -> None:
        app = self._app
        if app is None or app._batch_count:  # a paint held for a page: not now
            return
        due = gc.get_count()[2] >= FULL_AFTER if GENERATIONAL else self._freeze_due
        if not due:
            return
        gc.collect()
        # A freeze waits for a full collection that was due anyway: one pause, not two, and
        # no garbage frozen with what is kept.
        if self._freeze_due and not any(w.is_running for w in app.workers):
            self._freeze_due = False
            gc.freeze()
