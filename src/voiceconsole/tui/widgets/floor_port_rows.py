"""Rows of floor ports, shared by the site screen and the occupier screen."""

from __future__ import annotations

from typing import Any

from voiceconsole.services.floor_ports import FloorPortView, list_floor_ports
from voiceconsole.tui.text import plain
from voiceconsole.tui.widgets.list_table import Row

# Label, occupier and role first: what an engineer on the floor looks for at 80 columns.
FLOOR_PORT_COLUMNS = (
    "Port",
    ("Occupier", 20),
    "Role",
    "Switch",
    "Interface",
    "Floor",
    "Space",
)


def floor_port_row(p: FloorPortView) -> Row:
    return (
        p.label,
        (
            plain(p.label),
            plain(p.occupier or "—", "" if p.occupier else "dim"),
            plain(p.role or "not set", "" if p.role else "dim"),
            plain(p.switch or "—"),
            plain(p.interface or ""),
            plain(p.floor or ""),
            plain(p.space or ""),
        ),
    )


async def floor_port_rows(db: Any, after: str | None, limit: int, **filters: Any) -> list[Row]:
    found = await list_floor_ports(db, after=after, limit=limit, **filters)
    return [floor_port_row(p) for p in found]
