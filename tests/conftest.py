"""Test databases: every data-layer and service test runs on SQLite and on PostgreSQL.

PostgreSQL tests use a database of their own, created for the run and dropped afterwards,
on the server named by $VOICECONSOLE_TEST_PG (default: postgres@127.0.0.1:5432). Without a
server they skip, saying why, unless $CI or $VOICECONSOLE_REQUIRE_POSTGRES is set: then they fail.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from helpers import FROZEN_NOW, PG_REQUIRED, PG_SERVER, pg_admin
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from voiceconsole import clock
from voiceconsole.db import migrate
from voiceconsole.db.database import Database
from voiceconsole.db.models import Base
from voiceconsole.db.ownership import MARKER_TABLE
from voiceconsole.services.seed import load_sample_data


def _pg_reachable() -> str | None:
    """None if the server answers, else why not."""
    try:
        asyncio.run(asyncio.wait_for(pg_admin("SELECT 1"), timeout=5))
    except Exception as err:
        return f"no PostgreSQL server at {make_url(PG_SERVER).render_as_string()}: {err}"
    return None


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A freshly created, migrated PostgreSQL database for this test run."""
    why_not = _pg_reachable()
    if why_not:
        if PG_REQUIRED:
            pytest.fail(f"PostgreSQL is required here (CI): {why_not}")
        pytest.skip(why_not)
    name = f"voiceconsole_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)

    async def upgrade() -> None:
        db = Database(url)
        await migrate.upgrade(db.engine)
        await db.close()

    asyncio.run(upgrade())
    try:
        yield url
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test gets a copy (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def upgrade() -> None:
        db = Database(str(path))
        await migrate.upgrade(db.engine)
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        await db.close()

    asyncio.run(upgrade())
    return path


# The marker row stays: it is what makes the database voiceconsole's (db/ownership.py).
TABLES = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name != MARKER_TABLE]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "voiceconsole.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return str(path)
    return request.getfixturevalue("postgres_url")


# A person's login role: a member of one of the console's group roles (db/pg_roles.py).
_PERSON_ROLES = text(
    "SELECT r.rolname FROM pg_roles r WHERE EXISTS (SELECT 1 FROM pg_auth_members m "
    "JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid "
    "AND g.rolname LIKE 'voiceconsole\\_%')"
)


@pytest.fixture
def postgres_url(pg_url: str) -> Iterator[str]:
    """The run's PostgreSQL database, emptied for this test. The person roles the test made
    (`users add` makes one per user on PostgreSQL) are dropped after it: roles belong to the
    whole server, which this run shares."""

    async def person_roles() -> set[str]:
        engine = create_async_engine(pg_url)
        try:
            async with engine.connect() as conn:
                return set((await conn.scalars(_PERSON_ROLES)).all())
        finally:
            await engine.dispose()

    async def empty() -> None:
        engine = create_async_engine(pg_url)
        async with engine.begin() as conn:
            # The journal refuses TRUNCATE (its triggers); a test harness may empty it anyway.
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
            await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        await engine.dispose()

    asyncio.run(empty())
    before = asyncio.run(person_roles())
    yield pg_url
    for role in sorted(asyncio.run(person_roles()) - before):
        asyncio.run(pg_admin(f'DROP ROLE IF EXISTS "{role}"'))


@pytest.fixture
def empty_pg_url(pg_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database of this test's own (no schema, no marker), dropped
    after it; skips, or fails in CI, without a server."""
    name = f"voiceconsole_empty_{uuid.uuid4().hex[:10]}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with the sample data, loaded once per run under the frozen clock; the
    console and switch tests each work on a copy."""
    path = tmp_path_factory.mktemp("seeded-template") / "seeded.db"

    async def seed() -> None:
        db = await Database.open(str(path))
        try:
            await load_sample_data(db, "sample-data")
        finally:
            await db.close()

    with clock.frozen(FROZEN_NOW):
        asyncio.run(seed())
    return path


@pytest.fixture(autouse=True)
def _provisioning_in_tmp(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Remote logins write provisioning files (tests read them as another server's phones
    would): never into the real user's data folder, nor with the user's own settings."""
    monkeypatch.setenv(
        "VOICECONSOLE_PROVISIONING_DIR", str(tmp_path_factory.mktemp("provisioning"))
    )
    settings = tmp_path_factory.mktemp("settings") / "console.toml"
    settings.write_text("[provisioning]\nwrite_files = true\n", encoding="utf-8")
    monkeypatch.setenv("VOICECONSOLE_SETTINGS", str(settings))


@pytest.fixture
async def seeded(tmp_path: Path, seeded_template: Path) -> AsyncIterator[Database]:
    """A fresh copy of the sample data (SQLite)."""
    path = tmp_path / "seeded.db"
    shutil.copy(seeded_template, path)
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        yield database
    finally:
        await database.close()
