"""The console for a user with a role: greyed keys, the role in the header, the help's list of
what the role may not do, and a viewer's keys changing nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import keys_then_settle, press, run, with_db
from sqlalchemy import func, select

from voiceconsole.config import ConsoleSettings
from voiceconsole.db.database import Database
from voiceconsole.db.models import AuditEntry, FloorPort, PhoneNumber
from voiceconsole.services import users
from voiceconsole.tui.app import VoiceconsoleApp
from voiceconsole.tui.screens.floor_ports import FloorPortsScreen

GRID = ("down", "enter", "g")  # LON1, then its floor ports


async def _add_users(db: Database, role: str, sites: tuple[str, ...]) -> None:
    await users.add_user(db, "sample-data", login="boss", role="admin")
    await users.add_user(db, "boss", login="ann", role=role, sites=sites)


def _app(url: str) -> VoiceconsoleApp:
    return VoiceconsoleApp(
        url, actor="ann", settings=ConsoleSettings(cursor_blink=False), apply_due_on_start=False
    )


@pytest.fixture
def as_user(console_db: str) -> Callable[..., VoiceconsoleApp]:
    """A console for `ann` with `role` (and sites), on the seeded data with users."""

    def make(role: str, sites: tuple[str, ...] = ()) -> VoiceconsoleApp:
        run(with_db(console_db, lambda db: _add_users(db, role, sites)))
        return _app(console_db)

    return make


def test_viewer_floor_ports_keys_greyed(as_user, snap_compare) -> None:
    app = as_user("viewer")
    assert snap_compare(app, run_before=keys_then_settle(*GRID), terminal_size=(100, 24))


def test_engineer_of_another_site_floor_ports_greyed(as_user, snap_compare) -> None:
    app = as_user("engineer", ("MAN1",))
    assert snap_compare(app, run_before=keys_then_settle(*GRID), terminal_size=(100, 24))


def test_engineer_at_their_site_floor_ports(as_user, snap_compare) -> None:
    app = as_user("engineer", ("LON1",))
    assert snap_compare(app, run_before=keys_then_settle(*GRID), terminal_size=(100, 24))


def test_viewer_sites_screen(as_user, snap_compare) -> None:
    assert snap_compare(as_user("viewer"), run_before=keys_then_settle(), terminal_size=(100, 24))


def test_engineer_help_lists_what_the_role_may_not_do(as_user, snap_compare) -> None:
    app = as_user("engineer", ("LON1",))
    assert snap_compare(app, run_before=keys_then_settle(*GRID, "f1"), terminal_size=(100, 40))


async def _counts(url: str) -> tuple[Any, ...]:
    async def read(db: Database) -> tuple[Any, ...]:
        async with db.read() as session:
            ports = (
                await session.execute(
                    select(FloorPort.id, FloorPort.occupier_id, FloorPort.operator_use).order_by(
                        FloorPort.id
                    )
                )
            ).all()
            held = await session.scalar(
                select(func.count()).where(PhoneNumber.occupier_id.is_not(None))
            )
            journal = await session.scalar(select(func.count()).select_from(AuditEntry))
        return tuple(ports), held, journal

    return await with_db(url, read)


async def test_a_viewer_pressing_allocating_keys_changes_nothing(console_db) -> None:
    await with_db(console_db, lambda db: _add_users(db, "viewer", ()))
    app = _app(console_db)
    before = await _counts(console_db)
    async with app.run_test(size=(100, 24)) as pilot:
        await press(pilot, *GRID)
        assert isinstance(app.screen, FloorPortsScreen)
        assert "ann, viewer" in app.sub_title
        # Mark a port, then allocate, set its role (key and enter), patch, power-cycle.
        await press(pilot, "space", "a", "r", "enter", "c", "w")
        assert isinstance(app.screen, FloorPortsScreen), "a dialog opened for a viewer"
        said = [n.message for n in app._notifications]
        assert any("As viewer you may not change switch ports" in m for m in said), said
        # The numbers: allocate, activate, release on the telephony screen.
        await press(pilot, "escape", "escape", "t", "space", "a", "e", "r", "m")
    assert await _counts(console_db) == before


def test_viewer_help_marks_keys_not_for_them(as_user, snap_compare) -> None:
    app = as_user("viewer")
    assert snap_compare(app, run_before=keys_then_settle(*GRID, "f1"), terminal_size=(100, 40))


def test_engineer_telephony_menu_says_why(as_user, snap_compare) -> None:
    app = as_user("engineer", ("LON1",))
    keys = ("down", "enter", "t", "enter")  # LON1's numbers, then the actions menu
    assert snap_compare(app, run_before=keys_then_settle(*keys), terminal_size=(100, 40))


def test_engineer_occupier_screen(as_user, snap_compare) -> None:
    app = as_user("engineer", ("LON1",))
    keys = ("down", "enter", "enter")  # LON1, its first occupier
    assert snap_compare(app, run_before=keys_then_settle(*keys), terminal_size=(100, 30))
