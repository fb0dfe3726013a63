"""Importing numbers: a CSV of single numbers and ranges, checked row by row, all or nothing.

CSV columns (header row optional): `first` (or `number`), `last` (empty for a single number),
`main_candidate` (yes/no, pool numbers only), `note`. Ranges are validated at both ends (see
`domain.phone.parse_block`), checked against each other and against every number already in
the installation, then written in one transaction with one audit entry.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from voiceconsole.db.database import Database
from voiceconsole.db.models import NumberRange, PhoneNumber, Site
from voiceconsole.domain.errors import InvalidInput, VoiceconsoleError
from voiceconsole.domain.phone import NumberBlock, national, parse_block, value_of
from voiceconsole.domain.states import NumberState, Origin
from voiceconsole.domain.text import clean_text, parse_choice
from voiceconsole.services.lookup import occupancy_of, occupier_by_ref, site_by_ref
from voiceconsole.services.transaction import transaction
from voiceconsole.services.views import View

_CHUNK = 20_000
_TRUE = {"yes", "y", "true", "1", "x"}
_FALSE = {"no", "n", "false", "0", ""}


@dataclass(frozen=True)
class ImportRow:
    line: int
    first: str
    last: str = ""
    main_candidate: str = ""
    note: str = ""


@dataclass
class RowReport(View):
    line: int
    text: str
    ok: bool
    size: int = 0
    first: str | None = None
    last: str | None = None
    message: str = ""


@dataclass
class ImportReport(View):
    site: str
    origin: str
    occupier: str | None
    dry_run: bool
    rows: list[RowReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows) and bool(self.rows)

    @property
    def total(self) -> int:
        return sum(r.size for r in self.rows if r.ok)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "ok": self.ok, "total": self.total}


class ImportRefused(VoiceconsoleError):
    """Some rows are wrong: nothing was imported. The report says which and why."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        bad = [r for r in report.rows if not r.ok]
        if not report.rows:
            text = "the file holds no numbers; nothing was imported"
        else:
            text = f"{len(bad)} of {len(report.rows)} rows refused; nothing was imported"
        super().__init__(text)


def read_csv(text: str) -> list[ImportRow]:
    """Rows of an import file; the header is optional (a first cell that is a number is data)."""
    lines = [row for row in csv.reader(io.StringIO(text))]
    if not lines:
        return []
    header = [h.strip().lower() for h in lines[0]]
    if header and header[0] and (header[0][0].isdigit() or header[0][0] in "+("):
        columns, body, start = ["first", "last", "main_candidate", "note"], lines, 1
    else:
        columns = ["first" if h == "number" else h for h in header]
        if "first" not in columns:
            raise InvalidInput("the CSV needs a 'first' (or 'number') column")
        unknown = set(columns) - {"first", "last", "main_candidate", "note"}
        if unknown:
            raise InvalidInput(f"unknown CSV columns: {', '.join(sorted(unknown))}")
        body, start = lines[1:], 2
    rows = []
    for offset, cells in enumerate(body):
        if not any(c.strip() for c in cells):
            continue
        values = dict(zip(columns, cells, strict=False))
        rows.append(
            ImportRow(
                start + offset,
                values.get("first", ""),
                values.get("last", ""),
                values.get("main_candidate", ""),
                values.get("note", ""),
            )
        )
    return rows


def _flag(value: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidInput(f"main_candidate must be yes or no, not {value!r}")


async def import_numbers(
    db: Database,
    actor: str,
    rows: Iterable[ImportRow],
    *,
    site: str,
    origin: str = "pool",
    occupier: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Add numbers to a site. Pool numbers arrive available (or, with an occupier, allocated
    to it); ported and custom numbers always arrive allocated to the occupier they are for.
    """
    kind = parse_choice(Origin, origin, "origin")
    if kind is not Origin.POOL and not occupier:
        raise InvalidInput(
            f"{kind.value} numbers are brought in for one occupier: name it with --occupier"
        )
    async with transaction(db, actor, dry_run=dry_run) as tx:
        place = await site_by_ref(tx.session, site)
        holder = await occupier_by_ref(tx.session, occupier) if occupier else None
        if holder:
            await occupancy_of(tx.session, holder, place, lock=True)
        report = ImportReport(place.code, kind.value, holder.code if holder else None, dry_run)
        accepted: list[tuple[ImportRow, NumberBlock, bool]] = []
        for row in rows:
            text = row.first.strip() + (f"-{row.last.strip()}" if row.last.strip() else "")
            try:
                block, candidate = _check_row(row, place, kind, accepted)
                await _check_installation(tx.session, block)
            except InvalidInput as err:
                report.rows.append(RowReport(row.line, text, False, message=str(err)))
                continue
            accepted.append((row, block, candidate))
            report.rows.append(RowReport(row.line, text, True, block.size, block.first, block.last))
        if not report.ok:
            raise ImportRefused(report)
        if dry_run:
            return report
        for row, block, candidate in accepted:
            await _write_block(
                tx, place, block, kind, holder.id if holder else None, candidate, row.note
            )
        tx.audit(
            "numbers.import",
            f"imported {report.total:,} {kind.value} numbers in {len(accepted)} rows "
            f"to {place.code}" + (f" for {holder.code}" if holder else ""),
            site_id=place.id,
            occupier_id=holder.id if holder else None,
            after={
                "origin": kind,
                "occupier": holder.code if holder else None,
                "total": report.total,
                "ranges": [
                    {"first": b.first, "last": b.last, "size": b.size} for _, b, _ in accepted[:100]
                ],
            },
        )
    return report


def _check_row(
    row: ImportRow, place: Site, kind: Origin, accepted: list[tuple[ImportRow, NumberBlock, bool]]
) -> tuple[NumberBlock, bool]:
    block = parse_block(row.first, row.last or None, place.country)
    candidate = _flag(row.main_candidate)
    if candidate and kind is not Origin.POOL:
        raise InvalidInput("only pool numbers can be main-number candidates")
    clean_text(row.note, "note", max_len=500, required=False)
    for earlier, other, _ in accepted:
        if block.overlaps(other):
            raise InvalidInput(f"overlaps line {earlier.line} ({other})")
    return block, candidate


async def _check_installation(session: Any, block: NumberBlock) -> None:
    """Refuse a block that shares a number with any site of the installation."""
    where = (
        PhoneNumber.e164.between(block.first, block.last),
        func.length(PhoneNumber.e164) == len(block.first),
    )
    count = await session.scalar(select(func.count()).where(*where))
    if count:
        first, site_code = (
            await session.execute(
                select(PhoneNumber.e164, Site.code)
                .join(Site, Site.id == PhoneNumber.site_id)
                .where(*where)
                .order_by(PhoneNumber.e164)
                .limit(1)
            )
        ).one()
        raise InvalidInput(
            f"{count:,} of these numbers already exist (first: {national(first)} at {site_code})"
        )


async def _write_block(
    tx: Any,
    place: Site,
    block: NumberBlock,
    kind: Origin,
    holder_id: int | None,
    candidate: bool,
    note: str,
) -> None:
    number_range = NumberRange(
        site_id=place.id,
        first_e164=block.first,
        last_e164=block.last,
        size=block.size,
        origin=kind,
        occupier_id=holder_id,
        note=note.strip(),
    )
    tx.session.add(number_range)
    await tx.session.flush()
    state = NumberState.RESERVED if holder_id else NumberState.AVAILABLE
    fixed = (
        place.id,
        number_range.id,
        kind.value,
        state.value,
        holder_id,
        False,
        candidate,
        "",
        False,
        False,
    )
    connection = await tx.session.connection()
    statement = _bulk_insert_sql(connection.dialect.paramstyle)
    first, last = value_of(block.first), value_of(block.last)
    # Driver-level executemany of plain tuples: a million rows go in at close to raw speed.
    for start in range(first, last + 1, _CHUNK):
        rows = [(f"+{v}", v, *fixed) for v in range(start, min(start + _CHUNK, last + 1))]
        await connection.exec_driver_sql(statement, rows)


_COLUMNS = (
    "e164",
    "e164_value",
    "site_id",
    "range_id",
    "origin",
    "state",
    "occupier_id",
    "is_main",
    "main_candidate",
    "label",
    "voicemail",
    "dnd",
)


def _bulk_insert_sql(paramstyle: str) -> str:
    if paramstyle == "qmark":
        marks = ["?"] * len(_COLUMNS)
    elif paramstyle in ("numeric_dollar", "numeric"):
        sign = "$" if paramstyle == "numeric_dollar" else ":"
        marks = [f"{sign}{i + 1}" for i in range(len(_COLUMNS))]
    else:  # format
        marks = ["%s"] * len(_COLUMNS)
    return f"INSERT INTO phone_numbers ({', '.join(_COLUMNS)}) VALUES ({', '.join(marks)})"
