"""NAPALM's own IOSDriver against the simulator in-process: getters on every model,
merge/compare/commit, rollback on an invalid line, commit-confirm with a revert timer, discard,
logins, `enable` with the enable secret, and SCP refused where IOS refuses it."""

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
from scp import SCPException

from voiceconsole.switches.simulator.inprocess import SimulatedIOSDriver, register, unregister
from voiceconsole.switches.simulator.model import (
    HARDWARE,
    Account,
    Device,
    SimulatedSwitch,
    site_ready_config,
)

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
    config = site_ready_config("lon1-1f-sw1", {100: "DATA", 210: "VOICE"})
    sw = SimulatedSwitch("lon1-1f-sw1", clock=clock, startup_config=config)
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
    assert len(facts["interface_list"]) == 28  # 24 access ports and 4 uplinks

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


def test_a_factory_default_switch_refuses_candidates_and_revert_timers(
    clock: SwitchClock,
) -> None:
    bench = SimulatedSwitch("bench-1", clock=clock)
    device = SimulatedIOSDriver("bench-1", "admin", "admin", optional_args={"simulator": bench})
    device.open()
    try:
        with pytest.raises(CommandErrorException, match="ip scp server enable"):
            device.load_merge_candidate(config=VOICE)
        # With the SCP server but no AAA, IOS's SCP server still says no.
        bench.merge_text("ip scp server enable\n")
        with pytest.raises(SCPException, match="Privilege denied"):
            device.load_merge_candidate(config=VOICE)
        bench.merge_text("aaa new-model\naaa authorization exec default local\n")
        device.load_merge_candidate(config=VOICE)  # now it copies
        with pytest.raises(CommitConfirmException):
            device.commit_config(revert_in=60)  # but there is no archive
    finally:
        device.close()


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


@pytest.mark.parametrize("model", sorted(HARDWARE))
def test_facts_and_interfaces_on_every_model(model: str, clock: SwitchClock) -> None:
    sw = SimulatedSwitch("acc-sw1", model=model, clock=clock)
    first = sw.port_names()[0]
    sw.connect(first, Device("pc", "0011.2233.4477", "PC-1", lldp=False))
    device = SimulatedIOSDriver("acc-sw1", "admin", "admin", optional_args={"simulator": sw})
    device.open()
    try:
        facts = device.get_facts()
        interfaces = device.get_interfaces()
    finally:
        device.close()
    # The model as a real one makes NAPALM report it: the processor line of `show version`
    # (a 3560-X prints its model without the licence suffix).
    expected = "WS-C3560X-24P" if model == "WS-C3560X-24P-S" else model
    assert facts["model"] == expected
    assert facts["hostname"] == "acc-sw1"
    assert facts["interface_list"] == sw.port_names()
    assert list(interfaces) == sw.port_names()
    assert interfaces[first]["is_up"] is True
    assert interfaces[sw.port_names()[-1]]["is_up"] is False
    version = "15.2" if model.startswith("WS-") else "17.9.4a"
    assert version in facts["os_version"]


@pytest.fixture
def operator_switch(clock: SwitchClock) -> SimulatedSwitch:
    config = site_ready_config("lon1-1f-sw1", {100: "DATA"})
    users = {"noc": "pw", "ops": Account("pw1", privilege=1)}
    return SimulatedSwitch(
        "lon1-1f-sw1", clock=clock, users=users, startup_config=config, enable_secret="s3cret"
    )


def test_enable_with_the_secret(operator_switch: SimulatedSwitch) -> None:
    device = SimulatedIOSDriver(
        "lon1-1f-sw1",
        "ops",
        "pw1",
        optional_args={"simulator": operator_switch, "secret": "s3cret"},
    )
    device.open()
    try:
        assert device.cli(["show privilege"])["show privilege"] == "Current privilege level is 15"
        assert device.get_config()["running"].startswith("!")
        # The login itself is at level 1, and an SCP session cannot `enable`: no candidate.
        with pytest.raises(SCPException, match="Privilege denied"):
            device.load_merge_candidate(config=VOICE)
    finally:
        device.close()


@pytest.mark.parametrize("secret", [None, "wrong"])
def test_enable_fails_like_netmiko_without_the_right_secret(
    operator_switch: SimulatedSwitch, secret: str | None
) -> None:
    args = {"simulator": operator_switch} | ({"secret": secret} if secret else {})
    device = SimulatedIOSDriver("lon1-1f-sw1", "ops", "pw1", optional_args=args)
    with pytest.raises(ValueError, match="Failed to enter enable mode"):
        device.open()


def test_force_no_enable_stays_in_user_exec(operator_switch: SimulatedSwitch) -> None:
    device = SimulatedIOSDriver(
        "lon1-1f-sw1",
        "ops",
        "pw1",
        optional_args={"simulator": operator_switch, "force_no_enable": True},
    )
    device.open()
    try:
        assert device.cli(["show privilege"])["show privilege"] == "Current privilege level is 1"
        assert device.get_facts()["model"] == "C9200L-24P-4G"  # show version works at level 1
        assert "Invalid input" in device.cli(["show running-config"])["show running-config"]
    finally:
        device.close()
