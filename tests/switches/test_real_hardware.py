"""What broke on real Catalysts, each through the stock NAPALM `ios` driver against simulators
of those models: a switch without PoE, a login below privilege 15, trunks on ISL-capable
ports, a trunk allowing every VLAN; and a switch without PoE end to end through the services.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select, update

from voiceconsole.db.database import Database
from voiceconsole.db.models import Switch, SwitchPort
from voiceconsole.domain.port_roles import (
    PortCapabilities,
    SwitchPortRole,
    VlanPlan,
    render,
    settings_for,
)
from voiceconsole.services.floor_ports import floor_port_ids
from voiceconsole.services.port_readings import refresh_live_state
from voiceconsole.services.switch_ports import apply_role_change, plan_role_change
from voiceconsole.switches.commit import PortChange
from voiceconsole.switches.credentials import Credentials
from voiceconsole.switches.fleet import SimulatorFleet, make_gateway
from voiceconsole.switches.gateway import Gateway, SwitchError, SwitchTarget, Timeouts
from voiceconsole.switches.ios_output import vlan_list
from voiceconsole.switches.simulator.defaults import site_ready_config
from voiceconsole.switches.simulator.inprocess import SimulatedIOSDriver
from voiceconsole.switches.simulator.model import Account, SimulatedSwitch
from voiceconsole.switches.simulator.ssh_server import SimulatorServer

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
PLAN = VlanPlan(data=100, voice=200, guest=300, access_point=400, printer=500)
VLANS = {100: "data", 200: "voice", 300: "guest", 400: "ap", 500: "printers"}
FAST = Timeouts(connect=3, operation=20)
LOGIN = Credentials("noc", "noc-pw")


def in_process(switch: SimulatedSwitch) -> tuple[Gateway, SwitchTarget]:
    """The stock driver's code over an in-process transport to `switch`."""

    def driver(target: SwitchTarget, credentials: Credentials, timeouts: Timeouts):  # type: ignore[no-untyped-def]
        return SimulatedIOSDriver(
            target.hostname,
            credentials.username,
            credentials.password,
            optional_args={"simulator": switch, "secret": credentials.secret},
        )

    gateway = Gateway(
        lambda target: LOGIN, timeouts=FAST, driver_for=lambda t: driver, over_ssh=lambda t: False
    )
    return gateway, SwitchTarget(switch.hostname, "in-process", 0, "ios", "noc")


def site_ready(hostname: str, model: str, **kwargs: object) -> SimulatedSwitch:
    return SimulatedSwitch(
        hostname,
        model=model,
        users={LOGIN.username: LOGIN.password},
        startup_config=site_ready_config(hostname, VLANS, model=model),
        **kwargs,  # type: ignore[arg-type]
    )


def change(role: SwitchPortRole, interface: str, port: PortCapabilities) -> PortChange:
    return PortChange(
        interface, render("ios", interface, role, PLAN, port=port), settings_for(role, PLAN)
    )


# -- a switch without PoE -------------------------------------------------------------------


def test_a_switch_without_poe_reads_and_takes_the_roles_that_need_no_power() -> None:
    switch = site_ready("nopoe", "C9200L-24T-4G")
    gateway, target = in_process(switch)
    ports = gateway.read_ports(target)
    assert len(ports) == 28 and not any(p.has_poe for p in ports.values())
    no_poe = PortCapabilities(poe=False)
    roles = [
        r for r in SwitchPortRole if r not in (SwitchPortRole.VOICE, SwitchPortRole.ACCESS_POINT)
    ]
    changes = [change(role, f"GigabitEthernet1/0/{n}", no_poe) for n, role in enumerate(roles, 1)]
    result = gateway.apply(target, changes, VLANS)
    assert result.committed, result.error
    assert "power inline" not in switch.running_config()


def test_the_old_rendering_is_refused_by_a_port_without_poe() -> None:
    """What every role rendered before: `power inline auto`, which such a port refuses."""
    switch = site_ready("nopoe", "C9200L-24T-4G")
    gateway, target = in_process(switch)
    before = switch.running_config()
    result = gateway.apply(
        target, [change(SwitchPortRole.DATA, "GigabitEthernet1/0/5", PortCapabilities())], VLANS
    )
    assert not result.committed and "power inline" in result.error
    assert switch.running_config().replace("file prompt quiet\n", "") == before.replace(
        "file prompt quiet\n", ""
    )


async def test_through_the_services_a_switch_without_poe_refuses_voice_with_the_reason(
    seeded: Database, tmp_path: Path
) -> None:
    """lon1-1f-sw1 replaced by a C9200L-24T-4G: its ports are read without PoE, a voice
    role is refused before anything is sent, a data role is set."""
    inventory = yaml.safe_load((SAMPLE / "switches.yaml").read_text(encoding="utf-8"))
    for entry in inventory:
        if entry["hostname"] == "lon1-1f-sw1":
            entry["model"] = "C9200L-24T-4G"
    (tmp_path / "switches.yaml").write_text(yaml.safe_dump(inventory), encoding="utf-8")
    fleet = SimulatorFleet(tmp_path / "sim", SAMPLE / "lab_devices.csv", tmp_path / "switches.yaml")
    gateway = make_gateway(seeded.url, lab=False, fleet=fleet)
    async with seeded.write() as session:
        await session.execute(
            update(Switch).where(Switch.hostname == "lon1-1f-sw1").values(model="C9200L-24T-4G")
        )
        await session.commit()

    (reading,) = await refresh_live_state(seeded, gateway, site="LON1", floor="1F")
    assert reading.ports == 24 and not reading.error
    async with seeded.read() as session:
        poe = set(
            await session.scalars(
                select(SwitchPort.poe)
                .join(Switch, Switch.id == SwitchPort.switch_id)
                .where(Switch.hostname == "lon1-1f-sw1")
            )
        )
    assert poe == {False}

    ids = await floor_port_ids(seeded, site="LON1", labels=["1F-003"])
    plan = await plan_role_change(seeded, gateway, ids, "voice")
    assert plan.switches == ()
    ((label, why),) = plan.refused
    assert label == "1F-003" and "GigabitEthernet1/0/3 has no PoE" in why
    assert "patch the floor port to a PoE port" in why

    plan = await plan_role_change(seeded, gateway, ids, "data")
    assert "power inline" not in plan.switches[0].diff
    outcome = await apply_role_change(seeded, gateway, "qa", plan)
    assert outcome.done == 1, outcome


# -- a login below privilege 15 --------------------------------------------------------------


def ssh_target(port: int, key: str) -> SwitchTarget:
    return SwitchTarget("lowpriv", "127.0.0.1", port, "ios", "ops", host_key=key)


def test_a_login_below_privilege_15_needs_the_enable_secret() -> None:
    switch = SimulatedSwitch(
        "lowpriv",
        model="WS-C2960X-48FPD-L",
        users={"ops": Account("ops-pw", privilege=1)},
        startup_config=site_ready_config("lowpriv", VLANS, model="WS-C2960X-48FPD-L"),
        enable_secret="en-secret",
    )
    with SimulatorServer([(switch, "127.0.0.1", 0)]) as server:
        key = server.host_keys["lowpriv"].export_public_key().decode().strip()
        target = ssh_target(server.ports[0], key)
        without = Gateway(lambda t: Credentials("ops", "ops-pw"), timeouts=FAST)
        with pytest.raises(SwitchError, match="did not let 'ops' reach privilege 15") as caught:
            without.read_ports(target, ["Gi1/0/1"])
        assert "enable secret" in str(caught.value)
        with_secret = Gateway(lambda t: Credentials("ops", "ops-pw", "en-secret"), timeouts=FAST)
        ports = with_secret.read_ports(target, ["Gi1/0/1"])
        assert list(ports) == ["GigabitEthernet1/0/1"]


# -- trunks on ISL-capable ports -------------------------------------------------------------


def test_a_trunk_on_an_isl_capable_port_sets_dot1q_first() -> None:
    switch = site_ready("isl", "WS-C3560X-24P-S")
    gateway, target = in_process(switch)
    port = gateway.read_ports(target, ["Gi0/7"])["GigabitEthernet0/7"]
    assert port.trunk_encapsulation == "negotiate"  # what tells the console to add the line

    old = change(SwitchPortRole.ACCESS_POINT, "GigabitEthernet0/7", PortCapabilities(poe=True))
    refused = gateway.apply(target, [old], VLANS)
    assert not refused.committed  # trunk mode refused while the encapsulation negotiates

    needs = PortCapabilities(poe=True, trunk_encapsulation=True)
    new = change(SwitchPortRole.ACCESS_POINT, "GigabitEthernet0/7", needs)
    result = gateway.apply(target, [new], VLANS)
    assert result.committed, result.error
    after = result.ports["GigabitEthernet0/7"]
    assert after.settings.mode == "trunk" and after.settings.allowed_vlans == (300, 400)


# -- a trunk allowing every VLAN -----------------------------------------------------------


def test_a_trunk_allowing_all_vlans_is_read_as_all_not_none() -> None:
    assert (
        vlan_list("ALL") is None and vlan_list("NONE") == () and vlan_list("1-3,7") == (1, 2, 3, 7)
    )
    switch = site_ready("trunks", "C9200L-24P-4G")
    switch.merge_text(
        "interface GigabitEthernet1/0/1\n switchport mode trunk\n"
        "interface GigabitEthernet1/0/2\n switchport mode trunk\n"
        " switchport trunk allowed vlan none\nend\n"
    )
    gateway, target = in_process(switch)
    ports = gateway.read_ports(target, ["Gi1/0/1", "Gi1/0/2"])
    assert ports["GigabitEthernet1/0/1"].settings.allowed_vlans is None
    assert ports["GigabitEthernet1/0/2"].settings.allowed_vlans == ()
