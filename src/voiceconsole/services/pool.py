"""Picking numbers from a site pool inside a write transaction.

`domain.allocation.pick_numbers` is the rule, stated over the whole pool. A site pool can
hold thousands of numbers, so this module loads only a slice of it that gives the same
answer: the lowest candidates, then the lowest non-candidates (usually a run is among the
first few), and only when no run is there, one query that finds the lowest run in the
database.

Concurrency: on SQLite the write transaction (BEGIN IMMEDIATE) serialises allocations. On
PostgreSQL only the picked rows are locked, FOR UPDATE SKIP LOCKED; a number another
allocation holds at that moment is left to it and the pick is made again without it. When
that leaves the pick short, the refusal tells the numbers free now from those in flight (held
by colleagues' allocations not yet committed), and the action is tried again for a moment in
case theirs roll back (`waits_for_numbers_in_flight`).
"""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import Awaitable, Callable, Collection
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Integer, bindparam, func, select, union_all
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
from voiceconsole.domain.errors import PoolShort
from voiceconsole.domain.phone import value_of
from voiceconsole.domain.states import NumberState, Origin
from voiceconsole.services.transaction import Contended

# Non-candidates loaded before asking the database for a run; a run is nearly always in it.
PREFIX = 64


# Pauses before each new try of an action left short only by numbers in flight: about 2 s in
# all, each stretched at random so that colleagues who collided do not try again in step.
PAUSES = (0.05, 0.1, 0.2, 0.4, 0.5, 0.75)


def _available(site_id: Any) -> list[Any]:
    return [
        PhoneNumber.site_id == site_id,
        PhoneNumber.state == NumberState.AVAILABLE,
        PhoneNumber.origin == Origin.POOL,
    ]


def _pool(site_id: Any, candidate: bool, busy: Collection[str]) -> list[Any]:
    where = [*_available(site_id), PhoneNumber.main_candidate.is_(candidate)]
    if busy:
        where.append(PhoneNumber.e164.not_in(busy))
    return where


async def _lowest(session: AsyncSession, where: list[Any], limit: int) -> list[str]:
    query = select(PhoneNumber.e164).where(*where).order_by(PhoneNumber.e164_value).limit(limit)
    return list(await session.scalars(query))


async def _lowest_run_in_db(
    session: AsyncSession, site_id: int, size: int, busy: Collection[str]
) -> list[str] | None:
    """The lowest run of `size` consecutive non-candidates (gaps and islands), or None."""
    where = _pool(site_id, False, busy)
    numbered = (
        select(
            PhoneNumber.e164_value.label("value"),
            (
                PhoneNumber.e164_value - func.row_number().over(order_by=PhoneNumber.e164_value)
            ).label("island"),
        )
        .where(*where)
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
    return await _lowest(
        session, [*where, PhoneNumber.e164_value.between(start, start + size - 1)], size
    )


@functools.cache
def _first_numbers_query() -> Any:
    """Built once (with bound parameters): it runs on every first-time service."""
    parts = [
        select(PhoneNumber.e164, PhoneNumber.main_candidate)
        .where(*_pool(bindparam("site_id"), is_candidate, ()))
        .where(PhoneNumber.e164.not_in(bindparam("busy", expanding=True)))
        .order_by(PhoneNumber.e164_value)
        .limit(bindparam(limit, type_=Integer))
        .subquery()
        for is_candidate, limit in ((True, "candidates"), (False, "others"))
    ]
    return union_all(*(select(part) for part in parts))


async def _first_numbers(
    session: AsyncSession, site_id: int, candidates: int, others: int, busy: Collection[str]
) -> tuple[list[str], list[str]]:
    """The lowest candidates and the lowest other pool numbers, in one round trip."""
    params = {"site_id": site_id, "busy": list(busy), "candidates": candidates, "others": others}
    rows = (await session.execute(_first_numbers_query(), params)).all()
    return [e for e, c in rows if c], [e for e, c in rows if not c]


async def _pick_once(
    session: AsyncSession, site: Site, shape: BatchShape, busy: Collection[str]
) -> Pick | None:
    limit = max(PREFIX, shape.batch_size)
    # Candidates serve as the main number, or fill a batch the other numbers cannot.
    candidates, prefix = await _first_numbers(session, site.id, shape.batch_size, limit, busy)
    need = ddi_count(shape, bool(candidates))
    start = lowest_run([value_of(e) for e in prefix], need)
    if start is not None:
        others = prefix[start : start + need]
    elif len(prefix) < limit:
        others = prefix  # that is the whole pool: no run, so the lowest numbers
    else:
        others = await _lowest_run_in_db(session, site.id, need, busy) or prefix[:need]
    pool = [PoolNumber(e, True) for e in candidates] + [PoolNumber(e, False) for e in others]
    return pick_numbers(pool, shape)


async def _lock(session: AsyncSession, e164s: Collection[str]) -> set[str]:
    """Lock the numbers that are still available and not held by another transaction."""
    query = (
        select(PhoneNumber.e164)
        .where(PhoneNumber.e164.in_(e164s), PhoneNumber.state == NumberState.AVAILABLE)
        .order_by(PhoneNumber.e164_value)
        .with_for_update(skip_locked=True)
    )
    return set(await session.scalars(query))


async def pick_from_pool(
    session: AsyncSession, site: Site, shape: BatchShape, *, lock: bool
) -> Pick | None:
    """What `pick_numbers` chooses from the site's pool, or None if the pool is short.

    With `lock`, the picked rows are locked for this transaction (a dry run does not lock).
    SQLite has no row locks and needs none: its write transaction already runs alone.
    """
    lock = lock and session.bind.dialect.name != "sqlite"
    busy: set[str] = set()
    while True:
        pick = await _pick_once(session, site, shape, busy)
        if pick is None or not lock:
            return pick
        missing = set(pick.all) - await _lock(session, pick.all)
        if not missing:
            return pick
        busy |= missing  # being taken by a concurrent allocation


class NumbersInFlight(PoolShort):
    """Short now, but colleagues' allocations in flight hold enough numbers for this one if
    theirs roll back: `waits_for_numbers_in_flight` tries the action again."""


async def take_from_pool(
    session: AsyncSession, site: Site, shape: BatchShape, *, lock: bool
) -> Pick:
    """What `pick_from_pool` chooses; if the pool is short, PoolShort with the figures of this
    moment (NumbersInFlight when colleagues' numbers in flight could make up the batch)."""
    for _ in range(3):
        pick = await pick_from_pool(session, site, shape, lock=lock)
        if pick is not None:
            return pick
        free, in_flight = await pool_figures(session, site.id)
        if free < shape.batch_size:
            # A dry run's pick skips no locked row: it is short only when they would not help.
            could = lock and free + in_flight >= shape.batch_size
            raise (NumbersInFlight if could else PoolShort)(
                site.code, free, shape.batch_size, in_flight
            )
        # Colleagues' numbers came back (their allocations rolled back) since the pick.
    raise Contended("the pool kept changing while numbers were picked from it")


async def pool_figures(session: AsyncSession, site_id: int) -> tuple[int, int]:
    """(free, in flight): the site's available pool numbers that no other transaction holds,
    and those that colleagues' allocations not yet committed hold locked. SQLite's write
    transaction runs alone: nothing is in flight there.

    Only on a refusal: on PostgreSQL it locks every free row for a moment (a short pool's
    few), in a savepoint rolled back at once so that colleagues' picks are not kept from them.
    """
    rows = select(PhoneNumber.id).where(*_available(site_id))
    available = select(func.count()).select_from(rows.subquery())
    if session.bind.dialect.name == "sqlite":
        return await session.scalar(available) or 0, 0
    free = select(func.count()).select_from(rows.with_for_update(skip_locked=True).subquery())
    both = select(available.scalar_subquery(), free.scalar_subquery())  # one snapshot
    async with session.begin_nested() as savepoint:
        total, unlocked = (await session.execute(both)).one()
        await savepoint.rollback()
    return unlocked, total - unlocked


P = ParamSpec("P")
T = TypeVar("T")


def waits_for_numbers_in_flight(action: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Run an allocating action again after a pause while it is short only because of numbers
    colleagues are allocating right now (PAUSES, about 2 s in all); then it is refused with
    the figures of its last try.

    Each try is a transaction of its own, ended before the pause, so nothing is held while
    waiting: not the rows this try did lock, nor the occupier. Waiting on the locked rows
    instead (FOR UPDATE with a local lock_timeout) would hold both, so two waiters holding
    each other's rows would deadlock; it would wait for every holder when one rolling back is
    enough; lock_timeout bounds each row's wait, not the statement's; and a timed-out wait
    aborts the transaction unless it runs in a savepoint.
    """

    @functools.wraps(action)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        for pause in PAUSES:
            try:
                return await action(*args, **kwargs)
            except NumbersInFlight:
                await asyncio.sleep(pause * random.uniform(0.5, 1.5))
        return await action(*args, **kwargs)  # still in flight: refused as it stands

    return run
