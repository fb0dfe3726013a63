"""kill -9 at random moments of a console's work, on SQLite and on PostgreSQL: a worker
process (fault_worker.py) imports numbers, creates occupiers and adds their first voice
service (allocating numbers), and logs a number in to a remote handset and out again, in a
loop; it is killed with SIGKILL a random moment after it starts working, round after round.
After every kill the invariants hold (invariants.py): the file is whole, nobody holds more
numbers than their services allow, every finished action is in the database with one audit
entry and the killed one is there with its entry or not at all, and every provisioning file
either has its handset's lines with their current secrets or its lines are still pending a
re-sync; a login that left a file has a dead secret. After the last round one re-sync
rewrites the files, which then match the logins exactly, and no temporary file is left."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from invariants import (
    Journal,
    audit_matches_work,
    files_match_logins,
    integrity,
    owners_and_quantities,
    temporary_files,
)
from sqlalchemy import select

from voiceconsole.config import provisioning_settings
from voiceconsole.db.database import Database
from voiceconsole.db.models import Handset, HandsetLine, Occupier, PhoneNumber, Site
from voiceconsole.domain.states import NumberState
from voiceconsole.handsets.provisioning import STALE_AFTER
from voiceconsole.services.handsets import provision_handsets
from voiceconsole.services.seed import load_sample_data

WORKER = Path(__file__).with_name("fault_worker.py")
ROUNDS = 10
ACME_DESK_1 = "02:cc:01:01:00:01"  # a Yealink of acme-analytics in the sample data


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fault_db(request: pytest.FixtureRequest, tmp_path: Path, seeded_template: Path) -> str:
    """The sample data on a database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "faults.db"
        shutil.copy(seeded_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")

    async def seed() -> None:
        db = await Database.open(url)
        try:
            await load_sample_data(db, "sample-data")
        finally:
            await db.close()

    asyncio.run(seed())
    return url


async def free_acme_number(url: str) -> str:
    """An active number (not the main one) of acme-analytics at LON1, where its handset is,
    logged in nowhere."""
    db = await Database.open(url, upgrade=False)
    try:
        async with db.read() as session:
            return str(
                await session.scalar(
                    select(PhoneNumber.e164)
                    .join(Occupier, Occupier.id == PhoneNumber.occupier_id)
                    .join(Site, Site.id == PhoneNumber.site_id)
                    .where(
                        Occupier.code == "acme-analytics",
                        Site.code == "LON1",
                        PhoneNumber.state == NumberState.ACTIVE,
                        ~PhoneNumber.is_main,
                        PhoneNumber.id.not_in(select(HandsetLine.number_id)),
                    )
                    .order_by(PhoneNumber.e164)
                    .limit(1)
                )
            )
    finally:
        await db.close()


async def check(url: str, journal: Path, *, settled: bool) -> list[str]:
    db = await Database.open(url, upgrade=False)
    try:
        work = Journal.read(journal)
        return [
            *await integrity(db),
            *await owners_and_quantities(db),
            *await audit_matches_work(db, work),
            *await files_match_logins(db, provisioning_settings().directory, settled=settled),
        ]
    finally:
        await db.close()


async def resync_all(url: str) -> None:
    """What the provisioning server's retry does for pending lines, for every handset now."""
    db = await Database.open(url, upgrade=False)
    try:
        async with db.read() as session:
            ids = list(await session.scalars(select(Handset.id)))
        await provision_handsets(db, ids)
    finally:
        await db.close()


@pytest.mark.slow
def test_kill_9_at_random_moments_leaves_every_invariant_true(
    fault_db: str, tmp_path: Path
) -> None:
    rng = random.Random(9)
    journal = tmp_path / "journal.txt"
    number = asyncio.run(free_acme_number(fault_db))
    for round_ in range(ROUNDS):
        worker = subprocess.Popen(
            [sys.executable, str(WORKER), fault_db, str(journal), str(round_), number,
             ACME_DESK_1],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert worker.stdout is not None
        ready = worker.stdout.readline()
        assert ready.strip() == "ready", worker.communicate()
        time.sleep(rng.uniform(0.05, 2.0))
        worker.send_signal(signal.SIGKILL)
        _, err = worker.communicate(timeout=30)
        assert worker.returncode == -signal.SIGKILL, err  # it was working, not finished
        problems = asyncio.run(check(fault_db, journal, settled=False))
        assert not problems, (round_, problems)
    work = Journal.read(journal)
    assert len(work.ended) >= ROUNDS, "the worker finished too little to prove anything"
    assert {kind for kind, _ in work.ended} >= {"import", "occupier", "services", "login"}

    # A temporary file a kill left is cleared once it is older than any write in progress.
    directory = provisioning_settings().directory
    for name in temporary_files(directory):
        old = time.time() - STALE_AFTER - 60
        os.utime(directory / name, (old, old))
    asyncio.run(resync_all(fault_db))
    assert not asyncio.run(check(fault_db, journal, settled=True))
    assert temporary_files(directory) == []
