"""A console working beside colleagues on one database: their changes shown as they are
committed, who else is on the same site, and what concerns this user, said.

- Changes (services/changes.py): each batch goes to every screen on the stack that has a
  `changes_arrived(changes)`; a screen whose rows concern a changed site or occupier reads
  them again in place (`ListTable.refresh_window`), the one in front at once, those under it
  when shown again.
- Presence (services/presence.py): a heartbeat every HEARTBEAT_S, and at once when the
  console moves to another site; the header says who else is here.
- Notifications (services/notices.py): from the same changes, each said once.

Started after the first paint, stopped (and the heartbeat's row deleted) on exit. Nothing of
this runs in a Textual worker that lasts: the feed is a task of its own, so the tests' "wait
until the workers are done" still ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual.timer import Timer

from voiceconsole import clock
from voiceconsole.services import notices, presence
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
        self._said: set[str] = set()  # the notices' keys: each said once
        self._watched: dict[int, str] = {}  # handsets the user logged in, re-sync pending
        self._checking_handsets = False
        self._day: dt.date | None = None  # when due port-ins were last looked for

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        feed = self._feed = ChangeFeed(self.app.db, self.arrived, woken=self.woken)
        await feed.start()
        if not self._started:  # stopped while the feed started (a quit at once): undo it
            await feed.stop()
            return
        self._timer = self.app.set_interval(presence.HEARTBEAT_S, self.beat, name="heartbeat")
        self.beat()
        self.check_port_ins()

    async def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        if self._timer is not None:
            self._timer.stop()
        if self._feed is not None:
            await self._feed.stop()
        # A heartbeat still being written would put the row back after it is deleted.
        for _ in range(50):
            if not self._beating:
                break
            await asyncio.sleep(0.02)
        with contextlib.suppress(Exception):  # a database gone: its row goes stale anyway
            await presence.leave(self.app.db, self.console_id)

    # --- presence ---------------------------------------------------------------------------

    def site_changed(self, site: str | None) -> None:
        if self._started and site != self._site:
            self.beat()
            self.check_port_ins()  # no sites assigned: the console's own site's orders

    def beat(self) -> None:
        if self._beating:
            # One at a time (a write each); one more when it ends, for a site left meanwhile.
            self._again = True
            return
        app, site = self.app, self.app.current_site
        self._site, self._beating, self._again = site, True, False
        if self._day is not None and clock.utcnow().date() != self._day:
            self.check_port_ins()  # a new day: orders fall due

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
        self._tell(notices.reverted_role_changes(changes, self.app.actor))
        logins = notices.handset_logins(changes, self.app.actor)
        if logins:
            self._quietly(
                lambda: notices.pending_handsets(self.app.db, logins),
                lambda pending: self._watched.update(pending or {}),
                group="notices-handsets",
            )
        if any(c.action.startswith("porting.") for c in changes):
            self.check_port_ins()

    # --- notifications ----------------------------------------------------------------------

    def _tell(self, said: list[notices.Notice] | None) -> None:
        for notice in said or []:
            if notice.key not in self._said:
                self._said.add(notice.key)
                self.app.notify(notice.text, title=notice.title, markup=False, timeout=10)

    def woken(self) -> None:
        """The database changed (journal entry or not): has a watched phone re-synced?"""
        if not self._watched or self._checking_handsets:
            return
        watched = dict(self._watched)
        self._checking_handsets = True

        def done(said: list[notices.Notice] | None) -> None:
            self._checking_handsets = False
            for notice in said or []:
                self._watched.pop(int(notice.key.removeprefix("resynced-")), None)
            self._tell(said)

        self._quietly(lambda: notices.resynced(self.app.db, watched), done, group="notices-resync")

    def check_port_ins(self) -> None:
        """Port-in orders of the user's sites due today or late (said once each)."""
        app = self.app
        self._day = clock.utcnow().date()

        async def job() -> list[notices.Notice]:
            sites = await notices.user_sites(app.db, app.actor, app.current_site)
            return await notices.due_port_ins(app.db, sites)

        self._quietly(job, self._tell, group="notices-port-ins")
