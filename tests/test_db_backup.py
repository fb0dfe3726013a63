"""`db upgrade` backs the SQLite file up first; `db backup` and `db restore` work online;
PostgreSQL gets its own tools (issue 17)."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest
from test_database_safety import REVISIONS, at_revision, revision_of, run

from voiceconsole.db import backup, migrate

HEAD = REVISIONS[-1]
SITE_0008 = (
    "INSERT INTO sites (id, code, name, country, timezone, main_number_policy, cooldown_days,"
    " created_at) VALUES (1, 'LON1', 'London', 'GB', 'Europe/London', 'auto', 90,"
    " '2026-11-19 09:30:00')"
)
NEW_SITE = ["sites", "add", "--code", "NEW1", "--name", "New", "--country", "GB",
            "--timezone", "Europe/London"]  # fmt: skip


@pytest.fixture(autouse=True)
def _no_database_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOICECONSOLE_DB", raising=False)


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def test_db_upgrade_leaves_a_backup_that_db_restore_brings_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = tmp_path / "estate.db"
    asyncio.run(at_revision(str(live), "0008"))
    sql(live, SITE_0008)
    before = dump(live)

    assert main_ok(capsys, "--db", str(live), "db", "upgrade") == (
        f"schema is at revision {HEAD} (was 0008)\n",
        f"backed up {live} to {live}.before-{HEAD}.bak\n",
    )
    taken = Path(f"{live}.before-{HEAD}.bak")
    assert taken.stat().st_mode & 0o777 == 0o600  # it holds SIP secrets too
    assert dump(taken) == before
    assert not taken.with_name(taken.name + "-wal").exists()  # one self-contained file
    assert asyncio.run(revision_of(str(live))) == HEAD

    # Work after the upgrade, then back to the day before it.
    assert main_ok(capsys, "--db", str(live), *NEW_SITE)
    out, _ = main_ok(capsys, "--db", str(live), "db", "restore", str(taken))
    assert out == (
        f"restored {live} from {taken} (revision 0008); its schema is older (revision 0008): "
        "run `voiceconsole db upgrade`\n"
    )
    assert dump(live) == before
    assert asyncio.run(revision_of(str(live))) == "0008"
    status, err = run(capsys, "--db", str(live), "sites", "list")
    assert status == 1 and "run `voiceconsole db upgrade`" in err[0]
    # A second upgrade does not overwrite the first one's backup.
    main_ok(capsys, "--db", str(live), "db", "upgrade")
    assert dump(Path(f"{live}.before-{HEAD}.2.bak")) == before


def main_ok(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    from voiceconsole.cli.main import main

    status = main(list(args))
    out, err = capsys.readouterr()
    assert status == 0, err
    return out, err


def test_a_backup_is_consistent_while_a_reader_and_a_writer_are_at_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = tmp_path / "estate.db"
    main_ok(capsys, "--db", str(live), "--create", *NEW_SITE)
    sql(live, "UPDATE sites SET name = 'Committed' WHERE code = 'NEW1'")
    reader = sqlite3.connect(live, isolation_level=None)
    writer = sqlite3.connect(live, isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT name FROM sites").fetchall() == [("Committed",)]
        writer.execute("BEGIN IMMEDIATE")  # holds the write lock, mid-transaction
        writer.execute("UPDATE sites SET name = 'Half done' WHERE code = 'NEW1'")
        copy = tmp_path / "copy.bak"
        out, _ = main_ok(capsys, "--db", str(live), "db", "backup", str(copy))
        assert out == f"backed up {live} (revision {HEAD}) to {copy}\n"
        writer.execute("COMMIT")
        reader.execute("COMMIT")
    finally:
        reader.close()
        writer.close()
    state = backup.check_backup(copy, migrate.revisions())  # ours, whole, intact
    assert state.kind == "current"
    taken = sqlite3.connect(copy)
    try:
        assert taken.execute("SELECT name FROM sites").fetchall() == [("Committed",)]
        assert taken.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    finally:
        taken.close()
    status, err = run(capsys, "--db", str(live), "db", "backup", str(copy))
    assert status == 1
    assert err == [f"voiceconsole: error: {copy} exists already; choose a new name; "
                   "nothing was written"]  # fmt: skip


def test_restore_into_a_database_a_console_holds_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The backup API writes into the live file: a reader mid-transaction keeps its snapshot
    and sees the restored data at its next one."""
    live = tmp_path / "estate.db"
    main_ok(capsys, "--db", str(live), "--create", *NEW_SITE)
    copy = tmp_path / "copy.bak"
    main_ok(capsys, "--db", str(live), "db", "backup", str(copy))
    sql(live, "UPDATE sites SET name = 'Changed since' WHERE code = 'NEW1'")
    console = sqlite3.connect(live, isolation_level=None)
    try:
        console.execute("BEGIN")
        assert console.execute("SELECT name FROM sites").fetchall() == [("Changed since",)]
        main_ok(capsys, "--db", str(live), "db", "restore", str(copy))
        assert console.execute("SELECT name FROM sites").fetchall() == [("Changed since",)]
        console.execute("COMMIT")
        assert console.execute("SELECT name FROM sites").fetchall() == [("New",)]
        assert console.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        console.close()
    assert main_ok(capsys, "--db", str(live), "sites", "list", "--json")


def _foreign(path: Path) -> None:
    sql(path, "CREATE TABLE accounts (id INTEGER PRIMARY KEY)", "INSERT INTO accounts VALUES (1)")


def _newer(path: Path) -> None:
    sql(path, "UPDATE alembic_version SET version_num = '9999'")


def _damaged(path: Path) -> None:
    with path.open("r+b") as file:  # a page in the middle of the file, not the schema's
        file.seek(path.stat().st_size // 2)
        file.write(b"\xff" * 600)


@pytest.mark.parametrize(
    ("spoil", "said"),
    [
        (_foreign, "is not a voiceconsole database"),
        (_newer, "is from a newer voiceconsole (revision 9999; this one knows up to"),
        (_damaged, "is damaged ("),
        (lambda p: p.write_text("not a database"), "is not a SQLite database"),
        (lambda p: p.unlink(), "no backup file at"),
    ],
    ids=["foreign", "newer", "damaged", "not a database", "missing"],
)
def test_restore_refuses_what_it_cannot_bring_back_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spoil, said: str
) -> None:
    live = tmp_path / "estate.db"
    main_ok(capsys, "--db", str(live), "--create", *NEW_SITE)
    copy = tmp_path / "copy.bak"
    if spoil is _foreign:
        _foreign(copy)
    else:
        main_ok(capsys, "--db", str(live), "db", "backup", str(copy))
        spoil(copy)
    before = dump(live)
    status, err = run(capsys, "--db", str(live), "db", "restore", str(copy))
    assert status == 1 and len(err) == 1, err
    assert said in err[0] and err[0].endswith("nothing was changed"), err
    assert dump(live) == before


def test_restore_refuses_to_overwrite_a_database_that_is_not_ours(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = tmp_path / "estate.db"
    main_ok(capsys, "--db", str(ours), "--create", *NEW_SITE)
    copy = tmp_path / "copy.bak"
    main_ok(capsys, "--db", str(ours), "db", "backup", str(copy))
    theirs = tmp_path / "shop.db"
    _foreign(theirs)
    before = theirs.read_bytes()
    status, err = run(capsys, "--db", str(theirs), "db", "restore", str(copy))
    assert status == 1 and "not voiceconsole's" in err[0]
    assert theirs.read_bytes() == before


def test_restore_onto_a_new_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ours = tmp_path / "estate.db"
    main_ok(capsys, "--db", str(ours), "--create", *NEW_SITE)
    copy = tmp_path / "copy.bak"
    main_ok(capsys, "--db", str(ours), "db", "backup", str(copy))
    elsewhere = tmp_path / "restored.db"
    main_ok(capsys, "--db", str(elsewhere), "db", "restore", str(copy))
    assert dump(elsewhere) == dump(ours)


@pytest.mark.postgres
def test_postgresql_backups_are_pg_dumps_own(
    postgres_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for command in ("backup", "restore"):
        status, err = run(capsys, "--db", postgres_url, "db", command, str(tmp_path / "x"))
        assert status == 1 and len(err) == 1
        assert "is PostgreSQL: " in err[0] and ("pg_dump" in err[0] or "pg_restore" in err[0])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.postgres
def test_db_upgrade_on_postgresql_asks_for_a_dump_or_takes_one(
    empty_pg_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    asyncio.run(at_revision(empty_pg_url, "0008"))
    status, err = run(capsys, "--db", empty_pg_url, "db", "upgrade")
    assert status == 1 and len(err) == 1
    assert "take a backup first" in err[0] and "--pg-dump FILE" in err[0]
    assert asyncio.run(revision_of(empty_pg_url)) == "0008"
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed here")
    dumped = tmp_path / "before.dump"
    _, said = main_ok(capsys, "--db", empty_pg_url, "db", "upgrade", "--pg-dump", str(dumped))
    assert f"written to {dumped}" in said
    assert dumped.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
    assert asyncio.run(revision_of(empty_pg_url)) == HEAD


def test_pg_dump_options_are_refused_on_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = tmp_path / "estate.db"
    asyncio.run(at_revision(str(live), "0008"))
    for option in (["--pg-dump", str(tmp_path / "x.dump")], ["--without-backup"]):
        status, err = run(capsys, "--db", str(live), "db", "upgrade", *option)
        assert status == 1 and len(err) == 1 and "are for PostgreSQL" in err[0]
    assert asyncio.run(revision_of(str(live))) == "0008"
    assert [p.name for p in tmp_path.iterdir()] == ["estate.db"]
