"""Switch port roles of floor ports: preview, apply, refresh live state, power-cycle.

The switch work runs in threads (the gateway blocks), one per switch, all switches at once.
The database is written after the switches answer and says what the switches really have:
`role` is the role the operator asked for and the switch confirmed, `observed_role` what the
last reading showed, `drift` when they differ.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import select

from voiceconsole import clock
from voiceconsole.db.database import Database
from voiceconsole.db.models import FloorPort, Occupancy, Occupier, Site, Switch, SwitchPort
from voiceconsole.domain.errors import InvalidInput, NotFound, RuleViolation
from voiceconsole.domain.port_roles import (
    RoleError,
    SwitchPortRole,
    VlanPlan,
    canonical_interface,
    classify,
    render,
    sanitise_description,
    settings_for,
)
from voiceconsole.services.transaction import transaction
from voiceconsole.switches.gateway import (
    ApplyResult,
    Gateway,
    PortChange,
    PortState,
    SwitchError,
    SwitchTarget,
)

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


@dataclass(frozen=True)
class PlannedPort:
    floor_port_id: int
    label: str
    switch_port_id: int
    change: PortChange
    plan: VlanPlan  # what `observed_role` is classified against when the switch answers


@dataclass(frozen=True)
class SwitchPlan:
    """The ports of one switch in a role change, and the switch's own diff for them."""

    target: SwitchTarget
    ports: tuple[PlannedPort, ...]
    diff: str = ""
    error: str = ""  # the preview failed: the switch is unreachable or refused the candidate


@dataclass(frozen=True)
class RolePlan:
    role: SwitchPortRole
    switches: tuple[SwitchPlan, ...]
    # Floor ports that cannot take the role, with why (not patched, no plan).
    refused: tuple[tuple[str, str], ...] = ()

    @property
    def port_count(self) -> int:
        return sum(len(s.ports) for s in self.switches)

    @property
    def ready(self) -> tuple[SwitchPlan, ...]:
        return tuple(s for s in self.switches if not s.error)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class PortOutcome:
    label: str
    hostname: str
    interface: str
    done: bool
    reason: str = ""


@dataclass
class RoleOutcome:
    role: SwitchPortRole
    ports: list[PortOutcome] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(p.done for p in self.ports)

    @property
    def failed(self) -> int:
        return len(self.ports) - self.done

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "done": self.done, "failed": self.failed}


def target_of(switch: Switch) -> SwitchTarget:
    return SwitchTarget(
        hostname=switch.hostname,
        address=switch.mgmt_address,
        port=switch.mgmt_port,
        platform=switch.platform,
        credentials_ref=switch.credentials_ref,
        simulated=switch.simulated,
    )


def site_plan(site: Site, occupier_vlan: int | None = None) -> VlanPlan:
    return VlanPlan(
        data=occupier_vlan or site.data_vlan,
        voice=site.voice_vlan,
        guest=site.guest_vlan,
        access_point=site.access_point_vlan,
        printer=site.printer_vlan,
    )


def port_description(label: str, occupier: str | None, operator_use: bool) -> str:
    holder = occupier or ("operator" if operator_use else "unallocated")
    return f"{label} {holder}"


async def _ports_with_switches(session, floor_port_ids: Iterable[int]):  # type: ignore[no-untyped-def]
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


async def plan_role_change(
    db: Database, gateway: Gateway, floor_port_ids: Iterable[int], role: SwitchPortRole | str
) -> RolePlan:
    """Render `role` for each floor port and ask each switch for its diff (nothing commits)."""
    try:
        role = SwitchPortRole(role)
    except ValueError:
        raise InvalidInput(f"unknown switch port role {role!r}") from None
    async with db.read() as session:
        rows = await _ports_with_switches(session, floor_port_ids)
    grouped: dict[str, tuple[SwitchTarget, list[PlannedPort]]] = {}
    refused: list[tuple[str, str]] = []
    for floor_port, switch_port, switch, site, occupier_code, occupier_vlan in rows:
        if switch_port is None or switch is None:
            refused.append((floor_port.label, "not patched to a switch interface"))
            continue
        try:
            plan = site_plan(site, occupier_vlan)
            description = sanitise_description(
                port_description(floor_port.label, occupier_code, floor_port.operator_use)
            )
            config = render(switch.platform, switch_port.interface, role, plan, description)
        except RoleError as err:
            refused.append((floor_port.label, str(err)))
            continue
        change = PortChange(switch_port.interface, config, settings_for(role, plan), description)
        target = target_of(switch)
        grouped.setdefault(switch.hostname, (target, []))[1].append(
            PlannedPort(floor_port.id, floor_port.label, switch_port.id, change, plan)
        )

    async def preview(target: SwitchTarget, ports: list[PlannedPort]) -> SwitchPlan:
        try:
            diff = await in_switch_thread(gateway.preview, target, [p.change for p in ports])
        except SwitchError as err:
            return SwitchPlan(target, tuple(ports), error=str(err))
        return SwitchPlan(target, tuple(ports), diff=diff)

    plans = await asyncio.gather(*(preview(t, ports) for t, ports in grouped.values()))
    return RolePlan(role, tuple(sorted(plans, key=lambda p: p.target.hostname)), tuple(refused))


ProgressCallback = Callable[[SwitchPlan, ApplyResult], None]


async def apply_role_change(
    db: Database,
    gateway: Gateway,
    actor: str,
    plan: RolePlan,
    *,
    progress: ProgressCallback | None = None,
) -> RoleOutcome:
    """Apply a previewed plan on every reachable switch at once, then record what is true.

    Each switch commits only if its diff is still the previewed one. The database is written
    once, in one transaction with one audit entry, after every switch has answered.
    """
    if not plan.ready:
        raise RuleViolation("no switch in this change can be reached; nothing was changed")

    async def apply(switch_plan: SwitchPlan) -> tuple[SwitchPlan, ApplyResult]:
        changes = [p.change for p in switch_plan.ports]
        result = await in_switch_thread(
            gateway.apply, switch_plan.target, changes, expected_diff=switch_plan.diff
        )
        if progress is not None:
            progress(switch_plan, result)
        return switch_plan, result

    results = await asyncio.gather(*(apply(s) for s in plan.ready))
    # Switches that could not even preview count as answered, with their error.
    answers = list(results) + [
        (s, ApplyResult(s.target.hostname, error=s.error)) for s in plan.switches if s.error
    ]
    outcome = RoleOutcome(plan.role)
    now = clock.utcnow()
    async with transaction(db, actor) as tx:
        sites: set[tuple[int | None, int | None]] = set()
        for switch_plan, result in answers:
            for planned in switch_plan.ports:
                floor_port = await tx.session.get(FloorPort, planned.floor_port_id)
                port = await tx.session.get(SwitchPort, planned.switch_port_id)
                if port is None or floor_port is None:
                    continue
                sites.add((floor_port.site_id, floor_port.occupier_id))
                done, reason = _port_result(result, planned.change.interface)
                if done:
                    port.role = plan.role
                    port.description = planned.change.description
                port.last_error = None if done else reason
                state = result.ports.get(planned.change.interface)
                if state is not None:
                    _record_reading(port, state, planned.plan, now)
                outcome.ports.append(
                    PortOutcome(
                        planned.label,
                        switch_plan.target.hostname,
                        planned.change.interface,
                        done,
                        reason,
                    )
                )
        for label, why in plan.refused:
            outcome.ports.append(PortOutcome(label, "", "", False, why))
        tx.audit(
            "ports.role",
            f"set {outcome.done} floor port(s) to {plan.role.value}"
            + (f"; {outcome.failed} not changed" if outcome.failed else ""),
            subjects=sites,
            after=[
                {
                    "port": p.label,
                    "switch": p.hostname,
                    "interface": p.interface,
                    "done": p.done,
                    "reason": p.reason,
                }
                for p in outcome.ports
            ],
        )
    outcome.ports.sort(key=lambda p: p.label)
    return outcome


def _port_result(result: ApplyResult, interface: str) -> tuple[bool, str]:
    """Whether one port of a switch's result took its role, and if not, why."""
    if interface in result.failed_ports:
        return False, f"{result.error}: {result.failed_ports[interface]}"
    if result.committed:
        return True, ""
    return False, result.error


def _record_reading(port: SwitchPort, state: PortState, plan: VlanPlan, now) -> None:  # type: ignore[no-untyped-def]
    port.live = state.as_json()
    port.observed_role = classify(state.settings, plan)
    port.drift = port.role is not None and port.observed_role != port.role
    port.checked_at = now


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


async def refresh_live_state(
    db: Database,
    gateway: Gateway,
    *,
    site: str,
    floor: str | None = None,
    floor_port_ids: Iterable[int] | None = None,
    progress: Callable[[SwitchReading], None] | None = None,
    started: Callable[[list[str]], None] | None = None,
) -> list[SwitchReading]:
    """Read the patched ports of a site (or one floor) from all their switches at once.

    `started` is told the switches' hostnames before any is asked; `progress` each reading.

    Each switch's readings are saved as soon as it answers, so a list can update in place while
    slower switches are still talking. A reading is an observation, not a user action: it
    leaves no audit entry.
    """
    from voiceconsole.services.lookup import site_by_ref

    async with db.read() as session:
        place = await site_by_ref(session, site)
        floor_id = None
        if floor:
            from voiceconsole.db.models import Floor

            floor_id = await session.scalar(
                select(Floor.id).where(Floor.site_id == place.id, Floor.name == floor)
            )
            if floor_id is None:
                raise NotFound(f"{place.code} has no floor {floor!r}")
        grouped = await _targets_for(session, place.id, floor_id, floor_port_ids)
        plans = await _plans_by_interface(session, place)

    async def poll(switch: Switch, interfaces: list[str]) -> SwitchReading:
        target = target_of(switch)
        try:
            states = await in_switch_thread(gateway.read_ports, target, interfaces)
        except SwitchError as err:
            reading = SwitchReading(switch.hostname, error=str(err))
            await _save_error(db, switch.id, interfaces, str(err))
        else:
            await _save_states(db, switch.id, states, plans.get(switch.id, {}), place)
            reading = SwitchReading(switch.hostname, ports=len(states))
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
                port.live, port.checked_at, port.last_error = (
                    states[port.interface].as_json(),
                    now,
                    str(err),
                )
                continue
            _record_reading(port, states[port.interface], plan, now)
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


async def allocate_floor_ports(
    db: Database,
    actor: str,
    floor_port_ids: Iterable[int],
    *,
    occupier: str | None = None,
    operator: bool = False,
) -> int:
    """Give floor ports to an occupier, to the operator, or (neither) back to nobody."""
    from voiceconsole.services.lookup import occupancy_of, occupier_by_ref

    if occupier and operator:
        raise InvalidInput("a floor port goes to an occupier or to the operator, not both")
    async with transaction(db, actor) as tx:
        rows = await _ports_with_switches(tx.session, floor_port_ids)
        holder = await occupier_by_ref(tx.session, occupier) if occupier else None
        subjects = set()
        for floor_port, _, _, site, *_ in rows:
            if holder is not None:
                # Raises NotFound when the occupier does not occupy the port's site.
                await occupancy_of(tx.session, holder, site)
            subjects.add((floor_port.site_id, holder.id if holder else floor_port.occupier_id))
            floor_port.occupier_id = holder.id if holder else None
            floor_port.operator_use = operator
        who = holder.code if holder else ("the operator" if operator else "nobody")
        labels = [row[0].label for row in rows]
        tx.audit(
            "ports.allocate",
            f"allocated {len(labels)} floor port(s) to {who}",
            subjects=subjects,
            after={"ports": labels, "to": who},
        )
        return len(labels)


async def patch_floor_port(
    db: Database, actor: str, floor_port_id: int, *, switch: str, interface: str
) -> None:
    """Record that a floor port is now patched to `interface` on `switch`."""
    async with transaction(db, actor) as tx:
        floor_port = await tx.session.get(FloorPort, floor_port_id)
        if floor_port is None:
            raise NotFound("that floor port no longer exists; refresh the list")
        found = await tx.session.scalar(select(Switch).where(Switch.hostname == switch.strip()))
        if found is None:
            raise NotFound(f"no switch {switch!r}")
        if found.site_id != floor_port.site_id:
            raise RuleViolation(f"{found.hostname} is in another building than {floor_port.label}")
        interface = canonical_interface(interface)
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


async def power_cycle(
    db: Database, gateway: Gateway, actor: str, floor_port_id: int, *, pause: float = 3.0
) -> str:
    """Turn a port's PoE off and on again, to restart the phone on it; says what happened.

    Refused on a port that is not patched, or whose role is `disabled` (it has no power to
    cycle). The switch work is one session under the switch's lock; the reading afterwards
    (or the error, if power may be left off) is recorded with the audit entry either way.
    """
    async with db.read() as session:
        rows = await _ports_with_switches(session, [floor_port_id])
    floor_port, switch_port, switch, site, _, occupier_vlan = rows[0]
    if switch is None or switch_port is None:
        raise RuleViolation(f"{floor_port.label} is not patched to a switch interface")
    if switch_port.role is SwitchPortRole.DISABLED:
        raise RuleViolation(f"{floor_port.label} is disabled: it has no power to cycle")
    if switch.platform != "ios":
        raise RuleViolation(f"power-cycling is not offered on platform {switch.platform!r}")
    try:
        state = await in_switch_thread(
            gateway.power_cycle, target_of(switch), switch_port.interface, pause
        )
        error = None
    except SwitchError as err:
        state, error = None, str(err)
    async with transaction(db, actor) as tx:
        port = await tx.session.get(SwitchPort, switch_port.id)
        assert port is not None  # rows are not deleted
        if state is not None:
            _record_reading(port, state, site_plan(site, occupier_vlan), clock.utcnow())
        port.last_error = error
        where = f"{floor_port.label} ({switch.hostname} {switch_port.interface})"
        tx.audit(
            "ports.power_cycle",
            f"power-cycled {where}" if error is None else f"power-cycle of {where} failed",
            site_id=floor_port.site_id,
            occupier_id=floor_port.occupier_id,
            after={"done": error is None, "error": error},
        )
    if error is not None:
        raise SwitchPortFailure(error)
    return f"{floor_port.label}: PoE off, then on again"


class SwitchPortFailure(RuleViolation):
    """A switch failed part-way; the switch's state and the error are recorded."""
