"""Port-in orders: numbers an occupier brings from another carrier (domain.porting).

An open order's numbers are in the inventory already, held for the occupier in state
`porting_in`: the allocation engine picks only available pool numbers, so nobody else can be
given them, and adding services for the occupier skips the first-time automation (they are
its special numbers). Completing the order makes them the occupier's (reserved, origin
ported). Rejecting or cancelling it takes them out of the inventory again, with their
number ranges (a site's figures are the sizes of its ranges); the order keeps the list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    NumberRange,
    Occupier,
    PhoneNumber,
    PortingOrder,
    Site,
    utcnow,
)
from voiceconsole.domain.errors import Conflict, InvalidInput, NotFound
from voiceconsole.domain.phone import NumberBlock, national, value_of
from voiceconsole.domain.porting import (
    OPEN,
    PortingState,
    blocks_from_text,
    blocks_text,
    check_move,
    due_date,
    lateness,
    next_step,
    parse_numbers,
)
from voiceconsole.domain.states import NumberState, Origin
from voiceconsole.domain.text import clean_text
from voiceconsole.domain.words import counted
from voiceconsole.services.lookup import (
    occupancy_of,
    occupier_by_ref,
    ref_id,
    site_by_ref,
    site_today,
)
from voiceconsole.services.permissions import Permission, requires
from voiceconsole.services.transaction import reading, retried, transaction
from voiceconsole.services.views import View


@dataclass(frozen=True)
class PortInView(View):
    """A port-in order as lists and commands show it."""

    id: int
    site: str
    occupier: str
    occupier_name: str
    losing_carrier: str
    account_ref: str
    requested_on: dt.date
    agreed_on: dt.date | None
    due_on: dt.date  # the agreed date, else the requested one
    state: str
    reason: str
    numbers: list[str]  # E.164 blocks: "+442079460500-+442079460509" or one number
    number_count: int
    late: str | None  # why an open order is late, None when it is not
    created_by: str
    created_at: dt.datetime
    closed_at: dt.datetime | None

    @property
    def numbers_text(self) -> str:
        """The numbers in national form, ranges as 'first - last'."""
        return ", ".join(str(b) for b in blocks_from_text(",".join(self.numbers)))

    @property
    def is_open(self) -> bool:
        return self.state in OPEN


def _view(order: PortingOrder, site: Site, occupier: Occupier, today: dt.date) -> PortInView:
    return PortInView(
        id=order.id,
        site=site.code,
        occupier=occupier.code,
        occupier_name=occupier.name,
        losing_carrier=order.losing_carrier,
        account_ref=order.account_ref,
        requested_on=order.requested_on,
        agreed_on=order.agreed_on,
        due_on=due_date(order.requested_on, order.agreed_on),
        state=order.state.value,
        reason=order.reason,
        numbers=[b for b in order.numbers.split(",") if b],
        number_count=order.number_count,
        late=lateness(order.state, order.requested_on, order.agreed_on, today),
        created_by=order.created_by,
        created_at=order.created_at,
        closed_at=order.closed_at,
    )


def _requested_date(value: dt.date | int, today: dt.date, site: Site) -> dt.date:
    day = today + dt.timedelta(days=value) if isinstance(value, int) else value
    if day < today:
        raise InvalidInput(
            f"the requested date {day.isoformat()} is in the past at {site.code} (today is "
            f"{today.isoformat()})"
        )
    return day


@requires(Permission.PORTING)
@retried
async def add_port_in(
    db: Database,
    actor: str,
    *,
    occupier: str,
    site: str,
    losing_carrier: str,
    account_ref: str,
    requested_on: dt.date | int,
    numbers: str,
) -> PortInView:
    """Record a port-in order and hold its numbers for the occupier (state porting_in).

    `requested_on`: a date, or days from today at the site. `numbers`: numbers and ranges
    (domain.porting.parse_numbers). Numbers already in the installation are refused: one of
    ours cannot be ported in.
    """
    carrier = clean_text(losing_carrier, "losing carrier", max_len=100)
    account = clean_text(account_ref, "account reference", max_len=64)
    async with transaction(db, actor) as tx:
        holder = await occupier_by_ref(tx.session, occupier)
        place = await site_by_ref(tx.session, site)
        # The occupancy's lock: adding services for the occupier waits for the order, and
        # then sees its numbers (no first-time automation on top of them).
        occupancy = await occupancy_of(tx.session, holder, place, lock=True)
        if occupancy.ended_on is not None:
            raise InvalidInput(
                f"{holder.name} moved out of {place.code} on {occupancy.ended_on.isoformat()}"
            )
        today = site_today(place)
        day = _requested_date(requested_on, today, place)
        blocks = parse_numbers(numbers, place.country)
        await _refuse_known(tx.session, blocks)
        order = PortingOrder(
            site_id=place.id,
            occupier_id=holder.id,
            losing_carrier=carrier,
            account_ref=account,
            requested_on=day,
            state=PortingState.REQUESTED,
            reason="",
            numbers=blocks_text(blocks),
            number_count=sum(b.size for b in blocks),
            created_by=tx.actor,
            created_at=utcnow(),
        )
        tx.session.add(order)
        await tx.session.flush()
        await _hold_numbers(tx.session, order, place, holder, blocks)
        view = _view(order, place, holder, today)
        tx.audit(
            "porting.add",
            f"port-in #{order.id} for {holder.code} at {place.code}: "
            f"{counted(order.number_count, 'number')} from {carrier}, asked for "
            f"{day.isoformat()}",
            site_id=place.id,
            occupier_id=holder.id,
            after=view,
        )
        return view


async def _refuse_known(session: AsyncSession, blocks: list[NumberBlock]) -> None:
    """Refuse numbers the installation has already (at any site, in any state)."""
    # By the E.164 text, whose unique index finds each block directly; within one length,
    # text order is numeric order.
    overlaps = [
        and_(
            PhoneNumber.e164.between(b.first, b.last), func.length(PhoneNumber.e164) == len(b.first)
        )
        for b in blocks
    ]
    found = (
        await session.execute(
            select(PhoneNumber.e164, PhoneNumber.state, Site.code)
            .join(Site, Site.id == PhoneNumber.site_id)
            .where(or_(*overlaps))
            .order_by(PhoneNumber.e164)
            .limit(1)
        )
    ).first()
    if found is not None:
        e164, state, code = found
        count = await session.scalar(select(func.count()).where(or_(*overlaps))) or 1
        more = f" and {counted(count - 1, 'other number')} of the order" if count > 1 else ""
        raise Conflict(
            f"{national(e164)}{more} already in the inventory ({code}, {state.value}); "
            "only numbers from another carrier can be ported in"
        )


async def _hold_numbers(
    session: AsyncSession,
    order: PortingOrder,
    place: Site,
    holder: Occupier,
    blocks: list[NumberBlock],
) -> None:
    note = f"port-in #{order.id} from {order.losing_carrier}, account {order.account_ref}"
    for block in blocks:
        range_id = (
            await session.execute(
                insert(NumberRange)
                .values(
                    site_id=place.id,
                    first_e164=block.first,
                    last_e164=block.last,
                    size=block.size,
                    origin=Origin.PORTED,
                    occupier_id=holder.id,
                    note=note,
                    imported_at=utcnow(),
                    porting_order_id=order.id,
                )
                .returning(NumberRange.id)
            )
        ).scalar_one()
        await session.execute(
            insert(PhoneNumber),
            [
                {
                    "e164": f"+{value}",
                    "e164_value": value,
                    "site_id": place.id,
                    "range_id": range_id,
                    "origin": Origin.PORTED,
                    "state": NumberState.PORTING_IN,
                    "occupier_id": holder.id,
                    "is_main": False,
                    "main_candidate": False,
                    "label": "",
                    "voicemail": False,
                    "dnd": False,
                }
                for value in range(value_of(block.first), value_of(block.last) + 1)
            ],
        )


@requires(Permission.PORTING)
@retried
async def advance_port_in(
    db: Database,
    actor: str,
    order_id: int | str,
    *,
    to: PortingState | str | None = None,
    agreed_on: dt.date | int | None = None,
    reason: str = "",
) -> PortInView:
    """Move an order on: to `to`, or to its next state (requested, submitted, agreed,
    completed). Agreed needs the carrier's date; rejected and cancelled a reason.

    Completed: its numbers become the occupier's (reserved). Rejected or cancelled: they
    leave the inventory. Refused moves change nothing and say why.
    """
    async with transaction(db, actor) as tx:
        order, place, holder = await _order(tx.session, order_id, lock=True)
        # The occupancy's lock too: the occupier's numbers change together with its services.
        await occupancy_of(tx.session, holder, place, lock=True)
        today = site_today(place)
        target = PortingState(to) if to is not None else next_step(order.state)
        given = today + dt.timedelta(days=agreed_on) if isinstance(agreed_on, int) else agreed_on
        # Completion is due on the order's own agreed date.
        day = order.agreed_on if target is PortingState.COMPLETED else given
        why = reason.strip()
        if why:
            why = clean_text(why, "reason", max_len=500)
        check_move(order.state, target, today=today, agreed_on=day, reason=why)
        if given is not None and target is not PortingState.AGREED:
            raise InvalidInput(
                f"a date goes with the carrier's agreement only; this moves the order to "
                f"{target.value}"
            )
        before = _view(order, place, holder, today)
        if target is PortingState.AGREED:
            order.agreed_on = day
        order.state = target
        if target in (PortingState.REJECTED, PortingState.CANCELLED):
            order.reason = why
        if target not in OPEN:
            order.closed_at = utcnow()
        await tx.session.flush()
        moved = await _settle_numbers(tx.session, order, target)
        after = _view(order, place, holder, today)
        tx.audit(
            f"porting.{target.value}",
            _summary(order, holder, place, before.state, moved),
            site_id=place.id,
            occupier_id=holder.id,
            before=before,
            after=after,
        )
        return after


@requires(Permission.PORTING)
async def cancel_port_in(
    db: Database, actor: str, order_id: int | str, *, reason: str
) -> PortInView:
    """Withdraw an open order; its numbers leave the inventory."""
    return await advance_port_in(db, actor, order_id, to=PortingState.CANCELLED, reason=reason)


async def _settle_numbers(session: AsyncSession, order: PortingOrder, target: PortingState) -> int:
    """What the move does to the order's numbers; how many it moved."""
    held = select(NumberRange.id).where(NumberRange.porting_order_id == order.id)
    if target is PortingState.COMPLETED:
        outcome = await session.execute(
            update(PhoneNumber)
            .where(PhoneNumber.range_id.in_(held), PhoneNumber.state == NumberState.PORTING_IN)
            .values(state=NumberState.RESERVED)
            .execution_options(synchronize_session=False)
        )
        return int(outcome.rowcount)  # type: ignore[attr-defined]
    if target in (PortingState.REJECTED, PortingState.CANCELLED):
        outcome = await session.execute(
            delete(PhoneNumber)
            .where(PhoneNumber.range_id.in_(held), PhoneNumber.state == NumberState.PORTING_IN)
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            delete(NumberRange)
            .where(NumberRange.porting_order_id == order.id)
            .execution_options(synchronize_session=False)
        )
        return int(outcome.rowcount)  # type: ignore[attr-defined]
    return 0


def _summary(order: PortingOrder, holder: Occupier, place: Site, was: str, moved: int) -> str:
    head = f"port-in #{order.id} for {holder.code} at {place.code}"
    match order.state:
        case PortingState.SUBMITTED:
            return f"{head} submitted to {order.losing_carrier}"
        case PortingState.AGREED:
            assert order.agreed_on is not None
            again = " again" if was == PortingState.AGREED.value else ""
            return f"{head} agreed{again} for {order.agreed_on.isoformat()}"
        case PortingState.COMPLETED:
            return f"{head} completed: {counted(moved, 'number')} now the occupier's"
        case _:
            return (
                f"{head} {order.state.value} ({order.reason}): "
                f"{counted(moved, 'number')} out of the inventory"
            )


async def _order(
    session: AsyncSession, order_id: int | str, *, lock: bool = False
) -> tuple[PortingOrder, Site, Occupier]:
    ident = ref_id(str(order_id).lstrip("#"))
    query = (
        select(PortingOrder, Site, Occupier)
        .join(Site, Site.id == PortingOrder.site_id)
        .join(Occupier, Occupier.id == PortingOrder.occupier_id)
        .where(PortingOrder.id == ident)
    )
    if lock:
        query = query.with_for_update(of=PortingOrder)
    row = (await session.execute(query)).one_or_none()
    if row is None:
        raise NotFound(f"there is no port-in order #{ident}")
    return row[0], row[1], row[2]


async def get_port_in(db: Database, order_id: int | str) -> PortInView:
    async with reading(db) as session:
        order, place, holder = await _order(session, order_id)
        return _view(order, place, holder, site_today(place))


LIST_LIMIT = 500


async def list_port_ins(
    db: Database,
    *,
    site: str | None = None,
    occupier: str | None = None,
    open_only: bool = False,
    limit: int = LIST_LIMIT,
) -> list[PortInView]:
    """Orders by due date: the open ones first, soonest (and late) at the top, then the
    closed ones, latest first."""
    async with reading(db) as session:
        query: Any = (
            select(PortingOrder, Site, Occupier)
            .join(Site, Site.id == PortingOrder.site_id)
            .join(Occupier, Occupier.id == PortingOrder.occupier_id)
        )
        if site:
            query = query.where(PortingOrder.site_id == (await site_by_ref(session, site)).id)
        if occupier:
            query = query.where(
                PortingOrder.occupier_id == (await occupier_by_ref(session, occupier)).id
            )
        due = func.coalesce(PortingOrder.agreed_on, PortingOrder.requested_on)
        opened = query.where(PortingOrder.state.in_(OPEN)).order_by(due, PortingOrder.id)
        rows = list(await session.execute(opened.limit(limit)))
        if not open_only and len(rows) < limit:
            closed = query.where(PortingOrder.state.not_in(OPEN)).order_by(PortingOrder.id.desc())
            rows += list(await session.execute(closed.limit(limit - len(rows))))
        views = [_view(o, s, h, site_today(s)) for o, s, h in rows]
    open_views = sorted((v for v in views if v.is_open), key=lambda v: (v.due_on, v.id))
    closed_views = sorted(
        (v for v in views if not v.is_open), key=lambda v: (v.due_on, v.id), reverse=True
    )
    return open_views + closed_views
