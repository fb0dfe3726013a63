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
from helpers import (
    LONDON,
    add_numbers,
    hold_then_release,
    make_occupier,
    make_products,
    make_site,
    noon_in_london,
)
from sqlalchemy import func, select

from voiceconsole.db.database import Database
from voiceconsole.db.models import Occupancy, Occupier, PhoneNumber, ScheduledChange
from voiceconsole.domain.allocation import batch_shape
from voiceconsole.domain.errors import RuleViolation
from voiceconsole.services.products import create_product
from voiceconsole.services.voice_services import (
    add_services,
    apply_due,
    cancel_change,
    list_services,
    schedule_change,
)

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


async def test_colleagues_adding_services_for_one_occupier_at_once(db_url: str) -> None:
    """Only one of them can be the first time; the others are upgrades and allocate nothing."""
    db = Database(db_url)
    colleagues = [Database(db_url) for _ in range(6)]
    try:
        await make_site(db, "LON1")
        await add_numbers(db, "LON1", *LONDON)
        await make_occupier(db, "solo")
        for i in range(len(colleagues)):
            await create_product(db, "setup", code=f"line-{i}", name=f"Line {i}")
        lock = select(Occupancy).with_for_update()
        outcomes = await hold_then_release(
            db_url,
            lock,
            [
                add_services(
                    c,
                    f"colleague-{i}",
                    occupier="solo",
                    site="LON1",
                    product=f"line-{i}",
                    quantity=2,
                )
                for i, c in enumerate(colleagues)
            ],
        )
        assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
        applied = [o for o in outcomes if o.automation == "applied"]
        assert len(applied) == 1
        assert all(o.reason.startswith("upgrade") for o in outcomes if o is not applied[0])
        async with db.read() as session:
            held = set(
                await session.scalars(
                    select(PhoneNumber.e164).where(PhoneNumber.occupier_id.is_not(None))
                )
            )
        assert held == set(applied[0].allocated) and len(held) == 5
    finally:
        for database in [db, *colleagues]:
            await database.close()


async def test_cancel_and_apply_of_one_change_at_once(db_url: str) -> None:
    """A change is either cancelled or applied, never both (and never applied twice)."""
    db = Database(db_url)
    others = [Database(db_url) for _ in range(3)]
    try:
        await make_site(db, "LON1")
        await make_products(db)
        await add_numbers(db, "LON1", *LONDON)
        await make_occupier(db, "solo")
        await add_services(
            db, "setup", occupier="solo", site="LON1", product="desk-line", quantity=2
        )
        change = await schedule_change(
            db,
            "setup",
            occupier="solo",
            site="LON1",
            product="desk-line",
            quantity=3,
            effective_on=1,
        )
        tomorrow = noon_in_london(change.effective_on)
        outcomes = await hold_then_release(
            db_url,
            select(ScheduledChange).with_for_update(),
            [
                cancel_change(others[0], "canceller", change.id),
                apply_due(others[1], "scheduler", now=tomorrow),
                apply_due(others[2], "scheduler-2", now=tomorrow),
            ],
        )
        cancelled, *applies = outcomes
        applied = sum(len(o.applied) for o in applies if not isinstance(o, BaseException))
        (service,) = await list_services(db, occupier="solo")
        if isinstance(cancelled, RuleViolation):  # the change was applied first
            assert applied == 1 and service.quantity == 3
        else:
            assert cancelled.status == "cancelled" and applied == 0 and service.quantity == 2
        assert not [o for o in applies if isinstance(o, BaseException)], applies
    finally:
        for database in [db, *others]:
            await database.close()


@pytest.mark.postgres
async def test_concurrent_logins_to_one_handset_take_different_line_keys(
    postgres_url: str,
) -> None:
    """Two colleagues log two numbers in to one phone at the same moment, each on their own
    connection: both land, on keys 1 and 2 (before, both took key 1 and one failed)."""
    from voiceconsole.services.handsets import list_handsets, login_number
    from voiceconsole.services.seed import load_sample_data

    setup = Database(postgres_url)
    try:
        await load_sample_data(setup, "sample-data")
    finally:
        await setup.close()
    for _ in range(5):
        first, second = Database(postgres_url), Database(postgres_url)
        try:
            results = await asyncio.gather(
                login_number(first, "ann", handset="02:cc:01:01:00:01", number="020 7946 0001"),
                login_number(second, "bob", handset="02:cc:01:01:00:01", number="020 7946 0002"),
                return_exceptions=True,
            )
            assert not [r for r in results if isinstance(r, BaseException)], results
            (desk,) = [
                h for h in await list_handsets(first, site="LON1") if h.mac == "02:cc:01:01:00:01"
            ]
            assert sorted((key, n) for key, n, _ in desk.lines) in (
                [(1, "+442079460001"), (2, "+442079460002")],
                [(1, "+442079460002"), (2, "+442079460001")],
            )
            from voiceconsole.services.handsets import logout_number

            await logout_number(first, "ann", number="020 7946 0001")
            await logout_number(first, "ann", number="020 7946 0002")
        finally:
            await first.close()
            await second.close()


@pytest.mark.postgres
async def test_a_deadlock_between_two_actions_is_retried_not_shown(postgres_url: str) -> None:
    """Two actions take the same two rows in opposite orders, each waiting for the other at
    the same moment: PostgreSQL ends one (deadlock detected). `retried` runs it again, and
    both land."""
    from voiceconsole.db.models import Site
    from voiceconsole.services.permissions import Permission, requires
    from voiceconsole.services.transaction import retried, transaction

    setup = Database(postgres_url)
    await make_site(setup, "LON1")
    await make_site(setup, "MAN1")
    await setup.close()
    both_hold_one = asyncio.Barrier(2)
    attempts: Counter[str] = Counter()

    def rename(first: str, second: str, who: str, *, always_wait: bool = False):  # type: ignore[no-untyped-def]
        @requires(Permission.SITES)
        async def action(db: Database, actor: str = who) -> None:
            attempts[who] += 1
            async with transaction(db, who) as tx:
                for i, code in enumerate((first, second)):
                    site = await tx.session.scalar(
                        select(Site).where(Site.code == code).with_for_update()
                    )
                    assert site is not None
                    site.name = f"{code} by {who}"
                    if i == 0 and (attempts[who] == 1 or always_wait):
                        await asyncio.wait_for(both_hold_one.wait(), 10)
                tx.audit("site.edit", f"renamed {first} and {second}")

        return action

    ann_db, bob_db = Database(postgres_url), Database(postgres_url)
    try:
        await asyncio.gather(
            retried(rename("LON1", "MAN1", "ann"))(ann_db),
            retried(rename("MAN1", "LON1", "bob"))(bob_db),
        )
        assert sorted(attempts.values()) == [1, 2]  # one of them ran twice
        async with ann_db.read() as session:
            names = set(await session.scalars(select(Site.name)))
        assert names in ({"LON1 by ann", "MAN1 by ann"}, {"LON1 by bob", "MAN1 by bob"})

    finally:
        await ann_db.close()
        await bob_db.close()


async def test_contention_on_every_attempt_ends_in_one_sentence() -> None:
    """No retry left (an error path a real database gives only by chance): one sentence."""
    from voiceconsole.domain.errors import Conflict
    from voiceconsole.services.transaction import RETRIES, Contended, retried

    tries = 0

    @retried
    async def always_contended() -> None:
        nonlocal tries
        tries += 1
        raise Contended("deadlock detected")

    with pytest.raises(Conflict, match="busy with colleagues' changes"):
        await always_contended()
    assert tries == RETRIES
