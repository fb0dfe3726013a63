"""Floor ports as the console lists them: where they are, who has them, what the switch says."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from voiceconsole.db.database import Database
from voiceconsole.db.models import Floor, FloorPort, Occupier, Site, Space, Switch, SwitchPort
from voiceconsole.domain.errors import NotFound
from voiceconsole.domain.port_checks import Mismatch, PortFacts, mismatches
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
    observed_role: str | None = None
    operator_use: bool = False
    live: dict[str, Any] | None = None
    checked_at: dt.datetime | None = None
    last_error: str | None = None
    mismatches: tuple[Mismatch, ...] = field(default=())

    @property
    def link(self) -> str:
        """up / down / "" (never read)."""
        if self.live is None:
            return ""
        return "up" if self.live.get("link_up") else "down"

    @property
    def poe(self) -> str:
        if self.live is None or not self.live.get("poe_admin"):
            return ""
        if self.live.get("poe_on"):
            return f"{float(self.live.get('poe_watts') or 0):.1f}W"
        return "off" if self.live.get("poe_admin") in ("off", "never") else "-"

    @property
    def mac_vlans(self) -> str:
        """The VLANs the port's devices were seen in, e.g. "102 200" (a PC and its phone)."""
        if not self.live:
            return ""
        return " ".join(str(v) for v in sorted({int(v) for v, _ in self.live.get("macs") or []}))

    @property
    def device(self) -> str:
        if not self.live:
            return ""
        if self.live.get("neighbour"):
            kind = "phone " if self.live.get("neighbour_is_phone") else ""
            return f"{kind}{self.live['neighbour']}"
        macs = self.live.get("macs") or []
        return str(macs[0][1]) if macs else ""


SpaceHolder = aliased(Occupier)


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
            SwitchPort.observed_role,
            FloorPort.operator_use,
            SwitchPort.live,
            SwitchPort.checked_at,
            SwitchPort.last_error,
            FloorPort.occupier_id,
            Space.occupier_id,
        )
        .join(Site, Site.id == FloorPort.site_id)
        .outerjoin(Floor, Floor.id == FloorPort.floor_id)
        .outerjoin(Space, Space.id == FloorPort.space_id)
        .outerjoin(Occupier, Occupier.id == FloorPort.occupier_id)
        .outerjoin(SwitchPort, SwitchPort.id == FloorPort.switch_port_id)
        .outerjoin(Switch, Switch.id == SwitchPort.switch_id)
    )


def floor_port_view(row: tuple) -> FloorPortView:  # type: ignore[type-arg]
    role, drift, observed, operator_use, live, checked_at, last_error = row[8:15]
    facts = PortFacts(role, observed, bool(drift), live, row[15], row[16])
    return FloorPortView(
        *row[:8],
        role.value if role else None,
        bool(drift),
        observed.value if observed else None,
        bool(operator_use),
        live,
        checked_at,
        last_error,
        tuple(mismatches(facts)),
    )


async def list_floor_ports(
    db: Database,
    *,
    site: str | None = None,
    floor: str | None = None,
    occupier: str | None = None,
    search: str | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> list[FloorPortView]:
    """Floor ports in label order; page with `after` (the last label of a page).

    `search` matches the label, the occupier code or the switch's hostname.
    """
    async with db.read() as session:
        query = floor_port_query().order_by(FloorPort.label)
        if site:
            query = query.where(FloorPort.site_id == (await site_by_ref(session, site)).id)
        if floor:
            query = query.where(Floor.name == floor)
        if occupier:
            holder = await occupier_by_ref(session, occupier)
            query = query.where(FloorPort.occupier_id == holder.id)
        if search:
            query = query.where(
                name_search(search, FloorPort.label, Occupier.code, Switch.hostname)
            )
        if after:
            query = query.where(FloorPort.label > after)
        if limit:
            query = query.limit(limit)
        return [floor_port_view(row) for row in await session.execute(query)]


async def floor_names(db: Database, site: str) -> list[str]:
    """The floors of a site, lowest first."""
    async with db.read() as session:
        place = await site_by_ref(session, site)
        rows = await session.scalars(
            select(Floor.name).where(Floor.site_id == place.id).order_by(Floor.level)
        )
        return list(rows)


async def port_problems(db: Database, *, site: str) -> list[FloorPortView]:
    """The floor ports of a site with at least one mismatch, in label order."""
    found = await list_floor_ports(db, site=site)
    return [port for port in found if port.mismatches]


async def floor_port_ids(db: Database, *, site: str, labels: list[str]) -> list[int]:
    """The ids of a site's floor ports by label; an unknown label is refused by name."""
    async with db.read() as session:
        place = await site_by_ref(session, site)
        wanted = [label.strip().upper() for label in labels]
        rows = dict(
            (
                await session.execute(
                    select(FloorPort.label, FloorPort.id).where(
                        FloorPort.site_id == place.id, FloorPort.label.in_(wanted)
                    )
                )
            ).all()
        )
    missing = [label for label in wanted if label not in rows]
    if missing:
        raise NotFound(f"{place.code} has no floor port {', '.join(missing)}")
    return [rows[label] for label in wanted]
