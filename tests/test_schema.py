"""The schema: migrations match the models; upgrading twice is harmless; layers stay apart."""

from __future__ import annotations

import ast
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from voiceconsole.db import migrate
from voiceconsole.db.database import Database
from voiceconsole.db.models import Base


async def test_migrations_match_the_models(db: Database) -> None:
    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with db.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_upgrade_is_idempotent(db: Database) -> None:
    assert await migrate.current_revision(db.engine) == migrate.head_revision()
    assert await migrate.upgrade(db.engine) is False


async def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    db = await Database.open(str(tmp_path / "fresh.db"))
    try:
        async with db.engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() >= 5000
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
    finally:
        await db.close()


PACKAGE = Path(__file__).resolve().parents[1] / "src" / "voiceconsole"

# What each layer may import (architecture.md: imports point down only).
ALLOWED = {
    "domain": {"domain"},
    "db": {"db", "domain", "clock"},
    "services": {"services", "db", "domain", "config", "clock", "switches", "handsets"},
    # Adapters to devices: no database, no screens.
    "switches": {"switches", "domain", "config"},
    "handsets": {"handsets", "domain", "config"},
    # The command line starts the console when run without a command, and `lab` runs the
    # switch simulators.
    "cli": {"cli", "services", "domain", "db", "config", "tui", "switches", "handsets"},
    # The console holds an open Database handle but runs no SQL of its own.
    "tui": {"tui", "services", "domain", "db", "config", "clock"},
}
FORBIDDEN_LIBRARIES = {
    "domain": {"sqlalchemy", "alembic", "textual", "napalm", "asyncpg", "aiosqlite"},
    "db": {"textual", "napalm"},
    "services": {"textual", "napalm"},
    "switches": {"textual", "sqlalchemy", "asyncpg", "aiosqlite"},
    "handsets": {"textual", "sqlalchemy", "asyncpg", "aiosqlite", "napalm"},
    "tui": {"sqlalchemy", "napalm", "asyncpg", "aiosqlite"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "voiceconsole":  # from voiceconsole import clock
                names |= {
                    f"voiceconsole.{alias.name}"
                    for alias in node.names
                    if alias.name != "__version__"
                }
    return names


def test_layers_import_downwards_only() -> None:
    wrong = []
    for layer, allowed in ALLOWED.items():
        for path in (PACKAGE / layer).rglob("*.py"):
            for name in _imports(path):
                parts = name.split(".")
                if parts[0] == "voiceconsole" and len(parts) > 1 and parts[1] not in allowed:
                    wrong.append(f"{path.relative_to(PACKAGE)} imports {name}")
                if parts[0] in FORBIDDEN_LIBRARIES.get(layer, set()):
                    wrong.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert wrong == []
