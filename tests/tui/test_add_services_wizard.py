"""The add-services wizard: the live preview for each case of domain.md, commit, cancel."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from conftest import press, settle, typed, with_db
from helpers import snapshot

from voiceconsole.services.numbers import list_numbers
from voiceconsole.services.voice_services import add_services, list_services
from voiceconsole.tui.screens.add_services import AddServicesResultScreen, AddServicesWizard
from voiceconsole.tui.screens.occupier import OccupierScreen

# The wizard opens on the product list (nothing preselected): conference-line, desk-line,
# soft-line in code order, below the blank prompt.
DESK_LINE = ["enter", "down", "down", "enter", "tab"]
SOFT_LINE = ["enter", "down", "down", "down", "enter", "tab"]


def wizard_on(occupier: str, site: str, *keys: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.app.push_screen(AddServicesWizard(occupier, site))
        await press(pilot, *keys)

    return run_before


@pytest.mark.parametrize(
    ("occupier", "site", "keys"),
    [
        pytest.param("indigo-health", "LON1", [*DESK_LINE, "7"], id="uk_with_main_number"),
        pytest.param("orchid-events", "MAN1", [*DESK_LINE, "7"], id="uk_without_main_number"),
        pytest.param("canal-street-labs", "NYC1", [*DESK_LINE, "7"], id="us_exactly"),
        pytest.param("acme-analytics", "LON1", [*SOFT_LINE, "2"], id="upgrade_skipped"),
        pytest.param("halcyon-legal", "LON1", [*DESK_LINE, "3"], id="special_numbers_skipped"),
        pytest.param("wharfside-dental", "LDS1", [*DESK_LINE, "7"], id="short_pool_blocked"),
    ],
)
def test_wizard_preview(make_app, snap_compare, occupier, site, keys) -> None:
    assert snap_compare(
        make_app(), run_before=wizard_on(occupier, site, *keys), terminal_size=(100, 34)
    )


def test_wizard_preview_80x24(make_app, snap_compare) -> None:
    run_before = wizard_on("indigo-health", "LON1", *DESK_LINE, "7")
    assert snap_compare(make_app(), run_before=run_before, terminal_size=(80, 24))


async def _open_occupier(pilot: Any, site_row: int, occupier_filter: str) -> None:
    """From the sites list to an occupier, by keyboard only."""
    await press(
        pilot, *["down"] * site_row, "enter", "slash", *typed(occupier_filter), "enter", "enter"
    )
    assert isinstance(pilot.app.screen, OccupierScreen)


async def test_wizard_commits_exactly_the_previewed_numbers(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(100, 34)) as pilot:
        await _open_occupier(pilot, 1, "indigo")
        await press(pilot, "a", *DESK_LINE, "7")
        wizard = app.screen
        assert isinstance(wizard, AddServicesWizard)
        preview = wizard.preview
        assert preview is not None and preview.dry_run and preview.automation == "applied"
        assert len(preview.allocated) == 10 and preview.main_number is not None
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, AddServicesResultScreen)
        assert app.screen.result.allocated == preview.allocated
        await press(pilot, "enter")
        assert isinstance(app.screen, OccupierScreen)

    numbers = await with_db(
        console_db, lambda db: list_numbers(db, site="LON1", occupier="indigo-health")
    )
    by_state = {n.e164: (n.state, n.is_main) for n in numbers}
    assert sorted(by_state) == sorted(preview.allocated)
    assert by_state[preview.main_number] == ("active", True)
    assert all(by_state[n] == ("active", False) for n in preview.activated)
    assert all(by_state[n] == ("reserved", False) for n in preview.spare)
    services = await with_db(
        console_db, lambda db: list_services(db, occupier="indigo-health", site="LON1")
    )
    assert [(s.product, s.quantity) for s in services] == [("desk-line", 7)]


async def test_cancelled_wizard_writes_nothing(make_app, console_db) -> None:
    before = await with_db(console_db, snapshot)
    app = make_app()
    async with app.run_test(size=(100, 34)) as pilot:
        await _open_occupier(pilot, 1, "indigo")
        await press(pilot, "a", *DESK_LINE, "7")
        assert app.screen.query_one("#confirm").disabled is False
        await press(pilot, "escape")
        assert isinstance(app.screen, OccupierScreen)
    assert (await with_db(console_db, snapshot)) == before


async def test_blocked_preview_cannot_be_confirmed(make_app, console_db) -> None:
    before = await with_db(console_db, snapshot)
    app = make_app()
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await app.push_screen(AddServicesWizard("wharfside-dental", "LDS1"))
        await press(pilot, *DESK_LINE, "7", "ctrl+s")
        assert isinstance(app.screen, AddServicesWizard)
        assert "pool is short: 10 numbers needed, 5 available" in str(
            app.screen.query_one("#preview").render()
        )
        await press(pilot, "backspace", "minus")
        assert "quantity must be a whole number" in str(app.screen.query_one("#preview").render())
    assert (await with_db(console_db, snapshot)) == before


async def test_a_colleague_taking_the_previewed_numbers_stops_the_commit(
    make_app, console_db
) -> None:
    """What the user confirmed is what happens, or nothing: a changed pool is a new preview."""
    app = make_app()
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await app.push_screen(AddServicesWizard("indigo-health", "LON1"))
        await press(pilot, *DESK_LINE, "7")
        seen = app.screen.preview.allocated
        # Meanwhile a colleague adds services for another LON1 occupier: same lowest numbers.
        colleague = await with_db(
            console_db,
            lambda db: add_services(
                db,
                "colleague",
                occupier="juniper-robotics",
                site="LON1",
                product="desk-line",
                quantity=2,
            ),
        )
        assert set(colleague.allocated) & set(seen)
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, AddServicesWizard)  # not committed
        shown = str(app.screen.query_one("#preview").render())
        assert "Not added: the LON1 pool changed since the preview" in shown
        fresh = app.screen.preview.allocated
        assert not set(fresh) & set(colleague.allocated)
        assert (
            await with_db(
                console_db, lambda db: list_numbers(db, site="LON1", occupier="indigo-health")
            )
            == []
        )
        await press(pilot, "ctrl+s")  # confirms the new preview
        assert isinstance(app.screen, AddServicesResultScreen)
        assert app.screen.result.allocated == fresh


def _slow_add_services(monkeypatch, seconds: float = 0.3) -> list[bool]:
    """Slow down commits (not previews) the way a busy database would; returns the calls."""
    from voiceconsole.tui.screens import add_services as wizard_module

    real = wizard_module.add_services
    commits: list[bool] = []

    async def slow(*args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("dry_run"):
            commits.append(True)
            await asyncio.sleep(seconds)
        return await real(*args, **kwargs)

    monkeypatch.setattr(wizard_module, "add_services", slow)
    return commits


async def test_double_confirm_commits_once(make_app, console_db, monkeypatch) -> None:
    commits = _slow_add_services(monkeypatch)
    app = make_app()
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await app.push_screen(AddServicesWizard("indigo-health", "LON1"))
        await press(pilot, *DESK_LINE, "7")
        await pilot.press("ctrl+s", "ctrl+s")  # no waiting: the second lands mid-commit
        await settle(pilot)
        assert len(commits) == 1
        assert isinstance(app.screen, AddServicesResultScreen)
    services = await with_db(
        console_db, lambda db: list_services(db, occupier="indigo-health", site="LON1")
    )
    assert [(s.product, s.quantity) for s in services] == [("desk-line", 7)]


async def test_escape_during_the_commit_waits_for_its_result(
    make_app, console_db, monkeypatch
) -> None:
    _slow_add_services(monkeypatch)
    app = make_app()
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await app.push_screen(AddServicesWizard("indigo-health", "LON1"))
        await press(pilot, *DESK_LINE, "7")
        await pilot.press("ctrl+s", "escape")
        await settle(pilot)
        # The write went ahead, so the user sees what it did rather than nothing.
        assert isinstance(app.screen, AddServicesResultScreen)


def test_wizard_result_screen(make_app, snap_compare) -> None:
    """After the commit: what was allocated, activated, kept spare."""
    run_before = wizard_on("indigo-health", "LON1", *DESK_LINE, "7", "ctrl+s")
    assert snap_compare(make_app(), run_before=run_before, terminal_size=(100, 34))
