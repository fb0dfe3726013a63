"""One concurrent allocator: its own process (SQLite) or its own connection (PostgreSQL)."""

from __future__ import annotations

import asyncio
import time

from voiceconsole.db.database import Database
from voiceconsole.domain.errors import RuleViolation
from voiceconsole.services.numbers import allocate_numbers
from voiceconsole.services.voice_services import add_services

CONTESTED = "+442079460999"


async def allocate(url: str, worker: int, occupiers: list[str], start_at: float) -> dict:
    """Add a first-time service for each occupier, then try to grab the contested number."""
    db = Database(url)
    try:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        batches = {}
        for i, code in enumerate(occupiers):
            result = await add_services(
                db,
                f"worker-{worker}",
                occupier=code,
                site="LON1",
                product="desk-line",
                quantity=(worker + i) % 7 + 1,
            )
            batches[code] = result.allocated
        try:
            await allocate_numbers(
                db, f"worker-{worker}", [CONTESTED], occupier=occupiers[0], site="LON1"
            )
            won = True
        except RuleViolation:
            won = False
        return {"batches": batches, "won": won}
    finally:
        await db.close()


def allocate_in_process(url: str, worker: int, occupiers: list[str], start_at: float) -> dict:
    return asyncio.run(allocate(url, worker, occupiers, start_at))
