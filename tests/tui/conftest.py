"""Console tests: each test gets its own copy of a database seeded from sample_data/, a frozen
clock, a steady cursor and awaited workers, so snapshots come out the same on every run.

Snapshots (SVG) live in the top-level snapshots/ folder, one folder per test module.
Update one only after looking at the new picture: `pytest tests/tui --snapshot-update`.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_textual_snapshot
from helpers import FROZEN_NOW
from textual import _wait as textual_wait
from textual.pilot import Pilot

from voiceconsole import clock
from voiceconsole.config import ConsoleSettings
from voiceconsole.db.database import Database
from voiceconsole.tui.app import VoiceconsoleApp

SNAPSHOTS = Path(__file__).resolve().parents[2] / "snapshots"


def _snapshot_dir(cls: Any, *, test_location: Any) -> str:
    return str(SNAPSHOTS / test_location.basename)


pytest_textual_snapshot.SVGImageExtension.dirname = classmethod(_snapshot_dir)  # type: ignore[method-assign,assignment]


@pytest.fixture(autouse=True)
def quick_idle_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual's pilot sleeps at least 20 ms whenever it waits for the app to go idle (each
    key, each pause): most of these tests' time went on that sleep, with the CPU idle.
    `settle` waits for the workers themselves, so a 5 ms look at the CPU is enough."""
    monkeypatch.setattr(textual_wait, "SLEEP_GRANULARITY", 1 / 200)
    monkeypatch.setattr(textual_wait, "SLEEP_IDLE", 1 / 200 / 20)


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen(FROZEN_NOW):
        yield


@pytest.fixture(autouse=True)
def no_live_updates(monkeypatch: pytest.MonkeyPatch) -> None:
    """No change feed, heartbeat or notifications from colleagues (tui/live.py): a heartbeat
    or a flash must not land in a snapshot at a moment of its own. tests/tui/test_live.py
    turns them on."""
    monkeypatch.setattr(VoiceconsoleApp, "LIVE", False)


@pytest.fixture
def console_db(tmp_path: Path, seeded_template: Path) -> str:
    """A URL of a fresh copy of the seeded database."""
    path = tmp_path / "console.db"
    shutil.copy(seeded_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def make_app(console_db: str) -> Callable[..., VoiceconsoleApp]:
    def make(*, apply_due_on_start: bool = True, **settings: Any) -> VoiceconsoleApp:
        return VoiceconsoleApp(
            console_db,
            actor="qa",
            settings=ConsoleSettings(cursor_blink=False, **settings),
            apply_due_on_start=apply_due_on_start,
        )

    return make


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until no worker is running and the screen has caught up (DB work is async)."""
    app = pilot.app
    quiet = 0
    for _ in range(100):
        await pilot.pause()
        # An exclusive worker replaced while we wait is cancelled: that is fine here.
        await asyncio.gather(
            *(w.wait() for w in list(app.workers) if w.is_running), return_exceptions=True
        )
        await pilot.pause()
        # Quiet twice in a row: a worker started by what the last one posted (a table's next
        # page, its column widths on the next idle) has had its turn too.
        quiet = quiet + 1 if not any(w.is_running for w in app.workers) else 0
        if quiet == 2:
            return
    raise AssertionError("workers kept running")


async def press(pilot: Pilot[Any], *keys: str) -> None:
    """Press keys one at a time, letting each key's database work finish first."""
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def keys_then_settle(*keys: str) -> Callable[[Pilot[Any]], Any]:
    """A `run_before` for snap_compare: press keys, waiting for workers after each."""

    async def run(pilot: Pilot[Any]) -> None:
        await press(pilot, *keys)

    return run


def typed(text: str) -> list[str]:
    """The key names that type `text`."""
    names = {
        " ": "space",
        "-": "minus",
        ".": "full_stop",
        "/": "slash",
        "+": "plus",
        "@": "at",
        "_": "underscore",
        ":": "colon",
        "(": "left_parenthesis",
        ")": "right_parenthesis",
    }
    return [names.get(c, c) for c in text]


def run(coro: Any) -> Any:
    """Run a service call against a test database outside the app (checks afterwards)."""
    with clock.frozen(FROZEN_NOW):
        return asyncio.run(coro)


async def with_db(url: str, fn: Callable[[Database], Any]) -> Any:
    db = await Database.open(url)
    try:
        return await fn(db)
    finally:
        await db.close()
