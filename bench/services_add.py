"""`services add` commit latency on the large data set against the same statements in sqlite3.

Each call adds a first-time voice service (the automation: pick, allocate, activate, audit)
for an occupier without one. Every SQL statement our call sends is recorded; the baseline
replays exactly those statements, in the same transactions, with the plain sqlite3 module on
an identical copy of the database. The difference is our overhead: SQLAlchemy, the event-loop
hop of aiosqlite, Python domain code. A third measurement sends as many empty statements
(SELECT 1) through the same async engine: the floor that the round trips alone cost.
Targets: median under 10 ms and under 3x raw.

    python bench/services_add.py [--calls 300] [--data PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from common import emit, run, summary
from platformdirs import user_cache_path
from sqlalchemy import event, text

from voiceconsole.db import migrate
from voiceconsole.db.database import Database
from voiceconsole.services import large_demo
from voiceconsole.services.seed import load_large_demo
from voiceconsole.services.voice_services import add_services

WARMUP = 10


async def large_data(path: Path) -> float:
    """Generate the large data set once and keep it; returns the seconds it took (0 if kept)."""
    if path.exists():
        return 0.0
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    db = Database(str(partial))
    await migrate.upgrade(db.engine)
    await load_large_demo(db, "bench")
    async with db.engine.connect() as conn:
        await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    await db.close()
    partial.rename(path)
    return time.perf_counter() - started


def default_data_path() -> Path:
    """A cache file per version of the generator and the schema, so a stale one is never used."""
    sources = [Path(large_demo.__file__), *sorted(migrate.MIGRATIONS.rglob("*.py"))]
    key = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:12]
    return user_cache_path("voiceconsole-bench") / f"large-{key}.db"


def plan(calls: int) -> list[dict[str, Any]]:
    """Occupiers without a service, spread over the sites (each site keeps 40 of them)."""
    unserved = large_demo.OCCUPIERS_PER_SITE - large_demo.SERVED_PER_SITE
    out = []
    for i in range(calls):
        site = i % large_demo.SITES
        occupier = (
            site * large_demo.OCCUPIERS_PER_SITE
            + large_demo.SERVED_PER_SITE
            + (i // large_demo.SITES) % unserved
        )
        out.append(
            {
                "occupier": f"occ-{occupier:05d}",
                "site": f"S{site:03d}",
                "product": "desk-line",
                "quantity": i % 8 + 1,
            }
        )
    return out


async def ours(
    path: Path, calls: list[dict[str, Any]]
) -> tuple[list[float], list[list[tuple[str, Any]]]]:
    db = Database(str(path))
    recorded: list[list[tuple[str, Any]]] = []

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        recorded[-1].append((statement, parameters))

    # A call is more than one transaction (the permission check reads first); their ends are
    # not cursor statements, so they are recorded from the connection's own events.
    @event.listens_for(db.engine.sync_engine, "commit")
    def committed(conn):  # type: ignore[no-untyped-def]
        recorded[-1].append(("COMMIT", ()))

    @event.listens_for(db.engine.sync_engine, "rollback")
    def rolled_back(conn):  # type: ignore[no-untyped-def]
        recorded[-1].append(("ROLLBACK", ()))

    times = []
    for request in calls:
        recorded.append([])
        started = time.perf_counter()
        result = await add_services(db, "bench", **request)
        times.append(time.perf_counter() - started)
        assert result.automation == "applied", result
    await db.close()
    return times, recorded


async def async_floor(path: Path, statements: int, calls: int) -> list[float]:
    """The same number of trivial statements in a write transaction through SQLAlchemy's async
    engine and aiosqlite: the cost of the round trips alone, with no work in them."""
    db = Database(str(path))
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        async with db.write() as session:
            for _ in range(statements - 1):  # BEGIN IMMEDIATE is one of them
                await session.execute(text("SELECT 1"))
            await session.commit()
        times.append(time.perf_counter() - started)
    await db.close()
    return times


def _statements(recorded: list[tuple[str, Any]]) -> int:
    return sum(statement not in ("COMMIT", "ROLLBACK") for statement, _ in recorded)


def raw(path: Path, recorded: list[list[tuple[str, Any]]]) -> list[float]:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA busy_timeout=30000",
        "PRAGMA foreign_keys=ON",
    ):
        conn.execute(pragma)
    times = []
    for statements in recorded:
        started = time.perf_counter()
        for statement, parameters in statements:
            conn.execute(statement, parameters).fetchall()
        times.append(time.perf_counter() - started)
    conn.close()
    return times


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument(
        "--data", type=Path, default=default_data_path(), help="where the large data set is kept"
    )
    args = parser.parse_args()
    generated_s = await large_data(args.data)
    work = Path(tempfile.mkdtemp(prefix="vc-bench-"))
    ours_db, raw_db = work / "ours.db", work / "raw.db"
    shutil.copyfile(args.data, ours_db)
    shutil.copyfile(args.data, raw_db)

    calls = plan(WARMUP + args.calls)
    ours_times, recorded = await ours(ours_db, calls)
    raw_times = raw(raw_db, recorded)
    per_call = round(sum(_statements(r) for r in recorded[WARMUP:]) / args.calls)
    floor_times = await async_floor(raw_db, per_call, WARMUP + args.calls)
    shutil.rmtree(work)

    mine, base = summary(ours_times[WARMUP:]), summary(raw_times[WARMUP:])
    floor = summary(floor_times[WARMUP:])
    statements = sum(_statements(r) for r in recorded[WARMUP:]) / args.calls
    emit(
        "services_add",
        {
            "dataset": "large: 200 sites, 20,000 occupiers, 1,000,000 numbers",
            "dataset_generated_s": round(generated_s, 1),
            "calls": args.calls,
            "statements_per_call": round(statements, 1),
            "voiceconsole": mine,
            "raw_sqlite3_same_statements": base,
            "async_round_trips_only": floor,
            "median_vs_raw": round(mine["median_ms"] / base["median_ms"], 2),
            "p99_vs_raw": round(mine["p99_ms"] / base["p99_ms"], 2),
            "median_vs_round_trips_only": round(mine["median_ms"] / floor["median_ms"], 2),
            "target": "median < 10 ms and median_vs_raw < 3",
            "met": mine["median_ms"] < 10 and mine["median_ms"] / base["median_ms"] < 3,
        },
    )


if __name__ == "__main__":
    run(main)
