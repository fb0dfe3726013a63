"""Reading the audit journal (writing happens in `transaction`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, Select, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.database import Database
from voiceconsole.db.models import AuditEntry, AuditSubject, Occupier, Site
from voiceconsole.domain.errors import InvalidInput
from voiceconsole.services.lookup import occupier_by_ref, site_by_ref
from voiceconsole.services.views import AuditView


def _about(condition: ColumnElement[bool]) -> Select[tuple[int]]:
    return select(AuditSubject.audit_id).where(condition)


async def _actions_starting(session: AsyncSession, prefix: str) -> list[str]:
    """The distinct actions in the journal that start with `prefix`. One statement walks the
    (action, id) index from each action to the next (a loose index scan: a few dozen actions
    in a million entries); all of them, then the prefix here, since PostgreSQL's collation
    may sort punctuation in ways a range on the prefix would miss."""
    walk = select(func.min(AuditEntry.action).label("action")).cte("actions", recursive=True)
    following = (
        select(func.min(AuditEntry.action)).where(AuditEntry.action > walk.c.action)
    ).scalar_subquery()
    walk = walk.union_all(select(following).where(walk.c.action.is_not(None)))
    found = await session.scalars(select(walk.c.action).where(walk.c.action.is_not(None)))
    return [action for action in found if action.startswith(prefix)]


def _newest_of_actions(
    query: Select[tuple[AuditEntry]], actions: list[str], limit: int
) -> Select[tuple[AuditEntry]]:
    """`query` narrowed to `actions`: the newest `limit` entries of each action (a range of
    the (action, id) index each), merged. Filtering a prefix with LIKE instead reads the
    whole journal when few entries match, and an index range on the prefix sorts every
    entry that does."""
    ids = union_all(
        *(
            select(q.c.id).select_from(q)
            for q in (
                query.with_only_columns(AuditEntry.id).where(AuditEntry.action == action).subquery()
                for action in actions
            )
        )
    ).subquery()
    return query.where(AuditEntry.id.in_(select(ids.c.id))).limit(limit)


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
            place = await site_by_ref(session, site)
            query = query.where(AuditEntry.id.in_(_about(AuditSubject.site_id == place.id)))
        if occupier:
            holder = await occupier_by_ref(session, occupier)
            query = query.where(AuditEntry.id.in_(_about(AuditSubject.occupier_id == holder.id)))
        if actor:
            query = query.where(AuditEntry.actor == actor)
        if before_id:
            query = query.where(AuditEntry.id < before_id)
        if action:
            actions = await _actions_starting(session, action)
            if not actions:
                return []
            query = _newest_of_actions(query, actions, limit)
        entries = list(await session.scalars(query))
        sites: dict[int, set[str]] = {e.id: set() for e in entries}
        occupiers: dict[int, set[str]] = {e.id: set() for e in entries}
        for audit_id, site_code, occupier_code in await session.execute(
            select(AuditSubject.audit_id, Site.code, Occupier.code)
            .outerjoin(Site, Site.id == AuditSubject.site_id)
            .outerjoin(Occupier, Occupier.id == AuditSubject.occupier_id)
            .where(AuditSubject.audit_id.in_(sites))
        ):
            if site_code:
                sites[audit_id].add(site_code)
            if occupier_code:
                occupiers[audit_id].add(occupier_code)
    return [
        AuditView(
            e.id,
            e.at,
            e.actor,
            e.action,
            tuple(sorted(sites[e.id])),
            tuple(sorted(occupiers[e.id])),
            e.summary,
            e.before,
            e.after,
        )
        for e in entries
    ]
