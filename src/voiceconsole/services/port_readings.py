"""Reading floor ports' live state from their switches: link, PoE, LLDP, MACs, drift."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

from sqlalchemy import select

from voiceconsole import clock
from voiceconsole.db.database import Database
from voiceconsole.db.models import FloorPort, Occupancy, Site, Switch, SwitchPort
from voiceconsole.domain.port_roles import RoleError
from voiceconsole.domain.port_state import PortState
from voiceconsole.services.host_keys import pin_first_use
from voiceconsole.services.lookup import floor_id_of, site_by_ref
from voiceconsole.services.permissions import Permission, requires
from voiceconsole.services.switch_work import (
    in_switch_thread,
    record_reading,
    role_vlans,
    site_plan,
    switch_plans,
    target_of,
)
from voiceconsole.switches.gateway import Gateway, SwitchError
from voiceconsole.switches.preflight import Finding


@dataclass(frozen=True)
class SwitchReading:
    """One switch's answer to a refresh: how many ports were read, or why none were."""

    hostname: str
    ports: int = 0
    error: str = ""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


async def _targets_for(session, site_id: int, floor_id: int | None, floor_port_ids):  # type: ignore[no-untyped-def]
    query = (
        select(Switch, SwitchPort.interface)
        .join(SwitchPort, SwitchPort.switch_id == Switch.id)
        .join(FloorPort, FloorPort.switch_port_id == SwitchPort.id)
        .where(FloorPort.site_id == site_id)
    )
    if floor_id is not None:
        query = query.where(FloorPort.floor_id == floor_id)
    if floor_port_ids is not None:
        query = query.where(FloorPort.id.in_(list(floor_port_ids)))
    grouped: dict[int, tuple[Switch, list[str]]] = {}
    for switch, interface in await session.execute(query):
        grouped.setdefault(switch.id, (switch, []))[1].append(interface)
    return grouped


@requires(Permission.SWITCH_WORK, site="site", or_read=True)
async def refresh_live_state(
    db: Database,
    gateway: Gateway,
    *,
    site: str,
    floor: str | None = None,
    floor_port_ids: Iterable[int] | None = None,
    progress: Callable[[SwitchReading], None] | None = None,
    started: Callable[[list[str]], None] | None = None,
    actor: str | None = None,
) -> list[SwitchReading]:
    """Read the patched ports of a site (or one floor) from all their switches at once.

    `started` is told the switches' hostnames before any is asked; `progress` each reading.
    With an `actor`, switches reached over SSH whose host key is not pinned are pinned first.
    A switch read for the first time is also checked (preflight, but for the SCP copy), so
    that LLDP being off, say, is said rather than seen as no phones.

    Each switch's readings are saved as soon as it answers, so a list can update in place while
    slower switches are still talking. A reading is an observation, not a user action: it
    leaves no audit entry.
    """
    async with db.read() as session:
        place = await site_by_ref(session, site)
        floor_id = await floor_id_of(session, place, floor) if floor else None
        grouped = await _targets_for(session, place.id, floor_id, floor_port_ids)
        plans = await _plans_by_interface(session, place)
        vlans = {
            switch.id: role_vlans(await switch_plans(session, switch))
            for switch, _ in grouped.values()
            if switch.preflight_at is None
        }
    if actor is not None:
        pinned = await pin_first_use(db, gateway, actor, [s for s, _ in grouped.values()])
        grouped = {s.id: (s, grouped[s.id][1]) for s in pinned}

    async def poll(switch: Switch, interfaces: list[str]) -> SwitchReading:
        target = target_of(switch)
        check = vlans.get(switch.id)  # a switch read for the first time is checked too
        try:
            found = await in_switch_thread(gateway.read, target, interfaces, check)
        except SwitchError as err:
            reading = SwitchReading(switch.hostname, error=str(err))
            await _save_error(db, switch.id, interfaces, str(err))
        else:
            await _save_states(db, switch.id, found.ports, plans.get(switch.id, {}), place)
            if found.findings is not None:
                await save_preflight(db, switch.id, found.findings)
            reading = SwitchReading(switch.hostname, ports=len(found.ports))
        if progress is not None:
            progress(reading)
        return reading

    if started is not None:
        started(sorted(switch.hostname for switch, _ in grouped.values()))
    readings = await asyncio.gather(*(poll(s, i) for s, i in grouped.values()))
    return sorted(readings, key=lambda r: r.hostname)


async def _plans_by_interface(session, site: Site):  # type: ignore[no-untyped-def]
    """The occupier data VLAN that applies to each patched interface (None: the site's)."""
    rows = await session.execute(
        select(SwitchPort.switch_id, SwitchPort.interface, Occupancy.data_vlan)
        .join(FloorPort, FloorPort.switch_port_id == SwitchPort.id)
        .outerjoin(
            Occupancy,
            (Occupancy.occupier_id == FloorPort.occupier_id)
            & (Occupancy.site_id == FloorPort.site_id),
        )
        .where(FloorPort.site_id == site.id)
    )
    plans: dict[int, dict[str, int | None]] = {}
    for switch_id, interface, vlan in rows:
        plans.setdefault(switch_id, {})[interface] = vlan
    return plans


async def _save_states(
    db: Database,
    switch_id: int,
    states: dict[str, PortState],
    occupier_vlans: dict[str, int | None],
    site: Site,
) -> None:
    now = clock.utcnow()
    async with db.write() as session:
        ports = await session.scalars(
            select(SwitchPort).where(
                SwitchPort.switch_id == switch_id, SwitchPort.interface.in_(list(states))
            )
        )
        for port in ports:
            try:
                plan = site_plan(site, occupier_vlans.get(port.interface))
            except RoleError as err:  # one bad VLAN plan spoils its ports, not the reading
                record_reading(port, states[port.interface], None, now)
                port.last_error = str(err)
                continue
            record_reading(port, states[port.interface], plan, now)
            port.last_error = None
        await session.commit()


async def _save_error(db: Database, switch_id: int, interfaces: list[str], error: str) -> None:
    async with db.write() as session:
        ports = await session.scalars(
            select(SwitchPort).where(
                SwitchPort.switch_id == switch_id, SwitchPort.interface.in_(interfaces)
            )
        )
        for port in ports:
            port.last_error = error
        await session.commit()


async def save_preflight(db: Database, switch_id: int, findings: list[Finding]) -> None:
    """Keep a switch's last preflight (an observation, like a reading: no audit entry)."""
    async with db.write() as session:
        switch = await session.get(Switch, switch_id)
        if switch is not None:
            switch.preflight = [finding.to_dict() for finding in findings]
            switch.preflight_at = clock.utcnow()
        await session.commit()
