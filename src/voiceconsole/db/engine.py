"""The async engine: SQLite (embedded default) or PostgreSQL, chosen by URL.

SQLite runs in WAL mode with a busy timeout, and a write transaction starts with
BEGIN IMMEDIATE: two processes then queue for the write lock instead of one failing with
"database is locked" halfway through its work.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

# aiosqlite logs every statement with its parameters at DEBUG, SIP secrets included: its
# logger never goes below INFO, whatever level the console's logging is set to.
logging.getLogger("aiosqlite").setLevel(logging.INFO)

# Execution option that marks a connection as the start of a write transaction.
WRITE = "voiceconsole_write"

SQLITE_BUSY_TIMEOUT_S = 30.0


def normalise_url(url_or_path: str) -> str:
    """Accept a SQLAlchemy URL or a plain file path (taken as a SQLite file)."""
    if "://" in url_or_path:
        url = make_url(url_or_path)
        if url.drivername in ("sqlite", "sqlite+pysqlite"):
            url = url.set(drivername="sqlite+aiosqlite")
        elif url.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
            url = url.set(drivername="postgresql+asyncpg")
        return url.render_as_string(hide_password=False)
    return f"sqlite+aiosqlite:///{Path(url_or_path).expanduser().resolve()}"


def describe_url(url: str) -> str:
    """The database in words, never with its password: a SQLite file's path, else
    user@host:port/database."""
    try:
        path = sqlite_path(normalise_url(url))
        parsed = make_url(url) if "://" in url else None
    except (ValueError, ArgumentError):
        return url.split("@")[-1]  # unparsable: at least not the password before the @
    if path is not None:
        return f"SQLite file {path}"
    if parsed is None or not parsed.host:
        return url.split("@")[-1]
    user = f"{parsed.username}@" if parsed.username else ""
    port = f":{parsed.port}" if parsed.port else ""
    return f"{user}{parsed.host}{port}/{parsed.database or ''}"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        return None
    return Path(parsed.database)


def private_file(path: Path) -> None:
    """Make `path` (and the folders missing above it) for its owner only: folders 0700, the
    file 0600 from its creation. Existing folders and files are left as they are: a path the
    user chose may be shared on purpose."""
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    url = normalise_url(url)
    # SQL parameters carry SIP secrets (line logins): never into a log line or an error
    # message, whatever the logging level.
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            # The database holds SIP secrets: a new file is its owner's only (SQLite gives
            # its -wal and -shm files the database file's mode).
            private_file(path)
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over BEGIN from the driver so that we can choose DEFERRED or IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
