"""Whose database is this? Only an empty one or voiceconsole's own is opened.

A database is voiceconsole's when its Alembic version table holds one of this project's
revisions and, from the marker migration (0011) on, the marker row `voiceconsole_installation`
says so; an older one of ours is known by its revision and the tables of our first
migration. Anything else is refused before anything is written: a URL naming the wrong
database (PostgreSQL's maintenance database, another product's file) must change nothing.

A SQLite file is read with Python's own sqlite3, read-only, before the engine connects: the
engine's connection switches a file to WAL mode, which rewrites its header.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncEngine

from voiceconsole.db.engine import describe_url, sqlite_path
from voiceconsole.domain.errors import VoiceconsoleError

PRODUCT = "voiceconsole"
MARKER_TABLE = "voiceconsole_installation"
MARKER_REVISION = "0011"
# Tables of the first migration, never dropped since: a database of ours from before the
# marker has them all.
FIRST_TABLES = frozenset(
    {"audit_entries", "occupiers", "operator_settings", "phone_numbers", "products", "sites"}
)
SQLITE_HEADER = b"SQLite format 3\x00"

Kind = Literal["empty", "current", "older", "newer", "foreign"]


class SchemaRefused(VoiceconsoleError):
    """The database is not one this voiceconsole may use as it is; nothing was changed."""


@dataclass(frozen=True)
class Facts:
    """What a database holds, as read: its tables, Alembic's version rows, the marker's
    product names (None: no such table)."""

    tables: list[str] = field(default_factory=list)
    versions: list[str] | None = None
    products: list[str] | None = None


@dataclass(frozen=True)
class SchemaState:
    kind: Kind
    revision: str | None = None
    head: str | None = None
    tables: list[str] = field(default_factory=list)  # foreign: what was found

    @property
    def ours(self) -> bool:
        return self.kind in ("current", "older", "newer")


def classify(facts: Facts, revisions: list[str]) -> SchemaState:
    """`revisions`: this project's, oldest first (from the migration files)."""
    head = revisions[-1] if revisions else None
    if not facts.tables:
        return SchemaState("empty", head=head)
    foreign = SchemaState("foreign", head=head, tables=facts.tables)
    if facts.versions is None or len(facts.versions) != 1:
        return foreign
    revision = facts.versions[0]
    marked = PRODUCT in (facts.products or [])
    if revision not in revisions:
        # A newer voiceconsole's database carries the marker; another project's does not.
        return SchemaState("newer", revision, head) if marked else foreign
    marker_due = MARKER_REVISION in revisions and revisions.index(revision) >= revisions.index(
        MARKER_REVISION
    )
    if not (marked if marker_due else FIRST_TABLES.issubset(facts.tables)):
        return foreign
    return SchemaState("current" if revision == head else "older", revision, head)


def sqlite_facts(path: Path) -> Facts:
    """Read without writing (no switch to WAL mode)."""
    if not path.exists() or path.stat().st_size == 0:
        return Facts()
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise SchemaRefused(
                f"{path} is not a SQLite database (nor voiceconsole's); nothing was changed"
            )
    try:
        with read_only(path) as conn:
            tables = [name for (name,) in conn.execute(_SQLITE_TABLES)]
            versions = products = None
            if "alembic_version" in tables:
                versions = [v for (v,) in conn.execute("SELECT version_num FROM alembic_version")]
            if MARKER_TABLE in tables:
                products = [p for (p,) in conn.execute(f"SELECT product FROM {MARKER_TABLE}")]
            return Facts(tables, versions, products)
    except sqlite3.DatabaseError as err:
        raise SchemaRefused(
            f"{path} cannot be read as a database ({err}); nothing was changed"
        ) from None


@contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection that leaves no -wal or -shm file beside a file that had none
    (no connection has it open then, so there is no WAL content to miss)."""
    wal = path.with_name(path.name + "-wal")
    mode = "ro" if wal.exists() else "ro&immutable=1"
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode={mode}", uri=True)
    try:
        yield conn
    finally:
        conn.close()


_SQLITE_TABLES = (
    "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
    "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
)


# Relations in any schema but PostgreSQL's own: a database with tables only in another
# schema is not empty either.
_PG_RELATIONS = """
SELECT CASE WHEN n.nspname = current_schema() THEN c.relname
            ELSE n.nspname || '.' || c.relname END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
ORDER BY 1
"""


async def engine_facts(engine: AsyncEngine) -> Facts:
    """Through the engine (PostgreSQL, or SQLite in memory): reads only."""
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            tables = list((await conn.exec_driver_sql(_PG_RELATIONS)).scalars())
        else:
            tables = list((await conn.exec_driver_sql(_SQLITE_TABLES)).scalars())
        versions = products = None
        if "alembic_version" in tables:
            found = await conn.exec_driver_sql("SELECT version_num FROM alembic_version")
            versions = list(found.scalars())
        if MARKER_TABLE in tables:
            found = await conn.exec_driver_sql(f"SELECT product FROM {MARKER_TABLE}")
            products = list(found.scalars())
        await conn.rollback()
    return Facts(tables, versions, products)


async def read_state(engine: AsyncEngine, revisions: list[str]) -> SchemaState:
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    facts = sqlite_facts(path) if path is not None else await engine_facts(engine)
    return classify(facts, revisions)


def foreign_line(where: str, state: SchemaState) -> str:
    shown = ", ".join(state.tables[:5]) + (", ..." if len(state.tables) > 5 else "")
    count = len(state.tables)
    return (
        f"{where} holds {count} {'table that is' if count == 1 else 'tables that are'} not "
        f"voiceconsole's ({shown}); nothing was changed"
    )


def refusal(url: str, state: SchemaState) -> str | None:
    """Why this database cannot be used as it is, in one line; None when it is current."""
    where = describe_url(url)
    postgres = sqlite_path(url) is None
    if state.kind == "foreign":
        return foreign_line(where, state)
    if state.kind == "newer":
        return (
            f"{where} holds voiceconsole's schema at revision {state.revision}, newer than "
            f"this voiceconsole knows ({state.head}): upgrade voiceconsole; nothing was changed"
        )
    if state.kind == "older":
        how = "after a pg_dump" if postgres else "(it backs the file up first)"
        return (
            f"{where} holds voiceconsole's schema at revision {state.revision}; this "
            f"voiceconsole needs {state.head}: run `voiceconsole db upgrade` {how}; "
            "nothing was changed"
        )
    if state.kind == "empty":
        return (
            f"{where} is an empty database; set it up with `voiceconsole db upgrade`; "
            "nothing was changed"
        )
    return None


def require_ours(url: str, state: SchemaState) -> None:
    """Refuse a foreign database (empty and ours at any revision pass)."""
    if state.kind == "foreign":
        raise SchemaRefused(foreign_line(describe_url(url), state))


def require_current(url: str, state: SchemaState) -> None:
    why = refusal(url, state)
    if why:
        raise SchemaRefused(why)
