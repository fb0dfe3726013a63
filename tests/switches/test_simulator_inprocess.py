"""NAPALM's own IOSDriver against the simulator in-process: getters, merge/compare/commit,
rollback on an invalid line, commit-confirm with a revert timer, discard, logins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import SwitchClock
from napalm.base.exceptions import (
    CommandErrorException,
    CommitConfirmException,
    ConnectionException,
    MergeConfigException,
)
from ntc_templates.parse import parse_output

from voiceconsole.switches.simulator.inprocess import SimulatedIOSDriver, register, unregister
from voiceconsole.switches.simulator.model import Device, SimulatedSwitch

VOICE = """\
interface GigabitEthernet1/0/5
 description 1F-005 acme-analytics
 switchport access vlan 110
 switchport mode access
 switchport voice vlan 210
 power inline auto
 no shutdown
 spanning-tree portfast
end
"""
ACCESS_POINT = """\
vlan 300
 name APS
interface GigabitEthernet1/0/6
 description 1F-006 ap
 no switchport voice vlan
 switchport mode trunk
 switchport trunk native vlan 300
 switchport trunk allowed vlan 300,310
 power inline auto
 no shutdown
 no spanning-tree portfast
end
"""
DISABLED = """\
interface GigabitEthernet1/0/5
 no switchport voice vlan
 no switchport trunk native vlan
 no switchport trunk allowed vlan
 switchport mode access
 shutdown
end
"""


@pytest.fixture
def switch(clock: SwitchClock) -> SimulatedSwitch:
    sw = SimulatedSwitch("lon1-1f-sw1", clock=clock)
    pc = Device("pc", "0011.2233.0566", "PC-1F-005", lldp=False)
    sw.connect("Gi1/0/5", Device("phone", "0011.2233.0555", "SEP001122330555", 6.5, True, pc))
    sw.connect("Gi1/0/6", Device("access_point", "0011.2233.0655", "AP-1F-01", 15.0))
    return sw


@pytest.fixture
def driver(switch: SimulatedSwitch) -> Iterator[SimulatedIOSDriver]:
    device = SimulatedIOSDriver(
        "lon1-1f-sw1",
        "admin",
        "admin",
        optional_args={"simulator": switch, "canonical_int": True},
    )
    device.open()
    yield device
    if device.device is not None:
        device.close()


def macs(driver: SimulatedIOSDriver, interface: str) -> set[tuple[str, int]]:
    return {
        (entry["mac"], entry["vlan"])
        for entry in driver.get_mac_address_table()
        if entry["interface"] == interface
    }


def test_getters(driver: SimulatedIOSDriver) -> None:
    facts = driver.get_facts()
    assert facts["hostname"] == "lon1-1f-sw1"
    assert facts["model"] == "C9200L-24P-4G"
    assert facts["vendor"] == "Cisco"
    assert "Version 17.9.4a" in facts["os_version"]
    assert facts["serial_number"].startswith("JAE")
    assert facts["uptime"] > 0
    assert len(facts["interface_list"]) == 24

    interfaces = driver.get_interfaces()
    assert interfaces["GigabitEthernet1/0/5"]["is_up"] is True
    assert interfaces["GigabitEthernet1/0/1"]["is_up"] is False
    assert interfaces["GigabitEthernet1/0/1"]["is_enabled"] is True

    lldp = driver.get_lldp_neighbors_detail()
    assert set(lldp) == {"GigabitEthernet1/0/5", "GigabitEthernet1/0/6"}
    phone = lldp["GigabitEthernet1/0/5"][0]
    assert phone["remote_system_name"] == "SEP001122330555"
    assert "telephone" in phone["remote_system_capab"]
    assert driver.get_lldp_neighbors()["GigabitEthernet1/0/6"][0]["hostname"] == "AP-1F-01"

    assert macs(driver, "GigabitEthernet1/0/5") == {
        ("00:11:22:33:05:55", 1),
        ("00:11:22:33:05:66", 1),
    }

    out = driver.cli(["show interfaces switchport", "show power inline"])
    switchport = parse_output(
        platform="cisco_ios",
        command="show interfaces switchport",
        data=out["show interfaces switchport"],
    )
    assert {r["interface"]: r["access_vlan"] for r in switchport}["Gi1/0/5"] == "1"
    power = parse_output(
        platform="cisco_ios", command="show power inline", data=out["show power inline"]
    )
    assert {r["interface"]: r["operational_status"] for r in power}["Gi1/0/6"] == "on"

    config = driver.get_config()
    assert "\nversion 17.9\n" in config["running"]
    assert "hostname lon1-1f-sw1" in config["startup"]
    assert driver.is_alive() == {"is_alive": True}


def test_merge_compare_commit_voice_role(
    driver: SimulatedIOSDriver, switch: SimulatedSwitch
) -> None:
    driver.load_merge_candidate(config=VOICE)
    assert driver.compare_config() == (
        "+interface GigabitEthernet1/0/5\n"
        "+ description 1F-005 acme-analytics\n"
        "+ switchport access vlan 110\n"
        "+ switchport mode access\n"
        "+ switchport voice vlan 210\n"
        "+ spanning-tree portfast"
    )
    driver.commit_config()
    assert macs(driver, "GigabitEthernet1/0/5") == {
        ("00:11:22:33:05:55", 210),  # the phone joins the voice VLAN
        ("00:11:22:33:05:66", 110),
    }
    assert switch.startup_config == switch.running_config()  # commit saves
    driver.load_merge_candidate(config=VOICE)
    assert driver.compare_config() == ""  # idempotent


def test_other_roles_and_power_cycle(driver: SimulatedIOSDriver, switch: SimulatedSwitch) -> None:
    driver.load_merge_candidate(config=ACCESS_POINT)
    driver.commit_config()
    assert macs(driver, "GigabitEthernet1/0/6") == {("00:11:22:33:06:55", 300)}
    rows = parse_output(
        platform="cisco_ios",
        command="show interfaces switchport",
        data=driver.cli(["show interfaces Gi1/0/6 switchport"])[
            "show interfaces Gi1/0/6 switchport"
        ],
    )
    assert (rows[0]["mode"], rows[0]["native_vlan"], rows[0]["trunking_vlans"]) == (
        "trunk",
        "300",
        ["300", "310"],
    )

    driver.load_merge_candidate(config="interface GigabitEthernet1/0/5\n power inline never\nend\n")
    driver.commit_config()
    assert driver.get_interfaces()["GigabitEthernet1/0/5"]["is_up"] is False
    driver.load_merge_candidate(config="interface GigabitEthernet1/0/5\n power inline auto\nend\n")
    driver.commit_config()
    assert driver.get_interfaces()["GigabitEthernet1/0/5"]["is_up"] is True

    driver.load_merge_candidate(config=DISABLED)
    driver.commit_config()
    assert driver.get_interfaces()["GigabitEthernet1/0/5"]["is_enabled"] is False
    assert " shutdown" in switch.running_config()


def test_invalid_line_rolls_back(driver: SimulatedIOSDriver, switch: SimulatedSwitch) -> None:
    before = switch.running_config()
    driver.load_merge_candidate(
        config="interface GigabitEthernet1/0/5\n description half applied\n switchport bogus\nend\n"
    )
    with pytest.raises(MergeConfigException, match="Invalid input detected"):
        driver.commit_config()
    driver.close()  # the driver takes back its `file prompt quiet`
    assert switch.running_config() == before


def test_failure_seam_rolls_back(driver: SimulatedIOSDriver, switch: SimulatedSwitch) -> None:
    driver.load_merge_candidate(config=VOICE)
    switch.fail_next(r"voice vlan", "% Invalid input detected at '^' marker. (simulated)")
    with pytest.raises(MergeConfigException):
        driver.commit_config()
    assert "voice vlan" not in switch.running_config()
    assert "1F-005" not in switch.running_config()


def test_unconfirmed_commit_reverts(
    driver: SimulatedIOSDriver, switch: SimulatedSwitch, clock: SwitchClock
) -> None:
    driver.load_merge_candidate(config=VOICE)
    driver.commit_config(revert_in=60)
    assert driver.has_pending_commit()
    assert macs(driver, "GigabitEthernet1/0/5") >= {("00:11:22:33:05:55", 210)}
    with pytest.raises(CommandErrorException):
        driver.commit_config()  # a second commit while one is pending
    clock.now += 60
    assert not driver.has_pending_commit()
    assert "voice vlan" not in driver.get_config(retrieve="running")["running"]
    assert macs(driver, "GigabitEthernet1/0/5") >= {("00:11:22:33:05:55", 1)}


def test_confirmed_commit_stays(
    driver: SimulatedIOSDriver, switch: SimulatedSwitch, clock: SwitchClock
) -> None:
    driver.load_merge_candidate(config=VOICE)
    driver.commit_config(revert_in=120)
    driver.confirm_commit()
    assert not driver.has_pending_commit()
    clock.now += 600
    assert "switchport voice vlan 210" in switch.running_config()
    assert switch.startup_config == switch.running_config()
    with pytest.raises(CommitConfirmException):
        driver.confirm_commit()


def test_rollback_of_a_pending_commit(driver: SimulatedIOSDriver, switch: SimulatedSwitch) -> None:
    driver.load_merge_candidate(config=VOICE)
    driver.commit_config(revert_in=60)
    driver.rollback()
    assert not driver.has_pending_commit()
    assert "voice vlan" not in switch.running_config()


def test_rollback_after_commit(driver: SimulatedIOSDriver, switch: SimulatedSwitch) -> None:
    driver.load_merge_candidate(config=VOICE)
    driver.commit_config()
    driver.rollback()
    assert "voice vlan" not in switch.running_config()


def test_revert_in_needs_archive(driver: SimulatedIOSDriver, switch: SimulatedSwitch) -> None:
    switch.merge_text("no archive\n")
    driver.load_merge_candidate(config=VOICE)
    with pytest.raises(CommitConfirmException):
        driver.commit_config(revert_in=60)


def test_discard(driver: SimulatedIOSDriver, switch: SimulatedSwitch) -> None:
    before = switch.running_config()
    driver.load_merge_candidate(config=VOICE)
    driver.discard_config()
    assert driver.compare_config() == ""
    assert switch.flash["merge_config.txt"] == ""
    driver.close()
    assert switch.running_config() == before


def test_replace_path(driver: SimulatedIOSDriver, switch: SimulatedSwitch) -> None:
    candidate = switch.running_config().replace("hostname lon1-1f-sw1", "hostname lon1-1f-swX")
    driver.load_replace_candidate(config=candidate)
    assert "+hostname lon1-1f-swX" in driver.compare_config()
    driver.commit_config()
    assert switch.hostname == "lon1-1f-swX"


def test_bad_credentials_and_unknown_switch(switch: SimulatedSwitch) -> None:
    bad = SimulatedIOSDriver("lon1-1f-sw1", "admin", "wrong", optional_args={"simulator": switch})
    with pytest.raises(ConnectionException, match="bad username or password"):
        bad.open()
    with pytest.raises(ConnectionException, match="no simulated switch"):
        SimulatedIOSDriver("nowhere", "admin", "admin").open()


def test_registry_finds_switch_by_hostname(switch: SimulatedSwitch) -> None:
    register(switch, "10.0.0.1")
    try:
        device = SimulatedIOSDriver("10.0.0.1", "admin", "admin")
        device.open()
        assert device.get_facts()["hostname"] == "lon1-1f-sw1"
        device.close()
        assert device.is_alive() == {"is_alive": False}
    finally:
        unregister("10.0.0.1")
