"""The hardware the simulator can be: each model's ports, PoE, trunk encapsulation and software.

A layout lists the ports as IOS names them on stack member 1, in the order `show interfaces`
lists them. Uplink slots are listed whole, as IOS lists them whether or not a transceiver is in
(an empty SFP cage is "Not Present" in `show interfaces status` and never links up). The
management port (Gi0/0, Fa0) and SVIs (Vlan1) are not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

DEFAULT_MODEL = "C9200L-24P-4G"

COPPER_1G = "10/100/1000BaseTX"
COPPER_MGIG_2G5 = "100/1000/2.5GBaseTX"
COPPER_MGIG_10G = "100/1000/2.5G/5G/10GBaseTX"
EMPTY_CAGE = "Not Present"

# What `show interfaces` ("Hardware is ...") and `show version` ("N ... interfaces") call a kind.
KIND_WORDS = {
    "GigabitEthernet": "Gigabit Ethernet",
    "TwoGigabitEthernet": "Two Gigabit Ethernet",
    "TenGigabitEthernet": "Ten Gigabit Ethernet",
    "TwentyFiveGigE": "Twenty Five Gigabit Ethernet",
    "FortyGigabitEthernet": "Forty Gigabit Ethernet",
}
# As `show version` counts them (captures/catalyst-9300/show_version.txt); the 2.5G wording is
# not in any capture at hand.
_VERSION_WORDS = {
    **KIND_WORDS,
    "TwoGigabitEthernet": "2.5 Gigabit Ethernet",
    "TwentyFiveGigE": "TwentyFive Gigabit Ethernet",
}

POE_PLUS = 30.0  # watts a port may give: 802.3at
UPOE = 60.0  # Cisco UPOE


@dataclass(frozen=True)
class PortGroup:
    """Consecutive ports of one kind: `GigabitEthernet` `1/0/` 1-24."""

    kind: str
    slot: str  # "1/0/", "0/", "1/1/"
    first: int
    last: int
    media: str  # the Type column of `show interfaces status`
    speed: int  # Mb/s at most
    poe: float = 0.0  # watts a port may give; 0: no PoE

    def names(self) -> list[str]:
        return [f"{self.kind}{self.slot}{n}" for n in range(self.first, self.last + 1)]


@dataclass(frozen=True)
class Software:
    """What `show version` says about the image, and the `version` line of the config."""

    family: str  # "ios-xe" or "ios"
    version: str  # "17.9.4a", "15.2(7)E8"
    config_version: str  # "17.9", "15.2"
    image: str  # "CAT9K_LITE_IOSXE", "C2960X-UNIVERSALK9-M"
    series: str  # "Catalyst L3 Switch" (IOS-XE), "C2960X" (IOS)
    compiled: str  # "Fri 20-Oct-23 10:44 by mcpre"

    @property
    def xe(self) -> bool:
        return self.family == "ios-xe"


IOS_XE_9200 = Software(
    "ios-xe",
    "17.9.4a",
    "17.9",
    "CAT9K_LITE_IOSXE",
    "Catalyst L3 Switch",
    "Fri 20-Oct-23 10:44 by mcpre",
)
IOS_XE_9300 = Software(
    "ios-xe", "17.9.4a", "17.9", "CAT9K_IOSXE", "Catalyst L3 Switch", "Fri 20-Oct-23 10:44 by mcpre"
)
IOS_2960X = Software(
    "ios", "15.2(7)E8", "15.2", "C2960X-UNIVERSALK9-M", "C2960X", "Tue 28-Feb-23 10:06 by mcpre"
)
IOS_3560CX = Software(
    "ios", "15.2(7)E8", "15.2", "C3560CX-UNIVERSALK9-M", "C3560CX", "Tue 28-Feb-23 09:52 by mcpre"
)
IOS_3560X = Software(
    "ios",
    "15.2(4)E10",
    "15.2",
    "C3560E-UNIVERSALK9-M",
    "C3560E",
    "Tue 31-Mar-20 23:56 by prod_rel_team",
)


@dataclass(frozen=True)
class Hardware:
    model: str  # the orderable model number (`Model Number` in `show version`)
    profile: str  # domain.platforms profile code
    groups: tuple[PortGroup, ...]
    poe_budget: float  # watts the power supply gives to PoE
    isl: bool  # ISL-capable ports: trunk encapsulation defaults to `negotiate`
    software: Software
    cpu: str  # "(ARM64) processor" line of `show version`
    memory: str
    serial_prefix: str
    # The model in the `cisco ... processor` line, which NAPALM's get_facts reports: the 3560-X
    # prints it without its licence suffix (WS-C3560X-24P, not WS-C3560X-24P-S).
    version_model: str = ""
    stp_mode: str = "rapid-pvst"  # the factory default spanning-tree mode
    source: str = ""

    @cached_property
    def port_names(self) -> tuple[str, ...]:
        return tuple(name for group in self.groups for name in group.names())

    @cached_property
    def _groups_by_port(self) -> dict[str, PortGroup]:
        return {name: group for group in self.groups for name in group.names()}

    def group(self, port: str) -> PortGroup:
        return self._groups_by_port[port]

    def poe_max(self, port: str) -> float:
        """Watts the port may give; 0 when it has no PoE."""
        return self.group(port).poe

    @property
    def has_poe(self) -> bool:
        return self.poe_budget > 0

    @property
    def processor_model(self) -> str:
        return self.version_model or self.model

    def interface_counts(self) -> list[str]:
        """`show version`'s "N Gigabit Ethernet interfaces" lines, slowest kind first."""
        counts: dict[str, int] = {}
        for group in sorted(self.groups, key=lambda g: g.speed):
            counts[group.kind] = counts.get(group.kind, 0) + group.last - group.first + 1
        return [
            f"{count} {_VERSION_WORDS.get(kind, kind)} interface{'s' if count > 1 else ''}"
            for kind, count in counts.items()
        ]


def _access(kind: str, slot: str, last: int, media: str, speed: int, poe: float) -> PortGroup:
    return PortGroup(kind, slot, 1, last, media, speed, poe)


def _uplinks(kind: str, slot: str, last: int, speed: int, first: int = 1) -> PortGroup:
    return PortGroup(kind, slot, first, last, EMPTY_CAGE, speed)


_9200L_UPLINKS = (_uplinks("GigabitEthernet", "1/1/", 4, 1000),)
# Catalyst 9300 lists every uplink module's interfaces (Gi, Te, Fo, Twe on 1/1/x) whatever
# module is in.
_9300_UPLINKS = (
    _uplinks("GigabitEthernet", "1/1/", 4, 1000),
    _uplinks("TenGigabitEthernet", "1/1/", 8, 10000),
    _uplinks("FortyGigabitEthernet", "1/1/", 2, 40000),
    _uplinks("TwentyFiveGigE", "1/1/", 2, 25000),
)

HARDWARE: dict[str, Hardware] = {
    hw.model: hw
    for hw in (
        Hardware(
            "C9200L-24P-4G",
            "catalyst-9200",
            (_access("GigabitEthernet", "1/0/", 24, COPPER_1G, 1000, POE_PLUS), *_9200L_UPLINKS),
            370.0,
            False,
            IOS_XE_9200,
            "(ARM64) processor",
            "600671K/3071K",
            "JAE",
            source="Cisco Catalyst 9200 Series Switches Data Sheet: 24x1G PoE+, 370 W, 4x1G SFP",
        ),
        Hardware(
            "C9200L-24T-4G",
            "catalyst-9200",
            (_access("GigabitEthernet", "1/0/", 24, COPPER_1G, 1000, 0.0), *_9200L_UPLINKS),
            0.0,
            False,
            IOS_XE_9200,
            "(ARM64) processor",
            "600671K/3071K",
            "JAE",
            source="Cisco Catalyst 9200 Series Switches Data Sheet: 24x1G data only, 4x1G SFP",
        ),
        Hardware(
            "C9300-48UXM",
            "catalyst-9300",
            (
                PortGroup("TwoGigabitEthernet", "1/0/", 1, 36, COPPER_MGIG_2G5, 2500, UPOE),
                PortGroup("TenGigabitEthernet", "1/0/", 37, 48, COPPER_MGIG_10G, 10000, UPOE),
                *_9300_UPLINKS,
            ),
            490.0,
            False,
            IOS_XE_9300,
            "(X86) processor",
            "1343703K/6147K",
            "FOC",
            source="Cisco Catalyst 9300 Series Switches Data Sheet: 36x2.5G + 12x10G mGig UPOE, "
            "490 W on the 1100 W supply; network module slot 1/1",
        ),
        Hardware(
            "WS-C2960X-48FPD-L",
            "catalyst-2960x",
            (
                _access("GigabitEthernet", "1/0/", 48, COPPER_1G, 1000, POE_PLUS),
                _uplinks("TenGigabitEthernet", "1/0/", 2, 10000),
            ),
            740.0,
            False,
            IOS_2960X,
            "(APM86XXX) processor (revision D0)",
            "524288K",
            "FOC",
            stp_mode="pvst",
            source="Cisco Catalyst 2960-X Series Switches Data Sheet: 48x1G PoE+, 740 W, "
            "2x10G SFP+",
        ),
        Hardware(
            "WS-C3560CX-12PC-S",
            "catalyst-3560cx",
            (
                _access("GigabitEthernet", "0/", 12, COPPER_1G, 1000, POE_PLUS),
                PortGroup("GigabitEthernet", "0/", 13, 14, COPPER_1G, 1000),
                _uplinks("GigabitEthernet", "0/", 16, 1000, first=15),
            ),
            240.0,
            False,
            IOS_3560CX,
            "(APM86XXX) processor (revision A0)",
            "524288K",
            "FOC",
            stp_mode="pvst",
            source="Cisco Catalyst 3560-CX Series Switches Data Sheet: 12x1G PoE+, 240 W, "
            "2x1G copper + 2x1G SFP uplinks",
        ),
        Hardware(
            "WS-C3560X-24P-S",
            "catalyst-3560-3750",
            (
                _access("GigabitEthernet", "0/", 24, COPPER_1G, 1000, POE_PLUS),
                _uplinks("GigabitEthernet", "1/", 4, 1000),
                _uplinks("TenGigabitEthernet", "1/", 2, 10000),
            ),
            435.0,
            True,
            IOS_3560X,
            "(PowerPC405) processor (revision A0)",
            "262144K",
            "FDO",
            version_model="WS-C3560X-24P",
            stp_mode="pvst",
            source="Cisco Catalyst 3560-X Series Switches Data Sheet: 24x1G PoE+, 435 W on the "
            "715 W supply; network module Gi1/1-4, Te1/1-2 (as a real 3560-X lists them)",
        ),
    )
}


class UnknownModel(KeyError):
    """A model number the simulator has no hardware for."""


def hardware_for(model: str) -> Hardware:
    try:
        return HARDWARE[model.strip().upper()]
    except KeyError:
        known = ", ".join(HARDWARE)
        raise UnknownModel(f"no simulated hardware for model {model!r} (known: {known})") from None
