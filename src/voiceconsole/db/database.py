"""An open database: the engine, its sessions, and read or write transactions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from voiceconsole.db import migrate, ownership
from voiceconsole.db.engine import WRITE, make_engine, normalise_url


class Database:
    def __init__(self, url: str, engine: AsyncEngine | None = None) -> None:
        self.url = normalise_url(url)
        self.engine = engine or make_engine(self.url)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    async def open(cls, url: str, *, upgrade: bool = True) -> Database:
        """Open `url`, setting up an empty database or bringing ours up to date unless told
        not to (for tools and tests; a console or command uses `open_current`). A database
        that is not ours is refused unchanged either way when upgrading."""
        db = cls(url)
        if upgrade:
            try:
                await migrate.upgrade(db.engine)
            except BaseException:
                await db.close()
                raise
        return db

    @classmethod
    async def open_current(cls, url: str) -> Database:
        """Open `url` only if it is ours and at the newest revision: an empty, older, newer
        or foreign database is refused in one line (`ownership.SchemaRefused`), unchanged."""
        db = cls(url)
        try:
            ownership.require_current(db.url, await migrate.schema_state(db.engine))
        except BaseException:
            await db.close()
            raise
        return db

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction (SQLite: BEGIN DEFERRED, so readers never queue).

        Closing the session ends the transaction and keeps loaded objects readable.
        """
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A write transaction; the caller commits. SQLite: BEGIN IMMEDIATE."""
        async with self._sessions() as session:
            await session.connection(execution_options={WRITE: True})
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
