"""Interface names as a person types them on a switch: one interface (`gi1/0/5`, `Tw1/0/3`,
`g0/1`) or a range (`Gi1/0/1 - 4 , Gi1/0/7`), resolved to the switch's own long names."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from voiceconsole.domain.interfaces import InterfaceName, InterfaceNames
from voiceconsole.domain.platforms import profile as platform_profile

from .grammar import At, Rejection
from .hardware import hardware_for


@cache
def interface_resolver(model: str) -> Callable[[str], str | None]:
    """What a person types (`gi1/0/5`, `Tw1/0/3`, `g0/1`) -> the switch's long name, or None.

    `InterfaceNames` does the work; IOS also takes a single letter when only one interface
    kind of the platform starts with it (`g1/0/1`, `f0/1`), which it does not."""
    hardware = hardware_for(model)
    kinds = platform_profile(hardware.profile).kinds
    names = InterfaceNames(hardware.port_names, kinds=kinds)
    ports = set(hardware.port_names)

    def resolve(text: str) -> str | None:
        found = names.resolve(text)
        parsed = InterfaceName.parse(text)
        if found is None and parsed is not None and len(parsed.kind) == 1:
            only = [kind for kind in kinds if kind.lower().startswith(parsed.kind.lower())]
            if len(only) == 1:
                found = names.resolve(only[0] + parsed.number)
        return found if found in ports else None

    return resolve


_RANGE_ITEM = re.compile(r"([A-Za-z][A-Za-z-]*)\s*(\d+(?:/\d+)*)(?:\s*-\s*(\d+))?")


def expand_range(at: At, resolve: Callable[[str], str | None]) -> tuple[str, ...]:
    """`Gi1/0/1 - 4 , Gi1/0/7` (spaces optional) -> the long names, in that order."""
    names: list[str] = []
    column = at.column
    for part in at.text.split(","):
        item = part.strip()
        start = column + len(part) - len(part.lstrip())
        found = _RANGE_ITEM.fullmatch(item)
        first = resolve(found.group(1) + found.group(2)) if found else None
        if found is None or first is None:
            raise Rejection(start)
        names.append(first)
        if found.group(3):
            stem, _, number = first.rpartition("/") if "/" in first else ("", "", first)
            end = int(found.group(3))
            if end < int(number):
                raise Rejection(start + item.rindex("-"))
            for n in range(int(number) + 1, end + 1):
                name = resolve(f"{stem}/{n}")
                if name is None:
                    raise Rejection(start + item.rindex("-"))
                names.append(name)
        column += len(part) + 1
    return tuple(dict.fromkeys(names))
