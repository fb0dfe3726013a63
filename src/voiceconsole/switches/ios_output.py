"""Parsers for what Cisco IOS and IOS-XE print, tested on real captures (tests/switches/captures).

Each takes a command's text and returns rows with interface names as the command printed them
(`Gi1/0/1`, `Fi1/0/3`, `Twe1/1/1`); `InterfaceNames` resolves those to the switch's long names.
They skip what they do not understand instead of failing, so one odd line costs one row, not
the whole switch; and every string from the device is made one printable line where it enters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voiceconsole.domain.text import device_text

INVALID = re.compile(r"^\s*% ?(Invalid input|Incomplete command|Ambiguous command)", re.M)


def refused(output: str) -> bool:
    """Whether IOS refused the command (a platform without it, PoE on a switch without)."""
    return INVALID.search(output) is not None


# -- show interfaces switchport ------------------------------------------------------------


@dataclass
class SwitchportRow:
    interface: str
    switchport: bool = True
    admin_mode: str = ""
    access_vlan: int | None = None
    native_vlan: int | None = None
    voice_vlan: int | None = None
    trunking_vlans: str = ""  # "ALL", "NONE", "1-4,10"
    encapsulation: str = ""  # Administrative Trunking Encapsulation: dot1q, negotiate, isl


def _leading_int(text: str) -> int | None:
    found = re.match(r"\s*(\d+)", text)
    return int(found.group(1)) if found else None


def parse_switchport(output: str) -> list[SwitchportRow]:
    rows: list[SwitchportRow] = []
    row: SwitchportRow | None = None
    in_trunking_list = False
    for line in output.splitlines():
        key, sep, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if in_trunking_list and row is not None:
            # Long VLAN lists wrap onto lines of their own.
            if re.fullmatch(r"\s*[\d,\-]+\s*", line):
                row.trunking_vlans += line.strip()
                continue
            in_trunking_list = False
        if not sep:
            continue
        if key == "Name":
            row = SwitchportRow(device_text(value, 64))
            rows.append(row)
        elif row is None:
            continue
        elif key == "Switchport":
            row.switchport = value.lower().startswith("enabled")
        elif key == "Administrative Mode":
            row.admin_mode = value.lower()
        elif key == "Administrative Trunking Encapsulation":
            row.encapsulation = value.lower()
        elif key == "Access Mode VLAN":
            row.access_vlan = _leading_int(value)
        elif key == "Trunking Native Mode VLAN":
            row.native_vlan = _leading_int(value)
        elif key == "Voice VLAN":
            row.voice_vlan = _leading_int(value)
        elif key == "Trunking VLANs Enabled":
            row.trunking_vlans = value.upper() if value.isalpha() else value
            in_trunking_list = value.endswith(",")
    return rows


def vlan_list(text: str) -> tuple[int, ...] | None:
    """`1-3,10` -> (1, 2, 3, 10); `ALL` -> None (every VLAN); `NONE` or "" -> ()."""
    text = text.strip()
    if text.upper() == "ALL":
        return None
    vlans: list[int] = []
    for part in text.split(","):
        low, _, high = part.strip().partition("-")
        if low.isdigit() and (not high or high.isdigit()):
            vlans.extend(range(int(low), int(high or low) + 1))
    return tuple(vlans)


# -- show power inline ---------------------------------------------------------------------

_POE_ADMIN = ("auto", "off", "static", "never", "consumption")


@dataclass
class PowerRow:
    interface: str
    admin: str
    oper: str
    watts: float
    device: str = ""


_POWER = re.compile(
    r"^\s*(?P<interface>[A-Za-z][\w\-]*\d+(?:/\d+)*)\s+(?P<admin>\S+)\s+(?P<oper>\S+)"
    r"\s+(?P<watts>\d+(?:\.\d+)?)(?:\s+(?P<to_device>\d+\.\d+))?(?:\s+(?P<rest>.*))?$"
)


def parse_power_inline(output: str) -> list[PowerRow]:
    """Port rows of `show power inline`, in the Catalyst 2960-9300 layout (Power, Device, Class,
    Max) and the 4500 one (Power From PS / To Device, Device, Class)."""
    rows = []
    for line in output.splitlines():
        found = _POWER.match(line)
        if not found or found["admin"].lower() not in _POE_ADMIN:
            continue
        watts = float(found["to_device"] or found["watts"])
        device = re.sub(r"(\s+(n/a|\d))?(\s+\d+\.\d+)?\s*$", "", found["rest"] or "")
        rows.append(
            PowerRow(
                found["interface"],
                found["admin"].lower(),
                found["oper"].lower(),
                watts,
                "" if device.strip() == "n/a" else device_text(device, 64),
            )
        )
    return rows


# -- show lldp neighbors [detail] -----------------------------------------------------------


@dataclass
class LldpNeighbour:
    local_interface: str  # "" on old IOS, whose detail does not say (see `local_interfaces`)
    system_name: str = ""
    chassis_id: str = ""
    port_id: str = ""
    capabilities: tuple[str, ...] = ()  # enabled capabilities: B, T, W, R, S, O...
    system_description: str = ""

    @property
    def is_phone(self) -> bool:
        return "T" in self.capabilities


def _capabilities(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _advertised(text: str) -> str:
    return "" if "not advertised" in text else device_text(text)


def parse_lldp_detail(output: str) -> list[LldpNeighbour]:
    neighbours: list[LldpNeighbour] = []
    current: LldpNeighbour | None = None
    in_description = False

    def start(local: str) -> LldpNeighbour:
        neighbour = LldpNeighbour(local)
        neighbours.append(neighbour)
        return neighbour

    # A record starts only at the first line after a `----` rule (or of the output): a device
    # cannot start one for another port by putting `Local Intf:` in its own description.
    at_start = True
    seen = set()
    for line in output.splitlines():
        stripped = line.strip()
        if stripped.startswith("----"):
            current, in_description, at_start = None, False, True
            seen: set[str] = set()
            continue
        starting, at_start = at_start and bool(stripped), at_start and not stripped
        if in_description:
            # The description runs to the next blank line: what it says is text, not fields.
            if stripped:
                if current is not None and not current.system_description:
                    current.system_description = device_text(stripped)
                continue
            in_description = False
            continue
        key, sep, value = stripped.partition(":")
        if not sep:
            # "System Name - not advertised" is written without a colon.
            continue
        key, value = key.strip(), value.strip()
        if current is not None and not starting and key in seen:
            continue  # a field once per record: the first is the switch's own
        seen.add(key)
        if key == "Local Intf" and starting:
            current = start(device_text(value, 64))
        elif key == "Chassis id" and (starting or (current is not None and not current.chassis_id)):
            if current is None or starting:
                current = start("")  # old IOS: a record starts at its chassis id
            current.chassis_id = device_text(value, 64)
        elif current is None:
            continue
        elif key == "Port id":
            current.port_id = device_text(value, 64)
        elif key == "System Name":
            current.system_name = _advertised(value)
        elif key == "System Description":
            current.system_description = _advertised(value)
            in_description = not value
        elif key == "Enabled Capabilities":
            current.capabilities = _capabilities(value)
    return [n for n in neighbours if n.local_interface or n.chassis_id]


def parse_lldp_brief(output: str) -> list[str]:
    """The Local Intf column of `show lldp neighbors`, in order (old IOS's detail lacks it).

    Columns are found from the header, since a Device ID may hold spaces or run into the
    next column at 20 characters."""
    locals_: list[str] = []
    start = None
    for line in output.splitlines():
        if "Local Intf" in line and "Device ID" in line:
            start = line.index("Local Intf")
            continue
        if start is None or not line.strip() or line.startswith("Total entries"):
            continue
        # IOS cuts a Device ID at 20 characters and glues it to the port (`...company.exGi9/48`),
        # and a long one pushes the row right: the port is the first name from the column on.
        tail = line[start:]
        found = re.search(r"([A-Za-z][\w\-]*\d+(?:/\d+)*)", tail)
        if found:
            locals_.append(found.group(1))
    return locals_


def parse_lldp_status(output: str) -> bool:
    """`show lldp`: whether LLDP runs (IOS: `% LLDP is not enabled` when it does not)."""
    if re.search(r"LLDP is not enabled", output, re.I) or refused(output):
        return False
    return re.search(r"Status:\s*ACTIVE", output, re.I) is not None


# -- show mac address-table ----------------------------------------------------------------

_MAC = re.compile(r"^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}$")
_PORT = re.compile(r"^[A-Za-z][A-Za-z\-]*\d+(?:/\d+)*(?:\.\d+)?$")
# Not ports a device is plugged into: SVIs (the switch's own MAC in a VLAN), and the CPU,
# Drop, Router and Switch pseudo-ports.
_NOT_A_PORT = re.compile(r"^(Vl|Vlan)\d", re.IGNORECASE)


def colon_mac(dotted: str) -> str:
    """`02cc.0101.0001` (as IOS prints it) -> `02:cc:01:01:00:01` (as the console shows it)."""
    digits = dotted.replace(".", "").lower()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


@dataclass(frozen=True)
class MacRow:
    vlan: int  # 0 when the VLAN column names a routed port (4500: `Te5/1`)
    mac: str
    interface: str


def parse_mac_table(output: str) -> list[MacRow]:
    """Addresses learnt on ports, in the layouts of the 2960/3560/3850/9000 (`Vlan Mac Type
    Ports`), the 4500 (`vlan mac type protocols port`, unicast entries) and the 6500 (`* vlan
    mac ...`). The 4500's multicast groups and SVI/CPU rows are left out: no device is there."""
    rows = []
    multicast = False
    for line in output.splitlines():
        if re.match(r"^\s*(Multicast|Unicast) Entries", line):
            multicast = line.strip().startswith("Multicast")
            continue
        tokens = line.replace("*", " ").split()
        mac_at = next((i for i, token in enumerate(tokens) if _MAC.match(token)), None)
        if multicast or mac_at is None or mac_at == 0:
            continue
        vlan_text = tokens[mac_at - 1]
        vlan = int(vlan_text) if vlan_text.isdigit() else 0
        if not vlan and not _PORT.match(vlan_text):
            continue  # `All` (the CPU's own addresses) and whatever else is no VLAN
        for token in tokens[mac_at + 1 :]:
            for name in token.split(","):
                if _PORT.match(name) and not _NOT_A_PORT.match(name):
                    rows.append(MacRow(vlan, colon_mac(tokens[mac_at]), name))
    return rows


# -- preflight: show vlan brief, show archive, show privilege ------------------------------


@dataclass
class VlanRow:
    vlan: int
    name: str
    status: str

    @property
    def active(self) -> bool:
        return (
            self.status.startswith("act")
            and "lshut" not in self.status
            and ("unsup" not in self.status)
        )


def parse_vlans(output: str) -> list[VlanRow]:
    """`show vlan brief` (or `show vlan`'s first table)."""
    rows = []
    for line in output.splitlines():
        found = re.match(r"^(\d+)\s+(\S+)\s+(\S+)", line)
        if found and 1 <= int(found.group(1)) <= 4094:
            if int(found.group(1)) in {row.vlan for row in rows}:
                break  # `show vlan` goes on with a second table of the same VLANs
            rows.append(VlanRow(int(found.group(1)), found.group(2), found.group(3).lower()))
    return rows


@dataclass
class ArchiveState:
    enabled: bool
    path: str = ""


def parse_archive(output: str) -> ArchiveState:
    if re.search(r"Archive feature not enabled", output, re.I) or refused(output):
        return ArchiveState(False)
    found = re.search(r"next archive file will be named (\S+?)(?:-\d+|-<.*>)?\s*$", output, re.M)
    path = found.group(1) if found else ""
    return ArchiveState(bool(path), path)


def parse_privilege(output: str) -> int | None:
    found = re.search(r"privilege level is (\d+)", output, re.I)
    return int(found.group(1)) if found else None
