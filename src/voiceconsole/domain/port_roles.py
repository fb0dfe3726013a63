"""Switch port roles: what each role means on a switch, rendered to config per NAPALM platform.

Rendering is pure and idempotent: a role's config states everything the role decides, and
negates what other roles may have left (a voice VLAN, trunk settings, a shutdown), so applying
a role to a port in any state leaves the same port config. Observing goes the other way: a
port's live settings are classified back into a role, so the console can tell drift.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from voiceconsole.domain.errors import VoiceconsoleError


class SwitchPortRole(StrEnum):
    VOICE = "voice"
    DATA = "data"
    GUEST = "guest"
    ACCESS_POINT = "access_point"
    PRINTER = "printer"
    DISABLED = "disabled"


ROLE_SUMMARY = {
    SwitchPortRole.VOICE: "IP phone with a PC behind it: data VLAN + voice VLAN, portfast",
    SwitchPortRole.DATA: "a computer: data VLAN, portfast",
    SwitchPortRole.GUEST: "visitors: guest VLAN, portfast",
    SwitchPortRole.ACCESS_POINT: "wireless AP: trunk, AP VLAN native, guest VLAN tagged",
    SwitchPortRole.PRINTER: "a shared printer: printer VLAN, portfast",
    SwitchPortRole.DISABLED: "shut down",
}

# Only IOS is rendered: it is the platform the simulator and the tests can prove.
PLATFORMS = ("ios",)
VLAN_RANGE = range(1, 4095)
DESCRIPTION_LIMIT = 200


class RoleError(VoiceconsoleError):
    """A role cannot be rendered: an unknown platform or an incomplete VLAN plan."""


@dataclass(frozen=True)
class VlanPlan:
    """The VLANs a site gives its roles; `data` may be the occupier's own data VLAN."""

    data: int
    voice: int
    guest: int
    access_point: int
    printer: int

    def __post_init__(self) -> None:
        for name in ("data", "voice", "guest", "access_point", "printer"):
            vlan = getattr(self, name)
            if vlan not in VLAN_RANGE:
                raise RoleError(f"The {name.replace('_', ' ')} VLAN {vlan} is not 1-4094.")
        # Roles are told apart on the switch by their VLANs, so each role has its own.
        vlans = [self.data, self.voice, self.guest, self.access_point, self.printer]
        if len(set(vlans)) != len(vlans):
            raise RoleError(
                f"Each role needs a VLAN of its own (data {self.data}, voice {self.voice}, "
                f"guest {self.guest}, access point {self.access_point}, printer {self.printer})."
            )


@dataclass(frozen=True)
class PortSettings:
    """A port's layer-2 settings, as rendered or as read from the switch."""

    enabled: bool
    mode: str  # "access" or "trunk"
    access_vlan: int | None = None
    voice_vlan: int | None = None
    native_vlan: int | None = None
    # A trunk's allowed VLANs; None: all of them (IOS's default, shown as `ALL`).
    allowed_vlans: tuple[int, ...] | None = ()
    portfast: bool = False


@dataclass(frozen=True)
class PortCapabilities:
    """What one switch port can take, from its platform profile and from what it shows.

    `poe`: None when not known yet (rendered as if it had PoE, which a port without refuses).
    """

    poe: bool | None = None
    trunk_encapsulation: bool = False  # `switchport trunk encapsulation dot1q` before trunk mode


def settings_for(role: SwitchPortRole, plan: VlanPlan) -> PortSettings:
    """What a role means, whatever the platform."""
    match role:
        case SwitchPortRole.VOICE:
            return PortSettings(True, "access", plan.data, plan.voice, portfast=True)
        case SwitchPortRole.DATA:
            return PortSettings(True, "access", plan.data, portfast=True)
        case SwitchPortRole.GUEST:
            return PortSettings(True, "access", plan.guest, portfast=True)
        case SwitchPortRole.PRINTER:
            return PortSettings(True, "access", plan.printer, portfast=True)
        case SwitchPortRole.ACCESS_POINT:
            allowed = (plan.access_point, plan.guest)
            return PortSettings(True, "trunk", native_vlan=plan.access_point, allowed_vlans=allowed)
        case SwitchPortRole.DISABLED:
            return PortSettings(False, "access")
    raise RoleError(f"Unknown role {role!r}.")  # pragma: no cover - StrEnum is closed


def classify(live: PortSettings, plan: VlanPlan) -> SwitchPortRole | None:
    """The role whose settings a port has, or None when it matches none (hand-made config)."""
    if not live.enabled:
        return SwitchPortRole.DISABLED
    for role in SwitchPortRole:
        wanted = settings_for(role, plan)
        if role is SwitchPortRole.DISABLED:
            continue
        if live.mode != wanted.mode:
            continue
        if wanted.mode == "trunk":
            if live.native_vlan == wanted.native_vlan and same_vlans(
                live.allowed_vlans, wanted.allowed_vlans
            ):
                return role
        elif live.access_vlan == wanted.access_vlan and live.voice_vlan == wanted.voice_vlan:
            return role
    return None


def same_vlans(a: tuple[int, ...] | None, b: tuple[int, ...] | None) -> bool:
    """Allowed-VLAN lists compared as sets; None (all VLANs) equals only None."""
    if a is None or b is None:
        return a is b
    return set(a) == set(b)


# Roles whose device is powered by the port: a desk phone, a wireless AP.
NEEDS_POE = frozenset({SwitchPortRole.VOICE, SwitchPortRole.ACCESS_POINT})


# Anything that could end a config line or steer a terminal: C0/C1 controls, line and paragraph
# separators. A newline in a description would otherwise start a new config command.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def sanitise_description(text: str) -> str:
    """A description safe to put on one config line: printable, single-spaced, bounded.

    Control characters (newline included) become spaces, so `x\\nno vlan 10` stays a
    description and never becomes a command. Non-ASCII letters are folded to ASCII because
    switch CLIs do not agree on encodings; `?` (IOS help) is dropped.
    """
    folded = unicodedata.normalize("NFKD", _UNSAFE.sub(" ", text))
    ascii_only = folded.encode("ascii", "ignore").decode("ascii").replace("?", "")
    return " ".join(ascii_only.split())[:DESCRIPTION_LIMIT].strip()


def render(
    platform: str,
    interface: str,
    role: SwitchPortRole,
    plan: VlanPlan,
    description: str = "",
    port: PortCapabilities = PortCapabilities(),
) -> str:
    """The merge candidate that gives `interface` its role on a `platform` switch.

    A port without PoE gets no `power inline` line (the switch would refuse it), and a role
    whose device the port must power is refused there with the reason.
    """
    if port.poe is False and role in NEEDS_POE:
        device = "phone" if role is SwitchPortRole.VOICE else "access point"
        raise RoleError(
            f"{interface} has no PoE, and a {role.value.replace('_', ' ')} port powers the "
            f"{device}: patch the floor port to a PoE port"
        )
    settings = settings_for(role, plan)
    safe = sanitise_description(description)
    if platform == "ios":
        return _render_ios(interface, settings, safe, port)
    raise RoleError(f"Roles are not rendered for platform {platform!r} (known: ios).")


def _vlans(vlans: tuple[int, ...] | None) -> str:
    return "all" if vlans is None else ",".join(str(vlan) for vlan in vlans)


def _set(setting: str, value: object) -> str:
    """` setting value`, or ` no setting` when the role has none (so leftovers are removed)."""
    return f" {setting} {value}" if value else f" no {setting}"


def _render_ios(interface: str, s: PortSettings, description: str, port: PortCapabilities) -> str:
    trunk = s.mode == "trunk"
    lines = [
        f"interface {interface}",
        _set("description", description),
        _set("switchport access vlan", s.access_vlan),
        _set("switchport trunk native vlan", s.native_vlan),
        _set("switchport trunk allowed vlan", _vlans(s.allowed_vlans) if trunk else None),
    ]
    if trunk and port.trunk_encapsulation:
        # ISL-capable ports negotiate by default, and refuse trunk mode until told dot1q.
        lines.append(" switchport trunk encapsulation dot1q")
    lines += [f" switchport mode {s.mode}", _set("switchport voice vlan", s.voice_vlan)]
    if port.poe is not False:
        lines.append(" power inline auto" if s.enabled else " power inline never")
    lines += [
        " no shutdown" if s.enabled else " shutdown",
        " spanning-tree portfast" if s.portfast else " no spanning-tree portfast",
        "end",
    ]
    return "\n".join(lines) + "\n"


def render_power_cycle(platform: str, interface: str, off: bool) -> str:
    """Config that turns a port's PoE off (or back on), to restart a phone."""
    if platform != "ios":
        raise RoleError(f"Power-cycling a port is not offered on platform {platform!r}.")
    state = "never" if off else "auto"
    return f"interface {interface}\n power inline {state}\nend\n"
