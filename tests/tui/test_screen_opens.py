"""A console left open all day: opening and closing screens must not keep what they built.

Textual's `Header` watched the app's title from every header ever mounted, and a style cache
of Textual's keeps the last 1,024 widgets' drawn lines: before the fixes, 200 opens kept
~40,000 objects and ~6 MB more. The list screens are built once and refilled; the others are
built on each visit and must go when closed.
"""

from __future__ import annotations

import gc
import os
from typing import Any

from conftest import settle

from voiceconsole.tui.screens.handsets import HandsetsScreen
from voiceconsole.tui.screens.occupier import OccupierScreen
from voiceconsole.tui.screens.reconcile import ReconcileScreen
from voiceconsole.tui.screens.site import SiteScreen
from voiceconsole.tui.screens.telephony import TelephonyScreen

OPENS = 200
SITE, OCCUPIER = "LON1", "acme-analytics"


def live_objects() -> int:
    gc.collect()
    return len(gc.get_objects()) + gc.get_freeze_count()


def rss_mb() -> float:
    """Resident memory (Linux); 0 elsewhere, where the object count still holds."""
    if not os.path.exists("/proc/self/statm"):
        return 0.0
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def test_200_screen_opens_keep_nothing(make_app) -> None:
    app = make_app(apply_due_on_start=False)
    openings: list[Any] = [
        lambda: app.open_screen(SiteScreen, SITE),
        lambda: app.open_screen(OccupierScreen, OCCUPIER, SITE),
        lambda: app.action_open_activity(site=SITE),
        lambda: app.open_screen(TelephonyScreen, SITE),
        lambda: app.open_screen(HandsetsScreen, OCCUPIER, SITE),
        lambda: app.push_screen(ReconcileScreen(SITE)),
    ]
    async with app.run_test(size=(80, 24)) as pilot:

        async def open_and_close(i: int) -> None:
            opened = openings[i % len(openings)]()
            if opened is not None:
                await opened
            await settle(pilot)
            assert len(app.screen_stack) == 3  # the default screen, the sites, this one
            app.pop_screen()
            await settle(pilot)

        for i in range(2 * len(openings)):  # what is built once is built; caches warm
            await open_and_close(i)
        objects, rss = live_objects(), rss_mb()
        for i in range(OPENS):
            await open_and_close(i)
        grown = live_objects() / objects - 1
        assert abs(grown) < 0.10, f"live objects grew by {grown:.1%} over {OPENS} screen opens"
        assert rss_mb() - rss < 5, f"RSS grew by {rss_mb() - rss:.1f} MB"
