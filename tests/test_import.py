"""Importing numbers: per-row report, all or nothing, overlaps, dry run."""

from __future__ import annotations

import pytest
from helpers import ACTOR, make_occupier, make_site, snapshot

from voiceconsole.db.database import Database
from voiceconsole.domain.errors import InvalidInput, NotFound, RuleViolation
from voiceconsole.services import numbers
from voiceconsole.services.number_import import ImportRefused, import_numbers, read_csv

GOOD = """first,last,main_candidate,note
020 7946 0000,,yes,reception
020 7946 0001,020 7946 0099,,
+44 20 7946 0100,+44 20 7946 0199,no,second block
"""


async def test_import_writes_ranges_and_reports_rows(db: Database) -> None:
    await make_site(db, "LON1")
    report = await import_numbers(db, ACTOR, read_csv(GOOD), site="LON1")
    assert report.ok and report.total == 200
    assert [(r.line, r.size) for r in report.rows] == [(2, 1), (3, 99), (4, 100)]
    listed = await numbers.list_numbers(db, site="LON1")
    assert len(listed) == 200 and listed[0].main_candidate and not listed[1].main_candidate
    assert {v.state for v in listed} == {"available"}


async def test_failed_import_changes_nothing_and_says_which_rows(db: Database) -> None:
    await make_site(db, "LON1")
    await import_numbers(db, ACTOR, read_csv("020 7946 0500,020 7946 0509\n"), site="LON1")
    before = await snapshot(db)
    bad = (
        "first,last\n"
        "020 7946 0000,020 7946 0099\n"  # fine
        "020 7946 0050,020 7946 0060\n"  # overlaps line 2
        "020 7946 0505,\n"  # already in the installation
        "0161 496 0000,\n"  # fine
        "+1 212 555 0100,\n"  # not a GB number
        "020 7946 012,\n"  # too short
        "020 7946 0300,020 7946 0200\n"  # backwards
    )
    with pytest.raises(ImportRefused) as refused:
        await import_numbers(db, ACTOR, read_csv(bad), site="LON1")
    rows = refused.value.report.rows
    assert [r.ok for r in rows] == [True, False, False, True, False, False, False]
    assert "overlaps line 2" in rows[1].message
    assert rows[2].message == "020 7946 0505 already exists at LON1"
    assert "not a GB number" in rows[4].message
    assert "not a valid phone number" in rows[5].message
    assert "below the first" in rows[6].message
    assert str(refused.value) == "5 of 7 rows refused; nothing was imported"
    assert await snapshot(db) == before


async def test_dry_run_reports_and_writes_nothing(db: Database) -> None:
    await make_site(db, "LON1")
    before = await snapshot(db)
    report = await import_numbers(db, ACTOR, read_csv(GOOD), site="LON1", dry_run=True)
    assert report.ok and report.total == 200 and report.dry_run
    assert await snapshot(db) == before


async def test_ported_block_arrives_held_for_its_occupier(db: Database) -> None:
    await make_site(db, "LON1")
    await make_occupier(db, "halcyon")
    await import_numbers(
        db,
        ACTOR,
        read_csv("020 7946 0500,020 7946 0509\n"),
        site="LON1",
        origin="ported",
        occupier="halcyon",
    )
    held = await numbers.list_numbers(db, occupier="halcyon")
    assert len(held) == 10 and {(v.state, v.origin) for v in held} == {("reserved", "ported")}


async def test_import_refusals(db: Database) -> None:
    await make_site(db, "LON1")
    await make_occupier(db, "nomad", site="LON1")
    with pytest.raises(NotFound, match="unknown site"):
        await import_numbers(db, ACTOR, read_csv(GOOD), site="XXX")
    with pytest.raises(InvalidInput, match="unknown origin"):
        await import_numbers(db, ACTOR, read_csv(GOOD), site="LON1", origin="stolen")
    with pytest.raises(InvalidInput, match="'first'"):
        read_csv("start,end\n020 7946 0000,\n")
    with pytest.raises(ImportRefused, match="no numbers"):
        await import_numbers(db, ACTOR, read_csv("first,last\n"), site="LON1")
    with pytest.raises(InvalidInput, match="ported numbers are brought in for one occupier"):
        await import_numbers(db, ACTOR, read_csv("020 7946 0000\n"), site="LON1", origin="ported")
    with pytest.raises(ImportRefused) as refused:
        await import_numbers(
            db,
            ACTOR,
            read_csv("020 7946 0000,,yes\n"),
            site="LON1",
            origin="custom",
            occupier="nomad",
        )
    assert "only pool numbers" in refused.value.report.rows[0].message
    await make_site(db, "MAN1")
    from voiceconsole.services.occupiers import create_occupier

    await create_occupier(db, ACTOR, name="Elsewhere", code="elsewhere", site="MAN1")
    with pytest.raises(RuleViolation, match="does not occupy LON1"):
        await import_numbers(
            db, ACTOR, read_csv(GOOD), site="LON1", origin="ported", occupier="elsewhere"
        )


def test_headerless_csv_and_blank_lines() -> None:
    rows = read_csv("020 7946 0000,020 7946 0009\n\n+44 20 7946 0010\n")
    assert [(r.line, r.first, r.last) for r in rows] == [
        (1, "020 7946 0000", "020 7946 0009"),
        (3, "+44 20 7946 0010", ""),
    ]
