"""The shell: command palette, error dialog, themes, the user keymap, start-up."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import FROZEN_NOW, press, settle, typed, with_db
from sqlalchemy import exc as sa_exc

from voiceconsole.config import ConsoleSettings, SettingsError, load_console_settings
from voiceconsole.services.voice_services import schedule_change
from voiceconsole.tui.app import VoiceconsoleApp
from voiceconsole.tui.screens.error import ErrorDialog
from voiceconsole.tui.screens.floor_ports import FloorPortsScreen
from voiceconsole.tui.screens.occupier import OccupierScreen
from voiceconsole.tui.screens.site import SiteScreen
from voiceconsole.tui.screens.sites import SitesScreen
from voiceconsole.tui.screens.telephony import TelephonyScreen
from voiceconsole.tui.widgets.list_table import ListTable


def palette(*keys: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await press(pilot, "ctrl+p", *keys)
        await pilot.pause(0.3)  # the palette searches after a short debounce
        await settle(pilot)

    return run_before


def test_palette_finds_a_number_typed_in_national_form(make_app, snap_compare) -> None:
    assert snap_compare(
        make_app(), run_before=palette(*typed("020 7946 000")), terminal_size=(100, 30)
    )


async def _palette_open(app: Any, pilot: Any, text: str) -> None:
    await press(pilot, "ctrl+p", *typed(text))
    await pilot.pause(0.3)
    await settle(pilot)
    await press(pilot, "enter")


async def test_palette_jumps_to_site_occupier_number_and_floor_port(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _palette_open(app, pilot, "Spinningfields")
        assert isinstance(app.screen, SiteScreen) and app.screen.site == "MAN1"
        await _palette_open(app, pilot, "quayside")
        assert isinstance(app.screen, OccupierScreen)
        assert (app.screen.occupier, app.screen.site) == ("quayside-games", "MAN1")
        await _palette_open(app, pilot, "+44 161 496 0004")
        assert isinstance(app.screen, TelephonyScreen)
        await _palette_open(app, pilot, "2F-013")
        # The port grid on the port's floor, the cursor on it (more in test_palette.py).
        assert isinstance(app.screen, FloorPortsScreen)
        assert (app.screen.site, app.screen.floor) == ("LON1", "2F")
        assert app.screen.query_one("#ports", ListTable).selected_key == "2F-013"


def test_error_dialog(make_app, snap_compare, monkeypatch) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise sa_exc.OperationalError("SELECT", {}, Exception("disk I/O error"))

    monkeypatch.setattr("voiceconsole.tui.screens.sites.list_sites", broken)
    assert snap_compare(make_app(), run_before=palette("escape"), terminal_size=(80, 24))


async def test_a_failing_worker_shows_the_dialog_and_the_console_carries_on(
    make_app, monkeypatch
) -> None:
    calls = []

    async def broken_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise RuntimeError("boom")

    monkeypatch.setattr("voiceconsole.tui.screens.sites.list_sites", broken_once)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorDialog)
        assert "RuntimeError: boom" in str(app.screen.query_one("#error-message").render())
        await press(pilot, "escape")
        assert isinstance(app.screen, SitesScreen)
        monkeypatch.undo()
        await press(pilot, "r")
        assert app.screen.query_one(ListTable).row_count == 5


def test_ansi_theme_keeps_the_terminal_colours(make_app, snap_compare) -> None:
    assert snap_compare(
        make_app(theme="ansi-dark"), terminal_size=(80, 24), run_before=palette("escape")
    )


async def test_user_keymap_rebinds_by_binding_id(make_app) -> None:
    app = make_app(keymap={"sites.telephony": "n", "app.activity": "f9"})
    async with app.run_test(size=(100, 30)) as pilot:
        await press(pilot, "t")
        assert isinstance(app.screen, SitesScreen)  # "t" no longer opens telephony
        await press(pilot, "n")
        assert isinstance(app.screen, TelephonyScreen)
        assert isinstance(app.screen_stack[-2], SitesScreen)
        await press(pilot, "escape", "f9")
        assert type(app.screen).__name__ == "ActivityScreen"


def test_settings_file(tmp_path) -> None:
    path = tmp_path / "console.toml"
    path.write_text('theme = "ansi-light"\ncursor_blink = false\n[keymap]\n"app.quit" = "ctrl+x"\n')
    assert load_console_settings(path) == ConsoleSettings(
        theme="ansi-light", cursor_blink=False, keymap={"app.quit": "ctrl+x"}
    )
    path.write_text("theme = [")
    with pytest.raises(SettingsError, match="cannot read the settings file"):
        load_console_settings(path)
    assert load_console_settings(tmp_path / "none.toml") == ConsoleSettings()


async def test_start_applies_due_changes_and_says_so(console_db) -> None:
    import datetime as dt

    from voiceconsole import clock

    with clock.frozen(FROZEN_NOW + dt.timedelta(days=15)):
        app = VoiceconsoleApp(console_db, actor="qa", settings=ConsoleSettings(cursor_blink=False))
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            shown = [n.message for n in app._notifications]
            assert any("marlow-recruitment at MAN1 is now QTY 8" in m for m in shown)

    async def pending(db: Any) -> Any:
        return await schedule_change(
            db,
            "qa",
            occupier="marlow-recruitment",
            site="MAN1",
            product="desk-line",
            quantity=8,
            effective_on=1,
        )

    # applied already: asking for QTY 8 again is refused as no change
    with pytest.raises(Exception, match="already QTY 8"):
        await with_db(console_db, pending)


async def test_screen_actions_are_in_the_palette(make_app) -> None:
    """Every key action of the screen is a palette command too (the footer has no room)."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await app.push_screen(OccupierScreen("indigo-health", "LON1"))
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Add services", "Manage services", "Telephony", "Floor ports", "Activity"} <= titles
        await press(pilot, "ctrl+p", *typed("add serv"))
        await pilot.pause(0.3)
        await press(pilot, "enter")
        assert type(app.screen).__name__ == "AddServicesWizard"
