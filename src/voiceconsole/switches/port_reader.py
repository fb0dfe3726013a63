"""Reading ports from an open NAPALM `ios` driver: settings, link, PoE, LLDP, MACs.

`get_interfaces` gives the switch's own long names; every other command's short names are
resolved against them (`InterfaceNames`), never against a generic table. Commands are sent one
by one: a switch without PoE refuses `show power inline`, and that must cost the PoE column,
not the reading.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from voiceconsole.domain.interfaces import InterfaceNames, is_physical
from voiceconsole.domain.port_roles import PortSettings
from voiceconsole.domain.port_state import PortState
from voiceconsole.domain.text import device_text
from voiceconsole.switches.ios_output import (
    PowerRow,
    SwitchportRow,
    parse_lldp_brief,
    parse_lldp_detail,
    parse_mac_table,
    parse_power_inline,
    parse_switchport,
    refused,
    vlan_list,
)

log = logging.getLogger(__name__)


def show(driver: Any, command: str) -> str | None:
    """A show command's output, or None when the switch refuses the command.

    NAPALM's `cli` raises on `% Invalid input`; the text is what a capture of the command holds.
    """
    try:
        output = driver.cli([command])[command]
    except ValueError:  # NAPALM: 'Unable to execute command'
        return None
    return None if refused(output) else str(output)


def _settings(enabled: bool, row: SwitchportRow | None) -> tuple[PortSettings, str]:
    if row is None or not row.switchport:
        return PortSettings(enabled, "routed" if row else "unknown"), ""
    trunk = "trunk" in row.admin_mode
    if trunk:
        settings = PortSettings(
            enabled,
            "trunk",
            native_vlan=row.native_vlan,
            allowed_vlans=vlan_list(row.trunking_vlans),
        )
    else:
        settings = PortSettings(enabled, "access", row.access_vlan, row.voice_vlan)
    return settings, row.encapsulation


def read_port_states(
    driver: Any, interfaces: Iterable[str] | None = None, kinds: Iterable[str] | None = None
) -> dict[str, PortState]:
    """The ports named (any form; None: every physical port), by the switch's long names.

    A port the switch does not list is left out; one it lists in some commands only is kept
    with what is known (no port is dropped for a missing row).
    """
    # Names reach config lines (`interface ...`) and terminals: one printable line each.
    status: dict[str, dict[str, Any]] = {
        device_text(name, 64): facts for name, facts in driver.get_interfaces().items()
    }
    names = InterfaceNames(status, kinds)
    switchports = {
        names(row.interface): row
        for row in parse_switchport(show(driver, "show interfaces switchport") or "")
    }
    power_text = show(driver, "show power inline")
    power: dict[str, PowerRow] = {}
    if power_text is not None:
        power = {names(row.interface): row for row in parse_power_inline(power_text)}
    if interfaces is None:
        # Every front-panel port any command lists (a real switch lists each in all).
        wanted = {name for name in (*status, *switchports, *power) if is_physical(name)}
    else:
        wanted = {names(name) for name in interfaces}
    neighbours = _lldp(driver, names)
    macs: dict[str, list[tuple[int, str]]] = {}
    for entry in parse_mac_table(show(driver, "show mac address-table") or ""):
        macs.setdefault(names(entry.interface), []).append((entry.vlan, entry.mac))

    states = {}
    for name in sorted(wanted):
        link = status.get(name)
        row = switchports.get(name)
        poe = power.get(name)
        if link is None and row is None and poe is None:
            continue
        link = link or {}
        settings, encapsulation = _settings(bool(link.get("is_enabled", True)), row)
        lldp = neighbours.get(name)
        states[name] = PortState(
            interface=name,
            settings=settings,
            description=device_text(link.get("description", "")),
            link_up=bool(link.get("is_up")),
            has_poe=poe is not None,
            poe_admin=poe.admin if poe else "",
            poe_on=poe is not None and poe.oper == "on",
            poe_watts=poe.watts if poe else 0.0,
            neighbour=lldp.system_name or lldp.chassis_id if lldp else "",
            neighbour_is_phone=bool(lldp and lldp.is_phone),
            macs=tuple(sorted(macs.get(name, []))),
            trunk_encapsulation=encapsulation,
        )
    return states


def _lldp(driver: Any, names: InterfaceNames) -> dict[str, Any]:
    """LLDP neighbours by long local interface (the first per port). Old IOS leaves `Local
    Intf` out of the detail; then the brief listing gives the ports, in the same order."""
    detail = parse_lldp_detail(show(driver, "show lldp neighbors detail") or "")
    if any(not neighbour.local_interface for neighbour in detail):
        brief = parse_lldp_brief(show(driver, "show lldp neighbors") or "")
        if len(brief) == len(detail):
            for neighbour, local in zip(detail, brief, strict=True):
                neighbour.local_interface = neighbour.local_interface or local
        else:
            log.info("LLDP brief and detail disagree (%d vs %d)", len(brief), len(detail))
    found: dict[str, Any] = {}
    for neighbour in detail:
        if neighbour.local_interface:
            found.setdefault(names(neighbour.local_interface), neighbour)
    return found
