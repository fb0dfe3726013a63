"""The switches screen and its dialogs, by keyboard: check a switch (findings with the lines
that fix them), add a spare switch over real SSH (look, then add), map its ports to floor
ports, trust a new key after the switch was re-keyed, remove a switch; the database checked
afterwards.

The spare is a simulated Catalyst 9300 served over SSH on loopback with a host key made from
a fixed seed, so its fingerprint (and the pictures) are the same on every run.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import asyncssh
import pytest
from conftest import keys_then_settle, press, settle, typed, with_db
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from voiceconsole.db.models import AuditEntry, FloorPort, Switch, SwitchPort
from voiceconsole.switches import fleet
from voiceconsole.switches.simulator.model import Device, SimulatedSwitch
from voiceconsole.switches.simulator.ssh_server import SimulatorServer
from voiceconsole.tui.screens.switch_dialogs import (
    AddSwitchDialog,
    MapPortsDialog,
    RemoveSwitchDialog,
    TrustKeyDialog,
)
from voiceconsole.tui.screens.switches import SwitchesScreen

# From the sites list (LDS1, LON1, ...): down to LON1, open it, w for its switches.
SWITCHES = ("down", "enter", "w")
SPARE = "bench-c9300"


def host_key(seed: int) -> asyncssh.SSHKey:
    """An ed25519 host key made from a fixed seed: the same fingerprint on every run."""
    private = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    return asyncssh.import_private_key(pem)


def fixed_port() -> int:
    """The first free port of a small fixed range, so the address shown is the same."""
    for port in range(22180, 22190):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 22180-22189")


class Spare:
    def __init__(self) -> None:
        self.switch = SimulatedSwitch(SPARE, model="C9300-48UXM", users={"bench": "bench-pw"})
        self.switch.connect(
            "TwoGigabitEthernet1/0/1",
            Device("phone", "02cc.0b13.0001", "SEP02CC0B130001", poe_watts=6.3),
        )
        self.port = fixed_port()
        self.server: SimulatorServer | None = None

    def serve(self, seed: int) -> None:
        self.stop()
        self.server = SimulatorServer(
            [(self.switch, "127.0.0.1", self.port)], host_keys={SPARE: host_key(seed)}
        )
        self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@pytest.fixture
def spare(monkeypatch: pytest.MonkeyPatch) -> Iterator[Spare]:
    monkeypatch.delenv(fleet.ENV_LAB, raising=False)
    monkeypatch.setenv("VOICECONSOLE_SWITCH_BENCH_USERNAME", "bench")
    monkeypatch.setenv("VOICECONSOLE_SWITCH_BENCH_PASSWORD", "bench-pw")
    made = Spare()
    made.serve(seed=1)
    try:
        yield made
    finally:
        made.stop()


@pytest.fixture(autouse=True)
def in_process_switches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fleet.ENV_LAB, raising=False)


def simulator(app: Any, hostname: str) -> Any:
    return app.gateway.simulators.switch(hostname)


def not_ready(app: Any) -> None:
    """An engineer stopped LLDP and deleted the voice VLAN on lon1-2f-sw1."""
    assert simulator(app, "lon1-2f-sw1").merge_text("no lldp run\nno vlan 200\n") == []


def fill_add_form(spare: Spare) -> list[str]:
    return [
        *typed("127.0.0.1"),
        "tab",
        "backspace",
        "backspace",
        *typed(str(spare.port)),
        "tab",
        *typed("bench"),
    ]


async def switches_in(url: str) -> dict[str, Switch]:
    async def read(db: Any) -> dict[str, Switch]:
        async with db.read() as session:
            return {s.hostname: s for s in await session.scalars(select(Switch))}

    return await with_db(url, read)


async def actions(url: str) -> list[str]:
    async def read(db: Any) -> list[str]:
        async with db.read() as session:
            found = await session.scalars(
                select(AuditEntry.action).where(AuditEntry.actor == "qa").order_by(AuditEntry.id)
            )
            return list(found)

    return await with_db(url, read)


# --- snapshots -------------------------------------------------------------------------------


def test_switches_screen_with_a_switch_not_ready(make_app, snap_compare) -> None:
    async def run_before(pilot: Any) -> None:
        await press(pilot, *SWITCHES)
        not_ready(pilot.app)
        await press(pilot, "c", "down", "c")  # lon1-1f-sw1 ready, lon1-2f-sw1 not

    assert snap_compare(make_app(), run_before=run_before, terminal_size=(80, 24))


def test_add_switch_dialog_empty(make_app, snap_compare) -> None:
    assert snap_compare(
        make_app(), run_before=keys_then_settle(*SWITCHES, "a"), terminal_size=(80, 24)
    )


def test_add_switch_dialog_shows_the_key_and_ports_before_adding(
    make_app, snap_compare, spare: Spare
) -> None:
    keys = [*SWITCHES, "a", *fill_add_form(spare), "ctrl+s"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(80, 30))


def test_trust_dialog(make_app, snap_compare) -> None:
    assert snap_compare(
        make_app(), run_before=keys_then_settle(*SWITCHES, "t"), terminal_size=(80, 24)
    )


def test_map_ports_dialog(make_app, snap_compare) -> None:
    keys = [*SWITCHES, "m", *typed("1F"), "tab", *typed("1F-{port:03d}")]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(80, 24))


def test_remove_switch_dialog(make_app, snap_compare) -> None:
    assert snap_compare(
        make_app(), run_before=keys_then_settle(*SWITCHES, "down", "x"), terminal_size=(80, 24)
    )


# --- keyboard flows, database checked afterwards ----------------------------------------------


async def test_check_keeps_each_switchs_findings(make_app, console_db: str) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *SWITCHES)
        assert isinstance(app.screen, SwitchesScreen)
        not_ready(app)
        await press(pilot, "c", "down", "c")
        detail = str(app.screen.query_one("#switch-detail").render())
        assert "LLDP is not running" in detail and "lldp run" in detail
        assert "VLAN 200 of this site's roles does not exist" in detail and "vlan 200" in detail
    found = await switches_in(console_db)
    assert found["lon1-1f-sw1"].preflight == []
    checks = {f["check"] for f in found["lon1-2f-sw1"].preflight or []}
    assert checks == {"lldp", "vlans"}
    assert found["lon1-2f-sw1"].preflight_at is not None


async def test_add_a_switch_look_then_add_then_map_its_ports(
    make_app, console_db: str, spare: Spare
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 30)) as pilot:
        await press(pilot, *SWITCHES, "a", *fill_add_form(spare), "ctrl+s")
        dialog = app.screen
        assert isinstance(dialog, AddSwitchDialog)
        found = str(dialog.query_one("#found").render())
        assert "C9300-48UXM (catalyst-9300)" in found and "SHA256:" in found
        assert SPARE not in await switches_in(console_db)  # a look adds nothing
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, SwitchesScreen)
        added = (await switches_in(console_db))[SPARE]
        assert added.host_key and added.model == "C9300-48UXM" and added.profile == "catalyst-9300"
        assert "switches.add" in await actions(console_db)

        # Its ports, as floor ports of 2F: the access ports, labelled by their number.
        table = app.screen.query_one("#switches")
        table.move_cursor(row=table.get_row_index(SPARE))
        await settle(pilot)
        keys = ["m", *typed("2F"), "tab", *typed("2F-B{port:02d}"), "tab", *typed("Tw1/0/1-4")]
        await press(pilot, *keys)
        assert isinstance(app.screen, MapPortsDialog)
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, SwitchesScreen)

    async def patched(db: Any) -> dict[str, str]:
        async with db.read() as session:
            rows = await session.execute(
                select(FloorPort.label, SwitchPort.interface)
                .join(SwitchPort, SwitchPort.id == FloorPort.switch_port_id)
                .where(FloorPort.label.like("2F-B%"))
            )
            return dict(rows.all())

    assert await with_db(console_db, patched) == {
        f"2F-B{n:02d}": f"TwoGigabitEthernet1/0/{n}" for n in range(1, 5)
    }


async def test_a_re_keyed_switch_is_trusted_again_with_the_fingerprint_read_on_it(
    make_app, console_db: str, spare: Spare
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 30)) as pilot:
        await press(pilot, *SWITCHES, "a", *fill_add_form(spare), "ctrl+s", "ctrl+s")
        first = (await switches_in(console_db))[SPARE].host_key
        spare.serve(seed=2)  # the switch was replaced: a new key
        new = host_key(2).export_public_key().decode().strip()
        from voiceconsole.switches.host_keys import fingerprint

        table = app.screen.query_one("#switches")
        table.move_cursor(row=table.get_row_index(SPARE))
        await press(pilot, "c")
        assert any("offers another SSH host key" in n.message for n in app._notifications)
        assert (await switches_in(console_db))[SPARE].host_key == first

        await press(pilot, "t", *typed(fingerprint(new)), "ctrl+s")
        assert isinstance(app.screen, SwitchesScreen), "the trust dialog stayed open"
        assert (await switches_in(console_db))[SPARE].host_key.split()[:2] == new.split()[:2]


async def test_trust_refuses_a_fingerprint_the_switch_does_not_offer(
    make_app, console_db: str, spare: Spare
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 30)) as pilot:
        await press(pilot, *SWITCHES, "a", *fill_add_form(spare), "ctrl+s", "ctrl+s")
        before = (await switches_in(console_db))[SPARE].host_key
        table = app.screen.query_one("#switches")
        table.move_cursor(row=table.get_row_index(SPARE))
        await press(pilot, "t", *typed("SHA256:nottheone"), "ctrl+s")
        assert isinstance(app.screen, TrustKeyDialog)
        status = str(app.screen.query_one("#dialog-status").render())
        assert "Refused" in status and "not SHA256:nottheone" in status
        assert (await switches_in(console_db))[SPARE].host_key == before


async def test_remove_a_switch_unpatches_its_floor_ports(make_app, console_db: str) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *SWITCHES, "down", "x")
        assert isinstance(app.screen, RemoveSwitchDialog)
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, SwitchesScreen)
    assert "lon1-2f-sw1" not in await switches_in(console_db)

    async def unpatched(db: Any) -> int:
        async with db.read() as session:
            rows = await session.scalars(
                select(FloorPort.label).where(
                    FloorPort.label.like("2F-%"), FloorPort.switch_port_id.is_(None)
                )
            )
            return len(list(rows))

    assert await with_db(console_db, unpatched) == 24
    assert "switches.remove" in await actions(console_db)
