"""Two consoles, two processes, one switch port: each round both set the port, one to voice
and one to data, the second started a random moment after the first (so that one's preview
falls anywhere in the other's commit), over SSH to `voiceconsole lab`. Whatever each was
told (done, refused because the other's change is in flight, or changed since its preview),
the database and the switch agree on the port's role after every round."""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from test_in_flight_kill import INTERFACE, LABEL, Scene
from test_lab_command import running_lab

from voiceconsole.db.database import Database
from voiceconsole.db.models import FloorPort, SwitchPort

ROUNDS = 20


async def role_in_database(db: str) -> str | None:
    database = await Database.open(db)
    try:
        async with database.read() as session:
            role = await session.scalar(
                select(SwitchPort.role)
                .join(FloorPort, FloorPort.switch_port_id == SwitchPort.id)
                .where(FloorPort.label == LABEL)
            )
            return role.value if role else None
    finally:
        await database.close()


def agrees(role: str | None, config: str) -> bool:
    """Whether the port's running config is that of `role` (voice: the voice VLAN; data: an
    access VLAN and no voice VLAN)."""
    voice = " switchport voice vlan 200" in config
    if role == "voice":
        return voice
    if role == "data":
        return not voice and " switchport access vlan " in config
    return False


@pytest.mark.slow
def test_two_processes_changing_one_port_leave_switch_and_database_agreeing(
    tmp_path: Path, seeded_template: Path
) -> None:
    scene = Scene(tmp_path, seeded_template)
    rng = random.Random(12)
    told: list[tuple[int | None, int | None]] = []
    with running_lab(scene.tmp, *scene.lab_args()):
        for round_ in range(ROUNDS):
            roles = ("voice", "data") if round_ % 2 else ("data", "voice")
            first = scene.console("ports", "set-role", LABEL, "--site", "LON1", "--role", roles[0])
            time.sleep(rng.uniform(0.0, 1.5))
            second = scene.console("ports", "set-role", LABEL, "--site", "LON1", "--role", roles[1])
            outputs = [console.communicate(timeout=300) for console in (first, second)]
            codes = (first.returncode, second.returncode)
            told.append(codes)
            assert set(codes) <= {0, 1, 3}, outputs
            role = asyncio.run(role_in_database(scene.db))
            config = scene.on_switch(f"show running-config interface {INTERFACE}")
            assert agrees(role, config), (round_, role, config, codes, outputs)
    assert any(0 in codes for codes in told)  # changes were made, not only refused
