"""Switch interface names: the long name a switch gives each port, and the short forms Cisco IOS
prints for it in its show commands.

A name is resolved against the switch's own long names (what `show interfaces` lists, read by
NAPALM's `get_interfaces`), not against a generic table: on a Catalyst 9300 `Fi1/0/1` is a
FiveGigabitEthernet port and `Twe1/1/1` a TwentyFiveGigE uplink, whereas generic tables
(netutils, which NAPALM uses) expand `Fi` to FiftyGigabitEthernet and `Hu` to
HundredGigabitEthernet, names no Catalyst prints. Only when the switch's names are not known
yet does the resolver fall back to the kinds a platform has (`platforms.py`) or, last, to the
short forms IOS prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class InterfaceKind:
    """A kind of interface: its long name and the short form IOS prints (`show interfaces
    status`, `switchport`, `power inline`, `lldp neighbors`, `mac address-table`)."""

    long: str
    short: str
    physical: bool  # a front-panel port that can be a floor port's switch interface


# As IOS and IOS-XE on Catalyst access switches name them (Cisco's interface naming in the
# Catalyst 9000 configuration guides; real captures in tests/switches/captures/).
IOS_KINDS: tuple[InterfaceKind, ...] = (
    InterfaceKind("FastEthernet", "Fa", True),
    InterfaceKind("GigabitEthernet", "Gi", True),
    InterfaceKind("TwoGigabitEthernet", "Tw", True),
    InterfaceKind("FiveGigabitEthernet", "Fi", True),
    InterfaceKind("TenGigabitEthernet", "Te", True),
    InterfaceKind("TwentyFiveGigE", "Twe", True),
    InterfaceKind("FortyGigabitEthernet", "Fo", True),
    InterfaceKind("HundredGigE", "Hu", True),
    InterfaceKind("AppGigabitEthernet", "Ap", False),
    InterfaceKind("Port-channel", "Po", False),
    InterfaceKind("Vlan", "Vl", False),
    InterfaceKind("Loopback", "Lo", False),
    InterfaceKind("Tunnel", "Tu", False),
    InterfaceKind("Bluetooth", "Bl", False),
)
_BY_LONG = {kind.long.lower(): kind for kind in IOS_KINDS}

# "GigabitEthernet1/0/7", "Gi 1/0/7", "Port-channel12", "FastEthernet0/1"
_NAME = re.compile(r"^\s*([A-Za-z][A-Za-z-]*?)\s*(\d+(?:/\d+)*(?:\.\d+)?)\s*$")


@dataclass(frozen=True, order=True)
class InterfaceName:
    """A parsed name: the kind as written (`Gi`, `GigabitEthernet`) and its numbers."""

    kind: str
    number: str  # "1/0/7": stack member 1, module 0, port 7; "0/1" on older switches

    @classmethod
    def parse(cls, text: str) -> InterfaceName | None:
        found = _NAME.match(text)
        return cls(found.group(1), found.group(2)) if found else None

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.number.split(".")[0].split("/"))

    @property
    def member(self) -> int | None:
        """The stack member (first of three numbers), None on a switch numbered `0/1`."""
        numbers = self.numbers
        return numbers[0] if len(numbers) == 3 else None

    def __str__(self) -> str:
        return f"{self.kind}{self.number}"


def kind_of(long_name: str) -> InterfaceKind | None:
    """The kind of a long name (`TwentyFiveGigE1/1/1` -> TwentyFiveGigE), None if unknown."""
    parsed = InterfaceName.parse(long_name)
    return _BY_LONG.get(parsed.kind.lower()) if parsed else None


def short_name(long_name: str) -> str:
    """`GigabitEthernet1/0/7` -> `Gi1/0/7`, as IOS prints it; an unknown kind stays whole."""
    parsed = InterfaceName.parse(long_name)
    kind = _BY_LONG.get(parsed.kind.lower()) if parsed else None
    return f"{kind.short}{parsed.number}" if kind and parsed else long_name.strip()


def is_management(long_name: str) -> bool:
    """The out-of-band management port: GigabitEthernet0/0 (Catalyst 3650/3850/9000, in its
    own VRF), FastEthernet0 or GigabitEthernet0 (2960-X, 3560-X). Never a floor port."""
    parsed = InterfaceName.parse(long_name)
    if parsed is None or parsed.kind.lower() not in ("gigabitethernet", "fastethernet"):
        return False
    return parsed.number in ("0", "0/0")


def is_physical(long_name: str) -> bool:
    """A front-panel port a floor port may be patched to (not the management port)."""
    kind = kind_of(long_name)
    return bool(kind and kind.physical) and not is_management(long_name)


def _matches(written: str, kind: str, short: str | None) -> int:
    """How well `written` names `kind`: 3 the whole name, 2 IOS's short form, 1 a prefix."""
    written, long = written.lower(), kind.lower()
    if written == long:
        return 3
    if short is not None and written == short.lower():
        return 2
    return 1 if len(written) >= 2 and long.startswith(written) else 0


def _best(written: str, kinds: Iterable[str]) -> list[str]:
    """The kinds `written` names best (several when the writing is ambiguous)."""
    scored: dict[int, list[str]] = {}
    for kind in kinds:
        known = _BY_LONG.get(kind.lower())
        score = _matches(written, kind, known.short if known else None)
        if score:
            scored.setdefault(score, []).append(kind)
    return scored[max(scored)] if scored else []


class InterfaceNames:
    """Resolves names as any command prints them to one switch's own long names.

    `known` are the switch's long names (from `get_interfaces`); once they are known, a name
    that is not among them resolves to nothing. `kinds` are the long kinds its platform may
    have, for resolving before the switch's names are known.
    """

    def __init__(self, known: Iterable[str] = (), kinds: Iterable[str] | None = None) -> None:
        self._by_number: dict[str, list[str]] = {}
        self._exact: dict[str, str] = {}
        for name in known:
            parsed = InterfaceName.parse(name)
            if parsed is None:
                self._exact[name.strip().lower()] = name.strip()
                continue
            self._exact[str(parsed).lower()] = str(parsed)
            self._by_number.setdefault(parsed.number, []).append(parsed.kind)
        self._kinds = tuple(kinds) if kinds is not None else tuple(k.long for k in IOS_KINDS)

    def resolve(self, text: str) -> str | None:
        """The switch's long name for `text`, or None when it names nothing (or is ambiguous)."""
        parsed = InterfaceName.parse(text)
        if parsed is None:
            return self._exact.get(" ".join(text.split()).lower())
        exact = self._exact.get(str(parsed).lower())
        if exact is not None:
            return exact
        on_switch = _best(parsed.kind, self._by_number.get(parsed.number, ()))
        if len(on_switch) == 1:
            return f"{on_switch[0]}{parsed.number}"
        if on_switch or self._by_number:
            return None  # ambiguous, or not among the switch's own names: none is made up
        by_kind = _best(parsed.kind, self._kinds)
        return f"{by_kind[0]}{parsed.number}" if len(by_kind) == 1 else None

    def __call__(self, text: str) -> str:
        """`resolve`, keeping text it cannot resolve as written (a name the switch printed)."""
        return self.resolve(text) or " ".join(text.split())


def canonical_interface(text: str, known: Iterable[str] = ()) -> str:
    """A name a person typed (`gi1/0/7`, `Fi 1/0/3`) as the switch spells it in full."""
    return InterfaceNames(known)(text)
