"""Adding voice services: the first-time automation of domain.md, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from helpers import (
    ACTOR,
    add_numbers,
    london,
    make_occupier,
    new_york,
    numbers_by_state,
    snapshot,
    uk_world,
    us_world,
)
from sqlalchemy import select, update

from voiceconsole.db.database import Database
from voiceconsole.db.models import Occupier, PhoneNumber
from voiceconsole.domain.errors import Conflict, InvalidInput, PoolShort, RuleViolation
from voiceconsole.domain.states import NumberState
from voiceconsole.services import numbers
from voiceconsole.services.occupiers import create_occupier
from voiceconsole.services.voice_services import add_services


async def _holder_id(db: Database, code: str) -> int:
    async with db.read() as session:
        return (await session.scalar(select(Occupier.id).where(Occupier.code == code))) or 0


@pytest.mark.parametrize(
    ("qty", "policy", "allocated", "main"),
    [
        (1, "auto", 5, True),
        (4, "auto", 5, True),
        (5, "auto", 10, True),
        (12, "auto", 15, True),
        (5, "manual", 5, False),
        (1, "manual", 5, False),
        (7, "manual", 10, False),
    ],
)
async def test_uk_first_time(
    db: Database, qty: int, policy: str, allocated: int, main: bool
) -> None:
    await uk_world(db, policy=policy)
    result = await add_services(
        db, ACTOR, occupier="acme", site="LON1", product="desk-line", quantity=qty
    )
    assert result.automation == "applied" and result.reason is None
    assert result.batch_size == len(result.allocated) == allocated
    assert len(result.activated) == qty
    assert (result.main_number is not None) is main
    assert len(result.spare) == allocated - qty - (1 if main else 0)
    # The picked numbers are the lowest contiguous run of the pool (no candidates here).
    assert result.allocated == [london(n) for n in range(1, allocated + 1)]

    held = await numbers_by_state(db, await _holder_id(db, "acme"))
    expected_active = result.activated + ([result.main_number] if result.main_number else [])
    assert sorted(held.get("active", [])) == sorted(expected_active)
    assert held.get("reserved", []) == result.spare
    async with db.read() as session:
        mains = list(
            await session.scalars(select(PhoneNumber.e164).where(PhoneNumber.is_main.is_(True)))
        )
    assert mains == ([result.main_number] if main else [])


async def test_us_first_time_is_exact_and_has_no_main(db: Database) -> None:
    await us_world(db)
    result = await add_services(
        db, ACTOR, occupier="acme", site="NYC1", product="desk-line", quantity=7
    )
    assert (result.automation, result.batch_size, result.main_number) == ("applied", 7, None)
    assert result.activated == result.allocated == [new_york(n) for n in range(100, 107)]
    assert result.spare == []
    assert result.arithmetic == ("exactly 7 (no batches in US)")


async def test_main_number_prefers_candidates(db: Database) -> None:
    await uk_world(db, pool=(1, 99), candidates=[500, 600])
    result = await add_services(
        db, ACTOR, occupier="acme", site="LON1", product="desk-line", quantity=4
    )
    assert result.main_number == london(500)
    assert result.activated == [london(n) for n in range(1, 5)]
    second = await add_services(
        db, ACTOR, occupier="bravo", site="LON1", product="desk-line", quantity=1
    )
    assert second.main_number == london(600)
    assert second.allocated == sorted([london(600), *[london(n) for n in range(5, 9)]])


async def test_contiguous_run_is_preferred_over_lowest_numbers(db: Database) -> None:
    await uk_world(db, pool=(1, 3))
    await add_numbers(db, "LON1", london(10), london(14))
    await add_numbers(db, "LON1", london(20), london(40))
    result = await add_services(
        db, ACTOR, occupier="acme", site="LON1", product="desk-line", quantity=9
    )
    # 10 numbers needed: 1-3 and 10-14 are too short; 20-29 is the lowest run of ten.
    assert result.allocated == [london(n) for n in range(20, 30)]


async def test_upgrade_does_not_run_the_automation(db: Database) -> None:
    await uk_world(db)
    await add_services(db, ACTOR, occupier="acme", site="LON1", product="desk-line", quantity=2)
    before = await numbers_by_state(db)
    result = await add_services(
        db, ACTOR, occupier="acme", site="LON1", product="soft-line", quantity=3
    )
    assert result.automation == "skipped"
    assert result.reason is not None and result.reason.startswith("upgrade")
    assert (result.batch_size, result.allocated, result.main_number) == (0, [], None)
    assert await numbers_by_state(db) == before


async def test_special_numbers_allocated_first_stop_the_automation(db: Database) -> None:
    await uk_world(db)
    await add_numbers(db, "LON1", london(500), london(509), origin="ported", occupier="acme")
    before = await numbers_by_state(db)
    result = await add_services(
        db, ACTOR, occupier="acme", site="LON1", product="desk-line", quantity=4
    )
    assert result.automation == "skipped"
    assert result.reason is not None and result.reason.startswith("special numbers: 10 numbers")
    assert await numbers_by_state(db) == before
    # The ported numbers are what gets activated, by hand.
    await numbers.activate_numbers(db, ACTOR, [london(n) for n in range(500, 504)])


async def test_a_hand_allocated_pool_number_also_counts_as_special(db: Database) -> None:
    await uk_world(db)
    await numbers.allocate_numbers(db, ACTOR, [london(50)], occupier="acme", site="LON1")
    result = await add_services(
        db, ACTOR, occupier="acme", site="LON1", product="desk-line", quantity=1
    )
    assert result.automation == "skipped" and result.reason and "1 number is" in result.reason


async def test_short_pool_refuses_everything(db: Database) -> None:
    await uk_world(db, pool=(1, 9))
    before = await snapshot(db)
    with pytest.raises(PoolShort) as short:
        await add_services(db, ACTOR, occupier="acme", site="LON1", product="desk-line", quantity=9)
    assert (short.value.available, short.value.needed, short.value.in_flight) == (9, 10, 0)
    assert str(short.value) == (
        "the LON1 number pool is short: 10 numbers needed, 9 available; nothing was changed"
    )
    assert await snapshot(db) == before  # not even the service was recorded


async def test_cooldown_ported_and_custom_numbers_are_never_picked(db: Database) -> None:
    await uk_world(db, pool=(1, 5))
    await make_occupier(db, "charlie")
    await make_occupier(db, "dave")
    await add_numbers(db, "LON1", london(6), london(20), origin="ported", occupier="charlie")
    await add_numbers(db, "LON1", london(21), london(30), origin="custom", occupier="charlie")
    await numbers.release_numbers(db, ACTOR, [london(20), london(30)])  # -> port_out
    # A ported number left available by older data must not be picked either.
    async with db.write() as session:
        await session.execute(
            update(PhoneNumber)
            .where(PhoneNumber.e164 == london(19))
            .values(state=NumberState.AVAILABLE, occupier_id=None)
        )
        await session.commit()
    # 1-5 go to acme, then cool down after release.
    first = await add_services(
        db, ACTOR, occupier="acme", site="LON1", product="desk-line", quantity=4
    )
    await numbers.deactivate_numbers(db, ACTOR, [*first.activated, first.main_number])
    await numbers.release_numbers(db, ACTOR, first.allocated)
    assert len((await numbers_by_state(db))["cooldown"]) == 5
    await add_numbers(db, "LON1", london(40), london(44))
    result = await add_services(
        db, ACTOR, occupier="bravo", site="LON1", product="desk-line", quantity=4
    )
    assert result.allocated == [london(n) for n in range(40, 45)]
    with pytest.raises(PoolShort, match="0 available"):
        await add_services(db, ACTOR, occupier="dave", site="LON1", product="desk-line", quantity=1)


async def test_dry_run_agrees_with_the_real_run_and_writes_nothing(db: Database) -> None:
    await uk_world(db, pool=(1, 99), candidates=[300])
    before = await snapshot(db)
    preview = await add_services(
        db, ACTOR, occupier="acme", site="LON1", product="desk-line", quantity=7, dry_run=True
    )
    assert preview.dry_run and await snapshot(db) == before
    real = await add_services(
        db, ACTOR, occupier="acme", site="LON1", product="desk-line", quantity=7
    )
    assert preview.to_dict() | {"dry_run": False} == real.to_dict()


async def test_commit_of_a_preview_refuses_if_the_pool_changed(db: Database) -> None:
    await uk_world(db, pool=(1, 99))
    request = dict(occupier="acme", site="LON1", product="desk-line", quantity=3)
    preview = await add_services(db, ACTOR, **request, dry_run=True)
    stale = [*preview.allocated[1:], "+442079460999"]
    before = await snapshot(db)
    with pytest.raises(Conflict, match="LON1 pool changed since the preview"):
        await add_services(db, ACTOR, **request, expect=stale)
    assert await snapshot(db) == before
    done = await add_services(db, ACTOR, **request, expect=preview.allocated)
    assert done.allocated == preview.allocated


async def test_bad_requests_are_refused_and_change_nothing(db: Database) -> None:
    await uk_world(db)
    before = await snapshot(db)
    cases = [
        (dict(quantity=0), InvalidInput, "between 1 and"),
        (dict(quantity=-3), InvalidInput, "between 1 and"),
        (dict(quantity=10_000_000), InvalidInput, "between 1 and"),
        (dict(site="NOPE"), Exception, "unknown site 'NOPE'"),
        (dict(occupier="nobody"), Exception, "unknown occupier 'nobody'"),
        (dict(product="fax"), Exception, "unknown product 'fax'"),
    ]
    for override, error, message in cases:
        request = dict(occupier="acme", site="LON1", product="desk-line", quantity=2) | override
        with pytest.raises(error, match=message):
            await add_services(db, ACTOR, **request)  # type: ignore[arg-type]
    assert await snapshot(db) == before


async def test_occupier_must_occupy_the_site(db: Database) -> None:
    await uk_world(db)
    await create_occupier(db, ACTOR, name="Yankee", code="yankee")  # occupies no site
    with pytest.raises(RuleViolation, match="does not occupy LON1"):
        await add_services(
            db, ACTOR, occupier="yankee", site="LON1", product="desk-line", quantity=1
        )


async def test_same_product_twice_is_a_conflict(db: Database) -> None:
    await uk_world(db)
    await add_services(db, ACTOR, occupier="acme", site="LON1", product="desk-line", quantity=1)
    with pytest.raises(Conflict, match="already has desk-line"):
        await add_services(db, ACTOR, occupier="acme", site="LON1", product="desk-line", quantity=1)
