"""Concurrent allocation throughput on PostgreSQL: 16 workers, each on its own connection,
adding first-time voice services at the same sites at once (SELECT ... FOR UPDATE SKIP LOCKED).

Baseline in the same run: one worker doing the same kind of work alone. Reports numbers
allocated per second and checks, in the database, that no number has two owners and none is
lost. Targets: zero duplicates, at least 500 numbers allocated per second with 16 workers.

    python bench/concurrent_allocation.py [--workers 16] [--seconds 10]
    (server: $VOICECONSOLE_BENCH_PG, default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections import Counter

from common import emit, run
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from voiceconsole.db import migrate
from voiceconsole.db.database import Database
from voiceconsole.db.models import PhoneNumber
from voiceconsole.services.number_import import ImportRow, import_numbers
from voiceconsole.services.products import create_product
from voiceconsole.services.sites import create_site
from voiceconsole.services.voice_services import add_services

SERVER = os.environ.get(
    "VOICECONSOLE_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
SITES = 4
POOL_PER_SITE = 100_000


async def admin(statement: str) -> None:
    engine = create_async_engine(SERVER, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(statement))
    await engine.dispose()


async def setup(url: str, occupiers: int) -> None:
    db = Database(url)
    await migrate.upgrade(db.engine)
    await create_product(db, "bench", code="desk-line", name="Desk phone line")
    for s in range(SITES):
        await create_site(
            db, "bench", code=f"B{s}", name=f"Bench {s}", country="GB", timezone="Europe/London"
        )
        first = 442030000000 + s * POOL_PER_SITE
        await import_numbers(
            db, "bench", [ImportRow(1, f"+{first}", f"+{first + POOL_PER_SITE - 1}")], site=f"B{s}"
        )
    # Occupiers are bulk-created: this benchmark is about allocation, not about adding occupiers.
    async with db.write() as session:
        await session.execute(
            text(
                "INSERT INTO occupiers (code, name, created_at) "
                "SELECT 'o' || g, 'Occupier ' || g, now() "
                "FROM generate_series(0, :n - 1) AS g"
            ),
            {"n": occupiers},
        )
        await session.execute(
            text(
                "INSERT INTO occupancies (occupier_id, site_id, since) "
                "SELECT o.id, "
                "(SELECT id FROM sites WHERE code = 'B' || ((substr(o.code, 2)::int) % :sites)), "
                "current_date FROM occupiers o"
            ),
            {"sites": SITES},
        )
        await session.commit()
    await db.close()


async def worker(
    url: str, index: int, workers: int, deadline: float, occupiers: int
) -> list[tuple[str, list[str]]]:
    db = Database(url)
    done = []
    n = index
    try:
        while time.time() < deadline and n < occupiers:
            code = f"o{n}"
            result = await add_services(
                db,
                f"w{index}",
                occupier=code,
                site=f"B{n % SITES}",
                product="desk-line",
                quantity=n % 8 + 1,
            )
            done.append((code, result.allocated))
            n += workers
    finally:
        await db.close()
    return done


async def measure(url: str, workers: int, seconds: float, occupiers: int, offset: int) -> dict:
    deadline = time.time() + seconds
    started = time.perf_counter()
    results = await asyncio.gather(
        *(worker(url, offset + i, workers, deadline, occupiers) for i in range(workers))
    )
    elapsed = time.perf_counter() - started
    batches = [b for r in results for b in r]
    numbers = [e for _, allocated in batches for e in allocated]
    return {
        "workers": workers,
        "seconds": round(elapsed, 2),
        "services_added": len(batches),
        "numbers_allocated": len(numbers),
        "numbers_per_s": round(len(numbers) / elapsed),
        "_batches": batches,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    name = f"voiceconsole_bench_{uuid.uuid4().hex[:8]}"
    await admin(f'CREATE DATABASE "{name}"')
    url = make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    occupiers = 40_000
    try:
        await setup(url, occupiers)
        # Baseline: one worker; then all of them. Each occupier is served once.
        single = await measure(url, 1, args.seconds, occupiers, offset=occupiers // 2)
        many = await measure(url, args.workers, args.seconds, occupiers // 2, offset=0)
        batches = single.pop("_batches") + many.pop("_batches")
        handed_out = [e for _, allocated in batches for e in allocated]
        duplicates = sum(c - 1 for c in Counter(handed_out).values() if c > 1)
        db = Database(url)
        async with db.read() as session:
            held = await session.scalar(
                select(func.count()).where(PhoneNumber.occupier_id.is_not(None))
            )
            total = await session.scalar(select(func.count()).select_from(PhoneNumber))
        await db.close()
        emit(
            "concurrent_allocation",
            {
                "database": "PostgreSQL (local)",
                "single_worker": single,
                "concurrent": many,
                "scaling_vs_single": round(many["numbers_per_s"] / single["numbers_per_s"], 2),
                "duplicates": duplicates,
                "numbers_held_in_db": held,
                "numbers_handed_out": len(handed_out),
                "numbers_lost": SITES * POOL_PER_SITE - total,
                "target": ">= 500 numbers/s with 16 workers and zero duplicates",
                "met": duplicates == 0 and held == len(handed_out) and many["numbers_per_s"] >= 500,
            },
        )
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    run(main)
