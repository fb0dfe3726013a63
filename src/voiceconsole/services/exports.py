"""Exports: an occupier's numbers, handsets and floor ports as CSV or JSON, for billing and
handover.

The three kinds are read in one read transaction (PostgreSQL: REPEATABLE READ), so a number
logged in to a handset is on that handset's row too, whatever colleagues change meanwhile.
Rows are streamed from the database to the file, never gathered into one list: an occupier
can hold thousands of numbers.

The layout (README, "Exports"): CSV is one spreadsheet per kind, the way billing and handover
people file them; `all` writes the three into a directory. JSON is one document with a list
per kind. The numbers' CSV imports again (`numbers import`): its `number` and `note` columns
are the import's, and the import passes over the other columns an export adds.

Files are written next to their final name and renamed into place once complete, so a
failure leaves no partial file, nor a directory it made.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole import clock
from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    Floor,
    FloorPort,
    Handset,
    HandsetLine,
    NumberRange,
    Occupancy,
    Occupier,
    PhoneNumber,
    PortingOrder,
    Site,
    Space,
    Switch,
    SwitchPort,
)
from voiceconsole.domain.errors import InvalidInput
from voiceconsole.domain.file_columns import HANDSET_COLUMNS, NUMBER_COLUMNS, PORT_COLUMNS
from voiceconsole.domain.phone import national
from voiceconsole.domain.spreadsheet import outside_cell
from voiceconsole.domain.text import is_control, parse_choice
from voiceconsole.domain.words import counted
from voiceconsole.services.lookup import occupier_by_ref, site_by_ref
from voiceconsole.services.views import View

_PAGE = 500  # rows fetched at a time


class ExportKind(StrEnum):
    NUMBERS = "numbers"
    HANDSETS = "handsets"
    PORTS = "ports"


ALL = "all"
KIND_CHOICES = (*[k.value for k in ExportKind], ALL)


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


# The columns of each kind, in order (the names are shared with the imports).
COLUMNS: dict[ExportKind, tuple[str, ...]] = {
    ExportKind.NUMBERS: NUMBER_COLUMNS,
    ExportKind.HANDSETS: HANDSET_COLUMNS,
    ExportKind.PORTS: PORT_COLUMNS,
}
# Cells we write in a form of our own (numbers, states, codes): every other cell is text
# from people or devices and is guarded in CSV (domain/spreadsheet.py). E.164 starts with
# '+' and must stay a number that imports again.
_OURS: dict[ExportKind, frozenset[str]] = {
    ExportKind.NUMBERS: frozenset(
        {"number", "national", "site", "state", "origin", "main", "handset", "line_key"}
    ),
    ExportKind.HANDSETS: frozenset({"site", "mac", "state", "lines"}),
    ExportKind.PORTS: frozenset({"site", "role"}),
}


@dataclass
class Written(View):
    """One kind written: how many rows, and where (None: standard output)."""

    kind: str
    rows: int
    path: str | None = None


@dataclass
class ExportResult(View):
    occupier: str
    site: str | None
    format: str
    written: list[Written] = field(default_factory=list)

    def sentence(self) -> str:
        """'wrote 12 numbers to x.csv; 2 handsets to y.csv' (to stdout: without the where)."""
        nouns = {"numbers": "number", "handsets": "handset", "ports": "floor port"}
        parts = [
            counted(w.rows, nouns[w.kind]) + (f" to {w.path}" if w.path else "")
            for w in self.written
        ]
        return "wrote " + "; ".join(parts) if parts else "wrote nothing"


def parse_kinds(kind: str) -> list[ExportKind]:
    if kind == ALL:
        return list(ExportKind)
    return [parse_choice(ExportKind, kind, "export kind")]


def default_name(occupier: str, site: str | None, kind: str, fmt: str, on: dt.date) -> str:
    """`<occupier>[-<site>]-<kind>-YYYY-MM-DD.csv`; JSON of every kind: no kind in the name."""
    parts = [occupier] + ([site] if site else [])
    if not (fmt == ExportFormat.JSON and kind == ALL):
        parts.append(kind)
    return "-".join(parts) + f"-{on.isoformat()}.{fmt}"


def export_day() -> dt.date:
    """The date an export is named by: the day of the person exporting (this machine's), as
    for any file they save; the console's clock, which tests freeze."""
    return clock.utcnow().astimezone().date()


# -- the rows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    occupier: Occupier
    site: Site | None

    def where(self, column_occupier: Any, column_site: Any) -> list[Any]:
        found = [column_occupier == self.occupier.id]
        if self.site is not None:
            found.append(column_site == self.site.id)
        return found


async def _stream(session: AsyncSession, query: Select[Any]) -> AsyncIterator[Any]:
    result = await session.stream(query.execution_options(yield_per=_PAGE))
    async for row in result:
        yield row._mapping


async def _number_rows(session: AsyncSession, scope: _Scope) -> AsyncIterator[dict[str, Any]]:
    query = (
        select(
            PhoneNumber.e164,
            Site.code.label("site"),
            PhoneNumber.state,
            PhoneNumber.origin,
            PhoneNumber.is_main,
            PhoneNumber.label,
            Handset.mac.label("handset"),
            HandsetLine.line_key,
            PortingOrder.losing_carrier.label("porting_carrier"),
            PortingOrder.account_ref.label("porting_account_ref"),
            NumberRange.note,
        )
        .join(Site, Site.id == PhoneNumber.site_id)
        .outerjoin(NumberRange, NumberRange.id == PhoneNumber.range_id)
        .outerjoin(PortingOrder, PortingOrder.id == NumberRange.porting_order_id)
        .outerjoin(HandsetLine, HandsetLine.number_id == PhoneNumber.id)
        .outerjoin(Handset, Handset.id == HandsetLine.handset_id)
        .where(*scope.where(PhoneNumber.occupier_id, PhoneNumber.site_id))
        .order_by(Site.code, PhoneNumber.e164_value)
    )
    async for r in _stream(session, query):
        yield {
            "number": r["e164"],
            "national": national(r["e164"]),
            "site": r["site"],
            "state": r["state"].value,
            "origin": r["origin"].value,
            "main": bool(r["is_main"]),
            "label": r["label"] or "",
            "handset": r["handset"],
            "line_key": r["line_key"],
            "porting_carrier": r["porting_carrier"],
            "porting_account_ref": r["porting_account_ref"],
            "note": r["note"] or "",
        }


async def _handset_rows(session: AsyncSession, scope: _Scope) -> AsyncIterator[dict[str, Any]]:
    # One row per line, a handset's lines together: grouped here as they stream by.
    query = (
        select(
            Handset.id,
            Site.code.label("site"),
            Handset.mac,
            Handset.model,
            Handset.label,
            Handset.state,
            FloorPort.label.label("floor_port"),
            HandsetLine.line_key,
            PhoneNumber.e164,
        )
        .join(Site, Site.id == Handset.site_id)
        .outerjoin(FloorPort, FloorPort.id == Handset.floor_port_id)
        .outerjoin(HandsetLine, HandsetLine.handset_id == Handset.id)
        .outerjoin(PhoneNumber, PhoneNumber.id == HandsetLine.number_id)
        .where(*scope.where(Handset.occupier_id, Handset.site_id))
        .order_by(Site.code, Handset.label, Handset.mac, Handset.id, HandsetLine.line_key)
    )
    current: dict[str, Any] | None = None
    current_id = None
    async for r in _stream(session, query):
        if r["id"] != current_id:
            if current is not None:
                yield current
            current_id = r["id"]
            current = {
                "site": r["site"],
                "mac": r["mac"],
                "model": r["model"],
                "label": r["label"] or "",
                "state": r["state"].value,
                "floor_port": r["floor_port"],
                "lines": [],
            }
        if r["e164"] is not None and current is not None:
            current["lines"].append({"line_key": r["line_key"], "number": r["e164"]})
    if current is not None:
        yield current


async def _port_rows(session: AsyncSession, scope: _Scope) -> AsyncIterator[dict[str, Any]]:
    query = (
        select(
            Site.code.label("site"),
            Floor.name.label("floor"),
            FloorPort.label,
            Space.code.label("space"),
            Switch.hostname.label("switch"),
            SwitchPort.interface,
            SwitchPort.role,
        )
        .join(Site, Site.id == FloorPort.site_id)
        .outerjoin(Floor, Floor.id == FloorPort.floor_id)
        .outerjoin(Space, Space.id == FloorPort.space_id)
        .outerjoin(SwitchPort, SwitchPort.id == FloorPort.switch_port_id)
        .outerjoin(Switch, Switch.id == SwitchPort.switch_id)
        .where(*scope.where(FloorPort.occupier_id, FloorPort.site_id))
        .order_by(Site.code, Floor.level, FloorPort.label)
    )
    async for r in _stream(session, query):
        yield {
            "site": r["site"],
            "floor": r["floor"],
            "label": r["label"],
            "space": r["space"],
            "switch": r["switch"],
            "interface": r["interface"],
            "role": r["role"].value if r["role"] is not None else None,
        }


_ROWS: dict[ExportKind, Callable[[AsyncSession, _Scope], AsyncIterator[dict[str, Any]]]] = {
    ExportKind.NUMBERS: _number_rows,
    ExportKind.HANDSETS: _handset_rows,
    ExportKind.PORTS: _port_rows,
}


async def _has_anything_at(session: AsyncSession, occupier: Occupier, site: Site) -> bool:
    def held(model: Any) -> Any:
        return exists().where(model.occupier_id == occupier.id, model.site_id == site.id)

    return bool(
        await session.scalar(
            select(or_(held(Occupancy), held(PhoneNumber), held(Handset), held(FloorPort)))
        )
    )


# -- writing -------------------------------------------------------------------------------


class Sink:
    """Where rows go: `start` a kind, `row` after row, `end` it."""

    def start(self, kind: ExportKind) -> None: ...
    def row(self, kind: ExportKind, values: dict[str, Any]) -> None: ...
    def end(self, kind: ExportKind) -> None: ...


def csv_cells(kind: ExportKind, values: dict[str, Any]) -> list[str]:
    """A row as CSV cells: yes/no for flags, handset lines as `1: 020 7946 0001; 2: ...`,
    text from outside guarded (domain/spreadsheet.py)."""
    ours = _OURS[kind]
    cells = []
    for column in COLUMNS[kind]:
        value = values[column]
        if value is None:
            cells.append("")
        elif isinstance(value, bool):
            cells.append("yes" if value else "no")
        elif column == "lines":
            cells.append("; ".join(f"{ln['line_key']}: {national(ln['number'])}" for ln in value))
        elif column in ours:
            cells.append(str(value))
        else:
            cells.append(outside_cell(value))
    return cells


class _CsvSink(Sink):
    def __init__(self, open_for: Callable[[ExportKind], TextIO]) -> None:
        self._open_for = open_for
        self._writers: dict[ExportKind, Any] = {}

    def start(self, kind: ExportKind) -> None:
        # OWASP: every cell quoted, so a cell is never read as anything but text.
        writer = csv.writer(self._open_for(kind), quoting=csv.QUOTE_ALL)
        writer.writerow(COLUMNS[kind])
        self._writers[kind] = writer

    def row(self, kind: ExportKind, values: dict[str, Any]) -> None:
        self._writers[kind].writerow(csv_cells(kind, values))


def json_text(value: Any) -> str:
    """JSON with the data exactly as stored, but nothing in it that can steer a terminal:
    json escapes C0 controls itself; C1 and format characters (bidi overrides) too here."""
    text = json.dumps(value, ensure_ascii=False)
    if any(is_control(ch) for ch in text):
        text = "".join(f"\\u{ord(ch):04x}" if is_control(ch) else ch for ch in text)
    return text


class _JsonSink(Sink):
    """One document, written as it goes: `{"occupier": ..., "numbers": [...], ...}`."""

    def __init__(self, out: TextIO, head: dict[str, Any]) -> None:
        self._out = out
        out.write("{\n" + "".join(f"  {json_text(k)}: {json_text(v)},\n" for k, v in head.items()))
        self._first_kind = True
        self._first_row = True

    def start(self, kind: ExportKind) -> None:
        self._out.write(("" if self._first_kind else ",\n") + f'  "{kind.value}": [')
        self._first_kind = False
        self._first_row = True

    def row(self, kind: ExportKind, values: dict[str, Any]) -> None:
        self._out.write(("\n    " if self._first_row else ",\n    ") + json_text(values))
        self._first_row = False

    def end(self, kind: ExportKind) -> None:
        self._out.write("]" if self._first_row else "\n  ]")

    def close(self) -> None:
        self._out.write("\n}\n")


async def export_rows(
    db: Database,
    occupier: str,
    *,
    site: str | None,
    kinds: Sequence[ExportKind],
    sink: Callable[[Occupier, Site | None], Sink],
) -> tuple[Occupier, Site | None, dict[ExportKind, int]]:
    """Read the kinds asked for in one read transaction and hand each row to the sink that
    `sink` makes once the occupier (and site) are known. Returns the rows of each kind."""
    async with db.read() as session:
        if db.dialect == "postgresql":  # one snapshot for every statement (SQLite: always)
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        holder = await occupier_by_ref(session, occupier)
        place = await site_by_ref(session, site) if site else None
        if place is not None and not await _has_anything_at(session, holder, place):
            raise InvalidInput(
                f"{holder.code} has nothing at {place.code}: no occupancy, numbers, "
                "handsets or floor ports"
            )
        target = sink(holder, place)
        scope = _Scope(holder, place)
        counts: dict[ExportKind, int] = {}
        for kind in kinds:
            target.start(kind)
            counts[kind] = 0
            async for values in _ROWS[kind](session, scope):
                target.row(kind, values)
                counts[kind] += 1
            target.end(kind)
    return holder, place, counts


def _head(holder: Occupier, place: Site | None) -> dict[str, Any]:
    return {
        "occupier": holder.code,
        "occupier_name": holder.name,
        "site": place.code if place else None,
        "exported_at": clock.utcnow().isoformat(timespec="seconds"),
    }


async def export_to_stream(
    db: Database, occupier: str, *, site: str | None, kind: str, fmt: str, out: TextIO
) -> ExportResult:
    """Write the export to an open text stream (standard output): CSV of one kind, or JSON."""
    kinds = parse_kinds(kind)
    form = parse_choice(ExportFormat, fmt, "format")
    if form is ExportFormat.CSV and len(kinds) > 1:
        raise InvalidInput("CSV of every kind is three files: name a directory with --out")
    json_sink: list[_JsonSink] = []

    def make(holder: Occupier, place: Site | None) -> Sink:
        if form is ExportFormat.JSON:
            json_sink.append(_JsonSink(out, _head(holder, place)))
            return json_sink[0]
        return _CsvSink(lambda _kind: out)

    holder, place, counts = await export_rows(db, occupier, site=site, kinds=kinds, sink=make)
    if json_sink:
        json_sink[0].close()
    return ExportResult(
        holder.code,
        place.code if place else None,
        form.value,
        [Written(k.value, n) for k, n in counts.items()],
    )


async def export_to_files(
    db: Database, occupier: str, *, site: str | None, kind: str, fmt: str, out: Path
) -> ExportResult:
    """Write the export to files: CSV of one kind or JSON to the file `out`; CSV of every
    kind to three files named by `default_name` in the directory `out` (made if it does not
    exist, its parent must). Each file appears whole or not at all."""
    kinds = parse_kinds(kind)
    form = parse_choice(ExportFormat, fmt, "format")
    into_directory = form is ExportFormat.CSV and len(kinds) > 1
    out = Path(os.path.expanduser(str(out)))
    if not into_directory and out.is_dir():
        raise InvalidInput(f"{out} is a directory: name the file to write")
    if into_directory and out.exists() and not out.is_dir():
        raise InvalidInput(f"{out} is not a directory (every kind in CSV is three files)")
    made_directory = False
    files = _Files()
    try:
        if into_directory and not out.exists():
            try:
                out.mkdir()
            except OSError as err:
                raise InvalidInput(f"cannot make the directory {out}: {err.strerror}") from None
            made_directory = True
        json_sink: list[_JsonSink] = []

        def make(holder: Occupier, place: Site | None) -> Sink:
            if form is ExportFormat.JSON:
                json_sink.append(_JsonSink(files.open(out), _head(holder, place)))
                return json_sink[0]
            if not into_directory:
                return _CsvSink(lambda _kind: files.open(out))
            day = export_day()
            site_code = place.code if place else None

            def open_kind(k: ExportKind) -> TextIO:
                return files.open(out / default_name(holder.code, site_code, k.value, "csv", day))

            return _CsvSink(open_kind)

        holder, place, counts = await export_rows(db, occupier, site=site, kinds=kinds, sink=make)
        if json_sink:
            json_sink[0].close()
        paths = files.commit()
    except BaseException as err:
        files.discard()
        if made_directory:
            with suppress(OSError):
                out.rmdir()
        if isinstance(err, OSError):  # a full disk, a file system gone read-only
            raise InvalidInput(f"cannot write {err.filename or out}: {err.strerror}") from None
        raise
    written = [
        Written(k.value, counts[k], str(paths[i] if into_directory else paths[0]))
        for i, k in enumerate(kinds)
    ]
    return ExportResult(holder.code, place.code if place else None, form.value, written)


class _Files:
    """Files written under a temporary name beside their own, renamed into place at the end."""

    def __init__(self) -> None:
        self._open: list[tuple[Path, Path, TextIO]] = []

    def open(self, path: Path) -> TextIO:
        # Made as `>` would make it (0666 less the umask), under a name no one else picks.
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as err:
            raise InvalidInput(f"cannot write {path}: {err.strerror}") from None
        stream = os.fdopen(handle, "w", encoding="utf-8", newline="")
        self._open.append((path, temporary, stream))
        return stream

    def commit(self) -> list[Path]:
        for _, _, stream in self._open:
            stream.flush()
            os.fsync(stream.fileno())
            stream.close()
        for path, temporary, _ in self._open:
            os.replace(temporary, path)
        return [path for path, _, _ in self._open]

    def discard(self) -> None:
        for _, temporary, stream in self._open:
            with suppress(OSError):
                stream.close()
            with suppress(OSError):
                temporary.unlink()
