"""Sixteen colleagues at once on one PostgreSQL database, each a process of its own doing a
random mix of number, service, import and handset actions on the same occupiers and numbers
(stress_worker.py): nobody is ever told "deadlock" or that the database was too busy (a
deadlock or serialisation failure is retried inside), nothing unexpected happens, and the
estate's invariants hold afterwards."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from invariants import integrity, owners_and_quantities

from voiceconsole.db.database import Database
from voiceconsole.services.number_import import ImportRow, import_numbers
from voiceconsole.services.seed import load_sample_data

WORKER = Path(__file__).with_name("stress_worker.py")
WORKERS = 16
SECONDS = 20


async def world(url: str) -> None:
    """The sample data and a pool of 3,000 numbers at LON1 to allocate from."""
    db = await Database.open(url)
    try:
        await load_sample_data(db, "sample-data")
        pool = [ImportRow(2, "+442030000000", "+442030002999")]
        await import_numbers(db, "stock", pool, site="LON1")
    finally:
        await db.close()


async def invariants(url: str) -> list[str]:
    db = await Database.open(url, upgrade=False)
    try:
        return [*await integrity(db), *await owners_and_quantities(db)]
    finally:
        await db.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_sixteen_processes_of_mixed_actions_never_surface_a_deadlock(postgres_url: str) -> None:
    asyncio.run(world(postgres_url))
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), postgres_url, str(n), str(SECONDS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=SECONDS + 300)
        assert worker.returncode == 0, err
        results.append(json.loads(out))
    done = sum(r.get("done", 0) for r in results)
    refused = sum(r.get("refused", 0) for r in results)
    contended = sum(r.get("contended", 0) for r in results)
    unexpected = [text for r in results for text in r["unexpected"]]
    print(f"{done} done, {refused} refused, {contended} contended")
    assert not unexpected, unexpected[:3]
    assert contended == 0, f"{contended} actions told the user the database was busy"
    assert done >= 300, f"only {done} actions done ({refused} refused): too little contention"
    assert not asyncio.run(invariants(postgres_url))
