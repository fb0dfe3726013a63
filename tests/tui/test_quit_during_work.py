"""Quitting while the console is still reading or writing must end the process.

A worker cancelled inside an aiosqlite call leaves SQLAlchemy closing that connection in a
task of its own; if the database is closed first, that close never ends and the process
hangs at exit (found by bench/ui.py's cold starts: a first start quits while the due changes
are still being applied). The console waits for those closes before closing the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

QUIT_AT_FIRST_PAINT = """
import asyncio
from voiceconsole.services.startup import open_database
from voiceconsole.services.transaction import default_actor
from voiceconsole.tui.app import VoiceconsoleApp
from voiceconsole.tui.widgets.list_table import ListTable

async def go():
    db, _ = await open_database(None)  # the first start: seeded, due changes to apply
    # The first start's first user (an admin): anyone else may not start the console.
    app = VoiceconsoleApp(db, actor=default_actor())
    painted = asyncio.Event()
    def hook(message):
        if isinstance(message, ListTable.Loaded):
            app.call_after_refresh(painted.set)
    async with app.run_test(headless=True, size=(80, 24), message_hook=hook):
        await painted.wait()  # and quit at once, the start's other work under way
    await app.finish_work()  # as `voiceconsole` does before it closes the database
    await db.close()
    print("exited")

asyncio.run(go())
"""


def test_quitting_at_once_after_a_first_start_exits(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOICECONSOLE_")}
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(tmp_path / name.lower())
    done = subprocess.run(
        [sys.executable, "-c", QUIT_AT_FIRST_PAINT],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,  # a hang fails here
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("exited")
