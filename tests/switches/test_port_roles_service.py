"""Setting switch port roles through the service layer, on in-process simulated switches.

The same NAPALM `ios` driver logic runs here as over SSH (tests/switches/test_gateway_ssh.py);
only the transport differs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import interface_block, snapshot
from sqlalchemy import func, select

from voiceconsole.db.database import Database
from voiceconsole.db.models import AuditEntry, FloorPort, Site, Switch, SwitchChange, SwitchPort
from voiceconsole.domain.errors import NotFound, RuleViolation
from voiceconsole.domain.port_checks import Mismatch
from voiceconsole.domain.port_roles import SwitchPortRole
from voiceconsole.services.floor_ports import (
    allocate_floor_ports,
    floor_port_ids,
    list_floor_ports,
    patch_floor_port,
    port_problems,
)
from voiceconsole.services.port_readings import refresh_live_state
from voiceconsole.services.switch_ports import apply_role_change, plan_role_change, power_cycle
from voiceconsole.switches.gateway import Gateway

SITE = "LON1"
SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


async def ids(db: Database, *labels: str) -> list[int]:
    return await floor_port_ids(db, site=SITE, labels=list(labels))


def sim(gateway: Gateway, hostname: str):  # type: ignore[no-untyped-def]
    return gateway.simulators.switch(hostname)


async def port_row(db: Database, label: str) -> SwitchPort:
    async with db.read() as session:
        return (
            await session.scalars(
                select(SwitchPort)
                .join(FloorPort, FloorPort.switch_port_id == SwitchPort.id)
                .join(Site, Site.id == FloorPort.site_id)
                .where(FloorPort.label == label, Site.code == SITE)
            )
        ).one()


async def audit_count(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count(AuditEntry.id))) or 0)


async def test_preview_shows_the_switch_diff_and_changes_nothing(
    seeded: Database, gateway: Gateway
) -> None:
    before_db = await snapshot(seeded)
    before_switch = sim(gateway, "lon1-1f-sw1").running_config()
    plan = await plan_role_change(seeded, gateway, await ids(seeded, "1F-001"), "voice")
    (switch,) = plan.switches
    assert switch.target.hostname == "lon1-1f-sw1" and not switch.error
    assert "+ switchport voice vlan 200" in switch.diff
    assert "+ switchport access vlan 100" in switch.diff
    assert sim(gateway, "lon1-1f-sw1").running_config() == before_switch
    assert await snapshot(seeded) == before_db


async def test_voice_role_is_committed_verified_and_recorded(
    seeded: Database, gateway: Gateway
) -> None:
    chosen = await ids(seeded, "1F-001", "1F-003", "2F-001")
    plan = await plan_role_change(seeded, gateway, chosen, SwitchPortRole.VOICE)
    assert [s.target.hostname for s in plan.switches] == ["lon1-1f-sw1", "lon1-2f-sw1"]
    outcome = await apply_role_change(seeded, gateway, "qa", plan)
    assert [(p.label, p.done) for p in outcome.ports] == [
        ("1F-001", True),
        ("1F-003", True),
        ("2F-001", True),
    ]
    port = await port_row(seeded, "1F-001")
    assert (port.role, port.observed_role, port.drift) == ("voice", "voice", False)
    assert port.live is not None and port.live["neighbour_is_phone"]
    # The phone is now learnt in the voice VLAN, its PC in the data VLAN.
    table = {(e.vlan, e.mac) for e in sim(gateway, "lon1-1f-sw1").mac_table()}
    assert (200, "02cc.0101.0001") in table and (100, "02cc.0201.0001") in table
    config = sim(gateway, "lon1-1f-sw1").running_config()
    assert " switchport voice vlan 200" in config
    # No revert timer is left pending: the commit was confirmed.
    assert sim(gateway, "lon1-1f-sw1").pending_revert is None
    async with seeded.read() as session:
        entry = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()))).first()
    assert entry is not None and entry.action == "ports.role"
    assert entry.summary == "set 3 floor ports to voice"


async def test_an_occupiers_own_data_vlan_is_used(seeded: Database, gateway: Gateway) -> None:
    # Brightwater Legal has data VLAN 102 at LON1 (sample data).
    plan = await plan_role_change(seeded, gateway, await ids(seeded, "1F-005"), "voice")
    assert "+ switchport access vlan 102" in plan.switches[0].diff
    await apply_role_change(seeded, gateway, "qa", plan)
    port = await port_row(seeded, "1F-005")
    assert port.observed_role == "voice" and not port.drift


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        # IOS's own refusal: the driver sees it and rolls back by itself.
        ("% Invalid input detected at '^' marker.", "rejected the change and rolled it back"),
        # A refusal the driver does not recognise: the read-back catches it.
        ("% Voice VLAN not allowed on this port", "rolled back: the switch did not take"),
    ],
)
async def test_a_rejected_line_rolls_that_switch_back_and_the_others_commit(
    seeded: Database, gateway: Gateway, message: str, reason: str
) -> None:
    chosen = await ids(seeded, "1F-001", "2F-001")
    plan = await plan_role_change(seeded, gateway, chosen, "voice")
    second = sim(gateway, "lon1-2f-sw1")
    before = second.running_config()
    second.fail_next(r"switchport voice vlan", message)
    outcome = await apply_role_change(seeded, gateway, "qa", plan)
    done = {p.label: p for p in outcome.ports}
    assert done["1F-001"].done
    assert not done["2F-001"].done and reason in done["2F-001"].reason
    assert second.running_config() == before
    failed = await port_row(seeded, "2F-001")
    assert failed.role is None and failed.last_error
    assert (await port_row(seeded, "1F-001")).role == "voice"


async def test_a_change_refused_everywhere_leaves_no_audit_entry_but_keeps_what_it_learnt(
    seeded: Database, gateway: Gateway
) -> None:
    plan = await plan_role_change(seeded, gateway, await ids(seeded, "1F-001"), "voice")
    sim(gateway, "lon1-1f-sw1").fail_next(r"switchport voice vlan", REJECTED)
    before = await audit_count(seeded)
    outcome = await apply_role_change(seeded, gateway, "qa", plan)
    assert (outcome.done, outcome.failed) == (0, 1)
    assert await audit_count(seeded) == before  # nothing was done: nothing to journal
    port = await port_row(seeded, "1F-001")
    assert port.role is None and "rejected the change" in (port.last_error or "")
    async with seeded.read() as session:
        states = [c.state.value for c in await session.scalars(select(SwitchChange))]
    assert states == ["settled"]  # the change record is closed, not left in flight


REJECTED = "% Invalid input detected at '^' marker."


async def test_a_switch_changed_since_the_preview_is_not_committed(
    seeded: Database, gateway: Gateway
) -> None:
    plan = await plan_role_change(seeded, gateway, await ids(seeded, "1F-001"), "voice")
    switch = sim(gateway, "lon1-1f-sw1")
    switch.merge_text("interface GigabitEthernet1/0/1\n switchport voice vlan 200\nend\n")
    outcome = await apply_role_change(seeded, gateway, "qa", plan)
    assert not outcome.ports[0].done and "changed since the preview" in outcome.ports[0].reason
    assert " switchport access vlan 100" not in switch.running_config()


async def test_a_newline_in_a_label_cannot_reach_the_switch(
    seeded: Database, gateway: Gateway
) -> None:
    (port_id,) = await ids(seeded, "1F-001")
    async with seeded.write() as session:
        floor_port = await session.get(FloorPort, port_id)
        assert floor_port is not None
        floor_port.label = "1F-001\nvlan 666\ninterface Vlan1\n shutdown"
        await session.commit()
    plan = await plan_role_change(seeded, gateway, [port_id], "data")
    await apply_role_change(seeded, gateway, "qa", plan)
    config = sim(gateway, "lon1-1f-sw1").running_config()
    lines = config.splitlines()
    assert " description 1F-001 vlan 666 interface Vlan1 shutdown acme-analytics" in lines
    assert "vlan 666" not in lines and "interface Vlan1" not in lines


async def test_refresh_finds_drift_made_behind_the_consoles_back(
    seeded: Database, gateway: Gateway
) -> None:
    plan = await plan_role_change(seeded, gateway, await ids(seeded, "1F-003"), "voice")
    await apply_role_change(seeded, gateway, "qa", plan)
    sim(gateway, "lon1-1f-sw1").merge_text(
        "interface GigabitEthernet1/0/3\n no switchport voice vlan\nend\n"
    )
    readings = await refresh_live_state(seeded, gateway, site=SITE, floor="1F")
    assert [(r.hostname, r.error) for r in readings] == [("lon1-1f-sw1", "")]
    port = await port_row(seeded, "1F-003")
    assert (port.role, port.observed_role, port.drift) == ("voice", "data", True)
    problems = {p.label: p.mismatches for p in await port_problems(seeded, site=SITE)}
    assert Mismatch.DRIFT in problems["1F-003"]
    assert Mismatch.PHONE_WITHOUT_VOICE in problems["1F-003"]


async def test_mismatch_checks(seeded: Database, gateway: Gateway) -> None:
    # 1F-008 has nothing plugged in; give it the voice role.
    plan = await plan_role_change(seeded, gateway, await ids(seeded, "1F-008"), "voice")
    await apply_role_change(seeded, gateway, "qa", plan)
    # 1F-009 (Copperleaf, space 1.03) is given to Acme, whose space is 1.01.
    await allocate_floor_ports(seeded, "qa", await ids(seeded, "1F-009"), occupier="acme-analytics")
    await refresh_live_state(seeded, gateway, site=SITE, floor="1F")
    problems = {p.label: set(p.mismatches) for p in await port_problems(seeded, site=SITE)}
    assert problems["1F-008"] == {Mismatch.VOICE_PORT_EMPTY}
    # A phone (sample data) on a port nobody gave the voice role.
    assert Mismatch.PHONE_WITHOUT_VOICE in problems["1F-001"]
    assert Mismatch.OTHER_OCCUPIERS_SPACE in problems["1F-009"]
    assert "1F-002" not in problems  # a PC on an unset port is fine


async def test_allocate_to_the_operator_and_back(seeded: Database) -> None:
    chosen = await ids(seeded, "1F-001", "1F-002")
    assert await allocate_floor_ports(seeded, "qa", chosen, operator=True) == 2
    ports = {p.label: p for p in await list_floor_ports(seeded, site=SITE, search="1F-00")}
    assert ports["1F-001"].operator_use and ports["1F-001"].occupier is None
    await allocate_floor_ports(seeded, "qa", chosen)
    ports = {p.label: p for p in await list_floor_ports(seeded, site=SITE, search="1F-00")}
    assert not ports["1F-001"].operator_use and ports["1F-001"].occupier is None


async def test_allocating_to_an_occupier_elsewhere_is_refused(seeded: Database) -> None:
    before = await snapshot(seeded)
    with pytest.raises(RuleViolation, match="does not occupy LON1"):
        await allocate_floor_ports(
            seeded, "qa", await ids(seeded, "1F-001"), occupier="lumen-software"
        )
    assert await snapshot(seeded) == before


async def test_patching_checks_the_interface(seeded: Database) -> None:
    (port_id,) = await ids(seeded, "1F-020")
    before = await snapshot(seeded)
    with pytest.raises(RuleViolation, match="already patched to floor port 1F-001"):
        await patch_floor_port(
            seeded, "qa", port_id, switch="lon1-1f-sw1", interface="GigabitEthernet1/0/1"
        )
    with pytest.raises(NotFound, match="no interface"):
        await patch_floor_port(seeded, "qa", port_id, switch="lon1-1f-sw1", interface="Gi9/9/9")
    with pytest.raises(RuleViolation, match="another building"):
        await patch_floor_port(
            seeded, "qa", port_id, switch="man1-gf-sw1", interface="GigabitEthernet1/0/20"
        )
    assert await snapshot(seeded) == before


async def test_power_cycle_turns_poe_off_and_on(seeded: Database, gateway: Gateway) -> None:
    (port_id,) = await ids(seeded, "1F-001")
    said = await power_cycle(seeded, gateway, "qa", port_id, pause=0)
    assert "off, then on" in said
    switch = sim(gateway, "lon1-1f-sw1")
    status = switch.port("GigabitEthernet1/0/1")
    assert status.poe_on and status.oper_up
    assert "power inline never" not in switch.running_config()
    async with seeded.read() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert "ports.power_cycle" in actions


async def test_an_unreachable_switch_is_said_and_nothing_is_written(seeded: Database) -> None:
    from voiceconsole.switches.credentials import Credentials
    from voiceconsole.switches.gateway import Timeouts

    # Over SSH (lab mode) to a port where nothing listens.
    ssh = Gateway(
        lambda target: Credentials("admin", "x"), timeouts=Timeouts(connect=2, operation=5)
    )
    async with seeded.write() as session:
        switch = (
            await session.scalars(select(Switch).where(Switch.hostname == "lon1-1f-sw1"))
        ).one()
        switch.mgmt_port = 1  # nothing listens on tcp/1
        switch.simulated = False
        await session.commit()
    before = await audit_count(seeded)
    plan = await plan_role_change(seeded, ssh, await ids(seeded, "1F-001"), "voice")
    assert "lon1-1f-sw1" in plan.switches[0].error
    assert "refused" in plan.switches[0].error or "reach" in plan.switches[0].error
    with pytest.raises(RuleViolation, match="nothing was changed"):
        await apply_role_change(seeded, ssh, "qa", plan)
    assert await audit_count(seeded) == before


async def test_a_session_lost_before_the_confirm_is_undone_by_the_switch(
    seeded: Database, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from napalm.base.exceptions import ConnectionClosedException

    from voiceconsole.switches.simulator.inprocess import SimulatedIOSDriver

    switch = sim(gateway, "lon1-1f-sw1")
    now = [1000.0]
    monkeypatch.setattr(switch, "clock", lambda: now[0])
    before = switch.running_config()

    def lost(self: SimulatedIOSDriver) -> None:
        raise ConnectionClosedException("Socket is closed")

    # The one error path that cannot be produced on demand: the link drops after the commit.
    monkeypatch.setattr(SimulatedIOSDriver, "confirm_commit", lost)
    plan = await plan_role_change(seeded, gateway, await ids(seeded, "1F-003"), "voice")
    journal = await audit_count(seeded)
    outcome = await apply_role_change(seeded, gateway, "qa", plan)
    assert not outcome.ports[0].done
    assert "undoes the change by itself within its revert window" in outcome.ports[0].reason
    # Not done, yet the switch had it for a while: that is journalled.
    assert await audit_count(seeded) == journal + 1
    port = await port_row(seeded, "1F-003")
    assert port.role is None and "within its revert window" in (port.last_error or "")
    # What the switch shows now is about to be undone: it is not recorded as observed.
    assert port.observed_role is None and port.live is None
    assert " switchport voice vlan 200" in switch.running_config()  # committed, unconfirmed
    now[0] += 181
    switch.tick()
    # NAPALM's `file prompt quiet` may differ; the port is what matters.
    assert interface_block(switch.running_config(), "GigabitEthernet1/0/3") == interface_block(
        before, "GigabitEthernet1/0/3"
    )
    assert " switchport voice vlan 200" not in switch.running_config()


async def test_a_disabled_port_has_no_power_to_cycle(seeded: Database, gateway: Gateway) -> None:
    (port_id,) = await ids(seeded, "1F-002")
    plan = await plan_role_change(seeded, gateway, [port_id], "disabled")
    await apply_role_change(seeded, gateway, "qa", plan)
    before = sim(gateway, "lon1-1f-sw1").running_config()
    with pytest.raises(RuleViolation, match="disabled: it has no power to cycle"):
        await power_cycle(seeded, gateway, "qa", port_id, pause=0)
    assert sim(gateway, "lon1-1f-sw1").running_config() == before


async def test_a_power_cycle_that_cannot_turn_power_back_on_says_so(
    seeded: Database, gateway: Gateway
) -> None:
    from voiceconsole.services.switch_work import SwitchPortFailure

    (port_id,) = await ids(seeded, "1F-001")
    switch = sim(gateway, "lon1-1f-sw1")
    switch.fail_next(r"power inline auto", "% Invalid input detected at '^' marker.")
    switch.fail_next(r"power inline auto", "% Invalid input detected at '^' marker.")
    with pytest.raises(SwitchPortFailure, match="PoE may be left OFF on lon1-1f-sw1"):
        await power_cycle(seeded, gateway, "qa", port_id, pause=0)
    port = await port_row(seeded, "1F-001")
    assert "PoE may be left OFF" in (port.last_error or "")
    async with seeded.read() as session:
        entry = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()))).first()
    assert entry is not None and entry.summary.startswith("power-cycle of 1F-001")
    assert entry.after == {"done": False, "error": port.last_error}


async def test_a_power_cycle_retries_turning_power_back_on(
    seeded: Database, gateway: Gateway
) -> None:
    (port_id,) = await ids(seeded, "1F-001")
    switch = sim(gateway, "lon1-1f-sw1")
    switch.fail_next(r"power inline auto", "% Invalid input detected at '^' marker.")
    assert "off, then on" in await power_cycle(seeded, gateway, "qa", port_id, pause=0)
    assert switch.port("GigabitEthernet1/0/1").poe_on


@pytest.mark.postgres
async def test_role_change_and_refresh_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    from voiceconsole.services.seed import load_sample_data
    from voiceconsole.switches.fleet import SimulatorFleet, make_gateway

    db = Database(postgres_url)
    try:
        await load_sample_data(db, "qa")
        fleet = SimulatorFleet(tmp_path / "switches", SAMPLE / "lab_devices.csv")
        pg_gateway = make_gateway(db.url, lab=False, fleet=fleet)
        chosen = await floor_port_ids(db, site=SITE, labels=["1F-001", "2F-001"])
        plan = await plan_role_change(db, pg_gateway, chosen, "voice")
        outcome = await apply_role_change(db, pg_gateway, "qa", plan)
        assert outcome.done == 2
        await refresh_live_state(db, pg_gateway, site=SITE)
        ports = {p.label: p for p in await list_floor_ports(db, site=SITE, search="F-00")}
        assert ports["1F-001"].observed_role == "voice" and not ports["1F-001"].drift
        assert (200, "02:cc:01:01:00:01") in ports["1F-001"].live.macs  # JSONB round trip
        assert Mismatch.PHONE_WITHOUT_VOICE in ports["1F-003"].mismatches
    finally:
        await db.close()
