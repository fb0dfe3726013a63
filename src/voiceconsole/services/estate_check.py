"""`db check`: the database's integrity and the estate's invariants, read in one transaction.

Each check is a named, described query (set-based SQL: it must stay fast on a million numbers)
that returns its violations, each naming the rows involved. Nothing is written: the checks
run in one read transaction (on PostgreSQL REPEATABLE READ, READ ONLY), so they all see the
same moment of the estate. The provisioning folder is compared with the logins read in that
same transaction; files are not transactional, so a login a colleague makes during the check
may show as a mismatch until its file is written.

Several invariants are also guarded by the schema (a unique index, a check constraint);
they are checked here all the same, because a restored, hand-edited or damaged database
need not carry its constraints.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from voiceconsole.config import ProvisioningSettings, provisioning_settings
from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    AuditEntry,
    AuditSubject,
    Handset,
    HandsetLine,
    NumberRange,
    Occupier,
    PhoneNumber,
    PortingOrder,
    Product,
    ProductCategory,
    ServiceAssignment,
    Site,
)
from voiceconsole.domain.checks import LIMIT, CheckResult, EstateCheck, Found, Violation
from voiceconsole.domain.handsets import HandsetState
from voiceconsole.domain.phone import national
from voiceconsole.domain.states import NumberState, Origin
from voiceconsole.domain.words import counted
from voiceconsole.services.integrity_check import foreign_keys, integrity
from voiceconsole.services.provisioning_check import provisioning_files


@dataclass
class Scope:
    """What a check reads: the one connection (one transaction) and the settings."""

    conn: AsyncConnection
    settings: Callable[[], ProvisioningSettings]
    quick: bool = False  # SQLite quick_check: skips matching each index against its table

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name


Run = Callable[[Scope], Awaitable[Found]]


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    run: Run


def _grouped(rows: Sequence[Any], key: Callable[[Any], Any]) -> dict[Any, list[Any]]:
    """The rows under each key, in the rows' order."""
    groups: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return groups


def _shown(e164: str | None) -> str:
    return national(e164) if e164 else "?"


def _name(code: str | None, row_id: int | None, what: str) -> str:
    return code if code else f"{what} {row_id} (no such row)"


# Written as the partial unique index's predicate, so that the planner may read that index.
_IS_MAIN = PhoneNumber.is_main == true()

# Who holds a number, and where: joined by the checks that name them.
_holder = aliased(Occupier)
_site = aliased(Site)


async def _rows(scope: Scope, query: Any) -> Sequence[Any]:
    return (await scope.conn.execute(query.limit(LIMIT + 1))).all()


# --- the estate's invariants -----------------------------------------------------------------


async def number_owners(scope: Scope) -> Found:
    found = []
    # One number, two rows (the unique e164 prevents it where the schema is intact).
    twice = select(PhoneNumber.e164).group_by(PhoneNumber.e164).having(func.count() > 1).subquery()
    rows = await _rows(
        scope,
        select(PhoneNumber.e164, PhoneNumber.id, _holder.code, _site.code.label("site"))
        .join(twice, twice.c.e164 == PhoneNumber.e164)
        .outerjoin(_holder, _holder.id == PhoneNumber.occupier_id)
        .outerjoin(_site, _site.id == PhoneNumber.site_id)
        .order_by(PhoneNumber.e164, PhoneNumber.id),
    )
    for e164, copies in _grouped(rows, lambda r: r.e164).items():
        held = ", ".join(
            f"row {r.id} ({'held by ' + r.code if r.code else 'no holder'} at {r.site})"
            for r in copies
        )
        found.append(
            Violation(
                f"{_shown(e164)} is in {len(copies)} rows: {held}",
                {"phone_numbers": [r.id for r in copies]},
            )
        )
    # A ported or custom number is its occupier's for good: held by another is two owners.
    brought_for = aliased(Occupier)
    order = aliased(PortingOrder)
    rows = await _rows(
        scope,
        select(
            PhoneNumber.id,
            PhoneNumber.e164,
            _holder.code.label("holder"),
            _site.code.label("site"),
            NumberRange.id.label("range_id"),
            NumberRange.origin,
            brought_for.code.label("owner"),
            brought_for.id.label("owner_id"),
            order.id.label("order_id"),
            PhoneNumber.occupier_id,
        )
        .join(NumberRange, NumberRange.id == PhoneNumber.range_id)
        .outerjoin(order, order.id == NumberRange.porting_order_id)
        .join(
            brought_for,
            brought_for.id == func.coalesce(order.occupier_id, NumberRange.occupier_id),
        )
        .join(_site, _site.id == PhoneNumber.site_id)
        .outerjoin(_holder, _holder.id == PhoneNumber.occupier_id)
        .where(
            NumberRange.origin.in_((Origin.PORTED, Origin.CUSTOM)),
            PhoneNumber.occupier_id.is_not(None),
            PhoneNumber.occupier_id != brought_for.id,
        )
        .order_by(PhoneNumber.e164),
    )
    for r in rows:
        how = "ported in" if r.origin == Origin.PORTED else "a custom number"
        found.append(
            Violation(
                f"{_shown(r.e164)} at {r.site} is {how} for {r.owner} (range {r.range_id}"
                + (f", port-in order {r.order_id}" if r.order_id else "")
                + f") but is held by {_name(r.holder, r.occupier_id, 'occupier')}",
                {
                    "phone_numbers": [r.id],
                    "number_ranges": [r.range_id],
                    "occupiers": [r.owner_id, r.occupier_id],
                    **({"porting_orders": [r.order_id]} if r.order_id else {}),
                },
            )
        )
    return Found(found)


async def quantity(scope: Scope) -> Found:
    """Active numbers (the main number aside) beyond the voice quantity. The console
    records no reason that would allow an excess (an activation beyond it and a decrease
    below the active numbers are both refused), so every excess is a violation; an active
    number held by no occupier has no quantity at all."""
    active = (
        select(
            PhoneNumber.occupier_id,
            PhoneNumber.site_id,
            func.count().label("active"),
        )
        .where(PhoneNumber.state == NumberState.ACTIVE, PhoneNumber.is_main.is_(False))
        .group_by(PhoneNumber.occupier_id, PhoneNumber.site_id)
        .subquery()
    )
    voice = (
        select(
            ServiceAssignment.occupier_id,
            ServiceAssignment.site_id,
            func.sum(ServiceAssignment.quantity).label("quantity"),
        )
        .join(Product, Product.id == ServiceAssignment.product_id)
        .where(Product.category == ProductCategory.VOICE)
        .group_by(ServiceAssignment.occupier_id, ServiceAssignment.site_id)
        .subquery()
    )
    qty = func.coalesce(voice.c.quantity, 0)
    rows = await _rows(
        scope,
        select(
            active.c.occupier_id,
            active.c.site_id,
            active.c.active,
            qty.label("quantity"),
            _holder.code.label("holder"),
            _site.code.label("site"),
        )
        .outerjoin(
            voice,
            and_(voice.c.occupier_id == active.c.occupier_id, voice.c.site_id == active.c.site_id),
        )
        .outerjoin(_holder, _holder.id == active.c.occupier_id)
        .outerjoin(_site, _site.id == active.c.site_id)
        .where(or_(active.c.occupier_id.is_(None), active.c.active > qty))
        .order_by(_site.code, _holder.code),
    )
    found = []
    for r in rows:
        numbers = await _active_numbers(scope, r.occupier_id, r.site_id)
        shown = ", ".join(_shown(e) for _, e in numbers[:5]) + (", …" if len(numbers) > 5 else "")
        if r.occupier_id is None:
            what = f"{counted(r.active, 'active number')} at {r.site} held by no occupier"
        else:
            what = (
                f"{_name(r.holder, r.occupier_id, 'occupier')} at {r.site}: "
                f"{counted(r.active, 'active number')} for a voice quantity of {r.quantity} "
                f"({r.active - r.quantity} beyond it)"
            )
        found.append(
            Violation(
                f"{what}: {shown}",
                {
                    "phone_numbers": [i for i, _ in numbers],
                    **({"occupiers": [r.occupier_id]} if r.occupier_id else {}),
                    "sites": [r.site_id],
                },
            )
        )
    return Found(found)


async def _active_numbers(scope: Scope, occupier_id: int | None, site_id: int) -> list[Any]:
    holder = (
        PhoneNumber.occupier_id.is_(None)
        if occupier_id is None
        else PhoneNumber.occupier_id == occupier_id
    )
    return list(
        (
            await scope.conn.execute(
                select(PhoneNumber.id, PhoneNumber.e164)
                .where(
                    holder,
                    PhoneNumber.site_id == site_id,
                    PhoneNumber.state == NumberState.ACTIVE,
                    PhoneNumber.is_main.is_(False),
                )
                .order_by(PhoneNumber.e164_value)
                .limit(LIMIT)
            )
        ).all()
    )


async def main_numbers(scope: Scope) -> Found:
    found = []
    twice = (
        select(PhoneNumber.occupier_id, PhoneNumber.site_id)
        .where(_IS_MAIN)
        .group_by(PhoneNumber.occupier_id, PhoneNumber.site_id)
        .having(func.count() > 1)
        .subquery()
    )
    rows = await _rows(
        scope,
        select(
            PhoneNumber.id,
            PhoneNumber.e164,
            PhoneNumber.occupier_id,
            PhoneNumber.site_id,
            _holder.code.label("holder"),
            _site.code.label("site"),
        )
        .join(
            twice,
            and_(
                twice.c.occupier_id == PhoneNumber.occupier_id,
                twice.c.site_id == PhoneNumber.site_id,
            ),
        )
        .outerjoin(_holder, _holder.id == PhoneNumber.occupier_id)
        .outerjoin(_site, _site.id == PhoneNumber.site_id)
        .where(_IS_MAIN)
        .order_by(PhoneNumber.site_id, PhoneNumber.occupier_id, PhoneNumber.e164_value),
    )
    for (occupier_id, site_id), mains in _grouped(
        rows, lambda r: (r.occupier_id, r.site_id)
    ).items():
        first = mains[0]
        found.append(
            Violation(
                f"{_name(first.holder, occupier_id, 'occupier')} at {first.site} has "
                f"{len(mains)} main numbers: {', '.join(_shown(m.e164) for m in mains)}",
                {
                    "phone_numbers": [m.id for m in mains],
                    "occupiers": [occupier_id],
                    "sites": [site_id],
                },
            )
        )
    # A main number is the occupier's reception: held by one, and in service or held back.
    rows = await _rows(
        scope,
        select(PhoneNumber.id, PhoneNumber.e164, PhoneNumber.state, _site.code.label("site"))
        .outerjoin(_site, _site.id == PhoneNumber.site_id)
        .where(
            _IS_MAIN,
            or_(
                PhoneNumber.occupier_id.is_(None),
                PhoneNumber.state.not_in((NumberState.RESERVED, NumberState.ACTIVE)),
            ),
        )
        .order_by(PhoneNumber.e164_value),
    )
    for r in rows:
        state = NumberState(r.state)
        why = (
            f"is {state.value}"
            if state not in (NumberState.RESERVED, NumberState.ACTIVE)
            else "has no occupier"
        )
        found.append(
            Violation(
                f"{_shown(r.e164)} at {r.site} is a main number but {why}",
                {"phone_numbers": [r.id]},
            )
        )
    return Found(found)


async def handset_logins(scope: Scope) -> Found:
    found = []
    # One number on two handsets (the unique number_id prevents it where the schema is intact).
    twice = (
        select(HandsetLine.number_id)
        .group_by(HandsetLine.number_id)
        .having(func.count() > 1)
        .subquery()
    )
    rows = await _rows(
        scope,
        select(
            HandsetLine.id,
            HandsetLine.number_id,
            PhoneNumber.e164,
            Handset.id.label("h"),
            Handset.label,
            Handset.mac,
        )
        .join(twice, twice.c.number_id == HandsetLine.number_id)
        .outerjoin(PhoneNumber, PhoneNumber.id == HandsetLine.number_id)
        .outerjoin(Handset, Handset.id == HandsetLine.handset_id)
        .order_by(HandsetLine.number_id, HandsetLine.id),
    )
    for number_id, lines in _grouped(rows, lambda r: r.number_id).items():
        found.append(
            Violation(
                f"{_shown(lines[0].e164)} is logged in to {len(lines)} handsets: "
                + ", ".join(f"{r.label or r.mac} (line row {r.id})" for r in lines),
                {
                    "handset_lines": [r.id for r in lines],
                    "phone_numbers": [number_id],
                    "handsets": [r.h for r in lines],
                },
            )
        )
    # Each login: an active number, not a main number, of the handset's occupier and site,
    # on a deployed handset (check_login's rules, which a login had to pass).
    handset_holder = aliased(Occupier)
    rows = await _rows(
        scope,
        select(
            HandsetLine.id,
            HandsetLine.line_key,
            HandsetLine.number_id,
            HandsetLine.handset_id,
            PhoneNumber.e164,
            PhoneNumber.state,
            PhoneNumber.is_main,
            PhoneNumber.occupier_id,
            PhoneNumber.site_id,
            _holder.code.label("holder"),
            Handset.label,
            Handset.mac,
            Handset.state.label("handset_state"),
            Handset.occupier_id.label("handset_occupier_id"),
            Handset.site_id.label("handset_site_id"),
            handset_holder.code.label("handset_holder"),
        )
        .outerjoin(PhoneNumber, PhoneNumber.id == HandsetLine.number_id)
        .outerjoin(Handset, Handset.id == HandsetLine.handset_id)
        .outerjoin(_holder, _holder.id == PhoneNumber.occupier_id)
        .outerjoin(handset_holder, handset_holder.id == Handset.occupier_id)
        .where(
            or_(
                PhoneNumber.id.is_(None),
                Handset.id.is_(None),
                PhoneNumber.state != NumberState.ACTIVE,
                _IS_MAIN,
                PhoneNumber.site_id != Handset.site_id,
                Handset.occupier_id.is_(None),
                PhoneNumber.occupier_id.is_(None),
                PhoneNumber.occupier_id != Handset.occupier_id,
                Handset.state != HandsetState.DEPLOYED,
            )
        )
        .order_by(HandsetLine.id),
    )
    for r in rows:
        found.append(_login_violation(r))
    return Found(found)


def _login_violation(r: Any) -> Violation:
    rows = {"handset_lines": [r.id], "phone_numbers": [r.number_id], "handsets": [r.handset_id]}
    if r.e164 is None:
        return Violation(f"login row {r.id} names number {r.number_id}, which does not exist", rows)
    if r.mac is None:
        return Violation(
            f"{_shown(r.e164)} is logged in (row {r.id}) to handset {r.handset_id}, which does "
            "not exist",
            rows,
        )
    on = f"{_shown(r.e164)} on {r.label or r.mac} (line {r.line_key})"
    why = []
    if r.state != NumberState.ACTIVE:
        why.append(f"the number is {NumberState(r.state).value}, not active")
    if r.is_main:
        why.append("it is a main number, never on a handset")
    if r.site_id != r.handset_site_id:
        why.append("the number and the handset are at different sites")
    if r.handset_occupier_id is None:
        why.append("the handset is given to no occupier")
    elif r.occupier_id != r.handset_occupier_id:
        why.append(
            f"the number is held by {r.holder or 'no occupier'}, the handset is "
            f"{r.handset_holder}'s"
        )
    if r.handset_state != HandsetState.DEPLOYED:
        why.append(f"the handset is {HandsetState(r.handset_state).value.replace('_', ' ')}")
    return Violation(f"{on}: {'; '.join(why)}", rows)


async def audit_subjects(scope: Scope) -> Found:
    """The journal keeps no foreign keys to sites and occupiers (it outlives what it talks
    about), and the console deletes neither: a subject naming no row is a damaged journal
    or a row deleted by hand."""
    entry = aliased(AuditEntry)
    rows = await _rows(
        scope,
        select(
            AuditSubject.id,
            AuditSubject.audit_id,
            AuditSubject.site_id,
            AuditSubject.occupier_id,
            entry.action,
            _site.id.label("site_found"),
            _holder.id.label("occupier_found"),
        )
        .outerjoin(entry, entry.id == AuditSubject.audit_id)
        .outerjoin(_site, _site.id == AuditSubject.site_id)
        .outerjoin(_holder, _holder.id == AuditSubject.occupier_id)
        .where(
            or_(
                entry.id.is_(None),
                and_(AuditSubject.site_id.is_not(None), _site.id.is_(None)),
                and_(AuditSubject.occupier_id.is_not(None), _holder.id.is_(None)),
            )
        )
        .order_by(AuditSubject.id),
    )
    found = []
    for r in rows:
        missing = []
        if r.action is None:
            missing.append(f"audit entry {r.audit_id}")
        if r.site_id is not None and r.site_found is None:
            missing.append(f"site {r.site_id}")
        if r.occupier_id is not None and r.occupier_found is None:
            missing.append(f"occupier {r.occupier_id}")
        of = f"of entry {r.audit_id} ({r.action}) " if r.action else ""
        found.append(
            Violation(
                f"audit subject {r.id} {of}names {' and '.join(missing)}, which does not exist",
                {"audit_subjects": [r.id], "audit_entries": [r.audit_id]},
            )
        )
    return Found(found)


CHECKS = (
    Check(
        "integrity",
        "the database file's pages and indexes are sound (SQLite integrity_check; "
        "PostgreSQL: amcheck where installed)",
        integrity,
    ),
    Check(
        "foreign_keys",
        "every reference names a row that exists (SQLite foreign_key_check; PostgreSQL: "
        "every foreign key validated and enforced)",
        foreign_keys,
    ),
    Check(
        "number_owners",
        "no number with two owners: each number is in one row, and a ported or custom "
        "number is held only by the occupier it was brought for",
        number_owners,
    ),
    Check(
        "quantity",
        "no occupier has more active numbers (its main number aside) at a site than its "
        "voice quantity there (the console records no reason that would allow more), and no "
        "active number is held by nobody",
        quantity,
    ),
    Check(
        "main_numbers",
        "at most one main number per occupier and site, each held by its occupier and "
        "reserved or active",
        main_numbers,
    ),
    Check(
        "handset_logins",
        "every handset login is of an active number, not a main number, of the handset's "
        "occupier and site, on a deployed handset, and each number on one handset only",
        handset_logins,
    ),
    Check(
        "audit_subjects",
        "every audit subject names an audit entry, site and occupier that exist",
        audit_subjects,
    ),
    Check(
        "provisioning_files",
        "the phones' files in the provisioning folder match their logins: no file without "
        "a remote handset, no login missing from its phone's file, no file other than the "
        "database makes",
        provisioning_files,
    ),
)


async def check_estate(
    db: Database,
    *,
    quick: bool = False,
    settings: Callable[[], ProvisioningSettings] = provisioning_settings,
) -> EstateCheck:
    """Run every check in one read-only transaction; nothing is written."""
    async with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # One snapshot for every query, and a promise to the server not to write.
            conn = await conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        await conn.begin()
        try:
            scope = Scope(conn, settings, quick)
            results = []
            for check in CHECKS:
                found = await check.run(scope)
                results.append(
                    CheckResult(
                        check.name,
                        check.description,
                        found.violations[:LIMIT],
                        len(found.violations) > LIMIT,
                        found.note,
                    )
                )
        finally:
            await conn.rollback()
    return EstateCheck(conn.dialect.name, results)
