"""Schema migrations with Alembic, run at start and by `voiceconsole db upgrade`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from voiceconsole.db.engine import WRITE

MIGRATIONS = Path(__file__).parent / "migrations"

# Serialises migrations of concurrent starts against one PostgreSQL database.
_PG_MIGRATION_LOCK = 0x766F6963  # "voic"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection) -> bool:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
    if _current(connection) == head_revision():
        return False
    command.upgrade(_config(connection), "head")
    return True


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


async def upgrade(engine: AsyncEngine) -> bool:
    """Bring the schema to the newest revision; True if anything was applied."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(**{WRITE: True})
        async with conn.begin():
            return await conn.run_sync(_upgrade)


def _autogenerate(connection: Connection, message: str) -> None:
    command.revision(_config(connection), message=message, autogenerate=True)


async def make_revision(engine: AsyncEngine, message: str) -> None:
    """For developers: write a new migration from the difference between models and schema."""
    async with engine.connect() as conn:
        await conn.run_sync(_autogenerate, message)
