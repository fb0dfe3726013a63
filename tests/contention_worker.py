"""One colleague in the pool race of test_pool_contention.py: a process and connection of its
own, adding one first-time service (a batch of 5) at the moment all the others do."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from voiceconsole.db.database import Database
from voiceconsole.domain.errors import Conflict, PoolShort
from voiceconsole.services import pool
from voiceconsole.services.voice_services import add_services

# A preview no pick can match: the action picks and locks its batch, then rolls back.
NEVER_PREVIEWED = ["+442079469999"]


async def take_a_batch(
    url: str, occupier: str, start: Any, *, roll_back: bool, patient: bool
) -> dict:
    """`patient` False: refused at the first short try, not after a moment's wait, so that
    refusals with the figures of mid-race moments are checked too."""
    if not patient:
        pool.PAUSES = ()
    db = Database(url)
    try:
        async with db.read() as session:  # connected before the start, not during the race
            await session.execute(text("SELECT 1"))
        start.wait(120)
        try:
            result = await add_services(
                db,
                f"colleague-{occupier}",
                occupier=occupier,
                site="LON1",
                product="desk-line",
                quantity=4,
                expect=NEVER_PREVIEWED if roll_back else None,
            )
        except PoolShort as short:
            figures = [short.available, short.in_flight, short.needed]
            return {"short": figures, "message": str(short)}
        except Conflict:
            return {"rolled_back": True}
        return {"allocated": result.allocated}
    finally:
        await db.close()


def take_a_batch_in_process(
    url: str, occupier: str, start: Any, roll_back: bool, patient: bool
) -> dict:
    return asyncio.run(take_a_batch(url, occupier, start, roll_back=roll_back, patient=patient))
