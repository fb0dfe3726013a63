"""An occupier moving out of a site: preview, apply (now or when due), cancel, and the switch
part retried.

The database part is one transaction with one audit entry, driven by one `MoveOutPlan`
gathered first: the preview (a dry run) and the commit are the same plan, and a commit is
refused if the plan it would carry out differs from the one the user saw (`expect`).
The switch part runs after the commit: each freed floor port gets the site's default role;
ports a switch did not take are kept on the move-out row (`ports_left`) for a retry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.database import Database
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
    PortingState,
    Product,
    ScheduledChange,
    ServiceAssignment,
    Site,
    Space,
    Switch,
    SwitchPort,
    utcnow,
)
from voiceconsole.domain.errors import Conflict, InvalidInput, NotFound, RuleViolation
from voiceconsole.domain.handsets import HandsetState
from voiceconsole.domain.phone import national, value_of
from voiceconsole.domain.port_roles import SwitchPortRole
from voiceconsole.domain.states import NumberAction, NumberState, Origin, next_state
from voiceconsole.domain.words import counted
from voiceconsole.services.handsets import log_out_numbers, provision_handsets
from voiceconsole.services.lookup import occupier_by_ref, site_by_ref, site_today
from voiceconsole.services.numbers import _reset_features, facts, number_record
from voiceconsole.services.switch_ports import (
    PortOutcome,
    apply_role_change,
    plan_role_change,
)
from voiceconsole.services.transaction import Transaction, jsonable, retried, transaction
from voiceconsole.services.views import View
from voiceconsole.switches.gateway import Gateway

OPEN_PORTING = (PortingState.REQUESTED, PortingState.SUBMITTED, PortingState.AGREED)


@dataclass(frozen=True)
class EndingService(View):
    product: str
    quantity: int
    pending_changes: int  # scheduled changes of it that are removed with it


@dataclass(frozen=True)
class LeavingNumber(View):
    e164: str
    origin: str
    was: str  # its state before: active or reserved
    main: bool
    to: str  # cooldown or port_out
    cooldown_until: dt.date | None = None
    reference: str | None = None  # port-out: the porting order (or the range's note)


@dataclass(frozen=True)
class LoggedOutHandset(View):
    handset: str  # label, else MAC
    numbers: tuple[str, ...]  # E.164


@dataclass(frozen=True)
class FreedPort(View):
    label: str
    switch: str | None  # hostname; None: not patched to a switch
    interface: str | None
    role: str | None  # the role it has now
    to: str  # the site's default role


@dataclass(frozen=True)
class SwitchDiff(View):
    hostname: str
    ports: tuple[str, ...]
    diff: str
    error: str = ""


@dataclass(frozen=True)
class MoveOutPlan(View):
    """What a move-out does (did, or would do if it ran today, when scheduled)."""

    occupier: str
    occupier_name: str
    site: str
    effective_on: dt.date
    today: dt.date
    status: str  # preview, applied, pending (scheduled), cancelled
    default_role: str
    services: tuple[EndingService, ...] = ()
    numbers: tuple[LeavingNumber, ...] = ()
    handsets_logged_out: tuple[LoggedOutHandset, ...] = ()
    handsets_returned: tuple[str, ...] = ()  # handsets back in the operator's stock
    floor_ports: tuple[FreedPort, ...] = ()
    spaces: tuple[str, ...] = ()
    move_out_id: int | None = None
    dry_run: bool = False
    # The switch part: the diff per switch (a preview with a gateway) and, once applied,
    # how each port ended and those left for a retry.
    switches: tuple[SwitchDiff, ...] = ()
    port_outcomes: tuple[PortOutcome, ...] = ()
    ports_left: tuple[str, ...] = ()

    @property
    def scheduled(self) -> bool:
        return self.effective_on > self.today

    @property
    def cooldown(self) -> tuple[LeavingNumber, ...]:
        return tuple(n for n in self.numbers if n.to == NumberState.COOLDOWN.value)

    @property
    def port_out(self) -> tuple[LeavingNumber, ...]:
        return tuple(n for n in self.numbers if n.to == NumberState.PORT_OUT.value)

    @property
    def fingerprint(self) -> str:
        """The database part, for `expect`: what the user confirmed."""
        keep = {
            k: v
            for k, v in jsonable(asdict(self)).items()
            if k in ("occupier", "site", "effective_on", "services", "numbers", "spaces")
            or k in ("handsets_logged_out", "handsets_returned", "floor_ports")
        }
        return hashlib.sha256(json.dumps(keep, sort_keys=True).encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {**jsonable(asdict(self)), "fingerprint": self.fingerprint}

    def summary(self) -> str:
        """The scope in one line (and, once applied, how the switch part ended)."""
        switches = len({p.switch for p in self.floor_ports if p.switch})
        said = (
            f"{counted(len(self.services), 'service')} ending, "
            f"{counted(len(self.cooldown), 'number')} to cooldown, {len(self.port_out)} to "
            f"port out, {counted(len(self.handsets_logged_out), 'handset')} logged out, "
            f"{counted(len(self.floor_ports), 'floor port')} to {self.default_role}"
            + (f" on {counted(switches, 'switch', 'switches')}" if switches else "")
        )
        if self.status == "applied" and self.move_out_id is not None:
            done = sum(p.done for p in self.port_outcomes)
            said += f"; switches: {done} set, {counted(len(self.ports_left), 'port')} left"
        return said

    def lines(self) -> list[str]:
        """What happens, in words, section by section (national numbers)."""
        when = self.effective_on.isoformat()
        verb = "moved" if self.status == "applied" else "moves"
        head = f"{self.occupier_name} {verb} out of {self.site} on {when}"
        if self.status == "pending":
            head += " (scheduled; recomputed when due)"
        elif self.status == "preview" and self.scheduled:
            head += " (as if it ran today; recomputed when due)"
        out = [head, self.summary()]

        def section(title: str, items: list[str]) -> None:
            out.append(f"{title}: none" if not items else f"{title}:")
            out.extend(f"  {item}" for item in items)

        section(
            "Services ending",
            [
                f"{s.product} QTY {s.quantity}"
                + (
                    f" ({counted(s.pending_changes, 'scheduled change')} removed)"
                    if s.pending_changes
                    else ""
                )
                for s in self.services
            ],
        )
        section(
            "Numbers to cooldown",
            [
                f"{national(n.e164)}{' (main)' if n.main else ''} until "
                f"{n.cooldown_until.isoformat() if n.cooldown_until else '?'}"
                for n in self.cooldown
            ],
        )
        section(
            "Numbers to port out (they leave with the occupier)",
            [
                f"{national(n.e164)}{' (main)' if n.main else ''} {n.origin}: {n.reference}"
                for n in self.port_out
            ],
        )
        section(
            "Handsets logged out (provisioning files rewritten)",
            [
                f"{h.handset}: {', '.join(national(e) for e in h.numbers)}"
                for h in self.handsets_logged_out
            ],
        )
        section("Handsets back to the operator's stock", list(self.handsets_returned))
        section(
            f"Floor ports set to {self.default_role}",
            [
                f"{p.label} "
                + (f"on {p.switch} {p.interface}" if p.switch else "(not patched)")
                + f": {p.role or 'no role'} -> {p.to}"
                for p in sorted(self.floor_ports, key=lambda p: (p.switch or "", p.label))
            ],
        )
        section("Spaces no longer let", list(self.spaces))
        out.append(f"Occupancy ends on {when}")
        for switch in self.switches:
            out.append(f"--- {switch.hostname}")
            out.extend((switch.error or switch.diff or "(no change)").splitlines())
        # How the switch part ended comes first, under the summary: it is what to act on.
        ended = [
            f"{port.label} ({port.hostname} {port.interface}): "
            + ("done" if port.done else f"failed: {port.reason}")
            for port in self.port_outcomes
        ]
        if self.ports_left:
            ended.append(
                f"{counted(len(self.ports_left), 'floor port')} left to retry: "
                + ", ".join(self.ports_left)
            )
        return out[:2] + ended + out[2:]


@dataclass
class _Gathered:
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


def _day(effective_on: dt.date | int | None, today: dt.date) -> dt.date:
    if effective_on is None:
        return today
    if isinstance(effective_on, int):
        return today + dt.timedelta(days=effective_on)
    return effective_on


async def _pending_of(session: AsyncSession, holder: Occupier, place: Site) -> MoveOut | None:
    return await session.scalar(
        select(MoveOut).where(
            MoveOut.occupier_id == holder.id,
            MoveOut.site_id == place.id,
            MoveOut.status == ChangeStatus.PENDING,
        )
    )


def _cancel_hint(holder: Occupier, place: Site) -> str:
    return (
        f"cancel it first (voiceconsole occupiers move-out {holder.code} --site {place.code} "
        "--cancel, or f8 in the move-out wizard)"
    )


async def _refusal(
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
    pending = await _pending_of(session, holder, place)
    if pending is not None and (due is None or pending.id != due.id):
        raise Conflict(
            f"a move-out of {holder.name} from {place.code} is already scheduled for "
            f"{pending.effective_on.isoformat()}; " + _cancel_hint(holder, place)
        )
    order = await session.scalar(
        select(PortingOrder)
        .where(
            PortingOrder.occupier_id == holder.id,
            PortingOrder.site_id == place.id,
            PortingOrder.state.in_(OPEN_PORTING),
        )
        .order_by(PortingOrder.id)
    )
    if order is not None:
        raise RuleViolation(
            f"{holder.name} has an open port-in order at {place.code} ({order.state.value}): "
            f"cancel port-in order #{order.id} with the losing carrier first"
        )


async def _gather(
    session: AsyncSession, holder: Occupier, place: Site, occ: Occupancy
) -> _Gathered:
    found = _Gathered(holder, place, occ)
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


async def _references(session: AsyncSession, numbers: list[PhoneNumber]) -> dict[int, str]:
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


async def _plan(
    session: AsyncSession, found: _Gathered, day: dt.date, today: dt.date, status: str
) -> MoveOutPlan:
    place = found.place
    pending = {}
    for change in found.changes:
        if change.status is ChangeStatus.PENDING:
            pending[change.assignment_id] = pending.get(change.assignment_id, 0) + 1
    refs = await _references(session, [n for n in found.numbers if n.origin is not Origin.POOL])
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


def _before(found: _Gathered) -> dict[str, Any]:
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


async def _carry_out(tx: Transaction, found: _Gathered, day: dt.date) -> list[int]:
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
            _reset_features(number)
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


def _ports_left(found: _Gathered, role: SwitchPortRole) -> list[dict[str, Any]]:
    return [
        {"floor_port_id": p.id, "label": p.label, "role": role.value, "error": "not set yet"}
        for p in found.ports
        if p.switch_port_id is not None
    ]


async def _who_where(session: AsyncSession, occupier: str, site: str):  # type: ignore[no-untyped-def]
    holder = await occupier_by_ref(session, occupier)
    place = await site_by_ref(session, site)
    occupancy = await session.scalar(
        select(Occupancy)
        .where(Occupancy.occupier_id == holder.id, Occupancy.site_id == place.id)
        .with_for_update()
    )
    return holder, place, occupancy


async def move_out(
    db: Database,
    actor: str,
    *,
    occupier: str,
    site: str,
    effective_on: dt.date | int | None = None,
    dry_run: bool = False,
    expect: str | None = None,
    gateway: Gateway | None = None,
) -> MoveOutPlan:
    """Move an occupier out of a site, today (at once) or on a later date (scheduled).

    `effective_on`: a date, or days from today at the site; None is today. A dry run returns
    the preview (a scheduled one: as if it ran today) and writes nothing; with a `gateway`
    it carries each switch's diff for the freed floor ports. `expect`: the preview's
    `fingerprint`; if the plan has changed since, nothing is written and Conflict says so.
    Applied now, the switch part follows the commit when a `gateway` is given; without one,
    every patched floor port is left for `retry_move_out_ports`.
    """
    plan, handsets, patched, role = await _move_out_db(
        db, actor, occupier, site, effective_on, dry_run=dry_run, expect=expect
    )
    if dry_run:
        if gateway is not None and patched:
            plan = replace(plan, switches=await _switch_preview(db, gateway, patched, role))
        return plan
    if plan.status != "applied":
        return plan
    await provision_handsets(db, handsets)
    if gateway is not None and plan.ports_left:
        plan = await _finish(db, gateway, actor, plan)
    return plan


@retried
async def _move_out_db(
    db: Database,
    actor: str,
    occupier: str,
    site: str,
    effective_on: dt.date | int | None,
    *,
    dry_run: bool,
    expect: str | None,
) -> tuple[MoveOutPlan, list[int], list[int], SwitchPortRole]:
    """The database part of `move_out`, alone so that a retry after contention never
    repeats the work after its commit; the plan, the handsets to provision again, the
    patched floor ports and the site's default role."""
    handsets: list[int] = []
    async with transaction(db, actor, dry_run=dry_run) as tx:
        holder, place, occupancy = await _who_where(tx.session, occupier, site)
        today = site_today(place)
        day = _day(effective_on, today)
        await _refusal(tx.session, holder, place, occupancy, day, today)
        found = await _gather(tx.session, holder, place, occupancy)
        status = "preview" if dry_run else ("pending" if day > today else "applied")
        plan = await _plan(tx.session, found, day, today, status)
        if expect is not None and expect != plan.fingerprint:
            raise Conflict(
                f"what moving {holder.name} out of {place.code} does has changed since the "
                "preview (a colleague changed its numbers, services or ports meanwhile); "
                "nothing was changed: check the new preview"
            )
        plan = replace(plan, dry_run=dry_run)
        patched = [p.id for p in found.ports if p.switch_port_id is not None]
        role = place.default_port_role
        if dry_run:
            tx.no_change()
        elif day > today:
            row = MoveOut(
                occupier_id=holder.id,
                site_id=place.id,
                effective_on=day,
                status=ChangeStatus.PENDING,
                created_by=tx.actor,
            )
            tx.session.add(row)
            await tx.session.flush()
            plan = replace(plan, move_out_id=row.id)
            tx.audit(
                "occupiers.move_out_scheduled",
                f"scheduled the move-out of {holder.code} from {place.code} on {day.isoformat()}",
                site_id=place.id,
                occupier_id=holder.id,
                after={"move_out_id": row.id, "effective_on": day},
            )
        else:
            plan, handsets = await _apply(tx, found, plan, None)
    return plan, handsets, patched, role


async def _apply(
    tx: Transaction, found: _Gathered, plan: MoveOutPlan, row: MoveOut | None
) -> tuple[MoveOutPlan, list[int]]:
    """Carry out the plan and journal it; `row` is the pending move-out when it fell due."""
    before = _before(found)
    handsets = await _carry_out(tx, found, plan.effective_on)
    left = _ports_left(found, found.place.default_port_role)
    if row is None:
        row = MoveOut(
            occupier_id=found.holder.id,
            site_id=found.place.id,
            effective_on=plan.effective_on,
            created_by=tx.actor,
        )
        tx.session.add(row)
    row.status = ChangeStatus.APPLIED
    row.applied_at = utcnow()
    row.ports_left = left
    await tx.session.flush()
    plan = replace(
        plan, status="applied", move_out_id=row.id, ports_left=tuple(p["label"] for p in left)
    )
    tx.audit(
        "occupiers.move_out",
        f"moved {found.holder.code} out of {found.place.code} on "
        f"{plan.effective_on.isoformat()}: {counted(len(plan.services), 'service')} ended, "
        f"{counted(len(plan.cooldown), 'number')} to cooldown, {len(plan.port_out)} to port out, "
        f"{counted(len(plan.floor_ports), 'floor port')} freed",
        site_id=found.place.id,
        occupier_id=found.holder.id,
        before=before,
        after=plan,
    )
    return plan, handsets


async def _switch_preview(
    db: Database, gateway: Gateway, ids: list[int], role: SwitchPortRole
) -> tuple[SwitchDiff, ...]:
    role_plan = await plan_role_change(db, gateway, ids, role, vacated=True)
    return tuple(
        SwitchDiff(s.target.hostname, tuple(p.label for p in s.ports), s.diff, s.error)
        for s in role_plan.switches
    ) + tuple(SwitchDiff("", (label,), "", why) for label, why in role_plan.refused)


async def _finish(db: Database, gateway: Gateway, actor: str, plan: MoveOutPlan) -> MoveOutPlan:
    """The switch part of an applied move-out: the ports left get the site's default role."""
    assert plan.move_out_id is not None
    async with db.read() as session:
        row = await session.get_one(MoveOut, plan.move_out_id)
        place = await session.get_one(Site, row.site_id)
        left = list(row.ports_left or [])
        # A port let to somebody else since (or taken by the operator) is theirs now.
        free = set(
            await session.scalars(
                select(FloorPort.id).where(
                    FloorPort.id.in_([p["floor_port_id"] for p in left]),
                    FloorPort.occupier_id.is_(None),
                    FloorPort.operator_use.is_(False),
                )
            )
        )
    todo = [p for p in left if p["floor_port_id"] in free]
    role = place.default_port_role
    outcomes: list[PortOutcome] = []
    if todo:
        role_plan = await plan_role_change(
            db, gateway, [p["floor_port_id"] for p in todo], role, actor=actor
        )
        if role_plan.ready:
            outcomes = list((await apply_role_change(db, gateway, actor, role_plan)).ports)
        else:
            outcomes = [
                PortOutcome(p.label, s.target.hostname, p.change.interface, False, s.error)
                for s in role_plan.switches
                for p in s.ports
            ] + [PortOutcome(label, "", "", False, why) for label, why in role_plan.refused]
    failed = {o.label: o for o in outcomes if not o.done}
    still = [
        {**p, "role": role.value, "error": failed[p["label"]].reason}
        for p in todo
        if p["label"] in failed
    ]
    async with transaction(db, actor) as tx:
        row = await tx.session.get_one(MoveOut, plan.move_out_id, with_for_update=True)
        row.ports_left = still or None
        tx.only_bookkeeping()  # the switch work journals itself (ports.role)
    return replace(
        plan,
        port_outcomes=tuple(sorted(outcomes, key=lambda o: o.label)),
        ports_left=tuple(p["label"] for p in still),
    )


async def _applied_with_ports_left(session: AsyncSession, holder: Occupier, place: Site) -> MoveOut:
    row = await session.scalar(
        select(MoveOut)
        .where(
            MoveOut.occupier_id == holder.id,
            MoveOut.site_id == place.id,
            MoveOut.status == ChangeStatus.APPLIED,
        )
        .order_by(MoveOut.id.desc())
    )
    if row is None or not row.ports_left:
        raise RuleViolation(
            f"no floor ports of {holder.name}'s move-out from {place.code} are left to set"
        )
    return row


async def retry_move_out_ports(
    db: Database, gateway: Gateway, actor: str, *, occupier: str, site: str
) -> MoveOutPlan:
    """Set the site's default role again on the floor ports a switch did not take when the
    occupier moved out; those that take it are cleared from the list."""
    async with db.read() as session:
        holder = await occupier_by_ref(session, occupier)
        place = await site_by_ref(session, site)
        row = await _applied_with_ports_left(session, holder, place)
        plan = MoveOutPlan(
            occupier=holder.code,
            occupier_name=holder.name,
            site=place.code,
            effective_on=row.effective_on,
            today=site_today(place),
            status="applied",
            default_role=place.default_port_role.value,
            move_out_id=row.id,
            ports_left=tuple(p["label"] for p in row.ports_left or []),
        )
    return await _finish(db, gateway, actor, plan)


@retried
async def cancel_move_out(db: Database, actor: str, *, occupier: str, site: str) -> MoveOutPlan:
    """Cancel a scheduled move-out: only its status changes (and the journal says so)."""
    async with transaction(db, actor) as tx:
        holder = await occupier_by_ref(tx.session, occupier)
        place = await site_by_ref(tx.session, site)
        row = await tx.session.scalar(
            select(MoveOut)
            .where(
                MoveOut.occupier_id == holder.id,
                MoveOut.site_id == place.id,
                MoveOut.status == ChangeStatus.PENDING,
            )
            .with_for_update()
        )
        if row is None:
            raise NotFound(f"no move-out of {holder.name} from {place.code} is scheduled")
        row.status = ChangeStatus.CANCELLED
        tx.audit(
            "occupiers.move_out_cancelled",
            f"cancelled the move-out of {holder.code} from {place.code} on "
            f"{row.effective_on.isoformat()}",
            site_id=place.id,
            occupier_id=holder.id,
            before={"move_out_id": row.id, "status": "pending"},
            after={"move_out_id": row.id, "status": "cancelled"},
        )
        return MoveOutPlan(
            occupier=holder.code,
            occupier_name=holder.name,
            site=place.code,
            effective_on=row.effective_on,
            today=site_today(place),
            status="cancelled",
            default_role=place.default_port_role.value,
            move_out_id=row.id,
        )


@dataclass(frozen=True)
class MoveOutState(View):
    """An occupier's move-out from a site as it stands: pending, or applied with ports left."""

    move_out_id: int
    status: str
    effective_on: dt.date
    ports_left: tuple[str, ...]


async def move_out_state(db: Database, *, occupier: str, site: str) -> MoveOutState | None:
    """The pending move-out, else the last applied one, else None."""
    async with db.read() as session:
        holder = await occupier_by_ref(session, occupier)
        place = await site_by_ref(session, site)
        rows = list(
            await session.scalars(
                select(MoveOut)
                .where(MoveOut.occupier_id == holder.id, MoveOut.site_id == place.id)
                .where(MoveOut.status != ChangeStatus.CANCELLED)
                .order_by(MoveOut.id.desc())
            )
        )
    row = next((r for r in rows if r.status is ChangeStatus.PENDING), rows[0] if rows else None)
    if row is None:
        return None
    return MoveOutState(
        row.id,
        row.status.value,
        row.effective_on,
        tuple(p["label"] for p in row.ports_left or []),
    )


async def apply_due_move_outs(
    db: Database,
    actor: str,
    due_by: Callable[[Site], dt.date],
    *,
    gateway: Gateway | None = None,
) -> tuple[list[MoveOutPlan], list[dict[str, Any]]]:
    """Apply the scheduled move-outs due by `due_by` of their site, each as its own action;
    one refused now (a port-in order opened since) stays pending and is reported."""
    async with db.read() as session:
        rows = (
            await session.execute(
                select(MoveOut.id, Site)
                .join(Site, Site.id == MoveOut.site_id)
                .where(MoveOut.status == ChangeStatus.PENDING)
                .order_by(MoveOut.effective_on, MoveOut.id)
            )
        ).all()
    # Whether each is due is decided again under its lock (_apply_due_one).
    due = [move_out_id for move_out_id, place in rows if move_out_id and place]
    applied, held_back = [], []
    for move_out_id in due:
        try:
            plan, handsets = await _apply_due_one(db, actor, move_out_id, due_by)
        except (RuleViolation, InvalidInput, Conflict) as err:
            held_back.append({"move_out_id": move_out_id, "reason": str(err)})
            continue
        if plan is None:
            continue
        await provision_handsets(db, handsets)
        if gateway is not None and plan.ports_left:
            plan = await _finish(db, gateway, actor, plan)
        applied.append(plan)
    return applied, held_back


@retried
async def _apply_due_one(
    db: Database, actor: str, move_out_id: int, due_by: Callable[[Site], dt.date]
) -> tuple[MoveOutPlan | None, list[int]]:
    async with transaction(db, actor) as tx:
        row = await tx.session.get_one(MoveOut, move_out_id, with_for_update=True)
        place = await tx.session.get_one(Site, row.site_id)
        if row.status is not ChangeStatus.PENDING or row.effective_on > due_by(place):
            tx.no_change()
            return None, []
        holder = await tx.session.get_one(Occupier, row.occupier_id)
        _, _, occupancy = await _who_where(tx.session, holder.code, place.code)
        day = row.effective_on
        # Due on a day already past (the console was closed): it still ends on its own date.
        await _refusal(tx.session, holder, place, occupancy, day, min(day, due_by(place)), due=row)
        found = await _gather(tx.session, holder, place, occupancy)
        plan = await _plan(tx.session, found, day, site_today(place), "applied")
        return await _apply(tx, found, plan, row)
