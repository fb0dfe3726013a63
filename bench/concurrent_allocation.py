"""Concurrent allocation throughput on PostgreSQL: 16 workers, each a process of its own with
its own connection (as 16 NOC staff in 16 SSH sessions are), adding first-time voice services
at the same sites at once (SELECT ... FOR UPDATE SKIP LOCKED).

Baseline in the same run: one worker process doing the same kind of work alone. Each round
runs the single worker, then the 16; the figures are medians of the rounds (5 by default).
Reports numbers allocated per second and checks, in the database, that no number has two
owners and none is lost. Targets: zero duplicates, a median of at least 500 numbers allocated
per second with 16 workers.

    python bench/concurrent_allocation.py [--workers 16] [--seconds 10] [--rounds 5]
    (server: $VOICECONSOLE_BENCH_PG, default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres)
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import time
import uuid
from collections import Counter
from typing import Any

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


async def work(
    url: str, first: int, step: int, deadline: float, last: int, actor: str
) -> list[tuple[str, list[str]]]:
    """Serve occupiers first, first + step, ... below `last` until the deadline."""
    db = Database(url)
    done = []
    n = first
    try:
        while time.time() < deadline and n < last:
            code = f"o{n}"
            result = await add_services(
                db,
                actor,
                occupier=code,
                site=f"B{n % SITES}",
                product="desk-line",
                quantity=n % 8 + 1,
            )
            done.append((code, result.allocated))
            n += step
    finally:
        await db.close()
    return done


def worker_process(
    url: str, first: int, step: int, last: int, seconds: float, ready: Any, results: Any
) -> None:
    """One SSH session's console: its own interpreter, event loop and connection. Starts
    when every worker has loaded its modules (the barrier), so start-up is not timed."""
    ready.wait()
    deadline = time.time() + seconds
    results.put(asyncio.run(work(url, first, step, deadline, last, f"w{first}")))


def measure(url: str, workers: int, seconds: float, first: int, last: int) -> dict[str, Any]:
    spawn = multiprocessing.get_context("spawn")
    ready, results = spawn.Barrier(workers + 1), spawn.Queue()
    processes = [
        spawn.Process(
            target=worker_process, args=(url, first + i, workers, last, seconds, ready, results)
        )
        for i in range(workers)
    ]
    for process in processes:
        process.start()
    ready.wait()
    started = time.perf_counter()
    batches = [batch for _ in processes for batch in results.get()]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
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
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    name = f"voiceconsole_bench_{uuid.uuid4().hex[:8]}"
    await admin(f'CREATE DATABASE "{name}"')
    url = make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    occupiers = 40_000
    try:
        await setup(url, occupiers)
        # Each round: one worker alone, then all of them; each occupier is served once.
        share = occupiers // args.rounds
        singles, manys, batches = [], [], []
        for r in range(args.rounds):
            start = r * share
            single = measure(url, 1, args.seconds, start + share // 2, start + share)
            many = measure(url, args.workers, args.seconds, start, start + share // 2)
            batches += single.pop("_batches") + many.pop("_batches")
            singles.append(single)
            manys.append(many)
        handed_out = [e for _, allocated in batches for e in allocated]
        duplicates = sum(c - 1 for c in Counter(handed_out).values() if c > 1)
        single_rate = statistics.median(s["numbers_per_s"] for s in singles)
        many_rate = statistics.median(m["numbers_per_s"] for m in manys)
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
                "rounds": args.rounds,
                "single_worker": {"median_numbers_per_s": single_rate, "runs": singles},
                "concurrent": {
                    "workers": args.workers,
                    "median_numbers_per_s": many_rate,
                    "runs": manys,
                },
                "scaling_vs_single": round(many_rate / single_rate, 2),
                "duplicates": duplicates,
                "numbers_held_in_db": held,
                "numbers_handed_out": len(handed_out),
                "numbers_lost": SITES * POOL_PER_SITE - total,
                "target": "median >= 500 numbers/s with 16 worker processes, zero duplicates",
                "met": duplicates == 0 and held == len(handed_out) and many_rate >= 500,
            },
        )
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    run(main)
