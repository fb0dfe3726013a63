"""Voice services: add (with the first-time automation), schedule quantity changes, apply them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import case, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    ChangeStatus,
    Occupier,
    PhoneNumber,
    Product,
    ScheduledChange,
    ServiceAssignment,
    Site,
    utcnow,
)
from voiceconsole.domain.allocation import (
    MAX_QUANTITY,
    automation_skip_reason,
    batch_shape,
    describe_batch,
)
from voiceconsole.domain.errors import Conflict, InvalidInput, NotFound, RuleViolation
from voiceconsole.domain.phone import value_of
from voiceconsole.domain.states import MainNumberPolicy, NumberState
from voiceconsole.domain.words import counted
from voiceconsole.services.holdings import holdings
from voiceconsole.services.lookup import (
    occupancy_of,
    occupier_by_ref,
    ref_id,
    site_by_ref,
    site_today,
    site_today_in,
)
from voiceconsole.services.move_outs import apply_due_move_outs
from voiceconsole.services.numbers import recycle_due_numbers
from voiceconsole.services.permissions import Permission, requires
from voiceconsole.services.pool import take_from_pool, waits_for_numbers_in_flight
from voiceconsole.services.transaction import Transaction, retried, transaction
from voiceconsole.services.views import ChangeView, ServiceView, View
from voiceconsole.services.voice_account import voice_account


def check_quantity(value: Any, *, allow_zero: bool = False) -> int:
    try:
        quantity = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"the quantity must be a whole number, not {value!r}") from None
    low = 0 if allow_zero else 1
    if not low <= quantity <= MAX_QUANTITY:
        raise InvalidInput(
            f"the quantity must be between {low} and {MAX_QUANTITY:,}, not {quantity}"
        )
    return quantity


@dataclass(frozen=True)
class AddServicesResult(View):
    """What adding a service did (or, in a dry run, would do)."""

    occupier: str
    site: str
    product: str
    quantity: int
    automation: str  # "applied" or "skipped"
    reason: str | None  # why the automation was skipped
    batch_size: int  # numbers allocated by the automation (0 when skipped)
    arithmetic: str | None  # the batch arithmetic in words
    main_number: str | None  # E.164; the main number is active and uses no voice service
    activated: list[str] = field(default_factory=list)  # E.164, each using one voice service
    spare: list[str] = field(default_factory=list)  # E.164, reserved for the occupier
    allocated: list[str] = field(default_factory=list)  # all of the above
    dry_run: bool = False

    def lines(self) -> list[str]:
        """A short human account, national format."""
        head = f"{self.product} QTY {self.quantity} for {self.occupier} at {self.site}"
        if self.automation == "skipped":
            return [head, f"automation skipped: {self.reason}"]
        lines = describe_batch(self.main_number, self.activated, self.spare)
        return [head, f"automation applied: {self.arithmetic}", *(f"  {line}" for line in lines)]


@requires(Permission.SERVICES)
@retried
@waits_for_numbers_in_flight
async def add_services(
    db: Database,
    actor: str,
    *,
    occupier: str,
    site: str,
    product: str,
    quantity: int,
    dry_run: bool = False,
    expect: Sequence[str] | None = None,
) -> AddServicesResult:
    """Add a voice service; the first one for an occupier at a site runs the automation.

    `expect`: the numbers a preview (dry run) showed. If the pool has changed since and
    other numbers would be allocated, nothing is written and `Conflict` says so; the
    console uses this so that what the user confirmed is exactly what happens.

    First time = no voice service and no numbers at the site yet (domain.md). Then numbers
    are picked from the pool, the main number nominated, QTY numbers activated, the rest kept
    as spares. A short pool refuses the whole action (on PostgreSQL, after a moment's wait
    when colleagues' allocations in flight hold the numbers). Otherwise the service is only
    recorded.
    """
    quantity = check_quantity(quantity)
    async with transaction(db, actor, dry_run=dry_run) as tx:
        account = await voice_account(tx.session, occupier=occupier, site=site, product=product)
        place, holder, item, held = account.site, account.occupier, account.product, account.held
        if account.assignment is not None:
            raise Conflict(
                f"{holder.name} already has {item.code} at {place.code}; change its quantity "
                "with a scheduled change instead"
            )
        reason = automation_skip_reason(held.voice_quantity, held.allocated, held.porting_in)
        result = AddServicesResult(
            occupier=holder.code,
            site=place.code,
            product=item.code,
            quantity=quantity,
            automation="skipped",
            reason=reason,
            batch_size=0,
            arithmetic=None,
            main_number=None,
            dry_run=dry_run,
        )
        if reason is None:
            result = await _first_time(tx, place, holder, result)
        if expect is not None and sorted(expect) != sorted(result.allocated):
            raise Conflict(
                f"the {place.code} pool changed since the preview (a colleague allocated "
                "numbers meanwhile); nothing was changed: check the new preview"
            )
        connection = await tx.session.connection()
        await connection.execute(
            insert(ServiceAssignment.__table__).values(
                occupier_id=holder.id,
                site_id=place.id,
                product_id=item.id,
                quantity=quantity,
                start_date=site_today(place),
                created_at=utcnow(),
            )
        )
        tx.audit(
            "services.add",
            f"added {item.code} QTY {quantity} for {holder.code} at {place.code}; automation "
            + (
                f"applied: {counted(len(result.allocated), 'number')} allocated"
                if reason is None
                else "skipped"
            ),
            site_id=place.id,
            occupier_id=holder.id,
            before={"voice_quantity": held.voice_quantity, "allocated_numbers": held.allocated},
            after=result.to_dict(),
        )
    return result


async def _first_time(
    tx: Transaction, place: Site, holder: Occupier, result: AddServicesResult
) -> AddServicesResult:
    # The first time, the occupier holds no numbers there, so it has no main number yet.
    shape = batch_shape(
        place.country, result.quantity, with_main=place.main_number_policy is MainNumberPolicy.AUTO
    )
    pick = await take_from_pool(tx.session, place, shape, lock=not result.dry_run)
    activated, spare = pick.split(shape.quantity)
    # One statement for the batch; the state guard refuses numbers taken meanwhile.
    outcome = await tx.session.execute(
        update(PhoneNumber)
        .where(PhoneNumber.e164.in_(pick.all), PhoneNumber.state == NumberState.AVAILABLE)
        .values(
            occupier_id=holder.id,
            state=case(
                (PhoneNumber.e164.in_(spare), NumberState.RESERVED.value),
                else_=NumberState.ACTIVE.value,
            ),
            is_main=PhoneNumber.e164 == pick.main if pick.main else False,
        )
        .execution_options(synchronize_session=False)
    )
    if outcome.rowcount != shape.batch_size:  # type: ignore[attr-defined]
        # Cannot happen while the rows are locked; refuse rather than give a number twice.
        raise Conflict(
            "some of the picked numbers were taken meanwhile; nothing was changed, try again"
        )
    return replace(
        result,
        automation="applied",
        batch_size=shape.batch_size,
        arithmetic=shape.describe(),
        main_number=pick.main,
        activated=list(activated),
        spare=list(spare),
        allocated=sorted(pick.all, key=value_of),
    )


async def _assignment(
    session: AsyncSession, occupier: str, site: str, product: str
) -> tuple[ServiceAssignment, Occupier, Site, Product]:
    account = await voice_account(session, occupier=occupier, site=site, product=product)
    if account.assignment is None:
        raise RuleViolation(
            f"{account.occupier.name} has no {account.product.code} at {account.site.code}; "
            "add the service first"
        )
    return account.assignment, account.occupier, account.site, account.product


async def _decrease_refusal(
    session: AsyncSession,
    assignment: ServiceAssignment,
    new_quantity: int,
    holder: Occupier,
    place: Site,
) -> str | None:
    """Why the quantity may not drop to `new_quantity` now, or None."""
    held = await holdings(session, holder.id, place.id)
    total_after = held.voice_quantity - assignment.quantity + new_quantity
    if total_after >= held.active:
        return None
    return (
        f"{holder.name} has {counted(held.active, 'active number')} at {place.code}; voice "
        f"services would drop to QTY {total_after}: deactivate "
        f"{counted(held.active - total_after, 'number')} first"
    )


def _change_view(
    change: ScheduledChange, holder: Occupier, place: Site, item: Product
) -> ChangeView:
    return ChangeView(
        change.id,
        holder.code,
        place.code,
        item.code,
        change.new_quantity,
        change.effective_on,
        change.status.value,
        change.note,
    )


@requires(Permission.SERVICES)
@retried
async def schedule_change(
    db: Database,
    actor: str,
    *,
    occupier: str,
    site: str,
    product: str,
    quantity: int,
    effective_on: dt.date | int,
) -> ChangeView:
    """Schedule a quantity change of an existing service; one due today is applied at once.

    `effective_on` is a date, or a number of days from today at the site (its own calendar).

    A decrease below the numbers already active is refused: deactivate numbers first.
    No numbers are allocated: this is an upgrade, not a first-time service (domain.md).
    """
    quantity = check_quantity(quantity, allow_zero=True)
    async with transaction(db, actor) as tx:
        assignment, holder, place, item = await _assignment(tx.session, occupier, site, product)
        today = site_today(place)
        if isinstance(effective_on, int):
            effective_on = today + dt.timedelta(days=effective_on)
        if effective_on < today:
            raise InvalidInput(
                f"the effective date {effective_on.isoformat()} is in the past at {place.code} "
                f"(today is {today.isoformat()})"
            )
        if quantity == assignment.quantity:
            raise InvalidInput(
                f"{item.code} is already QTY {quantity} for {holder.name} at {place.code}"
            )
        refusal = await _decrease_refusal(tx.session, assignment, quantity, holder, place)
        if refusal:
            raise RuleViolation(f"cannot reduce to QTY {quantity}: {refusal}")
        change = ScheduledChange(
            assignment_id=assignment.id,
            new_quantity=quantity,
            effective_on=effective_on,
            status=ChangeStatus.PENDING,
            created_by=tx.actor,
            note="",
        )
        tx.session.add(change)
        before = {"quantity": assignment.quantity}
        if effective_on == today:
            _apply(change, assignment)
        await tx.session.flush()
        view = _change_view(change, holder, place, item)
        tx.audit(
            "services.schedule",
            f"{item.code} for {holder.code} at {place.code}: "
            f"QTY {before['quantity']} -> {quantity} "
            f"on {effective_on.isoformat()}"
            + (" (applied)" if change.status is ChangeStatus.APPLIED else ""),
            site_id=place.id,
            occupier_id=holder.id,
            before=before,
            after=view,
        )
        return view


def _apply(change: ScheduledChange, assignment: ServiceAssignment) -> None:
    assignment.quantity = change.new_quantity
    change.status = ChangeStatus.APPLIED
    change.applied_at = utcnow()


@requires(Permission.SERVICES)
@retried
async def cancel_change(db: Database, actor: str, change_id: int) -> ChangeView:
    async with transaction(db, actor) as tx:
        # Locked: a change being applied or cancelled elsewhere is seen as it ends up.
        query = _changes_query().where(ScheduledChange.id == ref_id(change_id))
        row = (await tx.session.execute(query.with_for_update(of=ScheduledChange))).one_or_none()
        if row is None:
            raise NotFound(f"there is no scheduled change {change_id}")
        change, holder, place, item = row
        if change.status is not ChangeStatus.PENDING:
            raise RuleViolation(
                f"scheduled change {change_id} is {change.status.value}, not pending"
            )
        change.status = ChangeStatus.CANCELLED
        view = _change_view(change, holder, place, item)
        tx.audit(
            "services.cancel_change",
            f"cancelled the change of {item.code} for {holder.code} at {place.code} to QTY "
            f"{change.new_quantity} on {change.effective_on.isoformat()}",
            site_id=place.id,
            occupier_id=holder.id,
            before={"status": "pending"},
            after=view,
        )
        return view


def _changes_query() -> Any:
    return (
        select(ScheduledChange, Occupier, Site, Product)
        .join(ServiceAssignment, ServiceAssignment.id == ScheduledChange.assignment_id)
        .join(Occupier, Occupier.id == ServiceAssignment.occupier_id)
        .join(Site, Site.id == ServiceAssignment.site_id)
        .join(Product, Product.id == ServiceAssignment.product_id)
    )


@dataclass(frozen=True)
class DueReport(View):
    applied: list[ChangeView]
    held_back: list[dict[str, Any]]  # {"change": ChangeView, "reason": str}
    recycled: list[str]  # numbers back in their pools after cooldown
    until: dt.date | None = None  # nothing due after this date was applied
    # Scheduled move-outs applied (services/move_outs.py), and those refused when due.
    moved_out: list[Any] = field(default_factory=list)
    move_outs_held_back: list[dict[str, Any]] = field(default_factory=list)


@requires(Permission.SERVICES)
async def apply_due(
    db: Database,
    actor: str,
    *,
    until: dt.date | None = None,
    now: dt.datetime | None = None,
    gateway: Any = None,
) -> DueReport:
    """Apply the scheduled changes that are due and return cooled-down numbers to their pools.

    'Due' follows each site's own calendar (its time zone). `until` holds back what falls due
    after that date; it cannot bring anything forward, so it may not be later than today.
    `now` stands in for the clock (tests, simulations). A decrease that would leave more
    numbers active than services stays pending and is reported with the reason.
    """
    async with transaction(db, actor) as tx:
        latest = await _latest_site_today(tx.session, now)
        if until is not None and latest is not None and until > latest:
            raise InvalidInput(
                f"{until.isoformat()} is later than today ({latest.isoformat()}); due changes "
                "and cooldowns cannot be brought forward"
            )

        def due_by(place: Site) -> dt.date:
            today = site_today(place, now)
            return min(today, until) if until else today

        rows = (
            await tx.session.execute(
                _changes_query()
                .where(ScheduledChange.status == ChangeStatus.PENDING)
                .where(ScheduledChange.effective_on <= (latest or dt.date.max))
                .order_by(ScheduledChange.effective_on, ScheduledChange.id)
                .with_for_update(of=ScheduledChange)
            )
        ).all()
        applied, held_back = [], []
        subjects: set[tuple[int | None, int | None]] = set()
        for change, holder, place, item in rows:
            if change.effective_on > due_by(place):
                continue
            subjects.add((place.id, holder.id))
            await occupancy_of(tx.session, holder, place, lock=True)
            assignment = await tx.session.get_one(
                ServiceAssignment, change.assignment_id, populate_existing=True
            )
            refusal = await _decrease_refusal(
                tx.session, assignment, change.new_quantity, holder, place
            )
            if refusal:
                held_back.append(
                    {"change": _change_view(change, holder, place, item), "reason": refusal}
                )
                continue
            _apply(change, assignment)
            await tx.session.flush()
            applied.append(_change_view(change, holder, place, item))
        recycled = await recycle_due_numbers(tx, due_by)
        subjects |= {(n.site_id, None) for n in recycled}
        report = DueReport(applied, held_back, [n.e164 for n in recycled], until)
        if applied or recycled:
            tx.audit(
                "services.apply_due",
                f"applied {counted(len(applied), 'scheduled change')}, "
                f"returned {counted(len(recycled), 'number')} to pools"
                + (f", held back {len(held_back)}" if held_back else "")
                + (f" (due by {until.isoformat()})" if until else ""),
                subjects=subjects,
                after=report,
            )
        else:
            tx.no_change()
    moved, held = await apply_due_move_outs(db, actor, due_by, gateway=gateway)
    return replace(report, moved_out=moved, move_outs_held_back=held)


async def _latest_site_today(session: AsyncSession, now: dt.datetime | None) -> dt.date | None:
    """The latest 'today' among the sites' time zones."""
    zones = await session.scalars(select(Site.timezone).distinct())
    days = [site_today_in(zone, now) for zone in zones]
    return max(days) if days else None


async def list_services(
    db: Database, *, occupier: str | None = None, site: str | None = None
) -> list[ServiceView]:
    async with db.read() as session:
        query = (
            select(ServiceAssignment, Occupier, Site, Product)
            .join(Occupier, Occupier.id == ServiceAssignment.occupier_id)
            .join(Site, Site.id == ServiceAssignment.site_id)
            .join(Product, Product.id == ServiceAssignment.product_id)
            .order_by(Site.code, Occupier.code, Product.code)
        )
        if occupier:
            query = query.where(Occupier.id == (await occupier_by_ref(session, occupier)).id)
        if site:
            query = query.where(Site.id == (await site_by_ref(session, site)).id)
        rows = (await session.execute(query)).all()
        pending: dict[int, list[ChangeView]] = {}
        if rows:
            for change, holder, place, item in await session.execute(
                _changes_query()
                .where(ScheduledChange.status == ChangeStatus.PENDING)
                .where(ScheduledChange.assignment_id.in_([r[0].id for r in rows]))
                .order_by(ScheduledChange.effective_on, ScheduledChange.id)
            ):
                pending.setdefault(change.assignment_id, []).append(
                    _change_view(change, holder, place, item)
                )
    return [
        ServiceView(
            a.id,
            o.code,
            s.code,
            p.code,
            p.name,
            a.quantity,
            a.start_date,
            tuple(pending.get(a.id, ())),
        )
        for a, o, s, p in rows
    ]
