"""Only an empty database or voiceconsole's own is used (issue 17): another's is refused in
one line and left exactly as it was; an older schema of ours is not upgraded by the console
or a command, only by `voiceconsole db upgrade`."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from helpers import PG_SERVER
from sqlalchemy.engine import Connection, make_url

from voiceconsole.cli.main import main
from voiceconsole.config import ConsoleSettings
from voiceconsole.db import migrate
from voiceconsole.db.engine import make_engine
from voiceconsole.db.ownership import Facts, classify
from voiceconsole.tui.app import VoiceconsoleApp

REVISIONS = migrate.revisions()


@pytest.fixture(autouse=True)
def _no_database_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOICECONSOLE_DB", raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    """`voiceconsole ARGS` in this process: its exit status and its error lines."""
    status = main(list(args))
    return status, capsys.readouterr().err.splitlines()


def _upgrade_to(connection: Connection, revision: str) -> None:
    from alembic import command

    command.upgrade(migrate._config(connection), revision)


async def at_revision(url: str, revision: str) -> None:
    """Our schema as an older voiceconsole left it."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade_to, revision)
    finally:
        await engine.dispose()


async def revision_of(url: str) -> str | None:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            found = await conn.exec_driver_sql("SELECT version_num FROM alembic_version")
            return found.scalar_one()
    finally:
        await engine.dispose()


async def open_in_the_console(url: str) -> int | None:
    """The console's own open path (a URL handed to the app): its exit status."""
    app = VoiceconsoleApp(url, actor="qa", settings=ConsoleSettings(cursor_blink=False))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
    assert app.db is None
    return app.return_code


# What the commands try against a database that is not ours; each must be refused.
def attempts(url: str, tmp_path: Path) -> list[list[str]]:
    return [
        ["--db", url, "sites", "list"],
        ["--db", url, "--create", "sites", "list"],
        ["--db", url, "db", "upgrade"],
        ["--db", url, "db", "upgrade", "--without-backup"],
        ["--db", url, "--json", "demo", "load"],
    ]


# --- SQLite ---------------------------------------------------------------------------------

FOREIGN_SQLITE = {
    "another product's file": [
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT)",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, account_id INTEGER, total REAL)",
        "INSERT INTO accounts (name) VALUES ('ada'), ('grace')",
        "INSERT INTO orders (account_id, total) VALUES (1, 9.5)",
    ],
    # Another Alembic project whose revision ids look like ours.
    "another alembic project at 0005": [
        "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
        "INSERT INTO alembic_version VALUES ('0005')",
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT)",
    ],
    # ... at the marker's revision, but without the marker.
    "another alembic project at 0011": [
        "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
        "INSERT INTO alembic_version VALUES ('0011')",
        "CREATE TABLE sites (id INTEGER PRIMARY KEY)",
    ],
}


@pytest.mark.parametrize("wal", [False, True], ids=["rollback journal", "wal"])
@pytest.mark.parametrize("kind", list(FOREIGN_SQLITE))
def test_a_sqlite_file_of_another_product_is_refused_and_left_byte_identical(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, wal: bool
) -> None:
    folder = tmp_path / "theirs"
    folder.mkdir()
    path = folder / "shop.db"
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    for statement in FOREIGN_SQLITE[kind]:
        conn.execute(statement)
    conn.commit()
    conn.close()
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    backup = tmp_path / "ours.bak"
    tries = [
        *attempts(str(path), tmp_path),
        ["--db", str(path), "db", "backup", str(tmp_path / "copy.bak")],
    ]
    for args in tries:
        status, err = run(capsys, *args)
        assert status == 1, args
        assert len(err) == 1, (args, err)
        assert "not voiceconsole's" in err[0] and "nothing was changed" in err[0], err
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == before, args
    assert not backup.exists() and not (tmp_path / "copy.bak").exists()
    assert asyncio.run(open_in_the_console(str(path))) == 1
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_file_that_is_not_a_database_is_refused_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping: milk, eggs\n", encoding="utf-8")
    for args in attempts(str(path), tmp_path):
        status, err = run(capsys, *args)
        assert status == 1
        assert err == [
            f"voiceconsole: error: {path} is not a SQLite database (nor voiceconsole's); "
            "nothing was changed"
        ]
    assert path.read_text(encoding="utf-8") == "shopping: milk, eggs\n"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_an_empty_sqlite_file_is_set_up_only_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    status, err = run(capsys, "--db", str(path), "sites", "list")
    assert status == 1
    assert err == [
        f"voiceconsole: error: SQLite file {path} is an empty database; set it up with "
        "`voiceconsole db upgrade`; nothing was changed"
    ]
    assert path.read_bytes() == b""
    assert run(capsys, "--db", str(path), "--create", "sites", "list")[0] == 0
    assert asyncio.run(revision_of(str(path))) == REVISIONS[-1]


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_an_older_schema_is_not_upgraded_by_the_console_or_a_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest, backend: str
) -> None:
    url = (
        str(tmp_path / "old.db") if backend == "sqlite" else request.getfixturevalue("empty_pg_url")
    )
    asyncio.run(at_revision(url, "0008"))
    for args in (["sites", "list"], ["numbers", "list", "--site", "LON1"], []):
        status, err = run(capsys, "--db", url, *args)
        assert status == 1
        assert len(err) == 1 and "revision 0008" in err[0], err
        assert f"needs {REVISIONS[-1]}: run `voiceconsole db upgrade`" in err[0]
        assert asyncio.run(revision_of(url)) == "0008"
    assert asyncio.run(open_in_the_console(url)) == 1
    assert asyncio.run(revision_of(url)) == "0008"


def test_a_schema_newer_than_the_code_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "newer.db"
    assert run(capsys, "--db", str(path), "db", "upgrade")[0] == 0
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    for args in (["sites", "list"], ["db", "upgrade"]):
        status, err = run(capsys, "--db", str(path), *args)
        assert status == 1
        assert err == [
            f"voiceconsole: error: SQLite file {path} holds voiceconsole's schema at revision "
            f"9999, newer than this voiceconsole knows ({REVISIONS[-1]}): upgrade voiceconsole; "
            "nothing was changed"
        ]


def test_what_makes_a_database_ours() -> None:
    first = sorted({"audit_entries", "occupiers", "operator_settings", "phone_numbers",
                    "products", "sites", "alembic_version"})  # fmt: skip
    assert classify(Facts(), REVISIONS).kind == "empty"
    assert classify(Facts(first, ["0008"]), REVISIONS).kind == "older"
    assert classify(Facts(["alembic_version", "sites"], ["0008"]), REVISIONS).kind == "foreign"
    marked = [*first, "voiceconsole_installation"]
    assert classify(Facts(marked, ["0011"], ["voiceconsole"]), REVISIONS).kind in (
        "current",
        "older",
    )
    assert classify(Facts(marked, ["0011"], []), REVISIONS).kind == "foreign"
    assert classify(Facts(marked, ["0011", "0010"], ["voiceconsole"]), REVISIONS).kind == (
        "foreign"
    )
    assert classify(Facts(marked, ["abc"], ["voiceconsole"]), REVISIONS).kind == "newer"
    assert classify(Facts(["accounts"]), REVISIONS).tables == ["accounts"]


# --- PostgreSQL -----------------------------------------------------------------------------

# The catalog of every schema but PostgreSQL's own: schemas, relations (with their storage
# file, so a rewrite shows), columns, functions, triggers, and the foreign rows themselves.
CATALOG = [
    "SELECT nspname, nspowner::int, nspacl::text FROM pg_namespace "
    "WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1",
    "SELECT n.nspname, c.relname, c.relkind, c.relfilenode::int, c.relnatts, c.relhastriggers, "
    "c.relrowsecurity, c.relacl::text FROM pg_class c JOIN pg_namespace n "
    "ON n.oid = c.relnamespace WHERE n.nspname NOT LIKE 'pg\\_%' "
    "AND n.nspname <> 'information_schema' ORDER BY 1, 2",
    "SELECT table_schema, table_name, column_name, data_type, column_default, is_nullable "
    "FROM information_schema.columns "
    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2, 3",
    "SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' ORDER BY 1, 2",
    "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2",
]

FOREIGN_PG = {
    "another product's database": [
        "CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL)",
        "INSERT INTO accounts (name) VALUES ('ada'), ('grace')",
        "CREATE SCHEMA shop",
        "CREATE TABLE shop.orders (id int PRIMARY KEY, total numeric)",
        "INSERT INTO shop.orders VALUES (1, 9.5)",
    ],
    # Like the maintenance database of a server someone also uses: public is empty, a
    # table lives in a schema of its own.
    "a table in another schema only": [
        "CREATE SCHEMA tools",
        "CREATE TABLE tools.settings (key text PRIMARY KEY, value text)",
        "INSERT INTO tools.settings VALUES ('a', 'b')",
    ],
    "another alembic project at 0005": [
        "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)",
        "INSERT INTO alembic_version VALUES ('0005')",
        "CREATE TABLE sites (id int PRIMARY KEY, town text)",
    ],
}


async def _pg(url: str, statements: list[str]) -> list[list[Any]]:
    """Run `statements` in one transaction; the rows of each SELECT."""
    engine = make_engine(url)
    found = []
    try:
        async with engine.begin() as conn:
            for statement in statements:
                result = await conn.exec_driver_sql(statement)
                if statement.startswith("SELECT"):
                    found.append([tuple(row) for row in result.all()])
    finally:
        await engine.dispose()
    return found


def catalog(url: str, extra: list[str]) -> list[list[Any]]:
    return asyncio.run(_pg(url, [*CATALOG, *extra]))


@pytest.mark.postgres
@pytest.mark.parametrize("kind", list(FOREIGN_PG))
def test_a_postgresql_database_of_another_product_is_refused_and_left_as_it_was(
    empty_pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    url = empty_pg_url
    asyncio.run(_pg(url, FOREIGN_PG[kind]))
    tables = [s.split()[2] for s in FOREIGN_PG[kind] if s.startswith("CREATE TABLE")]
    rows = [f"SELECT * FROM {t} ORDER BY 1" for t in tables]
    before = catalog(url, rows)
    shown = sorted(t.removeprefix("public.") for t in tables)
    for args in attempts(url, tmp_path):
        status, err = run(capsys, *args)
        assert status == 1, args
        where = make_url(url)
        assert err == [
            f"voiceconsole: error: {where.username}@{where.host}:{where.port}/{where.database} "
            f"holds {len(shown)} {'table that is' if len(shown) == 1 else 'tables that are'} not "
            f"voiceconsole's ({', '.join(shown)}); nothing was changed"
        ], args
        assert catalog(url, rows) == before, args
    assert asyncio.run(open_in_the_console(url)) == 1
    assert catalog(url, rows) == before


@pytest.mark.postgres
def test_an_empty_postgresql_database_is_set_up_only_by_db_upgrade(
    empty_pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = catalog(empty_pg_url, [])
    for args in (["sites", "list"], ["--create", "sites", "list"], []):
        status, err = run(capsys, "--db", empty_pg_url, *args)
        assert status == 1
        assert (
            len(err) == 1
            and "is an empty database; set it up with `voiceconsole db upgrade`" in err[0]
        )
    assert catalog(empty_pg_url, []) == before
    assert run(capsys, "--db", empty_pg_url, "db", "upgrade")[0] == 0
    assert asyncio.run(revision_of(empty_pg_url)) == REVISIONS[-1]
    assert run(capsys, "--db", empty_pg_url, "sites", "list")[0] == 0


@pytest.mark.postgres
def test_postgresqls_own_database_is_never_set_up(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The URL of issue 17: the server's maintenance database, named by mistake."""
    maintenance = make_url(PG_SERVER).set(database="postgres").render_as_string(False)
    before = catalog(maintenance, [])
    for args in (["sites", "list"], ["db", "upgrade"]):
        status, err = run(capsys, "--db", maintenance, *args)
        assert status == 1 and len(err) == 1 and "nothing was changed" in err[0], err
        assert "PostgreSQL's own postgres database" in err[0], err  # not "set it up"
    assert catalog(maintenance, []) == before
