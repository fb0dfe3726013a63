"""A console killed (SIGKILL) in the middle of a role change, over SSH to `voiceconsole lab`
run as a real process: between commit and confirm, and between the confirm and its database
write. The next start says how the change ended, as the switch shows it, and the database
agrees.

The lab is told to stall one command (`--stall`), so that the console is surely caught in the
window: the read-back after the commit, or the `write memory` after the confirm.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from lab_process import LabScene, free_port
from sqlalchemy import select, update
from test_lab_command import lab_env, running_lab

from voiceconsole.db.database import Database
from voiceconsole.db.models import AuditEntry, FloorPort, Switch, SwitchChange, SwitchPort

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
HOSTNAME = "lon1-1f-sw1"
LABEL = "1F-003"  # a phone on Gi1/0/3, no role set
INTERFACE = "GigabitEthernet1/0/3"


class Scene(LabScene):
    """lon1-1f-sw1 of the sample, served by a lab of its own, and the database pointing at it."""

    def __init__(self, tmp_path: Path, seeded_template: Path) -> None:
        entries = yaml.safe_load((SAMPLE / "switches.yaml").read_text(encoding="utf-8"))
        entry = next(e for e in entries if e["hostname"] == HOSTNAME)
        rows = (SAMPLE / "lab_devices.csv").read_text(encoding="utf-8").splitlines()
        port = free_port()
        super().__init__(
            tmp_path,
            seeded_template,
            port=port,
            inventory=yaml.safe_dump([{**entry, "mgmt_port": port}]),
            devices=[r for r in rows[1:] if r.startswith(f"{HOSTNAME},")],
        )
        asyncio.run(self._point_at_lab())

    async def _point_at_lab(self) -> None:
        db = await Database.open(self.db)
        try:
            async with db.write() as session:
                await session.execute(
                    update(Switch).where(Switch.hostname == HOSTNAME).values(mgmt_port=self.port)
                )
                await session.commit()
        finally:
            await db.close()

    @property
    def env(self) -> dict[str, str]:
        return {
            **lab_env(self.tmp),
            "VOICECONSOLE_SWITCH_CREDENTIALS": str(self.credentials_file),
            "VOICECONSOLE_LAB": "1",
        }

    def console(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "voiceconsole", "--db", self.db, "--actor", "noc1", *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def switch_says(self, command: str) -> str:
        return self.on_switch(command)

    def pending(self) -> bool:
        said = self.switch_says("show archive config rollback timer")
        return "Timer type: Rollback Confirmed Change" in said

    def port_has_voice(self) -> bool:
        return "switchport voice vlan 200" in self.switch_says(
            f"show running-config interface {INTERFACE}"
        )

    def kill_when(self, console: subprocess.Popen[str], ready) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if console.poll() is not None:
                raise AssertionError(f"the console ended on its own: {console.communicate()}")
            if ready():
                os.kill(console.pid, signal.SIGKILL)
                console.wait(timeout=10)
                return
            time.sleep(0.1)
        console.kill()
        raise AssertionError("the switch never reached the state to kill the console in")

    async def facts(self) -> tuple[str | None, list[str], list[str]]:
        """(the port's role, the changes' states, the audit actions since the seed)."""
        db = await Database.open(self.db)
        try:
            async with db.read() as session:
                role = await session.scalar(
                    select(SwitchPort.role)
                    .join(FloorPort, FloorPort.switch_port_id == SwitchPort.id)
                    .where(FloorPort.label == LABEL)
                )
                states = [c.state.value for c in await session.scalars(select(SwitchChange))]
                actions = list(
                    await session.scalars(
                        select(AuditEntry.action)
                        .where(AuditEntry.actor == "noc1")
                        .order_by(AuditEntry.id)
                    )
                )
                return (role.value if role else None), states, actions
        finally:
            await db.close()


@pytest.fixture
def scene(tmp_path: Path, seeded_template: Path) -> Scene:
    return Scene(tmp_path, seeded_template)


def set_voice(scene: Scene) -> subprocess.Popen[str]:
    return scene.console("ports", "set-role", LABEL, "--site", "LON1", "--role", "voice")


@pytest.mark.slow
def test_killed_between_commit_and_confirm_the_next_start_reports_it_reverted(
    scene: Scene,
) -> None:
    with running_lab(scene.tmp, *scene.lab_args("--stall", r"^show interfaces switchport$=10")):
        console = set_voice(scene)
        # NAPALM starts the revert timer, then copies the change in: wait for both.
        scene.kill_when(console, lambda: scene.pending() and scene.port_has_voice())
        # Dead mid-change: the switch has it (unconfirmed), the database only the intent.
        assert scene.port_has_voice() and scene.pending()
        role, states, actions = asyncio.run(scene.facts())
        assert (role, states) == (None, ["in_flight"])
        assert "ports.role" not in actions

        # The next start: the console settles what its dead predecessor left in flight.
        from voiceconsole.tui.app import VoiceconsoleApp

        os.environ.update({k: v for k, v in scene.env.items() if k.startswith("VOICECONSOLE_")})
        try:
            notes = asyncio.run(start_console(VoiceconsoleApp, scene.db))
        finally:
            for key in ("VOICECONSOLE_LAB", "VOICECONSOLE_SWITCH_CREDENTIALS"):
                os.environ.pop(key, None)
        said = "\n".join(notes)
        assert f"{HOSTNAME}: the voice change of {LABEL} was undone on the switch" in said, said
        assert not scene.pending() and not scene.port_has_voice()
        role, states, actions = asyncio.run(scene.facts())
        assert (role, states) == (None, ["reverted"])
        assert actions[-1] == "ports.role_settled"


@pytest.mark.slow
def test_killed_between_confirm_and_the_database_write_the_next_start_records_it(
    scene: Scene,
) -> None:
    with running_lab(scene.tmp, *scene.lab_args("--stall", r"^write mem=10")):
        console = set_voice(scene)
        scene.kill_when(console, lambda: scene.port_has_voice() and not scene.pending())
        role, states, _ = asyncio.run(scene.facts())
        assert (role, states) == (None, ["in_flight"])

        check = scene.console("switches", "check", HOSTNAME)
        out, err = check.communicate(timeout=120)
        assert f"{HOSTNAME}: the voice change of {LABEL} is in place on the switch" in out, err
        assert f"{HOSTNAME}: ready" in out and check.returncode == 0
        role, states, actions = asyncio.run(scene.facts())
        assert (role, states) == ("voice", ["confirmed"])
        assert actions[-1] == "ports.role_settled"
        assert scene.port_has_voice()


async def start_console(app_class, db: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Start the console as a person would (headless), wait for its start-up work, and
    return what it told the user."""
    app = app_class(f"sqlite+aiosqlite:///{db}", actor="noc1", apply_due_on_start=False)
    async with app.run_test() as pilot:
        for _ in range(600):
            await pilot.pause(0.1)
            if not any(w.is_running for w in app.workers) and app._notifications:
                break
        return [n.message for n in app._notifications]
