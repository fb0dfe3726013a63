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
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    ChangeStatus,
    FloorPort,
    MoveOut,
    Occupancy,
    Occupier,
    Site,
    utcnow,
)
from voiceconsole.domain.errors import Conflict, InvalidInput, NotFound, RuleViolation
from voiceconsole.domain.port_roles import SwitchPortRole
from voiceconsole.domain.words import counted
from voiceconsole.services.handsets import provision_handsets
from voiceconsole.services.lookup import occupier_by_ref, site_by_ref, site_today
from voiceconsole.services.move_out_plan import MoveOutPlan, MoveOutState, SwitchDiff
from voiceconsole.services.move_out_rows import (
    Gathered,
    carry_out,
    check_move_out,
    gather,
    journal_before,
    move_out_day,
    plan_of,
    ports_to_set,
)
from voiceconsole.services.permissions import Permission, requires
from voiceconsole.services.switch_ports import (
    PortOutcome,
    apply_role_change,
    plan_role_change,
)
from voiceconsole.services.transaction import Transaction, retried, transaction
from voiceconsole.switches.gateway import Gateway


async def _who_where(session: AsyncSession, occupier: str, site: str):  # type: ignore[no-untyped-def]
    holder = await occupier_by_ref(session, occupier)
    place = await site_by_ref(session, site)
    occupancy = await session.scalar(
        select(Occupancy)
        .where(Occupancy.occupier_id == holder.id, Occupancy.site_id == place.id)
        .with_for_update()
    )
    return holder, place, occupancy


@requires(Permission.SERVICES)
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
        day = move_out_day(effective_on, today)
        await check_move_out(tx.session, holder, place, occupancy, day, today)
        found = await gather(tx.session, holder, place, occupancy)
        status = "preview" if dry_run else ("pending" if day > today else "applied")
        plan = await plan_of(tx.session, found, day, today, status)
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
    tx: Transaction, found: Gathered, plan: MoveOutPlan, row: MoveOut | None
) -> tuple[MoveOutPlan, list[int]]:
    """Carry out the plan and journal it; `row` is the pending move-out when it fell due."""
    before = journal_before(found)
    handsets = await carry_out(tx, found, plan.effective_on)
    left = ports_to_set(found, found.place.default_port_role)
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


@requires(Permission.SERVICES)
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


@requires(Permission.SERVICES)
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


@requires(Permission.SERVICES)
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
                select(MoveOut.id, MoveOut.effective_on, Site)
                .join(Site, Site.id == MoveOut.site_id)
                .where(MoveOut.status == ChangeStatus.PENDING)
                .order_by(MoveOut.effective_on, MoveOut.id)
            )
        ).all()
    # Only those due open a write; each is checked again under its lock (_apply_due_one).
    due = [move_out_id for move_out_id, on, place in rows if on <= due_by(place)]
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
        await check_move_out(
            tx.session, holder, place, occupancy, day, min(day, due_by(place)), due=row
        )
        found = await gather(tx.session, holder, place, occupancy)
        plan = await plan_of(tx.session, found, day, site_today(place), "applied")
        return await _apply(tx, found, plan, row)
