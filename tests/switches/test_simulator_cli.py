"""The IOS-like command line: modes, prompts and privilege levels, errors as IOS prints them
(invalid input, ambiguous commands, refused commands), interface names as each command prints
them for every kind, flash and archive commands, and show output that ntc-templates parse into
the right values."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from helpers import SwitchClock
from ntc_templates.parse import parse_output

from voiceconsole.switches.simulator.ios_cli import IOSSession
from voiceconsole.switches.simulator.model import (
    Account,
    Device,
    SimulatedSwitch,
    site_ready_config,
)

INVALID = "% Invalid input detected at '^' marker."
CAPTURES = Path(__file__).parent / "captures"  # real switches' output (see its README)


def capture(platform: str, command: str) -> str:
    return (CAPTURES / platform / f"{command}.txt").read_text(encoding="utf-8")


def site_ready(hostname: str, model: str = "C9200L-24P-4G", **kwargs) -> SimulatedSwitch:
    config = site_ready_config(hostname, {210: "VOICE"}, model=model)
    return SimulatedSwitch(hostname, model=model, startup_config=config, **kwargs)


def phone(mac: str, watts: float = 6.5) -> Device:
    return Device("phone", mac, "SEP" + mac.replace(".", "").upper(), watts)


@pytest.fixture
def switch(clock: SwitchClock) -> SimulatedSwitch:
    sw = site_ready("lon1-1f-sw1", clock=clock)
    pc = Device("pc", "0011.2233.0566", "PC-1F-005", lldp=False)
    sw.connect("Gi1/0/5", Device("phone", "0011.2233.0555", "SEP001122330555", 6.5, True, pc))
    sw.connect("Gi1/0/6", Device("access_point", "0011.2233.0655", "AP-1F-01", 15.0))
    sw.connect("Gi1/0/7", Device("pc", "0011.2233.0777", "PC-1F-007", lldp=False))
    return sw


@pytest.fixture
def cli(switch: SimulatedSwitch) -> IOSSession:
    return IOSSession(switch, "admin")


def run(cli: IOSSession, *lines: str) -> list[str]:
    return [cli.execute(line) for line in lines]


def configure(cli: IOSSession, text: str) -> None:
    outputs = run(cli, "configure terminal", *text.splitlines(), "end")
    assert not any(INVALID in o for o in outputs), outputs


def parse(cli: IOSSession, command: str) -> list[dict]:
    return parse_output(platform="cisco_ios", command=command, data=cli.execute(command))


def test_prompts_follow_modes_and_hostname(cli: IOSSession) -> None:
    assert cli.prompt == "lon1-1f-sw1#"
    assert run(cli, "terminal length 0", "terminal width 511", "enable") == ["", "", ""]
    cli.execute("conf t")
    assert cli.prompt == "lon1-1f-sw1(config)#"
    cli.execute("interface Gi1/0/1")
    assert cli.prompt == "lon1-1f-sw1(config-if)#"
    cli.execute("vlan 10")
    assert cli.prompt == "lon1-1f-sw1(config-vlan)#"
    cli.execute("hostname lab-sw")
    assert cli.prompt == "lab-sw(config)#"
    cli.execute("end")
    assert cli.prompt == "lab-sw#"
    cli.execute("exit")
    assert cli.closed


def test_invalid_input_marker_points_under_the_word(cli: IOSSession) -> None:
    assert cli.execute("show bogus") == " " * len("lon1-1f-sw1#show ") + "^\n" + INVALID
    cli.execute("configure terminal")
    cli.execute("interface Gi1/0/1")
    out = cli.execute("switchport mode bogus")
    assert out == " " * len("lon1-1f-sw1(config-if)#switchport mode ") + "^\n" + INVALID
    assert cli.execute("do show run | inc hostname") == "hostname lon1-1f-sw1"


def test_show_version_hosts_and_brief(cli: IOSSession) -> None:
    version = cli.execute("show version")
    assert "lon1-1f-sw1 uptime is 3 days, 4 hours, 7 minutes" in version
    assert "cisco C9200L-24P-4G (ARM64) processor" in version
    assert "Default domain is not set" in cli.execute("show hosts")
    brief = cli.execute("sh ip int br").splitlines()
    assert brief[5].split() == ["GigabitEthernet1/0/5", "unassigned", "YES", "unset", "up", "up"]


def test_switchport_parses_with_ntc_templates(cli: IOSSession) -> None:
    configure(
        cli,
        """interface GigabitEthernet1/0/5
 switchport access vlan 110
 switchport mode access
 switchport voice vlan 210
interface GigabitEthernet1/0/8
 switchport mode trunk
 switchport trunk native vlan 99
 switchport trunk allowed vlan 99,110-112""",
    )
    rows = {row["interface"]: row for row in parse(cli, "show interfaces switchport")}
    assert len(rows) == 28  # 24 access ports and 4 uplinks
    assert rows["Gi1/1/4"]["admin_mode"] == "dynamic auto"
    voice = rows["Gi1/0/5"]
    assert (voice["admin_mode"], voice["mode"]) == ("static access", "static access")
    assert (voice["access_vlan"], voice["voice_vlan"]) == ("110", "210")
    trunk = rows["Gi1/0/8"]
    assert (trunk["admin_mode"], trunk["mode"], trunk["native_vlan"]) == ("trunk", "down", "99")
    assert trunk["trunking_vlans"] == ["99", "110-112"]
    assert rows["Gi1/0/1"]["voice_vlan"] == "none"
    assert rows["Gi1/0/1"]["trunking_vlans"] == ["ALL"]
    one = parse(cli, "show interfaces Gi1/0/5 switchport")
    assert [r["interface"] for r in one] == ["Gi1/0/5"]


def test_power_inline_parses_with_ntc_templates(cli: IOSSession) -> None:
    configure(cli, "interface Gi1/0/6\n power inline never")
    rows = {row["interface"]: row for row in parse(cli, "show power inline")}
    assert len(rows) == 24  # the PoE ports, not the uplinks
    phone = rows["Gi1/0/5"]
    assert (phone["admin_status"], phone["operational_status"], phone["power"]) == (
        "auto",
        "on",
        "6.5",
    )
    assert phone["device"] == "IP Phone 8865"
    assert (rows["Gi1/0/6"]["admin_status"], rows["Gi1/0/6"]["operational_status"]) == (
        "off",
        "off",
    )
    assert rows["Gi1/0/7"]["device"] == "n/a"


def test_lldp_and_mac_table_parse_with_ntc_templates(cli: IOSSession) -> None:
    detail = parse(cli, "show lldp neighbors detail")
    assert [(r["local_interface"], r["neighbor_name"]) for r in detail] == [
        ("Gi1/0/5", "SEP001122330555"),
        ("Gi1/0/6", "AP-1F-01"),
    ]
    assert detail[0]["capabilities"] == "B,T"
    brief = parse(cli, "show lldp neighbors")
    assert [r["local_interface"] for r in brief] == ["Gi1/0/5", "Gi1/0/6"]
    configure(cli, "interface Gi1/0/5\n switchport access vlan 110\n switchport voice vlan 210")
    macs = parse(cli, "show mac address-table")
    dynamic = {
        (r["destination_address"], r["vlan_id"], tuple(r["destination_port"]))
        for r in macs
        if r["type"] == "DYNAMIC"
    }
    assert dynamic == {
        ("0011.2233.0555", "210", ("Gi1/0/5",)),
        ("0011.2233.0566", "110", ("Gi1/0/5",)),
        ("0011.2233.0655", "1", ("Gi1/0/6",)),
        ("0011.2233.0777", "1", ("Gi1/0/7",)),
    }
    assert INVALID in cli.execute("show mac-address-table")  # as on a Catalyst 9200
    only = cli.execute("show mac address-table interface Gi1/0/5")
    assert "Gi1/0/6" not in only and "0011.2233.0555" in only


def test_interfaces_status_and_vlan_brief(cli: IOSSession) -> None:
    configure(cli, "interface Gi1/0/7\n description desk 7\n shutdown")
    status = {r["port"]: r for r in parse(cli, "show interfaces status")}
    assert status["Gi1/0/5"]["status"] == "connected"
    assert status["Gi1/0/7"]["status"] == "disabled"
    assert status["Gi1/0/1"]["status"] == "notconnect"
    vlans = parse(cli, "show vlan brief")
    assert vlans[0]["vlan_id"] == "1" and "Gi1/0/5" in vlans[0]["interfaces"]


def test_show_interfaces_states(cli: IOSSession) -> None:
    configure(cli, "interface Gi1/0/7\n description desk 7\n shutdown")
    text = cli.execute("show interfaces")
    assert "GigabitEthernet1/0/5 is up, line protocol is up (connected)" in text
    assert "GigabitEthernet1/0/7 is administratively down, line protocol is down (disabled)" in text
    assert "GigabitEthernet1/0/1 is down, line protocol is down (notconnect)" in text
    assert "  Description: desk 7" in text


def test_running_config_filters(cli: IOSSession) -> None:
    configure(cli, "interface Gi1/0/5\n description desk five")
    assert cli.execute("show running-config | include ip scp server enable") == (
        "ip scp server enable"
    )
    section = cli.execute("show running-config | section interface GigabitEthernet1/0/5$")
    assert section == "interface GigabitEthernet1/0/5\n description desk five"
    one = cli.execute("show running-config interface Gi1/0/5")
    assert one.startswith("Building configuration...")
    assert one.endswith("interface GigabitEthernet1/0/5\n description desk five\nend")


def test_flash_commands(cli: IOSSession, switch: SimulatedSwitch) -> None:
    assert (
        cli.execute("dir flash:/x.txt") == "%Error opening flash:/x.txt (No such file or directory)"
    )
    switch.flash["x.txt"] = "interface Gi1/0/3\n shutdown\nend\n"
    listing = cli.execute("dir flash:/x.txt")
    assert listing.startswith("Directory of flash:/x.txt\n")
    assert "bytes total (" in listing and listing.rstrip().endswith("bytes free)")
    assert cli.execute("dir").startswith("Directory of flash:/")
    digest = hashlib.md5(switch.flash["x.txt"].encode()).hexdigest()
    assert cli.execute("verify /md5 flash:/x.txt").endswith(
        f"verify /md5 (flash:/x.txt) = {digest}"
    )
    assert cli.execute("more flash:/x.txt") == "interface Gi1/0/3\n shutdown\nend"
    assert "bytes copied" in cli.execute("copy flash:/x.txt running-config")
    assert switch.port("Gi1/0/3").config.shutdown
    cli.execute("copy running-config flash:/backup.cfg")
    assert switch.flash["backup.cfg"] == switch.running_config()
    cli.execute("copy null: flash:/x.txt")
    assert switch.flash["x.txt"] == ""
    assert cli.execute("write mem").endswith("[OK]")
    assert cli.execute("show startup-config").endswith(switch.running_config().rstrip("\n"))


def test_copy_reports_each_bad_line_and_keeps_the_rest(
    cli: IOSSession, switch: SimulatedSwitch
) -> None:
    switch.flash["m.txt"] = "interface Gi1/0/3\n description ok\n switchport bogus\n shutdown\n"
    out = cli.execute("copy flash:/m.txt running-config")
    assert " switchport bogus\n            ^\n" + INVALID in out
    assert switch.port("Gi1/0/3").config.description == "ok"
    assert switch.port("Gi1/0/3").config.shutdown


def test_incremental_diffs_list_only_changes(cli: IOSSession, switch: SimulatedSwitch) -> None:
    configure(cli, "interface Gi1/0/5\n description same")
    switch.flash["merge.txt"] = (
        "interface GigabitEthernet1/0/5\n description same\n power inline auto\n"
        " switchport voice vlan 210\ninterface GigabitEthernet1/0/6\n no shutdown\nend\n"
    )
    out = cli.execute("show archive config incremental-diffs flash:/merge.txt ignorecase")
    assert out == (
        "!List of Commands:\ninterface GigabitEthernet1/0/5\n switchport voice vlan 210\nend"
    )
    switch.flash["same.txt"] = "interface GigabitEthernet1/0/5\n description same\nend\n"
    assert "!No changes were found" in cli.execute(
        "show archive config incremental-diffs flash:/same.txt ignorecase"
    )


def test_differences_and_configure_replace(cli: IOSSession, switch: SimulatedSwitch) -> None:
    cli.execute("copy running-config flash:/before.cfg")
    configure(cli, "interface Gi1/0/5\n description changed\nvlan 50")
    diff = cli.execute(
        "show archive config differences system:running-config flash:/before.cfg"
    ).splitlines()
    assert diff[0] == "!Contextual Config Diffs:"
    assert "-vlan 50" in diff
    assert diff[diff.index("interface GigabitEthernet1/0/5") + 1] == " -description changed"
    out = cli.execute("configure replace flash:/before.cfg force")
    assert out == "Total number of passes: 1\nRollback Done"
    assert switch.running_config() == switch.flash["before.cfg"]


def test_configure_replace_with_errors_restores(cli: IOSSession, switch: SimulatedSwitch) -> None:
    before = switch.running_config()
    switch.flash["bad.cfg"] = "hostname other\ninterface Gi1/0/1\n bogus\n"
    out = cli.execute("configure replace flash:/bad.cfg force revert trigger error")
    assert "failed" in out and "successfully restored" in out
    assert switch.running_config() == before


def test_revert_timer_commands(
    cli: IOSSession, switch: SimulatedSwitch, clock: SwitchClock
) -> None:
    assert (
        cli.execute("show archive config rollback timer") == "%No Rollback Confirmed Change pending"
    )
    assert cli.execute("show archive").startswith(
        "The maximum archive configurations allowed is 5."
    )
    cli.execute("configure terminal revert timer 2")
    assert cli.prompt == "lon1-1f-sw1(config)#"
    cli.execute("interface Gi1/0/5")
    cli.execute("shutdown")
    cli.execute("end")
    timer = cli.execute("show archive config rollback timer")
    assert "Timer type: Rollback Confirmed Change" in timer
    assert "User: admin" in timer and "Timer value: 2 min" in timer
    assert "Time configured: " in timer
    clock.now += 120
    assert "No Rollback Confirmed Change pending" in cli.execute(
        "show archive config rollback timer"
    )
    assert not switch.port("Gi1/0/5").config.shutdown


def test_revert_timer_needs_archive(cli: IOSSession) -> None:
    run(cli, "configure terminal", "no archive", "end")
    assert cli.execute("show archive") == capture("catalyst-9300", "show_archive")
    cli.execute("configure terminal revert timer 1")
    assert cli.prompt == "lon1-1f-sw1#"  # stayed in exec mode


def test_configure_confirm_and_revert_now(cli: IOSSession, switch: SimulatedSwitch) -> None:
    cli.execute("configure terminal revert timer 5")
    cli.execute("hostname changed")
    cli.execute("end")
    assert cli.execute("configure revert now") == "Rollback Done"
    assert switch.hostname == "lon1-1f-sw1"
    cli.execute("configure terminal revert timer 5")
    cli.execute("hostname changed")
    cli.execute("end")
    cli.execute("configure confirm")
    assert switch.pending_revert is None and switch.hostname == "changed"


# -- names as IOS prints them, for every kind ------------------------------------------------


@pytest.fixture
def c9300(clock: SwitchClock) -> SimulatedSwitch:
    """A Catalyst 9300 with 2.5G, 10G and uplink kinds, a phone on Tw1/0/1 and Te1/0/37."""
    sw = site_ready("lon1-3f-sw1", model="C9300-48UXM", clock=clock)
    sw.connect("Tw1/0/1", phone("0011.2233.0101"))
    sw.connect("Te1/0/37", phone("0011.2233.0137"))
    return sw


def test_each_show_command_prints_names_as_ios_does(c9300: SimulatedSwitch) -> None:
    cli = IOSSession(c9300, "admin")
    long_names = ("TwoGigabitEthernet1/0/1", "TenGigabitEthernet1/0/37", "TwentyFiveGigE1/1/2")
    brief = cli.execute("show ip interface brief")
    assert [line.split()[0] for line in brief.splitlines()[1:]] == list(c9300.port_names())
    interfaces = cli.execute("show interfaces")
    running = cli.execute("show running-config")
    for name in long_names:
        assert f"\n{name} is " in "\n" + interfaces
        assert f"\ninterface {name}\n" in running
    assert "TwoGigabitEthernet1/0/1 is up, line protocol is up (connected)" in interfaces
    assert "  Hardware is Two Gigabit Ethernet, address is" in interfaces

    status = {r["port"]: r for r in parse(cli, "show interfaces status")}
    assert {"Tw1/0/1", "Tw1/0/36", "Te1/0/37", "Gi1/1/1", "Te1/1/8", "Fo1/1/2", "Twe1/1/2"} <= set(
        status
    )
    assert status["Tw1/0/1"]["status"] == "connected"
    assert status["Twe1/1/1"]["type"] == "Not Present"
    switchport = [r["interface"] for r in parse(cli, "show interfaces switchport")]
    assert switchport[0] == "Tw1/0/1" and "Te1/0/48" in switchport and "Twe1/1/1" in switchport
    power = [r["interface"] for r in parse(cli, "show power inline")]
    assert power == [f"Tw1/0/{n}" for n in range(1, 37)] + [f"Te1/0/{n}" for n in range(37, 49)]
    assert [r["local_interface"] for r in parse(cli, "show lldp neighbors")] == [
        "Tw1/0/1",
        "Te1/0/37",
    ]
    detail = parse(cli, "show lldp neighbors detail")
    assert [r["local_interface"] for r in detail] == ["Tw1/0/1", "Te1/0/37"]
    macs = {
        tuple(r["destination_port"])
        for r in parse(cli, "show mac address-table")
        if r["type"] == "DYNAMIC"
    }
    assert macs == {("Tw1/0/1",), ("Te1/0/37",)}
    vlans = parse(cli, "show vlan brief")
    assert "Tw1/0/1" in vlans[0]["interfaces"] and "Twe1/1/1" in vlans[0]["interfaces"]


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("interface tw1/0/3", "TwoGigabitEthernet1/0/3"),
        ("int te 1/0/37", "TenGigabitEthernet1/0/37"),
        ("interface Twe1/1/1", "TwentyFiveGigE1/1/1"),
        ("interface Fo1/1/2", "FortyGigabitEthernet1/1/2"),
        ("int gi 1/1/4", "GigabitEthernet1/1/4"),
        ("interface TwoGigabitEthernet1/0/36", "TwoGigabitEthernet1/0/36"),
    ],
)
def test_any_ios_abbreviation_of_a_kind_is_accepted(
    c9300: SimulatedSwitch, typed: str, name: str
) -> None:
    cli = IOSSession(c9300, "admin")
    run(cli, "configure terminal", typed, "description typed")
    assert cli.prompt == "lon1-3f-sw1(config-if)#"
    assert c9300.config.ports[name].description == "typed"
    cli.execute("end")
    typed_name = typed.split(maxsplit=1)[1]
    assert cli.execute(f"show running-config interface {typed_name}").endswith(
        f"interface {name}\n description typed\nend"
    )
    assert cli.execute(f"show interfaces {typed_name}").startswith(f"{name} is ")


def test_a_kind_the_switch_does_not_have_is_invalid(cli: IOSSession) -> None:
    cli.execute("configure terminal")
    assert (
        cli.execute("interface Te1/0/1")
        == " " * len("lon1-1f-sw1(config)#interface ") + "^\n" + INVALID
    )
    assert cli.execute("interface tw1/0/1").endswith(INVALID)


# -- LLDP ------------------------------------------------------------------------------------


def test_lldp_off_answers_not_enabled_and_on_is_active(cli: IOSSession) -> None:
    real = capture("catalyst-3850", "show_lldp")
    assert cli.execute("show lldp") == real.strip("\n ")
    run(cli, "configure terminal", "no lldp run", "end")
    for command in ("show lldp", "show lldp neighbors", "show lldp neighbors detail"):
        assert cli.execute(command) == "% LLDP is not enabled"
    assert parse(cli, "show lldp neighbors detail") == []
    run(cli, "configure terminal", "lldp run", "end")
    assert len(parse(cli, "show lldp neighbors")) == 2


def test_a_factory_default_switch_hears_no_lldp(clock: SwitchClock) -> None:
    bench = SimulatedSwitch("bench-1", clock=clock)
    bench.connect("Gi1/0/1", phone("0011.2233.0101"))
    cli = IOSSession(bench, "admin")
    assert cli.execute("show lldp neighbors") == "% LLDP is not enabled"
    assert "0011.2233.0101" in cli.execute("show mac address-table")  # the link is there


# -- the VLAN database -----------------------------------------------------------------------


def test_vlan_brief_lists_only_existing_vlans(cli: IOSSession, switch: SimulatedSwitch) -> None:
    out = run(
        cli,
        "configure terminal",
        "interface Gi1/0/5",
        "switchport access vlan 110",
        "switchport voice vlan 220",
        "interface Gi1/0/8",
        "switchport mode trunk",
        "switchport trunk allowed vlan 300-302",
        "switchport trunk native vlan 300",
        "end",
    )
    assert out[2] == "% Access VLAN does not exist. Creating vlan 110"
    assert out[3] == ""  # a voice VLAN is not created
    assert out[5:8] == ["", "", ""]  # nor a trunk's allowed or native VLANs
    ids = [int(r["vlan_id"]) for r in parse(cli, "show vlan brief")]
    assert ids == [1, 110, 210, 1002, 1003, 1004, 1005]
    switchport = cli.execute("show interfaces Gi1/0/5 switchport")
    assert "Voice VLAN: 220 (Inactive)" in switchport
    run(cli, "configure terminal", "vlan 400", "name APS", "exit", "no vlan 110", "end")
    vlans = {int(r["vlan_id"]): r for r in parse(cli, "show vlan brief")}
    assert vlans[400]["vlan_name"] == "APS" and 110 not in vlans
    assert "Gi1/0/5" not in str(vlans)  # its VLAN is gone: listed nowhere
    assert "Access Mode VLAN: 110 (Inactive)" in cli.execute("show interfaces Gi1/0/5 switchport")
    status = {r["port"]: r["status"] for r in parse(cli, "show interfaces status")}
    assert status["Gi1/0/5"] == "inactive"  # up, but its VLAN does not exist


# -- interface range and default interface ---------------------------------------------------


def test_interface_range_and_default_interface(cli: IOSSession, switch: SimulatedSwitch) -> None:
    cli.execute("configure terminal")
    assert cli.execute("interface range Gi1/0/1 - 4 , Gi1/0/7") == ""
    assert cli.prompt == "lon1-1f-sw1(config-if-range)#"
    assert (
        cli.execute("switchport access vlan 130")
        == "% Access VLAN does not exist. Creating vlan 130"
    )
    cli.execute("description desks")
    assert cli.execute("end") == ""
    configured = [s.name for s in switch.ports() if s.config.access_vlan == 130]
    assert configured == [f"GigabitEthernet1/0/{n}" for n in (1, 2, 3, 4, 7)]
    cli.execute("configure terminal")
    assert cli.execute("default interface Gi1/0/3") == (
        "Interface GigabitEthernet1/0/3 set to default configuration"
    )
    assert cli.execute("do show running-config interface Gi1/0/3").endswith(
        "interface GigabitEthernet1/0/3\nend"
    )
    out = cli.execute("interface range Gi1/0/20 - 2")
    assert out == " " * len("lon1-1f-sw1(config)#interface range Gi1/0/20 ") + "^\n" + INVALID


# -- ambiguous commands ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "co",
        "c",
        "s",
        "t",
        "te",
        "d",
        "show i",
        "show p",
        "sh ar",
        "configure r",
    ],
)
def test_ambiguous_exec_commands(cli: IOSSession, line: str) -> None:
    assert cli.execute(line) == f'% Ambiguous command:  "{line}"'
    assert cli.prompt == "lon1-1f-sw1#"


def test_ambiguity_in_config_modes_and_full_commands_still_work(cli: IOSSession) -> None:
    cli.execute("configure terminal")
    assert cli.execute("i Gi1/0/1") == '% Ambiguous command:  "i Gi1/0/1"'
    cli.execute("int Gi1/0/1")
    assert cli.execute("sp portfast") == '% Ambiguous command:  "sp portfast"'
    assert cli.execute("do co") == '% Ambiguous command:  "co"'
    cli.execute("end")
    # What NAPALM and netmiko send, in full or in their usual abbreviations.
    for line in (
        "terminal width 511",
        "terminal length 0",
        "show running-config | inc hostname",
        "conf t",
        "end",
        "wr mem",
        "show archive config rollback timer",
        "dir flash:",
        "sh ver",
    ):
        assert "Ambiguous" not in cli.execute(line), line


# -- trunk encapsulation ---------------------------------------------------------------------


def test_trunk_encapsulation_on_isl_capable_hardware(clock: SwitchClock) -> None:
    sw = site_ready("man1-gf-sw2", model="WS-C3560X-24P-S", clock=clock)
    cli = IOSSession(sw, "admin")
    before = cli.execute("show interfaces Gi0/5 switchport")
    assert "Administrative Trunking Encapsulation: negotiate" in before
    assert "Negotiation of Trunking: On" in before  # dynamic auto
    out = run(cli, "configure terminal", "interface Gi0/5", "switchport mode trunk")
    assert out[2] == (
        'Command rejected: An interface whose trunk encapsulation is "Auto" can not be '
        'configured to "trunk" mode.'
    )
    assert run(cli, "switchport trunk encapsulation dot1q", "switchport mode trunk", "end") == [
        "",
        "",
        "",
    ]
    after = parse(cli, "show interfaces switchport")[4]
    assert (after["interface"], after["admin_mode"]) == ("Gi0/5", "trunk")
    assert "Administrative Trunking Encapsulation: dot1q" in cli.execute(
        "show interfaces Gi0/5 switchport"
    )
    assert " switchport trunk encapsulation dot1q\n switchport mode trunk" in cli.execute(
        "show running-config interface Gi0/5"
    )


def test_trunk_encapsulation_does_not_exist_without_isl(cli: IOSSession) -> None:
    assert "Administrative Trunking Encapsulation: dot1q" in cli.execute(
        "show interfaces Gi1/0/5 switchport"
    )
    run(cli, "configure terminal", "interface Gi1/0/5")
    out = cli.execute("switchport trunk encapsulation dot1q")
    assert out == " " * len("lon1-1f-sw1(config-if)#switchport trunk ") + "^\n" + INVALID
    assert cli.execute("switchport mode trunk") == ""  # dot1q-only ports trunk at once


# -- PoE ---------------------------------------------------------------------------------------


def test_poe_only_where_there_is_poe(cli: IOSSession, clock: SwitchClock) -> None:
    run(cli, "configure terminal", "interface Gi1/1/2")
    assert (
        cli.execute("power inline never") == " " * len("lon1-1f-sw1(config-if)#") + "^\n" + INVALID
    )
    cli.execute("end")
    assert cli.execute("show power inline Gi1/1/2").endswith(INVALID)
    no_poe = IOSSession(SimulatedSwitch("bench-2", model="C9200L-24T-4G", clock=clock), "admin")
    assert no_poe.execute("show power inline") == " " * len("bench-2#show power ") + "^\n" + INVALID
    assert no_poe.execute("sh pow in").endswith(INVALID)
    run(no_poe, "configure terminal", "interface Gi1/0/1")
    assert no_poe.execute("power inline never").endswith(INVALID)


def test_power_inline_shows_the_budget_and_denied_ports(clock: SwitchClock) -> None:
    sw = site_ready("sw-3560cx", model="WS-C3560CX-12PC-S", clock=clock)
    for n in range(1, 11):
        sw.connect(f"Gi0/{n}", Device("access_point", f"0011.2233.00{n:02d}", f"AP-{n}", 25.5))
    text = IOSSession(sw, "admin").execute("show power inline")
    # The module layout, as a real 2960-X on IOS 15.2 prints it.
    real = capture("catalyst-2960x", "show_power_inline").splitlines()
    lines = [line.rstrip() for line in text.splitlines()]
    assert lines[1:4] == real[1:4]
    assert lines[4] == "1           240.0      229.5        10.5"
    assert text.splitlines()[-1] == "Totals:          9    on    229.5"
    rows = {
        r["interface"]: r
        for r in parse_output(platform="cisco_ios", command="show power inline", data=text)
    }
    assert list(rows) == [f"Gi0/{n}" for n in range(1, 13)]
    assert rows["Gi0/9"]["operational_status"] == "on"
    assert rows["Gi0/10"]["operational_status"] == "power-deny"
    assert rows["Gi0/10"]["power"] == "0.0"
    status = {
        r["port"]: r["status"] for r in parse(IOSSession(sw, "admin"), "show interfaces status")
    }
    assert (status["Gi0/9"], status["Gi0/10"]) == ("connected", "notconnect")


# -- privilege levels ------------------------------------------------------------------------


@pytest.fixture
def operator_switch(clock: SwitchClock) -> SimulatedSwitch:
    users = {"noc": "pw", "ops": Account("pw1", privilege=1)}
    return site_ready("lon1-1f-sw1", clock=clock, users=users, enable_secret="s3cret")


def test_user_exec_has_few_commands_until_enable(operator_switch: SimulatedSwitch) -> None:
    cli = IOSSession(operator_switch, "ops")
    assert cli.prompt == "lon1-1f-sw1>"
    assert cli.execute("show privilege") == "Current privilege level is 1"
    assert "cisco C9200L-24P-4G" in cli.execute("show version")
    assert cli.execute("show running-config") == " " * len("lon1-1f-sw1>show ") + "^\n" + INVALID
    assert cli.execute("configure terminal") == " " * len("lon1-1f-sw1>") + "^\n" + INVALID
    assert "Ambiguous" not in cli.execute("co")  # user EXEC has `connect` but no `configure`
    assert cli.execute("enable") == ""
    assert cli.prompt == "Password: " and not cli.echo
    assert cli.execute("wrong") == ""
    assert cli.execute("s3cret") == ""
    assert cli.prompt == "lon1-1f-sw1#" and cli.echo
    assert cli.execute("show privilege") == "Current privilege level is 15"
    assert cli.execute("show running-config").startswith("Building configuration...")
    cli.execute("disable")
    assert cli.prompt == "lon1-1f-sw1>"


def test_enable_gives_up_after_three_wrong_secrets(operator_switch: SimulatedSwitch) -> None:
    cli = IOSSession(operator_switch, "ops")
    assert run(cli, "enable", "a", "b", "c") == ["", "", "", "% Bad secrets\n"]
    assert cli.prompt == "lon1-1f-sw1>"
    assert cli.execute("show privilege") == "Current privilege level is 1"


def test_enable_without_an_enable_secret(clock: SwitchClock) -> None:
    sw = site_ready("x", clock=clock, users={"ops": Account("pw1", privilege=1)})
    cli = IOSSession(sw, "ops")
    assert cli.execute("enable") == "% No password set"
    assert cli.prompt == "x>"
    noc = IOSSession(site_ready("y", clock=clock), "admin")
    assert noc.prompt == "y#" and noc.execute("enable") == ""  # level 15 already


# -- archive ---------------------------------------------------------------------------------


def test_a_factory_default_switch_has_no_archive(clock: SwitchClock) -> None:
    cli = IOSSession(SimulatedSwitch("bench-1", clock=clock), "admin")
    assert cli.execute("show archive") == capture("catalyst-9300", "show_archive")
    assert cli.execute("configure terminal revert timer 2") == (
        "%Rollback Confirmed Change requires the archive feature to be configured"
    )
    assert cli.prompt == "bench-1#"
    assert cli.execute("show running-config | include ip scp server enable") == ""


def test_show_version_per_software(clock: SwitchClock) -> None:
    ios = IOSSession(SimulatedSwitch("acc-1", model="WS-C2960X-48FPD-L", clock=clock), "admin")
    version = ios.execute("show version")
    assert version.startswith(
        "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E8"
    )
    assert (
        "cisco WS-C2960X-48FPD-L (APM86XXX) processor (revision D0) with 524288K bytes" in version
    )
    assert "48 Gigabit Ethernet interfaces\n2 Ten Gigabit Ethernet interfaces" in version
    parsed = parse_output(platform="cisco_ios", command="show version", data=version)[0]
    assert parsed["version"] == "15.2(7)E8"
    assert parsed["hardware"] == ["WS-C2960X-48FPD-L"]
    xe = IOSSession(SimulatedSwitch("acc-2", model="C9300-48UXM", clock=clock), "admin")
    parsed = parse_output(
        platform="cisco_ios", command="show version", data=xe.execute("show version")
    )[0]
    assert (parsed["version"], parsed["hardware"]) == ("17.9.4a", ["C9300-48UXM"])


def test_incremental_diffs_list_vlans_in_vtp_server_mode(clock: SwitchClock) -> None:
    """VTP server keeps VLANs out of the running config, so a candidate's `vlan` lines are
    always changes to it, as on a Catalyst out of the box."""
    bench = SimulatedSwitch("bench-1", clock=clock)
    cli = IOSSession(bench, "admin")
    bench.flash["vlans.txt"] = "vlan 300\n name APS\nend\n"
    run(cli, "copy flash:/vlans.txt running-config")
    assert bench.config.vlans == {300: "APS"}
    out = cli.execute("show archive config incremental-diffs flash:/vlans.txt ignorecase")
    assert out == "!List of Commands:\nvlan 300\n name APS\nend"
    run(cli, "configure terminal", "vtp mode transparent", "end")
    assert "!No changes were found" in cli.execute(
        "show archive config incremental-diffs flash:/vlans.txt ignorecase"
    )


# -- beside real switches' output (tests/switches/captures) ------------------------------------


def test_show_privilege_and_switchport_as_real_switches_print_them(cli: IOSSession) -> None:
    assert cli.execute("show privilege") == capture("catalyst-9300", "show_privilege").strip()
    real = capture("catalyst-3850", "show_interfaces_switchport").split("\nName: ")[2]
    ours = cli.execute("show interfaces switchport").split("\nName: ")[1]

    def keys(block: str) -> list[str]:
        return [line.split(":")[0] for line in block.splitlines() if ":" in line]

    assert keys(ours) == keys(real)


def test_show_version_as_real_switches_print_it(clock: SwitchClock) -> None:
    real = capture("catalyst-2960x", "show_version").splitlines()
    ours = IOSSession(SimulatedSwitch("acc-1", model="WS-C2960X-48FPD-L", clock=clock), "admin")
    lines = [line.rstrip() for line in ours.execute("show version").splitlines()]
    for same in (
        "ROM: Bootstrap program is C2960X boot loader",
        "System returned to ROM by power-on",
        "Model number                    : WS-C2960X-48FPD-L",
        "The password-recovery mechanism is enabled.",
        "Configuration register is 0xF",
    ):
        assert same in lines and same in real
    header = next(i for i, line in enumerate(real) if line.startswith("Switch Ports Model"))
    mine = lines.index("Switch Ports Model                     SW Version            SW Image")
    assert [line.rstrip() for line in real[header : header + 2]] == lines[mine : mine + 2]

    def processor(text_lines: list[str]) -> str:  # the board revision differs per unit
        return re.sub(r"revision \w+", "", next(x for x in text_lines if x.startswith("cisco ")))

    assert processor(lines) == processor(real)
    xe_real = capture("catalyst-9300", "show_version")
    xe = IOSSession(SimulatedSwitch("acc-2", model="C9300-48UXM", clock=clock), "admin")
    text = xe.execute("show version")
    for wording in (
        "Ten Gigabit Ethernet interfaces",
        "TwentyFive Gigabit Ethernet interfaces",
        "Forty Gigabit Ethernet interfaces",
    ):
        assert re.search(rf"^\d+ {wording}$", text, re.M) and re.search(
            rf"^\d+ {wording}$", xe_real, re.M
        )
    counts = [line for line in text.splitlines() if line.endswith(("interface", "interfaces"))]
    assert counts == [
        "1 Virtual Ethernet interface",
        "4 Gigabit Ethernet interfaces",
        "36 2.5 Gigabit Ethernet interfaces",
        "20 Ten Gigabit Ethernet interfaces",
        "2 TwentyFive Gigabit Ethernet interfaces",
        "2 Forty Gigabit Ethernet interfaces",
    ]
