"""What the switch services share: threads for switch sessions, the gateway, and the rows of
floor ports with their switch, site and VLAN plan.

Switch work blocks (NAPALM), so it runs on threads, one per switch, all switches at once.
The database is written after the switches answer and says what the switches really have:
`role` is the role the operator asked for and the switch confirmed, `observed_role` what the
last reading showed, `drift` when they differ.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import select

from voiceconsole.db.models import FloorPort, Occupancy, Occupier, Site, Switch, SwitchPort
from voiceconsole.domain.errors import InvalidInput, NotFound, RuleViolation
from voiceconsole.domain.platforms import predicted_poe, profile
from voiceconsole.domain.port_roles import (
    PortCapabilities,
    SwitchPortRole,
    VlanPlan,
    classify,
    settings_for,
)
from voiceconsole.domain.port_state import PortState
from voiceconsole.switches.gateway import Gateway, SwitchTarget

T = TypeVar("T")

MAX_PORTS_PER_CHANGE = 500

# Switch sessions block for seconds (and wait on per-switch locks): they get threads of their
# own, so that many switches really run at once and the default pool stays free for the rest.
_SWITCH_THREADS = ThreadPoolExecutor(max_workers=64, thread_name_prefix="switch")


async def in_switch_thread(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_SWITCH_THREADS, partial(work, *args, **kwargs))


def gateway_for(db_url: str, *, lab: bool | None = None) -> Gateway:
    """The gateway the console and the CLI use for the database at `db_url`.

    Switches marked simulated are in-process simulators (their config kept beside an
    embedded database) unless `lab` is set: then they are reached over SSH at their
    management address, where `voiceconsole lab` serves them (None: as `--lab` or
    VOICECONSOLE_LAB says).
    """
    from voiceconsole.switches.fleet import make_gateway

    return make_gateway(db_url, lab=lab)


def target_of(switch: Switch) -> SwitchTarget:
    return SwitchTarget(
        hostname=switch.hostname,
        address=switch.mgmt_address,
        port=switch.mgmt_port,
        platform=switch.platform,
        credentials_ref=switch.credentials_ref,
        simulated=switch.simulated,
        model=switch.model,
        profile=switch.profile,
        host_key=switch.host_key,
    )


def capabilities(switch: Switch, port: SwitchPort) -> PortCapabilities:
    """What a port can take: PoE as the switch last said (else as its model predicts), and
    trunk encapsulation as the port showed it (else as its platform profile says)."""
    poe = port.poe if port.poe is not None else predicted_poe(switch.model, port.interface)
    encapsulation = str((port.live or {}).get("trunk_encapsulation", ""))
    if encapsulation:
        needs = encapsulation in ("negotiate", "isl")
    else:
        needs = bool(switch.profile) and profile(switch.profile).trunk_encapsulation
    return PortCapabilities(poe=poe, trunk_encapsulation=needs)


def site_plan(site: Site, occupier_vlan: int | None = None) -> VlanPlan:
    return VlanPlan(
        data=occupier_vlan or site.data_vlan,
        voice=site.voice_vlan,
        guest=site.guest_vlan,
        access_point=site.access_point_vlan,
        printer=site.printer_vlan,
    )


# The names the preflight's fix lines give the VLANs of each role (`vlan 200` / ` name voice`).
_VLAN_NAMES = {
    "data": "data",
    "voice": "voice",
    "guest": "guest",
    "access_point": "ap",
    "printer": "printers",
}


def role_vlans(plans: Iterable[VlanPlan], roles: Iterable[SwitchPortRole] | None = None):  # type: ignore[no-untyped-def]
    """{vlan: name} of the VLANs these roles (None: every role) use under these plans, for a
    switch's preflight: each must exist on the switch."""
    names: dict[int, str] = {}
    for plan in plans:
        named = {getattr(plan, field): name for field, name in _VLAN_NAMES.items()}
        for role in roles if roles is not None else SwitchPortRole:
            settings = settings_for(role, plan)
            used = (settings.access_vlan, settings.voice_vlan, settings.native_vlan)
            for vlan in (*used, *(settings.allowed_vlans or ())):
                if vlan:
                    names.setdefault(vlan, named[vlan])
    return names


async def switch_plans(session, switch: Switch) -> list[VlanPlan]:  # type: ignore[no-untyped-def]
    """The VLAN plans a switch's ports may need: its site's, and the own data VLAN of each
    occupier with a floor port patched to it (not every tenant of the building)."""
    site = await session.get(Site, switch.site_id)
    vlans = await session.scalars(
        select(Occupancy.data_vlan)
        .join(
            FloorPort,
            (FloorPort.occupier_id == Occupancy.occupier_id)
            & (FloorPort.site_id == Occupancy.site_id),
        )
        .join(SwitchPort, SwitchPort.id == FloorPort.switch_port_id)
        .where(SwitchPort.switch_id == switch.id, Occupancy.data_vlan.is_not(None))
    )
    return [site_plan(site), *(site_plan(site, vlan) for vlan in sorted(set(vlans)))]


def port_description(label: str, occupier: str | None, operator_use: bool) -> str:
    holder = occupier or ("operator" if operator_use else "unallocated")
    return f"{label} {holder}"


async def ports_with_switches(session, floor_port_ids: Iterable[int]):  # type: ignore[no-untyped-def]
    ids = sorted(set(floor_port_ids))
    if not ids:
        raise InvalidInput("choose at least one floor port")
    if len(ids) > MAX_PORTS_PER_CHANGE:
        raise InvalidInput(f"a change takes at most {MAX_PORTS_PER_CHANGE} floor ports at once")
    rows = (
        await session.execute(
            select(FloorPort, SwitchPort, Switch, Site, Occupier.code, Occupancy.data_vlan)
            .join(Site, Site.id == FloorPort.site_id)
            .outerjoin(SwitchPort, SwitchPort.id == FloorPort.switch_port_id)
            .outerjoin(Switch, Switch.id == SwitchPort.switch_id)
            .outerjoin(Occupier, Occupier.id == FloorPort.occupier_id)
            .outerjoin(
                Occupancy,
                (Occupancy.occupier_id == FloorPort.occupier_id)
                & (Occupancy.site_id == FloorPort.site_id),
            )
            .where(FloorPort.id.in_(ids))
            .order_by(FloorPort.label)
        )
    ).all()
    if len(rows) != len(ids):
        raise NotFound("a chosen floor port no longer exists; refresh the list")
    return rows


def record_reading(port: SwitchPort, state: PortState, plan: VlanPlan | None, now) -> None:  # type: ignore[no-untyped-def]
    """Store a reading; `plan` None when the site's VLAN plan is broken (no role is told)."""
    port.live = state.as_json()
    port.poe = state.has_poe
    port.checked_at = now
    if plan is None:
        return
    port.observed_role = classify(state.settings, plan)
    port.drift = port.role is not None and port.observed_role != port.role


class SwitchPortFailure(RuleViolation):
    """A switch failed part-way; the switch's state and the error are recorded."""
