"""Two consoles on one database (two Pilot apps in one test): what one commits shows in the
other within 2 s without a key press, on SQLite and on PostgreSQL; who else is on a site.

Each console is driven by its keys only: a screen pushed from the test's own task would be
built with the other app as Textual's current one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from conftest import press, settle, typed, with_db
from helpers import set_status
from sqlalchemy import select
from test_add_services_wizard import DESK_LINE, _open_occupier

from voiceconsole.config import ConsoleSettings
from voiceconsole.db.database import Database
from voiceconsole.db.models import Presence
from voiceconsole.services import presence
from voiceconsole.services.handsets import login_number
from voiceconsole.services.seed import load_sample_data
from voiceconsole.services.voice_services import add_services
from voiceconsole.tui.app import VoiceconsoleApp
from voiceconsole.tui.screens.add_services import AddServicesResultScreen, AddServicesWizard
from voiceconsole.tui.widgets.list_table import ListTable

WITHIN_S = 2.0  # the bound: a colleague's change on screen without a key press
# Waits that are not that bound (a console starting, heartbeats, notices): generous, so a
# loaded machine does not fail them.
SETTLE_S = 10.0
ACME_DESK_1 = "02:cc:01:01:00:01"  # a remote model of acme-analytics (sample data)
SIZE = (100, 34)


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(VoiceconsoleApp, "LIVE", True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_db(request: pytest.FixtureRequest, live: None) -> str:
    """The sample data on each backend."""
    if request.param == "sqlite":
        return request.getfixturevalue("console_db")
    url = request.getfixturevalue("postgres_url")
    asyncio.run(with_db(url, lambda db: load_sample_data(db, "sample-data")))
    return url


def console(url: str, actor: str) -> VoiceconsoleApp:
    return VoiceconsoleApp(
        url, actor=actor, settings=ConsoleSettings(cursor_blink=False), apply_due_on_start=False
    )


async def within(pilot: Any, done: Callable[[], bool], seconds: float = WITHIN_S) -> float:
    """Wait, pressing nothing, until `done()`; how long it took (fails after `seconds`)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not done():
        if loop.time() - start > seconds:
            raise AssertionError(f"not seen within {seconds} s: {pilot.app.sub_title!r}")
        await pilot.pause(0.05)
    return loop.time() - start


async def feed_started(pilot: Any) -> None:
    app = pilot.app
    await settle(pilot)
    await within(
        pilot, lambda: app.live._feed is not None and app.live._feed._task is not None, SETTLE_S
    )
    if app.db.dialect == "postgresql":
        await within(pilot, lambda: app.live._feed.listening, SETTLE_S)
    else:
        await pilot.pause(1.2)  # the watcher has read its first data_version


def cells(table: ListTable, key: str) -> list[str]:
    return [c.plain for c in table.get_row(key)]


async def test_a_colleagues_allocation_shows_in_the_other_console(shared_db: str) -> None:
    alice, bob = console(shared_db, "alice"), console(shared_db, "bob")
    async with alice.run_test(size=SIZE) as a, bob.run_test(size=SIZE) as b:
        # Bob looks at LON1's occupiers, his cursor on the third row.
        await press(b, "down", "enter", "down", "down")  # LON1, its third occupier
        occupiers = b.app.screen.query_one("#occupiers", ListTable)
        cursor = occupiers.selected_key
        assert cells(occupiers, "juniper-robotics")[1:3] == ["0", "0"]  # QTY, active
        await feed_started(b)
        await feed_started(a)

        # Alice gives Juniper Robotics 7 desk lines through her console.
        await _open_occupier(a, 1, "juniper")
        await press(a, "a", *DESK_LINE, "7", "ctrl+s")
        assert isinstance(a.app.screen, AddServicesResultScreen)

        # Bob's list shows it in place, his cursor where it was, the row flashed.
        await within(b, lambda: cells(occupiers, "juniper-robotics")[1:3] == ["7", "7"])
        assert occupiers.selected_key == cursor
        assert "juniper-robotics" in occupiers.flashed

        # Bob opens the wizard for Indigo Health: its preview takes numbers from the pool.
        await press(b, "slash", *typed("indigo"), "enter", "enter", "a", *DESK_LINE, "7")
        wizard = b.app.screen
        assert isinstance(wizard, AddServicesWizard) and wizard.preview is not None
        before = wizard.preview.allocated
        # Carol (the service layer, a third console) takes numbers from the same pool.
        taken = await with_db(
            shared_db,
            lambda db: add_services(
                db,
                "carol",
                occupier="square-brackets",
                site="LON1",
                product="desk-line",
                quantity=7,
            ),
        )
        assert set(before) & set(taken.allocated)  # the preview offered what she took

        def preview_changed() -> bool:
            return wizard.preview is not None and wizard.preview.allocated != before

        await within(b, preview_changed)
        assert not set(wizard.preview.allocated) & set(taken.allocated)
        shown = wizard.query_one("#preview").render().plain  # type: ignore[attr-defined]
        assert "carol changed LON1 just now" in shown


async def test_the_header_says_who_else_is_on_the_site(
    shared_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(presence, "HEARTBEAT_S", 0.2)
    alice, bob = console(shared_db, "alice"), console(shared_db, "bob")
    async with alice.run_test(size=SIZE) as a:
        async with bob.run_test(size=SIZE) as b:
            await settle(a)
            await settle(b)
            assert "also here" not in a.app.sub_title  # on the sites list: no site
            await press(a, "down", "enter")  # LON1
            await press(b, "down", "enter")
            await within(a, lambda: a.app.sub_title == "LON1 · alice · also here: bob", SETTLE_S)
            await within(b, lambda: b.app.sub_title == "LON1 · bob · also here: alice", SETTLE_S)
            # Bob moves to MAN1: Alice's next heartbeat no longer finds him at LON1.
            await press(b, "escape", "down", "enter")  # MAN1
            await within(a, lambda: a.app.sub_title == "LON1 · alice", SETTLE_S)
            assert b.app.sub_title == "MAN1 · bob"
        # Bob's console closed cleanly: its row is gone, Alice's stays.
        rows = await with_db(shared_db, presence_rows)
        assert [login for login, _ in rows] == ["alice"]


async def presence_rows(db: Database) -> list[tuple[str, int | None]]:
    async with db.read() as session:
        return [tuple(r) for r in (await session.execute(select(Presence.login, Presence.site_id)))]


async def _colleague_at(url: str, site: str, login: str) -> None:
    """A console of `login` on `site`, its heartbeat just now (the frozen clock)."""

    async def beat(db: Database) -> None:
        await presence.heartbeat(db, presence.new_console_id(), login, site)

    await with_db(url, beat)


def test_header_with_a_colleague_present(live: None, console_db: str, snap_compare: Any) -> None:
    asyncio.run(_colleague_at(console_db, "LON1", "bob"))

    async def run_before(pilot: Any) -> None:
        await press(pilot, "down", "enter")  # LON1
        await within(pilot, lambda: "also here" in pilot.app.sub_title, SETTLE_S)
        await settle(pilot)

    assert snap_compare(console(console_db, "alice"), run_before=run_before, terminal_size=SIZE)


def test_a_row_a_colleague_changed_flashes(
    live: None, console_db: str, snap_compare: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ListTable, "FLASH_S", 3600.0)  # still flashing when pictured

    async def run_before(pilot: Any) -> None:
        await press(pilot, "down", "enter")  # LON1
        await feed_started(pilot)
        await with_db(
            console_db,
            lambda db: add_services(
                db,
                "carol",
                occupier="juniper-robotics",
                site="LON1",
                product="desk-line",
                quantity=7,
            ),
        )
        table = pilot.app.screen.query_one("#occupiers", ListTable)
        await within(pilot, lambda: table.flashed == {"juniper-robotics"})
        await settle(pilot)

    assert snap_compare(console(console_db, "alice"), run_before=run_before, terminal_size=SIZE)


async def test_a_handset_the_user_logged_in_that_re_synced_is_told(
    console_db: str, live: None
) -> None:
    alice = console(console_db, "alice")
    async with alice.run_test(size=SIZE) as a:
        await feed_started(a)
        # Alice logs a line in (from her CLI, say): the phone has no SIP address, so it waits.
        await with_db(
            console_db,
            lambda db: login_number(db, "alice", handset=ACME_DESK_1, number="020 7946 0001"),
        )
        await within(a, lambda: bool(a.app.live._watched), SETTLE_S)
        assert titles(a.app) == []
        await with_db(console_db, lambda db: set_status(db, "+442079460001", "notified"))
        await within(a, lambda: "Handset re-synced" in titles(a.app), SETTLE_S)
        assert not a.app.live._watched


def titles(app: VoiceconsoleApp) -> list[str]:
    return [n.title for n in app._notifications]
