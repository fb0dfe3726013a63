"""`show` commands as Cisco IOS and IOS-XE print them on a Catalyst access switch.

Names are printed as IOS does: long (`GigabitEthernet1/0/7`) in `show interfaces`, `show ip
interface brief` and `show running-config`; short (`Gi1/0/7`, `Tw1/0/3`, `Twe1/1/1`) in
`show interfaces status`, `switchport`, `power inline`, `lldp neighbors`, `mac address-table`
and `vlan brief`. Output follows IOS-XE 17.9 on a Catalyst 9200/9300 and IOS 15.2 on a 2960-X
or 3560, closely enough for NAPALM's `ios` driver and the ntc-templates parsers.
"""

from __future__ import annotations

from datetime import datetime

from voiceconsole.domain.interfaces import short_name

from .grammar import format_vlan_list
from .hardware import EMPTY_CAGE, KIND_WORDS
from .switch import Device, PortStatus, SimulatedSwitch

FLASH_TOTAL = 11_353_194_496
LLDP_OFF = "% LLDP is not enabled"
_LLDP_CAPABILITIES = {"phone": "B,T", "access_point": "W", "printer": "O", "pc": "S"}


def ios_time(when: datetime) -> str:
    """'10:15:30 UTC Mon Jan 6 2025' (no zero-padded day, portably)."""
    return f"{when:%H:%M:%S} UTC {when:%a %b} {when.day} {when:%Y}"


def _uptime_text(seconds: float) -> str:
    # A switch in a lab has been up a while; the offset keeps the text realistic.
    minutes = int(seconds // 60) + 3 * 24 * 60 + 4 * 60 + 7
    weeks, minutes = divmod(minutes, 7 * 24 * 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    for value, unit in ((weeks, "week"), (days, "day"), (hours, "hour"), (minutes, "minute")):
        if value or unit == "minute":
            parts.append(f"{value} {unit}{'' if value == 1 else 's'}")
    return ", ".join(parts)


def _colon_mac(dotted: str, upper: bool) -> str:
    digits = dotted.replace(".", "")
    text = ":".join(digits[i : i + 2] for i in range(0, 12, 2))
    return text.upper() if upper else text


def show_version(sw: SimulatedSwitch) -> str:
    hw, software = sw.hardware, sw.hardware.software
    uptime = _uptime_text(sw.uptime_seconds())
    counts = "\n".join(hw.interface_counts())
    ports = len(hw.port_names)
    if software.xe:
        dotted = ".".join(
            part.zfill(2) if part.isdigit() else part.rjust(3, "0")
            for part in software.version.split(".")
        )
        return f"""\
Cisco IOS XE Software, Version {dotted}
Cisco IOS Software [Cupertino], {software.series} Software ({software.image}), \
Version {software.version}, RELEASE SOFTWARE (fc3)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2023 by Cisco Systems, Inc.
Compiled {software.compiled}

ROM: IOS-XE ROMMON
BOOTLDR: System Bootstrap, Version 17.9.1r, RELEASE SOFTWARE (P)

{sw.hostname} uptime is {uptime}
Uptime for this control processor is {uptime}
System returned to ROM by Reload Command
System image file is "flash:packages.conf"
Last reload reason: Reload Command

cisco {hw.processor_model} {hw.cpu} with {hw.memory} bytes of memory.
Processor board ID {sw.serial}
1 Virtual Ethernet interface
{counts}
2048K bytes of non-volatile configuration memory.
1966000K bytes of physical memory.
11353194K bytes of Flash at flash:.

Base Ethernet MAC Address          : {_colon_mac(sw.base_mac, upper=False)}
Model Number                       : {hw.model}
System Serial Number               : {sw.serial}

Switch Ports Model              SW Version        SW Image              Mode
------ ----- -----              ----------        ----------            ----
*    1 {ports:<5} {hw.model:<18} {dotted:<17} {software.image:<21} INSTALL

Configuration register is 0x102"""
    image_file = software.image.lower().replace("-m", "-mz")
    release = software.version.replace("(", "-").replace(")", ".").replace(".", "", 1)
    return f"""\
Cisco IOS Software, {software.series} Software ({software.image}), \
Version {software.version}, RELEASE SOFTWARE (fc1)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2023 by Cisco Systems, Inc.
Compiled {software.compiled}

ROM: Bootstrap program is {software.series} boot loader
BOOTLDR: {software.series} Boot Loader ({software.series}-HBOOT-M) Version 15.2(7r)E, \
RELEASE SOFTWARE (fc1)

{sw.hostname} uptime is {uptime}
System returned to ROM by power-on
System image file is "flash:{image_file}.{release}/{image_file}.{release}.bin"
Last reload reason: power-on

cisco {hw.processor_model} {hw.cpu} with {hw.memory} bytes of memory.
Processor board ID {sw.serial}
Last reset from power-on
1 Virtual Ethernet interface
{counts}
The password-recovery mechanism is enabled.

512K bytes of flash-simulated non-volatile configuration memory.
Base ethernet MAC Address       : {_colon_mac(sw.base_mac, upper=True)}
Model number                    : {hw.model}
System serial number            : {sw.serial}

Switch Ports Model                     SW Version            SW Image
------ ----- -----                     ----------            ----------
*    1 {ports:<5} {hw.processor_model:<25} {software.version:<21} {software.image}

Configuration register is 0xF"""


def show_hosts(sw: SimulatedSwitch) -> str:
    domain = sw.config.domain
    return "\n".join(
        [
            f"Default domain is {domain}" if domain else "Default domain is not set",
            "Name/address lookup uses static mappings",
            "",
            "Codes: UN - unknown, EX - expired, OK - OK, ?? - revalidate",
            "       temp - temporary, perm - permanent",
            "       NA - Not Applicable None - Not defined",
            "",
            "Host                      Port  Flags      Age Type   Address(es)",
        ]
    )


def _link_words(status: PortStatus) -> tuple[str, str, str]:
    """(status, protocol, IOS reason) as `show interfaces` words them."""
    if not status.admin_up:
        return "administratively down", "down", "disabled"
    if status.oper_up:
        return "up", "up", "connected"
    return "down", "down", "notconnect"


def show_ip_interface_brief(sw: SimulatedSwitch) -> str:
    rows = ["Interface              IP-Address      OK? Method Status                Protocol"]
    for status in sw.ports():
        state, protocol, _ = _link_words(status)
        rows.append(f"{status.name:<22} unassigned      YES unset  {state:<22}{protocol}")
    return "\n".join(rows)


def show_interfaces(sw: SimulatedSwitch, interface: str | None = None) -> str:
    blocks = []
    for status in _selected(sw, interface):
        state, protocol, reason = _link_words(status)
        mac = sw.port_mac(status.name)
        group = sw.hardware.group(status.name)
        up = status.oper_up
        media = "unknown" if group.media == EMPTY_CAGE else group.media
        # The devices here link at 1 Gb/s. A port that is down shows its top speed on IOS-XE
        # (captures/catalyst-9300/show_interfaces.txt), 10 Mb/s on classic IOS.
        down_bandwidth = group.speed * 1000 if sw.hardware.software.xe else 10000
        bandwidth = 1_000_000 if up else down_bandwidth
        lines = [
            f"{status.name} is {state}, line protocol is {protocol} ({reason}) ",
            f"  Hardware is {KIND_WORDS.get(group.kind, group.kind)}, address is {mac} (bia {mac})",
        ]
        if status.config.description is not None:
            lines.append(f"  Description: {status.config.description}")
        lines += [
            f"  MTU 1500 bytes, BW {bandwidth} Kbit/sec, DLY 10 usec, ",
            "     reliability 255/255, txload 1/255, rxload 1/255",
            "  Encapsulation ARPA, loopback not set",
            "  Keepalive set (10 sec)",
            f"  Full-duplex, 1000Mb/s, media type is {media}"
            if up
            else f"  Auto-duplex, Auto-speed, media type is {media}",
            "  input flow-control is on, output flow-control is unsupported ",
            "  ARP type: ARPA, ARP Timeout 04:00:00",
            "  Last input never, output never, output hang never",
            '  Last clearing of "show interface" counters never',
            "  Input queue: 0/2000/0/0 (size/max/drops/flushes); Total output drops: 0",
            "  Queueing strategy: fifo",
            "  Output queue: 0/40 (size/max)",
            "  5 minute input rate 0 bits/sec, 0 packets/sec",
            "  5 minute output rate 0 bits/sec, 0 packets/sec",
            "     0 packets input, 0 bytes, 0 no buffer",
            "     Received 0 broadcasts (0 multicasts)",
            "     0 runts, 0 giants, 0 throttles ",
            "     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored",
            "     0 watchdog, 0 multicast, 0 pause input",
            "     0 input packets with dribble condition detected",
            "     0 packets output, 0 bytes, 0 underruns",
            "     0 output errors, 0 collisions, 1 interface resets",
            "     0 unknown protocol drops",
            "     0 babbles, 0 late collision, 0 deferred",
            "     0 lost carrier, 0 no carrier, 0 pause output",
            "     0 output buffer failures, 0 output buffers swapped out",
        ]
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def show_interfaces_status(sw: SimulatedSwitch) -> str:
    width = 13 if sw.hardware.software.xe else 10
    rows = ["", f"{'Port':<{width}}Name               Status       Vlan       Duplex  Speed Type "]
    for status in sw.ports():
        _, _, reason = _link_words(status)
        config = status.config
        if status.oper_up and sw.forwarding_vlan(status) is None:
            reason = "inactive"  # its VLAN does not exist
        vlan = "trunk" if config.mode == "trunk" else str(config.access_vlan)
        duplex, speed = ("a-full", "a-1000") if status.oper_up else ("auto", "auto")
        name = (config.description or "")[:18]
        rows.append(
            f"{short_name(status.name):<{width}}{name:<19}{reason:<13}{vlan:<11}"
            f"{duplex:>6} {speed:>6} {sw.hardware.group(status.name).media}"
        )
    return "\n".join(rows)


def _vlan_label(sw: SimulatedSwitch, vlan: int) -> str:
    if vlan == 1:
        return "1 (default)"
    if not sw.config.vlan_exists(vlan):
        return f"{vlan} (Inactive)"
    return f"{vlan} ({sw.config.vlans.get(vlan) or f'VLAN{vlan:04d}'})"


def show_switchport(sw: SimulatedSwitch, interface: str | None = None) -> str:
    blocks = []
    for status in _selected(sw, interface):
        config = status.config
        encapsulation = sw.config.encapsulation(status.name)
        if config.mode == "trunk":
            admin_mode, oper_mode = "trunk", "trunk" if status.oper_up else "down"
        elif config.mode == "access":
            admin_mode, oper_mode = "static access", "static access" if status.oper_up else "down"
        else:
            admin_mode, oper_mode = "dynamic auto", "static access" if status.oper_up else "down"
        allowed = (
            "ALL"
            if config.allowed_vlans is None
            else (format_vlan_list(config.allowed_vlans) or "NONE")
        )
        voice = "none" if config.voice_vlan is None else _vlan_label(sw, config.voice_vlan)
        blocks.append(
            "\n".join(
                [
                    f"Name: {short_name(status.name)}",
                    "Switchport: Enabled",
                    f"Administrative Mode: {admin_mode}",
                    f"Operational Mode: {oper_mode}",
                    f"Administrative Trunking Encapsulation: {encapsulation}",
                    "Operational Trunking Encapsulation: "
                    + (encapsulation if oper_mode == "trunk" else "native"),
                    "Negotiation of Trunking: " + ("Off" if config.mode == "access" else "On"),
                    f"Access Mode VLAN: {_vlan_label(sw, config.access_vlan)}",
                    f"Trunking Native Mode VLAN: {_vlan_label(sw, config.native_vlan or 1)}",
                    "Administrative Native VLAN tagging: enabled",
                    f"Voice VLAN: {voice}",
                    "Administrative private-vlan host-association: none ",
                    "Administrative private-vlan mapping: none ",
                    "Administrative private-vlan trunk native VLAN: none",
                    "Administrative private-vlan trunk Native VLAN tagging: enabled",
                    "Administrative private-vlan trunk encapsulation: dot1q",
                    "Administrative private-vlan trunk normal VLANs: none",
                    "Administrative private-vlan trunk associations: none",
                    "Administrative private-vlan trunk mappings: none",
                    "Operational private-vlan: none",
                    f"Trunking VLANs Enabled: {allowed}",
                    "Pruning VLANs Enabled: 2-1001",
                    "Capture Mode Disabled",
                    "Capture VLANs Allowed: ALL",
                    "",
                    "Protected: false",
                    "Unknown unicast blocked: disabled",
                    "Unknown multicast blocked: disabled",
                    "Appliance trust: none",
                    "",
                ]
            )
        )
    return "\n".join(blocks)


def _poe_class(watts: float) -> str:
    for limit, poe_class in ((4.0, "1"), (7.0, "2"), (15.4, "3"), (30.0, "4")):
        if watts <= limit:
            return poe_class
    return "4"


def _poe_label(device: Device) -> str:
    if device.kind == "phone" and device.platform.startswith("Cisco "):
        return device.platform.removeprefix("Cisco ")
    return "Ieee PD"


def show_power_inline(sw: SimulatedSwitch, interface: str | None = None) -> str:
    """Only PoE ports are listed (the caller refuses the command on a switch or a port
    without PoE, as IOS does)."""
    statuses = [s for s in _selected(sw, interface) if s.poe_max > 0]
    rows = []
    for status in statuses:
        admin = "off" if status.config.poe_never else "auto"
        if status.poe_on and status.device is not None:
            device, poe_class = _poe_label(status.device), _poe_class(status.poe_watts)
        else:
            device, poe_class = "n/a", "n/a"
        rows.append(
            f"{short_name(status.name):<10}{admin:<7}{status.poe_oper:<11}"
            f"{status.poe_watts:<8.1f}{device[:19]:<20}{poe_class:<6}{status.poe_max:.1f}"
        )
    table = [
        "Interface Admin  Oper       Power   Device              Class Max",
        "                            (Watts)                            ",
        "--------- ------ ---------- ------- ------------------- ----- ----",
        *rows,
    ]
    if interface is not None:
        return "\n".join(table)
    everything = sw.ports()
    used = sum(s.poe_watts for s in everything)
    powered = sum(1 for s in everything if s.poe_on)
    budget = sw.hardware.poe_budget
    # The module layout of IOS 15.2 on a 2960-X and of IOS-XE alike (captures/catalyst-2960x
    # and catalyst-9300/show_power_inline.txt).
    return "\n".join(
        [
            "",
            "Module   Available     Used     Remaining",
            "          (Watts)     (Watts)    (Watts) ",
            "------   ---------   --------   ---------",
            f"{1:<4}{budget:>13.1f}{used:>11.1f}{budget - used:>12.1f}",
            *table,
            "--------- ------ ---------- ---------- ---------- ------ -----",
            f"Totals:          {powered:<4} on    {used:.1f}",
        ]
    )


def _lldp_port_id(device: Device) -> str:
    if device.kind == "phone":
        return device.mac.replace(".", "").upper() + ":P1"
    if device.kind == "access_point":
        return "GigabitEthernet0"
    return device.mac


def _lldp_port_description(device: Device) -> str:
    return {"phone": ": SW PORT", "access_point": ": GigabitEthernet0"}.get(
        device.kind, " - not advertised"
    )


def show_lldp(sw: SimulatedSwitch) -> str:
    """As a real Catalyst prints it (tests/switches/captures/catalyst-3850/show_lldp.txt)."""
    if not sw.config.lldp:
        return LLDP_OFF
    return "\n".join(
        [
            "Global LLDP Information:",
            "  Status: ACTIVE",
            "  LLDP advertisements are sent every 30 seconds",
            "  LLDP hold time advertised is 120 seconds",
            "  LLDP interface reinitialisation delay is 2 seconds",
        ]
    )


def show_lldp_neighbors(sw: SimulatedSwitch, interface: str | None = None) -> str:
    if not sw.config.lldp:
        return LLDP_OFF
    neighbours = _neighbours(sw, interface)
    rows = [
        "Capability codes:",
        "    (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device",
        "    (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other",
        "",
        "Device ID           Local Intf     Hold-time  Capability      Port ID",
    ]
    for name, device in neighbours:
        capability = _LLDP_CAPABILITIES.get(device.kind, "O")
        rows.append(
            f"{device.name[:20]:<20}{short_name(name):<15}{180:<11}{capability:<16}"
            f"{_lldp_port_id(device)}"
        )
    rows += ["", f"Total entries displayed: {len(neighbours)}"]
    return "\n".join(rows)


def show_lldp_detail(sw: SimulatedSwitch, interface: str | None = None) -> str:
    if not sw.config.lldp:
        return LLDP_OFF
    neighbours = _neighbours(sw, interface)
    blocks = []
    for name, device in neighbours:
        capability = _LLDP_CAPABILITIES.get(device.kind, "O")
        description = device.platform or "not advertised"
        if device.kind == "phone":
            description = f"{device.platform}, V1, sip88xx.14-1-1-0001-136"
        blocks.append(
            "\n".join(
                [
                    "------------------------------------------------",
                    f"Local Intf: {short_name(name)}",
                    f"Chassis id: {device.mac}",
                    f"Port id: {_lldp_port_id(device)}",
                    f"Port Description{_lldp_port_description(device)}",
                    f"System Name: {device.name}",
                    "",
                    "System Description: ",
                    description,
                    "",
                    "Time remaining: 163 seconds",
                    f"System Capabilities: {capability}",
                    f"Enabled Capabilities: {capability}",
                    "Management Addresses - not advertised",
                    "Auto Negotiation - supported, enabled",
                    "Physical media capabilities:",
                    "    1000baseT(FD)",
                    "    100base-TX(FD)",
                    "Media Attachment Unit type: 30",
                    "Vlan ID: - not advertised",
                    "",
                ]
            )
        )
    return "\n".join(["", *blocks, "", f"Total entries displayed: {len(neighbours)}"])


_CPU_MACS = ("0100.0ccc.cccc", "0100.0ccc.cccd", "0180.c200.0000", "0180.c200.0002")


def show_mac_table(
    sw: SimulatedSwitch, interface: str | None = None, vlan: int | None = None
) -> str:
    rows = []
    if interface is None and vlan is None:
        rows = [f" All    {mac}    STATIC      CPU" for mac in _CPU_MACS]
    for entry in sw.mac_table():
        if interface is not None and entry.interface != interface:
            continue
        if vlan is not None and entry.vlan != vlan:
            continue
        rows.append(f"{entry.vlan:>4}    {entry.mac}    DYNAMIC     {short_name(entry.interface)}")
    return "\n".join(
        [
            "          Mac Address Table",
            "-------------------------------------------",
            "",
            "Vlan    Mac Address       Type        Ports",
            "----    -----------       --------    -----",
            *rows,
            f"Total Mac Addresses for this criterion: {len(rows)}",
        ]
    )


def show_running_config(sw: SimulatedSwitch, interface: str | None = None) -> str:
    text = sw.running_config()
    if interface is not None:
        lines = [f"interface {interface}", *sw.config.ports[interface].render()]
        text = "!\n" + "\n".join(lines) + "\nend\n"
    stamp = ios_time(sw.last_change)
    header = [
        "Building configuration...",
        "",
        f"Current configuration : {len(text.encode())} bytes",
    ]
    if interface is None:
        header += ["!", f"! Last configuration change at {stamp}"]
    return "\n".join(header) + "\n" + text.rstrip("\n")


def show_startup_config(sw: SimulatedSwitch) -> str:
    text = sw.startup_config
    return f"Using {len(text.encode())} out of 2097152 bytes\n" + text.rstrip("\n")


def show_vlan_brief(sw: SimulatedSwitch) -> str:
    """The VLANs that exist, with the access ports in each (trunks are not listed)."""
    members: dict[int, list[str]] = {1: [], **{vlan: [] for vlan in sw.config.vlans}}
    for status in sw.ports():
        if status.config.mode != "trunk" and status.config.access_vlan in members:
            members[status.config.access_vlan].append(short_name(status.name))
    rows = [
        "",
        "VLAN Name                             Status    Ports",
        "---- -------------------------------- --------- -------------------------------",
    ]
    for vlan in sorted(members):
        name = "default" if vlan == 1 else (sw.config.vlans.get(vlan) or f"VLAN{vlan:04d}")
        ports = members[vlan]
        chunks = [", ".join(ports[i : i + 4]) for i in range(0, len(ports), 4)] or [""]
        rows.append(f"{vlan:<5}{name:<33}active    {chunks[0]}".rstrip())
        rows += [f"{'':<48}{chunk}" for chunk in chunks[1:]]
    for vlan, name in (
        (1002, "fddi-default"),
        (1003, "token-ring-default"),
        (1004, "fddinet-default"),
        (1005, "trnet-default"),
    ):
        rows.append(f"{vlan:<5}{name:<33}act/unsup")
    return "\n".join(rows)


def show_archive(sw: SimulatedSwitch) -> str:
    """As real switches print it (captures/catalyst-9300 and catalyst-3850/show_archive.txt);
    no configuration has been archived yet, so the next file is number 0."""
    archive = sw.config.archive
    if archive is None:
        return " Archive feature not enabled"
    maximum = next((c.split()[1] for c in archive if c.startswith("maximum ")), "10")
    path = next((c.split()[1] for c in archive if c.startswith("path ")), None)
    if path is None:
        return "Archive path not specified"
    rows = [
        f"The maximum archive configurations allowed is {maximum}.",
        f"The next archive file will be named {path}-0",
        "Archive #  Name",
    ]
    rows += [str(n) for n in range(1, int(maximum) + 1)]
    return "\n".join(rows)


def show_rollback_timer(sw: SimulatedSwitch) -> str:
    pending = sw.pending_revert
    if pending is None:
        return "%No Rollback Confirmed Change pending"
    remaining = max(0, int(pending.deadline - sw.clock()))
    return "\n".join(
        [
            f"Time configured: {ios_time(pending.configured)}",
            "Timer type: Rollback Confirmed Change",
            f"User: {pending.user}",
            f"Timer value: {pending.minutes} min",
            f"Time remaining: {remaining // 60}:{remaining % 60:02d}",
        ]
    )


def _selected(sw: SimulatedSwitch, interface: str | None) -> list[PortStatus]:
    return [sw.port(interface)] if interface is not None else sw.ports()


def _neighbours(sw: SimulatedSwitch, interface: str | None) -> list[tuple[str, Device]]:
    return [(n, d) for n, d in sw.lldp_neighbors() if interface is None or n == interface]
