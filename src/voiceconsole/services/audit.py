"""Reading the audit journal (writing happens in `transaction`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.database import Database
from voiceconsole.db.models import AuditEntry, AuditSubject, Occupier, Site
from voiceconsole.domain.errors import InvalidInput, NotFound
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


@dataclass(frozen=True)
class JournalEntry:
    """One entry in full, for reading: the entry, whom it concerns (site and occupier codes
    with their names, to jump to), and the names of the occupiers its data names by id."""

    entry: AuditView
    sites: tuple[tuple[str, str], ...]  # (code, name)
    occupiers: tuple[tuple[str, str, str | None], ...]  # (code, name, a site it is at there)
    occupier_codes: dict[int, str]  # occupier id -> code, for `occupier_id` in the data


def _occupier_ids(data: Any) -> set[int]:
    """The `occupier_id` values anywhere in an entry's before/after data."""
    found: set[int] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "occupier_id" and isinstance(value, int):
                found.add(value)
            else:
                found |= _occupier_ids(value)
    elif isinstance(data, list):
        for item in data:
            found |= _occupier_ids(item)
    return found


async def journal_entry(db: Database, entry_id: int) -> JournalEntry:
    async with db.read() as session:
        entry = await session.get(AuditEntry, entry_id)
        if entry is None:
            raise NotFound(f"no journal entry {entry_id}")
        pairs = (
            await session.execute(
                select(AuditSubject.site_id, AuditSubject.occupier_id).where(
                    AuditSubject.audit_id == entry_id
                )
            )
        ).all()
        site_ids = {s for s, _ in pairs if s is not None}
        occupier_ids = {o for _, o in pairs if o is not None}
        named = occupier_ids | _occupier_ids(entry.before) | _occupier_ids(entry.after)
        sites = {s.id: s for s in await session.scalars(select(Site).where(Site.id.in_(site_ids)))}
        holders = {
            o.id: o for o in await session.scalars(select(Occupier).where(Occupier.id.in_(named)))
        }
    subjects_sites = tuple(sorted((s.code, s.name) for s in sites.values()))
    subjects_occupiers = []
    for site_id, occupier_id in sorted(pairs, key=lambda p: (p[1] or 0, p[0] or 0)):
        if occupier_id in holders:
            holder = holders[occupier_id]
            place = sites[site_id].code if site_id in sites else None
            subjects_occupiers.append((holder.code, holder.name, place))
    view = AuditView(
        entry.id,
        entry.at,
        entry.actor,
        entry.action,
        tuple(code for code, _ in subjects_sites),
        tuple(dict.fromkeys(code for code, _, _ in subjects_occupiers)),
        entry.summary,
        entry.before,
        entry.after,
    )
    return JournalEntry(
        view,
        subjects_sites,
        tuple(dict.fromkeys(subjects_occupiers)),
        {i: o.code for i, o in holders.items()},
    )
