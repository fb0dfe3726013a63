"""Full garbage collections while the console runs (tui/heap.py): run between refreshes by
a timer, not by Python in the middle of one; and everything back as it was after."""

from __future__ import annotations

import gc

import pytest
from conftest import settle

from voiceconsole.tui import heap


@pytest.mark.skipif(not heap.GENERATIONAL, reason="Python 3.14's collector is incremental")
async def test_full_collections_come_from_the_timer_and_all_is_restored(make_app) -> None:
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    app = make_app(apply_due_on_start=False)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert gc.get_threshold()[2] == heap.NEVER  # Python starts none by itself
        while gc.get_count()[2] < heap.FULL_AFTER:
            gc.collect(1)  # each counts towards the next full collection, as Python's do
        await pilot.pause(3 * heap.CHECK_S)
        assert gc.get_count()[2] < heap.FULL_AFTER  # the timer ran the full collection
        assert gc.get_freeze_count() > frozen  # and then froze the app and its first screen
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() <= frozen
