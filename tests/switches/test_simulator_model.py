"""The simulated switch's state: config grammar, canonical rendering, devices driving link,
LLDP, MAC table and PoE, revert timers and the startup-config round trip."""

from __future__ import annotations

import pytest
from helpers import SwitchClock, interface_block

from voiceconsole.switches.simulator.model import (
    ConfigState,
    Device,
    Rejection,
    SimulatedSwitch,
    canonical_interface,
    format_vlan_list,
    normalise_mac,
    parse_vlan_list,
)

VOICE_PORT = """\
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


def phone(n: int = 5, *, pc: bool = True) -> Device:
    behind = Device("pc", f"0011.2233.{n:02d}66", f"PC-1F-{n:03d}", lldp=False) if pc else None
    return Device("phone", f"00:11:22:33:{n:02d}:55", f"SEP00112233{n:02d}55", 6.5, True, behind)


@pytest.fixture
def switch(clock: SwitchClock) -> SimulatedSwitch:
    return SimulatedSwitch("lon1-1f-sw1", clock=clock)


def test_names_and_lists_normalise() -> None:
    assert canonical_interface("Gi1/0/5") == "GigabitEthernet1/0/5"
    assert canonical_interface("gigabitethernet 1/0/5") == "GigabitEthernet1/0/5"
    assert canonical_interface("Te1/1/1") is None
    assert normalise_mac("00:11:22:AA:bb:cc") == "0011.22aa.bbcc"
    assert parse_vlan_list("10,20-22,30") == [10, 20, 21, 22, 30]
    assert parse_vlan_list("0") is None
    assert format_vlan_list([10, 11, 20, 21, 22]) == "10,11,20-22"


def test_default_config_has_archive_and_scp(switch: SimulatedSwitch) -> None:
    text = switch.running_config()
    assert "hostname lon1-1f-sw1" in text
    assert "archive\n path flash:archive\n maximum 5\n" in text
    assert "ip scp server enable" in text
    assert text.count("interface GigabitEthernet1/0/") == 24
    assert text.endswith("end\n")


def test_voice_port_renders_in_canonical_order(switch: SimulatedSwitch) -> None:
    assert switch.merge_text(VOICE_PORT) == []
    assert interface_block(switch.running_config(), "GigabitEthernet1/0/5") == [
        " description 1F-005 acme-analytics",
        " switchport access vlan 110",
        " switchport mode access",
        " switchport voice vlan 210",
        " spanning-tree portfast",
    ]
    assert "vlan 110\n!" in switch.running_config()  # created for the access port, as IOS does


def test_trunk_and_back_to_access(switch: SimulatedSwitch) -> None:
    switch.merge_text(VOICE_PORT)
    errors = switch.merge_text(
        """\
interface GigabitEthernet1/0/5
 no switchport voice vlan
 switchport mode trunk
 switchport trunk native vlan 110
 switchport trunk allowed vlan 110,120
 switchport trunk allowed vlan add 130-132
 switchport trunk allowed vlan remove 120
 power inline never
 shutdown
 no spanning-tree portfast
"""
    )
    assert errors == []
    assert interface_block(switch.running_config(), "GigabitEthernet1/0/5") == [
        " description 1F-005 acme-analytics",
        " switchport access vlan 110",
        " switchport trunk native vlan 110",
        " switchport trunk allowed vlan 110,130-132",
        " switchport mode trunk",
        " power inline never",
        " shutdown",
    ]
    switch.merge_text(
        """\
interface Gi1/0/5
 no switchport trunk native vlan
 no switchport trunk allowed vlan
 switchport mode access
 no description
 no switchport access vlan
 power inline auto
 no shutdown
"""
    )
    assert interface_block(switch.running_config(), "GigabitEthernet1/0/5") == [
        " switchport mode access"
    ]


def test_vlans_with_names(switch: SimulatedSwitch) -> None:
    assert (
        switch.merge_text("vlan 110\n name ACME-DATA\nvlan 210\n name VOICE\nno vlan 210\n") == []
    )
    text = switch.running_config()
    assert "vlan 110\n name ACME-DATA\n!" in text
    assert "vlan 210" not in text


def test_global_command_leaves_interface_mode(switch: SimulatedSwitch) -> None:
    # No indentation and no `exit`: IOS falls back to global mode for a global command.
    assert switch.merge_text("interface Gi1/0/1\nshutdown\nvlan 300\nname X\n") == []
    assert switch.port("Gi1/0/1").config.shutdown
    assert "vlan 300\n name X" in switch.running_config()


@pytest.mark.parametrize(
    ("line", "column"),
    [
        (" switchport mode bogus", 17),
        (" switchport bogus", 12),
        (" spanning-tree bpdufilter enable", 15),
        (" switchport access vlan 5000", 24),
    ],
)
def test_invalid_lines_are_rejected_where_ios_points(
    switch: SimulatedSwitch, line: str, column: int
) -> None:
    errors = switch.merge_text(f"interface Gi1/0/3\n{line}\n")
    assert [(bad, rejection.column) for bad, rejection in errors] == [(line, column)]
    assert "% Invalid input detected at '^' marker." in errors[0][1].render(line)


def test_incomplete_and_unknown_global(switch: SimulatedSwitch) -> None:
    errors = switch.merge_text("interface Gi1/0/3\n switchport access vlan\nfrobnicate now\n")
    assert errors[0][1].render(errors[0][0]) == "% Incomplete command."
    assert errors[1][1].column == 0


def test_bad_line_keeps_lines_before_it(switch: SimulatedSwitch) -> None:
    errors = switch.merge_text("interface Gi1/0/3\n description one\n bogus\n shutdown\n")
    assert len(errors) == 1
    port = switch.port("Gi1/0/3").config
    assert port.description == "one"
    assert port.shutdown  # IOS carries on after a bad line


def test_fail_next_rejects_the_next_matching_line_once(switch: SimulatedSwitch) -> None:
    switch.fail_next(r"voice vlan", "% Simulated failure")
    errors = switch.merge_text(VOICE_PORT)
    assert [(line, r.render(line)) for line, r in errors] == [
        (" switchport voice vlan 210", "% Simulated failure")
    ]
    assert switch.merge_text(VOICE_PORT) == []


def test_running_config_round_trips_through_startup_config(switch: SimulatedSwitch) -> None:
    switch.merge_text(VOICE_PORT + "vlan 110\n name DATA\nip domain name lab.example\n")
    text = switch.running_config()
    rebuilt = SimulatedSwitch("ignored", startup_config=text)
    assert rebuilt.running_config() == text
    from_config = SimulatedSwitch.from_config(text)
    assert from_config.hostname == "lon1-1f-sw1"
    assert from_config.running_config() == text
    # The CLI header of `show running-config` is tolerated too.
    with_header = "Building configuration...\n\nCurrent configuration : 99 bytes\n" + text
    assert SimulatedSwitch.from_config(with_header).running_config() == text


def test_config_state_copy_is_independent() -> None:
    state = ConfigState.blank(4)
    trial = state.copy()
    trial.apply(("interface", "GigabitEthernet1/0/1"), "shutdown")
    assert not state.ports["GigabitEthernet1/0/1"].shutdown
    with pytest.raises(Rejection):
        state.apply(("global", None), "interface Gi1/0/9")


def test_phone_link_lldp_poe_and_macs(switch: SimulatedSwitch) -> None:
    switch.connect("Gi1/0/5", phone())
    port = switch.port("Gi1/0/5")
    assert port.oper_up and port.poe_on and port.poe_watts == 6.5
    assert [n for n, _ in switch.lldp_neighbors()] == ["GigabitEthernet1/0/5"]
    assert {(e.vlan, e.mac) for e in switch.mac_table()} == {
        (1, "0011.2233.0555"),
        (1, "0011.2233.0566"),
    }
    switch.merge_text(VOICE_PORT)
    assert {(e.vlan, e.mac) for e in switch.mac_table()} == {
        (210, "0011.2233.0555"),  # the phone in the voice VLAN
        (110, "0011.2233.0566"),  # the PC behind it in the data VLAN
    }


def test_power_inline_never_takes_a_phone_down(switch: SimulatedSwitch) -> None:
    switch.connect("Gi1/0/5", phone())
    switch.merge_text("interface Gi1/0/5\n power inline never\n")
    port = switch.port("Gi1/0/5")
    assert not port.oper_up and not port.poe_on
    assert switch.mac_table() == [] and switch.lldp_neighbors() == []
    switch.merge_text("interface Gi1/0/5\n power inline auto\n")
    assert switch.port("Gi1/0/5").oper_up


def test_unpowered_pc_shutdown_and_trunk(switch: SimulatedSwitch) -> None:
    pc = Device("pc", "0011.2233.4477", "PC-1F-007", lldp=False)
    switch.connect("Gi1/0/7", pc)
    assert switch.port("Gi1/0/7").oper_up
    assert not switch.port("Gi1/0/7").poe_on
    assert switch.lldp_neighbors() == []
    switch.merge_text("interface Gi1/0/7\n shutdown\n")
    assert not switch.port("Gi1/0/7").oper_up
    switch.merge_text(
        "interface Gi1/0/7\n no shutdown\n switchport mode trunk\n switchport trunk native vlan 99\n"
    )
    assert [(e.vlan, e.interface) for e in switch.mac_table()] == [(99, "GigabitEthernet1/0/7")]
    switch.connect("Gi1/0/7", None)
    assert not switch.port("Gi1/0/7").oper_up


def test_revert_timer_reverts_after_its_minutes(
    switch: SimulatedSwitch, clock: SwitchClock
) -> None:
    before = switch.running_config()
    switch.start_revert_timer(1, "admin")
    switch.merge_text(VOICE_PORT)
    clock.now += 59
    assert switch.running_config() != before
    clock.now += 1
    assert switch.running_config() == before
    assert switch.pending_revert is None


def test_confirm_keeps_the_change(switch: SimulatedSwitch, clock: SwitchClock) -> None:
    switch.start_revert_timer(1, "admin")
    switch.merge_text(VOICE_PORT)
    assert switch.confirm()
    clock.now += 3600
    assert "switchport voice vlan 210" in switch.running_config()


def test_logins_and_unknown_interface(switch: SimulatedSwitch) -> None:
    assert switch.check_login("admin", "admin")
    assert not switch.check_login("admin", "wrong")
    assert SimulatedSwitch("x", users={"ops": "s3cret"}).check_login("ops", "s3cret")
    with pytest.raises(KeyError):
        switch.connect("Gi1/0/99", None)
