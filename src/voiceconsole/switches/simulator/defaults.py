"""The configs a simulated switch starts from: a Catalyst's factory defaults, and the operator's
standard ("site-ready") config that the onboarding docs recommend."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .config_state import ConfigState
from .hardware import DEFAULT_MODEL, Hardware, hardware_for


def factory_config(hostname: str, hardware: Hardware) -> ConfigState:
    """What a Catalyst out of the box runs, plus the bootstrap an engineer types to reach it
    over SSH (a hostname, local logins on the vty lines): no archive, no SCP server, LLDP off,
    no AAA, VLAN 1 only (VTP server mode)."""
    text = f"""\
service timestamps debug datetime msec
service timestamps log datetime msec
hostname {hostname}
no aaa new-model
spanning-tree mode {hardware.stp_mode}
spanning-tree extend system-id
line con 0
 stopbits 1
line vty 0 4
 login local
 transport input ssh
line vty 5 15
 login local
 transport input ssh
"""
    state = ConfigState(hardware)
    errors = state.apply_text(text)
    assert not errors, errors
    return state


SITE_READY = """\
aaa new-model
aaa authentication login default local
aaa authorization exec default local
vtp mode transparent
archive
 path flash:archive
 maximum 5
lldp run
ip scp server enable
"""


def site_ready_lines(vlans: Mapping[int, str | None] | Iterable[int] = ()) -> str:
    """The operator's standard config for a switch going into service (what the onboarding
    docs recommend): archive for commit-confirm, SCP with AAA for loading candidates, LLDP to
    see phones, VTP transparent so VLANs are in the config, and the site's VLANs."""
    named = dict(vlans) if isinstance(vlans, Mapping) else dict.fromkeys(vlans)
    lines = [SITE_READY]
    for vlan_id in sorted(named):
        lines.append(f"vlan {vlan_id}\n" + (f" name {named[vlan_id]}\n" if named[vlan_id] else ""))
    return "".join(lines)


def site_ready_config(
    hostname: str,
    vlans: Mapping[int, str | None] | Iterable[int] = (),
    *,
    model: str = DEFAULT_MODEL,
) -> str:
    """A whole startup config: the factory defaults of `model` with the site-ready lines."""
    state = factory_config(hostname, hardware_for(model))
    errors = state.apply_text(site_ready_lines(vlans))
    if errors:
        raise ValueError(f"site-ready config for {hostname}: {errors[0][0].strip()!r} refused")
    return state.render()
