"""Keeping Python's full garbage collections short, and out of the screen's drawing.

A full collection (generation 2) walks every object that is not frozen. Two things made them
stutters of 30-85 ms on the large data set (bench/ui.py):

- the walk: the app, its stylesheets and the list screens built once (see
  `VoiceconsoleApp.open_screen`) were walked every time. What is built to last the session
  is now frozen once it is shown (`gc.freeze`), and a full collection walks only what came
  after: 15-25 ms. A freeze is preceded by a collection (except the first, of the app and
  its first screen, when there is no garbage yet), because frozen objects are never
  collected; everything is unfrozen when the console closes, so that a process that runs
  many consoles (the tests) gets its memory back.
- the moment: Python starts a full collection inside whatever allocates, most often a
  refresh of the screen, so its 20 ms came on top of the refresh's own 25. Automatic full
  collections are off while the console runs; a timer runs one as soon as Python would
  have (after FULL_AFTER collections of generation 1), between two refreshes. The young
  generations are collected as usual.

Deferring full collections to the user's pauses was tried and measured worse: garbage piled
up while a user typed, and the collection that came after was long.
"""

from __future__ import annotations

import gc

from textual.app import App
from textual.timer import Timer

CHECK_S = 0.1
FULL_AFTER = gc.get_threshold()[2]  # Python's own rule
NEVER = 1_000_000_000


class Heap:
    def __init__(self) -> None:
        self._timer: Timer | None = None
        self._thresholds: tuple[int, int, int] | None = None

    def start(self, app: App[object]) -> None:
        """Full collections from now on between refreshes; the app and its first screen,
        once drawn, kept out of their walk."""
        if self._timer is not None:
            return
        self._thresholds = gc.get_threshold()
        young, middle, _ = self._thresholds
        gc.set_threshold(young, middle, NEVER)
        self._timer = app.set_interval(CHECK_S, self._collect_if_due, name="full-collections")
        self.keep_what_exists(app, collect=False)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None
            gc.unfreeze()

    def keep_what_exists(self, app: App[object], *, collect: bool = True) -> None:
        """Everything alive after the next refresh lives as long as the console: leave it
        out of every later full collection's walk."""

        def freeze() -> None:
            if collect:
                gc.collect()  # only what came since the last freeze: a few ms
            gc.freeze()

        app.call_after_refresh(freeze)

    def _collect_if_due(self) -> None:
        if gc.get_count()[2] >= FULL_AFTER:
            gc.collect()
