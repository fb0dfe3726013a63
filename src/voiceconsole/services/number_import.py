"""Importing numbers: a CSV of single numbers and ranges, checked row by row, all or nothing.

CSV columns (header row optional): `first` (or `number`), `last` (empty for a single number),
`main_candidate` (yes/no, pool numbers only), `note`. Ranges are validated at both ends (see
`domain.phone.parse_block`), checked against each other and against every number already in
the installation, then written in one transaction with one audit entry.

Files are streamed: rows are read, checked and kept compact (a few dozen bytes each: line,
first and last number as integers, flags), so a million-row file stays well under 500 MB
and memory does not grow with what a row's text looked like. The report lists every row of a
small file; of a large one (over `LISTED` rows) only refused rows, the first `LISTED` of them,
with counts of the rest.
"""

from __future__ import annotations

import asyncio
import csv
import heapq
import io
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TextIO

from sqlalchemy import func, insert, select

from voiceconsole.db.database import Database
from voiceconsole.db.models import NumberRange, PhoneNumber, Site, utcnow
from voiceconsole.domain.errors import InvalidInput, VoiceconsoleError
from voiceconsole.domain.file_columns import NUMBER_COLUMNS
from voiceconsole.domain.phone import NumberBlock, national, parse_block, value_of
from voiceconsole.domain.states import NumberState, Origin
from voiceconsole.domain.text import clean_text, parse_choice, visible
from voiceconsole.services.lookup import occupancy_of, occupier_by_ref, site_by_ref
from voiceconsole.services.transaction import reading, transaction
from voiceconsole.services.views import View

_CHUNK = 20_000
LISTED = 1_000  # rows a report lists (see the module docstring)
PROGRESS_EVERY = 100_000  # rows (or numbers) between two progress calls
# The columns a numbers export adds to the import's own (`number`, `note`): read, not used.
EXPORTED_ONLY = frozenset(NUMBER_COLUMNS) - {"number", "note"}
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
    rows: list[RowReport] = field(default_factory=list)  # see LISTED
    row_count: int = 0  # rows of the file that hold something
    refused: int = 0
    total: int = 0  # numbers the accepted rows hold

    @property
    def ok(self) -> bool:
        return self.refused == 0 and self.row_count > 0

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "ok": self.ok}


class ImportRefused(VoiceconsoleError):
    """Some rows are wrong: nothing was imported. The report says which and why."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        if not report.row_count:
            text = "the file holds no numbers; nothing was imported"
        else:
            text = f"{report.refused:,} of {report.row_count:,} rows refused; nothing was imported"
        super().__init__(text)


# What an import reports as it goes: a phase ("checked", "wrote") and a count (rows, numbers).
Progress = Callable[[str, int], None]


def read_csv(text: str) -> list[ImportRow]:
    """The rows of an import file held in memory (the console's form, tests)."""
    return list(iter_csv(io.StringIO(text.lstrip("\ufeff"))))


def iter_csv(source: TextIO | Iterable[str], name: str = "the file") -> Iterator[ImportRow]:
    """Rows of an import file, one at a time; the header is optional (a first cell that is a
    number is data). `source` is an open text file or lines; `name` is for messages."""
    lines = _cells(source, name)
    first = next(lines, None)
    if first is None:
        return
    header = [h.strip().lower() for h in first]
    if header and header[0] and (header[0][0].isdigit() or header[0][0] in "+("):
        columns = ["first", "last", "main_candidate", "note"]
        body: Iterable[list[str]] = _chain_one(first, lines)
        start = 1
    else:
        columns = ["first" if h == "number" else h for h in header]
        if "first" not in columns:
            raise InvalidInput("the CSV needs a 'first' (or 'number') column")
        # An export's other columns (domain/file_columns.py) are passed over: exports import again.
        unknown = set(columns) - {"first", "last", "main_candidate", "note", *EXPORTED_ONLY}
        if unknown:
            raise InvalidInput(f"unknown CSV columns: {', '.join(sorted(unknown))}")
        body, start = lines, 2
    for offset, cells in enumerate(body):
        if not any(c.strip() for c in cells):
            continue
        values = dict(zip(columns, cells, strict=False))
        extra = [c for c in cells[len(columns) :] if c.strip()]
        yield ImportRow(
            start + offset,
            values.get("first", ""),
            values.get("last", ""),
            values.get("main_candidate", ""),
            values.get("note", ""),
            f"{len(cells)} cells where the file has {len(columns)} columns" if extra else "",
        )


def _cells(source: TextIO | Iterable[str], name: str) -> Iterator[list[str]]:
    """CSV lines as cells, each cell made visible (they come from outside: their control
    characters are shown, never obeyed); a file that is not CSV or not UTF-8 is refused."""
    try:
        for line in csv.reader(source):
            yield [visible(cell) for cell in line]
    except csv.Error as err:
        raise InvalidInput(f"{name} is not readable as CSV: {err}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{name} is not UTF-8 text; save the CSV as UTF-8") from None
    except OSError as err:
        raise InvalidInput(f"cannot read {name}: {err.strerror or err}") from None


def _chain_one(first: list[str], rest: Iterator[list[str]]) -> Iterator[list[str]]:
    yield first
    yield from rest


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
    progress: Progress | None = None,
) -> ImportReport:
    """Add numbers to a site. Pool numbers arrive available (or, with an occupier, allocated
    to it); ported and custom numbers always arrive allocated to the occupier they are for.
    `rows` may be a stream (`iter_csv` of an open file): it is read once.
    """
    kind = parse_choice(Origin, origin, "origin")
    if kind is not Origin.POOL and not occupier:
        raise InvalidInput(
            f"{kind.value} numbers are brought in for one occupier: name it with --occupier"
        )
    async with reading(db) as session:
        country = (await site_by_ref(session, site)).country
    # Reading and parsing is file and CPU work (phonenumbers): in a thread, so the console
    # stays responsive, and before the transaction, so colleagues' writes never wait for a
    # large file (or a slow pipe) to be read.
    found = await asyncio.to_thread(_parse_rows, rows, country, kind, progress)
    _overlaps_within(found)
    async with transaction(db, actor, dry_run=dry_run) as tx:
        place = await site_by_ref(tx.session, site)
        holder = await occupier_by_ref(tx.session, occupier) if occupier else None
        if holder:
            await occupancy_of(tx.session, holder, place, lock=True)
        report = ImportReport(place.code, kind.value, holder.code if holder else None, dry_run)
        await _clashes_with_installation(tx.session, found)
        _fill_report(report, found)
        if not report.ok:
            raise ImportRefused(report)
        if dry_run:
            return report
        await _write(tx, place, found, kind, holder.id if holder else None, progress)
        tx.audit(
            "numbers.import",
            f"imported {report.total:,} {kind.value} numbers in {found.accepted:,} rows "
            f"to {place.code}" + (f" for {holder.code}" if holder else ""),
            site_id=place.id,
            occupier_id=holder.id if holder else None,
            after={
                "origin": kind,
                "occupier": holder.code if holder else None,
                "total": report.total,
                "ranges": [
                    {"first": first, "last": last, "size": size}
                    for _, first, last, size in islice(found.blocks(), 100)
                ],
            },
        )
    return report


class _Found:
    """The rows of a file as checked so far, compact: per parsed row its line, its first and
    last number as integers and its main-candidate flag (arrays: 8 bytes a value, not a
    Python object per row); notes only where given. Refused rows: every line number (to
    leave them out) and the words for the first LISTED of them."""

    def __init__(self) -> None:
        self.lines = array("q")
        self.firsts = array("q")
        self.lasts = array("q")
        self.candidates = array("b")
        self.notes: dict[int, str] = {}  # index -> note
        self.row_count = 0
        self.refused_lines: set[int] = set()
        self.problems: dict[int, tuple[str, str]] = {}  # line -> (the row as written, why)
        self._listed_lines: list[int] = []  # a heap of the problems' lines, negated
        self.listed: list[RowReport] = []  # every row while the file is small

    def add(self, row: ImportRow, block: NumberBlock, candidate: bool) -> None:
        if row.note.strip():
            self.notes[len(self.lines)] = row.note.strip()
        self.lines.append(row.line)
        self.firsts.append(value_of(block.first))
        self.lasts.append(value_of(block.last))
        self.candidates.append(candidate)

    def refuse(self, line: int, text: str, why: str) -> None:
        if line in self.refused_lines:
            return
        self.refused_lines.add(line)
        # The words are kept for the LISTED lowest lines, whatever order they were found in.
        if len(self.problems) >= LISTED:
            highest = -self._listed_lines[0]
            if line > highest:
                return
            heapq.heappop(self._listed_lines)
            del self.problems[highest]
        heapq.heappush(self._listed_lines, -line)
        self.problems[line] = (text, why)

    @property
    def accepted(self) -> int:
        return sum(1 for _ in self.blocks())

    def block_text(self, index: int) -> str:
        return str(NumberBlock(f"+{self.firsts[index]}", f"+{self.lasts[index]}"))

    def blocks(self) -> Iterator[tuple[int, str, str, int]]:
        """(index, first, last, size) of every accepted row, in file order."""
        for index, line in enumerate(self.lines):
            if line not in self.refused_lines:
                first, last = self.firsts[index], self.lasts[index]
                yield index, f"+{first}", f"+{last}", last - first + 1


def _row_text(row: ImportRow) -> str:
    return row.first.strip() + (f"-{row.last.strip()}" if row.last.strip() else "")


def _parse_rows(
    rows: Iterable[ImportRow], country: str, kind: Origin, progress: Progress | None
) -> _Found:
    found = _Found()
    for row in rows:
        found.row_count += 1
        if progress is not None and found.row_count % PROGRESS_EVERY == 0:
            progress("checked", found.row_count)
        if found.row_count <= LISTED:
            found.listed.append(RowReport(row.line, _row_text(row), True))
        try:
            if row.problem:
                raise InvalidInput(row.problem)
            block = parse_block(row.first, row.last or None, country)
            candidate = _flag(row.main_candidate)
            if candidate and kind is not Origin.POOL:
                raise InvalidInput("only pool numbers can be main-number candidates")
            clean_text(row.note, "note", max_len=500, required=False)
        except InvalidInput as err:
            found.refuse(row.line, _row_text(row), str(err))
            continue
        found.add(row, block, candidate)
    return found


def _overlaps_within(found: _Found) -> None:
    """Rows that overlap an earlier row of the file: one sorted sweep, not every pair. Numbers
    of different lengths never overlap: the sort key puts the length first."""
    firsts, lasts, lines = found.firsts, found.lasts, found.lines
    scale = 10**16  # above every E.164 value (15 digits at most)

    def key(index: int) -> int:  # ties keep file order: the sort is stable
        return len(str(firsts[index])) * scale + firsts[index]

    reach: int | None = None  # of the rows so far, the one reaching highest
    for index in sorted(range(len(lines)), key=key):
        if (
            reach is not None
            and len(str(firsts[reach])) == len(str(firsts[index]))
            and firsts[index] <= lasts[reach]
        ):
            later, earlier = (index, reach) if lines[index] > lines[reach] else (reach, index)
            found.refuse(
                lines[later],
                found.block_text(later),
                f"overlaps line {lines[earlier]} ({found.block_text(earlier)})",
            )
        if (
            reach is None
            or len(str(lasts[index])) != len(str(lasts[reach]))
            or lasts[index] > lasts[reach]
        ):
            reach = index


async def _clashes_with_installation(session: Any, found: _Found) -> None:
    """Rows sharing a number with any site of the installation (E.164 is unique everywhere)."""
    singles = [i for i in range(len(found.lines)) if found.firsts[i] == found.lasts[i]]
    for start in range(0, len(singles), 500):
        # By E.164 text: its unique index finds each one (the value has no index of its own).
        chunk = {f"+{found.firsts[i]}": i for i in singles[start : start + 500]}
        for e164, code in await session.execute(
            select(PhoneNumber.e164, Site.code)
            .join(Site, Site.id == PhoneNumber.site_id)
            .where(PhoneNumber.e164.in_(list(chunk)))
        ):
            index = chunk[e164]
            text = found.block_text(index)
            found.refuse(found.lines[index], text, f"{national(e164)} already exists at {code}")
    for index in range(len(found.lines)):
        first, last = found.firsts[index], found.lasts[index]
        if first == last:
            continue
        # Same-length E.164 texts sort as their values: the text range walks the unique
        # index, the value range keeps only numbers of this length.
        where = (
            PhoneNumber.e164.between(f"+{first}", f"+{last}"),
            PhoneNumber.e164_value.between(first, last),
        )
        count = await session.scalar(select(func.count()).where(*where))
        if count:
            e164, code = (
                await session.execute(
                    select(PhoneNumber.e164, Site.code)
                    .join(Site, Site.id == PhoneNumber.site_id)
                    .where(*where)
                    .order_by(PhoneNumber.e164_value)
                    .limit(1)
                )
            ).one()
            found.refuse(
                found.lines[index],
                found.block_text(index),
                f"{count:,} of these numbers already exist (first: {national(e164)} at {code})",
            )


def _fill_report(report: ImportReport, found: _Found) -> None:
    report.row_count = found.row_count
    report.refused = len(found.refused_lines)
    report.total = sum(size for *_, size in found.blocks())
    if found.row_count > LISTED:  # the refused rows only (the lowest LISTED of them)
        report.rows = [
            RowReport(line, text, False, message=why)
            for line, (text, why) in sorted(found.problems.items())
        ]
        return
    sizes = {found.lines[i]: (first, last, size) for i, first, last, size in found.blocks()}
    for row in found.listed:  # every row, as the file wrote it
        if row.line in found.problems:
            why = found.problems[row.line][1]
            report.rows.append(RowReport(row.line, row.text, False, message=why))
        elif row.line in sizes:
            first, last, size = sizes[row.line]
            report.rows.append(RowReport(row.line, row.text, True, size, first, last))


async def _write(
    tx: Any,
    place: Site,
    found: _Found,
    kind: Origin,
    holder_id: int | None,
    progress: Progress | None,
) -> None:
    """One range row per CSV row, then its numbers, a chunk of rows at a time, with
    driver-level executemany of plain tuples: a million rows go in at close to raw sqlite3
    speed, and memory holds one chunk."""
    state = NumberState.RESERVED if holder_id else NumberState.AVAILABLE
    connection = await tx.session.connection()
    statement = _bulk_insert_sql(connection.dialect.paramstyle)
    written = 0
    blocks = found.blocks()
    while chunk := list(islice(blocks, _CHUNK)):
        range_ids = (
            (
                await tx.session.execute(
                    insert(NumberRange).returning(NumberRange.id, sort_by_parameter_order=True),
                    [
                        {
                            "site_id": place.id,
                            "first_e164": first,
                            "last_e164": last,
                            "size": size,
                            "origin": kind,
                            "occupier_id": holder_id,
                            "note": found.notes.get(index, ""),
                            "imported_at": utcnow(),
                        }
                        for index, first, last, size in chunk
                    ],
                )
            )
            .scalars()
            .all()
        )

        rows = (
            (
                f"+{value}",
                value,
                place.id,
                range_id,
                kind.value,
                state.value,
                holder_id,
                False,
                bool(found.candidates[index]),
                "",
                False,
                False,
            )
            for (index, first, last, _), range_id in zip(chunk, range_ids, strict=True)
            for value in range(value_of(first), value_of(last) + 1)
        )
        while batch := list(islice(rows, _CHUNK)):
            await connection.exec_driver_sql(statement, batch)
            before, written = written, written + len(batch)
            if progress is not None and written // PROGRESS_EVERY > before // PROGRESS_EVERY:
                progress("wrote", written)


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
