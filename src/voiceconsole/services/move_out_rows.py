"""The rows a move-out changes: gathered and checked inside its transaction, turned into
its plan, and written (services/move_outs.py runs them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.models import (
    ChangeStatus,
    Floor,
    FloorPort,
    Handset,
    HandsetLine,
    MoveOut,
    NumberRange,
    Occupancy,
    Occupier,
    PhoneNumber,
    PortingOrder,
    Product,
    ScheduledChange,
    ServiceAssignment,
    Site,
    Space,
    Switch,
    SwitchPort,
)
from voiceconsole.domain.errors import Conflict, InvalidInput, RuleViolation
from voiceconsole.domain.handsets import HandsetState
from voiceconsole.domain.phone import value_of
from voiceconsole.domain.port_roles import SwitchPortRole
from voiceconsole.domain.porting import OPEN
from voiceconsole.domain.states import NumberAction, NumberState, Origin, next_state
from voiceconsole.services.handsets import log_out_numbers
from voiceconsole.services.move_out_plan import (
    EndingService,
    FreedPort,
    LeavingNumber,
    LoggedOutHandset,
    MoveOutPlan,
)
from voiceconsole.services.numbers import facts, number_record, reset_features
from voiceconsole.services.transaction import Transaction


@dataclass
class Gathered:
    """The rows a move-out changes, gathered inside its transaction."""

    holder: Occupier
    place: Site
    occupancy: Occupancy
    assignments: list[tuple[ServiceAssignment, Product]] = field(default_factory=list)
    changes: list[ScheduledChange] = field(default_factory=list)
    numbers: list[PhoneNumber] = field(default_factory=list)
    lines: list[tuple[int, int, str]] = field(default_factory=list)  # number, handset, name
    handsets: list[Handset] = field(default_factory=list)
    ports: list[FloorPort] = field(default_factory=list)
    spaces: list[Space] = field(default_factory=list)


def move_out_day(effective_on: dt.date | int | None, today: dt.date) -> dt.date:
    if effective_on is None:
        return today
    if isinstance(effective_on, int):
        return today + dt.timedelta(days=effective_on)
    return effective_on


async def pending_move_out(session: AsyncSession, holder: Occupier, place: Site) -> MoveOut | None:
    return await session.scalar(
        select(MoveOut).where(
            MoveOut.occupier_id == holder.id,
            MoveOut.site_id == place.id,
            MoveOut.status == ChangeStatus.PENDING,
        )
    )


def cancel_hint(holder: Occupier, place: Site) -> str:
    return (
        f"cancel it first (voiceconsole occupiers move-out {holder.code} --site {place.code} "
        "--cancel, or f8 in the move-out wizard)"
    )


async def check_move_out(
    session: AsyncSession,
    holder: Occupier,
    place: Site,
    occupancy: Occupancy | None,
    day: dt.date,
    today: dt.date,
    *,
    due: MoveOut | None = None,
) -> None:
    """Raise the one-line reason a move-out may not be done (nothing is written)."""
    if occupancy is None:
        raise RuleViolation(f"{holder.name} does not occupy {place.code}")
    if occupancy.ended_on is not None:
        raise RuleViolation(
            f"{holder.name} already moved out of {place.code} on {occupancy.ended_on.isoformat()}"
        )
    if day < today:
        raise InvalidInput(
            f"the move-out date {day.isoformat()} is in the past at {place.code} "
            f"(today is {today.isoformat()})"
        )
    pending = await pending_move_out(session, holder, place)
    if pending is not None and (due is None or pending.id != due.id):
        raise Conflict(
            f"a move-out of {holder.name} from {place.code} is already scheduled for "
            f"{pending.effective_on.isoformat()}; " + cancel_hint(holder, place)
        )
    order = await session.scalar(
        select(PortingOrder)
        .where(
            PortingOrder.occupier_id == holder.id,
            PortingOrder.site_id == place.id,
            PortingOrder.state.in_(OPEN),
        )
        .order_by(PortingOrder.id)
    )
    if order is not None:
        raise RuleViolation(
            f"{holder.name} has an open port-in order at {place.code} ({order.state.value}): "
            f"cancel port-in order #{order.id} with the losing carrier first"
        )


async def gather(session: AsyncSession, holder: Occupier, place: Site, occ: Occupancy) -> Gathered:
    found = Gathered(holder, place, occ)
    found.assignments = [
        (assignment, product)
        for assignment, product in (
            await session.execute(
                select(ServiceAssignment, Product)
                .join(Product, Product.id == ServiceAssignment.product_id)
                .where(
                    ServiceAssignment.occupier_id == holder.id,
                    ServiceAssignment.site_id == place.id,
                )
                .order_by(Product.code)
                .with_for_update(of=ServiceAssignment)
            )
        ).all()
    ]
    ids = [a.id for a, _ in found.assignments]
    if ids:
        found.changes = list(
            await session.scalars(
                select(ScheduledChange)
                .where(ScheduledChange.assignment_id.in_(ids))
                .order_by(ScheduledChange.id)
            )
        )
    found.numbers = list(
        await session.scalars(
            select(PhoneNumber)
            .where(
                PhoneNumber.occupier_id == holder.id,
                PhoneNumber.site_id == place.id,
                PhoneNumber.state.in_((NumberState.ACTIVE, NumberState.RESERVED)),
            )
            .order_by(PhoneNumber.e164_value)
            .with_for_update()
        )
    )
    found.handsets = list(
        await session.scalars(
            select(Handset)
            .where(Handset.occupier_id == holder.id, Handset.site_id == place.id)
            .order_by(Handset.label, Handset.mac)
            .with_for_update()
        )
    )
    number_ids = [n.id for n in found.numbers]
    handset_ids = [h.id for h in found.handsets]
    if number_ids or handset_ids:
        found.lines = [
            (number_id, handset_id, label or mac)
            for number_id, handset_id, label, mac in await session.execute(
                select(HandsetLine.number_id, Handset.id, Handset.label, Handset.mac)
                .join(Handset, Handset.id == HandsetLine.handset_id)
                .where(
                    or_(
                        HandsetLine.number_id.in_(number_ids),
                        HandsetLine.handset_id.in_(handset_ids),
                    )
                )
                .order_by(Handset.label, Handset.mac, HandsetLine.line_key)
            )
        ]
    found.ports = list(
        await session.scalars(
            select(FloorPort)
            .where(FloorPort.occupier_id == holder.id, FloorPort.site_id == place.id)
            .order_by(FloorPort.label)
            .with_for_update()
        )
    )
    found.spaces = list(
        await session.scalars(
            select(Space)
            .join(Floor, Floor.id == Space.floor_id)
            .where(Space.occupier_id == holder.id, Floor.site_id == place.id)
            .order_by(Floor.level, Space.code)
        )
    )
    return found


async def porting_references(session: AsyncSession, numbers: list[PhoneNumber]) -> dict[int, str]:
    """Each ported or custom number's porting reference: its range's order, else its note."""
    range_ids = {n.range_id for n in numbers if n.range_id is not None}
    ranges: dict[int, tuple[str, PortingOrder | None]] = {}
    if range_ids:
        rows = await session.execute(
            select(NumberRange.id, NumberRange.note, PortingOrder)
            .outerjoin(PortingOrder, PortingOrder.id == NumberRange.porting_order_id)
            .where(NumberRange.id.in_(range_ids))
        )
        ranges = {rid: (note, order) for rid, note, order in rows}
    out = {}
    for number in numbers:
        note, order = ranges.get(number.range_id or 0, ("", None))
        if order is not None:
            out[number.id] = (
                f"port-in order #{order.id}, losing carrier {order.losing_carrier}, "
                f"account {order.account_ref}"
            )
        else:
            out[number.id] = note.strip() or "no order on record"
    return out


async def plan_of(
    session: AsyncSession, found: Gathered, day: dt.date, today: dt.date, status: str
) -> MoveOutPlan:
    place = found.place
    pending = {}
    for change in found.changes:
        if change.status is ChangeStatus.PENDING:
            pending[change.assignment_id] = pending.get(change.assignment_id, 0) + 1
    refs = await porting_references(
        session, [n for n in found.numbers if n.origin is not Origin.POOL]
    )
    until = day + dt.timedelta(days=place.cooldown_days)
    numbers = []
    for n in found.numbers:
        pool = n.origin is Origin.POOL
        numbers.append(
            LeavingNumber(
                n.e164,
                n.origin.value,
                n.state.value,
                n.is_main,
                (NumberState.COOLDOWN if pool else NumberState.PORT_OUT).value,
                until if pool else None,
                None if pool else refs[n.id],
            )
        )
    by_handset: dict[str, list[str]] = {}
    e164_of = {n.id: n.e164 for n in found.numbers}
    other_ids = [nid for nid, _, _ in found.lines if nid not in e164_of]
    if other_ids:
        rows = await session.execute(
            select(PhoneNumber.id, PhoneNumber.e164).where(PhoneNumber.id.in_(other_ids))
        )
        e164_of |= {number_id: e164 for number_id, e164 in rows}
    for number_id, _, name in found.lines:
        by_handset.setdefault(name, []).append(e164_of[number_id])
    switch_ports: dict[int, tuple[str, str, SwitchPortRole | None]] = {}
    patched = [p.switch_port_id for p in found.ports if p.switch_port_id is not None]
    if patched:
        rows = await session.execute(
            select(SwitchPort.id, Switch.hostname, SwitchPort.interface, SwitchPort.role)
            .join(Switch, Switch.id == SwitchPort.switch_id)
            .where(SwitchPort.id.in_(patched))
        )
        switch_ports = {pid: (host, iface, role) for pid, host, iface, role in rows}
    ports = []
    for port in found.ports:
        host, iface, role = switch_ports.get(port.switch_port_id or 0, (None, None, None))
        ports.append(
            FreedPort(
                port.label, host, iface, role.value if role else None, place.default_port_role.value
            )
        )
    return MoveOutPlan(
        occupier=found.holder.code,
        occupier_name=found.holder.name,
        site=place.code,
        effective_on=day,
        today=today,
        status=status,
        default_role=place.default_port_role.value,
        services=tuple(
            EndingService(p.code, a.quantity, pending.get(a.id, 0)) for a, p in found.assignments
        ),
        numbers=tuple(numbers),
        handsets_logged_out=tuple(
            LoggedOutHandset(name, tuple(sorted(nums, key=value_of)))
            for name, nums in by_handset.items()
        ),
        handsets_returned=tuple(h.label or h.mac for h in found.handsets),
        floor_ports=tuple(ports),
        spaces=tuple(s.code for s in found.spaces),
    )


def journal_before(found: Gathered) -> dict[str, Any]:
    """What the journal keeps of what was there."""
    return {
        "services": [
            {"product": p.code, "quantity": a.quantity, "start_date": a.start_date}
            for a, p in found.assignments
        ],
        "scheduled_changes": [
            {
                "id": c.id,
                "assignment_id": c.assignment_id,
                "new_quantity": c.new_quantity,
                "effective_on": c.effective_on,
                "status": c.status,
            }
            for c in found.changes
        ],
        "numbers": [number_record(n) | {"label": n.label} for n in found.numbers],
        "handsets": [{"id": h.id, "mac": h.mac, "state": h.state} for h in found.handsets],
        "floor_ports": [p.label for p in found.ports],
        "spaces": [s.code for s in found.spaces],
        "occupancy_ended_on": None,
    }


async def carry_out(tx: Transaction, found: Gathered, day: dt.date) -> list[int]:
    """Write the move-out (inside the caller's transaction); the handsets to provision again."""
    session = tx.session
    ids = [a.id for a, _ in found.assignments]
    if ids:
        # Their history stays in the journal (the audit entry's `before`): the rows reference
        # the assignment, which ends.
        await session.execute(delete(ScheduledChange).where(ScheduledChange.assignment_id.in_(ids)))
        await session.execute(delete(ServiceAssignment).where(ServiceAssignment.id.in_(ids)))
    out = await log_out_numbers(session, sorted({nid for nid, _, _ in found.lines}))
    until = day + dt.timedelta(days=found.place.cooldown_days)
    for number in found.numbers:
        if number.state is NumberState.ACTIVE:
            number.state = next_state(facts(number), NumberAction.DEACTIVATE)
        number.state = next_state(facts(number), NumberAction.RELEASE, day)
        number.is_main = False
        if number.state is NumberState.COOLDOWN:
            number.occupier_id = None
            number.cooldown_until = until
            reset_features(number)
    for handset in found.handsets:
        handset.occupier_id = None
        if handset.state is HandsetState.DEPLOYED:
            handset.state = HandsetState.IN_STOCK
    for port in found.ports:
        port.occupier_id = None
    for space in found.spaces:
        space.occupier_id = None
    found.occupancy.ended_on = day
    await session.flush()
    return sorted({where.handset_id for where in out.values()} | {h.id for h in found.handsets})


def ports_to_set(found: Gathered, role: SwitchPortRole) -> list[dict[str, Any]]:
    return [
        {"floor_port_id": p.id, "label": p.label, "role": role.value, "error": "not set yet"}
        for p in found.ports
        if p.switch_port_id is not None
    ]
