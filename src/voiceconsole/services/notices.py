"""What a console tells its user of their colleagues' (and the switches' and phones') doings,
read from the change feed (services/changes.py). Three things, each said once per console:

- a switch-port role change of theirs, left in flight, that was found reverted when someone
  else's console settled it (`ports.role_settled`);
- a handset they logged a line in to whose phone had not answered the re-sync request, once
  it has (a retry, the provisioning server's: no journal entry, so it is looked for whenever
  the database changes);
- an open port-in order of their sites (assigned in `users`, else the site the console is
  on) that is due today or late: at the start, on a new day, and when a port-in changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select

from voiceconsole.db.database import Database
from voiceconsole.db.models import Handset, HandsetLine, Site, User, UserSite
from voiceconsole.domain.handsets import LineStatus
from voiceconsole.domain.text import device_text
from voiceconsole.services.changes import Change
from voiceconsole.services.lookup import site_today
from voiceconsole.services.porting import list_port_ins


@dataclass(frozen=True)
class Notice:
    key: str  # the same thing is said once
    title: str
    text: str


def reverted_role_changes(changes: Iterable[Change], user: str) -> list[Notice]:
    """The user's role changes that someone else's console found reverted on the switch."""
    found = []
    for c in changes:
        after = c.after if isinstance(c.after, dict) else {}
        if c.action != "ports.role_settled" or after.get("by") != user or c.actor == user:
            continue
        ports = [p for p in after.get("ports") or [] if isinstance(p, dict)]
        reverted = [str(p.get("port")) for p in ports if p.get("outcome") == "reverted"]
        if reverted:
            switch = device_text(after.get("switch", ""), 64)
            found.append(
                Notice(
                    f"reverted-{c.audit_id}",
                    "Your port change was reverted",
                    f"{switch}: your role change of {device_text(', '.join(reverted))} is not "
                    f"on the switch (found by {c.actor}'s console).",
                )
            )
    return found


def handset_logins(changes: Iterable[Change], user: str) -> list[tuple[str, str]]:
    """(site, handset name) of each line this user logged in to a handset."""
    found = []
    for c in changes:
        after = c.after if isinstance(c.after, dict) else {}
        if c.action == "handset.login" and c.actor == user and after.get("handset"):
            found += [(site, str(after["handset"])) for site in sorted(c.sites)]
    return found


async def pending_handsets(db: Database, handsets: Iterable[tuple[str, str]]) -> dict[int, str]:
    """Of these handsets (site, name), those with a line whose re-sync is still pending."""
    pending: dict[int, str] = {}
    async with db.read() as session:
        for site, name in handsets:
            rows = await session.execute(
                select(Handset.id)
                .join(Site, Site.id == Handset.site_id)
                .join(HandsetLine, HandsetLine.handset_id == Handset.id)
                .where(
                    Site.code == site,
                    or_(Handset.label == name, Handset.mac == name),
                    HandsetLine.status == LineStatus.PENDING_RESYNC.value,
                )
                .distinct()
            )
            pending.update((handset_id, name) for (handset_id,) in rows)
    return pending


async def resynced(db: Database, watched: dict[int, str]) -> list[Notice]:
    """The watched handsets (id: name) that no longer have a line pending re-sync."""
    if not watched:
        return []
    async with db.read() as session:
        still = set(
            await session.scalars(
                select(HandsetLine.handset_id).where(
                    HandsetLine.handset_id.in_(list(watched)),
                    HandsetLine.status == LineStatus.PENDING_RESYNC.value,
                )
            )
        )
    return [
        Notice(
            f"resynced-{handset_id}",
            "Handset re-synced",
            f"{device_text(name, 64)} answered at last: the lines you logged in are on it.",
        )
        for handset_id, name in watched.items()
        if handset_id not in still
    ]


async def user_sites(db: Database, user: str, current: str | None) -> list[str]:
    """The sites this user is assigned to; none assigned: the one the console is on."""
    async with db.read() as session:
        assigned = list(
            await session.scalars(
                select(Site.code)
                .join(UserSite, UserSite.site_id == Site.id)
                .join(User, User.id == UserSite.user_id)
                .where(User.login == user)
                .order_by(Site.code)
            )
        )
    return assigned or ([current] if current else [])


async def due_port_ins(db: Database, sites: Iterable[str]) -> list[Notice]:
    """Open port-in orders of `sites` due today (the site's day) or late."""
    found = []
    for site in sites:
        for order in await list_port_ins(db, site=site, open_only=True):
            today = await _today_at(db, site)
            if order.due_on > today:
                continue
            when = "today" if order.due_on == today else f"since {order.due_on.isoformat()}"
            found.append(
                Notice(
                    f"port-in-{order.id}-{order.due_on.isoformat()}",
                    "Port-in due",
                    f"{site}: port-in #{order.id} of {order.occupier} "
                    f"({device_text(order.numbers_text)}) is due {when}.",
                )
            )
    return found


async def _today_at(db: Database, site: str) -> dt.date:
    async with db.read() as session:
        place = await session.scalar(select(Site).where(Site.code == site))
    return site_today(place) if place is not None else dt.date.today()
