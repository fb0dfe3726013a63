"""Who else is working on a site: each open console's heartbeat in the `presence` table.

A console writes its row every HEARTBEAT_S (its id random per start, the site it is on now)
and deletes it on a clean exit; a colleague counts as here while their row is fresher than
FRESH_S. A row left by a console that died is not shown after FRESH_S and is deleted by the
next heartbeat of anyone once older than FORGET_AFTER. The heartbeat is bookkeeping, not a
user action: it leaves no audit entry.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import delete, select, update

from voiceconsole import clock
from voiceconsole.db.database import Database
from voiceconsole.db.models import Presence, Site
from voiceconsole.domain.text import device_text

HEARTBEAT_S = 10.0
FRESH_S = 30.0
FORGET_AFTER = dt.timedelta(hours=1)


def new_console_id() -> str:
    return secrets.token_hex(8)


async def heartbeat(db: Database, console_id: str, login: str, site: str | None) -> list[str]:
    """Say this console is open on `site` (a code, or None: no site); the logins of the
    others on the same site now, sorted, each once (shown in a header: made safe to draw)."""
    now = clock.utcnow()
    async with db.write() as session:
        site_id = None
        if site is not None:
            site_id = await session.scalar(select(Site.id).where(Site.code == site))
        values = {"login": login[:64], "site_id": site_id, "seen_at": now}
        done = await session.execute(
            update(Presence).where(Presence.console_id == console_id).values(**values)
        )
        if not done.rowcount:  # type: ignore[attr-defined]
            session.add(Presence(console_id=console_id, **values))
        await session.execute(delete(Presence).where(Presence.seen_at < now - FORGET_AFTER))
        others: list[str] = []
        if site_id is not None:
            others = list(
                (
                    await session.scalars(
                        select(Presence.login)
                        .where(
                            Presence.site_id == site_id,
                            Presence.console_id != console_id,
                            Presence.seen_at >= now - dt.timedelta(seconds=FRESH_S),
                        )
                        .distinct()
                    )
                ).all()
            )
        await session.commit()
    return sorted({device_text(name, 64) for name in others if name != login})


async def leave(db: Database, console_id: str) -> None:
    """A clean exit: this console's row goes at once."""
    async with db.write() as session:
        await session.execute(delete(Presence).where(Presence.console_id == console_id))
        await session.commit()
