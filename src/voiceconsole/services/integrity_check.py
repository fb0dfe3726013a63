"""`db check`'s integrity checks: the storage itself and the foreign keys, per backend.

SQLite checks both itself (integrity_check, foreign_key_check). PostgreSQL keeps its pages
consistent and enforces foreign keys; what can be checked cheaply is amcheck's view of each
B-tree index (where the extension is installed), and that no foreign key was left
unvalidated or disabled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from voiceconsole.db.models import Base
from voiceconsole.domain.checks import LIMIT, Found, Violation

if TYPE_CHECKING:
    from voiceconsole.services.estate_check import Scope


# --- integrity -------------------------------------------------------------------------------


async def integrity(scope: Scope) -> Found:
    if scope.dialect == "sqlite":
        pragma = "quick_check" if scope.quick else "integrity_check"
        lines = (await scope.conn.exec_driver_sql(f"PRAGMA {pragma}({LIMIT})")).all()
        problems = [str(r[0]) for r in lines if str(r[0]) != "ok"]
        note = "quick: indexes not matched against their tables" if scope.quick else ""
        return Found([Violation(p) for p in problems], note=note)
    if scope.dialect == "postgresql":
        return await _amcheck(scope)
    return Found([], note=f"not checked on {scope.dialect}")


async def _amcheck(scope: Scope) -> Found:
    """PostgreSQL keeps its own pages consistent; amcheck, where installed, verifies each
    B-tree index of our tables (bt_index_check: a share lock, no blocking of writers)."""
    installed = await scope.conn.scalar(
        text("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'")
    )
    if not installed:
        return Found(
            [],
            note="PostgreSQL: pages and indexes not verified (the amcheck extension is not "
            "installed here; CREATE EXTENSION amcheck enables it)",
        )
    indexes = (
        await scope.conn.execute(
            text(
                "SELECT i.indexrelid AS oid, c.relname AS name FROM pg_index i "
                "JOIN pg_class t ON t.oid = i.indrelid "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                "WHERE a.amname = 'btree' AND t.relname = ANY(:tables) "
                "AND t.relnamespace = to_regnamespace(current_schema())::oid "
                "ORDER BY c.relname"
            ),
            {"tables": list(Base.metadata.tables)},
        )
    ).all()
    problems = []
    for index in indexes:
        try:
            async with scope.conn.begin_nested():
                await scope.conn.execute(
                    text("SELECT bt_index_check(CAST(:oid AS oid)::regclass)"), {"oid": index.oid}
                )
        except sa_exc.DBAPIError as err:
            # Class XX: amcheck found the index (or its table) corrupted; anything else is
            # a failure of the check itself.
            if not str(getattr(err.orig, "sqlstate", "") or "").startswith("XX"):
                raise
            problems.append(Violation(f"index {index.name}: {str(err.orig).splitlines()[0]}"))
    return Found(problems, note="PostgreSQL: every B-tree index checked with amcheck")


async def foreign_keys(scope: Scope) -> Found:
    if scope.dialect == "sqlite":
        rows: list[Any] = list((await scope.conn.exec_driver_sql("PRAGMA foreign_key_check")).all())
        columns: dict[tuple[str, int], str] = {}
        found = []
        for table, rowid, parent, fkid in rows[: LIMIT + 1]:
            if (table, fkid) not in columns:
                listed = await scope.conn.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")')
                for fk in listed.all():
                    columns[(table, fk.id)] = fk._mapping["from"]
            column = columns.get((table, fkid), "?")
            found.append(
                Violation(
                    f"{table} row {rowid}: its {column} names no row of {parent}",
                    {table: [rowid]},
                )
            )
        return Found(found)
    if scope.dialect == "postgresql":
        return await _pg_foreign_keys(scope)
    return Found([], note=f"not checked on {scope.dialect}")


async def _pg_foreign_keys(scope: Scope) -> Found:
    """PostgreSQL enforces foreign keys itself, unless a constraint was added NOT VALID or
    its triggers were disabled: those are what can let a dangling reference in."""
    rows = (
        await scope.conn.execute(
            text(
                "SELECT c.conname, t.relname, c.convalidated, "
                "EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgconstraint = c.oid "
                "AND g.tgenabled = 'D') AS disabled "
                "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                "WHERE c.contype = 'f' AND t.relname = ANY(:tables) "
                "AND t.relnamespace = to_regnamespace(current_schema())::oid"
            ),
            {"tables": list(Base.metadata.tables)},
        )
    ).all()
    found = []
    for name, table, validated, disabled in rows:
        if not validated:
            found.append(
                Violation(
                    f"{table}: foreign key {name} is NOT VALID (not enforced on the rows it found)"
                )
            )
        if disabled:
            found.append(Violation(f"{table}: foreign key {name} has its triggers disabled"))
    return Found(
        found,
        note="PostgreSQL enforces foreign keys: checked that each is validated and enabled",
    )
