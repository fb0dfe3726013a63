"""Refusals under contention on PostgreSQL (services/pool.py): a short pool's refusal tells
the numbers free now from those colleagues' allocations hold in flight, and an action short
only because of those waits a moment for them before it is refused. SQLite runs one writer
at a time, so nothing is ever in flight there (test_add_services.py covers its refusal).

Each colleague in flight is a real transaction on a connection of its own: the rows locked
FOR UPDATE and held open, as an allocation holds its picked numbers until it commits."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

import pytest
from contention_worker import take_a_batch_in_process
from helpers import add_numbers, london, make_occupier, make_products, make_site
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.database import Database
from voiceconsole.db.models import PhoneNumber
from voiceconsole.domain.errors import PoolShort
from voiceconsole.domain.states import NumberState
from voiceconsole.services.pool import PAUSES
from voiceconsole.services.voice_services import add_services, list_services


async def _world(url: str, first: int, last: int, occupiers: list[str]) -> None:
    db = Database(url)
    try:
        await make_site(db, "LON1")
        await make_products(db)
        await add_numbers(db, "LON1", london(first), london(last))
        for code in occupiers:
            await make_occupier(db, code)
    finally:
        await db.close()


@asynccontextmanager
async def colleague_holding(url: str, numbers: list[str]) -> AsyncIterator[AsyncSession]:
    """A colleague's allocation in flight: those rows locked in a transaction left open."""
    colleague = Database(url)
    try:
        async with colleague.write() as session:
            query = select(PhoneNumber.id).where(PhoneNumber.e164.in_(numbers))
            assert len((await session.scalars(query.with_for_update())).all()) == len(numbers)
            yield session
    finally:
        await colleague.close()


def short_tries(db: Database, first_short: asyncio.Event | None = None) -> list[str]:
    """The tries of `db`'s actions that found the pool short: each counts the pool's figures."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "SKIP LOCKED) AS" in statement and "count(*)" in statement:
            seen.append(statement)
            if first_short is not None:
                first_short.set()

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    return seen


async def _add(db: Database) -> Any:
    return await add_services(
        db, "ann", occupier="acme", site="LON1", product="desk-line", quantity=4
    )


@pytest.mark.postgres
async def test_a_pick_short_only_by_numbers_in_flight_waits_then_says_so(
    postgres_url: str,
) -> None:
    """7 in the pool, 4 held by a colleague: 3 free now, 4 in flight, 5 needed. The action
    tries again for a moment (their allocation may roll back), then refuses saying which."""
    await _world(postgres_url, 100, 106, ["acme"])
    db = Database(postgres_url)
    tries = short_tries(db)
    try:
        async with colleague_holding(postgres_url, [london(n) for n in range(100, 104)]):
            with pytest.raises(PoolShort) as short:
                await _add(db)
        assert (short.value.available, short.value.in_flight, short.value.needed) == (3, 4, 5)
        assert str(short.value) == (
            "the LON1 number pool is short: 5 numbers needed, 3 free now and 4 being "
            "allocated by colleagues right now; try again in a moment, it may succeed if "
            "theirs do not; nothing was changed"
        )
        assert len(tries) == len(PAUSES) + 1  # it waited: each pause, then one last try
        assert await list_services(db, occupier="acme") == []
        assert await _available(db) == 7
    finally:
        await db.close()


@pytest.mark.postgres
async def test_numbers_in_flight_that_roll_back_are_allocated(postgres_url: str) -> None:
    """The colleague's allocation rolls back while the action waits: it gets those numbers
    (the lowest run, 100-104) instead of a refusal."""
    await _world(postgres_url, 100, 106, ["acme"])
    db = Database(postgres_url)
    first_short = asyncio.Event()
    tries = short_tries(db, first_short)
    try:
        async with colleague_holding(
            postgres_url, [london(n) for n in range(100, 104)]
        ) as colleague:
            adding = asyncio.create_task(_add(db))
            await asyncio.wait_for(first_short.wait(), 60)
            await colleague.rollback()
        result = await adding
        assert result.allocated == [london(n) for n in range(100, 105)]
        assert 1 <= len(tries) <= len(PAUSES)
    finally:
        await db.close()


@pytest.mark.postgres
async def test_a_pool_short_even_with_its_numbers_in_flight_refuses_at_once(
    postgres_url: str,
) -> None:
    """3 in the pool, 2 held by a colleague: even if theirs roll back, 5 cannot be had, so
    there is no wait and no suggestion to try again."""
    await _world(postgres_url, 100, 102, ["acme"])
    db = Database(postgres_url)
    tries = short_tries(db)
    try:
        async with colleague_holding(postgres_url, [london(100), london(101)]):
            with pytest.raises(PoolShort) as short:
                await _add(db)
        assert (short.value.available, short.value.in_flight, short.value.needed) == (1, 2, 5)
        assert str(short.value) == (
            "the LON1 number pool is short: 5 numbers needed, 1 free now and 2 being "
            "allocated by colleagues right now; nothing was changed"
        )
        assert len(tries) == 1
    finally:
        await db.close()


def test_the_refusal_says_a_retry_may_help_only_when_it_may() -> None:
    """Nothing in flight (SQLite, always): as it always read. In flight, and enough of them
    to make up the batch if theirs roll back: try again. Too few even then: no such hope."""
    assert str(PoolShort("CNC1", 2, 5)) == (
        "the CNC1 number pool is short: 5 numbers needed, 2 available; nothing was changed"
    )
    assert str(PoolShort("CNC1", 2, 5, in_flight=10)) == (
        "the CNC1 number pool is short: 5 numbers needed, 2 free now and 10 being allocated "
        "by colleagues right now; try again in a moment, it may succeed if theirs do not; "
        "nothing was changed"
    )
    assert str(PoolShort("CNC1", 0, 1, in_flight=1)).startswith(
        "the CNC1 number pool is short: 1 number needed, 0 free now and 1 being allocated"
    )
    short = PoolShort("CNC1", 1, 5, in_flight=2)
    assert not short.may_succeed_later and str(short) == (
        "the CNC1 number pool is short: 5 numbers needed, 1 free now and 2 being allocated by "
        "colleagues right now; nothing was changed"
    )


async def _available(db: Database) -> int:
    async with db.read() as session:
        query = select(func.count()).where(PhoneNumber.state == NumberState.AVAILABLE)
        return await session.scalar(query) or 0


POOL = 42  # room for 8 batches of 5, and 2 over
WORKERS = 16
ROLLING_BACK = range(0, 4)  # these pick and lock a batch, then roll back (a stale preview)
IMPATIENT = range(4, 8)  # these do not wait for numbers in flight: refused at once


@pytest.mark.slow
@pytest.mark.postgres
async def test_sixteen_processes_racing_for_one_pool_are_told_the_true_figures(
    postgres_url: str,
) -> None:
    """16 colleagues, each a process of its own, add a first-time service (a batch of 5) at
    one moment from a pool of 42; 4 of them roll back after locking theirs, 4 others do not
    wait for numbers in flight. Every refusal's figures were true when given: fewer than 5
    free, and free plus in flight (the numbers still available then) is the pool less the
    batches committed by then, a whole number of them. No number is given twice or lost, and
    every batch that fits is given: the patient ones are never refused while the numbers
    they wait for may come back."""
    occupiers = [f"occ-{w:02d}" for w in range(WORKERS)]
    await _world(postgres_url, 200, 200 + POOL - 1, occupiers)
    # Forked from a server that imported the worker once: 16 processes start in a moment.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["contention_worker"])
    with context.Manager() as manager:
        start = manager.Barrier(WORKERS)
        with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context) as pool:
            outcomes = await asyncio.gather(
                *(
                    asyncio.wrap_future(
                        pool.submit(
                            take_a_batch_in_process,
                            postgres_url,
                            code,
                            start,
                            w in ROLLING_BACK,
                            w not in IMPATIENT,
                        )
                    )
                    for w, code in enumerate(occupiers)
                )
            )
    batches = [o["allocated"] for o in outcomes if "allocated" in o]
    refusals = [o for o in outcomes if "short" in o]
    rolled_back = [o for o in outcomes if "rolled_back" in o]
    assert len(batches) + len(refusals) + len(rolled_back) == WORKERS
    given = [n for batch in batches for n in batch]
    assert all(len(batch) == 5 for batch in batches) and len(set(given)) == len(given)
    db = Database(postgres_url)
    try:
        left = await _available(db)
    finally:
        await db.close()
    assert len(given) + left == POOL  # none lost
    assert left < 5  # every batch that fits was given: nobody was refused while 5 stayed free
    for refusal in refusals:
        free, in_flight, needed = refusal["short"]
        available_then = free + in_flight
        committed_then = POOL - available_then
        assert needed == 5 and 0 <= free < needed and in_flight >= 0, refusal
        assert committed_then % 5 == 0 and 0 <= committed_then <= len(given), refusal
        assert available_then >= left, refusal
        said = (
            f"{free} free now and {in_flight} being allocated" if in_flight else f"{free} available"
        )
        assert f"5 numbers needed, {said}" in refusal["message"], refusal
    in_flight = [r["short"] for r in refusals if r["short"][1]]
    print(
        f"{len(batches)} given, {len(rolled_back)} rolled back, refused with numbers in flight: {in_flight}"
    )
