"""An IOS-like command line over a :class:`SimulatedSwitch`.

One :class:`IOSSession` per login. Output follows Cisco IOS-XE on a Catalyst 9200 closely enough
for NAPALM's `ios` driver and the ntc-templates parsers; `execute` returns what IOS prints after
the echoed command, without the prompt.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime

from voiceconsole.switches.simulator.model import (
    EXEC,
    GLOBAL,
    IFNAME,
    INT,
    NUMBER,
    REST,
    WORD,
    ConfigState,
    Context,
    Device,
    PortStatus,
    Rejection,
    SimulatedSwitch,
    dispatch,
    format_vlan_list,
    short_interface,
)

FLASH_TOTAL = 11_353_194_496
POE_BUDGET = 370.0
_PROMPT_SUFFIX = {
    "exec": "#",
    "global": "(config)#",
    "interface": "(config-if)#",
    "vlan": "(config-vlan)#",
    "archive": "(config-archive)#",
    "line": "(config-line)#",
}
_LLDP_CAPABILITIES = {"phone": "B,T", "access_point": "W", "printer": "O", "pc": "S"}


class IOSSession:
    """One login's command line: mode, prompt, and the commands of an access switch."""

    def __init__(self, switch: SimulatedSwitch, username: str) -> None:
        self.switch = switch
        self.username = username
        self.context: Context = EXEC
        self._closed = False

    @property
    def prompt(self) -> str:
        return self.switch.hostname + _PROMPT_SUFFIX[self.context[0]]

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def in_config_mode(self) -> bool:
        return self.context != EXEC

    def execute(self, line: str) -> str:
        """Run one line; the output without echo and prompt ('' when IOS prints nothing)."""
        with self.switch.lock:
            self.switch.tick()
            line = line.rstrip("\r\n")
            if not line.strip() or self._closed:
                return ""
            offset = len(self.prompt)
            try:
                if self.context != EXEC:
                    return self._config_line(line)
                return self._exec_line(line)
            except Rejection as rejection:
                return rejection.render(line, offset)

    # -- config mode ------------------------------------------------------------------------------

    def _config_line(self, line: str) -> str:
        words = line.split()
        if words[0].lower() == "do" and len(words) > 1:
            return self._exec_line(line[line.index(words[1]) :], column_shift=line.index(words[1]))
        self.context, message = self.switch.apply_config_line(self.context, line)
        return message

    # -- exec mode --------------------------------------------------------------------------------

    def _exec_line(self, line: str, column_shift: int = 0) -> str:
        command, _, pipe = line.partition(" | ")
        try:
            output = dispatch(command, self._exec_table())
        except Rejection as rejection:
            if rejection.column is not None:
                rejection.column += column_shift
            raise
        if pipe:
            output = _pipe(str(output), pipe)
        return str(output)

    def _exec_table(self) -> list[tuple[tuple, Callable]]:
        sw = self.switch
        return [
            (("enable",), lambda: ""),
            (("disable",), lambda: ""),
            (("terminal", REST), lambda _: ""),
            (("exit",), self._logout),
            (("logout",), self._logout),
            (("quit",), self._logout),
            (("configure",), self._configure),
            (("configure", "terminal"), self._configure),
            (("configure", "terminal", "revert", "timer", NUMBER), self._configure_revert),
            (("configure", "confirm"), lambda: sw.confirm() and ""),
            (("configure", "revert", "now"), self._revert_now),
            (("configure", "replace", WORD), lambda f: self._replace(f, "")),
            (("configure", "replace", WORD, REST), self._replace),
            (("copy", WORD, WORD), self._copy),
            (("write",), self._write),
            (("write", "memory"), self._write),
            (("dir",), lambda: self._dir("flash:")),
            (("dir", WORD), self._dir),
            (("verify", "/md5", WORD), self._verify),
            (("more", WORD), self._more),
            (("delete", WORD), self._delete),
            (("delete", "/force", WORD), self._delete),
            (("show", "version"), lambda: show_version(sw)),
            (("show", "hosts"), lambda: show_hosts(sw)),
            (("show", "clock"), lambda: "*" + _ios_time(sw.now())),
            (("show", "ip", "interface", "brief"), lambda: show_ip_interface_brief(sw)),
            (("show", "interfaces"), lambda: show_interfaces(sw)),
            (("show", "interfaces", IFNAME), lambda i: show_interfaces(sw, i)),
            (("show", "interfaces", "status"), lambda: show_interfaces_status(sw)),
            (("show", "interfaces", "switchport"), lambda: show_switchport(sw)),
            (("show", "interfaces", IFNAME, "switchport"), lambda i: show_switchport(sw, i)),
            (("show", "power", "inline"), lambda: show_power_inline(sw)),
            (("show", "power", "inline", IFNAME), lambda i: show_power_inline(sw, i)),
            (("show", "lldp", "neighbors"), lambda: show_lldp_neighbors(sw)),
            (("show", "lldp", "neighbors", IFNAME), lambda i: show_lldp_neighbors(sw, i)),
            (("show", "lldp", "neighbors", "detail"), lambda: show_lldp_detail(sw)),
            (("show", "lldp", "neighbors", IFNAME, "detail"), lambda i: show_lldp_detail(sw, i)),
            (("show", "mac", "address-table"), lambda: show_mac_table(sw)),
            (
                ("show", "mac", "address-table", "interface", IFNAME),
                lambda i: show_mac_table(sw, i),
            ),
            (("show", "mac", "address-table", "vlan", INT), lambda v: show_mac_table(sw, vlan=v)),
            (("show", "running-config"), lambda: show_running_config(sw)),
            (("show", "running-config", "interface", IFNAME), lambda i: show_running_config(sw, i)),
            (("show", "startup-config"), lambda: show_startup_config(sw)),
            (("show", "vlan"), lambda: show_vlan_brief(sw)),
            (("show", "vlan", "brief"), lambda: show_vlan_brief(sw)),
            (("show", "archive"), lambda: show_archive(sw)),
            (("show", "archive", "config", "rollback", "timer"), lambda: show_rollback_timer(sw)),
            (("show", "archive", "config", "incremental-diffs", WORD), self._incremental_diffs),
            (
                ("show", "archive", "config", "incremental-diffs", WORD, "ignorecase"),
                self._incremental_diffs,
            ),
            (("show", "archive", "config", "differences", WORD, WORD), self._differences),
            (
                ("show", "archive", "config", "differences", WORD, WORD, REST),
                lambda a, b, _: self._differences(a, b),
            ),
        ]

    def _logout(self) -> str:
        self._closed = True
        return ""

    def _configure(self, *_: object) -> str:
        self.context = GLOBAL
        return "Enter configuration commands, one per line.  End with CNTL/Z."

    def _configure_revert(self, minutes: int) -> str:
        if self.switch.config.archive is None:
            # Stay in exec mode: netmiko's config_mode then fails, which NAPALM relies on.
            return "%Rollback Confirmed Change requires the archive feature to be configured"
        if not 1 <= minutes <= 120:
            raise Rejection(len("configure terminal revert timer "))
        self.switch.start_revert_timer(minutes, self.username)
        return self._configure()

    def _revert_now(self) -> str:
        if not self.switch.revert_now():
            return "%No Rollback Confirmed Change pending"
        return "Rollback Done"

    # -- files ------------------------------------------------------------------------------------

    def _read(self, path: str) -> str | None:
        """Text of a readable source; None when it does not exist."""
        kind, name = resolve_path(path)
        if kind == "running":
            return self.switch.running_config()
        if kind == "startup":
            return self.switch.startup_config
        if kind == "null":
            return ""
        if kind == "flash" and name:
            return self.switch.flash.get(name)
        return None

    def _copy(self, source: str, dest: str) -> str:
        text = self._read(source)
        if text is None:
            return f"%Error opening {source} (No such file or directory)"
        kind, name = resolve_path(dest)
        if kind == "running":
            errors = self.switch.merge_text(text)
            report = [f"{line}\n{rejection.render(line)}" for line, rejection in errors]
            return "\n".join([*report, _bytes_copied(text)])
        if kind == "startup":
            self.switch.save()
            return "[OK]"
        if kind == "flash" and name:
            self.switch.flash[name] = text
            self.switch.flash_times[name] = self.switch.now()
            return _bytes_copied(text)
        raise Rejection(len("copy ") + len(source) + 1)

    def _write(self) -> str:
        self.switch.save()
        return "Building configuration...\n[OK]"

    def _dir(self, path: str) -> str:
        kind, name = resolve_path(path)
        if kind != "flash":
            return f"%Error opening {path} (No such file or directory)"
        sw = self.switch
        if name:
            if name not in sw.flash:
                return f"%Error opening flash:/{name} (No such file or directory)"
            names, header = [name], f"flash:/{name}"
        else:
            names, header = sorted(sw.flash), "flash:/"
        rows = []
        for index, file_name in enumerate(names, start=32770):
            size = len(sw.flash[file_name].encode())
            when = sw.flash_times.get(file_name, sw.now())
            stamp = f"{when:%b} {when.day} {when:%Y %H:%M:%S}"
            rows.append(f"{index:>7}  -rw-    {size:>13}  {stamp} +00:00  {file_name}")
        used = sum(len(text.encode()) for text in sw.flash.values())
        free = FLASH_TOTAL // 2 - used
        return "\n".join(
            [
                f"Directory of {header}",
                "",
                *rows,
                "",
                f"{FLASH_TOTAL} bytes total ({free} bytes free)",
            ]
        )

    def _verify(self, path: str) -> str:
        kind, name = resolve_path(path)
        text = self.switch.flash.get(name) if kind == "flash" and name else None
        if text is None:
            return f"%Error opening {path} (No such file or directory)"
        digest = hashlib.md5(text.encode()).hexdigest()
        return f"{'.' * 20}Done!\nverify /md5 ({path}) = {digest}"

    def _more(self, path: str) -> str:
        text = self._read(path)
        if text is None:
            return f"%Error opening {path} (No such file or directory)"
        return text.rstrip("\n")

    def _delete(self, *args: str) -> str:
        path = args[-1]
        kind, name = resolve_path(path)
        if kind != "flash" or not name or name not in self.switch.flash:
            return f"%Error deleting {path} (No such file or directory)"
        del self.switch.flash[name]
        self.switch.flash_times.pop(name, None)
        return ""

    # -- archive: diffs and replace ---------------------------------------------------------------

    def _incremental_diffs(self, path: str) -> str:
        text = self._read(path)
        if text is None:
            return f"%Error opening {path} (No such file or directory)"
        lines = incremental_diff(self.switch.config, text)
        if lines is None:
            return "\n".join(["!List of Commands:", "% Invalid input detected at '^' marker."])
        if not lines:
            return "!List of Commands:\nend\n!No changes were found"
        return "\n".join(["!List of Commands:", *lines, "end"])

    def _differences(self, base: str, new: str) -> str:
        base_text, new_text = self._read(base), self._read(new)
        if base_text is None or new_text is None:
            missing = base if base_text is None else new
            return f"%Error opening {missing} (No such file or directory)"
        old_state = ConfigState.blank(self.switch.port_count)
        old_state.apply_text(base_text)
        new_state = ConfigState.blank(self.switch.port_count)
        new_state.apply_text(new_text)
        lines = contextual_diff(old_state.render(), new_state.render())
        if not lines:
            return "!Contextual Config Diffs:\n!No changes were found"
        return "\n".join(["!Contextual Config Diffs:", *lines])

    def _replace(self, path: str, options: str) -> str:
        text = self._read(path)
        if text is None:
            return f"%Error opening {path} (No such file or directory)"
        if self.switch.config.archive is None:
            return "%Please turn config archive on before using Rollback Confirmed Change"
        words = options.lower().split()
        revert_on_error = "trigger" in words and "error" in words
        timer = re.search(r"\btimer (\d+)", options.lower())
        before = self.switch.running_config()
        if timer:
            self.switch.start_revert_timer(int(timer.group(1)), self.username)
        errors = self.switch.replace_config(text)
        if not errors:
            return "Total number of passes: 1\nRollback Done"
        report = ["The following command(s) failed:"]
        report += [f"{line}\n{rejection.render(line)}" for line, rejection in errors]
        if revert_on_error:
            self.switch.replace_config(before)
            self.switch.confirm()
            report.append("The original configuration has been successfully restored.")
        return "\n".join(report)


# -------------------------------------------------------------------------------------------------
# Paths, pipes, diffs


def resolve_path(path: str) -> tuple[str, str]:
    """('running'|'startup'|'null'|'flash'|'unknown', file name inside flash)."""
    lowered = path.lower()
    if lowered in ("running-config", "system:running-config", "system:/running-config"):
        return "running", ""
    if lowered in ("startup-config", "nvram:startup-config", "nvram:/startup-config"):
        return "startup", ""
    if lowered == "null:":
        return "null", ""
    if lowered.startswith(("flash:", "bootflash:")):
        return "flash", path.split(":", 1)[1].lstrip("/")
    return "unknown", path


def _bytes_copied(text: str) -> str:
    size = len(text.encode())
    return f"{size} bytes copied in 0.052 secs ({size * 19} bytes/sec)"


def _pipe(output: str, pipe: str) -> str:
    """`| include X`, `| exclude X`, `| begin X`, `| section X` (X is a regex, as on IOS)."""
    keyword, _, pattern = pipe.strip().partition(" ")
    pattern = pattern.strip()
    try:
        regex = re.compile(pattern)
    except re.error:
        regex = re.compile(re.escape(pattern))
    lines = output.splitlines()
    keyword = keyword.lower()
    if keyword and "include".startswith(keyword):
        return "\n".join(line for line in lines if regex.search(line))
    if keyword and "exclude".startswith(keyword):
        return "\n".join(line for line in lines if not regex.search(line))
    if keyword and "begin".startswith(keyword):
        for index, line in enumerate(lines):
            if regex.search(line):
                return "\n".join(lines[index:])
        return ""
    if keyword and "section".startswith(keyword):
        picked: list[str] = []
        taking = False
        for line in lines:
            if not line.startswith(" "):
                taking = bool(regex.search(line))
                if taking:
                    picked.append(line)
            elif taking or regex.search(line):
                picked.append(line)
        return "\n".join(picked)
    raise Rejection(message="% Invalid input detected at '^' marker.")


def config_blocks(text: str) -> list[tuple[str, list[str]]]:
    """Config text as (top-level line, its indented children); comments dropped."""
    blocks: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if not line.strip() or line.strip().startswith("!") or line.strip() == "end":
            continue
        if line.startswith(" ") and blocks:
            blocks[-1][1].append(line.strip())
        else:
            blocks.append((line.strip(), []))
    return blocks


def contextual_diff(old: str, new: str) -> list[str]:
    """`show archive config differences` in IOS's contextual form (+/- per line)."""
    old_blocks = dict(config_blocks(old))
    new_blocks = dict(config_blocks(new))
    out: list[str] = []
    for parent, children in new_blocks.items():
        if parent not in old_blocks:
            out += [f"+{parent}", *[f" +{c}" for c in children]]
            continue
        added = [c for c in children if c not in old_blocks[parent]]
        removed = [c for c in old_blocks[parent] if c not in children]
        if added or removed:
            out += [parent, *[f" -{c}" for c in removed], *[f" +{c}" for c in added]]
    for parent, children in old_blocks.items():
        if parent not in new_blocks:
            out += [f"-{parent}", *[f" -{c}" for c in children]]
    return out


def incremental_diff(state: ConfigState, text: str) -> list[str] | None:
    """Lines of `text` that would change the running config (with their parent line), as
    `show archive config incremental-diffs` lists them; None when a line is invalid."""
    trial = state.copy()
    context = GLOBAL
    parent: str | None = None
    parent_shown = False
    out: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("!"):
            continue
        before = trial.render()
        try:
            new_context, _ = trial.apply(context, line)
        except Rejection:
            return None
        if new_context == EXEC:
            break
        changed = trial.render() != before
        if new_context != context and new_context != GLOBAL:
            parent, parent_shown = stripped, False
            if changed:
                out.append(stripped)
                parent_shown = True
        elif new_context == GLOBAL and context != GLOBAL and not line.startswith(" "):
            parent = None
            if changed:
                out.append(stripped)
        elif changed:
            if parent is not None and new_context != GLOBAL:
                if not parent_shown:
                    out.append(parent)
                    parent_shown = True
                out.append(f" {stripped}")
            else:
                out.append(stripped)
        context = new_context
    return out


# -------------------------------------------------------------------------------------------------
# Show commands


def _ios_time(when: datetime) -> str:
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


def show_version(sw: SimulatedSwitch) -> str:
    uptime = _uptime_text(sw.uptime_seconds())
    return f"""\
Cisco IOS XE Software, Version 17.09.04a
Cisco IOS Software [Cupertino], Catalyst L3 Switch Software (CAT9K_LITE_IOSXE), \
Version 17.9.4a, RELEASE SOFTWARE (fc3)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2023 by Cisco Systems, Inc.
Compiled Fri 20-Oct-23 10:44 by mcpre

ROM: IOS-XE ROMMON
BOOTLDR: System Bootstrap, Version 17.9.1r, RELEASE SOFTWARE (P)

{sw.hostname} uptime is {uptime}
Uptime for this control processor is {uptime}
System returned to ROM by Reload Command
System image file is "flash:packages.conf"
Last reload reason: Reload Command

cisco {sw.model} (ARM64) processor with 600671K/3071K bytes of memory.
Processor board ID {sw.serial}
{sw.port_count} Gigabit Ethernet interfaces
2048K bytes of non-volatile configuration memory.
1966000K bytes of physical memory.
11353194K bytes of Flash at flash:.

Base Ethernet MAC Address          : {sw.base_mac}
Model Number                       : {sw.model}
System Serial Number               : {sw.serial}

Configuration register is 0x102"""


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
        rows.append(f"{status.name:<23}unassigned      YES unset  {state:<22}{protocol}")
    return "\n".join(rows)


def show_interfaces(sw: SimulatedSwitch, interface: str | None = None) -> str:
    blocks = []
    for status in _selected(sw, interface):
        state, protocol, reason = _link_words(status)
        mac = sw.port_mac(status.name)
        up = status.oper_up
        lines = [
            f"{status.name} is {state}, line protocol is {protocol} ({reason}) ",
            f"  Hardware is Gigabit Ethernet, address is {mac} (bia {mac})",
        ]
        if status.config.description is not None:
            lines.append(f"  Description: {status.config.description}")
        lines += [
            f"  MTU 1500 bytes, BW {1000000 if up else 10000} Kbit/sec, DLY 10 usec, ",
            "     reliability 255/255, txload 1/255, rxload 1/255",
            "  Encapsulation ARPA, loopback not set",
            "  Keepalive set (10 sec)",
            "  Full-duplex, 1000Mb/s, media type is 10/100/1000BaseTX"
            if up
            else "  Auto-duplex, Auto-speed, media type is 10/100/1000BaseTX",
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
    rows = ["", "Port         Name               Status       Vlan       Duplex  Speed Type "]
    for status in sw.ports():
        _, _, reason = _link_words(status)
        config = status.config
        vlan = "trunk" if config.mode == "trunk" else str(config.access_vlan)
        duplex, speed = ("a-full", "a-1000") if status.oper_up else ("auto", "auto")
        name = (config.description or "")[:18]
        rows.append(
            f"{short_interface(status.name):<13}{name:<19}{reason:<13}{vlan:<11}"
            f"{duplex:>6} {speed:>6} 10/100/1000BaseTX"
        )
    return "\n".join(rows)


def _vlan_label(sw: SimulatedSwitch, vlan: int) -> str:
    if vlan == 1:
        return "1 (default)"
    return f"{vlan} ({sw.config.vlans.get(vlan) or f'VLAN{vlan:04d}'})"


def show_switchport(sw: SimulatedSwitch, interface: str | None = None) -> str:
    blocks = []
    for status in _selected(sw, interface):
        config = status.config
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
                    f"Name: {short_interface(status.name)}",
                    "Switchport: Enabled",
                    f"Administrative Mode: {admin_mode}",
                    f"Operational Mode: {oper_mode}",
                    "Administrative Trunking Encapsulation: dot1q",
                    "Operational Trunking Encapsulation: "
                    + ("dot1q" if oper_mode == "trunk" else "native"),
                    "Negotiation of Trunking: " + ("On" if config.mode == "trunk" else "Off"),
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
    statuses = _selected(sw, interface)
    rows = []
    for status in statuses:
        admin = "off" if status.config.poe_never else "auto"
        if status.poe_on and status.device is not None:
            oper, device, poe_class = "on", _poe_label(status.device), _poe_class(status.poe_watts)
        else:
            oper, device, poe_class = "off", "n/a", "n/a"
        rows.append(
            f"{short_interface(status.name):<10}{admin:<7}{oper:<11}{status.poe_watts:<8.1f}"
            f"{device[:19]:<20}{poe_class:<6}30.0"
        )
    table = [
        "Interface Admin  Oper       Power   Device              Class Max",
        "                            (Watts)                            ",
        "--------- ------ ---------- ------- ------------------- ----- ----",
        *rows,
    ]
    if interface is not None:
        return "\n".join(table)
    used = sum(s.poe_watts for s in sw.ports())
    powered = sum(1 for s in sw.ports() if s.poe_on)
    return "\n".join(
        [
            "Module   Available     Used     Remaining",
            "          (Watts)     (Watts)    (Watts) ",
            "------   ---------   --------   ---------",
            f"1        {POE_BUDGET:>9.1f}  {used:>9.1f}  {POE_BUDGET - used:>10.1f}",
            *table,
            "--------- ------ ---------- ------- ------------------- ----- ----",
            f"Totals:          {powered:<4} on             {used:.1f}",
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


def show_lldp_neighbors(sw: SimulatedSwitch, interface: str | None = None) -> str:
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
            f"{device.name[:20]:<20}{short_interface(name):<15}{180:<11}{capability:<16}"
            f"{_lldp_port_id(device)}"
        )
    rows += ["", f"Total entries displayed: {len(neighbours)}"]
    return "\n".join(rows)


def show_lldp_detail(sw: SimulatedSwitch, interface: str | None = None) -> str:
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
                    f"Local Intf: {short_interface(name)}",
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
        rows.append(
            f"{entry.vlan:>4}    {entry.mac}    DYNAMIC     {short_interface(entry.interface)}"
        )
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
    stamp = _ios_time(sw.last_change)
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
    members: dict[int, list[str]] = {1: []}
    for vlan in sw.config.vlans:
        members.setdefault(vlan, [])
    for status in sw.ports():
        if status.config.mode != "trunk":
            members.setdefault(status.config.access_vlan, []).append(short_interface(status.name))
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
    archive = sw.config.archive
    if archive is None:
        return "Archive feature not enabled"
    maximum = next((c.split()[1] for c in archive if c.startswith("maximum ")), "10")
    path = next((c.split()[1] for c in archive if c.startswith("path ")), None)
    if path is None:
        return "Archive path not specified"
    rows = [
        f"The maximum archive configurations allowed is {maximum}.",
        "There are currently 0 archive configurations saved.",
        f"The next archive file will be named {path}-1",
        " Archive #  Name",
    ]
    rows += [f"   {n:<2}" for n in range(1, int(maximum) + 1)]
    return "\n".join(rows)


def show_rollback_timer(sw: SimulatedSwitch) -> str:
    pending = sw.pending_revert
    if pending is None:
        return "%No Rollback Confirmed Change pending"
    remaining = max(0, int(pending.deadline - sw.clock()))
    return "\n".join(
        [
            f"Time configured: {_ios_time(pending.configured)}",
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
