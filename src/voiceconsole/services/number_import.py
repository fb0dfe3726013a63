"""Importing numbers: a CSV of single numbers and ranges, checked row by row, all or nothing.

CSV columns (header row optional): `first` (or `number`), `last` (empty for a single number),
`main_candidate` (yes/no, pool numbers only), `note`. Ranges are validated at both ends (see
`domain.phone.parse_block`), checked against each other and against every number already in
the installation, then written in one transaction with one audit entry.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from sqlalchemy import func, insert, select

from voiceconsole.db.database import Database
from voiceconsole.db.models import NumberRange, PhoneNumber, Site, utcnow
from voiceconsole.domain.errors import InvalidInput, VoiceconsoleError
from voiceconsole.domain.phone import NumberBlock, national, parse_block, value_of
from voiceconsole.domain.states import NumberState, Origin
from voiceconsole.domain.text import clean_text, parse_choice, visible
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
    problem: str = ""  # found while reading the file (e.g. too many cells)


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
    try:
        # Cells come from outside: their control characters are shown, never obeyed.
        lines = [
            [visible(cell) for cell in line]
            for line in csv.reader(io.StringIO(text.lstrip("\ufeff")))
        ]
    except csv.Error as err:
        raise InvalidInput(f"the file is not readable as CSV: {err}") from None
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
        extra = [c for c in cells[len(columns) :] if c.strip()]
        rows.append(
            ImportRow(
                start + offset,
                values.get("first", ""),
                values.get("last", ""),
                values.get("main_candidate", ""),
                values.get("note", ""),
                f"{len(cells)} cells where the file has {len(columns)} columns" if extra else "",
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
        # Parsing is CPU work (phonenumbers): in a thread, the console stays responsive.
        parsed, problems = await asyncio.to_thread(_parse_rows, rows, place, kind)
        problems |= _overlaps_within(parsed)
        problems |= await _clashes_with_installation(tx.session, parsed)
        accepted = [p for p in parsed if p.row.line not in problems]
        report.rows = sorted(
            [
                RowReport(p.row.line, p.text, True, p.block.size, p.block.first, p.block.last)
                for p in accepted
            ]
            + [
                RowReport(line, text, False, message=message)
                for line, (text, message) in problems.items()
            ],
            key=lambda r: r.line,
        )
        if not report.ok:
            raise ImportRefused(report)
        if dry_run:
            return report
        await _write(tx, place, accepted, kind, holder.id if holder else None)
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
                    {"first": p.block.first, "last": p.block.last, "size": p.block.size}
                    for p in accepted[:100]
                ],
            },
        )
    return report


@dataclass(frozen=True)
class _Parsed:
    row: ImportRow
    text: str
    block: NumberBlock
    candidate: bool


# line -> (the row as written, why it is refused)
Problems = dict[int, tuple[str, str]]


def _row_text(row: ImportRow) -> str:
    return row.first.strip() + (f"-{row.last.strip()}" if row.last.strip() else "")


def _parse_rows(
    rows: Iterable[ImportRow], place: Site, kind: Origin
) -> tuple[list[_Parsed], Problems]:
    parsed, problems = [], {}
    for row in rows:
        try:
            if row.problem:
                raise InvalidInput(row.problem)
            block = parse_block(row.first, row.last or None, place.country)
            candidate = _flag(row.main_candidate)
            if candidate and kind is not Origin.POOL:
                raise InvalidInput("only pool numbers can be main-number candidates")
            clean_text(row.note, "note", max_len=500, required=False)
        except InvalidInput as err:
            problems[row.line] = (_row_text(row), str(err))
            continue
        parsed.append(_Parsed(row, _row_text(row), block, candidate))
    return parsed, problems


def _overlaps_within(parsed: list[_Parsed]) -> Problems:
    """Rows that overlap an earlier row of the file: one sorted sweep, not every pair."""
    problems: Problems = {}
    reach: _Parsed | None = None  # of the rows so far, the one reaching highest
    for item in sorted(
        parsed, key=lambda p: (len(p.block.first), value_of(p.block.first), p.row.line)
    ):
        if reach is not None and reach.block.overlaps(item.block):
            later, earlier = (item, reach) if item.row.line > reach.row.line else (reach, item)
            problems[later.row.line] = (
                later.text,
                f"overlaps line {earlier.row.line} ({earlier.block})",
            )
        if (
            reach is None
            or len(item.block.last) != len(reach.block.last)
            or value_of(item.block.last) > value_of(reach.block.last)
        ):
            reach = item
    return problems


async def _clashes_with_installation(session: Any, parsed: list[_Parsed]) -> Problems:
    """Rows sharing a number with any site of the installation (E.164 is unique everywhere)."""
    problems: Problems = {}
    singles = {p.block.first: p for p in parsed if p.block.size == 1}
    names = list(singles)
    for start in range(0, len(names), 500):
        for e164, code in await session.execute(
            select(PhoneNumber.e164, Site.code)
            .join(Site, Site.id == PhoneNumber.site_id)
            .where(PhoneNumber.e164.in_(names[start : start + 500]))
        ):
            item = singles[e164]
            problems[item.row.line] = (item.text, f"{national(e164)} already exists at {code}")
    for item in (p for p in parsed if p.block.size > 1):
        where = (
            PhoneNumber.e164_value.between(value_of(item.block.first), value_of(item.block.last)),
        )
        count = await session.scalar(select(func.count()).where(*where))
        if count:
            first, code = (
                await session.execute(
                    select(PhoneNumber.e164, Site.code)
                    .join(Site, Site.id == PhoneNumber.site_id)
                    .where(*where)
                    .order_by(PhoneNumber.e164_value)
                    .limit(1)
                )
            ).one()
            problems[item.row.line] = (
                item.text,
                f"{count:,} of these numbers already exist (first: {national(first)} at {code})",
            )
    return problems


async def _write(
    tx: Any, place: Site, accepted: list[_Parsed], kind: Origin, holder_id: int | None
) -> None:
    """One range row per CSV row, then every number, with driver-level executemany of plain
    tuples: a million rows go in at close to raw sqlite3 speed."""
    range_ids = (
        (
            await tx.session.execute(
                insert(NumberRange).returning(NumberRange.id, sort_by_parameter_order=True),
                [
                    {
                        "site_id": place.id,
                        "first_e164": p.block.first,
                        "last_e164": p.block.last,
                        "size": p.block.size,
                        "origin": kind,
                        "occupier_id": holder_id,
                        "note": p.row.note.strip(),
                        "imported_at": utcnow(),
                    }
                    for p in accepted
                ],
            )
        )
        .scalars()
        .all()
    )
    state = NumberState.RESERVED if holder_id else NumberState.AVAILABLE
    connection = await tx.session.connection()
    statement = _bulk_insert_sql(connection.dialect.paramstyle)

    def numbers() -> Iterator[tuple[Any, ...]]:
        for item, range_id in zip(accepted, range_ids, strict=True):
            fixed = (
                place.id,
                range_id,
                kind.value,
                state.value,
                holder_id,
                False,
                item.candidate,
                "",
                False,
                False,
            )
            for value in range(value_of(item.block.first), value_of(item.block.last) + 1):
                yield (f"+{value}", value, *fixed)

    rows = numbers()
    while chunk := list(islice(rows, _CHUNK)):
        await connection.exec_driver_sql(statement, chunk)


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
