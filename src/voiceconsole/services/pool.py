"""Picking numbers from a site pool inside a write transaction.

`domain.allocation.pick_numbers` is the rule, stated over the whole pool. A site pool can
hold thousands of numbers, so this module loads only a slice of it that gives the same
answer: the lowest candidates, then the lowest non-candidates (usually a run is among the
first few), and only when no run is there, one query that finds the lowest run in the
database. On PostgreSQL the rows are taken FOR UPDATE SKIP LOCKED, so concurrent allocations
at one site take different numbers without waiting for each other; on SQLite the write
transaction (BEGIN IMMEDIATE) already serialises them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.models import PhoneNumber, Site
from voiceconsole.domain.allocation import (
    BatchShape,
    Pick,
    PoolNumber,
    ddi_count,
    lowest_run,
    pick_numbers,
)
from voiceconsole.domain.states import NumberState, Origin

# Non-candidates loaded before asking the database for a run; a run is nearly always in it.
PREFIX = 64
RUN_ATTEMPTS = 3


def _pool(site_id: int, candidate: bool) -> list[Any]:
    return [
        PhoneNumber.site_id == site_id,
        PhoneNumber.state == NumberState.AVAILABLE,
        PhoneNumber.origin == Origin.POOL,
        PhoneNumber.main_candidate.is_(candidate),
    ]


async def _lowest(session: AsyncSession, where: list[Any], limit: int, lock: bool) -> list[str]:
    query = select(PhoneNumber.e164).where(*where).order_by(PhoneNumber.e164_value).limit(limit)
    if lock:
        query = query.with_for_update(skip_locked=True)
    return list(await session.scalars(query))


async def _lowest_run_in_db(
    session: AsyncSession, site_id: int, size: int, lock: bool
) -> list[str] | None:
    """The lowest run of `size` consecutive non-candidates (gaps and islands), or None."""
    for _ in range(RUN_ATTEMPTS):
        numbered = (
            select(
                PhoneNumber.e164_value.label("value"),
                (
                    PhoneNumber.e164_value - func.row_number().over(order_by=PhoneNumber.e164_value)
                ).label("island"),
            )
            .where(*_pool(site_id, False))
            .subquery()
        )
        start = await session.scalar(
            select(func.min(numbered.c.value))
            .group_by(numbered.c.island)
            .having(func.count() >= size)
            .order_by(func.min(numbered.c.value))
            .limit(1)
        )
        if start is None:
            return None
        run = await _lowest(
            session,
            [*_pool(site_id, False), PhoneNumber.e164_value.between(start, start + size - 1)],
            size,
            lock,
        )
        if len(run) == size:
            return run
        # Another allocation holds part of that run (PostgreSQL); look again.
    return None


async def pick_from_pool(
    session: AsyncSession, site: Site, shape: BatchShape, *, lock: bool
) -> Pick | None:
    """The numbers `pick_numbers` would choose from the site's whole pool, or None if short."""
    candidates = (
        await _lowest(session, _pool(site.id, True), shape.batch_size, lock) if shape.main else []
    )
    need = ddi_count(shape, bool(candidates))
    prefix = await _lowest(session, _pool(site.id, False), max(PREFIX, need), lock)
    start = lowest_run([int(e[1:]) for e in prefix], need)
    if start is not None:
        others = prefix[start : start + need]
    elif len(prefix) < max(PREFIX, need):
        others = prefix  # that is the whole pool: no run, so the lowest numbers
    else:
        others = await _lowest_run_in_db(session, site.id, need, lock) or prefix[:need]
    if len(others) < need and not shape.main:
        candidates = await _lowest(session, _pool(site.id, True), need - len(others), lock)
    pool = [PoolNumber(e, True) for e in candidates] + [PoolNumber(e, False) for e in others[:need]]
    return pick_numbers(pool, shape)


async def available_count(session: AsyncSession, site_id: int) -> int:
    return (
        await session.scalar(
            select(func.count()).where(
                PhoneNumber.site_id == site_id,
                PhoneNumber.state == NumberState.AVAILABLE,
                PhoneNumber.origin == Origin.POOL,
            )
        )
        or 0
    )
