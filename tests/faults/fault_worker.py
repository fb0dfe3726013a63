"""A console's work in a loop, run as a process of its own to be killed (SIGKILL) at a random
moment: each iteration imports a block of ten numbers, creates an occupier and adds its first
voice service (the allocation), and logs a number in to a handset or out again.

Every action is written to the journal file before it starts and after it ends (or was
refused), so the checker knows which actions may have happened:
    begin <kind> <key> / end <kind> <key> / refused <kind> <key> <why>

    python fault_worker.py DB_URL JOURNAL ROUND NUMBER HANDSET
"""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy import select

from voiceconsole.db.database import Database
from voiceconsole.db.models import HandsetLine, PhoneNumber
from voiceconsole.domain.errors import VoiceconsoleError
from voiceconsole.services.handsets import login_number, logout_number
from voiceconsole.services.number_import import ImportRow, import_numbers
from voiceconsole.services.occupiers import create_occupier
from voiceconsole.services.voice_services import add_services

FIRST = 442030000000  # 020 3000 0000: London numbers nobody else uses here
ACTOR = "fault-worker"


def block_of(round_: int, iteration: int) -> int:
    """The first number of this iteration's block of ten."""
    return FIRST + (round_ * 1000 + iteration) * 10


async def work(url: str, journal_path: str, round_: int, number: str, handset: str) -> None:
    db = await Database.open(url, upgrade=False)
    with open(journal_path, "a", encoding="utf-8", buffering=1) as journal:

        async def act(kind: str, key: str, action) -> None:  # type: ignore[no-untyped-def]
            journal.write(f"begin {kind} {key}\n")
            try:
                await action
            except VoiceconsoleError as err:
                journal.write(f"refused {kind} {key} {err}\n".replace("\n", " ") + "\n")
                return
            journal.write(f"end {kind} {key}\n")

        async with db.read() as session:
            logged_in = bool(
                await session.scalar(
                    select(HandsetLine.id)
                    .join(PhoneNumber, PhoneNumber.id == HandsetLine.number_id)
                    .where(PhoneNumber.e164 == number)
                )
            )
        print("ready", flush=True)
        for iteration in range(1000):
            first = block_of(round_, iteration)
            row = ImportRow(2, f"+{first}", f"+{first + 9}")
            await act("import", f"+{first}", import_numbers(db, ACTOR, [row], site="LON1"))
            code = f"fault{round_}-{iteration}"
            await act(
                "occupier",
                code,
                create_occupier(db, ACTOR, name=f"Fault {code}", code=code, site="LON1"),
            )
            services = add_services(
                db, ACTOR, occupier=code, site="LON1", product="desk-line", quantity=2
            )
            await act("services", code, services)
            if logged_in:
                await act("logout", number, logout_number(db, ACTOR, number=number))
            else:
                await act("login", number, login_number(db, ACTOR, handset=handset, number=number))
            logged_in = not logged_in
    await db.close()


if __name__ == "__main__":
    url, journal_path, round_, number, handset = sys.argv[1:6]
    asyncio.run(work(url, journal_path, int(round_), number, handset))
