"""Interface names: resolved against the switch's own long names, then its platform's kinds,
never a generic table that turns `Fi` into FiftyGigabitEthernet."""

from __future__ import annotations

import pytest

from voiceconsole.domain.interfaces import (
    InterfaceName,
    InterfaceNames,
    canonical_interface,
    is_physical,
    short_name,
)
from voiceconsole.domain.platforms import profile

# A stacked Catalyst 9300 with multigigabit ports, as `show interfaces` names them.
C9300_STACK = [
    "GigabitEthernet0/0",
    "TwoGigabitEthernet1/0/1",
    "FiveGigabitEthernet1/0/2",
    "TenGigabitEthernet1/0/37",
    "TwentyFiveGigE1/1/1",
    "FortyGigabitEthernet1/1/2",
    "HundredGigE1/1/3",
    "AppGigabitEthernet1/0/1",
    "GigabitEthernet2/0/48",
    "TenGigabitEthernet8/1/4",
    "Port-channel12",
    "Vlan200",
]


@pytest.mark.parametrize(
    ("printed", "long"),
    [
        ("Tw1/0/1", "TwoGigabitEthernet1/0/1"),
        ("Fi1/0/2", "FiveGigabitEthernet1/0/2"),
        ("Te1/0/37", "TenGigabitEthernet1/0/37"),
        ("Twe1/1/1", "TwentyFiveGigE1/1/1"),
        ("Fo1/1/2", "FortyGigabitEthernet1/1/2"),
        ("Hu1/1/3", "HundredGigE1/1/3"),
        ("Ap1/0/1", "AppGigabitEthernet1/0/1"),
        ("Gi2/0/48", "GigabitEthernet2/0/48"),
        ("Te8/1/4", "TenGigabitEthernet8/1/4"),
        ("Po12", "Port-channel12"),
        ("Gi0/0", "GigabitEthernet0/0"),
        ("gi 2/0/48", "GigabitEthernet2/0/48"),
        ("twentyfivegige1/1/1", "TwentyFiveGigE1/1/1"),
        ("Vl200", "Vlan200"),
    ],
)
def test_short_forms_resolve_to_the_switchs_own_names(printed: str, long: str) -> None:
    assert InterfaceNames(C9300_STACK).resolve(printed) == long


def test_a_name_the_switch_does_not_have_is_not_made_up() -> None:
    names = InterfaceNames(C9300_STACK, kinds=profile("catalyst-9300").kinds)
    assert names.resolve("Fi3/0/7") is None
    assert names.resolve("Gi1/0/37") is None  # a 48-UXM's port 37 is TenGigabitEthernet
    assert names.resolve("Xy1/0/1") is None
    assert names("Xy1/0/1") == "Xy1/0/1"  # kept as printed


def test_before_the_switch_is_read_its_platform_decides() -> None:
    names = InterfaceNames((), kinds=profile("catalyst-9300").kinds)
    # The platform's names, not a generic table's (FiftyGigabitEthernet, HundredGigabitEthernet).
    assert names.resolve("Fi3/0/7") == "FiveGigabitEthernet3/0/7"
    assert names.resolve("Hu2/1/1") == "HundredGigE2/1/1"
    assert names.resolve("Fa0/1") is None  # no FastEthernet on a 9300


def test_an_older_switch_numbers_ports_without_a_stack_member() -> None:
    names = InterfaceNames(["FastEthernet0/1", "GigabitEthernet0/1", "GigabitEthernet0/2"])
    assert names.resolve("Fa0/1") == "FastEthernet0/1"
    assert names.resolve("Gi0/2") == "GigabitEthernet0/2"
    assert InterfaceName.parse("FastEthernet0/1").member is None  # type: ignore[union-attr]
    assert InterfaceName.parse("Gi4/0/12").member == 4  # type: ignore[union-attr]


def test_without_the_switchs_names_ios_short_forms_are_used() -> None:
    assert canonical_interface("Fi1/0/3") == "FiveGigabitEthernet1/0/3"
    assert canonical_interface("Tw1/0/3") == "TwoGigabitEthernet1/0/3"
    assert canonical_interface("Twe1/1/1") == "TwentyFiveGigE1/1/1"
    assert canonical_interface("Hu1/1/1") == "HundredGigE1/1/1"
    assert canonical_interface("Gi1/0/7") == "GigabitEthernet1/0/7"
    assert canonical_interface("gi 1/0/7") == "GigabitEthernet1/0/7"
    assert canonical_interface("Te1/1/1") == "TenGigabitEthernet1/1/1"
    assert canonical_interface("Port-channel1") == "Port-channel1"


@pytest.mark.parametrize("long", C9300_STACK)
def test_short_and_long_forms_round_trip(long: str) -> None:
    assert InterfaceNames(C9300_STACK).resolve(short_name(long)) == long


def test_only_front_panel_ports_are_physical() -> None:
    assert is_physical("FiveGigabitEthernet1/0/2") and is_physical("FastEthernet0/1")
    assert is_physical("GigabitEthernet0/1")  # a 3560-CX access port
    assert not any(is_physical(n) for n in ("Vlan1", "Port-channel1", "AppGigabitEthernet1/0/1"))
    # The management ports (9300's in its VRF, 2960-X's): never a floor port.
    assert not any(is_physical(n) for n in ("GigabitEthernet0/0", "FastEthernet0"))
