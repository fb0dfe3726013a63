"""What a switch says about one of its ports: settings, link, PoE, the neighbour, the MACs.

It crosses every layer (read by the gateway, stored by the services in `SwitchPort.live`,
checked by `port_checks`, shown by the console), so it is typed here once; `as_json` and
`from_json` are its stored form.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from voiceconsole.domain.port_roles import PortSettings

POE_ON = ("auto", "on", "static")


@dataclass(frozen=True)
class PortState:
    interface: str
    settings: PortSettings
    description: str = ""
    link_up: bool = False
    # PoE: `has_poe` False when the switch lists no PoE for the port (or has none at all).
    has_poe: bool = False
    poe_admin: str = ""  # "auto", "off", "static"; "" without PoE
    poe_on: bool = False
    poe_watts: float = 0.0
    neighbour: str = ""  # LLDP system name (sanitised: it comes from the device)
    neighbour_is_phone: bool = False
    macs: tuple[tuple[int, str], ...] = ()  # (VLAN, MAC)
    # The port's trunk encapsulation as the switch shows it ("negotiate" on ISL-capable ports,
    # which must be set to dot1q before trunk mode); "" when not shown.
    trunk_encapsulation: str = ""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        allowed = self.settings.allowed_vlans
        data["settings"]["allowed_vlans"] = None if allowed is None else list(allowed)
        data["macs"] = [list(item) for item in self.macs]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PortState:
        settings = dict(data["settings"])
        allowed = settings.get("allowed_vlans", ())
        settings["allowed_vlans"] = None if allowed is None else tuple(allowed)
        known = {name for name in cls.__dataclass_fields__}
        fields = {key: value for key, value in data.items() if key in known}
        # Readings stored before `has_poe` existed: a port with a PoE admin state has PoE.
        fields.setdefault("has_poe", bool(data.get("poe_admin")))
        return cls(
            **{
                **fields,
                "settings": PortSettings(**settings),
                "macs": tuple((int(v), str(m)) for v, m in data.get("macs", ())),
            }
        )

    @property
    def poe_enabled(self) -> bool:
        return self.poe_admin in POE_ON

    @property
    def link(self) -> str:
        return "up" if self.link_up else "down"

    @property
    def poe_text(self) -> str:
        """`6.3W` while powering, `off` when turned off, `-` idle, "" without PoE."""
        if not self.has_poe:
            return ""
        if self.poe_on:
            return f"{self.poe_watts:.1f}W"
        return "-" if self.poe_enabled else "off"

    @property
    def mac_vlans(self) -> str:
        """The VLANs the port's devices were seen in, e.g. "102 200" (a PC and its phone)."""
        return " ".join(str(vlan) for vlan in sorted({vlan for vlan, _ in self.macs}))

    @property
    def device(self) -> str:
        """A short word for what is plugged in: the LLDP name, else the first MAC."""
        if self.neighbour:
            return self.neighbour
        return self.macs[0][1] if self.macs else ""
