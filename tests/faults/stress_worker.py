"""One of many colleagues working at once on one PostgreSQL database, as a process of its own:
for SECONDS it picks actions at random (first services for a new occupier, deactivating and
activating numbers several at a time in any order, releasing spares, nominating a main
number, importing a block, logging a number in to a shared handset and out) on the same
occupiers and numbers as the others. It prints one JSON object: how many actions were done,
refused (a rule said no: the right answer under contention), stopped by contention that got
through to the user, and anything unexpected.

    python stress_worker.py DB_URL WORKER SECONDS
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
import traceback
from collections import Counter

from sqlalchemy import select

from voiceconsole.db.database import Database
from voiceconsole.db.models import HandsetLine, Occupier, PhoneNumber, Site
from voiceconsole.domain.errors import Conflict, VoiceconsoleError
from voiceconsole.domain.states import NumberState
from voiceconsole.services import numbers
from voiceconsole.services.handsets import login_number, logout_number
from voiceconsole.services.number_import import ImportRow, import_numbers
from voiceconsole.services.occupiers import create_occupier
from voiceconsole.services.voice_services import add_services

HANDSET = "02:cc:01:01:00:01"  # Acme desk 1 (sample data), shared by every worker
IMPORTED = 442031000000  # 020 3100 0000 up: each worker imports its own blocks


async def numbers_of(db: Database, state: NumberState, *, prefix: str) -> list[str]:
    async with db.read() as session:
        return list(
            await session.scalars(
                select(PhoneNumber.e164)
                .join(Occupier, Occupier.id == PhoneNumber.occupier_id)
                .join(Site, Site.id == PhoneNumber.site_id)
                .where(
                    Occupier.code.like(f"{prefix}%"),
                    Site.code == "LON1",
                    PhoneNumber.state == state,
                    ~PhoneNumber.is_main,
                )
            )
        )


async def work(url: str, worker: int, seconds: float) -> dict[str, object]:
    rng = random.Random(worker)
    db = await Database.open(url, upgrade=False)
    actor = f"colleague-{worker}"
    outcome: Counter[str] = Counter()
    unexpected: list[str] = []
    deadline = time.monotonic() + seconds
    step = 0
    try:
        while time.monotonic() < deadline:
            step += 1
            kind = rng.choice(
                ["services", "deactivate", "activate", "release", "main", "import", "login"]
            )
            try:
                if kind == "services":
                    code = f"stress{worker}-{step}"
                    await create_occupier(db, actor, name=f"Stress {code}", code=code, site="LON1")
                    await add_services(
                        db,
                        actor,
                        occupier=code,
                        site="LON1",
                        product="desk-line",
                        quantity=rng.randint(1, 4),
                    )
                elif kind in ("deactivate", "activate", "release"):
                    state = NumberState.ACTIVE if kind == "deactivate" else NumberState.RESERVED
                    found = await numbers_of(db, state, prefix="stress")
                    chosen = rng.sample(found, min(len(found), rng.randint(1, 3)))
                    if not chosen:
                        continue
                    action = {
                        "deactivate": numbers.deactivate_numbers,
                        "activate": numbers.activate_numbers,
                        "release": numbers.release_numbers,
                    }[kind]
                    await action(db, actor, chosen, site="LON1")
                elif kind == "main":
                    async with db.read() as session:
                        rows = (
                            await session.execute(
                                select(PhoneNumber.e164, Occupier.code)
                                .join(Occupier, Occupier.id == PhoneNumber.occupier_id)
                                .where(
                                    Occupier.code.like("stress%"),
                                    PhoneNumber.state == NumberState.RESERVED,
                                )
                            )
                        ).all()
                    if not rows:
                        continue
                    e164, code = rng.choice(rows)
                    await numbers.nominate_main(db, actor, e164, occupier=code)
                elif kind == "import":
                    first = IMPORTED + (worker * 100_000 + step) * 5
                    row = ImportRow(2, f"+{first}", f"+{first + 4}")
                    await import_numbers(db, actor, [row], site="LON1")
                else:
                    found = await numbers_of(db, NumberState.ACTIVE, prefix="acme-analytics")
                    number = rng.choice(found)
                    async with db.read() as session:
                        on = await session.scalar(
                            select(HandsetLine.id)
                            .join(PhoneNumber, PhoneNumber.id == HandsetLine.number_id)
                            .where(PhoneNumber.e164 == number)
                        )
                    if on:
                        await logout_number(db, actor, number=number)
                    else:
                        await login_number(db, actor, handset=HANDSET, number=number)
                outcome["done"] += 1
            except Conflict as err:
                outcome["contended" if "busy with colleagues" in str(err) else "refused"] += 1
            except VoiceconsoleError:
                outcome["refused"] += 1
            except Exception:
                unexpected.append(traceback.format_exc(limit=3))
    finally:
        await db.close()
    return {**outcome, "unexpected": unexpected}


if __name__ == "__main__":
    url, worker, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    print(json.dumps(asyncio.run(work(url, worker, seconds))))
