"""Switch tests: a seeded database and a gateway to in-process simulators of its switches."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SwitchClock

from voiceconsole.db.database import Database
from voiceconsole.switches.fleet import SimulatorFleet, make_gateway
from voiceconsole.switches.gateway import Gateway

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.fixture
def gateway(seeded: Database, tmp_path: Path) -> Gateway:
    """In-process simulators of the sample switches, with the sample devices plugged in."""
    fleet = SimulatorFleet(tmp_path / "switches", SAMPLE / "lab_devices.csv")
    return make_gateway(seeded.url, lab=False, fleet=fleet)


@pytest.fixture
def clock() -> SwitchClock:
    return SwitchClock()
