"""Schema migrations with Alembic, run by `voiceconsole db upgrade` (and to set up the
embedded default on its first start, or a new file with --create): never at an ordinary
start, which refuses an older schema instead (services/startup.py).

Alembic is imported only when there is something to do. Reading the state of a database
already at the newest revision reads its version and marker rows, sees the revision of the
newest migration file, and goes on: importing Alembic was a quarter of a second of every
start, command or console (bench/ui.py, cold start).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from voiceconsole.db import ownership, pg_roles
from voiceconsole.db.engine import WRITE, describe_url

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


def revisions_from_files() -> list[str] | None:
    """This project's revisions, oldest first, read from the migration files without
    Alembic; None when they do not form one line, or one cannot be read (Alembic decides)."""
    parent_of: dict[str, str | None] = {}
    try:
        for path in (MIGRATIONS / "versions").glob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            down = _assigned(tree, "down_revision")
            if isinstance(down, tuple | list):
                return None  # a merge: not one line
            parent_of[_assigned(tree, "revision")] = down
    except (OSError, SyntaxError, ValueError):
        return None
    child_of = {down: rev for rev, down in parent_of.items()}
    if len(child_of) != len(parent_of):
        return None  # two revisions on one parent: branches
    line: list[str] = []
    revision = child_of.get(None)
    while revision is not None and len(line) <= len(parent_of):
        line.append(revision)
        revision = child_of.get(revision)
    return line if len(line) == len(parent_of) else None


def head_from_files() -> str | None:
    line = revisions_from_files()
    return line[-1] if line else None


def revisions() -> list[str]:
    """Oldest first; from the files when they are one line, else by Alembic."""
    line = revisions_from_files()
    if line is not None:
        return line
    from alembic.script import ScriptDirectory

    walked = ScriptDirectory.from_config(_config()).walk_revisions()
    return [script.revision for script in reversed(list(walked))]


async def schema_state(engine: AsyncEngine) -> ownership.SchemaState:
    """Empty, ours (current, older, newer) or foreign: reads only, without Alembic."""
    return await ownership.read_state(engine, revisions())


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


# PostgreSQL's own databases: empty, but never an installation's (issue 17: the product's
# tables were once made in `postgres` by a URL that named it by mistake).
MAINTENANCE_DATABASES = frozenset({"postgres", "template0", "template1"})


async def not_a_maintenance_database(engine: AsyncEngine, url: str) -> None:
    async with engine.connect() as conn:
        name = (await conn.exec_driver_sql("SELECT current_database()")).scalar_one()
    if name in MAINTENANCE_DATABASES:
        raise ownership.SchemaRefused(
            f"{describe_url(url)} is PostgreSQL's own {name} database, not one for "
            f"voiceconsole: create one (`createdb voiceconsole`) and name it in the URL; "
            "nothing was changed"
        )


async def upgrade(engine: AsyncEngine) -> bool:
    """Set up an empty database or bring ours to the newest revision; True if anything was
    applied. A database that is not ours, or newer than this code, is refused unchanged."""
    state = await schema_state(engine)
    if state.kind == "current":
        return False
    url = engine.url.render_as_string(hide_password=False)
    if state.kind in ("foreign", "newer"):
        raise ownership.SchemaRefused(ownership.refusal(url, state) or state.kind)
    if state.kind == "empty" and engine.dialect.name == "postgresql":
        await not_a_maintenance_database(engine, url)
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
