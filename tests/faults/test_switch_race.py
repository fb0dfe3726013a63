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
from test_in_flight_kill import INTERFACE, LABEL, Scene
from test_lab_command import running_lab

ROUNDS = 20


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
            role = asyncio.run(scene.facts())[0]
            config = scene.on_switch(f"show running-config interface {INTERFACE}")
            assert agrees(role, config), (round_, role, config, codes, outputs)
    assert any(0 in codes for codes in told)  # changes were made, not only refused
