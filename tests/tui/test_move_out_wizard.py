"""The move-out wizard: its preview, the commit by keyboard (with the switch part), a
scheduled move-out cancelled with f8, and a failing switch's ports retried with f5."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import press, settle, typed, with_db
from helpers import snapshot
from sqlalchemy import select

from voiceconsole.db.models import MoveOut, Occupancy
from voiceconsole.services.lookup import occupier_by_ref, site_by_ref, site_today
from voiceconsole.switches import fleet
from voiceconsole.tui.screens.confirm import ConfirmDialog
from voiceconsole.tui.screens.move_out import MoveOutWizard
from voiceconsole.tui.screens.occupier import OccupierScreen


@pytest.fixture(autouse=True)
def in_process_switches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fleet.ENV_LAB, raising=False)


def wizard_on(occupier: str, site: str, *keys: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.app.push_screen(OccupierScreen(occupier, site))
        await press(pilot, "M", *keys)

    return run_before


def test_move_out_preview_80x24(make_app, snap_compare) -> None:
    assert snap_compare(
        make_app(), run_before=wizard_on("kestrel-architects", "LON1"), terminal_size=(80, 24)
    )


def test_move_out_done_80x24(make_app, snap_compare) -> None:
    run_before = wizard_on("copperleaf-design", "LON1", "ctrl+s", "y")
    assert snap_compare(make_app(), run_before=run_before, terminal_size=(80, 24))


def test_move_out_with_a_failing_switch_80x24(make_app, snap_compare) -> None:
    async def run_before(pilot: Any) -> None:
        await wizard_on("copperleaf-design", "LON1")(pilot)
        pilot.app.gateway.simulators.switch("lon1-1f-sw1").fail_next(
            r"shutdown", "% Invalid input detected at '^' marker."
        )
        await press(pilot, "ctrl+s", "y")

    assert snap_compare(make_app(), run_before=run_before, terminal_size=(80, 24))


async def _rows(url: str) -> tuple[list[Any], list[Any]]:
    async def read(db: Any) -> tuple[list[Any], list[Any]]:
        async with db.read() as session:
            moves = list(await session.scalars(select(MoveOut).order_by(MoveOut.id)))
            ended = list(
                await session.scalars(select(Occupancy).where(Occupancy.ended_on.is_not(None)))
            )
            return moves, ended

    return await with_db(url, read)


async def test_move_out_by_keyboard_commits_the_preview(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await app.push_screen(OccupierScreen("acme-analytics", "LON1"))
        await press(pilot, "M")
        wizard = app.screen
        assert isinstance(wizard, MoveOutWizard)
        preview = wizard.preview
        assert preview is not None and preview.dry_run and len(preview.numbers) == 5
        assert [s.hostname for s in preview.switches] == ["lon1-1f-sw1"]
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "n")  # not yet: nothing written
        assert (await _rows(console_db)) == ([], [])
        await press(pilot, "ctrl+s", "y")
        assert app.screen is wizard
        text = str(wizard.query_one("#preview").render())
        assert "1F-001 (lon1-1f-sw1 GigabitEthernet1/0/1): done" in text
        await press(pilot, "f1")  # the help explains the wizard's words
        help_text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "Move out" in help_text and "default port role" in help_text
        await press(pilot, "escape", "escape")
        assert isinstance(app.screen, OccupierScreen)
        title = str(app.screen.query_one("#occupier-title").render())
        assert title == "Acme Analytics moved out of LON1 on 2026-11-19"
    moves, ended = await _rows(console_db)
    assert [(m.status.value, m.ports_left) for m in moves] == [("applied", None)]
    assert len(ended) == 1


async def test_scheduled_then_cancelled_with_f8_changes_nothing_else(make_app, console_db) -> None:
    ignore = ("move_outs", "audit_entries", "audit_subjects")
    before = await with_db(console_db, lambda db: snapshot(db, ignore=ignore))
    app = make_app(apply_due_on_start=False)
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await app.push_screen(OccupierScreen("acme-analytics", "LON1"))
        await press(pilot, "M", *["backspace"] * 5, *typed("+14"))
        wizard = app.screen
        assert isinstance(wizard, MoveOutWizard)
        assert wizard.preview is not None and wizard.preview.scheduled
        await press(pilot, "ctrl+s", "y")
        assert wizard.state is not None and wizard.state.status == "pending"
        await press(pilot, "f8")
        assert wizard.state is None
    moves, ended = await _rows(console_db)
    assert [m.status.value for m in moves] == ["cancelled"] and ended == []
    assert await with_db(console_db, lambda db: snapshot(db, ignore=ignore)) == before


async def test_a_failing_switch_is_listed_and_retried_with_f5(make_app, console_db) -> None:
    app = make_app(apply_due_on_start=False)
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await app.push_screen(OccupierScreen("acme-analytics", "LON1"))
        await press(pilot, "M")
        app.gateway.simulators.switch("lon1-1f-sw1").fail_next(
            r"shutdown", "% Invalid input detected at '^' marker."
        )
        await press(pilot, "ctrl+s", "y")
        wizard = app.screen
        assert isinstance(wizard, MoveOutWizard)
        assert wizard.state is not None and len(wizard.state.ports_left) == 4
        moves, ended = await _rows(console_db)
        assert len(moves[0].ports_left) == 4 and len(ended) == 1
        await press(pilot, "f5")
        assert wizard.state is not None and wizard.state.ports_left == ()
    moves, _ = await _rows(console_db)
    assert moves[0].ports_left is None


async def test_a_move_out_due_is_applied_when_the_console_opens(make_app, console_db) -> None:
    async def schedule(db: Any) -> None:
        async with db.write() as session:
            holder = await occupier_by_ref(session, "copperleaf-design")
            place = await site_by_ref(session, "LON1")
            # As if scheduled a week ago for today (the clock is fixed).
            session.add(
                MoveOut(
                    occupier_id=holder.id,
                    site_id=place.id,
                    effective_on=site_today(place),
                    created_by="qa",
                )
            )
            await session.commit()

    await with_db(console_db, schedule)
    app = make_app()
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        said = [n.message for n in app._notifications]
        assert any(m.startswith("Moved out: copperleaf-design from LON1;") for m in said), said
    moves, ended = await _rows(console_db)
    assert [(m.status.value, m.ports_left) for m in moves] == [("applied", None)]
    assert len(ended) == 1
