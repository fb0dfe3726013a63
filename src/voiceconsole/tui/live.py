"""A console working beside colleagues on one database: their changes shown as they are
committed, who else is on the same site, and what concerns this user, said.

- Changes (services/changes.py): each batch goes to every screen on the stack that has a
  `changes_arrived(changes)`; a screen whose rows concern a changed site or occupier reads
  them again in place (`ListTable.refresh_window`), the one in front at once, those under it
  when shown again.
- Presence (services/presence.py): a heartbeat every HEARTBEAT_S, and at once when the
  console moves to another site; the header says who else is here.
- Notifications (`notices`): from the same changes.

Started after the first paint, stopped (and the heartbeat's row deleted) on exit. Nothing of
this runs in a Textual worker that lasts: the feed is a task of its own, so the tests' "wait
until the workers are done" still ends.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual.timer import Timer

from voiceconsole.services import presence
from voiceconsole.services.changes import Change, ChangeFeed

if TYPE_CHECKING:
    from voiceconsole.tui.app import VoiceconsoleApp

log = logging.getLogger("voiceconsole.tui")


def touching(changes: Iterable[Change], site: str | None, occupier: str | None = None) -> bool:
    """Whether any of `changes` may alter a list of `site` (and of `occupier` there)."""
    return any(c.concerns(site=site, occupier=occupier) for c in changes)


class Live:
    def __init__(self, app: VoiceconsoleApp) -> None:
        self.app = app
        self.console_id = presence.new_console_id()
        self.colleagues: list[str] = []  # others on this console's site now
        self._feed: ChangeFeed | None = None
        self._timer: Timer | None = None
        self._site: str | None = None
        self._started = False
        self._beating = False  # a heartbeat is being written
        self._again = False

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._feed = ChangeFeed(self.app.db, self.arrived)
        await self._feed.start()
        self._timer = self.app.set_interval(presence.HEARTBEAT_S, self.beat, name="heartbeat")
        self.beat()

    async def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        if self._timer is not None:
            self._timer.stop()
        if self._feed is not None:
            await self._feed.stop()
        with contextlib.suppress(Exception):  # a database gone: its row goes stale anyway
            await presence.leave(self.app.db, self.console_id)

    # --- presence ---------------------------------------------------------------------------

    def site_changed(self, site: str | None) -> None:
        if self._started and site != self._site:
            self.beat()

    def beat(self) -> None:
        if self._beating:
            # One at a time (a write each); one more when it ends, for a site left meanwhile.
            self._again = True
            return
        app, site = self.app, self.app.current_site
        self._site, self._beating, self._again = site, True, False

        async def job() -> list[str]:
            return await presence.heartbeat(app.db, self.console_id, app.actor, site)

        def done(others: list[str] | None) -> None:
            self._beating = False
            if self._again and self._started:
                self.beat()
            elif others is not None and site == app.current_site and others != self.colleagues:
                self.colleagues = others
                app.refresh_sub_title()

        self._quietly(job, done, group="heartbeat")

    def _quietly(
        self, make: Callable[[], Awaitable[Any]], done: Callable[[Any], Any], *, group: str
    ) -> None:
        """Background bookkeeping: a failure is logged, not put in front of the user (the
        next heartbeat tries again)."""

        async def job() -> None:
            try:
                result = await make()
            except Exception as err:
                log.warning("%s failed: %s", group, err)
                result = None
            done(result)

        self.app.run_worker(job, group=group, exit_on_error=False)

    # --- changes ----------------------------------------------------------------------------

    def arrived(self, changes: list[Change]) -> None:
        for screen in list(self.app.screen_stack):
            handler = getattr(screen, "changes_arrived", None)
            if handler is not None:
                try:
                    handler(changes)
                except Exception as err:  # one screen's trouble must not stop the others
                    log.error("showing changes failed", exc_info=err)
        from voiceconsole.tui.notices import notices

        for title, text in notices(changes, self.app.actor):
            self.app.notify(text, title=title, markup=False)
