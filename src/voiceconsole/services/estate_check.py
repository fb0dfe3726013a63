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

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, text, true
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from voiceconsole.config import ProvisioningSettings, SettingsError, provisioning_settings
from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    AuditEntry,
    AuditSubject,
    Base,
    DeviceModel,
    Handset,
    HandsetLine,
    LineCredentials,
    NumberRange,
    Occupier,
    PhoneNumber,
    PortingOrder,
    Product,
    ProductCategory,
    ServiceAssignment,
    Site,
)
from voiceconsole.domain.handsets import HandsetState, LoginMethod, ProvisioningFormat
from voiceconsole.domain.phone import national
from voiceconsole.domain.states import NumberState, Origin
from voiceconsole.domain.words import counted
from voiceconsole.handsets.provisioning import (
    ProvisionedLine,
    SharedFiles,
    SipService,
    file_name,
    owner_of,
    phone_files,
    poly_lines_file,
)

# Violations listed per check; a damaged large database could otherwise print a million.
LIMIT = 1000


@dataclass(frozen=True)
class Violation:
    """One broken rule, in words, with the ids of the rows involved by table."""

    text: str
    rows: dict[str, list[int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "rows": self.rows}


@dataclass(frozen=True)
class CheckResult:
    name: str
    description: str
    violations: list[Violation]
    more: bool = False  # more than LIMIT violations: only the first LIMIT are listed
    note: str = ""  # what was not checked here, and why

    @property
    def ok(self) -> bool:
        return not self.violations

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "ok": self.ok,
            "note": self.note,
            "more": self.more,
            "violations": [v.to_dict() for v in self.violations],
        }


@dataclass(frozen=True)
class EstateCheck:
    backend: str
    checks: list[CheckResult]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def problems(self) -> int:
        return sum(len(c.violations) for c in self.checks)

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "backend": self.backend,
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass
class Scope:
    """What a check reads: the one connection (one transaction) and the settings."""

    conn: AsyncConnection
    settings: Callable[[], ProvisioningSettings]
    quick: bool = False  # SQLite quick_check: skips matching each index against its table

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name


@dataclass(frozen=True)
class Found:
    violations: list[Violation]
    note: str = ""


Run = Callable[[Scope], Awaitable[Found]]


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    run: Run


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


# --- integrity -------------------------------------------------------------------------------


async def integrity(scope: Scope) -> Found:
    if scope.dialect == "sqlite":
        pragma = "quick_check" if scope.quick else "integrity_check"
        lines = (await scope.conn.exec_driver_sql(f"PRAGMA {pragma}({LIMIT})")).all()
        problems = [str(r[0]) for r in lines if str(r[0]) != "ok"]
        note = "quick: indexes not matched against their tables" if scope.quick else ""
        return Found([Violation(p) for p in problems], note=note)
    if scope.dialect == "postgresql":
        return await _amcheck(scope)
    return Found([], note=f"not checked on {scope.dialect}")


async def _amcheck(scope: Scope) -> Found:
    """PostgreSQL keeps its own pages consistent; amcheck, where installed, verifies each
    B-tree index of our tables (bt_index_check: a share lock, no blocking of writers)."""
    installed = await scope.conn.scalar(
        text("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'")
    )
    if not installed:
        return Found(
            [],
            note="PostgreSQL: pages and indexes not verified (the amcheck extension is not "
            "installed here; CREATE EXTENSION amcheck enables it)",
        )
    indexes = (
        await scope.conn.execute(
            text(
                "SELECT i.indexrelid AS oid, c.relname AS name FROM pg_index i "
                "JOIN pg_class t ON t.oid = i.indrelid "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                "WHERE a.amname = 'btree' AND t.relname = ANY(:tables) "
                "AND t.relnamespace = to_regnamespace(current_schema())::oid "
                "ORDER BY c.relname"
            ),
            {"tables": list(Base.metadata.tables)},
        )
    ).all()
    problems = []
    for index in indexes:
        try:
            async with scope.conn.begin_nested():
                await scope.conn.execute(
                    text("SELECT bt_index_check(CAST(:oid AS oid)::regclass)"), {"oid": index.oid}
                )
        except sa_exc.DBAPIError as err:
            # Class XX: amcheck found the index (or its table) corrupted; anything else is
            # a failure of the check itself.
            if not str(getattr(err.orig, "sqlstate", "") or "").startswith("XX"):
                raise
            problems.append(Violation(f"index {index.name}: {str(err.orig).splitlines()[0]}"))
    return Found(problems, note="PostgreSQL: every B-tree index checked with amcheck")


async def foreign_keys(scope: Scope) -> Found:
    if scope.dialect == "sqlite":
        rows = (await scope.conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
        columns: dict[tuple[str, int], str] = {}
        found = []
        for table, rowid, parent, fkid in rows[: LIMIT + 1]:
            if (table, fkid) not in columns:
                for fk in (
                    await scope.conn.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")')
                ).all():
                    columns[(table, fk[0])] = fk[3]
            column = columns.get((table, fkid), "?")
            found.append(
                Violation(
                    f"{table} row {rowid}: its {column} names no row of {parent}",
                    {table: [rowid]},
                )
            )
        return Found(found)
    if scope.dialect == "postgresql":
        return await _pg_foreign_keys(scope)
    return Found([], note=f"not checked on {scope.dialect}")


async def _pg_foreign_keys(scope: Scope) -> Found:
    """PostgreSQL enforces foreign keys itself, unless a constraint was added NOT VALID or
    its triggers were disabled: those are what can let a dangling reference in."""
    rows = (
        await scope.conn.execute(
            text(
                "SELECT c.conname, t.relname, c.convalidated, "
                "EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgconstraint = c.oid "
                "AND g.tgenabled = 'D') AS disabled "
                "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                "WHERE c.contype = 'f' AND t.relname = ANY(:tables) "
                "AND t.relnamespace = to_regnamespace(current_schema())::oid"
            ),
            {"tables": list(Base.metadata.tables)},
        )
    ).all()
    found = []
    for name, table, validated, disabled in rows:
        if not validated:
            found.append(
                Violation(
                    f"{table}: foreign key {name} is NOT VALID (not enforced on the rows it found)"
                )
            )
        if disabled:
            found.append(Violation(f"{table}: foreign key {name} has its triggers disabled"))
    return Found(
        found,
        note="PostgreSQL enforces foreign keys: checked that each is validated and enabled",
    )


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
    by_number: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_number[row.e164].append(row)
    for e164, copies in by_number.items():
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
    groups: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for r in rows:
        groups[(r.occupier_id, r.site_id)].append(r)
    for (occupier_id, site_id), mains in groups.items():
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
    groups: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        groups[r.number_id].append(r)
    for number_id, lines in groups.items():
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


# --- provisioning files ----------------------------------------------------------------------


@dataclass
class _Phone:
    id: int
    mac: str
    name: str
    fmt: ProvisioningFormat
    line_keys: int
    service: SipService
    lines: list[ProvisionedLine] = field(default_factory=list)
    line_ids: dict[str, int] = field(default_factory=dict)  # SIP username -> login row


async def provisioning_files(scope: Scope) -> Found:
    try:
        settings = scope.settings()
    except SettingsError as err:
        return Found([Violation(f"the provisioning settings cannot be read: {err}")])
    if not settings.write_files:
        return Found(
            [],
            note="not checked: no files are written (provisioning write_files is off; phones "
            "get their files from `provisioning serve`, made from the database each time)",
        )
    phones = await _remote_phones(scope, settings)
    on_disk = await asyncio.to_thread(_our_files, settings.directory)
    shared = SharedFiles(settings.poly_shared_files, settings.poly_firmware)
    found = []
    expected_names: set[str] = set()
    for phone in phones.values():
        files = phone_files(
            phone.fmt, phone.mac, phone.lines, phone.service, phone.line_keys, shared
        )
        for expected in files:
            expected_names.add(expected.name)
            actual = on_disk.get(expected.name)
            found += _compare(phone, expected.name, expected.content, expected.has_lines, actual)
    for name in sorted(set(on_disk) - expected_names):
        found.append(
            Violation(
                f"{name} is in the provisioning folder but no remote handset has it "
                f"(MAC {_mac(owner_of(name) or '')} is not in the inventory as a remote model"
                + (" of that file family" if _owned_by(name, phones) else "")
                + ")"
            )
        )
    return Found(found, note=f"compared with {settings.directory}")


def _mac(digits: str) -> str:
    return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def _owned_by(name: str, phones: dict[str, _Phone]) -> bool:
    return (owner_of(name) or "") in phones


def _compare(
    phone: _Phone, name: str, content: str, has_lines: bool, actual: str | None
) -> list[Violation]:
    rows = {"handsets": [phone.id]}
    if actual is None:
        if not phone.lines:
            return []  # never provisioned, or nothing to clear: no file is owed
        numbers = ", ".join(_shown(line.number) for line in phone.lines)
        return [
            Violation(
                f"{phone.name}: {name} is missing, yet {numbers} "
                f"{'is' if len(phone.lines) == 1 else 'are'} logged in to it",
                {**rows, "handset_lines": sorted(phone.line_ids.values())},
            )
        ]
    if actual == content:
        return []
    if not has_lines:
        return [Violation(f"{phone.name}: {name} differs from what the database makes", rows)]
    in_file = _usernames(actual)
    expected = {line.username for line in phone.lines}
    found = []
    for username in sorted(in_file - expected):
        found.append(
            Violation(
                f"{phone.name}: {name} carries {_shown('+' + username)}, which is not logged "
                "in to it",
                rows,
            )
        )
    for username in sorted(expected - in_file):
        found.append(
            Violation(
                f"{phone.name}: {_shown('+' + username)} is logged in to it but not in {name}",
                {**rows, "handset_lines": [phone.line_ids[username]]},
            )
        )
    if not found:
        # Same logins, other settings: a secret, a label, the SIP service. Never shown.
        found.append(
            Violation(
                f"{phone.name}: {name} has the right logins but other settings than the "
                "database's (a secret, a label or the SIP service); a re-sync rewrites it",
                rows,
            )
        )
    return found


def _usernames(content: str) -> set[str]:
    """The SIP logins a file carries (both families; a cleared key carries none)."""
    found = set()
    for raw in content.splitlines():
        line = raw.strip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep:
            continue
        value = value.strip().strip('"')
        if (
            (
                (key.startswith("account.") and key.endswith(".user_name"))
                or (key.startswith("reg.") and key.endswith(".auth.userId"))
            )
            and value
            and value != "%NULL%"
        ):
            found.add(value)
    return found


def _our_files(directory: Path) -> dict[str, str]:
    """The files in the folder named as we name a phone's own (other files, such as the
    operator's shared files or what phones upload, are not ours to check)."""
    if not directory.is_dir():
        return {}
    found = {}
    for path in directory.iterdir():
        digits = owner_of(path.name)
        if digits is None or path.name not in (file_name(digits), poly_lines_file(digits)):
            continue
        if path.is_file():
            found[path.name] = path.read_text(encoding="utf-8", errors="replace")
    return found


async def _remote_phones(scope: Scope, settings: ProvisioningSettings) -> dict[str, _Phone]:
    """Every handset of a remote model, by MAC digits, with its lines and SIP service."""
    rows = (
        await scope.conn.execute(
            select(
                Handset.id,
                Handset.mac,
                Handset.label,
                DeviceModel.provisioning_format,
                DeviceModel.line_keys,
                Site.sip_registrar,
                Site.sip_port,
                Site.sip_transport,
                Site.sip_outbound_proxy,
            )
            .join(DeviceModel, DeviceModel.code == Handset.model)
            .join(Site, Site.id == Handset.site_id)
            .where(DeviceModel.login_method == LoginMethod.REMOTE.value)
        )
    ).all()
    phones = {}
    by_id = {}
    for r in rows:
        phone = _Phone(
            r.id,
            r.mac,
            r.label or r.mac,
            ProvisioningFormat(r.provisioning_format),
            r.line_keys,
            SipService(
                r.sip_registrar or settings.registrar,
                r.sip_port,
                r.sip_transport,
                r.sip_outbound_proxy,
            ),
        )
        phones[r.mac.replace(":", "").lower()] = phone
        by_id[r.id] = phone
    lines = await scope.conn.execute(
        select(
            HandsetLine.id,
            HandsetLine.handset_id,
            HandsetLine.line_key,
            PhoneNumber.e164,
            PhoneNumber.label,
            LineCredentials.username,
            LineCredentials.secret,
        )
        .join(PhoneNumber, PhoneNumber.id == HandsetLine.number_id)
        .join(LineCredentials, LineCredentials.number_id == HandsetLine.number_id)
        .where(HandsetLine.handset_id.in_(list(by_id)) if by_id else literal(False))
    )
    for r in lines:
        phone = by_id[r.handset_id]
        phone.lines.append(
            ProvisionedLine(r.line_key, r.e164, r.label or r.e164, r.username, r.secret)
        )
        phone.line_ids[r.username] = r.id
    return phones


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
