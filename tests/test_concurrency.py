"""Concurrent allocators on one site pool never share a number and never lose one.

SQLite: 8 separate processes (each its own connection and write lock queue).
PostgreSQL: 16 separate connections at once (SELECT ... FOR UPDATE SKIP LOCKED).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import shutil
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from allocation_worker import CONTESTED, allocate, allocate_in_process
from helpers import LONDON, add_numbers, make_occupier, make_products, make_site
from sqlalchemy import func, select

from voiceconsole.db.database import Database
from voiceconsole.db.models import Occupier, PhoneNumber
from voiceconsole.domain.allocation import batch_shape

POOL_SIZE = 1000
PER_WORKER = 4


async def _world(db: Database, workers: int) -> dict[int, list[str]]:
    await make_site(db, "LON1")
    await make_products(db)
    await add_numbers(db, "LON1", *LONDON)
    plan = {}
    for w in range(workers):
        plan[w] = [f"occ-{w:02d}-{i}" for i in range(PER_WORKER)]
        for code in plan[w]:
            await make_occupier(db, code)
    return plan


async def _check(db: Database, plan: dict[int, list[str]], outcomes: list[dict]) -> None:
    # Every allocator got what the rules promise...
    allocated: list[str] = []
    owner_of: dict[str, str] = {}
    for worker, outcome in enumerate(outcomes):
        for i, code in enumerate(plan[worker]):
            numbers = outcome["batches"][code]
            assert len(numbers) == batch_shape("GB", (worker + i) % 7 + 1, True).batch_size
            allocated += numbers
            owner_of.update(dict.fromkeys(numbers, code))
    # ...no number went to two allocators...
    twice = [n for n, c in Counter(allocated).items() if c > 1]
    assert twice == []
    # ...the database agrees on every owner (no later writer overwrote an earlier one)...
    async with db.read() as session:
        rows = (
            await session.execute(
                select(PhoneNumber.e164, Occupier.code, PhoneNumber.state).join(
                    Occupier, Occupier.id == PhoneNumber.occupier_id, isouter=True
                )
            )
        ).all()
        mains = await session.scalar(select(func.count()).where(PhoneNumber.is_main.is_(True)))
    in_db = {e164: code for e164, code, _ in rows if code}
    in_db.pop(CONTESTED, None)
    assert in_db == owner_of
    # ...none was lost...
    assert len(rows) == POOL_SIZE
    states = Counter(state.value for _, _, state in rows)
    assert states["available"] + states["reserved"] + states["active"] == POOL_SIZE
    assert states["reserved"] + states["active"] == len(allocated) + 1
    assert mains == sum(len(codes) for codes in plan.values())  # LON1 makes main numbers
    # ...and the contested number went to exactly one of them.
    assert sum(o["won"] for o in outcomes) == 1


@pytest.mark.slow
async def test_concurrent_allocation_sqlite_processes(
    tmp_path: Path, sqlite_template: Path
) -> None:
    path = tmp_path / "shared.db"
    shutil.copyfile(sqlite_template, path)
    db = Database(str(path))
    workers = 8
    try:
        plan = await _world(db, workers)
        start_at = time.time() + 4  # let every process import and connect first
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [
                asyncio.wrap_future(
                    pool.submit(allocate_in_process, str(path), w, plan[w], start_at)
                )
                for w in range(workers)
            ]
            outcomes = await asyncio.gather(*futures)
        await _check(db, plan, outcomes)
    finally:
        await db.close()


@pytest.mark.postgres
async def test_concurrent_allocation_postgresql_connections(postgres_url: str) -> None:
    db = Database(postgres_url)
    workers = 16
    try:
        plan = await _world(db, workers)
        start_at = time.time() + 0.5
        outcomes = await asyncio.gather(
            *(allocate(postgres_url, w, plan[w], start_at) for w in range(workers))
        )
        await _check(db, plan, outcomes)
    finally:
        await db.close()
