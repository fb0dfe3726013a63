"""Port-in orders under real concurrency (separate connections on one database, SQLite and
PostgreSQL): numbers held for an order are never given to anyone else, and an order and a
first-time service for the same occupier take turns."""

from __future__ import annotations

import asyncio
import random

import pytest
from helpers import (
    LONDON,
    add_numbers,
    hold_then_release,
    make_occupier,
    make_products,
    make_site,
)
from sqlalchemy import func, select

from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    AuditEntry,
    NumberRange,
    Occupancy,
    Occupier,
    PhoneNumber,
    PortingOrder,
)
from voiceconsole.domain.errors import NotFound, RuleViolation
from voiceconsole.domain.porting import PortingState
from voiceconsole.domain.states import NumberState, Origin
from voiceconsole.services.numbers import allocate_numbers
from voiceconsole.services.porting import add_port_in, advance_port_in
from voiceconsole.services.voice_services import add_services


async def _world(db: Database, occupiers: list[str]) -> None:
    await make_site(db, "LON1")
    await make_products(db)
    await add_numbers(db, "LON1", *LONDON)
    for code in occupiers:
        await make_occupier(db, code)


async def test_an_order_and_a_first_time_service_for_one_occupier_take_turns(db_url: str) -> None:
    """Both wait for the occupancy; whichever commits first, the outcome is one of the two
    orders of events, never a mixture: an order placed first means no automation."""
    db = Database(db_url)
    colleagues = [Database(db_url) for _ in range(3)]
    try:
        await _world(db, ["acme", "bravo"])
        outcomes = await hold_then_release(
            db_url,
            select(Occupancy).with_for_update(),
            [
                add_services(
                    colleagues[0],
                    "noc-1",
                    occupier="acme",
                    site="LON1",
                    product="desk-line",
                    quantity=2,
                ),
                add_port_in(
                    colleagues[1],
                    "noc-2",
                    occupier="acme",
                    site="LON1",
                    losing_carrier="Old Telco",
                    account_ref="A-1",
                    requested_on=3,
                    numbers="03069 990100..0104",
                ),
                add_services(
                    colleagues[2],
                    "noc-3",
                    occupier="bravo",
                    site="LON1",
                    product="desk-line",
                    quantity=4,
                ),
            ],
        )
        assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
        service, order, other = outcomes
        async with db.read() as session:
            actions = list(
                await session.scalars(
                    select(AuditEntry.action)
                    .where(AuditEntry.actor.in_(["noc-1", "noc-2"]))
                    .order_by(AuditEntry.id)
                )
            )
            acme = await session.scalar(select(Occupier.id).where(Occupier.code == "acme"))
            held = dict(
                (
                    await session.execute(
                        select(PhoneNumber.origin, func.count())
                        .where(PhoneNumber.occupier_id == acme)
                        .group_by(PhoneNumber.origin)
                    )
                ).all()
            )
        if actions == ["porting.add", "services.add"]:
            assert service.automation == "skipped" and "being ported in" in (service.reason or "")
            assert held == {Origin.PORTED: 5}
        else:
            assert actions == ["services.add", "porting.add"]
            assert service.automation == "applied"
            assert held == {Origin.PORTED: 5, Origin.POOL: 5}
        assert other.automation == "applied" and not {n for n in other.allocated if "30699901" in n}
        assert order.number_count == 5
    finally:
        for database in [db, *colleagues]:
            await database.close()


ALLOCATORS = 3
PER_ALLOCATOR = 3
ORDERS = 6


async def _allocator(url: str, worker: int) -> list[str]:
    db = Database(url)
    taken: list[str] = []
    try:
        for i in range(PER_ALLOCATOR):
            result = await add_services(
                db,
                f"alloc-{worker}",
                occupier=f"occ-{worker}-{i}",
                site="LON1",
                product="desk-line",
                quantity=3,
            )
            taken += result.allocated
        return taken
    finally:
        await db.close()


async def _order_desk(url: str, seed: int) -> dict[int, str]:
    """Places orders for `acme` and takes each through to completed or rejected."""
    db = Database(url)
    rng = random.Random(seed)
    ends: dict[int, str] = {}
    try:
        for n in range(ORDERS // 2):
            first = 990100 + (seed * 10 + n) * 10
            order = await add_port_in(
                db,
                f"desk-{seed}",
                occupier="acme",
                site="LON1",
                losing_carrier="Old Telco",
                account_ref=f"A-{seed}-{n}",
                requested_on=1,
                numbers=f"03069 {first}..{first + 4}",
            )
            await advance_port_in(db, f"desk-{seed}", order.id)
            if rng.random() < 0.5:
                await advance_port_in(
                    db, f"desk-{seed}", order.id, to="rejected", reason="no match"
                )
            else:
                await advance_port_in(db, f"desk-{seed}", order.id, agreed_on=0)
                await advance_port_in(db, f"desk-{seed}", order.id)
            ends[order.id] = (await _state(db, order.id)).value
        return ends
    finally:
        await db.close()


async def _state(db: Database, order_id: int) -> PortingState:
    async with db.read() as session:
        return (
            await session.scalar(select(PortingOrder.state).where(PortingOrder.id == order_id))
        ) or PortingState.REQUESTED


async def _grabber(url: str, stop: asyncio.Event) -> int:
    """Keeps trying to allocate the orders' numbers to bravo; every try must be refused."""
    db = Database(url)
    tries = 0
    try:
        while not stop.is_set():
            for first in (990100, 990110, 990200, 990210):
                try:
                    await allocate_numbers(
                        db, "grabber", [f"+443069{first + 2}"], occupier="bravo", site="LON1"
                    )
                except (NotFound, RuleViolation):
                    tries += 1
                else:
                    raise AssertionError(f"+443069{first + 2} was allocated to bravo")
            await asyncio.sleep(0.01)
        return tries
    finally:
        await db.close()


@pytest.mark.slow
async def test_allocators_racing_orders_never_get_a_held_number(db_url: str) -> None:
    occupiers = ["acme", "bravo"] + [
        f"occ-{w}-{i}" for w in range(ALLOCATORS) for i in range(PER_ALLOCATOR)
    ]
    db = Database(db_url)
    try:
        await _world(db, occupiers)
        stop = asyncio.Event()
        grabber = asyncio.create_task(_grabber(db_url, stop))
        results = await asyncio.gather(
            *(_allocator(db_url, w) for w in range(ALLOCATORS)),
            _order_desk(db_url, 0),
            _order_desk(db_url, 1),
        )
        stop.set()
        assert await grabber > 0
        taken = [n for r in results[:ALLOCATORS] for n in r]  # type: ignore[union-attr]
        ends = {**results[ALLOCATORS], **results[ALLOCATORS + 1]}  # type: ignore[dict-item]
        assert len(taken) == len(set(taken)) == ALLOCATORS * PER_ALLOCATOR * 5
        assert not [n for n in taken if n.startswith("+443069")]
        async with db.read() as session:
            acme = await session.scalar(select(Occupier.id).where(Occupier.code == "acme"))
            ported = (
                await session.execute(
                    select(
                        PhoneNumber.e164,
                        PhoneNumber.state,
                        PhoneNumber.occupier_id,
                        NumberRange.porting_order_id,
                    )
                    .join(NumberRange, NumberRange.id == PhoneNumber.range_id)
                    .where(PhoneNumber.origin == Origin.PORTED)
                )
            ).all()
            total = await session.scalar(select(func.count()).select_from(PhoneNumber))
            ranges = await session.scalar(select(func.sum(NumberRange.size)))
        completed = {i for i, s in ends.items() if s == "completed"}
        # Only completed orders' numbers remain, all the occupier's own, none held any more.
        assert {o for *_, o in ported} == completed
        assert all(owner == acme and state is NumberState.RESERVED for _, state, owner, _ in ported)
        assert len(ported) == 5 * len(completed)
        # The site's figures (sums of range sizes) still count every number.
        assert total == ranges == 1000 + len(ported)
    finally:
        await db.close()
