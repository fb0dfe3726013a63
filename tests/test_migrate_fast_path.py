"""Opening a database already at the newest revision does not load Alembic (a quarter of a
second of every start); the newest revision read from the files is Alembic's own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from voiceconsole.db import migrate

OPEN = """
import asyncio, sys
from voiceconsole.db.database import Database

async def main():
    db = await Database.open(sys.argv[1])
    await db.close()

asyncio.run(main())
print("alembic" in sys.modules)
"""


def test_the_newest_revision_from_the_files_is_alembics() -> None:
    assert migrate.head_from_files() == migrate.head_revision()


def test_opening_an_up_to_date_database_does_not_load_alembic(tmp_path: Path) -> None:
    path = str(tmp_path / "fresh.db")

    def opened() -> str:
        done = subprocess.run(
            [sys.executable, "-c", OPEN, path], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    assert opened() == "True"  # a new database is migrated, with Alembic
    assert opened() == "False"  # then it is at the newest revision: nothing to load
