"""Reading the audit journal (writing happens in `transaction`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from voiceconsole.db.database import Database
from voiceconsole.db.models import AuditEntry
from voiceconsole.domain.errors import InvalidInput
from voiceconsole.services.lookup import occupier_by_ref, site_by_ref
from voiceconsole.services.views import AuditView


async def list_audit(
    db: Database,
    *,
    since: dt.datetime | None = None,
    site: str | None = None,
    occupier: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[AuditView]:
    """Entries newest first; page back with `before_id` (the last id of a page)."""
    if not 1 <= limit <= 10_000:
        raise InvalidInput("the limit must be between 1 and 10,000")
    async with db.read() as session:
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if since:
            query = query.where(AuditEntry.at >= since)
        if site:
            query = query.where(AuditEntry.site_id == (await site_by_ref(session, site)).id)
        if occupier:
            query = query.where(
                AuditEntry.occupier_id == (await occupier_by_ref(session, occupier)).id
            )
        if actor:
            query = query.where(AuditEntry.actor == actor)
        if action:
            query = query.where(AuditEntry.action.startswith(action))
        if before_id:
            query = query.where(AuditEntry.id < before_id)
        return [
            AuditView(
                e.id,
                e.at,
                e.actor,
                e.action,
                e.site_id,
                e.occupier_id,
                e.summary,
                e.before,
                e.after,
            )
            for e in await session.scalars(query)
        ]
