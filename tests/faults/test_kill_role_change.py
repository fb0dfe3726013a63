"""kill -9 at random moments of a role change, on SQLite and on PostgreSQL, over SSH to
`voiceconsole lab` (a real
process that outlives the console, as a switch does): before the session, mid-preview,
between commit and confirm, after the confirm. After every kill `switches check` settles what
the dead console left, and then the database and the switch agree on the port's role, no
change is left in flight, and every role the port took is in the journal (ports.role, or
ports.role_settled for one the dead console could not record)."""

from __future__ import annotations

import asyncio
import random
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_in_flight_kill import HOSTNAME, INTERFACE, LABEL, Scene
from test_lab_command import running_lab
from test_switch_race import agrees

from voiceconsole.db.database import Database
from voiceconsole.db.models import AuditEntry, SwitchChange, SwitchChangeState
from voiceconsole.services.seed import load_sample_data

ROUNDS = 8


async def in_flight_and_journal(db: str) -> tuple[int, int]:
    """(changes in flight, role entries in the journal)."""
    database = await Database.open(db)
    try:
        async with database.read() as session:
            flying = await session.scalar(
                select(func.count()).where(SwitchChange.state == SwitchChangeState.IN_FLIGHT)
            )
            entries = await session.scalar(
                select(func.count()).where(
                    AuditEntry.action.in_(["ports.role", "ports.role_settled"])
                )
            )
            return int(flying or 0), int(entries or 0)
    finally:
        await database.close()


class PostgresScene(Scene):
    """The same scene with the console's database on PostgreSQL: the sample data loaded
    there, lon1-1f-sw1 pointing at the lab."""

    def __init__(self, tmp_path: Path, seeded_template: Path, url: str) -> None:
        super().__init__(tmp_path, seeded_template)  # (its SQLite copy goes unused)
        self.db = url
        asyncio.run(self._seed())
        asyncio.run(self._point_at_lab())

    async def _seed(self) -> None:
        db = await Database.open(self.db)
        try:
            await load_sample_data(db, "sample-data")
        finally:
            await db.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def scene(request: pytest.FixtureRequest, tmp_path: Path, seeded_template: Path) -> Scene:
    if request.param == "sqlite":
        return Scene(tmp_path, seeded_template)
    return PostgresScene(tmp_path, seeded_template, request.getfixturevalue("postgres_url"))


@pytest.mark.slow
def test_kill_9_at_random_moments_of_a_role_change_then_check_agrees(scene: Scene) -> None:
    rng = random.Random(5)
    before = asyncio.run(scene.facts())[0]
    _, entries_before = asyncio.run(in_flight_and_journal(scene.db))
    with running_lab(scene.tmp, *scene.lab_args()):
        for round_ in range(ROUNDS):
            role = "voice" if round_ % 2 == 0 else "data"
            console = scene.console("ports", "set-role", LABEL, "--site", "LON1", "--role", role)
            time.sleep(rng.uniform(0.5, 5.0))
            console.send_signal(signal.SIGKILL)
            console.communicate(timeout=30)

            check = scene.console("switches", "check", HOSTNAME)
            out, err = check.communicate(timeout=300)
            assert check.returncode in (0, 3), (out, err)
            now = asyncio.run(scene.facts())[0]
            config = scene.on_switch(f"show running-config interface {INTERFACE}")
            if now is None:  # never set: the switch shows the port as the sample left it
                assert " switchport voice vlan" not in config, (round_, config)
            else:
                assert agrees(now, config), (round_, now, config, out)
            flying, entries = asyncio.run(in_flight_and_journal(scene.db))
            assert flying == 0, (round_, out)
            if now != before:
                assert entries > entries_before, (round_, before, now)
            before, entries_before = now, entries
