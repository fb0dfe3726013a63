"""Floor ports as the console lists them (their switch work arrives with the floor-port issue)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from voiceconsole.db.database import Database
from voiceconsole.db.models import Floor, FloorPort, Occupier, Site, Space, Switch, SwitchPort
from voiceconsole.services.lookup import name_search, occupier_by_ref, site_by_ref
from voiceconsole.services.views import View


@dataclass(frozen=True)
class FloorPortView(View):
    id: int
    site: str
    label: str
    floor: str | None
    space: str | None
    occupier: str | None
    switch: str | None
    interface: str | None
    role: str | None
    drift: bool


def floor_port_query():  # type: ignore[no-untyped-def]
    return (
        select(
            FloorPort.id,
            Site.code,
            FloorPort.label,
            Floor.name,
            Space.code,
            Occupier.code,
            Switch.hostname,
            SwitchPort.interface,
            SwitchPort.role,
            SwitchPort.drift,
        )
        .join(Site, Site.id == FloorPort.site_id)
        .outerjoin(Floor, Floor.id == FloorPort.floor_id)
        .outerjoin(Space, Space.id == FloorPort.space_id)
        .outerjoin(Occupier, Occupier.id == FloorPort.occupier_id)
        .outerjoin(SwitchPort, SwitchPort.id == FloorPort.switch_port_id)
        .outerjoin(Switch, Switch.id == SwitchPort.switch_id)
    )


def floor_port_view(row: tuple) -> FloorPortView:  # type: ignore[type-arg]
    role = row[8]
    return FloorPortView(*row[:8], role.value if role else None, bool(row[9]))


async def list_floor_ports(
    db: Database,
    *,
    site: str | None = None,
    occupier: str | None = None,
    search: str | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> list[FloorPortView]:
    """Floor ports in label order; page with `after` (the last label of a page)."""
    async with db.read() as session:
        query = floor_port_query().order_by(FloorPort.label)
        if site:
            query = query.where(FloorPort.site_id == (await site_by_ref(session, site)).id)
        if occupier:
            holder = await occupier_by_ref(session, occupier)
            query = query.where(FloorPort.occupier_id == holder.id)
        if search:
            query = query.where(name_search(search, FloorPort.label))
        if after:
            query = query.where(FloorPort.label > after)
        if limit:
            query = query.limit(limit)
        return [floor_port_view(row) for row in await session.execute(query)]
