"""Preflight: what a switch must have before the console changes ports on it.

A role change commits with a revert timer (needs `archive` with a path), copies its candidate
by SCP (needs the SCP server, and AAA exec authorisation so the SCP session itself runs at
privilege 15), runs config commands (privilege 15), reads phones by LLDP (off by default on
Catalysts), and puts ports in VLANs that must exist (a voice VLAN that does not exist leaves
the phone dead while the port looks right). Each check that fails says so in one sentence with
the IOS lines that fix it; a change on a switch with findings is refused before any diff.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from voiceconsole.domain.text import device_text
from voiceconsole.switches.commit import discard, load_candidate
from voiceconsole.switches.ios_output import (
    parse_archive,
    parse_lldp_status,
    parse_privilege,
    parse_vlans,
)
from voiceconsole.switches.port_reader import show

AAA_FIX = (
    "aaa new-model",
    "aaa authentication login default local",
    "aaa authorization exec default local",
)


@dataclass(frozen=True)
class Finding:
    check: str  # privilege, archive, scp, lldp, vlans
    problem: str  # one sentence
    fix: tuple[str, ...] = ()  # the IOS config lines that fix it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        return cls(str(data["check"]), str(data["problem"]), tuple(data.get("fix") or ()))

    def sentence(self) -> str:
        if not self.fix:
            return self.problem
        return f"{self.problem} Fix: {' / '.join(line.strip() for line in self.fix)}"


def _privilege(driver: Any, username: str) -> Finding | None:
    level = parse_privilege(show(driver, "show privilege") or "")
    if level is None or level >= 15:
        return None
    return Finding(
        "privilege",
        f"The login {username!r} works at privilege level {level}; changes need 15 (give the "
        "account privilege 15, or put its enable secret in the switch credentials).",
        (f"username {username} privilege 15 secret <its password>",),
    )


def _archive(driver: Any) -> Finding | None:
    state = parse_archive(show(driver, "show archive") or "")
    if state.enabled:
        return None
    # The archive goes on the switch's own file system: flash: on most, bootflash: on a 4500.
    found = re.search(r"Directory of (\S+?):", show(driver, "dir") or "")
    file_system = found.group(1) if found else "flash"
    return Finding(
        "archive",
        "The archive is off, and a change commits with a revert timer, which needs it.",
        ("archive", f" path {file_system}:archive", " maximum 5"),
    )


def _lldp(driver: Any) -> Finding | None:
    if parse_lldp_status(show(driver, "show lldp") or ""):
        return None
    return Finding(
        "lldp", "LLDP is not running, so phones on its ports cannot be seen.", ("lldp run",)
    )


def _vlans(driver: Any, wanted: Mapping[int, str]) -> Finding | None:
    listed = parse_vlans(show(driver, "show vlan brief") or "")
    existing = {row.vlan for row in listed if row.active}
    missing = sorted(set(wanted) - existing)
    if not missing:
        return None
    named = ", ".join(str(vlan) for vlan in missing)
    problem = (
        f"VLAN{'s' if len(missing) > 1 else ''} {named} of this site's roles "
        f"{'do' if len(missing) > 1 else 'does'} not exist on the switch."
    )
    vtp = re.search(r"VTP Operating Mode\s*:\s*(\w+)", show(driver, "show vtp status") or "")
    if vtp and vtp.group(1).lower() == "client":
        # A VTP client takes its VLANs from the VTP server; `vlan N` is refused here.
        return Finding(
            "vlans",
            f"{problem} This switch is a VTP client: create them on the VTP server of its domain.",
        )
    fix: list[str] = []
    for vlan in missing:
        fix += [f"vlan {vlan}", f" name {wanted[vlan]}"] if wanted[vlan] else [f"vlan {vlan}"]
    return Finding("vlans", problem, tuple(fix))


def scp_config_finding(driver: Any, username: str, reason: str) -> Finding:
    """Why a candidate could not be copied, with the lines the switch is missing."""
    config = show(driver, r"show running-config | include ^ip scp|^aaa |^username") or ""
    fix: list[str] = []
    if not re.search(r"^ip scp server enable", config, re.M):
        fix.append("ip scp server enable")
    if not re.search(r"^aaa authorization exec", config, re.M):
        fix += [line for line in AAA_FIX if not re.search(f"^{line}", config, re.M)]
    if not re.search(rf"^username {re.escape(username)} privilege 15", config, re.M):
        fix.append(f"username {username} privilege 15 secret <its password>")
    return Finding(
        "scp",
        "The switch did not take a file by SCP (NAPALM copies each change that way; the SCP "
        f"session needs privilege 15 without `enable`): {reason}",
        tuple(fix),
    )


def _scp(driver: Any, username: str) -> Finding | None:
    """Copy an empty candidate the way NAPALM copies every change, then drop it."""
    try:
        load_candidate(driver, "end\n")
    except Exception as err:
        reason = device_text(err)
        return scp_config_finding(driver, username, reason)
    finally:
        discard(driver)
    return None


def run_preflight(
    driver: Any, username: str, vlans: Mapping[int, str], *, probe_scp: bool = True
) -> list[Finding]:
    """Every check on an open driver; an empty list means the switch is ready."""
    privilege = _privilege(driver, username)
    if privilege is not None:
        return [privilege]  # below 15 most of the other commands are refused anyway
    checks = [_archive(driver), _lldp(driver), _vlans(driver, vlans)]
    if probe_scp:
        checks.append(_scp(driver, username))
    return [finding for finding in checks if finding is not None]
