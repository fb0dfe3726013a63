"""The SQL pick (a slice of the pool) always equals the pure rule over the whole pool."""

from __future__ import annotations

import random

import pytest
from helpers import ACTOR, make_site
from sqlalchemy import select

from voiceconsole.db.database import Database
from voiceconsole.db.models import PhoneNumber, Site
from voiceconsole.domain.allocation import PoolNumber, batch_shape, pick_numbers
from voiceconsole.domain.states import NumberState, Origin
from voiceconsole.services.number_import import ImportRow, import_numbers
from voiceconsole.services.pool import pick_from_pool


def _random_pool(rng: random.Random) -> tuple[list[int], set[int]]:
    """Gappy pools: often the first long-enough run lies beyond the numbers the fast path loads
    (pool.PREFIX), so the database's gaps-and-islands query is exercised too."""
    values: list[int] = []
    n = rng.randrange(0, 10)
    gap = rng.choice([1, 2, 3])
    while n < 9000 and len(values) < rng.randrange(20, 400):
        values.append(n)
        n += 1 if rng.random() < 0.5 else rng.randrange(2, 2 + gap * 3)
    if rng.random() < 0.5:  # a long run late in the pool
        start = n + 5
        values += list(range(start, start + rng.randrange(5, 40)))
    candidates = {v for v in values if rng.random() < 0.05}
    return sorted(set(values)), candidates


@pytest.mark.parametrize("seed", range(4))
async def test_sql_pick_matches_the_rule(db: Database, seed: int) -> None:
    rng = random.Random(seed)
    await make_site(db, "LON1")
    pools = {}
    for case in range(12):
        values, candidates = _random_pool(rng)
        pools[case] = (values, candidates)
        # Each case gets its own block of valid London numbers (020 70cc vvvv); a fiction
        # range is too small for pools this gappy.
        rows = [
            ImportRow(i + 1, f"+44207{case:02d}{v:05d}", "", "yes" if v in candidates else "")
            for i, v in enumerate(values)
        ]
        if rows:
            await import_numbers(db, ACTOR, rows, site="LON1")
    async with db.read() as session:
        site = await session.scalar(select(Site))
        assert site is not None
        for case, (values, _candidates) in pools.items():
            prefix = f"+44207{case:02d}"
            pool = [
                PoolNumber(e, c)
                for e, c in await session.execute(
                    select(PhoneNumber.e164, PhoneNumber.main_candidate)
                    .where(PhoneNumber.e164.startswith(prefix))
                    .where(
                        PhoneNumber.state == NumberState.AVAILABLE,
                        PhoneNumber.origin == Origin.POOL,
                    )
                )
            ]
            for qty in (1, 4, 7, 12, 30):
                for main in (True, False):
                    shape = batch_shape("GB", qty, main)
                    expected = pick_numbers(pool, shape)
                    got = await _pick_case(session, site, prefix, shape)
                    assert got == expected, (seed, case, qty, main, len(values))


async def _pick_case(session, site, prefix, shape):  # type: ignore[no-untyped-def]
    """pick_from_pool over the numbers of one case: the others are hidden by a savepoint."""
    async with session.begin_nested() as savepoint:
        await session.execute(
            PhoneNumber.__table__.update()
            .where(~PhoneNumber.e164.startswith(prefix))
            .values(origin=Origin.CUSTOM)
        )
        pick = await pick_from_pool(session, site, shape, lock=False)
        await savepoint.rollback()
    return pick
