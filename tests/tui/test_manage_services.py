"""Manage services: schedule and cancel quantity changes, refusals, due changes applied."""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import FROZEN_NOW, press, settle, typed, with_db
from helpers import snapshot

from voiceconsole import clock
from voiceconsole.services.voice_services import list_services
from voiceconsole.tui.screens.confirm import ConfirmDialog
from voiceconsole.tui.screens.manage_services import ManageServicesDialog
from voiceconsole.tui.screens.occupier import OccupierScreen


def dialog_on(occupier: str, site: str, *keys: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.app.push_screen(OccupierScreen(occupier, site))
        await press(pilot, "m", *keys)

    return run_before


def test_manage_services_refuses_a_decrease_below_the_active_count(make_app, snap_compare):
    """marlow-recruitment at MAN1: QTY 6, 6 active, a change to QTY 8 pending."""
    assert snap_compare(
        make_app(),
        run_before=dialog_on("marlow-recruitment", "MAN1", "2", "ctrl+s"),
        terminal_size=(80, 24),
    )


async def _services(url: str, occupier: str, site: str) -> Any:
    return await with_db(url, lambda db: list_services(db, occupier=occupier, site=site))


async def test_schedule_then_cancel_a_change_by_keyboard(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await dialog_on("lumen-software", "MAN1")(pilot)
        assert isinstance(app.screen, ManageServicesDialog)
        await press(pilot, "5", "tab", *typed("+7"), "enter")
        assert "changes to QTY 5 from 2026-11-26" in str(app.screen.query_one("#message").render())
        (service,) = await _services(console_db, "lumen-software", "MAN1")
        (change,) = service.scheduled
        assert (service.quantity, change.new_quantity, change.effective_on) == (
            3,
            5,
            dt.date(2026, 11, 26),
        )
        # to the list of changes: cancelling asks first, and "no" keeps the change
        await press(pilot, "shift+tab", "shift+tab", "shift+tab", "x")
        assert isinstance(app.screen, ConfirmDialog)
        question = str(app.screen.query_one("#question").render())
        assert "desk-line from QTY 3 to QTY 5 on 2026-11-26" in question
        await press(pilot, "n")
        assert isinstance(app.screen, ManageServicesDialog)
        (service,) = await _services(console_db, "lumen-software", "MAN1")
        assert len(service.scheduled) == 1
        # f8 works from inside the quantity field (x there would be typed), "y" cancels
        app.screen.query_one("#quantity").focus()
        await settle(pilot)
        await press(pilot, "f8", "y")
        assert "Cancelled" in str(app.screen.query_one("#message").render())
        (service,) = await _services(console_db, "lumen-software", "MAN1")
        assert service.scheduled == () and service.quantity == 3
        await press(pilot, "escape")
        assert isinstance(app.screen, OccupierScreen)


async def test_a_change_for_today_applies_at_once(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await dialog_on("lumen-software", "MAN1", "4", "enter", "enter")(pilot)
        assert "QTY 4 now" in str(app.screen.query_one("#message").render())
    (service,) = await _services(console_db, "lumen-software", "MAN1")
    assert service.quantity == 4 and service.scheduled == ()


async def test_refused_decrease_changes_nothing(make_app, console_db) -> None:
    before = await with_db(console_db, snapshot)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await dialog_on("marlow-recruitment", "MAN1", "2", "ctrl+s")(pilot)
        message = str(app.screen.query_one("#message").render())
        assert message.startswith("Refused: cannot reduce to QTY 2") and "6 active" in message
    assert await with_db(console_db, snapshot) == before


async def test_opening_applies_due_changes_and_says_so(make_app, console_db) -> None:
    with clock.frozen(FROZEN_NOW + dt.timedelta(days=15)):
        app = make_app(apply_due_on_start=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await dialog_on("marlow-recruitment", "MAN1")(pilot)
            due = str(app.screen.query_one("#due").render())
            assert "Applied: desk-line for marlow-recruitment at MAN1 is now QTY 8" in due
    (service,) = await _services(console_db, "marlow-recruitment", "MAN1")
    assert service.quantity == 8 and service.scheduled == ()


async def test_double_schedule_writes_one_change(make_app, console_db, monkeypatch) -> None:
    import asyncio

    from voiceconsole.tui.screens import manage_services as dialog_module

    real = dialog_module.schedule_change

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.3)
        return await real(*args, **kwargs)

    monkeypatch.setattr(dialog_module, "schedule_change", slow)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await dialog_on("lumen-software", "MAN1", "5", "tab", *typed("+7"))(pilot)
        await pilot.press("ctrl+s", "ctrl+s", "enter")  # impatient: three goes, no waiting
        await settle(pilot)
    (service,) = await _services(console_db, "lumen-software", "MAN1")
    assert [c.new_quantity for c in service.scheduled] == [5]


def test_cancelling_a_change_asks_first(make_app, snap_compare):
    """marlow-recruitment at MAN1 has a change to QTY 8 pending: f8 asks before cancelling."""
    assert snap_compare(
        make_app(),
        run_before=dialog_on("marlow-recruitment", "MAN1", "f8"),
        terminal_size=(80, 24),
    )
