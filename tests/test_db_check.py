"""`db check`: each invariant broken on purpose in a copy of the sample data is found and named,
and the command exits 1; the sample data and the large data set pass.

The breaks are written with raw SQL on the file (Python's sqlite3, whose connections leave
foreign keys off), as a hand edit, a faulty script or a damaged restore would. Where the
schema itself forbids the break, the test says how it takes that guard away first.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from voiceconsole.cli.main import main
from voiceconsole.config import provisioning_settings
from voiceconsole.db.database import Database
from voiceconsole.domain.checks import Found
from voiceconsole.services import estate_check
from voiceconsole.services.estate_check import CHECKS, Check, Scope, check_estate
from voiceconsole.services.handsets import login_number
from voiceconsole.services.seed import load_large_demo, load_sample_data

NAMES = [c.name for c in CHECKS]


@pytest.fixture
def estate(tmp_path: Path, seeded_template: Path) -> Path:
    """A fresh copy of the sample data (SQLite file), to break."""
    path = tmp_path / "estate.db"
    shutil.copyfile(seeded_template, path)
    return path


def raw(path: Path, *statements: str) -> None:
    with sqlite3.connect(path) as conn:  # foreign keys off: nothing stops the break
        for statement in statements:
            conn.execute(statement)
    conn.close()


def one(path: Path, query: str) -> Any:
    with sqlite3.connect(path) as conn:
        row = conn.execute(query).fetchone()
    conn.close()
    assert row is not None, query
    return row


def run(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["db", "check", "--db", str(path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def failing(
    path: Path, capsys: pytest.CaptureFixture[str], name: str, *, also: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """The violations of check `name`, which must be the only check that fails (besides
    those named in `also`); exit 1."""
    code, out, err = run(path, capsys, "--json")
    assert code == 1, out
    assert name in err and "problem" in err
    result = json.loads(out)
    assert result["ok"] is False
    failed = {c["name"]: c for c in result["checks"] if not c["ok"]}
    assert sorted(failed) == sorted([name, *also]), failed
    return failed[name]["violations"]  # type: ignore[no-any-return]


def without_constraint(path: Path, table: str, constraint: str) -> None:
    """Rebuild `table` without one of its table constraints (SQLite cannot drop one): the
    state of a database restored from a dump that lost it."""
    with sqlite3.connect(path) as conn:
        (sql,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        indexes = [
            r[0]
            for r in conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL",
                (table,),
            )
        ]
        start = sql.index(f"CONSTRAINT {constraint} ")
        end = sql.index(")", start) + 1
        before, rest = sql[:start].rstrip(), sql[end:].lstrip()
        if rest.startswith(","):  # not the last item: drop the comma after it
            stripped = before + " " + rest[1:].lstrip()
        else:  # the last item: drop the comma before it
            stripped = before.removesuffix(",") + "\n" + rest
        assert constraint not in stripped
        conn.execute("ALTER TABLE " + table + " RENAME TO old_" + table)
        conn.execute(stripped)
        conn.execute(f'INSERT INTO "{table}" SELECT * FROM old_{table}')
        conn.execute(f"DROP TABLE old_{table}")
        for index in indexes:
            conn.execute(index)
    conn.close()


def test_the_sample_data_passes(estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(estate, capsys)
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0].split() == ["CHECK", "RESULT", "NOTE"]
    assert [line.split()[:2] for line in lines[1 : 1 + len(NAMES)]] == [[n, "ok"] for n in NAMES]


def test_json_shape(estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(estate, capsys, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["ok"] is True and result["backend"] == "sqlite"
    assert [c["name"] for c in result["checks"]] == NAMES
    for check in result["checks"]:
        assert set(check) == {"name", "description", "ok", "note", "more", "violations"}
        assert check["ok"] is True and check["violations"] == [] and check["description"]


def test_it_changes_nothing(estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw(estate, "UPDATE service_assignments SET quantity = 0")  # something to find
    before = estate.read_bytes()
    assert run(estate, capsys)[0] == 1
    # Its WAL checkpointed into the file, the database is as it was (byte for byte).
    with sqlite3.connect(estate) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert estate.read_bytes() == before


def test_integrity_finds_an_index_that_no_longer_matches_its_table(
    estate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Damage an index the way a bad disk or a torn copy could: its definition now says it
    # covers another column than the entries it holds (writable_schema edits the catalogue).
    with sqlite3.connect(estate) as conn:
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute(
            "UPDATE sqlite_master SET sql = replace(sql, '(range_id)', '(site_id)') "
            "WHERE name = 'ix_phone_numbers_range_id'"
        )
        version = conn.execute("PRAGMA schema_version").fetchone()[0]
        conn.execute(f"PRAGMA schema_version = {version + 1}")
    conn.close()
    violations = failing(estate, capsys, "integrity")
    assert any("ix_phone_numbers_range_id" in v["text"] for v in violations)


def test_foreign_keys_names_the_row_and_column(
    estate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (floor_port,) = one(estate, "SELECT id FROM floor_ports ORDER BY id LIMIT 1")
    raw(estate, f"UPDATE floor_ports SET occupier_id = 9999 WHERE id = {floor_port}")
    (violation,) = failing(estate, capsys, "foreign_keys")
    assert violation["text"] == (
        f"floor_ports row {floor_port}: its occupier_id names no row of occupiers"
    )
    assert violation["rows"] == {"floor_ports": [floor_port]}


def test_number_owners_one_number_in_two_rows(
    estate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # uq_phone_numbers_e164 forbids a second row; the table is rebuilt without it first.
    without_constraint(estate, "phone_numbers", "uq_phone_numbers_e164")
    number_id, e164 = one(
        estate,
        "SELECT id, e164 FROM phone_numbers WHERE state = 'reserved' AND origin = 'pool' "
        "AND NOT is_main ORDER BY id LIMIT 1",
    )
    other, code = one(estate, "SELECT id, code FROM occupiers ORDER BY id DESC LIMIT 1")
    raw(
        estate,
        "INSERT INTO phone_numbers (e164, e164_value, site_id, origin, state, occupier_id, "
        "is_main, main_candidate, label, voicemail, dnd) SELECT e164, e164_value, site_id, "
        f"origin, state, {other}, 0, 0, '', 0, 0 FROM phone_numbers WHERE id = {number_id}",
    )
    (copy,) = one(estate, f"SELECT max(id) FROM phone_numbers WHERE e164 = '{e164}'")
    (violation,) = failing(estate, capsys, "number_owners")
    assert violation["rows"] == {"phone_numbers": [number_id, copy]}
    assert "is in 2 rows" in violation["text"]
    assert f"row {copy} (held by {code} at " in violation["text"]


def test_number_owners_a_ported_number_held_by_another_occupier(
    estate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Nothing in the schema ties a number to the occupier its range was ported in for.
    number_id, range_id, owner = one(
        estate,
        "SELECT p.id, r.id, r.occupier_id FROM phone_numbers p "
        "JOIN number_ranges r ON r.id = p.range_id "
        "WHERE r.origin = 'ported' AND p.state = 'reserved' ORDER BY p.id LIMIT 1",
    )
    other, code = one(
        estate, f"SELECT id, code FROM occupiers WHERE id != {owner} ORDER BY id LIMIT 1"
    )
    raw(estate, f"UPDATE phone_numbers SET occupier_id = {other} WHERE id = {number_id}")
    (violation,) = failing(estate, capsys, "number_owners")
    assert violation["rows"]["phone_numbers"] == [number_id]
    assert violation["rows"]["number_ranges"] == [range_id]
    assert violation["rows"]["occupiers"] == [owner, other]
    assert "is ported in for" in violation["text"]
    assert violation["text"].endswith(f"but is held by {code}")


def test_quantity_active_numbers_beyond_the_voice_quantity(
    estate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The console refuses both an activation beyond the quantity and a decrease below the
    # active numbers; the quantity is cut by hand.
    assignment, occupier, site, code, site_code = one(
        estate,
        "SELECT a.id, a.occupier_id, a.site_id, o.code, s.code FROM service_assignments a "
        "JOIN occupiers o ON o.id = a.occupier_id JOIN sites s ON s.id = a.site_id "
        "WHERE a.quantity >= 2 AND (SELECT count(*) FROM phone_numbers p WHERE "
        "p.occupier_id = a.occupier_id AND p.site_id = a.site_id AND p.state = 'active' "
        "AND NOT p.is_main) = a.quantity ORDER BY a.id LIMIT 1",
    )
    (active,) = one(
        estate,
        f"SELECT count(*) FROM phone_numbers WHERE occupier_id = {occupier} "
        f"AND site_id = {site} AND state = 'active' AND NOT is_main",
    )
    raw(estate, f"UPDATE service_assignments SET quantity = 1 WHERE id = {assignment}")
    (violation,) = failing(estate, capsys, "quantity")
    assert violation["text"].startswith(
        f"{code} at {site_code}: {active} active numbers for a voice quantity of 1 "
        f"({active - 1} beyond it): "
    )
    assert violation["rows"]["occupiers"] == [occupier]
    assert violation["rows"]["sites"] == [site]
    assert len(violation["rows"]["phone_numbers"]) == active


def test_quantity_an_active_number_held_by_nobody(
    estate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The schema's check only forbids a holder-less number in `available` or `cooldown`.
    (number_id,) = one(
        estate, "SELECT id FROM phone_numbers WHERE state = 'available' ORDER BY id LIMIT 1"
    )
    raw(estate, f"UPDATE phone_numbers SET state = 'active' WHERE id = {number_id}")
    (violation,) = failing(estate, capsys, "quantity")
    assert "1 active number at" in violation["text"] and "held by no occupier" in violation["text"]
    assert violation["rows"]["phone_numbers"] == [number_id]


def test_main_numbers_two_for_one_occupier(
    estate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # uq_phone_numbers_main (a partial unique index) forbids it: dropped first.
    main_id, occupier, site = one(
        estate,
        "SELECT id, occupier_id, site_id FROM phone_numbers WHERE is_main ORDER BY id LIMIT 1",
    )
    (spare,) = one(
        estate,
        f"SELECT id FROM phone_numbers WHERE occupier_id = {occupier} AND site_id = {site} "
        "AND state IN ('reserved', 'active') AND NOT is_main ORDER BY id LIMIT 1",
    )
    (code,) = one(estate, f"SELECT code FROM occupiers WHERE id = {occupier}")
    raw(
        estate,
        "DROP INDEX uq_phone_numbers_main",
        f"UPDATE phone_numbers SET is_main = 1 WHERE id = {spare}",
    )
    (violation,) = failing(estate, capsys, "main_numbers")
    assert f"{code} at " in violation["text"] and "has 2 main numbers" in violation["text"]
    assert sorted(violation["rows"]["phone_numbers"]) == sorted([main_id, spare])
    assert violation["rows"]["occupiers"] == [occupier]


def test_main_numbers_a_main_number_without_a_holder(
    estate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # ck_phone_numbers_main_number_has_holder forbids it: this connection ignores checks.
    # SQLite's integrity_check evaluates CHECK constraints too, so it says so as well.
    (main_id,) = one(estate, "SELECT id FROM phone_numbers WHERE is_main ORDER BY id LIMIT 1")
    raw(
        estate,
        "PRAGMA ignore_check_constraints = ON",
        f"UPDATE phone_numbers SET occupier_id = NULL WHERE id = {main_id}",
    )
    violations = failing(estate, capsys, "main_numbers", also=("integrity",))
    assert [v["rows"] for v in violations] == [{"phone_numbers": [main_id]}]
    assert violations[0]["text"].endswith("is a main number but has no occupier")


def _deployed_handset(path: Path) -> tuple[int, int, int, str]:
    return one(  # type: ignore[no-any-return]
        path,
        "SELECT h.id, h.occupier_id, h.site_id, h.label FROM handsets h "
        "WHERE h.state = 'deployed' AND h.model = 'yealink-t54w' ORDER BY h.id LIMIT 1",
    )


def test_handset_logins_a_login_on_a_number_that_is_not_active(
    estate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A logged-in number deactivated by hand, without the logout the console does first.
    handset, occupier, site, _ = _deployed_handset(estate)
    (number_id,) = one(
        estate,
        f"SELECT id FROM phone_numbers WHERE occupier_id = {occupier} AND site_id = {site} "
        "AND state = 'active' AND NOT is_main ORDER BY id LIMIT 1",
    )
    raw(
        estate,
        "INSERT INTO handset_lines (handset_id, number_id, line_key, method, status, "
        f"logged_in_at, logged_in_by) VALUES ({handset}, {number_id}, 1, 'manual', "
        "'manual_pending', '2026-11-19 09:30:00', 'someone')",
        f"UPDATE phone_numbers SET state = 'reserved' WHERE id = {number_id}",
    )
    (line,) = one(estate, "SELECT max(id) FROM handset_lines")
    (violation,) = failing(estate, capsys, "handset_logins")
    assert violation["rows"] == {
        "handset_lines": [line],
        "phone_numbers": [number_id],
        "handsets": [handset],
    }
    assert "(line 1): the number is reserved, not active" in violation["text"]


def test_handset_logins_one_number_on_two_handsets(
    estate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # uq_handset_lines_number_id forbids it: the table is rebuilt without it first.
    without_constraint(estate, "handset_lines", "uq_handset_lines_number_id")
    first, occupier, site, _ = _deployed_handset(estate)
    (second,) = one(
        estate,
        f"SELECT id FROM handsets WHERE occupier_id = {occupier} AND site_id = {site} "
        f"AND id != {first} AND state = 'deployed' ORDER BY id LIMIT 1",
    )
    (number_id,) = one(
        estate,
        f"SELECT id FROM phone_numbers WHERE occupier_id = {occupier} AND site_id = {site} "
        "AND state = 'active' AND NOT is_main ORDER BY id LIMIT 1",
    )
    raw(
        estate,
        *(
            "INSERT INTO handset_lines (handset_id, number_id, line_key, method, status, "
            f"logged_in_at, logged_in_by) VALUES ({h}, {number_id}, 1, 'manual', "
            "'manual_pending', '2026-11-19 09:30:00', 'someone')"
            for h in (first, second)
        ),
    )
    (violation,) = failing(estate, capsys, "handset_logins")
    assert "is logged in to 2 handsets" in violation["text"]
    assert violation["rows"]["phone_numbers"] == [number_id]
    assert violation["rows"]["handsets"] == [first, second]


def test_audit_subjects_naming_rows_that_do_not_exist(
    estate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The journal has no foreign keys to sites or occupiers, by design: nothing stops it.
    (entry, action) = one(estate, "SELECT id, action FROM audit_entries ORDER BY id LIMIT 1")
    raw(
        estate,
        f"INSERT INTO audit_subjects (audit_id, site_id, occupier_id) VALUES ({entry}, 1, 9999)",
    )
    (subject,) = one(estate, "SELECT max(id) FROM audit_subjects")
    (violation,) = failing(estate, capsys, "audit_subjects")
    assert violation["text"] == (
        f"audit subject {subject} of entry {entry} ({action}) names occupier 9999, "
        "which does not exist"
    )
    assert violation["rows"] == {"audit_subjects": [subject], "audit_entries": [entry]}


def _log_in(path: Path) -> tuple[str, str]:
    """Log an active number in to a remote handset the console's way (which writes the
    phone's file); returns the file's name and the line's SIP user."""
    handset, occupier, site, _ = _deployed_handset(path)
    (e164,) = one(
        path,
        f"SELECT e164 FROM phone_numbers WHERE occupier_id = {occupier} AND site_id = {site}"
        " AND state = 'active' AND NOT is_main ORDER BY id LIMIT 1",
    )
    raw(path, f"UPDATE handsets SET sip_address = NULL WHERE id = {handset}")  # no re-sync

    async def log_in() -> None:
        db = Database(str(path))
        try:
            await login_number(db, "tester", handset=handset, number=e164)
        finally:
            await db.close()

    asyncio.run(log_in())
    (mac,) = one(path, f"SELECT mac FROM handsets WHERE id = {handset}")
    return mac.replace(":", "") + ".cfg", e164.lstrip("+")


def test_provisioning_files_match_logins(estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name, _ = _log_in(estate)
    assert (provisioning_settings().directory / name).is_file()
    assert run(estate, capsys)[0] == 0


def test_provisioning_a_login_without_its_file(
    estate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, _ = _log_in(estate)
    (provisioning_settings().directory / name).unlink()
    (violation,) = failing(estate, capsys, "provisioning_files")
    assert f"{name} is missing, yet " in violation["text"]
    assert "is logged in to it" in violation["text"]


def test_provisioning_a_file_without_a_login(
    estate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = provisioning_settings().directory
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "0a0b0c0d0e0f.cfg").write_text("#!version:1.0.0.1\n", encoding="utf-8")
    (folder / "0a0b0c0d0e0f-phone.cfg").write_text("uploaded by a phone\n", encoding="utf-8")
    (folder / "site.cfg").write_text("shared\n", encoding="utf-8")  # not a phone's own: ignored
    (violation,) = failing(estate, capsys, "provisioning_files")
    assert violation["text"].startswith(
        "0a0b0c0d0e0f.cfg is in the provisioning folder but no remote handset has it"
    )


def test_provisioning_a_file_whose_content_does_not_match(
    estate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, user = _log_in(estate)
    path = provisioning_settings().directory / name
    path.write_text(path.read_text(encoding="utf-8").replace(user, "442079469999"), "utf-8")
    violations = failing(estate, capsys, "provisioning_files")
    texts = [v["text"] for v in violations]
    assert any(f"{name} carries 020 7946 9999, which is not logged in to it" in t for t in texts)
    assert any(f"is logged in to it but not in {name}" in t for t in texts)


async def test_sample_data_passes_on_each_backend(db: Database) -> None:
    await load_sample_data(db, "sample-data")
    result = await check_estate(db)
    assert result.ok, [v.text for c in result.checks for v in c.violations]
    assert [c.name for c in result.checks] == NAMES
    if db.dialect == "postgresql":
        notes = {c.name: c.note for c in result.checks}
        assert "PostgreSQL" in notes["integrity"] and "PostgreSQL" in notes["foreign_keys"]


@pytest.fixture(scope="module")
def large_estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The large demo data set (1,000,000 numbers) in an SQLite file: about 30 s to make on
    the build machine, so once for this module."""
    path = tmp_path_factory.mktemp("large") / "large.db"

    async def make() -> None:
        db = await Database.open(str(path))
        try:
            await load_large_demo(db, "bench")
        finally:
            await db.close()

    started = time.monotonic()
    asyncio.run(make())
    print(f"large data set made in {time.monotonic() - started:.0f} s")
    yield path


@pytest.mark.slow
def test_the_large_data_set_passes(large_estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(large_estate, capsys)
    assert code == 0, out + err


@pytest.mark.postgres
async def test_postgresql_reads_one_snapshot_and_writes_nothing(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, str]] = []

    async def probe(scope: Scope) -> Found:
        isolation = await scope.conn.scalar(text("SHOW transaction_isolation"))
        read_only = await scope.conn.scalar(text("SHOW transaction_read_only"))
        seen.append((isolation, read_only))
        return Found([])

    monkeypatch.setattr(estate_check, "CHECKS", (Check("probe", "the transaction", probe),))
    db = Database(postgres_url)
    try:
        assert (await check_estate(db)).ok
    finally:
        await db.close()
    assert seen == [("repeatable read", "on")]


@pytest.mark.postgres
async def test_postgresql_foreign_keys_with_their_triggers_disabled(postgres_url: str) -> None:
    # How a bulk load or a restore can leave references unchecked (needs a superuser).
    db = Database(postgres_url)
    try:
        await load_sample_data(db, "sample-data")
        async with db.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE handset_lines DISABLE TRIGGER ALL"))
        try:
            result = await check_estate(db)
        finally:
            async with db.engine.begin() as conn:
                await conn.execute(text("ALTER TABLE handset_lines ENABLE TRIGGER ALL"))
    finally:
        await db.close()
    failed = {c.name: c for c in result.checks if not c.ok}
    assert list(failed) == ["foreign_keys"]
    texts = sorted(v.text for v in failed["foreign_keys"].violations)
    assert texts == [
        "handset_lines: foreign key fk_handset_lines_handset_id_handsets has its triggers disabled",
        "handset_lines: foreign key fk_handset_lines_number_id_phone_numbers has its triggers "
        "disabled",
    ]


@pytest.mark.postgres
async def test_postgresql_integrity_with_amcheck(postgres_url: str) -> None:
    db = Database(postgres_url)
    try:
        await load_sample_data(db, "sample-data")
        before = {c.name: c.note for c in (await check_estate(db)).checks}
        async with db.engine.begin() as conn:
            available = await conn.scalar(
                text("SELECT 1 FROM pg_available_extensions WHERE name = 'amcheck'")
            )
            if not available:
                pytest.skip("the PostgreSQL server has no amcheck extension")
            await conn.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
        try:
            result = await check_estate(db)
        finally:
            async with db.engine.begin() as conn:
                await conn.execute(text("DROP EXTENSION amcheck"))
    finally:
        await db.close()
    assert "amcheck extension is not installed" in before["integrity"]
    assert result.ok
    assert {c.name: c.note for c in result.checks}["integrity"] == (
        "PostgreSQL: every B-tree index checked with amcheck"
    )


def test_human_output_one_line_per_check_then_the_problems(
    estate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw(estate, "INSERT INTO audit_subjects (audit_id, site_id, occupier_id) VALUES (1, 77, NULL)")
    (subject,) = one(estate, "SELECT max(id) FROM audit_subjects")
    code, out, err = run(estate, capsys)
    assert code == 1
    assert err == "voiceconsole: error: the check found 1 problem (audit_subjects)\n"
    lines = out.splitlines()
    results = {line.split()[0]: line.split()[1:3] for line in lines[1 : 1 + len(NAMES)]}
    assert results["audit_subjects"] == ["1", "problem"]
    assert all(results[n][0] == "ok" for n in NAMES if n != "audit_subjects")
    assert lines[-3].startswith("audit_subjects: every audit subject names")
    assert (
        lines[-2]
        == f"  audit subject {subject} of entry 1 (demo.load) names site 77, which does not exist"
    )
    assert lines[-1] == f"    rows: audit_subjects {subject}; audit_entries 1"


def test_quick_integrity(estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(estate, capsys, "--quick", "--json")
    assert code == 0
    (integrity,) = [c for c in json.loads(out)["checks"] if c["name"] == "integrity"]
    assert (
        integrity["ok"] and integrity["note"] == "quick: indexes not matched against their tables"
    )
