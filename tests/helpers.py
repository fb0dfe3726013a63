"""Builders for test data, all through the service layer, and a whole-database snapshot."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import create_async_engine

from voiceconsole.db.database import Database
from voiceconsole.db.models import Base, HandsetLine, PhoneNumber
from voiceconsole.services import occupiers, products, sites
from voiceconsole.services.number_import import ImportRow, import_numbers

ACTOR = "tester"
# A Thursday morning in London: the sample data's clock in the console and switch tests (MAN1's
# scheduled change, in 14 days, is still pending).
FROZEN_NOW = dt.datetime(2026, 11, 19, 9, 30, tzinfo=dt.UTC)

# Numbers reserved for fiction (domain.md).
LONDON = ("020 7946 0000", "020 7946 0999")
MANCHESTER = ("0161 496 0000", "0161 496 0999")
NEW_YORK = ("+1 212 555 0100", "+1 212 555 0199")


def noon_in_london(day: dt.date) -> dt.datetime:
    """A moment on `day` at the UK sites, for services that take `now` (simulated time)."""
    return dt.datetime.combine(day, dt.time(12), ZoneInfo("Europe/London"))


def london(n: int) -> str:
    return f"+44207946{n:04d}"


def new_york(n: int) -> str:
    return f"+1212555{n:04d}"


async def make_site(
    db: Database, code: str = "LON1", *, country: str = "GB", policy: str = "auto"
) -> None:
    timezone = "Europe/London" if country == "GB" else "America/New_York"
    await sites.create_site(
        db,
        ACTOR,
        code=code,
        name=f"Site {code}",
        country=country,
        timezone=timezone,
        main_number_policy=policy,
    )


async def make_products(db: Database) -> None:
    await products.create_product(db, ACTOR, code="desk-line", name="Desk phone line")
    await products.create_product(db, ACTOR, code="soft-line", name="Softphone line")


async def make_occupier(db: Database, code: str, site: str = "LON1") -> None:
    await occupiers.create_occupier(
        db, ACTOR, name=code.replace("-", " ").title(), code=code, site=site
    )


async def add_numbers(
    db: Database,
    site: str,
    first: str,
    last: str = "",
    *,
    origin: str = "pool",
    occupier: str | None = None,
    candidates: Sequence[str] = (),
) -> None:
    rows = [ImportRow(1, first, last)]
    rows += [ImportRow(i + 2, c, "", "yes") for i, c in enumerate(candidates)]
    await import_numbers(db, ACTOR, rows, site=site, origin=origin, occupier=occupier)


async def uk_world(
    db: Database,
    *,
    policy: str = "auto",
    pool: tuple[int, int] = (1, 99),
    candidates: Sequence[int] = (),
) -> None:
    """LON1 with a pool of London fiction numbers (candidates outside the pool range)."""
    await make_site(db, "LON1", country="GB", policy=policy)
    await make_products(db)
    await make_occupier(db, "acme")
    await make_occupier(db, "bravo")
    await add_numbers(
        db, "LON1", london(pool[0]), london(pool[1]), candidates=[london(c) for c in candidates]
    )


async def us_world(db: Database) -> None:
    await make_site(db, "NYC1", country="US", policy="manual")
    await make_products(db)
    await make_occupier(db, "acme", "NYC1")
    await add_numbers(db, "NYC1", *NEW_YORK)


async def snapshot(db: Database, ignore: tuple[str, ...] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but `ignore`, for "nothing changed" assertions."""
    result = {}
    async with db.read() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in ignore:
                continue
            rows = (await session.execute(select(table))).all()
            result[table.name] = sorted(tuple(map(repr, r)) for r in rows)
    return result


async def numbers_by_state(db: Database, occupier_id: int | None = None) -> dict[str, list[str]]:
    async with db.read() as session:
        query = select(PhoneNumber.state, PhoneNumber.e164).order_by(PhoneNumber.e164_value)
        if occupier_id is not None:
            query = query.where(PhoneNumber.occupier_id == occupier_id)
        out: dict[str, list[str]] = {}
        for state, e164 in await session.execute(query):
            out.setdefault(state.value, []).append(e164)
        return out


class SwitchClock:
    """A simulated switch's time (its `clock`): tests move it instead of sleeping."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def interface_block(config: str, interface: str) -> list[str]:
    """The lines under `interface <interface>` in a running config."""
    lines = config.splitlines()
    start = lines.index(f"interface {interface}")
    return lines[start + 1 : lines.index("!", start)]


async def set_status(db: Database, e164: str, status: str) -> None:
    """Put a number's handset line in a status, as the phone's doing would."""
    async with db.write() as session:
        number_id = (
            await session.execute(select(PhoneNumber.id).where(PhoneNumber.e164 == e164))
        ).scalar_one()
        await session.execute(
            update(HandsetLine).where(HandsetLine.number_id == number_id).values(status=status)
        )
        await session.commit()


PG_SERVER = os.environ.get(
    "VOICECONSOLE_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
PG_REQUIRED = bool(os.environ.get("CI") or os.environ.get("VOICECONSOLE_REQUIRE_POSTGRES"))


async def pg_admin(statement: str) -> None:
    engine = create_async_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def hold_then_release(db_url: str, lock: object, contenders: list) -> list:  # type: ignore[type-arg]
    """Hold a row lock (PostgreSQL) or the write lock (SQLite) while the contenders start and
    queue behind it, then let go: they all began before the first one's work was committed."""
    blocker = Database(db_url)
    try:
        async with blocker.write() as session:
            await session.execute(lock)  # type: ignore[call-overload]
            tasks = [asyncio.create_task(c) for c in contenders]
            await asyncio.sleep(1.5)
            await session.rollback()
        return await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await blocker.close()
