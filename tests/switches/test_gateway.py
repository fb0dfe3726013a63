"""The gateway's scenarios, each run twice: with the stock NAPALM `ios` driver over real SSH
against `voiceconsole lab`'s simulators on loopback (the path a real switch takes, end to
end), and through the in-process driver (the same driver code, a fast transport)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import interface_block
from sqlalchemy import select

from voiceconsole.db.database import Database
from voiceconsole.db.models import Switch
from voiceconsole.domain.port_roles import SwitchPortRole, VlanPlan, classify, render, settings_for
from voiceconsole.services.floor_ports import floor_port_ids, list_floor_ports
from voiceconsole.services.switch_ports import apply_role_change, plan_role_change
from voiceconsole.switches.commit import session_files
from voiceconsole.switches.credentials import Credentials
from voiceconsole.switches.fleet import make_gateway
from voiceconsole.switches.gateway import Gateway, PortChange, SwitchError, SwitchTarget, Timeouts
from voiceconsole.switches.simulator.inprocess import SimulatedIOSDriver
from voiceconsole.switches.simulator.lab import build_fleet
from voiceconsole.switches.simulator.model import SimulatedSwitch
from voiceconsole.switches.simulator.ssh_server import SimulatorServer

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
PLAN = VlanPlan(data=100, voice=200, guest=300, access_point=400, printer=500)
FAST = Timeouts(connect=3, operation=20)


# The VLANs the roles of PLAN use (preflight checks each exists on the switch).
VLANS = {100: "data", 200: "voice", 300: "guest", 400: "ap", 500: "printers"}


class Lab:
    def __init__(
        self,
        fleet: list[tuple[SimulatedSwitch, str, int]],
        login: Credentials,
        in_process: bool,
        host_keys: dict[str, str] | None = None,
    ) -> None:
        self.switches = {switch.hostname: (switch, port) for switch, _, port in fleet}
        self.login = login
        self.in_process = in_process
        self.host_keys = host_keys or {}  # pinned as the inventory would, one OpenSSH line

    def target(self, hostname: str, *, port: int | None = None) -> SwitchTarget:
        return SwitchTarget(
            hostname,
            "127.0.0.1",
            port or self.switches[hostname][1],
            "ios",
            "lab",
            host_key=self.host_keys.get(hostname),
        )

    def switch(self, hostname: str) -> SimulatedSwitch:
        return self.switches[hostname][0]

    def gateway(self, password: str | None = None) -> Gateway:
        login = Credentials(self.login.username, password or self.login.password)
        if not self.in_process:
            return Gateway(lambda target: login, timeouts=FAST)

        def in_process(target: SwitchTarget, credentials: Credentials, timeouts: Timeouts):  # type: ignore[no-untyped-def]
            # A port nobody serves stands for an unreachable switch, as over SSH.
            known = (
                target.hostname in self.switches
                and target.port == self.switches[target.hostname][1]
            )
            simulator = self.switch(target.hostname) if known else None
            return SimulatedIOSDriver(
                target.hostname,
                credentials.username,
                credentials.password,
                optional_args={
                    "simulator": simulator,
                    "canonical_int": True,
                    **session_files("ios"),
                },
            )

        return Gateway(
            lambda target: login,
            timeouts=FAST,
            driver_for=lambda t: in_process,
            over_ssh=lambda t: False,
        )


@contextlib.contextmanager
def lab_of(in_process: bool) -> Iterator[Lab]:
    login = Credentials("noc", secrets.token_urlsafe(12))
    fleet = build_fleet(
        SAMPLE / "switches.yaml", SAMPLE / "lab_devices.csv", {login.username: login.password}
    )
    if in_process:
        yield Lab(fleet, login, in_process=True)
        return
    fleet = [(switch, host, 0) for switch, host, _ in fleet]
    with SimulatorServer(fleet) as server:
        bound = [(s, h, p) for (s, h, _), p in zip(fleet, server.ports, strict=True)]
        keys = {
            name: key.export_public_key().decode().strip() for name, key in server.host_keys.items()
        }
        yield Lab(bound, login, in_process=False, host_keys=keys)


@pytest.fixture(scope="module", params=["ssh", "in-process"])
def lab(request: pytest.FixtureRequest) -> Iterator[Lab]:
    with lab_of(request.param == "in-process") as made:
        yield made


@pytest.fixture(scope="module")
def ssh_lab() -> Iterator[Lab]:
    with lab_of(in_process=False) as made:
        yield made


def test_read_a_phone_port(lab: Lab) -> None:
    states = lab.gateway().read_ports(lab.target("man1-gf-sw1"), ["GigabitEthernet1/0/1"])
    port = states["GigabitEthernet1/0/1"]
    assert port.link_up and port.poe_on and port.poe_watts > 0
    assert port.neighbour == "SEP02CC01030001" and port.neighbour_is_phone
    assert (1, "02:cc:01:03:00:01") in port.macs  # NAPALM's MAC notation


def test_every_role_is_applied_and_verified_in_one_session(lab: Lab) -> None:
    hostname = "lds1-1f-sw1"
    roles = list(SwitchPortRole)
    changes = [
        PortChange(
            f"GigabitEthernet1/0/{n}",
            render("ios", f"GigabitEthernet1/0/{n}", role, PLAN, f"1F-{n:03} test"),
            settings_for(role, PLAN),
        )
        for n, role in enumerate(roles, start=13)
    ]
    result = lab.gateway().apply(lab.target(hostname), changes, VLANS)
    assert result.committed, result.error
    assert result.failed_ports == {}
    for change, role in zip(changes, roles, strict=True):
        assert classify(result.ports[change.interface].settings, PLAN) is role
    switch = lab.switch(hostname)
    assert switch.pending_revert is None  # confirmed within the revert window
    assert " switchport trunk native vlan 400" in switch.running_config()


def test_sessions_leave_no_candidate_files_and_never_use_the_shared_names(lab: Lab) -> None:
    hostname = "lds1-1f-sw1"
    interface = "GigabitEthernet1/0/20"
    change = PortChange(
        interface,
        render("ios", interface, SwitchPortRole.GUEST, PLAN, "1F-020 test"),
        settings_for(SwitchPortRole.GUEST, PLAN),
    )
    gateway = lab.gateway()
    assert gateway.preview(lab.target(hostname), [change], VLANS)
    assert gateway.apply(lab.target(hostname), [change], VLANS).committed
    left = sorted(lab.switch(hostname).flash)
    assert not [name for name in left if name.startswith("vc-") or "_config.txt" in name], left


def test_a_preview_in_another_session_cannot_touch_the_candidate_about_to_be_committed() -> None:
    """Two sessions on one switch, interleaved as two consoles' would be: one has loaded its
    change, the other previews (loads, compares, discards) before the first commits."""
    login = Credentials("noc", "pw")
    fleet = build_fleet(SAMPLE / "switches.yaml", SAMPLE / "lab_devices.csv", {"noc": "pw"})
    switch = next(s for s, _, _ in fleet if s.hostname == "lds1-1f-sw1")

    def session() -> SimulatedIOSDriver:
        args = {"simulator": switch, "canonical_int": True, **session_files("ios")}
        driver = SimulatedIOSDriver(
            "lds1-1f-sw1", login.username, login.password, optional_args=args
        )
        driver.open()
        return driver

    first, second = session(), session()
    try:
        first.load_merge_candidate(
            config="interface GigabitEthernet1/0/21\n switchport access vlan 300\nend\n"
        )
        assert "vlan 300" in first.compare_config()
        second.load_merge_candidate(
            config="interface GigabitEthernet1/0/21\n switchport access vlan 500\nend\n"
        )
        assert "vlan 500" in second.compare_config()
        second.discard_config()
        first.commit_config()
    finally:
        first.close()
        second.close()
    block = interface_block(switch.running_config(), "GigabitEthernet1/0/21")
    assert " switchport access vlan 300" in block and " switchport access vlan 500" not in block


def test_an_invalid_line_is_rolled_back(lab: Lab) -> None:
    hostname = "lds1-1f-sw1"
    switch = lab.switch(hostname)
    before = switch.running_config()
    switch.fail_next(r"switchport voice vlan", "% Invalid input detected at '^' marker.")
    interface = "GigabitEthernet1/0/20"
    change = PortChange(
        interface,
        render("ios", interface, SwitchPortRole.VOICE, PLAN),
        settings_for(SwitchPortRole.VOICE, PLAN),
    )
    result = lab.gateway().apply(lab.target(hostname), [change], VLANS)
    assert not result.committed
    assert "rejected the change and rolled it back" in result.error
    assert "Invalid input" in result.error
    strip = [line for line in before.splitlines() if "file prompt" not in line]
    after = [line for line in switch.running_config().splitlines() if "file prompt" not in line]
    assert after == strip


def test_a_newline_in_a_description_cannot_reach_the_switch(lab: Lab) -> None:
    hostname = "lds1-1f-sw1"
    interface = "GigabitEthernet1/0/21"
    config = render(
        "ios", interface, SwitchPortRole.DATA, PLAN, "Desk 21\nvlan 777\n name injected"
    )
    change = PortChange(interface, config, settings_for(SwitchPortRole.DATA, PLAN))
    result = lab.gateway().apply(lab.target(hostname), [change], VLANS)
    assert result.committed, result.error
    running = lab.switch(hostname).running_config()
    assert " description Desk 21 vlan 777 name injected" in running
    lines = running.splitlines()
    assert "vlan 777" not in lines and " name injected" not in lines


def test_bad_credentials_are_said_plainly(lab: Lab) -> None:
    with pytest.raises(SwitchError, match="refused the login"):
        lab.gateway(password="wrong").read_ports(lab.target("lon1-1f-sw1"), ["Gi1/0/1"])


def test_a_closed_port_is_said_plainly(lab: Lab) -> None:
    with pytest.raises(SwitchError, match=r"lon1-1f-sw1 .*(refused|reach)"):
        lab.gateway().read_ports(lab.target("lon1-1f-sw1", port=1), ["Gi1/0/1"])


@pytest.fixture
async def lab_db(seeded: Database, ssh_lab: Lab) -> Database:
    """The sample database with its simulated switches pointing at this lab's ports."""
    async with seeded.write() as session:
        for switch in await session.scalars(select(Switch)):
            switch.mgmt_port = ssh_lab.switches[switch.hostname][1]
        await session.commit()
    return seeded


async def test_the_console_path_in_lab_mode(
    lab_db: Database, ssh_lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    lab = ssh_lab
    monkeypatch.setenv("VOICECONSOLE_SWITCH_LAB_USERNAME", lab.login.username)
    monkeypatch.setenv("VOICECONSOLE_SWITCH_LAB_PASSWORD", lab.login.password)
    gateway = make_gateway(lab_db.url, lab=True, timeouts=FAST)
    chosen = await floor_port_ids(lab_db, site="LON1", labels=["1F-007", "2F-007"])
    # Their host keys are not pinned yet: the first use pins them (and says so in the journal).
    plan = await plan_role_change(lab_db, gateway, chosen, "voice", actor="qa")
    assert all(not s.error for s in plan.switches), [s.error for s in plan.switches]
    async with lab_db.read() as session:
        pinned = {s.hostname: s.host_key for s in await session.scalars(select(Switch))}
    assert pinned["lon1-1f-sw1"] == lab.host_keys["lon1-1f-sw1"]
    assert pinned["lds1-1f-sw1"] is None  # not used: not pinned
    outcome = await apply_role_change(lab_db, gateway, "qa", plan)
    assert [p.done for p in outcome.ports] == [True, True]
    ports = {p.label: p for p in await list_floor_ports(lab_db, site="LON1", search="F-007")}
    assert ports["1F-007"].observed_role == "voice" and ports["1F-007"].device
    # The phone is now in the voice VLAN, as the switch reports it.
    assert (200, "02:cc:01:01:00:07") in ports["1F-007"].live.macs
