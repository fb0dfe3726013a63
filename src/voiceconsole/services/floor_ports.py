"""Floor ports: listing them (where they are, who has them, what the switch says), allocating
them to an occupier or the operator, and recording how they are patched."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from voiceconsole.db.database import Database
from voiceconsole.db.models import Floor, FloorPort, Occupier, Site, Space, Switch, SwitchPort
from voiceconsole.domain.errors import InvalidInput, NotFound, RuleViolation
from voiceconsole.domain.interfaces import canonical_interface
from voiceconsole.domain.port_checks import Mismatch, PortFacts, mismatches
from voiceconsole.domain.port_state import PortState
from voiceconsole.domain.words import counted
from voiceconsole.services.lookup import (
    name_search,
    occupancy_of,
    occupier_by_ref,
    site_by_ref,
    switch_by_name,
)
from voiceconsole.services.permissions import Permission, requires
from voiceconsole.services.switch_work import ports_with_switches
from voiceconsole.services.transaction import transaction
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
    live: PortState | None = None
    checked_at: dt.datetime | None = None
    last_error: str | None = None
    mismatches: tuple[Mismatch, ...] = field(default=())

    @property
    def link(self) -> str:
        """up / down / "" (never read)."""
        return self.live.link if self.live else ""

    @property
    def poe(self) -> str:
        return self.live.poe_text if self.live else ""

    @property
    def mac_vlans(self) -> str:
        """The VLANs the port's devices were seen in, e.g. "102 200" (a PC and its phone)."""
        return self.live.mac_vlans if self.live else ""

    @property
    def device(self) -> str:
        if not self.live:
            return ""
        if self.live.neighbour and self.live.neighbour_is_phone:
            return f"phone {self.live.neighbour}"
        return self.live.device


SpaceHolder = aliased(Occupier)


def floor_port_query():  # type: ignore[no-untyped-def]
    return (
        select(
            FloorPort.id,
            Site.code.label("site"),
            FloorPort.label,
            Floor.name.label("floor"),
            Space.code.label("space"),
            Occupier.code.label("occupier"),
            Switch.hostname.label("switch"),
            SwitchPort.interface,
            SwitchPort.role,
            SwitchPort.drift,
            SwitchPort.observed_role,
            FloorPort.operator_use,
            SwitchPort.live,
            SwitchPort.checked_at,
            SwitchPort.last_error,
            FloorPort.occupier_id,
            Space.occupier_id.label("space_occupier_id"),
        )
        .join(Site, Site.id == FloorPort.site_id)
        .outerjoin(Floor, Floor.id == FloorPort.floor_id)
        .outerjoin(Space, Space.id == FloorPort.space_id)
        .outerjoin(Occupier, Occupier.id == FloorPort.occupier_id)
        .outerjoin(SwitchPort, SwitchPort.id == FloorPort.switch_port_id)
        .outerjoin(Switch, Switch.id == SwitchPort.switch_id)
    )


def floor_port_view(row: Any) -> FloorPortView:
    r = row._mapping
    live = PortState.from_json(r["live"]) if r["live"] is not None else None
    facts = PortFacts(
        r["role"],
        r["observed_role"],
        bool(r["drift"]),
        live,
        r["occupier_id"],
        r["space_occupier_id"],
    )
    return FloorPortView(
        id=r["id"],
        site=r["site"],
        label=r["label"],
        floor=r["floor"],
        space=r["space"],
        occupier=r["occupier"],
        switch=r["switch"],
        interface=r["interface"],
        role=r["role"].value if r["role"] else None,
        drift=bool(r["drift"]),
        observed_role=r["observed_role"].value if r["observed_role"] else None,
        operator_use=bool(r["operator_use"]),
        live=live,
        checked_at=r["checked_at"],
        last_error=r["last_error"],
        mismatches=tuple(mismatches(facts)),
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


@requires(Permission.FLOOR_PORTS)
async def allocate_floor_ports(
    db: Database,
    actor: str,
    floor_port_ids: Iterable[int],
    *,
    occupier: str | None = None,
    operator: bool = False,
) -> int:
    """Give floor ports to an occupier, to the operator, or (neither) back to nobody."""
    if occupier and operator:
        raise InvalidInput("a floor port goes to an occupier or to the operator, not both")
    async with transaction(db, actor) as tx:
        rows = await ports_with_switches(tx.session, floor_port_ids)
        holder = await occupier_by_ref(tx.session, occupier) if occupier else None
        subjects = set()
        for floor_port, _, _, site, *_ in rows:
            await tx.at_site(floor_port.site_id)
            if holder is not None:
                # Raises NotFound when the occupier does not occupy the port's site.
                await occupancy_of(tx.session, holder, site, lock=True)
            subjects.add((floor_port.site_id, holder.id if holder else floor_port.occupier_id))
            floor_port.occupier_id = holder.id if holder else None
            floor_port.operator_use = operator
        who = holder.code if holder else ("the operator" if operator else "nobody")
        labels = [row[0].label for row in rows]
        tx.audit(
            "ports.allocate",
            f"allocated {counted(len(labels), 'floor port')} to {who}",
            subjects=subjects,
            after={"ports": labels, "to": who},
        )
        return len(labels)


@requires(Permission.FLOOR_PORTS)
async def patch_floor_port(
    db: Database, actor: str, floor_port_id: int, *, switch: str, interface: str
) -> None:
    """Record that a floor port is now patched to `interface` on `switch`."""
    async with transaction(db, actor) as tx:
        floor_port = await tx.session.get(FloorPort, floor_port_id)
        if floor_port is None:
            raise NotFound("that floor port no longer exists; refresh the list")
        await tx.at_site(floor_port.site_id)
        found = await switch_by_name(tx.session, switch)
        if found.site_id != floor_port.site_id:
            raise RuleViolation(f"{found.hostname} is in another building than {floor_port.label}")
        known = await tx.session.scalars(
            select(SwitchPort.interface).where(SwitchPort.switch_id == found.id)
        )
        interface = canonical_interface(interface, known)
        port = await tx.session.scalar(
            select(SwitchPort).where(
                SwitchPort.switch_id == found.id, SwitchPort.interface == interface
            )
        )
        if port is None:
            raise NotFound(f"{found.hostname} has no interface {interface!r}")
        taken = await tx.session.scalar(
            select(FloorPort.label).where(
                FloorPort.switch_port_id == port.id, FloorPort.id != floor_port.id
            )
        )
        if taken:
            raise RuleViolation(
                f"{found.hostname} {port.interface} is already patched to floor port {taken}"
            )
        before = floor_port.switch_port_id
        floor_port.switch_port_id = port.id
        tx.audit(
            "ports.patch",
            f"patched {floor_port.label} to {found.hostname} {port.interface}",
            site_id=floor_port.site_id,
            occupier_id=floor_port.occupier_id,
            before={"switch_port_id": before},
            after={"switch": found.hostname, "interface": port.interface},
        )
