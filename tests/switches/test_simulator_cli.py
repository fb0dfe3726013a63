"""The IOS-like command line: modes and prompts, errors as IOS prints them, flash and archive
commands, and show output that ntc-templates parse into the right values."""

from __future__ import annotations

import hashlib

import pytest
from helpers import SwitchClock
from ntc_templates.parse import parse_output

from voiceconsole.switches.simulator.ios_cli import IOSSession
from voiceconsole.switches.simulator.model import Device, SimulatedSwitch

INVALID = "% Invalid input detected at '^' marker."


@pytest.fixture
def switch(clock: SwitchClock) -> SimulatedSwitch:
    sw = SimulatedSwitch("lon1-1f-sw1", clock=clock)
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
    assert len(rows) == 24
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
    assert len(rows) == 24
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
    assert cli.execute("show archive") == "Archive feature not enabled"
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
