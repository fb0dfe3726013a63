"""An open database: the engine, its sessions, and read or write transactions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from voiceconsole.db import migrate
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
        """Open `url`, bringing its schema up to date unless told not to."""
        db = cls(url)
        if upgrade:
            try:
                await migrate.upgrade(db.engine)
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
