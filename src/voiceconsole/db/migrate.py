"""Schema migrations with Alembic, run at start and by `voiceconsole db upgrade`.

Alembic is imported only when there may be something to do. A start on a database already
at the newest revision reads its version row, sees the revision of the newest migration
file, and goes on: importing Alembic was a quarter of a second of every start, command or
console (bench/ui.py, cold start).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from voiceconsole.db import pg_roles
from voiceconsole.db.engine import WRITE

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

# Serialises migrations of concurrent starts against one PostgreSQL database.
_PG_MIGRATION_LOCK = 0x766F6963  # "voic"


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def _assigned(tree: ast.Module, name: str) -> Any:
    """The literal a migration file assigns to `name` (`revision: str = "0002"`)."""
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == name and node.value is not None:
            return ast.literal_eval(node.value)
    raise ValueError(f"no {name}")


def head_from_files() -> str | None:
    """The newest revision, read from the migration files without Alembic; None when they
    do not form one line of revisions, or one cannot be read (Alembic then decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        for path in (MIGRATIONS / "versions").glob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            revisions.add(_assigned(tree, "revision"))
            down = _assigned(tree, "down_revision")
            parents |= set(down if isinstance(down, tuple | list) else [down] if down else [])
    except (OSError, SyntaxError, ValueError):
        return None
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


async def _at_head(engine: AsyncEngine) -> bool:
    """True when the database is known to be at the newest revision (a read, no lock)."""
    head = head_from_files()
    if head is None:
        return False
    try:
        async with engine.connect() as conn:
            found = await conn.exec_driver_sql("SELECT version_num FROM alembic_version")
            return list(found.scalars()) == [head]
    except sa_exc.DBAPIError:
        return False  # a new database: no version table yet


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection) -> bool:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
    if _current(connection) == head_revision():
        return False
    from alembic import command

    command.upgrade(_config(connection), "head")
    if connection.dialect.name == "postgresql":
        # Tables of any migration get their grants; idempotent (db/pg_roles.py).
        pg_roles.apply_grants(connection)
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:  # raising rolls the whole upgrade back
            raise RuntimeError(f"the upgrade would leave rows pointing nowhere: {broken[:5]}")
    return True


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    """Outside a transaction (SQLite ignores the pragma inside one)."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    finally:
        cursor.close()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


async def upgrade(engine: AsyncEngine) -> bool:
    """Bring the schema to the newest revision; True if anything was applied."""
    if await _at_head(engine):
        return False
    async with engine.connect() as conn:
        conn = await conn.execution_options(**{WRITE: True})
        # SQLite changes a column by copying its table into a new one and dropping the old:
        # with foreign keys on, that drop would delete (cascade) or refuse the rows pointing at
        # it. SQLite's own procedure: keys off, then a foreign_key_check before the commit.
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            await conn.run_sync(_sqlite_foreign_keys, False)
        try:
            async with conn.begin():
                return await conn.run_sync(_upgrade)
        finally:
            if sqlite:
                await conn.run_sync(_sqlite_foreign_keys, True)


def _autogenerate(connection: Connection, message: str) -> None:
    from alembic import command

    command.revision(_config(connection), message=message, autogenerate=True)


async def make_revision(engine: AsyncEngine, message: str) -> None:
    """For developers: write a new migration from the difference between models and schema."""
    async with engine.connect() as conn:
        await conn.run_sync(_autogenerate, message)
