"""Platform profiles: what a family of Catalyst access switches has, so that roles render to
config each model accepts.

A profile names the interface kinds its models have (how short names are resolved before a
switch has been read), whether trunks need `switchport trunk encapsulation dot1q` before
`switchport mode trunk` (ISL-capable hardware: 3560, 3750, 4500; its default encapsulation,
`negotiate`, refuses trunk mode), and which models have PoE. The switch itself has the last
word: `show power inline` lists exactly its PoE ports, and `show interfaces switchport` shows a
port's trunk encapsulation (`negotiate` on ISL-capable ports), and what it shows is kept per
port and wins over the profile.

Sources: Cisco's data sheets and configuration guides for each series (named per profile).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voiceconsole.domain.errors import VoiceconsoleError

_ACCESS = ("GigabitEthernet", "TenGigabitEthernet", "Port-channel", "Vlan")


class UnknownPlatform(VoiceconsoleError):
    """A platform profile name nobody knows."""


@dataclass(frozen=True)
class PlatformProfile:
    code: str
    name: str
    models: str  # a regex over the model number `show version` prints (WS-C2960X-48FPD-L)
    kinds: tuple[str, ...]  # the interface kinds (long names) its models have
    trunk_encapsulation: bool = False  # trunks need `switchport trunk encapsulation dot1q`
    driver: str = "ios"  # the NAPALM driver
    source: str = ""  # where these facts come from

    def covers(self, model: str) -> bool:
        return re.match(self.models, model.strip(), re.IGNORECASE) is not None


PROFILES: tuple[PlatformProfile, ...] = (
    PlatformProfile(
        "catalyst-2960",
        "Catalyst 2960 / 2960-Plus / 2960-S",
        r"^WS-C2960(?!X|CX)",
        ("FastEthernet", *_ACCESS),
        source="Catalyst 2960 and 2960-S Software Configuration Guide (802.1Q trunks only)",
    ),
    PlatformProfile(
        "catalyst-2960x",
        "Catalyst 2960-X / 2960-XR",
        r"^WS-C2960XR?-",
        ("FastEthernet", *_ACCESS),  # FastEthernet0 is the management port
        source="Catalyst 2960-X Switch VLAN Configuration Guide (802.1Q trunks only)",
    ),
    PlatformProfile(
        "catalyst-3560cx",
        "Catalyst 3560-CX",
        r"^WS-C3560CX-",
        _ACCESS,
        source="Catalyst 2960-CX and 3560-CX Switch VLAN Configuration Guide (IEEE 802.1Q)",
    ),
    PlatformProfile(
        "catalyst-3560-3750",
        "Catalyst 3560 / 3750 (G, E, X)",
        r"^WS-C3(560|750)(?!CX)",
        ("FastEthernet", *_ACCESS),
        trunk_encapsulation=True,
        source="Catalyst 3750-X and 3560-X Software Configuration Guide, Encapsulation Types",
    ),
    PlatformProfile(
        "catalyst-3850",
        "Catalyst 3650 / 3850",
        r"^WS-C3(650|850)-",
        _ACCESS,
        source="Catalyst 3850 Layer 2 Configuration Guide (IEEE 802.1Q trunks only)",
    ),
    PlatformProfile(
        "catalyst-4500",
        "Catalyst 4500",
        r"^WS-C45\d\d",
        ("FastEthernet", *_ACCESS),
        trunk_encapsulation=True,
        source="Catalyst 4500 Series Software Configuration Guide, ISL and 802.1Q trunks",
    ),
    PlatformProfile(
        "catalyst-9200",
        "Catalyst 9200 / 9200L",
        r"^C9200",
        (
            "GigabitEthernet",
            "TenGigabitEthernet",
            "TwoGigabitEthernet",
            "FiveGigabitEthernet",
            "AppGigabitEthernet",
            "Port-channel",
            "Vlan",
        ),
        source="Catalyst 9200 Series data sheet; Layer 2 Configuration Guide, IOS XE 17.9",
    ),
    PlatformProfile(
        "catalyst-9300",
        "Catalyst 9300 / 9300L / 9300X",
        r"^C9300",
        (
            "GigabitEthernet",
            "TwoGigabitEthernet",
            "FiveGigabitEthernet",
            "TenGigabitEthernet",
            "TwentyFiveGigE",
            "FortyGigabitEthernet",
            "HundredGigE",
            "AppGigabitEthernet",
            "Port-channel",
            "Vlan",
        ),
        source="Catalyst 9300 Series data sheet; Layer 2 Configuration Guide, IOS XE 17.9",
    ),
)
_BY_CODE = {profile.code: profile for profile in PROFILES}


def profile(code: str) -> PlatformProfile:
    try:
        return _BY_CODE[code]
    except KeyError:
        known = ", ".join(_BY_CODE)
        raise UnknownPlatform(f"unknown platform {code!r} (known: {known})") from None


def profile_for_model(model: str) -> PlatformProfile | None:
    """The profile of a model number as `show version` prints it, None when no profile has it."""
    return next((p for p in PROFILES if p.covers(model)), None)


# The letters after the port count in a Catalyst model number (C9200L-24P-4G, WS-C2960X-48FPD-L,
# WS-C3560CX-12PC-S, C9300-48UXM): P (PoE+), FP/LP (full/limited PoE), PC/PD/PS/PQ, U/UX/UXM/UN
# (UPOE), H (UPOE+) have PoE; T, TS, TD, TC, S, X have none.
_POE_SUFFIX = re.compile(r"-\d+(?:F|L)?(P|U|H)", re.IGNORECASE)


def model_has_poe(model: str) -> bool | None:
    """Whether a model number's access ports have PoE; None when the number does not say
    (a chassis, whose PoE depends on its line cards)."""
    if not re.search(r"-\d+[A-Z]", model, re.IGNORECASE):
        return None
    return _POE_SUFFIX.search(model) is not None


def predicted_poe(model: str, interface: str) -> bool | None:
    """Whether a port of a model is expected to have PoE, before the switch says so: the access
    ports (module 0, `x/0/y` or `0/y`) of a PoE model; never uplinks (module 1+)."""
    has_poe = model_has_poe(model)
    if not has_poe:
        return has_poe
    numbers = re.findall(r"\d+", interface.split(".")[0])
    module = numbers[-2] if len(numbers) >= 2 else "0"
    return module == "0"
