"""Switch tests: a seeded database and a gateway to in-process simulators of its switches."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from helpers import SwitchClock

from voiceconsole.db.database import Database
from voiceconsole.switches.fleet import SimulatorFleet, make_gateway
from voiceconsole.switches.gateway import Gateway

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.fixture
async def seeded(tmp_path: Path, seeded_template: Path) -> AsyncIterator[Database]:
    """A fresh copy of the sample data (SQLite)."""
    path = tmp_path / "seeded.db"
    shutil.copy(seeded_template, path)
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
def gateway(seeded: Database, tmp_path: Path) -> Gateway:
    """In-process simulators of the sample switches, with the sample devices plugged in."""
    fleet = SimulatorFleet(tmp_path / "switches", SAMPLE / "lab_devices.csv")
    return make_gateway(seeded.url, lab=False, fleet=fleet)


@pytest.fixture
def clock() -> SwitchClock:
    return SwitchClock()
