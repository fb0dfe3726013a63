"""What changed: the audit journal read as a feed, so that every open console on a database
sees a colleague's work within a second or two, without an extra server.

Every user action leaves one audit entry with its subjects (services/transaction.py), so the
journal itself is the feed: a console remembers the last entry it has seen and reads the newer
ones with their sites and occupiers. What wakes it:

- PostgreSQL: each action's transaction also sends `NOTIFY voiceconsole` (delivered at
  commit, dropped on rollback); the feed LISTENs on a connection of its own and reads at once.
  If that connection drops, it polls every POLL_S until it can listen again.
- SQLite: `PRAGMA data_version` on a connection of its own, asked every POLL_S: it changes
  when another connection commits.

Transactions that only keep books (a switch refused a change: the port's last error) leave no
entry and are not in the feed; a screen shows them on its next read.

PostgreSQL hands out ids when an entry is inserted, not when it is committed: an entry may
commit after one with a higher id. The feed reads back LOOKBACK ids before the last it saw
and skips those it has already delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from voiceconsole.db.database import Database
from voiceconsole.db.engine import sqlite_path
from voiceconsole.db.models import AuditEntry, AuditSubject, Occupier, Site

log = logging.getLogger("voiceconsole.changes")

CHANNEL = "voiceconsole"
POLL_S = 1.0
LOOKBACK = 64  # ids read again for entries committed out of id order (PostgreSQL)
RELISTEN_S = 10.0  # how long the feed polls after losing its LISTEN connection
READ_LIMIT = 500  # entries read at a time; more come on the next read
NOTIFY_LIMIT = 7000  # bytes: PostgreSQL refuses a payload of 8000 or more


@dataclass(frozen=True)
class Change:
    """One committed audit entry: what was done, by whom, to which sites and occupiers
    (codes; ids of things deleted since are left out)."""

    audit_id: int
    at: dt.datetime
    actor: str
    action: str
    summary: str
    sites: frozenset[str]
    occupiers: frozenset[str]
    subjects: tuple[tuple[int | None, int | None], ...]
    after: Any = None

    def concerns(self, *, site: str | None = None, occupier: str | None = None) -> bool:
        """Whether this change may alter what a list of `site` (and `occupier`) shows."""
        if occupier is not None and occupier in self.occupiers:
            return True
        if site is not None and site in self.sites:
            return occupier is None or not self.occupiers
        return False


def bookkeeping_payload(table: str, ids: list[int]) -> str:
    """What NOTIFY carries for a change that leaves no journal entry (a phone's re-sync)."""
    return json.dumps({"id": None, "table": table, "ids": ids[:100]})


def notify_payload(audit_id: int, action: str, pairs: list[tuple[int | None, int | None]]) -> str:
    """What NOTIFY carries: the entry's id, action and subjects (left out when too many)."""
    payload = json.dumps({"id": audit_id, "action": action, "subjects": pairs})
    if len(payload.encode()) > NOTIFY_LIMIT:
        payload = json.dumps({"id": audit_id, "action": action, "subjects": None})
    return payload


async def notify(connection: AsyncConnection, payload: str) -> None:
    """Inside an action's transaction (PostgreSQL): wake every listening console at commit."""
    await connection.execute(
        text("SELECT pg_notify(:channel, :payload)"),
        {
            "channel": CHANNEL,
            "payload": payload,
        },
    )


async def last_change_id(db: Database) -> int:
    async with db.read() as session:
        return int((await session.scalar(select(func.max(AuditEntry.id)))) or 0)


async def changes_after(
    db: Database, after: int, *, limit: int = READ_LIMIT, skip: Iterable[int] = ()
) -> list[Change]:
    """The entries with an id above `after` (but those in `skip`), oldest first."""
    skipped = set(skip)
    async with db.read() as session:
        entries = (
            await session.execute(
                select(AuditEntry).where(AuditEntry.id > after).order_by(AuditEntry.id).limit(limit)
            )
        ).scalars()
        entries = [e for e in entries if e.id not in skipped]
        if not entries:
            return []
        ids = [e.id for e in entries]
        rows = (
            await session.execute(
                select(AuditSubject.audit_id, AuditSubject.site_id, AuditSubject.occupier_id)
                .where(AuditSubject.audit_id.in_(ids))
                .order_by(AuditSubject.id)
            )
        ).all()
        site_ids = {r.site_id for r in rows if r.site_id is not None}
        occupier_ids = {r.occupier_id for r in rows if r.occupier_id is not None}
        site_codes = dict(
            (await session.execute(select(Site.id, Site.code).where(Site.id.in_(site_ids)))).all()
        )
        occupier_codes = dict(
            (
                await session.execute(
                    select(Occupier.id, Occupier.code).where(Occupier.id.in_(occupier_ids))
                )
            ).all()
        )
    subjects: dict[int, list[tuple[int | None, int | None]]] = {}
    for r in rows:
        subjects.setdefault(r.audit_id, []).append((r.site_id, r.occupier_id))
    changes = []
    for e in entries:
        pairs = subjects.get(e.id, [])
        changes.append(
            Change(
                audit_id=e.id,
                at=e.at,
                actor=e.actor,
                action=e.action,
                summary=e.summary,
                sites=frozenset(site_codes[s] for s, _ in pairs if s in site_codes),
                occupiers=frozenset(occupier_codes[o] for _, o in pairs if o in occupier_codes),
                subjects=tuple(pairs),
                after=e.after,
            )
        )
    return changes


class ChangeFeed:
    """Hands each batch of new changes to `deliver`, from a task of its own, until stopped.

    `deliver` runs on the event loop that started the feed and must not block it."""

    def __init__(
        self,
        db: Database,
        deliver: Callable[[list[Change]], Any],
        *,
        poll_s: float = POLL_S,
        woken: Callable[[], Any] | None = None,
    ) -> None:
        """`woken`: called whenever the database may have changed, journal entry or not
        (a phone's re-sync is bookkeeping)."""
        self.db = db
        self.deliver = deliver
        self.woken = woken
        self.poll_s = poll_s
        self.last = 0
        self.listening = False  # PostgreSQL: woken by NOTIFY (else polling)
        self._seen: set[int] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """From now on: what was committed before is not delivered."""
        self.last = await last_change_id(self.db)
        async with self.db.read() as session:
            self._seen = set(
                (
                    await session.scalars(
                        select(AuditEntry.id).where(AuditEntry.id > self.last - LOOKBACK)
                    )
                ).all()
            )
        run = self._listen if self.db.dialect == "postgresql" else self._watch_data_version
        self._task = asyncio.create_task(run(), name="change-feed")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def catch_up(self) -> list[Change]:
        """Read and deliver what was committed since the last read."""
        changes = await changes_after(self.db, self.last - LOOKBACK, skip=self._seen)
        changes = [c for c in changes if c.audit_id not in self._seen]
        if not changes:
            return []
        self._seen.update(c.audit_id for c in changes)
        self.last = max(self.last, changes[-1].audit_id)
        self._seen = {i for i in self._seen if i > self.last - LOOKBACK}
        self.deliver(changes)
        return changes

    async def _catch_up_quietly(self) -> None:
        try:
            await self.catch_up()
        except asyncio.CancelledError:
            raise
        except Exception as err:  # the database away for a moment: try on the next tick
            log.warning("reading the journal for changes failed: %s", err)
        if self.woken is not None:
            self.woken()

    # --- SQLite -----------------------------------------------------------------------------

    async def _watch_data_version(self) -> None:
        import aiosqlite

        path = sqlite_path(self.db.url)
        if path is None:
            return  # an in-memory database has no other connection to hear from
        # No transaction of its own: each PRAGMA sees the latest commit.
        async with aiosqlite.connect(path, isolation_level=None) as watcher:
            version = None
            while True:
                try:
                    async with watcher.execute("PRAGMA data_version") as cursor:
                        row = await cursor.fetchone()
                    now = row[0] if row else None
                except asyncio.CancelledError:
                    raise
                except Exception as err:
                    log.warning("PRAGMA data_version failed: %s", err)
                    now = None
                if now is not None and version is not None and now != version:
                    await self._catch_up_quietly()
                version = now if now is not None else version
                await asyncio.sleep(self.poll_s)

    # --- PostgreSQL -------------------------------------------------------------------------

    def _dsn(self) -> str:
        return (
            make_url(self.db.url).set(drivername="postgresql").render_as_string(hide_password=False)
        )

    async def _listen(self) -> None:
        import asyncpg

        loop = asyncio.get_running_loop()
        while True:
            connection = None
            try:
                connection = await asyncpg.connect(self._dsn(), timeout=5)
                connection.add_termination_listener(lambda _: self._wake.set())
                await connection.add_listener(CHANNEL, lambda *_: self._wake.set())
                self.listening = True
                await self._catch_up_quietly()  # what came while not listening
                while not connection.is_closed():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), timeout=RELISTEN_S)
                    self._wake.clear()
                    await self._catch_up_quietly()
            except asyncio.CancelledError:
                raise
            except Exception as err:
                log.warning("listening for changes failed, polling instead: %s", err)
            finally:
                self.listening = False
                if connection is not None:
                    connection.terminate()
            until = loop.time() + RELISTEN_S
            while loop.time() < until:
                await asyncio.sleep(self.poll_s)
                await self._catch_up_quietly()
