"""The simulated switch's state: hardware per model, factory defaults and the site-ready config,
the config grammar and its canonical rendering, the VLAN database, devices driving link, LLDP,
MAC table and PoE (with a real budget), logins and privilege, revert timers and the
startup-config round trip."""

from __future__ import annotations

import re

import pytest
from helpers import SwitchClock, interface_block

from voiceconsole.domain.platforms import profile, profile_for_model
from voiceconsole.switches.simulator.model import (
    DEFAULT_MODEL,
    HARDWARE,
    Account,
    ConfigState,
    Device,
    Rejection,
    SimulatedSwitch,
    format_vlan_list,
    hardware_for,
    normalise_mac,
    parse_vlan_list,
    site_ready_config,
)
from voiceconsole.switches.simulator.port_names import interface_resolver

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


def phone(n: int = 5, *, pc: bool = True, watts: float = 6.5) -> Device:
    behind = Device("pc", f"0011.2233.{n:02d}66", f"PC-1F-{n:03d}", lldp=False) if pc else None
    return Device("phone", f"00:11:22:33:{n:02d}:55", f"SEP00112233{n:02d}55", watts, True, behind)


def ap(n: int, watts: float = 25.5) -> Device:
    return Device("access_point", f"0011.2233.{n:04x}", f"AP-{n}", watts)


def site_ready(
    hostname: str = "lon1-1f-sw1", model: str = DEFAULT_MODEL, **kwargs
) -> SimulatedSwitch:
    """A switch as the operator runs it: the site-ready config with the voice VLAN 210."""
    config = site_ready_config(hostname, {210: "VOICE"}, model=model)
    return SimulatedSwitch(hostname, model=model, startup_config=config, **kwargs)


@pytest.fixture
def switch(clock: SwitchClock) -> SimulatedSwitch:
    return site_ready(clock=clock)


def test_names_and_lists_normalise() -> None:
    c9200 = interface_resolver("C9200L-24P-4G")
    assert c9200("Gi1/0/5") == "GigabitEthernet1/0/5"
    assert c9200("gigabitethernet 1/0/5") == "GigabitEthernet1/0/5"
    assert c9200("g1/0/5") == "GigabitEthernet1/0/5"  # one letter, when only one kind has it
    assert c9200("Gi1/1/4") == "GigabitEthernet1/1/4"
    assert c9200("Te1/1/1") is None  # no TenGigabitEthernet on a C9200L-24P-4G
    assert c9200("Gi1/0/25") is None
    c9300 = interface_resolver("C9300-48UXM")
    assert c9300("tw1/0/3") == "TwoGigabitEthernet1/0/3"
    assert c9300("Two 1/0/36") == "TwoGigabitEthernet1/0/36"
    assert c9300("Te1/0/37") == "TenGigabitEthernet1/0/37"
    assert c9300("Twe1/1/1") == "TwentyFiveGigE1/1/1"
    assert c9300("te1/1/8") == "TenGigabitEthernet1/1/8"
    assert c9300("fo1/1/2") == "FortyGigabitEthernet1/1/2"
    assert c9300("gi1/1/4") == "GigabitEthernet1/1/4"
    assert c9300("Tw1/0/37") is None  # port 37 is a ten-gigabit port
    assert c9300("t1/0/1") is None  # Two, Ten, TwentyFive: ambiguous
    c3560x = interface_resolver("WS-C3560X-24P-S")
    assert c3560x("gi0/5") == "GigabitEthernet0/5"
    assert c3560x("Gi1/1") == "GigabitEthernet1/1"
    assert c3560x("te1/2") == "TenGigabitEthernet1/2"
    assert c3560x("Gi1/0/5") is None
    assert normalise_mac("00:11:22:AA:bb:cc") == "0011.22aa.bbcc"
    assert parse_vlan_list("10,20-22,30") == [10, 20, 21, 22, 30]
    assert parse_vlan_list("0") is None
    assert format_vlan_list([10, 11, 20, 21, 22]) == "10,11,20-22"


@pytest.mark.parametrize(
    ("model", "first", "last", "count", "poe_ports", "budget", "isl", "profile_code"),
    [
        (
            "C9200L-24P-4G",
            "GigabitEthernet1/0/1",
            "GigabitEthernet1/1/4",
            28,
            24,
            370,
            False,
            "catalyst-9200",
        ),
        (
            "C9200L-24T-4G",
            "GigabitEthernet1/0/1",
            "GigabitEthernet1/1/4",
            28,
            0,
            0,
            False,
            "catalyst-9200",
        ),
        (
            "C9300-48UXM",
            "TwoGigabitEthernet1/0/1",
            "TwentyFiveGigE1/1/2",
            64,
            48,
            490,
            False,
            "catalyst-9300",
        ),
        (
            "WS-C2960X-48FPD-L",
            "GigabitEthernet1/0/1",
            "TenGigabitEthernet1/0/2",
            50,
            48,
            740,
            False,
            "catalyst-2960x",
        ),
        (
            "WS-C3560CX-12PC-S",
            "GigabitEthernet0/1",
            "GigabitEthernet0/16",
            16,
            12,
            240,
            False,
            "catalyst-3560cx",
        ),
        (
            "WS-C3560X-24P-S",
            "GigabitEthernet0/1",
            "TenGigabitEthernet1/2",
            30,
            24,
            435,
            True,
            "catalyst-3560-3750",
        ),
    ],
)
def test_hardware_per_model(
    model: str,
    first: str,
    last: str,
    count: int,
    poe_ports: int,
    budget: float,
    isl: bool,
    profile_code: str,
) -> None:
    hw = hardware_for(model)
    assert (hw.port_names[0], hw.port_names[-1], len(hw.port_names)) == (first, last, count)
    assert sum(1 for name in hw.port_names if hw.poe_max(name)) == poe_ports
    assert (hw.poe_budget, hw.isl) == (budget, isl)
    # The profile of the model number is the hardware's, and knows every kind it has.
    assert profile_for_model(model) is profile(profile_code)
    assert hw.profile == profile_code
    kinds = {name.rstrip("0123456789/") for name in hw.port_names}
    assert kinds <= set(profile(profile_code).kinds)
    assert profile(profile_code).trunk_encapsulation == isl
    switch = SimulatedSwitch("x", model=model)
    assert switch.port_names() == list(hw.port_names)
    assert f"interface {last}\n" in switch.running_config()


def test_every_model_is_covered() -> None:
    assert set(HARDWARE) == {
        "C9200L-24P-4G",
        "C9200L-24T-4G",
        "C9300-48UXM",
        "WS-C2960X-48FPD-L",
        "WS-C3560CX-12PC-S",
        "WS-C3560X-24P-S",
    }
    assert {hw.profile for hw in HARDWARE.values()} >= {
        "catalyst-9200",
        "catalyst-9300",
        "catalyst-2960x",
        "catalyst-3560cx",
        "catalyst-3560-3750",
    }
    with pytest.raises(KeyError, match="no simulated hardware"):
        SimulatedSwitch("x", model="WS-C9999")


def test_factory_defaults_are_a_catalyst_out_of_the_box() -> None:
    switch = SimulatedSwitch("bench-1")
    text = switch.running_config()
    assert "hostname bench-1" in text
    assert "archive" not in text
    assert "ip scp server enable" not in text
    assert "lldp run" not in text
    assert "no aaa new-model" in text and "\naaa " not in text
    assert "\nvlan " not in text and "vtp mode" not in text  # VTP server, VLAN 1 only
    assert switch.config.vlans == {}
    assert text.count("interface GigabitEthernet1/0/") == 24
    assert text.endswith("end\n")
    switch.connect("Gi1/0/5", phone())
    assert switch.port("Gi1/0/5").oper_up
    assert switch.lldp_neighbors() == []  # LLDP is off on a Catalyst by default
    assert (
        "spanning-tree mode pvst"
        in SimulatedSwitch("x", model="WS-C2960X-48FPD-L").running_config()
    )


def test_site_ready_config_has_what_the_onboarding_docs_recommend(switch: SimulatedSwitch) -> None:
    text = site_ready_config("lon1-1f-sw1", {100: "DATA", 200: "VOICE"})
    for block in (
        "archive\n path flash:archive\n maximum 5\n",
        "\nip scp server enable\n",
        "\naaa new-model\n",
        "\naaa authentication login default local\n",
        "\naaa authorization exec default local\n",
        "\nlldp run\n",
        "\nvtp mode transparent\n",
        "\nvlan 100\n name DATA\n!\nvlan 200\n name VOICE\n!",
    ):
        assert block in text
    rebuilt = SimulatedSwitch("lon1-1f-sw1", startup_config=text, users={})
    assert rebuilt.running_config() == text
    assert sorted(rebuilt.config.vlans) == [100, 200]
    assert "vlan 300" in site_ready_config("x", [300])  # ids alone work too


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
        switch.merge_text("vlan 110\n name ACME-DATA\nvlan 220\n name VOICE\nno vlan 220\n") == []
    )
    text = switch.running_config()
    assert "vlan 110\n name ACME-DATA\n!" in text
    assert "vlan 220" not in text
    assert [(line, r.message) for line, r in switch.merge_text("no vlan 1\n")] == [
        ("no vlan 1", "%Default VLAN 1 may not be deleted.")
    ]


def test_vlan_database_is_kept_out_of_the_config_in_vtp_server_mode() -> None:
    switch = SimulatedSwitch("bench-1")  # factory default: VTP server
    assert (
        switch.merge_text("vlan 300\n name GUEST\ninterface Gi1/0/3\n switchport access vlan 310\n")
        == []
    )
    assert switch.config.vlans == {300: "GUEST", 310: None}
    assert "vlan 300" not in switch.running_config()  # in vlan.dat, not the config
    switch.replace_config(switch.running_config())  # configure replace leaves vlan.dat alone
    assert sorted(switch.config.vlans) == [300, 310]
    switch.merge_text("vtp mode transparent\n")
    assert "vtp mode transparent\n" in switch.running_config()
    assert "vlan 300\n name GUEST\n!\nvlan 310\n!" in switch.running_config()


def test_access_voice_and_trunk_vlans_that_do_not_exist(switch: SimulatedSwitch) -> None:
    _, access = switch.config.apply(
        ("interface", "GigabitEthernet1/0/3"), "switchport access vlan 120"
    )
    assert access == "% Access VLAN does not exist. Creating vlan 120"
    assert switch.config.vlan_exists(120)
    # A voice VLAN, a native VLAN or trunk allowed VLANs are not created.
    for line in (
        "switchport voice vlan 220",
        "switchport trunk native vlan 230",
        "switchport trunk allowed vlan 240-242",
    ):
        assert switch.config.apply(("interface", "GigabitEthernet1/0/4"), line)[1] == ""
    assert not any(switch.config.vlan_exists(v) for v in (220, 230, 240, 241, 242))


def test_global_command_leaves_interface_mode(switch: SimulatedSwitch) -> None:
    # No indentation and no `exit`: IOS falls back to global mode for a global command.
    assert switch.merge_text("interface Gi1/0/1\nshutdown\nvlan 300\nname X\n") == []
    assert switch.port("Gi1/0/1").config.shutdown
    assert "vlan 300\n name X" in switch.running_config()


def test_interface_range_applies_to_every_port(switch: SimulatedSwitch) -> None:
    errors = switch.merge_text(
        "interface range Gi1/0/1 - 4 , Gi1/0/7\n description desk\n switchport access vlan 150\n"
        "interface range gi1/0/10-11,gi1/1/1\n shutdown\n"
    )
    assert errors == []
    described = [s.name for s in switch.ports() if s.config.description == "desk"]
    assert described == [f"GigabitEthernet1/0/{n}" for n in (1, 2, 3, 4, 7)]
    assert {s.config.access_vlan for s in switch.ports() if s.name in described} == {150}
    shut = [s.name for s in switch.ports() if s.config.shutdown]
    assert shut == ["GigabitEthernet1/0/10", "GigabitEthernet1/0/11", "GigabitEthernet1/1/1"]
    assert "interface range" not in switch.running_config()  # IOS stores each port
    bad = switch.merge_text("interface range Gi1/0/20 - 30\n")
    assert bad and bad[0][1].column == len("interface range Gi1/0/20 ")


def test_default_interface_resets_the_port(switch: SimulatedSwitch) -> None:
    switch.merge_text(VOICE_PORT)
    _, message = switch.config.apply(("global", None), "default interface Gi1/0/5")
    assert message == "Interface GigabitEthernet1/0/5 set to default configuration"
    assert interface_block(switch.running_config(), "GigabitEthernet1/0/5") == []
    assert switch.config.vlan_exists(110)  # the VLAN stays


@pytest.mark.parametrize(
    ("line", "column"),
    [
        (" switchport mode bogus", 17),
        (" switchport bogus", 12),
        (" spanning-tree bpdufilter enable", 15),
        (" switchport access vlan 5000", 24),
        (" switchport trunk encapsulation dot1q", 18),  # no such command without ISL
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


@pytest.mark.parametrize(
    ("context", "line"),
    [
        (("global", None), "i Gi1/0/1"),  # interface, ip, ipv6
        (("global", None), "s"),  # service, snmp-server, spanning-tree, switch, system
        (("global", None), "en"),  # enable, end
        (("interface", "GigabitEthernet1/0/1"), "sp portfast"),  # spanning-tree, speed
        (("interface", "GigabitEthernet1/0/1"), "no sp portfast"),
    ],
)
def test_ambiguous_abbreviations(
    switch: SimulatedSwitch, context: tuple[str, object], line: str
) -> None:
    with pytest.raises(Rejection) as failure:
        switch.config.apply(context, line)
    assert failure.value.message == f'% Ambiguous command:  "{line}"'


def test_unambiguous_abbreviations_work(switch: SimulatedSwitch) -> None:
    # `sw` is switchport in interface mode (global `switch` is not looked at there).
    switch.config.apply(("interface", "GigabitEthernet1/0/1"), "sw mo acc")
    switch.config.apply(
        ("interface", "GigabitEthernet1/0/1"), "spa portf"
    )  # `port`: portfast or port-priority
    port = switch.config.ports["GigabitEthernet1/0/1"]
    assert (port.mode, port.portfast) == ("access", True)
    assert switch.config.apply(("global", None), "int gi 1/0/2")[0] == (
        "interface",
        "GigabitEthernet1/0/2",
    )


def test_trunk_encapsulation_on_isl_capable_hardware() -> None:
    switch = site_ready("sw-3560x", model="WS-C3560X-24P-S")
    errors = switch.merge_text("interface Gi0/5\n switchport mode trunk\n")
    assert [r.message for _, r in errors] == [
        'Command rejected: An interface whose trunk encapsulation is "Auto" can not be '
        'configured to "trunk" mode.'
    ]
    assert switch.port("Gi0/5").config.mode is None
    assert switch.config.encapsulation("GigabitEthernet0/5") == "negotiate"
    assert (
        switch.merge_text(
            "interface Gi0/5\n switchport trunk encapsulation dot1q\n switchport mode trunk\n"
        )
        == []
    )
    assert interface_block(switch.running_config(), "GigabitEthernet0/5") == [
        " switchport trunk encapsulation dot1q",
        " switchport mode trunk",
    ]
    assert switch.config.encapsulation("GigabitEthernet0/5") == "dot1q"


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
    # Other models keep their ports through the round trip.
    c9300 = SimulatedSwitch("c9300", model="C9300-48UXM")
    c9300.merge_text("interface Tw1/0/3\n description desk\n")
    again = SimulatedSwitch.from_config(c9300.running_config(), model="C9300-48UXM")
    assert again.running_config() == c9300.running_config()


def test_config_state_copy_is_independent() -> None:
    state = ConfigState.blank(hardware_for("C9200L-24P-4G"))
    trial = state.copy()
    trial.apply(("interface", "GigabitEthernet1/0/1"), "shutdown")
    assert not state.ports["GigabitEthernet1/0/1"].shutdown
    assert trial.hardware is state.hardware
    with pytest.raises(Rejection):
        state.apply(("global", None), "interface Gi1/0/29")


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


def test_lldp_really_stops_and_starts(switch: SimulatedSwitch) -> None:
    switch.connect("Gi1/0/5", phone())
    assert len(switch.lldp_neighbors()) == 1
    switch.merge_text("no lldp run\n")
    assert switch.lldp_neighbors() == []
    assert "lldp run" not in switch.running_config()
    assert len(switch.mac_table()) == 2  # the link and the MACs are not LLDP's
    switch.merge_text("lldp run\n")
    assert len(switch.lldp_neighbors()) == 1


def test_a_phone_whose_voice_vlan_does_not_exist_is_not_in_it(switch: SimulatedSwitch) -> None:
    switch.connect("Gi1/0/5", phone())
    switch.merge_text(VOICE_PORT.replace("voice vlan 210", "voice vlan 211"))
    # The phone tags its frames for VLAN 211, which the switch does not have: dropped.
    assert {(e.vlan, e.mac) for e in switch.mac_table()} == {(110, "0011.2233.0566")}
    switch.merge_text("vlan 211\n")
    assert (211, "0011.2233.0555") in {(e.vlan, e.mac) for e in switch.mac_table()}


def test_a_port_whose_access_vlan_does_not_exist_forwards_nothing(switch: SimulatedSwitch) -> None:
    switch.connect("Gi1/0/5", phone())
    switch.merge_text(VOICE_PORT)
    switch.merge_text("no vlan 110\n")
    assert switch.port("Gi1/0/5").oper_up  # the link stays up
    assert switch.mac_table() == []  # but the port is inactive
    switch.merge_text(
        "interface Gi1/0/7\n switchport mode trunk\n switchport trunk native vlan 99\n"
    )
    switch.connect("Gi1/0/7", Device("pc", "0011.2233.4477", "PC-7", lldp=False))
    assert switch.mac_table() == []  # native VLAN 99 does not exist either
    switch.merge_text("vlan 99\n")
    assert [(e.vlan, e.interface) for e in switch.mac_table()] == [(99, "GigabitEthernet1/0/7")]
    switch.merge_text("interface Gi1/0/7\n switchport trunk allowed vlan 100\n")
    assert switch.mac_table() == []  # the trunk does not carry its native VLAN


def test_power_inline_never_takes_a_phone_down(switch: SimulatedSwitch) -> None:
    switch.connect("Gi1/0/5", phone())
    switch.merge_text("interface Gi1/0/5\n power inline never\n")
    port = switch.port("Gi1/0/5")
    assert not port.oper_up and not port.poe_on
    assert switch.mac_table() == [] and switch.lldp_neighbors() == []
    switch.merge_text("interface Gi1/0/5\n power inline auto\n")
    assert switch.port("Gi1/0/5").oper_up


def test_poe_exists_only_where_the_hardware_has_it(switch: SimulatedSwitch) -> None:
    errors = switch.merge_text("interface Gi1/1/1\n power inline never\n")  # an uplink
    assert [(line, r.column) for line, r in errors] == [(" power inline never", 1)]
    no_poe = SimulatedSwitch("x", model="C9200L-24T-4G")
    assert no_poe.merge_text("interface Gi1/0/1\n power inline never\n")
    no_poe.connect("Gi1/0/1", phone())
    port = no_poe.port("Gi1/0/1")
    assert not port.oper_up and not port.poe_on and port.poe_max == 0  # no power, no link
    no_poe.connect("Gi1/0/2", Device("pc", "0011.2233.4477", "PC-7", lldp=False))
    assert no_poe.port("Gi1/0/2").oper_up
    with pytest.raises(ValueError, match="SFP cage"):
        switch.connect("Gi1/1/1", Device("pc", "0011.2233.4478", "PC-8", lldp=False))


def test_the_poe_budget_is_spent_in_port_order() -> None:
    switch = site_ready("sw-3560cx", model="WS-C3560CX-12PC-S")  # 240 W
    for n in range(1, 11):
        switch.connect(f"Gi0/{n}", ap(n, watts=25.5))  # 9 fit in 240 W, the 10th does not
    opers = [(s.name, s.poe_oper, s.oper_up) for s in switch.ports() if s.device]
    assert opers[:9] == [(f"GigabitEthernet0/{n}", "on", True) for n in range(1, 10)]
    assert opers[9] == ("GigabitEthernet0/10", "power-deny", False)
    # Power freed on a port earlier in the order goes to the denied one.
    switch.merge_text("interface Gi0/1\n power inline never\n")
    assert switch.port("Gi0/10").poe_oper == "on" and switch.port("Gi0/10").oper_up
    # More than a PoE+ port gives (30 W) is denied whatever the budget.
    switch.connect("Gi0/11", ap(11, watts=45.0))
    assert switch.port("Gi0/11").poe_oper == "power-deny"
    upoe = SimulatedSwitch("c9300", model="C9300-48UXM")
    upoe.connect("Te1/0/37", ap(37, watts=45.0))
    assert upoe.port("Te1/0/37").poe_oper == "on"  # UPOE gives 60 W


def test_unpowered_pc_shutdown_and_trunk(switch: SimulatedSwitch) -> None:
    pc = Device("pc", "0011.2233.4477", "PC-1F-007", lldp=False)
    switch.connect("Gi1/0/7", pc)
    assert switch.port("Gi1/0/7").oper_up
    assert not switch.port("Gi1/0/7").poe_on
    assert switch.lldp_neighbors() == []
    switch.merge_text("interface Gi1/0/7\n shutdown\n")
    assert not switch.port("Gi1/0/7").oper_up
    switch.merge_text(
        "vlan 99\ninterface Gi1/0/7\n no shutdown\n switchport mode trunk\n switchport trunk native vlan 99\n"
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


def test_privilege_levels_and_the_enable_secret() -> None:
    users = {"noc": "pw", "ops": Account("pw1", privilege=1)}
    switch = SimulatedSwitch("x", users=users, enable_secret="s3cret")
    assert (switch.login_privilege("noc"), switch.login_privilege("ops")) == (15, 1)
    assert switch.check_login("ops", "pw1")
    assert switch.check_enable("s3cret") is True
    assert switch.check_enable("wrong") is False
    assert SimulatedSwitch("y").check_enable("anything") is None  # no enable secret set
    # The running config shows a type 9 hash, never the secret; it survives a round trip.
    line = next(t for t in switch.running_config().splitlines() if t.startswith("enable secret"))
    assert line.startswith("enable secret 9 $9$") and "s3cret" not in line
    assert SimulatedSwitch.from_config(switch.running_config()).check_enable("s3cret") is True
    # Local logins are `username` lines, with type 9 hashes, as IOS keeps them.
    text = switch.running_config()
    assert re.search(r"^username noc privilege 15 secret 9 \$9\$\S+$", text, re.M)
    assert re.search(r"^username ops privilege 1 secret 9 \$9\$\S+$", text, re.M)
    assert "pw1" not in text
    rebuilt = SimulatedSwitch.from_config(text, users={})  # the logins come with the config
    assert rebuilt.check_login("ops", "pw1") and rebuilt.login_privilege("ops") == 1
    assert rebuilt.running_config() == text  # the hashes are kept, not made again
    rebuilt.merge_text("no username ops\nusername tech password t3ch\nusername lvl secret x\n")
    assert not rebuilt.check_login("ops", "pw1")
    assert "username tech privilege 1 password 0 t3ch" in rebuilt.running_config()
    assert rebuilt.check_login("tech", "t3ch") and rebuilt.login_privilege("lvl") == 1
    # With AAA but no exec authorization, IOS starts every login in user EXEC.
    switch.merge_text("aaa new-model\n")
    assert switch.login_privilege("noc") == 1
    switch.merge_text("aaa authorization exec default local\n")
    assert switch.login_privilege("noc") == 15


def test_scp_needs_the_server_aaa_authorization_and_level_15() -> None:
    users = {"noc": "pw", "ops": Account("pw1", privilege=1)}
    switch = SimulatedSwitch("x", users=users)
    switch.merge_text("ip scp server enable\n")
    assert not switch.scp_allowed("noc")  # no AAA
    switch.merge_text("aaa new-model\n")
    assert not switch.scp_allowed("noc")  # no exec authorization
    switch.merge_text("aaa authorization exec default local\n")
    assert switch.scp_allowed("noc")
    assert not switch.scp_allowed("ops")  # an SCP session cannot `enable`
    switch.merge_text("no ip scp server enable\n")
    assert not switch.scp_allowed("noc")
    ready = site_ready(users=users)
    assert ready.scp_allowed("noc") and not ready.scp_allowed("ops")
